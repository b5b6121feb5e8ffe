"""Aggregate a canonical vote table into comparison cells: one pass over the votes.

A *cell* is one (i, j, covariates) comparison with weighted outcome counts: ``win_i``, ``win_j``,
``tie`` and ``tie_bb`` (``tie_bothbad``), plus the sums of squared weights per outcome that the
sandwich estimator needs. Without covariates the cells are the unordered model pairs (at most
K(K-1)/2 of them); with a presentation-order term they are ordered pairs by side shown first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sealvalid.data.schema import WINNER_LABELS, VoteTableError

__all__ = ["Cells", "aggregate_pairs", "check_canonical", "vote_codes", "TIE_MODES",
           "BOTHBAD_MODES"]

#: how ties enter Bradley–Terry: half a win each way, dropped, or a tie model
TIE_MODES = ("half", "drop", "davidson", "rao_kupper")
#: how ``tie_bothbad`` is treated: like any tie, or dropped
BOTHBAD_MODES = ("tie", "drop")


@dataclass(frozen=True)
class Cells:
    """Weighted outcome counts per comparison cell.

    Attributes
    ----------
    models : pandas.Index
        Model names; the position is the model index used in ``i`` and ``j``.
    i, j : ndarray of int
        The two models of each cell; the logit of a cell is ``theta[i] - theta[j] + x @ gamma``.
    counts : ndarray, shape (n_cells, 4)
        Weighted counts of ``i`` wins, ``j`` wins, ``tie``, ``tie_bothbad``.
    sq : ndarray, shape (n_cells, 4)
        Sums of squared weights per outcome (equal to ``counts`` for unit weights).
    x : ndarray, shape (n_cells, p) or None
        Cell covariates (presentation order, style differences).
    n_votes : int
        Number of votes aggregated.
    """

    models: pd.Index
    i: np.ndarray
    j: np.ndarray
    counts: np.ndarray
    sq: np.ndarray
    x: np.ndarray | None
    n_votes: int
    raw: np.ndarray | None = None  # unweighted counts per outcome (None: same as counts)

    @property
    def raw_counts(self) -> np.ndarray:
        """Unweighted vote counts per cell and outcome."""
        return self.counts if self.raw is None else self.raw

    @property
    def n_models(self) -> int:
        """Number of models."""
        return len(self.models)

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self.i)

    def outcome_yn(self, ties: str = "half", bothbad: str = "tie") -> tuple[np.ndarray, np.ndarray]:
        """Wins of ``i`` (ties as halves) and trials per cell under a tie convention."""
        tie = self.tie_total(bothbad)
        if ties == "drop":
            y = self.counts[:, 0]
            n = self.counts[:, 0] + self.counts[:, 1]
        else:
            y = self.counts[:, 0] + 0.5 * tie
            n = self.counts[:, 0] + self.counts[:, 1] + tie
        return y, n

    def tie_total(self, bothbad: str = "tie") -> np.ndarray:
        """Weighted ties per cell, ``tie_bothbad`` included unless ``bothbad='drop'``."""
        return self.counts[:, 2] + (self.counts[:, 3] if bothbad == "tie" else 0.0)

    def battles_per_model(self) -> np.ndarray:
        """Unweighted-equivalent battle count per model (sum of cell counts)."""
        tot = self.counts.sum(axis=1)
        k = self.n_models
        return np.bincount(self.i, tot, minlength=k) + np.bincount(self.j, tot, minlength=k)


def check_canonical(votes: pd.DataFrame) -> None:
    """Raise unless the model and winner columns have the canonical categorical dtypes."""
    for col in ("model_a", "model_b", "winner"):
        if col not in votes.columns or not isinstance(votes[col].dtype, pd.CategoricalDtype):
            raise VoteTableError(
                f"column {col!r} is not canonical (categorical); pass the table through "
                "sealvalid.data.validate_votes first"
            )
    if list(votes["winner"].cat.categories) != list(WINNER_LABELS):
        raise VoteTableError(
            f"column 'winner' has categories {list(votes['winner'].cat.categories)}; "
            f"allowed: {list(WINNER_LABELS)} (use validate_votes)"
        )
    if not votes["model_a"].cat.categories.equals(votes["model_b"].cat.categories):
        raise VoteTableError("columns 'model_a' and 'model_b' do not share one categorical dtype")


def vote_codes(votes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Integer codes of a canonical vote table: model a, model b, winner (0..3), weights or None."""
    check_canonical(votes)
    a = votes["model_a"].cat.codes.to_numpy().astype(np.intp)
    b = votes["model_b"].cat.codes.to_numpy().astype(np.intp)
    w = votes["winner"].cat.codes.to_numpy().astype(np.intp)
    weights = None
    if "weight" in votes.columns:
        weights = votes["weight"].to_numpy(dtype=float)
    return a, b, w, weights


def aggregate_pairs(
    votes: pd.DataFrame, *, position: bool = False, drop_unused: bool = True
) -> Cells:
    """Aggregate votes into cells (one pass, then at most K^2 cells).

    Parameters
    ----------
    votes : pandas.DataFrame
        A canonical vote table (see :func:`sealvalid.data.validate_votes`).
    position : bool
        If True, keep the side shown first: cells are ordered pairs ``(model_a, model_b)`` with a
        covariate ``+1`` (model_a shown first), ``-1`` (model_b first) or ``0`` (unknown). Needs a
        ``position`` column.
    drop_unused : bool
        Drop models that appear in no vote (categories left over from filtering).
    """
    check_canonical(votes)
    a = votes["model_a"].cat.codes.to_numpy()
    b = votes["model_b"].cat.codes.to_numpy()
    w = votes["winner"].cat.codes.to_numpy()
    weights = votes["weight"].to_numpy(dtype=float) if "weight" in votes.columns else None
    models = pd.Index(votes["model_a"].cat.categories, name="model")
    k = len(models)
    if drop_unused:
        used = np.zeros(k, dtype=bool)
        used[a] = True
        used[b] = True
        if not used.all():
            remap = (np.cumsum(used) - 1).astype(a.dtype)
            a, b = remap[a], remap[b]
            models = models[used]
            k = len(models)
    ncode = k * k * (3 if position else 1)
    # integer keys in the narrowest safe type, computed in place (10M votes stay < 1 GB)
    it = np.int32 if ncode * 4 < 2**31 else np.int64
    if position:
        if "position" not in votes.columns:
            raise VoteTableError(
                "a presentation-order term needs column 'position' (labels 'model_a', "
                "'model_b' or missing); the table has none"
            )
        pos = votes["position"].cat.codes.to_numpy()  # 0 a first, 1 b first, -1 unknown
        key = a.astype(it)
        key *= k
        key += b
        key *= 3
        key += np.where(pos < 0, 2, pos).astype(it)
        key *= 4
        key += w
    else:
        key = np.minimum(a, b).astype(it)
        key *= k
        key += np.maximum(a, b)
        key *= 4
        # outcome relative to the lower-indexed model: swap the two win labels when a > b
        flip = (a > b) & (w < 2)
        key += np.where(flip, 1 - w, w).astype(np.int8)
    if ncode * 4 <= 50_000_000:
        cnt = np.bincount(key, weights, minlength=ncode * 4)
        sq = cnt if weights is None else np.bincount(key, weights * weights, minlength=ncode * 4)
        raw = None if weights is None else np.bincount(key, minlength=ncode * 4)
        cnt = cnt.reshape(ncode, 4)
        sq = sq.reshape(ncode, 4)
        used_cell = cnt.sum(axis=1) > 0 if raw is None else raw.reshape(ncode, 4).sum(axis=1) > 0
        cell = np.flatnonzero(used_cell)
        cnt = cnt[cell]
        sq = sq[cell]
        raw = None if raw is None else raw.reshape(ncode, 4)[cell].astype(float)
    else:  # very many models: sort-based aggregation
        uniq, inv = np.unique(key // 4, return_inverse=True)
        flat = inv * 4 + key % 4
        cnt = np.bincount(flat, weights, minlength=len(uniq) * 4).reshape(-1, 4)
        sq = cnt if weights is None else np.bincount(
            flat, weights * weights, minlength=len(uniq) * 4).reshape(-1, 4)
        raw = None if weights is None else np.bincount(
            flat, minlength=len(uniq) * 4).reshape(-1, 4).astype(float)
        cell = uniq
    if weights is not None:
        # a cell whose weights are all zero carries no information
        keep = cnt.sum(axis=1) > 0
        cnt, sq, cell, raw = cnt[keep], sq[keep], cell[keep], raw[keep]
    x = None
    if position:
        pair, s = np.divmod(cell, 3)
        i, j = np.divmod(pair, k)
        x = np.where(s == 0, 1.0, np.where(s == 1, -1.0, 0.0))[:, None]
    else:
        i, j = np.divmod(cell, k)
    return Cells(models=models, i=i.astype(np.intp), j=j.astype(np.intp),
                 counts=np.ascontiguousarray(cnt, dtype=float),
                 sq=np.ascontiguousarray(sq, dtype=float), x=x, n_votes=len(votes), raw=raw)
