"""Agreement between rater groups on the same battles, with Bayesian intervals.

The Chatbot Arena paper (Chiang et al., 2024) reports how often crowd users, experts and GPT-4
agree on the same battles; MT-Bench (Zheng et al., 2023) reports it with and without ties. Here:

* an *item* is one battle: the ``item`` columns (default ``prompt_id``) plus the unordered model
  pair; each vote's outcome is taken relative to the pair's sorted order (``lo`` wins, ``hi``
  wins, tie — ``tie_bothbad`` counts as a tie);
* for two groups ``g != h``, every pair of a ``g`` vote and an ``h`` vote on the same item is a
  comparison; within a group (``g == h``), every pair of votes by *different* raters of the group
  on the same item (votes without ``voter_id`` count as different raters);
* ``ties="with"``: a comparison agrees when both outcomes are equal (three outcomes);
  ``ties="without"``: only comparisons where neither vote is a tie count.

The agreement rate is the share of agreeing comparisons, pooled over items. Its posterior comes
from the Bayesian bootstrap over items (Rubin, 1981): item weights ``w ~ Dirichlet(1, ..., 1)``,
``rate = sum w * agree / sum w * pairs``; items, not comparisons, are the independent units, so
several votes on one battle do not overstate the evidence. ``lower``/``upper`` are the central
interval of ``prob``.

Groups default to ``"crowd"`` for crowd votes and the ``voter_id`` of every other rater (so
``Expert 1``, ``Expert 2``, ``GPT-4`` get their own rows, as in the paper's table).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sealvalid.data.schema import VoteTableError

__all__ = ["AGREEMENT_COLUMNS", "agreement_table", "agreement_matrix", "rater_groups"]

AGREEMENT_COLUMNS = ["group_a", "group_b", "ties", "agreement", "lower", "upper", "n_items",
                     "n_pairs", "method"]


def rater_groups(votes: pd.DataFrame) -> pd.Series:
    """Default groups: ``"crowd"`` for crowd votes, else the ``voter_id`` (or ``rater_type``)."""
    n = len(votes)
    rt = (votes["rater_type"].astype("str") if "rater_type" in votes.columns
          else pd.Series(["crowd"] * n, index=votes.index, dtype="str"))
    vid = (votes["voter_id"].astype("str") if "voter_id" in votes.columns
           else pd.Series([None] * n, index=votes.index, dtype="str"))
    g = vid.where(vid.notna() & (rt != "crowd"), rt)
    return g.astype("str")


def _prepare(votes, group, item):
    if isinstance(votes, Mapping):
        frames = []
        for name, v in votes.items():
            f = v.copy()
            f["_group"] = str(name)
            frames.append(f)
        cols = set.intersection(*(set(f.columns) for f in frames))
        frames = [f[[c for c in f.columns if c in cols]] for f in frames]
        for f in frames:
            for c in ("model_a", "model_b", "winner"):
                f[c] = f[c].astype("str")
        v = pd.concat(frames, ignore_index=True)
        g = v["_group"].astype("str")
    else:
        v = votes
        if group is None:
            g = rater_groups(v)
        elif isinstance(group, str):
            if group not in v.columns:
                raise VoteTableError(f"group column {group!r} not in the vote table; columns: "
                                     f"{sorted(map(str, v.columns))}")
            g = v[group].astype("str")
        else:
            g = pd.Series(np.asarray(group), index=v.index).astype("str")
    missing = [c for c in item if c not in v.columns]
    if missing:
        raise VoteTableError(f"item columns {missing} not in the vote table (an item is a battle: "
                             f"item columns + model pair); columns: {sorted(map(str, v.columns))}")
    a = v["model_a"].astype("str").to_numpy()
    b = v["model_b"].astype("str").to_numpy()
    w = v["winner"].astype("str").to_numpy()
    lo = np.where(a < b, a, b)
    hi = np.where(a < b, b, a)
    flip = a > b
    out = np.where(np.isin(w, ["tie", "tie_bothbad"]), 2,
                   np.where((w == "model_a") ^ flip, 0, 1))
    keys = [v[c].astype("str").to_numpy() for c in item] + [lo, hi]
    item_code = pd.MultiIndex.from_arrays(keys).factorize()[0] if len(keys) > 1 else \
        pd.factorize(keys[0])[0]
    voter = (v["voter_id"].astype("str").to_numpy() if "voter_id" in v.columns
             else np.full(len(v), None, dtype=object))
    return pd.DataFrame({"item": item_code, "group": g.to_numpy(), "outcome": out,
                         "voter": voter})


def _pair_counts(df: pd.DataFrame, ga: str, gb: str) -> tuple[np.ndarray, ...]:
    """Per item: agreeing and total comparisons, with and without ties."""
    a = df[df["group"] == ga]
    b = a if ga == gb else df[df["group"] == gb]
    n_items = int(df["item"].max()) + 1
    ca = np.zeros((n_items, 3))
    cb = np.zeros((n_items, 3))
    np.add.at(ca, (a["item"].to_numpy(), a["outcome"].to_numpy()), 1.0)
    np.add.at(cb, (b["item"].to_numpy(), b["outcome"].to_numpy()), 1.0)
    if ga != gb:
        agree_t = (ca * cb).sum(axis=1)
        pairs_t = ca.sum(axis=1) * cb.sum(axis=1)
        agree_n = (ca[:, :2] * cb[:, :2]).sum(axis=1)
        pairs_n = ca[:, :2].sum(axis=1) * cb[:, :2].sum(axis=1)
    else:
        # pairs of votes by different raters: all pairs minus pairs from the same rater
        same_t = np.zeros(n_items)
        same_at = np.zeros(n_items)
        same_n = np.zeros(n_items)
        same_an = np.zeros(n_items)
        named = a[a["voter"].notna() & (a["voter"] != "None")]
        if len(named):
            per = named.groupby(["item", "voter", "outcome"], sort=False).size()
            cnt = per.unstack("outcome", fill_value=0).reindex(columns=[0, 1, 2], fill_value=0)
            items = cnt.index.get_level_values("item").to_numpy()
            m = cnt.to_numpy(float)
            tot = m.sum(axis=1)
            dec = m[:, :2].sum(axis=1)
            np.add.at(same_t, items, tot * (tot - 1) / 2)
            np.add.at(same_at, items, (m * (m - 1) / 2).sum(axis=1))
            np.add.at(same_n, items, dec * (dec - 1) / 2)
            np.add.at(same_an, items, (m[:, :2] * (m[:, :2] - 1) / 2).sum(axis=1))
        tot = ca.sum(axis=1)
        dec = ca[:, :2].sum(axis=1)
        agree_t = (ca * (ca - 1) / 2).sum(axis=1) - same_at
        pairs_t = tot * (tot - 1) / 2 - same_t
        agree_n = (ca[:, :2] * (ca[:, :2] - 1) / 2).sum(axis=1) - same_an
        pairs_n = dec * (dec - 1) / 2 - same_n
    return agree_t, pairs_t, agree_n, pairs_n


def agreement_table(
    votes: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    group: str | Sequence | None = None,
    item: Sequence[str] = ("prompt_id",),
    within: bool = True,
    prob: float = 0.95,
    n_draws: int = 4000,
    rng=None,
) -> pd.DataFrame:
    """Pairwise agreement rates between rater groups, with and without ties.

    Parameters
    ----------
    votes : pandas.DataFrame or mapping of str to DataFrame
        One vote table (groups from ``group``) or several, one per group name.
    group : str, sequence or None
        Grouping column or labels; default :func:`rater_groups`.
    item : sequence of str
        Columns that, with the model pair, identify a battle.
    within : bool
        Also report agreement within each group (between different raters).
    prob : float
        Central interval probability.
    n_draws : int
        Bayesian-bootstrap draws.
    rng : seed or numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        :data:`AGREEMENT_COLUMNS`; ``agreement`` is the pooled rate, ``lower``/``upper`` its
        Bayesian-bootstrap interval, ``n_items`` the battles with at least one comparison.
    """
    rng = np.random.default_rng(rng)
    df = _prepare(votes, group, tuple(item))
    groups = sorted(df["group"].unique())
    rows = []
    for x, ga in enumerate(groups):
        for gb in groups[x:]:
            if ga == gb and not within:
                continue
            agree_t, pairs_t, agree_n, pairs_n = _pair_counts(df, ga, gb)
            for ties, agree, pairs in (("with", agree_t, pairs_t), ("without", agree_n, pairs_n)):
                live = pairs > 0
                if not live.any():
                    continue
                ag, pr = agree[live], pairs[live]
                w = rng.dirichlet(np.ones(len(pr)), size=n_draws) if len(pr) > 1 else \
                    np.ones((n_draws, 1))
                rate = (w @ ag) / (w @ pr)
                lo, hi = np.quantile(rate, [(1 - prob) / 2, (1 + prob) / 2])
                rows.append({"group_a": ga, "group_b": gb, "ties": ties,
                             "agreement": float(ag.sum() / pr.sum()), "lower": float(lo),
                             "upper": float(hi), "n_items": int(live.sum()),
                             "n_pairs": float(pr.sum()), "method": "bayesian bootstrap over items"})
    out = pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
    for c in ("group_a", "group_b", "ties", "method"):
        out[c] = out[c].astype("str")
    return out


def agreement_matrix(table: pd.DataFrame, *, ties: str = "without",
                     digits: int = 1) -> pd.DataFrame:
    """Format the agreement table as the paper's matrix of ``"72.8% (69.1–76.2)"`` strings.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`agreement_table`.
    ties : {"with", "without"}
        Which agreement to show.
    digits : int
        Decimals of the percentages.

    Returns
    -------
    pandas.DataFrame
        Rows and columns are the groups; the matrix is symmetric, the diagonal is within-group.
    """
    if ties not in ("with", "without"):
        raise ValueError(f"ties={ties!r} unknown; allowed: ['with', 'without']")
    t = table[table["ties"] == ties]
    groups = sorted(set(t["group_a"]) | set(t["group_b"]))
    out = pd.DataFrame("", index=pd.Index(groups, dtype="str"), columns=pd.Index(groups,
                                                                                 dtype="str"))
    for _, r in t.iterrows():
        cell = (f"{100 * r['agreement']:.{digits}f}% ({100 * r['lower']:.{digits}f}–"
                f"{100 * r['upper']:.{digits}f})")
        out.loc[r["group_a"], r["group_b"]] = cell
        out.loc[r["group_b"], r["group_a"]] = cell
    return out
