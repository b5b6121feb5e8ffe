"""Segment boards: the same Bradley–Terry fit per value of one or more columns.

Columns such as country, language, age band, education, profession or category give the SEAL
Showdown view; pairwise comparisons of segments come with intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sealvalid import __version__
from sealvalid.data.schema import VoteTableError, validate_votes
from sealvalid.rating.board import Leaderboard, board_from_fit
from sealvalid.rating.bt import BradleyTerry, DisconnectedGraphError

__all__ = ["SegmentBoards", "segment_boards", "compare_segments", "parse_by"]


def parse_by(by) -> list[str]:
    """Normalise ``by``: a column name, a comma-separated string, or a list of either."""
    if by is None:
        return []
    items = [by] if isinstance(by, str) else list(by)
    out = []
    for item in items:
        out.extend(c.strip() for c in str(item).split(",") if c.strip())
    return out


@dataclass
class SegmentBoards:
    """Boards per segment.

    Attributes
    ----------
    table : pandas.DataFrame
        The segment columns, then the leaderboard columns, one row per (segment, model).
    segments : pandas.DataFrame
        One row per segment: its values, ``n_votes``, ``n_models``, ``status`` (``"rated"``,
        ``"suppressed: n_votes < min_votes"``, ``"disconnected"``, ...).
    config : dict
    fits : dict
        Segment key -> fitted :class:`BradleyTerry` (for comparisons).
    """

    table: pd.DataFrame
    segments: pd.DataFrame
    config: dict
    fits: dict

    def board(self, **values) -> Leaderboard:
        """Return the board of one segment, e.g. ``board(country="DE")``."""
        mask = np.ones(len(self.table), dtype=bool)
        for col, val in values.items():
            mask &= (self.table[col] == val).to_numpy()
        return Leaderboard(table=self.table[mask].reset_index(drop=True), config=self.config)


def segment_boards(
    votes: pd.DataFrame,
    by,
    *,
    min_votes: int = 300,
    intervals: str = "sandwich",
    n_rounds: int = 1000,
    alpha: float = 0.05,
    rng=None,
    progress: bool = False,
    **bt_params,
) -> SegmentBoards:
    """Fit one board per segment.

    Parameters
    ----------
    votes : pandas.DataFrame
        Canonical vote table.
    by : str or list of str
        Segment column(s); ``"country,language"`` works too.
    min_votes : int
        Segments with fewer votes are suppressed (listed in ``segments``, not rated).
    intervals, n_rounds, alpha
        As in :func:`sealvalid.rating.board.board_from_fit`.
    rng
        Randomness for bootstrap intervals: one spawned stream per segment.
    **bt_params
        Passed to :class:`BradleyTerry`. A disconnected segment is fitted per component unless
        ``disconnected="raise"`` is given.
    """
    if not isinstance(votes["model_a"].dtype, pd.CategoricalDtype):
        votes = validate_votes(votes)
    cols = parse_by(by)
    if not cols:
        raise ValueError("segment_boards needs at least one column in `by`")
    missing = [c for c in cols if c not in votes.columns]
    if missing:
        raise VoteTableError(
            f"segment column(s) {missing} not in the vote table; columns: {list(votes.columns)}"
        )
    if min_votes < 1:
        raise ValueError(f"min_votes must be >= 1, got {min_votes}")
    bt_params.setdefault("disconnected", "per_component")
    keys = votes[cols].astype(object).where(votes[cols].notna(), "<missing>")
    groups = keys.groupby(cols, sort=True, dropna=False).indices
    rng = np.random.default_rng(rng)
    streams = rng.spawn(len(groups))
    rows, segs, fits = [], [], {}
    it = groups.items()
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(it, total=len(groups), desc="segments")
    for (key, idx), stream in zip(it, streams, strict=True):
        key = key if isinstance(key, tuple) else (key,)
        seg = dict(zip(cols, key, strict=True))
        sub = votes.iloc[idx]
        n_models = len(set(sub["model_a"]).union(sub["model_b"]))
        info = {**seg, "n_votes": len(idx), "n_models": n_models}
        if len(idx) < min_votes:
            segs.append({**info, "status": f"suppressed: n_votes < {min_votes}"})
            continue
        if n_models < 2:
            segs.append({**info, "status": "suppressed: fewer than 2 models"})
            continue
        try:
            bt = BradleyTerry(**bt_params).fit(sub)
        except DisconnectedGraphError as exc:
            segs.append({**info, "status": f"disconnected: {exc}"})
            continue
        board = board_from_fit(bt, intervals=intervals, alpha=alpha, n_rounds=n_rounds,
                               rng=stream)
        t = board.table
        for c in reversed(cols):
            t.insert(0, c, key[cols.index(c)])
        rows.append(t)
        fits[key] = bt
        segs.append({**info, "status": "rated"})
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=[*cols, "model", "rating", "lower", "upper", "rank", "rank_lower", "rank_upper",
                 "n_battles"])
    config = {"sealvalid": __version__, "by": cols, "min_votes": min_votes,
              "intervals": intervals, "alpha": alpha,
              "bt_params": {k: (str(v) if not isinstance(v, int | float | bool) else v)
                            for k, v in bt_params.items()}}
    return SegmentBoards(table=table, segments=pd.DataFrame(segs), config=config, fits=fits)


def _centred_on(bt: BradleyTerry, common: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Ratings re-centred on the mean over ``common`` models, and their sandwich variances."""
    cov = bt.covariance().loc[common, common].to_numpy()
    r = bt.ratings_.loc[common].to_numpy()
    m = len(common)
    centre = np.eye(m) - np.full((m, m), 1.0 / m)
    r_c = centre @ r
    var = np.einsum("ij,jk,ik->i", centre, cov, centre)
    return r_c, np.clip(var, 0, None)


def compare_segments(boards: SegmentBoards, *, alpha: float = 0.05) -> pd.DataFrame:
    """Pairwise segment comparisons of each model's rating, with intervals.

    For two rated segments, ratings are re-centred on the mean over the models both segments
    rate (so the comparison does not depend on which other models each segment saw); the
    difference ``rating_s - rating_t`` gets a normal interval from the two sandwich variances
    (segments are disjoint vote sets, hence independent). ``attrs["rank_agreement"]`` gives each
    segment pair's Kendall tau on the common models.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment_1, segment_2, model, rating_1, rating_2, diff, se, lower, upper,
        p_value, n_common``.
    """
    from scipy import stats

    keys = list(boards.fits)
    z = stats.norm.ppf(1 - alpha / 2)
    rows, agree = [], []
    for x in range(len(keys)):
        for y in range(x + 1, len(keys)):
            b1, b2 = boards.fits[keys[x]], boards.fits[keys[y]]
            common = sorted(set(b1.ratings_.index) & set(b2.ratings_.index))
            if len(common) < 2:
                continue
            r1, v1 = _centred_on(b1, common)
            r2, v2 = _centred_on(b2, common)
            diff = r1 - r2
            se = np.sqrt(v1 + v2)
            with np.errstate(divide="ignore", invalid="ignore"):
                pval = 2 * stats.norm.sf(np.abs(diff) / se)
            s1 = "/".join(map(str, keys[x]))
            s2 = "/".join(map(str, keys[y]))
            for m, a, b, d, s, p in zip(common, r1, r2, diff, se, pval, strict=True):
                rows.append({"segment_1": s1, "segment_2": s2, "model": m, "rating_1": a,
                             "rating_2": b, "diff": d, "se": s, "lower": d - z * s,
                             "upper": d + z * s, "p_value": p, "n_common": len(common)})
            tau = stats.kendalltau(r1, r2).statistic
            agree.append({"segment_1": s1, "segment_2": s2, "kendall_tau": tau,
                          "n_common": len(common)})
    out = pd.DataFrame(rows)
    out.attrs["rank_agreement"] = pd.DataFrame(agree)
    return out
