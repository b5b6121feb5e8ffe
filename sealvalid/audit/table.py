"""Fragility from a published table alone: no votes, only ratings, intervals and vote counts.

Many boards publish no votes (SEAL Showdown among them). From one snapshot of a leaderboard table
— the frame of :func:`sealvalid.data.read_leaderboard` — :func:`table_fragility` gives each model's
rank interval, each adjacent pair's probability of being correctly ordered, an approximate number
of votes that flips it (dropped or added), and the votes it would need to be separated.

The approximation, stated
-------------------------
* **Normal approximation.** Each published rating is ``N(rating, se²)`` with
  ``se = sqrt(rating_variance)`` when the source publishes it, else the half-width of the published
  95% interval divided by 1.96 (an asymmetric interval is averaged). Ratings of different models
  are treated as *independent* (the covariances are not published); with an anchored or centred
  board they are mostly positive, which makes the independent ``se`` of a gap conservative (too
  wide), so ``p_correct_order`` leans towards 1/2.
* ``p_correct_order = Φ(gap / sqrt(se_a² + se_b²))``: the probability that the published order of
  the pair is the true one, under a flat prior.
* **Rank intervals**: LMArena's rule on the published intervals (``rank`` = 1 + models whose
  interval lies wholly above; ``rank_upper`` = the worst rank not excluded) and, by simulation
  from the independent normals, the central 95% range of each model's rank.
* **Votes to flip (drop)**, first order in the influence of one vote (see
  :mod:`sealvalid.audit.dropk`) with the inverse Hessian replaced by the published variances:
  removing a vote that ``a`` won against ``b`` narrows the gap by ``(1 − P_ab)(se_a² + se_b²)``
  (natural units, ``P_ab`` the fitted probability that ``a`` beats ``b``); removing a vote that
  ``a`` won (or ``b`` lost) against an evenly matched third model narrows it by
  ``½ max(se_a², se_b²)``. The direct votes go first; the pair is assumed to hold its share of the
  votes, ``n_ab ≈ n_a n_b / (2 N)`` with ``N`` the board's total (half the sum of the per-model
  counts), of which ``a`` won ``P_ab n_ab``. Without vote counts only the second kind is used.
* **Votes to flip (add)**: each added vote "``b`` beats ``a``" narrows the gap by
  ``P_ab (se_a² + se_b²)``; linear in the number added, so it understates the count when it is
  comparable to the pair's own votes (each added vote then counts for less).

Published intervals are usually bootstrap or sandwich intervals, which shrink with the tie rate,
whereas one vote's influence runs through the inverse Hessian; the approximation therefore tends to
*overstate* votes-to-flip by about ``1 / (1 − tie rate)``. On the real vote logs the report sets it
against the verified, vote-based drop-k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr, ndtri

from sealvalid.audit.power import pair_power
from sealvalid.data.schema import VoteTableError
from sealvalid.rating.board import rank_from_intervals

__all__ = ["TableAudit", "table_fragility", "select_snapshot", "TABLE_MODEL_COLUMNS",
           "TABLE_PAIR_COLUMNS"]

TABLE_MODEL_COLUMNS = ["model", "rating", "lower", "upper", "se", "n_votes", "published_rank",
                       "rank", "rank_upper", "rank_sim_lower", "rank_sim_upper"]
TABLE_PAIR_COLUMNS = ["rank", "model_above", "model_below", "rating_above", "rating_below", "gap",
                      "se_gap", "p_correct_order", "n_above", "n_below", "n_pair_est",
                      "drop_k_approx", "drop_share_approx", "add_k_approx", "n_now", "n_needed",
                      "needed_ratio", "power_now"]
_KEYS = ("source", "board", "category", "date")


@dataclass
class TableAudit:
    """Fragility of a published board (no votes).

    Attributes
    ----------
    models : pandas.DataFrame
        One row per model, :data:`TABLE_MODEL_COLUMNS`, best first.
    pairs : pandas.DataFrame
        One row per adjacent pair, :data:`TABLE_PAIR_COLUMNS`.
    config : dict
        The snapshot (source, board, category, date), the assumptions, the seed.
    """

    models: pd.DataFrame
    pairs: pd.DataFrame
    config: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """Headline figures of the snapshot."""
        p = self.pairs
        top = p.iloc[0] if len(p) else None
        return {
            "n_models": len(self.models),
            "top_model": None if top is None else top["model_above"],
            "top_pair_p_correct": math.nan if top is None else float(top["p_correct_order"]),
            "top_pair_drop_k_approx": (None if top is None or pd.isna(top["drop_k_approx"])
                                       else int(top["drop_k_approx"])),
            "n_adjacent": len(p),
            "n_adjacent_p_correct_below_95": int((p["p_correct_order"] < 0.95).sum()),
            "median_adjacent_drop_k_approx": float(p["drop_k_approx"].median())
            if len(p) and p["drop_k_approx"].notna().any() else math.nan,
            "n_rank_ties": int((self.models["rank_upper"] > self.models["rank"]).sum()),
        }


def select_snapshot(table: pd.DataFrame, *, source: str | None = None, board: str | None = None,
                    category: str | None = None, date=None) -> tuple[pd.DataFrame, dict]:
    """One snapshot (source, board, category, date) of a leaderboard table, in wide form.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy board table (:func:`sealvalid.data.read_leaderboard`) or its
        :func:`~sealvalid.data.boards.board_wide` pivot.
    source, board : str, optional
        Needed only when the table holds several; ``board`` defaults to ``"text"`` when present.
    category : str, optional
        Default ``"overall"`` when present.
    date : date-like or "latest", optional
        Default the latest date.

    Returns
    -------
    wide : pandas.DataFrame
        One row per model.
    chosen : dict
        The selected key values.

    Raises
    ------
    VoteTableError
        When the selection is empty or ambiguous (the message lists the choices).
    """
    if "metric" in table.columns and "value" in table.columns:
        from sealvalid.data.boards import board_wide

        wide = board_wide(table)
    else:
        wide = table
    missing = [c for c in (*_KEYS, "model", "rating") if c not in wide.columns]
    if missing:
        raise VoteTableError(
            f"a leaderboard table needs columns {missing} (read it with "
            "sealvalid.data.read_leaderboard)")
    chosen: dict = {}
    defaults = {"source": source, "board": board, "category": category}
    for key in ("source", "board", "category"):
        values = sorted(wide[key].astype(str).unique())
        want = defaults[key]
        if want is None:
            if len(values) == 1:
                want = values[0]
            elif key == "board" and "text" in values:
                want = "text"
            elif key == "category" and "overall" in values:
                want = "overall"
            else:
                raise VoteTableError(
                    f"the table holds {len(values)} values of {key!r}: {values[:12]}; choose one "
                    f"({key}=...)")
        if want not in values:
            raise VoteTableError(f"{key}={want!r} not in the table; available: {values[:12]}")
        wide = wide[wide[key].astype(str) == want]
        chosen[key] = want
    dates = wide["date"]
    if date is None or (isinstance(date, str) and date == "latest"):
        pick = dates.max() if dates.notna().any() else pd.NaT
    else:
        pick = pd.Timestamp(date)
        if not (dates == pick).any():
            avail = sorted(dates.dropna().dt.strftime("%Y-%m-%d").unique())
            raise VoteTableError(f"date {pick.date()} not in the table; available: "
                                 f"{avail[-12:]}")
    wide = wide[dates.isna()] if pd.isna(pick) else wide[dates == pick]
    chosen["date"] = None if pd.isna(pick) else str(pd.Timestamp(pick).date())
    return wide.reset_index(drop=True), chosen


def _normalise(table: pd.DataFrame, level: float) -> tuple[pd.DataFrame, dict]:
    """model, rating, lower, upper, se, n_votes, published_rank from any accepted table."""
    info: dict = {}
    missing = [c for c in ("model", "rating") if c not in table.columns]
    if missing:
        raise VoteTableError(f"a leaderboard table needs columns {missing}; got "
                             f"{list(table.columns)[:12]}")
    t = pd.DataFrame({"model": table["model"].astype("str").to_numpy()})
    t["rating"] = table["rating"].to_numpy(float)
    lo_col = "rating_lower" if "rating_lower" in table.columns else "lower"
    hi_col = "rating_upper" if "rating_upper" in table.columns else "upper"
    t["lower"] = table[lo_col].to_numpy(float) if lo_col in table.columns else np.nan
    t["upper"] = table[hi_col].to_numpy(float) if hi_col in table.columns else np.nan
    z = ndtri(0.5 + level / 2)
    se = (t["upper"] - t["lower"]) / (2 * z)
    if "rating_variance" in table.columns:
        var = table["rating_variance"].to_numpy(float)
        se = pd.Series(np.where(np.isfinite(var), np.sqrt(np.clip(var, 0, None)), se))
        info["se_from"] = "published rating variance (interval half-width where missing)"
    else:
        info["se_from"] = f"published {level:.0%} interval half-width / {z:.3f}"
    t["se"] = se.to_numpy(float)
    nv = next((c for c in ("n_votes", "n_battles") if c in table.columns), None)
    t["n_votes"] = table[nv].to_numpy(float) if nv else np.nan
    t["published_rank"] = table["rank"].to_numpy(float) if "rank" in table.columns else np.nan
    bad = ~(np.isfinite(t["rating"]) & np.isfinite(t["se"]) & (t["se"] > 0))
    if bad.any():
        info["models_without_interval"] = t.loc[bad, "model"].tolist()
        t = t[~bad]
    if len(t) < 2:
        raise VoteTableError(
            f"the table has {len(t)} model(s) with a rating and an interval; at least 2 are "
            "needed")
    t = t.sort_values(["rating", "model"], ascending=[False, True], kind="stable")
    return t.reset_index(drop=True), info


def table_fragility(table, *, source: str | None = None, board: str | None = None,
                    category: str | None = None, date=None, level: float = 0.95,
                    alpha: float = 0.05, power: float = 0.8, scale: float = 400.0,
                    base: float = 10.0, n_draws: int = 2000, rng=None) -> TableAudit:
    """Fragility of a published board from its table alone (see the module docstring).

    Parameters
    ----------
    table : pandas.DataFrame or Leaderboard
        A board table (tidy long or wide; the snapshot is chosen with ``source``, ``board``,
        ``category``, ``date``), or a table with ``model, rating, lower, upper`` and optionally
        ``n_votes``/``n_battles`` (e.g. a :class:`sealvalid.rating.Leaderboard`).
    source, board, category, date
        Snapshot selection (see :func:`select_snapshot`).
    level : float
        Coverage of the published intervals.
    alpha, power : float
        For the votes each pair needs (:func:`sealvalid.audit.power.pair_power`).
    scale, base : float
        Arena scale of the published ratings.
    n_draws : int
        Simulation draws for the rank ranges.
    rng : numpy.random.Generator, int or None
        Randomness of the rank simulation.

    Returns
    -------
    TableAudit
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n_draws < 100:
        raise ValueError(f"n_draws must be >= 100, got {n_draws}")
    if hasattr(table, "table") and not isinstance(table, pd.DataFrame):  # a Leaderboard
        table = table.table
    chosen: dict = {}
    if "metric" in table.columns or all(c in table.columns for c in _KEYS):
        table, chosen = select_snapshot(table, source=source, board=board, category=category,
                                        date=date)
    t, info = _normalise(table, level)
    f = scale / math.log(base)
    # rank intervals: LMArena's rule on the published intervals (models without them use +-z se)
    z = ndtri(0.5 + level / 2)
    lower = np.where(np.isfinite(t["lower"]), t["lower"], t["rating"] - z * t["se"])
    upper = np.where(np.isfinite(t["upper"]), t["upper"], t["rating"] + z * t["se"])
    rank, _, rank_hi = rank_from_intervals(lower, upper)
    t["rank"] = rank
    t["rank_upper"] = rank_hi
    generator = np.random.default_rng(rng)
    r = t["rating"].to_numpy()
    draws = r + t["se"].to_numpy() * generator.standard_normal((n_draws, len(t)))
    ranks = (-draws).argsort(axis=1).argsort(axis=1) + 1
    t["rank_sim_lower"] = np.quantile(ranks, 0.025, axis=0, method="inverted_cdf").astype(int)
    t["rank_sim_upper"] = np.quantile(ranks, 0.975, axis=0, method="inverted_cdf").astype(int)
    t = t[TABLE_MODEL_COLUMNS]
    # adjacent pairs
    a, b = t.iloc[:-1].reset_index(drop=True), t.iloc[1:].reset_index(drop=True)
    gap = a["rating"].to_numpy() - b["rating"].to_numpy()
    se_gap = np.hypot(a["se"].to_numpy(), b["se"].to_numpy())
    sa2 = (a["se"].to_numpy() / f) ** 2
    sb2 = (b["se"].to_numpy() / f) ** 2
    gap_nat = gap / f
    p_ab = expit(gap_nat)
    na, nb = a["n_votes"].to_numpy(), b["n_votes"].to_numpy()
    total = np.nansum(t["n_votes"].to_numpy()) / 2
    has_n = np.isfinite(na) & np.isfinite(nb) & (total > 0)
    n_pair = np.where(has_n, na * nb / (2 * total) if total > 0 else np.nan, np.nan)
    d_dir = (1 - p_ab) * (sa2 + sb2)
    d_ind = 0.5 * np.maximum(sa2, sb2)
    m_dir = np.where(has_n, np.floor(np.nan_to_num(n_pair) * p_ab), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        via_dir = np.ceil(gap_nat / d_dir)
        rest = np.ceil((gap_nat - m_dir * d_dir) / d_ind)
    drop_k = np.where(m_dir * d_dir >= gap_nat, via_dir, m_dir + rest)
    drop_k = np.maximum(drop_k, 1.0)
    add_k = np.maximum(np.ceil(gap_nat / (p_ab * (sa2 + sb2))), 1.0)
    pairs = pd.DataFrame({
        "rank": np.arange(1, len(a) + 1),
        "model_above": a["model"].astype("str"),
        "model_below": b["model"].astype("str"),
        "rating_above": a["rating"], "rating_below": b["rating"],
        "gap": gap, "se_gap": se_gap,
        "p_correct_order": ndtr(gap / se_gap),
        "n_above": na, "n_below": nb, "n_pair_est": n_pair,
        "drop_k_approx": drop_k,
        "drop_share_approx": drop_k / total if total > 0 else np.nan,
        "add_k_approx": add_k,
    })
    pairs = pair_power(pairs, alpha=alpha, power=power)[TABLE_PAIR_COLUMNS]
    for c in ("drop_k_approx", "add_k_approx"):
        pairs[c] = pairs[c].round().astype("Int64")
    config = {
        **chosen, **info, "level": level, "alpha": alpha, "power": power, "scale": scale,
        "base": base, "n_draws": n_draws,
        "seed": int(rng) if isinstance(rng, int | np.integer) else None,
        "n_votes_total": float(total) if total > 0 else None,
        "integer_ratings": bool(np.all(np.mod(t["rating"].to_numpy(), 1.0) == 0)),
        "assumptions": [
            "ratings normal and independent across models, se from the published intervals",
            "one vote's influence on a gap: (s - p) * se^2 (published variances for the inverse "
            "Hessian); worst-case votes are the pair's direct votes, then wins against evenly "
            "matched opponents (|s - p| = 1/2)",
            "the pair holds its share of the votes: n_ab = n_a n_b / (2 N)",
            "add-k is linear in the added votes (first order)",
        ],
    }
    return TableAudit(models=t.reset_index(drop=True), pairs=pairs, config=config)
