"""Aggregated comparison cells for the Bayesian models: counts per pair, segment, voter, covariate.

A cell is one distinct combination of (model pair, segment level in each ``by`` dimension,
voter, covariate values); its counts are the votes in it: wins of the lower-indexed model ``i``,
wins of ``j``, and ties. The likelihood of a Bradley–Terry-type model depends on the votes only
through these counts, so a million votes over 50 models and 20 segments cost what their ~25,000
cells cost. Without voter, position or style terms this is the same aggregation as
:func:`sealvalid.rating.cells.aggregate_pairs`, done per segment.

Orientation: every cell has ``i < j``; a vote with ``model_a`` after ``model_b`` in the model
index is flipped (its wins swap, its covariates change sign). Covariates, all oriented toward
``i``: ``position`` (+1 when ``i`` was shown first, -1 when ``j`` was, 0 unknown) and the style
features ``(i - j) / (i + j + 1)`` standardised over the votes (LMSYS's style-control features),
rounded to ``style_resolution`` standard deviations so that cells can merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sealvalid.data.schema import STYLE_FEATURES, VoteTableError, validate_votes
from sealvalid.rating.cells import BOTHBAD_MODES

__all__ = ["PairCells", "build_cells", "TIE_MODELS", "MISSING_MODES", "shrink_votes"]

#: how ties enter: a Davidson or Rao–Kupper tie model, dropped, or half a win each way
TIE_MODELS = ("davidson", "rao_kupper", "drop", "half")
#: what to do with votes whose segment value is missing
MISSING_MODES = ("error", "drop", "level")
MISSING_LEVEL = "(missing)"


@dataclass(frozen=True)
class PairCells:
    """Vote counts per comparison cell.

    Attributes
    ----------
    models : pandas.Index
        Model names; positions are the indices in ``i`` and ``j``.
    i, j : ndarray of intp
        The two models of each cell, ``i < j``.
    counts : ndarray, shape (n_cells, 3)
        Weighted counts: wins of ``i``, wins of ``j``, ties (zero when ties are dropped).
    raw : ndarray, shape (n_cells, 3)
        Unweighted vote counts per outcome.
    dims : tuple of str
        Segment dimensions (``by`` columns).
    levels : tuple of pandas.Index
        Levels of each dimension.
    seg : ndarray of intp, shape (n_cells, len(dims))
        Level code of each cell in each dimension.
    voters : pandas.Index or None
        Voter ids (with voter effects).
    voter : ndarray of intp or None
        Voter code of each cell.
    x : ndarray, shape (n_cells, p)
        Covariates oriented toward ``i`` (``p`` may be 0).
    x_names : tuple of str
        Covariate names (``position``, ``style_<feature>``).
    n_votes : int
        Votes aggregated.
    info : dict
        Dropped votes by reason, style standardisation, ties convention.
    """

    models: pd.Index
    i: np.ndarray
    j: np.ndarray
    counts: np.ndarray
    raw: np.ndarray
    dims: tuple[str, ...]
    levels: tuple[pd.Index, ...]
    seg: np.ndarray
    voters: pd.Index | None
    voter: np.ndarray | None
    x: np.ndarray
    x_names: tuple[str, ...]
    n_votes: int
    info: dict = field(default_factory=dict)

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self.i)

    @property
    def n_models(self) -> int:
        """Number of models."""
        return len(self.models)

    def votes_per_model(self) -> np.ndarray:
        """Unweighted votes per model."""
        tot = self.raw.sum(axis=1)
        k = self.n_models
        return np.bincount(self.i, tot, minlength=k) + np.bincount(self.j, tot, minlength=k)

    def votes_per_model_level(self, d: int) -> np.ndarray:
        """Unweighted votes per (model, level) of dimension ``d``, shape (n_models, n_levels)."""
        tot = self.raw.sum(axis=1)
        k, lev = self.n_models, len(self.levels[d])
        s = self.seg[:, d]
        return (np.bincount(self.i * lev + s, tot, minlength=k * lev)
                + np.bincount(self.j * lev + s, tot, minlength=k * lev)).reshape(k, lev)


def _codes(values: pd.Series, name: str, missing: str) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """Integer codes of a segment/voter column; rows to keep."""
    s = values
    null = s.isna().to_numpy()
    keep = np.ones(len(s), dtype=bool)
    if null.any():
        if missing == "error":
            raise VoteTableError(
                f"column {name!r} has {int(null.sum())} of {len(s)} rows missing; "
                f"pass missing='drop' or missing='level' (allowed: {list(MISSING_MODES)})"
            )
        if missing == "drop":
            keep = ~null
        else:
            s = s.astype("object").where(~null, MISSING_LEVEL)
    codes, uniques = pd.factorize(s.astype("str"), sort=True)
    return codes.astype(np.intp), pd.Index(uniques.astype(str), name=name), keep


def shrink_votes(votes: pd.DataFrame, *, max_models: int, max_votes: int, rng=None,
                 models: Sequence[str] | None = None) -> pd.DataFrame:
    """Fast mode: keep the most-voted models (or ``models``) and a random subset of votes.

    Parameters
    ----------
    votes : pandas.DataFrame
        A canonical vote table.
    max_models : int
        Models kept (the most voted) when ``models`` is None.
    max_votes : int
        Votes kept at most (a seeded uniform subset).
    rng : seed or numpy.random.Generator
        Randomness for the subset.
    models : sequence of str, optional
        Keep exactly these models.

    Returns
    -------
    pandas.DataFrame
        A canonical vote table (``attrs["fast_mode"]`` records what was kept).
    """
    rng = np.random.default_rng(rng)
    a, b = votes["model_a"].astype("str"), votes["model_b"].astype("str")
    if models is None:
        counts = pd.concat([a, b]).value_counts(sort=False)
        counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        models = list(counts.index[:max_models])
    keep = (a.isin(models) & b.isin(models)).to_numpy()
    idx = np.flatnonzero(keep)
    if len(idx) > max_votes:
        idx = np.sort(rng.choice(idx, size=max_votes, replace=False))
    out = votes.iloc[idx].copy()
    out["model_a"] = out["model_a"].astype("str")
    out["model_b"] = out["model_b"].astype("str")
    out = validate_votes(out)
    out.attrs = {**votes.attrs, "fast_mode": {"models": list(models), "n_votes": len(out),
                                              "n_votes_before": len(votes)}}
    return out


def build_cells(
    votes: pd.DataFrame,
    *,
    by: Sequence[str] = (),
    ties: str = "davidson",
    bothbad: str = "tie",
    voter: bool = False,
    position: bool = False,
    style: bool | Sequence[str] = False,
    style_resolution: float | None = 0.25,
    models: Sequence[str] | None = None,
    missing: str = "error",
    max_levels: int | None = None,
    max_voters: int | None = None,
) -> PairCells:
    """Aggregate a canonical vote table into cells.

    Parameters
    ----------
    votes : pandas.DataFrame
        A canonical vote table (validated here if it is not).
    by : sequence of str
        Segment dimensions (columns such as ``language``, ``country``).
    ties : {"davidson", "rao_kupper", "drop", "half"}
        Tie convention; with ``"drop"`` ties are removed.
    bothbad : {"tie", "drop"}
        ``tie_bothbad`` votes counted as ties or dropped.
    voter : bool
        Keep voters apart (needs ``voter_id``).
    position : bool
        Presentation-order covariate (needs ``position``).
    style : bool or sequence of str
        Style covariates (``True``: all of :data:`~sealvalid.data.STYLE_FEATURES`).
    style_resolution : float or None
        Round the standardised style differences to this grid (standard deviations) so that
        cells merge; ``None`` keeps them exact (about one cell per vote).
    models : sequence of str, optional
        The model index to use; votes with other models are dropped (counted in ``info``).
    missing : {"error", "drop", "level"}
        Votes with a missing segment value: an error, dropped, or a level ``"(missing)"``.
    max_levels, max_voters : int, optional
        Keep the largest levels / most active voters, pool the rest into ``"other"``.

    Returns
    -------
    PairCells
    """
    if ties not in TIE_MODELS:
        raise ValueError(f"ties={ties!r} unknown; allowed: {list(TIE_MODELS)}")
    if bothbad not in BOTHBAD_MODES:
        raise ValueError(f"bothbad={bothbad!r} unknown; allowed: {list(BOTHBAD_MODES)}")
    if missing not in MISSING_MODES:
        raise ValueError(f"missing={missing!r} unknown; allowed: {list(MISSING_MODES)}")
    if not all(isinstance(votes[c].dtype, pd.CategoricalDtype)
               for c in ("model_a", "model_b", "winner") if c in votes.columns):
        votes = validate_votes(votes)
    by = tuple(by)
    for col in by + (("voter_id",) if voter else ()) + (("position",) if position else ()):
        if col not in votes.columns:
            raise VoteTableError(
                f"column {col!r} is needed (segment, voter or position term) but the vote "
                f"table has only {sorted(map(str, votes.columns))}"
            )
    n0 = len(votes)
    info: dict = {"ties": ties, "bothbad": bothbad, "dropped": {}}
    keep = np.ones(n0, dtype=bool)
    names_a = votes["model_a"].cat.categories
    a = votes["model_a"].cat.codes.to_numpy().astype(np.intp)
    b = votes["model_b"].cat.codes.to_numpy().astype(np.intp)
    if models is not None:
        index = pd.Index([str(m) for m in models], name="model")
        if index.has_duplicates:
            raise ValueError("models must be distinct")
        remap = index.get_indexer(names_a.astype(str))
        a, b = remap[a], remap[b]
        out = (a < 0) | (b < 0)
        info["dropped"]["model outside the index"] = int(out.sum())
        keep &= ~out
    else:
        used = np.zeros(len(names_a), dtype=bool)
        used[a] = used[b] = True
        remap = np.cumsum(used) - 1
        a, b = remap[a], remap[b]
        index = pd.Index(names_a[used].astype(str), name="model")
    w = votes["winner"].cat.codes.to_numpy()  # 0 a, 1 b, 2 tie, 3 tie_bothbad
    if bothbad == "drop":
        info["dropped"]["tie_bothbad"] = int((w == 3).sum())
        keep &= w != 3
    if ties == "drop":
        info["dropped"]["tie"] = int(((w == 2) | ((w == 3) & (bothbad == "tie"))).sum())
        keep &= w < 2
    outcome = np.where(w >= 2, 2, w)
    weights = votes["weight"].to_numpy(float) if "weight" in votes.columns else None

    seg_codes, levels = [], []
    for col in by:
        codes, lev, ok = _codes(votes[col], col, missing)
        info["dropped"][f"missing {col}"] = int((~ok).sum())
        keep &= ok
        if max_levels is not None and len(lev) > max_levels:
            codes, lev = _pool(codes, lev, max_levels, keep)
        seg_codes.append(codes)
        levels.append(lev)
    voter_codes = voters = None
    if voter:
        codes, voters, ok = _codes(votes["voter_id"], "voter_id", "drop")
        info["dropped"]["missing voter_id"] = int((~ok).sum())
        keep &= ok
        if max_voters is not None and len(voters) > max_voters:
            codes, voters = _pool(codes, voters, max_voters, keep)
        voter_codes = codes

    x_cols, x_names = [], []
    flip = a > b
    if position:
        pos = votes["position"].cat.codes.to_numpy()  # 0 a first, 1 b first, -1 unknown
        xp = np.where(pos == 0, 1.0, np.where(pos == 1, -1.0, 0.0))
        x_cols.append(np.where(flip, -xp, xp))
        x_names.append("position")
    if style is not False and style is not None:
        from sealvalid.rating.style import style_features

        feats = list(STYLE_FEATURES) if style is True else list(style)
        xs, usable, sinfo = style_features(votes, feats, standardize=True)
        full = np.zeros((n0, len(feats)))
        full[usable] = xs
        info["dropped"]["missing style counts"] = int((~usable).sum())
        keep &= usable
        if style_resolution:
            full = np.round(full / style_resolution) * style_resolution
        info["style"] = {**sinfo, "resolution": style_resolution}
        for f, col in zip(feats, full.T, strict=True):
            x_cols.append(np.where(flip, -col, col))
            x_names.append(f"style_{f}")

    lo, hi = np.minimum(a, b), np.maximum(a, b)
    out_oriented = np.where(flip & (outcome < 2), 1 - outcome, outcome)
    sel = np.flatnonzero(keep)
    if len(sel) == 0:
        raise VoteTableError(f"no votes left to model out of {n0} (dropped: {info['dropped']})")
    key_cols = [lo[sel], hi[sel]] + [c[sel] for c in seg_codes]
    if voter_codes is not None:
        key_cols.append(voter_codes[sel])
    if x_cols:
        xm = np.column_stack([c[sel] for c in x_cols])
        _, xcode = np.unique(xm, axis=0, return_inverse=True)
        key_cols.append(xcode.ravel().astype(np.intp))
    keys = np.column_stack(key_cols).astype(np.int64)
    radix = keys.max(axis=0) + 1
    if float(np.prod(radix.astype(float))) < 2**62:
        # one int64 key per vote (mixed radix): a 1-d unique is far faster than unique rows
        flat_key = np.zeros(len(keys), dtype=np.int64)
        for c in range(keys.shape[1]):
            flat_key = flat_key * radix[c] + keys[:, c]
        _, first, inv = np.unique(flat_key, return_index=True, return_inverse=True)
        uniq = keys[first]
    else:
        uniq, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    n_cells = len(uniq)
    flat = inv * 3 + out_oriented[sel]
    raw = np.bincount(flat, minlength=n_cells * 3).reshape(n_cells, 3).astype(float)
    counts = raw if weights is None else np.bincount(
        flat, weights[sel], minlength=n_cells * 3).reshape(n_cells, 3)
    x = (np.column_stack([c[sel][first] for c in x_cols]) if x_cols
         else np.zeros((n_cells, 0)))
    nd = len(by)
    return PairCells(
        models=index, i=uniq[:, 0].astype(np.intp), j=uniq[:, 1].astype(np.intp),
        counts=np.ascontiguousarray(counts, dtype=float), raw=raw, dims=by,
        levels=tuple(levels), seg=uniq[:, 2:2 + nd].astype(np.intp).reshape(n_cells, nd),
        voters=voters,
        voter=None if voter_codes is None else uniq[:, 2 + nd].astype(np.intp),
        x=np.ascontiguousarray(x, dtype=float), x_names=tuple(x_names), n_votes=len(sel),
        info=info,
    )


def _pool(codes: np.ndarray, levels: pd.Index, k: int, keep: np.ndarray):
    """Keep the ``k - 1`` largest levels, pool the rest into ``"other"``."""
    size = np.bincount(codes[keep], minlength=len(levels))
    order = np.argsort(-size, kind="stable")
    top = np.sort(order[: k - 1])
    new = np.full(len(levels), k - 1, dtype=np.intp)
    new[top] = np.arange(k - 1)
    names = [str(levels[t]) for t in top] + ["other"]
    return new[codes], pd.Index(names, name=levels.name)
