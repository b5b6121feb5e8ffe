"""Votes grouped by (pair, outcome, weight) and exact Bradley–Terry refits (the array core).

Two votes on the same unordered model pair with the same outcome and the same weight have the same
effect on a Bradley–Terry fit, so removing any one of them changes the ratings identically. The
fragility audit therefore works on *groups* — one per (pair, outcome, weight) — with vote counts,
never vote by vote; each group keeps the row positions of its votes so that a removal can be
reported as concrete rows of the input table.

The model and its conventions are those of :class:`sealvalid.rating.BradleyTerry` (Arena scale,
ties half a win each way unless dropped, the ``N(0, separation_sd^2)`` prior on natural-scale
strengths when a model never lost or never won), so the base fit here *is* the published board.

Refits
------
A refit after adding or removing a few votes starts at the base strengths and runs chord-Newton
iterations (the Hessian factorised once at the base fit, the gradient recomputed at each step): the
fixed point is the exact maximum-likelihood solution of the changed data, reached to ``tol`` in a
handful of cheap steps. When a change moves the fit too far for the chord iteration (it stops
contracting), when it separates a model (the board then rates it under the prior) the refit falls
back to the full damped Newton solver :func:`sealvalid.rating.solver.newton_bt`. A change that
disconnects the comparison graph leaves the ratings unidentified: such a refit is reported as
invalid, never as a flip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit

from sealvalid.data.schema import VoteTableError
from sealvalid.rating.cells import BOTHBAD_MODES, vote_codes
from sealvalid.rating.graph import components, separated_models
from sealvalid.rating.solver import bt_hessian, newton_bt

__all__ = ["VoteGroups", "vote_groups", "Refitter", "OUTCOMES", "AUDIT_TIE_MODES", "rating_factor"]

#: outcome of a group relative to its cell's first model ``i`` (the lower model index)
OUTCOMES: tuple[str, ...] = ("win_i", "win_j", "tie", "tie_bothbad")
#: tie conventions the audit supports (the tie *models* have no closed-form influence)
AUDIT_TIE_MODES: tuple[str, ...] = ("half", "drop")


@dataclass(frozen=True)
class VoteGroups:
    """The votes of a canonical table as (cell, outcome, weight) groups with counts.

    Attributes
    ----------
    models : pandas.Index
        Rated models; the position is the index used in ``i`` and ``j``.
    i, j : ndarray of int, shape (n_cells,)
        The two models of each cell (unordered pair, ``i < j``).
    cell, outcome : ndarray of int, shape (n_groups,)
        Cell of each group and its outcome (index into :data:`OUTCOMES`, relative to ``i``).
    score : ndarray of float, shape (n_groups,)
        Credit of model ``i`` per vote: 1 for a win of ``i``, 0 for a win of ``j``, 1/2 for a tie.
    weight : ndarray of float, shape (n_groups,)
        Weight of each vote of the group (1 for unweighted tables).
    count : ndarray of int, shape (n_groups,)
        Number of votes in each group.
    rows : ndarray of int
        Row positions (``0 .. n_votes - 1`` in the input table) of the votes, sorted by group;
        group ``g`` owns ``rows[starts[g] : starts[g] + count[g]]`` in table order.
    starts : ndarray of int, shape (n_groups,)
    group_of : ndarray of int, shape (n_votes,)
        Group of each row, ``-1`` for votes that do not enter the likelihood (dropped ties,
        zero weights, models outside the audited component).
    n_votes : int
        Rows of the input table.
    excluded : dict
        Reason -> number of rows that are in the table but not in any group.
    """

    models: pd.Index
    i: np.ndarray
    j: np.ndarray
    cell: np.ndarray
    outcome: np.ndarray
    score: np.ndarray
    weight: np.ndarray
    count: np.ndarray
    rows: np.ndarray
    starts: np.ndarray
    group_of: np.ndarray
    n_votes: int
    excluded: dict = field(default_factory=dict)

    @property
    def n_models(self) -> int:
        """Rated models."""
        return len(self.models)

    @property
    def n_cells(self) -> int:
        """Model pairs with votes."""
        return len(self.i)

    @property
    def n_groups(self) -> int:
        """(pair, outcome, weight) groups."""
        return len(self.cell)

    @property
    def n_used(self) -> int:
        """Votes that enter the likelihood."""
        return int(self.count.sum())

    def cell_totals(self, change: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Credit of ``i`` and trials per cell.

        ``change`` adds (+) or removes (-) votes per group.
        """
        c = self.count if change is None else self.count + change
        wc = self.weight * c
        y = np.bincount(self.cell, wc * self.score, minlength=self.n_cells)
        n = np.bincount(self.cell, wc, minlength=self.n_cells)
        return y, n

    def rows_of(self, removed: np.ndarray) -> np.ndarray:
        """Row positions of a removal given as votes per group.

        The first ``removed[g]`` votes of each group in table order, sorted.
        """
        removed = np.asarray(removed, dtype=np.int64)
        if np.any(removed < 0) or np.any(removed > self.count):
            raise ValueError("removal counts must lie between 0 and each group's count")
        g = np.flatnonzero(removed)
        if not len(g):
            return np.zeros(0, dtype=np.int64)
        parts = [self.rows[self.starts[x]: self.starts[x] + removed[x]] for x in g]
        return np.sort(np.concatenate(parts))

    def describe(self) -> pd.DataFrame:
        """One row per group: ``model_i, model_j, outcome, weight, n_votes``."""
        return pd.DataFrame({
            "model_i": pd.Series(self.models[self.i[self.cell]], dtype="str"),
            "model_j": pd.Series(self.models[self.j[self.cell]], dtype="str"),
            "outcome": pd.Series(np.asarray(OUTCOMES)[self.outcome], dtype="str"),
            "weight": self.weight,
            "n_votes": self.count,
        })


def vote_groups(votes: pd.DataFrame, *, ties: str = "half", bothbad: str = "tie") -> VoteGroups:
    """Group a canonical vote table by (unordered pair, outcome, weight).

    Parameters
    ----------
    votes : pandas.DataFrame
        Canonical vote table (see :func:`sealvalid.data.validate_votes`).
    ties : {"half", "drop"}
        Ties count half a win each way (LMArena's convention) or are left out.
    bothbad : {"tie", "drop"}
        ``tie_bothbad`` votes count as ties or are left out.

    Returns
    -------
    VoteGroups
        Groups of the largest connected component of the comparison graph (the models of any
        other component are listed in ``excluded``).

    Raises
    ------
    VoteTableError
        For a non-canonical table or one with fewer than two rated models.
    ValueError
        For an unknown ``ties`` or ``bothbad``.
    """
    if ties not in AUDIT_TIE_MODES:
        raise ValueError(
            f"ties={ties!r} is not supported by the fragility audit; allowed: "
            f"{list(AUDIT_TIE_MODES)} (tie models have no closed-form vote influence)"
        )
    if bothbad not in BOTHBAD_MODES:
        raise ValueError(f"bothbad={bothbad!r} unknown; allowed: {list(BOTHBAD_MODES)}")
    a, b, w, weights = vote_codes(votes)
    n_votes = len(a)
    names = pd.Index(votes["model_a"].cat.categories, name="model")
    excluded: dict[str, int] = {}
    used = np.ones(n_votes, dtype=bool)
    if ties == "drop":
        drop = w >= 2
        excluded["ties (ties='drop')"] = int(drop.sum())
        used &= ~drop
    elif bothbad == "drop":
        drop = w == 3
        excluded["tie_bothbad (bothbad='drop')"] = int(drop.sum())
        used &= ~drop
    if weights is not None:
        zero = ~(weights > 0)
        if zero.any():
            excluded["zero or missing weight"] = int((zero & used).sum())
        used &= ~zero
    # the largest connected component of the comparison graph among the used votes
    k0 = len(names)
    present = np.zeros(k0, dtype=bool)
    present[a[used]] = True
    present[b[used]] = True
    labels = components(a[used], b[used], k0)
    sizes = np.bincount(labels[present], minlength=labels.max() + 1)
    if sizes.max(initial=0) < 2:
        raise VoteTableError(
            f"the vote table has {int(present.sum())} rated model(s) in its largest connected "
            "comparison set; the audit needs at least 2"
        )
    main = int(np.argmax(sizes))
    keep_model = present & (labels == main)
    if (present & ~keep_model).any():
        outside = used & ~keep_model[a]
        excluded["outside the largest connected component"] = int(outside.sum())
        used &= keep_model[a]
    remap = np.cumsum(keep_model) - 1
    models = names[keep_model]
    k = len(models)
    rows = np.flatnonzero(used)
    ai, bi, wi = remap[a[rows]], remap[b[rows]], w[rows]
    lo, hi = np.minimum(ai, bi), np.maximum(ai, bi)
    flip = (ai > bi) & (wi < 2)
    out = np.where(flip, 1 - wi, wi)
    if weights is None:
        wid = np.zeros(len(rows), dtype=np.int64)
        wvals = np.ones(1)
    else:
        wvals, wid = np.unique(weights[rows], return_inverse=True)
    key = ((lo.astype(np.int64) * k + hi) * 4 + out) * len(wvals) + wid
    ukey, inv, count = np.unique(key, return_inverse=True, return_counts=True)
    order = np.argsort(inv, kind="stable")
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    g_w = ukey % len(wvals)
    rest = ukey // len(wvals)
    g_out = rest % 4
    pair = rest // 4
    upair, g_cell = np.unique(pair, return_inverse=True)
    group_of = np.full(n_votes, -1, dtype=np.int64)
    group_of[rows] = inv
    score = np.array([1.0, 0.0, 0.5, 0.5])[g_out]
    return VoteGroups(models=models, i=(upair // k).astype(np.intp), j=(upair % k).astype(np.intp),
                      cell=g_cell.astype(np.intp), outcome=g_out.astype(np.int8), score=score,
                      weight=wvals[g_w].astype(float), count=count.astype(np.int64),
                      rows=rows[order], starts=starts.astype(np.int64), group_of=group_of,
                      n_votes=n_votes, excluded={k_: v for k_, v in excluded.items() if v})


class Refitter:
    """Exact Bradley–Terry refits of changed cell totals, warm-started at a base fit.

    Parameters
    ----------
    i, j : ndarray of int
        Models of each cell (cells with zero trials are allowed: room for added votes).
    y0, n0 : ndarray
        Base credit of ``i`` and trials per cell.
    k : int
        Number of models.
    l2 : float
        Ridge on natural-scale strengths of the base fit (0 for the MLE).
    separation_sd : float
        Prior sd used when a change separates a model (as the board does).
    tol : float
        Convergence: the largest step, natural units.

    Attributes
    ----------
    theta0 : ndarray
        Base strengths (natural scale; sum zero without a ridge).
    l2_base : float
        Ridge actually used at the base (the separation prior when the base data separate).
    n_refits : int
        Refits done so far.
    """

    def __init__(self, i, j, y0, n0, k, *, l2: float = 0.0, separation_sd: float = 4.0,
                 tol: float = 1e-10, max_iter: int = 200) -> None:
        self.i = np.asarray(i, dtype=np.intp)
        self.j = np.asarray(j, dtype=np.intp)
        self.k = int(k)
        self.y0 = np.asarray(y0, dtype=float)
        self.n0 = np.asarray(n0, dtype=float)
        self.separation_sd = separation_sd
        self.tol = tol
        self.max_iter = max_iter
        self.n_refits = 0
        self._live0 = self.n0 > 0
        self._win0 = self.y0 > 0
        self._loss0 = (self.n0 - self.y0) > 0
        flagged = separated_models(self.i[self._live0], self.j[self._live0], self.y0[self._live0],
                                   self.n0[self._live0], self.k)
        self.l2_base = 1.0 / separation_sd**2 if (flagged.any() and l2 == 0) else float(l2)
        self.separated0 = flagged
        res = newton_bt(self.i, self.j, self.y0, self.n0, self.k, l2_theta=self.l2_base, tol=tol,
                        max_iter=max_iter)
        if not res.converged:
            raise ValueError(
                f"the base Bradley–Terry fit did not converge in {max_iter} iterations "
                f"(gradient {res.grad_norm:.2g}); the audit needs a converged board"
            )
        self.theta0 = res.theta
        # the chord iterations reuse the inverse of the (augmented) base Hessian: one small
        # matrix product per step (k is at most a few hundred models)
        self._h0inv = np.linalg.inv(self._aug(res.hessian, self.l2_base))
        inc = sparse.coo_matrix(
            (np.concatenate([np.ones(len(self.i)), -np.ones(len(self.j))]),
             (np.concatenate([np.arange(len(self.i))] * 2), np.concatenate([self.i, self.j]))),
            shape=(len(self.i), self.k))
        self._inc_t = inc.T.tocsr()  # (k, n_cells): gradient = inc^T r

    # ------------------------------------------------------------------ helpers
    def _aug(self, h: np.ndarray, l2: float) -> np.ndarray:
        """Make the Hessian invertible: ``+ e e^T`` on the sum-zero constraint (no ridge)."""
        return h + 1.0 if l2 == 0.0 else h

    def hessian(self, theta: np.ndarray, n: np.ndarray, l2: float | None = None) -> np.ndarray:
        """Hessian of the negative log-likelihood (plus ridge) at ``theta`` for trials ``n``."""
        l2 = self.l2_base if l2 is None else l2
        p = expit(theta[self.i] - theta[self.j])
        h = bt_hessian(n * p * (1.0 - p), self.i, self.j, None, self.k)
        h[np.diag_indices_from(h)] += l2
        return h

    def solve_h(self, theta: np.ndarray, n: np.ndarray, rhs: np.ndarray,
                l2: float | None = None) -> np.ndarray:
        """``H^+ rhs`` for right-hand sides orthogonal to the constraint (columns of ``rhs``)."""
        l2 = self.l2_base if l2 is None else l2
        return np.linalg.solve(self._aug(self.hessian(theta, n, l2), l2), rhs)

    def _prior_for(self, y: np.ndarray, n: np.ndarray) -> tuple[float, bool]:
        """Ridge the board would use for these totals, and whether the graph stays connected."""
        live = n > 0
        connected = True
        if np.any(self._live0 & ~live):
            connected = components(self.i[live], self.j[live], self.k).max() == 0
        l2 = self.l2_base
        lost_side = np.any(self._win0 & ~(y > 0)) or np.any(self._loss0 & ~((n - y) > 0))
        if lost_side and l2 == 0.0 and connected:
            if separated_models(self.i[live], self.j[live], y[live], n[live], self.k).any():
                l2 = 1.0 / self.separation_sd**2
        return l2, connected

    # ------------------------------------------------------------------ refits
    def refit(self, y: np.ndarray, n: np.ndarray,
              theta_start: np.ndarray | None = None) -> tuple[np.ndarray, bool]:
        """Exact refit on changed totals.

        Returns
        -------
        theta : ndarray
            Refitted strengths (natural scale).
        valid : bool
            False when the change disconnects the comparison graph (ratings unidentified) or the
            solver did not converge; the strengths are then not to be trusted.
        """
        self.n_refits += 1
        l2, connected = self._prior_for(y, n)
        if not connected:
            return self.theta0.copy(), False
        if l2 == self.l2_base:
            theta, ok = self._chord(y, n, self.theta0 if theta_start is None else theta_start)
            if ok:
                return theta, True
        res = newton_bt(self.i, self.j, y, n, self.k, l2_theta=l2, tol=self.tol,
                        max_iter=self.max_iter, theta0=self.theta0)
        return res.theta, bool(res.converged)

    def _chord(self, y, n, theta, max_steps: int = 60) -> tuple[np.ndarray, bool]:
        theta = np.array(theta, dtype=float)
        if self.l2_base == 0.0:
            theta -= theta.mean()
        prev = np.inf
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(max_steps):
                r = y - n * expit(theta[self.i] - theta[self.j])
                g = self._inc_t @ r - self.l2_base * theta
                step = self._h0inv @ g
                size = float(np.max(np.abs(step)))
                theta += step
                if size < self.tol:
                    return theta, True
                if not np.isfinite(size) or (size > 0.9 * prev and size > 1e3 * self.tol):
                    return self.theta0.copy(), False  # not contracting: hand over to Newton
                prev = size
        return self.theta0.copy(), False

    def refit_batch(self, y: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact refits of many changed totals at once (rows of ``y`` and ``n``).

        Returns
        -------
        theta : ndarray, shape (n_rows, k)
        valid : ndarray of bool, shape (n_rows,)
        """
        y = np.atleast_2d(y)
        n = np.atleast_2d(n)
        d = y.shape[0]
        theta = np.tile(self.theta0, (d, 1))
        valid = np.ones(d, dtype=bool)
        # rows whose change could separate or disconnect: checked one by one; those that do are
        # refitted by full Newton (with the board's prior) or reported invalid
        maybe = (np.any(self._live0 & ~(n > 0), axis=1)
                 | np.any(self._win0 & ~(y > 0), axis=1)
                 | np.any(self._loss0 & ~((n - y) > 0), axis=1))
        risky = np.zeros(d, dtype=bool)
        for r in np.flatnonzero(maybe):
            l2, connected = self._prior_for(y[r], n[r])
            risky[r] = (not connected) or l2 != self.l2_base
        todo = np.flatnonzero(~risky)
        if len(todo):
            th = np.ascontiguousarray(theta[todo].T)  # (k, m)
            yy = np.ascontiguousarray(y[todo].T)  # (cells, m)
            nn = np.ascontiguousarray(n[todo].T)
            m = len(todo)
            done = np.zeros(m, dtype=bool)
            failed = np.zeros(m, dtype=bool)
            prev = np.full(m, np.inf)
            active = np.arange(m)
            with np.errstate(over="ignore", invalid="ignore"):
                for _ in range(60):
                    if not len(active):
                        break
                    full = len(active) == m
                    sub = th if full else th[:, active]
                    ys, ns = (yy, nn) if full else (yy[:, active], nn[:, active])
                    r = ys - ns * expit(sub[self.i] - sub[self.j])
                    step = self._h0inv @ (self._inc_t @ r - self.l2_base * sub)
                    size = np.max(np.abs(step), axis=0)
                    if full:
                        th += step
                    else:
                        th[:, active] = sub + step
                    conv = size < self.tol
                    stuck = ~conv & (~np.isfinite(size)
                                     | ((size > 0.9 * prev[active]) & (size > 1e3 * self.tol)))
                    prev[active] = size
                    done[active[conv]] = True
                    failed[active[stuck]] = True
                    active = active[~conv & ~stuck]
            ok = done & ~failed
            theta[todo[ok]] = th.T[ok]
            risky[todo[~ok]] = True
            self.n_refits += int(ok.sum())
        for r in np.flatnonzero(risky):
            theta[r], valid[r] = self.refit(y[r], n[r])
        return theta, valid


def rating_factor(scale: float = 400.0, base: float = 10.0) -> float:
    """Rating points per natural-scale unit: ``scale / ln(base)``."""
    return scale / math.log(base)
