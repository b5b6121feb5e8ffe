"""Add-k: the fewest *added* votes that flip a pair — the rigging distance.

A rigger who can cast votes on battles the arena serves adds wins. The first-order effect on the
gap ``δ = θ_a − θ_b`` of adding one unit-weight vote to cell ``(i, j)`` in which ``i`` gets credit
``s`` (1 for a win of ``i``, 0 for a win of ``j``) is

    Δδ ≈ +(s − p_ij) (u_i − u_j),    u = H⁺ (e_a − e_b),

the mirror image of a removal (:mod:`sealvalid.audit.dropk`). Besides the direct vote "``b`` beats
``a``", wins of ``b`` over other models and losses of ``a`` to other models move the gap too (the
*omnipresent* strategy of arXiv 2501.17858): the greedy search ranks all of them.

Search (:func:`greedy_add`): add votes greedily by first-order effect until the predicted change
exceeds the gap, refit exactly, re-linearise and repeat while the pair has not flipped; then find
the smallest prefix of the added sequence that still flips by exact refits. Every reported ``k`` is
verified by a refit; it is an upper bound on the true minimum.

Which battles a rigger can vote on is a modelling choice: ``pairs="observed"`` allows the model
pairs that occur in the table (the battles the arena actually serves), ``pairs="all"`` any pair of
rated models.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit

from sealvalid.audit.dropk import Flip, _Sequence, _take, flipped, smallest_flip
from sealvalid.audit.groups import Refitter

__all__ = ["greedy_add", "add_influence", "all_pair_cells", "ADD_PAIRS"]

#: which model pairs may receive added votes
ADD_PAIRS = ("observed", "all")


def all_pair_cells(i: np.ndarray, j: np.ndarray, y: np.ndarray, n: np.ndarray,
                   k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Extend cells to every unordered pair of ``k`` models (new cells have zero trials)."""
    ii, jj = np.triu_indices(k, 1)
    key = ii * k + jj
    pos = np.searchsorted(key, np.asarray(i) * k + np.asarray(j))
    yy = np.zeros(len(key))
    nn = np.zeros(len(key))
    yy[pos] = y
    nn[pos] = n
    return ii.astype(np.intp), jj.astype(np.intp), yy, nn


def add_influence(refit: Refitter, theta: np.ndarray, n: np.ndarray, above: int,
                  below: int) -> np.ndarray:
    """First-order change of ``θ_above − θ_below`` per added vote, shape ``(n_cells, 2)``.

    Column 0: a vote won by the cell's ``i``; column 1: a vote won by ``j``.
    """
    rhs = np.zeros(refit.k)
    rhs[above] += 1.0
    rhs[below] -= 1.0
    u = refit.solve_h(theta, n, rhs)
    p = expit(theta[refit.i] - theta[refit.j])
    d = u[refit.i] - u[refit.j]
    return np.column_stack([(1.0 - p) * d, -p * d])


def greedy_add(refit: Refitter, above: int, below: int, *, max_votes: int,
               max_rounds: int = 40) -> Flip:
    """Fewest added votes that flip ``above`` and ``below``: greedy by influence, verified.

    Parameters
    ----------
    refit : Refitter
        Its cells are the pairs that may receive votes (see :func:`all_pair_cells`).
    above, below : int
        Model indices; ``above`` must be rated above ``below``.
    max_votes : int
        Budget of added votes.
    max_rounds : int
        Re-linearisation rounds.

    Returns
    -------
    Flip
        ``change`` has shape ``(n_cells, 2)``: votes added per cell won by ``i`` (column 0) and by
        ``j`` (column 1).
    """
    theta0 = refit.theta0
    gap0 = float(theta0[above] - theta0[below])
    if not gap0 > 0:
        raise ValueError(
            f"model index {above} must be rated above {below} (gap {gap0:.3g} natural units)")
    n_ref0 = refit.n_refits
    n_cells = len(refit.i)
    added = np.zeros(2 * n_cells, dtype=np.int64)  # flat: cell * 2 + side
    seq = _Sequence(2 * n_cells)
    unlimited = np.full(2 * n_cells, max_votes, dtype=np.int64)

    def totals(change: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = change.reshape(n_cells, 2)
        return refit.y0 + c[:, 0], refit.n0 + c[:, 0] + c[:, 1]

    theta, gap = theta0, gap0
    k_first: int | None = None
    first_held: bool | None = None
    done = False
    for rnd in range(max_rounds):
        budget = max_votes - int(added.sum())
        if budget <= 0:
            break
        _, n_cur = totals(added)
        infl = add_influence(refit, theta, n_cur, above, below).ravel()
        cand = np.flatnonzero(infl < 0)
        if not len(cand):
            break
        order = cand[np.argsort(infl[cand], kind="stable")]
        items, counts, enough = _take(order, -infl, unlimited, gap * (1.0 + 1e-9), budget)
        trial = added + np.bincount(items, counts, minlength=2 * n_cells)
        y, n = totals(trial)
        new_theta, valid = refit.refit(y, n)
        if not valid:  # adding votes cannot disconnect; a solver failure ends the search
            break
        if rnd == 0:
            k_first = int(counts.sum()) if enough else None
            first_held = flipped(new_theta[above] - new_theta[below]) if enough else None
        seq.append(items, counts)
        added = trial
        theta, gap = new_theta, float(new_theta[above] - new_theta[below])
        if flipped(gap):
            done = True
            break
    if not done:
        return Flip("add", above, below, gap0, None, False, gap, math.nan, k_first, first_held,
                    np.zeros((n_cells, 2), dtype=np.int64), refit.n_refits - n_ref0, max_votes)

    def gap_at(k: int) -> float | None:
        y, n = totals(seq.prefix(k))
        th, ok = refit.refit(y, n)
        return float(th[above] - th[below]) if ok else None

    k, g_k, g_prev, _ = smallest_flip(gap_at, seq.total, gap, gap0)
    return Flip("add", above, below, gap0, k, True, g_k, g_prev, k_first, first_held,
                seq.prefix(k).reshape(n_cells, 2), refit.n_refits - n_ref0, max_votes)
