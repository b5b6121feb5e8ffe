"""Worst-case drop-k: the fewest votes whose removal flips a pair, found by influence and verified.

For a pair ``(a, b)`` with ``a`` rated above ``b`` (natural-scale gap ``δ = θ_a − θ_b > 0``), the
first-order (influence-function) effect on ``δ`` of removing one vote of group ``g`` — cell
``(i, j)``, credit ``s`` to ``i``, weight ``w`` — is

    Δδ_g ≈ −w (s − p_ij) (u_i − u_j),    u = H⁺ (e_a − e_b),

with ``p_ij`` the fitted probability that ``i`` beats ``j`` and ``H`` the Hessian of the negative
log-likelihood at the fit (``H⁺`` its inverse on the sum-zero subspace): removing a vote subtracts
its score ``w (s − p)(e_i − e_j)`` from the gradient, and one Newton step from the fit turns that
into a change of the strengths. All votes of a group share ``Δδ_g``, so ranking and removal work
on groups with counts (arXiv 2508.11847 ranks single votes the same way).

Search (:func:`greedy_drop`)
    1. rank the groups by ``Δδ_g`` and remove votes greedily, most negative first, until the
       predicted change exceeds the gap (the *first-order claim*, ``k_first_order``);
    2. refit exactly on the remaining votes (:class:`~sealvalid.audit.groups.Refitter`); if the
       pair did not flip, re-linearise at the new fit and remove more (a few rounds at most);
    3. shrink: the removals form one ordered sequence; the smallest prefix that still flips is
       found by exact refits (regula falsi on the count, with bisection as a safeguard).

Every reported ``k`` is *verified*: the refit on the table without those ``k`` votes rates ``b``
above ``a`` and the refit without the first ``k − 1`` does not. ``k`` is an upper bound on the true
minimum (a combinatorial problem); on small tables the test suite checks it against brute force.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import beta

from sealvalid.audit.groups import Refitter, VoteGroups

__all__ = ["Flip", "RandomDrops", "drop_influence", "greedy_drop", "random_drops", "drop_curve",
           "smallest_flip", "FLIP_TOL", "flipped"]

#: a pair counts as flipped when the refitted gap is below ``-FLIP_TOL`` (natural units): an exact
#: tie (gap 0 up to the refit's rounding) is not a flip
FLIP_TOL = 1e-8


def flipped(gap) -> bool | np.ndarray:
    """Whether a refitted gap ``θ_above − θ_below`` (natural units) means the order flipped."""
    return np.asarray(gap) < -FLIP_TOL if np.ndim(gap) else bool(gap < -FLIP_TOL)


@dataclass(frozen=True)
class Flip:
    """The outcome of a worst-case search on one pair.

    Attributes
    ----------
    kind : {"drop", "add"}
    above, below : int
        Model indices: ``above`` is rated above ``below`` on the full table.
    gap : float
        Base gap ``θ_above − θ_below`` (natural scale).
    k : int or None
        Smallest verified number of votes (None: no flip found within the budget).
    verified : bool
        An exact refit confirms the flip at ``k``.
    gap_after : float
        Gap after the change of ``k`` votes (negative when verified), natural scale.
    gap_before : float
        Gap after ``k − 1`` votes of the same sequence (>= 0), natural scale; NaN when not found.
    k_first_order : int or None
        Votes the first-order approximation claimed were enough (first round), or None when it
        predicted no flip within the budget.
    first_order_held : bool or None
        Whether that first-order claim survived its exact refit.
    change : ndarray
        Drop: votes removed per group; add: votes added per (cell, winner side) as shape
        ``(n_cells, 2)`` (column 0: ``i`` wins, 1: ``j`` wins).
    n_refits : int
        Exact refits spent on this pair.
    budget : int
        The largest number of votes the search was allowed to change.
    """

    kind: str
    above: int
    below: int
    gap: float
    k: int | None
    verified: bool
    gap_after: float
    gap_before: float
    k_first_order: int | None
    first_order_held: bool | None
    change: np.ndarray
    n_refits: int
    budget: int


@dataclass(frozen=True)
class RandomDrops:
    """Random removals of ``k`` votes (the typical-case baseline) for one pair.

    Attributes
    ----------
    k : int
        Votes removed per draw (uniformly, without replacement, among the votes in the fit).
    n_draws : int
        Valid draws (refits that converged on a connected graph).
    flip_rate : float
        Share of draws in which the pair flipped.
    flip_se : float
        Monte Carlo standard error of ``flip_rate``, ``sqrt(p (1 − p) / n_draws)``.
    flip_upper95 : float
        One-sided 95% Clopper–Pearson upper bound of the flip probability (useful when no draw
        flipped).
    gap_change : ndarray
        Gap after minus gap before, per draw (natural scale).
    """

    k: int
    n_draws: int
    flip_rate: float
    flip_se: float
    flip_upper95: float
    gap_change: np.ndarray


def drop_influence(groups: VoteGroups, refit: Refitter, theta: np.ndarray, n: np.ndarray,
                   above, below) -> np.ndarray:
    """First-order change of ``θ_above − θ_below`` from removing one vote of each group.

    Parameters
    ----------
    groups : VoteGroups
    refit : Refitter
        Supplies the Hessian solve.
    theta, n : ndarray
        Strengths and trials per cell of the current fit.
    above, below : int or array of int
        One pair, or arrays of pairs (then the result has one column per pair).

    Returns
    -------
    ndarray, shape (n_groups,) or (n_groups, n_pairs)
        Natural-scale change of the gap per removed vote.
    """
    above = np.atleast_1d(above)
    below = np.atleast_1d(below)
    rhs = np.zeros((refit.k, len(above)))
    rhs[above, np.arange(len(above))] += 1.0
    rhs[below, np.arange(len(above))] -= 1.0
    u = refit.solve_h(theta, n, rhs)
    p = expit(theta[refit.i] - theta[refit.j])
    d = u[refit.i] - u[refit.j]  # (n_cells, n_pairs)
    resid = groups.weight * (groups.score - p[groups.cell])
    out = -resid[:, None] * d[groups.cell]
    return out[:, 0] if out.shape[1] == 1 else out


def smallest_flip(gap_at: Callable[[int], float | None], hi: int, gap_hi: float,
                  gap0: float) -> tuple[int, float, float, int]:
    """Smallest ``k`` in ``1..hi`` whose gap flips, given that ``gap_at(hi) = gap_hi`` does.

    Regula falsi on the integer count (Illinois-style: bisection when one end repeats or a refit
    is invalid). ``gap_at`` returns None for an invalid refit (treated as not flipped).

    Returns
    -------
    k, gap_k, gap_k_minus_1, n_evaluations
    """
    lo, g_lo = 0, gap0
    g_hi = gap_hi
    n_eval = 0
    last_side = 0
    same = 0
    bisect = False
    while hi - lo > 1:
        if bisect or same >= 2 or not (np.isfinite(g_lo) and g_lo > g_hi):
            k = (lo + hi) // 2
            same = 0
        else:
            k = lo + int(round((hi - lo) * g_lo / (g_lo - g_hi)))
            k = min(max(k, lo + 1), hi - 1)
        g = gap_at(k)
        n_eval += 1
        if g is not None and flipped(g):
            hi, g_hi, side = k, g, 1
        else:
            lo, g_lo, side = k, (np.inf if g is None else g), -1
        bisect = g is None
        same = same + 1 if side == last_side else 1
        last_side = side
    return hi, g_hi, g_lo, n_eval


class _Sequence:
    """An ordered sequence of (item, count) chunks; prefixes give change vectors."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []

    def append(self, items: np.ndarray, counts: np.ndarray) -> None:
        keep = counts > 0
        self.items.append(np.asarray(items)[keep])
        self.counts.append(np.asarray(counts, dtype=np.int64)[keep])

    def pop(self) -> None:
        self.items.pop()
        self.counts.pop()

    @property
    def total(self) -> int:
        return int(sum(c.sum() for c in self.counts))

    def prefix(self, k: int) -> np.ndarray:
        """Change per item for the first ``k`` votes of the sequence."""
        if not self.items:
            return np.zeros(self.size, dtype=np.int64)
        items = np.concatenate(self.items)
        counts = np.concatenate(self.counts)
        cum = np.cumsum(counts)
        full = cum <= k
        out = np.bincount(items[full], counts[full], minlength=self.size)
        nxt = int(full.sum())
        if nxt < len(items):
            done = int(cum[nxt - 1]) if nxt else 0
            out[items[nxt]] += k - done
        return out.astype(np.int64)


def _take(order: np.ndarray, per_vote: np.ndarray, avail: np.ndarray, need: float,
          budget: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Allocate votes greedily, most effective first, until their effect reaches ``need``.

    Votes come from ``order`` (``per_vote`` > 0 each), at most ``budget`` of them.

    Returns the chosen items, their counts and whether the predicted effect reaches ``need``.
    """
    eff = per_vote[order] * avail[order]
    cum = np.cumsum(eff)
    idx = int(np.searchsorted(cum, need))
    if idx < len(order):
        before = cum[idx - 1] if idx else 0.0
        m_last = min(int(math.ceil((need - before) / per_vote[order[idx]])),
                     int(avail[order[idx]]))
        items = order[: idx + 1]
        counts = np.concatenate([avail[order[:idx]], [max(m_last, 1)]]).astype(np.int64)
        enough = True
    else:
        items, counts, enough = order, avail[order].astype(np.int64), False
    cumc = np.cumsum(counts)
    if len(cumc) and cumc[-1] > budget:
        cut = int(np.searchsorted(cumc, budget, side="right"))
        extra = budget - (int(cumc[cut - 1]) if cut else 0)
        items = items[: cut + 1] if extra > 0 else items[:cut]
        counts = np.concatenate([counts[:cut], [extra]]) if extra > 0 else counts[:cut]
        enough = False
    return items, counts.astype(np.int64), enough


def greedy_drop(groups: VoteGroups, refit: Refitter, above: int, below: int, *,
                max_votes: int, max_rounds: int = 25,
                first_influence: np.ndarray | None = None) -> Flip:
    """Fewest votes whose removal flips ``above`` and ``below``: greedy by influence, verified.

    Parameters
    ----------
    groups : VoteGroups
    refit : Refitter
        Built on ``groups.cell_totals()`` (its base fit is the board).
    above, below : int
        Model indices; ``above`` must be rated above ``below``.
    max_votes : int
        Budget: the search gives up (``k=None``) beyond this many removed votes.
    max_rounds : int
        Re-linearisation rounds.
    first_influence : ndarray, optional
        Influence at the base fit (from :func:`drop_influence`), when computed for many pairs
        at once.

    Returns
    -------
    Flip
    """
    theta0 = refit.theta0
    gap0 = float(theta0[above] - theta0[below])
    if not gap0 > 0:
        raise ValueError(
            f"model index {above} must be rated above {below} (gap {gap0:.3g} natural units)")
    n_ref0 = refit.n_refits
    n0 = refit.n0
    avail = groups.count.copy()
    removed = np.zeros(groups.n_groups, dtype=np.int64)
    seq = _Sequence(groups.n_groups)
    theta, gap = theta0, gap0
    k_first: int | None = None
    first_held: bool | None = None
    done = False
    for rnd in range(max_rounds):
        budget = max_votes - int(removed.sum())
        if budget <= 0:
            break
        _, n_cur = groups.cell_totals(-removed)
        if rnd == 0 and first_influence is not None:
            infl = first_influence
        else:
            infl = drop_influence(groups, refit, theta, n_cur, above, below)
        cand = np.flatnonzero((infl < 0) & (avail > 0))
        if not len(cand):
            break
        order = cand[np.argsort(infl[cand], kind="stable")]
        items, counts, enough = _take(order, -infl, avail, gap * (1.0 + 1e-9), budget)
        if not len(items):
            break
        trial = removed + np.bincount(items, counts, minlength=groups.n_groups)
        y, n = groups.cell_totals(-trial)
        new_theta, valid = refit.refit(y, n)
        if not valid:
            # the removal disconnects the comparison graph: keep one vote in each emptied cell
            emptied = np.flatnonzero((n <= 0) & (n0 > 0))
            in_emptied = np.isin(groups.cell[items], emptied)
            if not in_emptied.any():
                break
            for c in emptied:
                mine = items[groups.cell[items] == c]
                if len(mine):
                    g = mine[np.argmax(infl[mine])]  # the least useful of them
                    avail[g] -= 1
            continue
        if rnd == 0:
            k_first = int(counts.sum()) if enough else None
            first_held = flipped(new_theta[above] - new_theta[below]) if enough else None
        seq.append(items, counts)
        removed = trial
        avail = groups.count - removed
        theta, gap = new_theta, float(new_theta[above] - new_theta[below])
        if flipped(gap):
            done = True
            break
    if not done:
        return Flip("drop", above, below, gap0, None, False, gap, math.nan, k_first, first_held,
                    removed * 0, refit.n_refits - n_ref0, max_votes)

    def gap_at(k: int) -> float | None:
        y, n = groups.cell_totals(-seq.prefix(k))
        th, ok = refit.refit(y, n)
        return float(th[above] - th[below]) if ok else None

    k, g_k, g_prev, _ = smallest_flip(gap_at, seq.total, gap, gap0)
    return Flip("drop", above, below, gap0, k, True, g_k, g_prev, k_first, first_held,
                seq.prefix(k), refit.n_refits - n_ref0, max_votes)


def random_drops(groups: VoteGroups, refit: Refitter, above: int, below: int, k: int, *,
                 n_draws: int = 100, rng=None) -> RandomDrops:
    """Remove ``k`` votes uniformly at random, ``n_draws`` times, and refit exactly.

    Parameters
    ----------
    groups, refit
        As for :func:`greedy_drop`.
    above, below : int
        The pair.
    k : int
        Votes removed per draw (the worst-case size, for a like-for-like comparison).
    n_draws : int
        Monte Carlo draws.
    rng : numpy.random.Generator, int or None
        Randomness.

    Returns
    -------
    RandomDrops
    """
    if k < 1 or n_draws < 1:
        raise ValueError(f"need k >= 1 and n_draws >= 1, got k={k}, n_draws={n_draws}")
    rng = np.random.default_rng(rng)
    n_used = groups.n_used
    if k > n_used:
        raise ValueError(f"cannot drop k={k} of {n_used} votes")
    # group of each used vote, in a fixed order; k distinct votes per draw, aggregated to cells
    vote_group = np.repeat(np.arange(groups.n_groups), groups.count)
    picks = np.stack([_distinct(rng, n_used, k) for _ in range(n_draws)])
    g = vote_group[picks]  # (n_draws, k)
    flat = (np.arange(n_draws)[:, None] * groups.n_cells + groups.cell[g]).ravel()
    size = n_draws * groups.n_cells
    w = groups.weight[g].ravel()
    dy = np.bincount(flat, w * groups.score[g].ravel(), minlength=size)
    dn = np.bincount(flat, w, minlength=size)
    y = refit.y0 - dy.reshape(n_draws, groups.n_cells)
    n = refit.n0 - dn.reshape(n_draws, groups.n_cells)
    theta, valid = refit.refit_batch(y, n)
    gap0 = refit.theta0[above] - refit.theta0[below]
    gaps = theta[valid, above] - theta[valid, below]
    m = int(valid.sum())
    flips = int(flipped(gaps).sum())
    rate = flips / m if m else math.nan
    se = math.sqrt(rate * (1 - rate) / m) if m else math.nan
    upper = float(beta.ppf(0.95, flips + 1, m - flips)) if m and flips < m else 1.0
    return RandomDrops(k=k, n_draws=m, flip_rate=rate, flip_se=se, flip_upper95=upper,
                       gap_change=gaps - gap0)


def _distinct(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """``k`` distinct integers in ``0..n-1``, uniformly (rejection; fast when ``k << n``)."""
    if 4 * k > n:
        return rng.permutation(n)[:k]
    out = np.unique(rng.integers(0, n, size=k))
    while len(out) < k:
        out = np.unique(np.concatenate([out, rng.integers(0, n, size=k - len(out))]))
    return rng.permutation(out)


def drop_curve(groups: VoteGroups, refit: Refitter, above: int, below: int, ks, *,
               n_draws: int = 50, rng=None) -> pd.DataFrame:
    """Trace the gap after dropping ``k`` votes: worst case (influence order) against random.

    The worst-case curve removes votes in the order of their first-order influence at the base
    fit (most harmful first) and refits exactly at each ``k``; the random curve draws ``n_draws``
    uniform removals per ``k``.

    Returns
    -------
    pandas.DataFrame
        Columns ``k, gap_worst, gap_random_mean, gap_random_lower, gap_random_upper,
        flip_rate_random`` (gaps natural scale; the random band is the 2.5–97.5% range of the
        draws).
    """
    rng = np.random.default_rng(rng)
    ks = np.unique(np.asarray(ks, dtype=np.int64))
    infl = drop_influence(groups, refit, refit.theta0, refit.n0, above, below)
    order = np.flatnonzero(infl < 0)
    order = order[np.argsort(infl[order], kind="stable")]
    seq = _Sequence(groups.n_groups)
    seq.append(order, groups.count[order])
    streams = rng.spawn(len(ks))
    rows = []
    for k, stream in zip(ks, streams, strict=True):
        k = int(min(k, seq.total))
        if k == 0:
            g0 = float(refit.theta0[above] - refit.theta0[below])
            rows.append((0, g0, g0, g0, g0, 0.0))
            continue
        y, n = groups.cell_totals(-seq.prefix(k))
        th, ok = refit.refit(y, n)
        worst = float(th[above] - th[below]) if ok else math.nan
        rnd = random_drops(groups, refit, above, below, k, n_draws=n_draws, rng=stream)
        g = rnd.gap_change + (refit.theta0[above] - refit.theta0[below])
        rows.append((k, worst, float(g.mean()), float(np.quantile(g, 0.025)),
                     float(np.quantile(g, 0.975)), rnd.flip_rate))
    return pd.DataFrame(rows, columns=["k", "gap_worst", "gap_random_mean", "gap_random_lower",
                                       "gap_random_upper", "flip_rate_random"])
