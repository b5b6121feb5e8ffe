"""Vectorised, warm-started bootstrap of Bradley–Terry fits on aggregated cells.

Resampling
----------
``method="multinomial"`` (default) is the ordinary vote bootstrap: each round draws ``N`` votes
with replacement, which is exactly a multinomial draw of ``N`` over the (cell, outcome) counts.
``method="poisson"`` is the Poisson approximation: every (cell, outcome) count is redrawn
independently as ``Poisson(count)``, so the total number of votes varies between rounds (by about
``sqrt(N)``); it is the limit of the multinomial bootstrap for many cells and is about twice as
fast. With vote weights, each drawn vote carries the mean weight of its (cell, outcome): exact
when weights are constant within a cell outcome (e.g. inverse-probability weights per pair),
an approximation otherwise.

Solving
-------
Rounds are processed in chunks of at most :data:`CHUNK` rounds (fewer when there are very many
cells, so that a chunk's arrays stay bounded; the size depends on the data only), each chunk with
its own spawned random stream, so the result does not depend on the number of threads. Every
round starts from the full-data estimate and iterates ``step = H0^{-1} g`` with the full-data
Hessian ``H0`` (a quasi-Newton iteration that costs one matrix product per round and step);
rounds not converged after :data:`FIXED_STEPS` steps switch to exact damped Newton. A round
whose resample separates the models (some model never loses, so its MLE is infinite) is refitted
with the fallback prior and counted in ``info["n_rounds_separated"]``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import sparse
from scipy.special import expit

from sealvalid.rating.cells import Cells
from sealvalid.rating.solver import newton_bt

__all__ = ["bootstrap_params", "BOOTSTRAP_METHODS", "CHUNK", "FIXED_STEPS"]

BOOTSTRAP_METHODS = ("multinomial", "poisson")
CHUNK = 50
FIXED_STEPS = 12


def _outcome_maps(cells: Cells, ties: str, bothbad: str):
    """Sparse maps from nonzero (cell, outcome) entries to per-cell y and n."""
    raw = cells.raw_counts
    counts = cells.counts
    if bothbad == "tie":
        # both kinds of tie enter identically: merging them before drawing is exact (the merged
        # count of a multinomial is multinomial) and saves a quarter of the random draws
        raw = raw.copy()
        counts = counts.copy()
        raw[:, 2] += raw[:, 3]
        raw[:, 3] = 0.0
        counts[:, 2] += counts[:, 3]
        counts[:, 3] = 0.0
    mean_w = np.divide(counts, raw, out=np.zeros_like(raw), where=raw > 0)
    flat = raw.ravel()
    nz = np.flatnonzero(flat > 0)
    cell = nz // 4
    outcome = nz % 4
    wy = np.select([outcome == 0, outcome == 1, outcome == 2, outcome == 3],
                   [1.0, 0.0, 0.5, 0.5 if bothbad == "tie" else 0.0])
    wn = np.ones(len(nz))
    if bothbad == "drop":
        wn[outcome == 3] = 0.0
    if ties == "drop":
        wy[outcome >= 2] = 0.0
        wn[outcome >= 2] = 0.0
    mw = mean_w.ravel()[nz]
    shape = (len(nz), cells.n_cells)
    a_y = sparse.csr_matrix((wy * mw, (np.arange(len(nz)), cell)), shape=shape)
    a_n = sparse.csr_matrix((wn * mw, (np.arange(len(nz)), cell)), shape=shape)
    return flat[nz], a_y.T.tocsr(), a_n.T.tocsr()


def bootstrap_params(
    cells: Cells,
    theta_hat: np.ndarray,
    gamma_hat: np.ndarray,
    hessian: np.ndarray,
    *,
    n_rounds: int,
    rng=None,
    ties: str = "half",
    bothbad: str = "tie",
    l2_theta: float = 0.0,
    l2_gamma: float = 0.0,
    separation_l2: float = 1.0 / 16.0,
    method: str = "multinomial",
    n_jobs: int | None = None,
    tol: float = 1e-7,
) -> tuple[np.ndarray, dict]:
    """Bootstrap the natural-scale parameters ``(theta, gamma)``.

    Parameters
    ----------
    cells : Cells
        Aggregated votes.
    theta_hat, gamma_hat : ndarray
        The full-data estimate (warm start for every round).
    hessian : ndarray
        Hessian of the objective at the full-data estimate (prior included, not augmented).
    n_rounds : int
        Number of bootstrap rounds.
    rng : anything ``numpy.random.default_rng`` accepts
        Randomness; one stream is spawned per chunk of :data:`CHUNK` rounds.
    ties, bothbad : str
        Tie convention (``"half"`` or ``"drop"``; ``"tie"`` or ``"drop"``).
    l2_theta, l2_gamma : float
        Ridge used in the fit (kept in every round).
    separation_l2 : float
        Ridge on strengths for rounds whose resample has no finite MLE.
    method : {"multinomial", "poisson"}
        Resampling scheme (see module docstring).
    n_jobs : int, optional
        Threads (default: all cores, at most 2 per chunk set). Results do not depend on it.
    tol : float
        Convergence tolerance on the largest step, natural units (1e-7 is 2e-5 rating points,
        far below any bootstrap spread).

    Returns
    -------
    params : ndarray, shape (n_rounds, K + p)
    info : dict
        ``n_rounds_separated``, ``n_rounds_newton`` (rounds that needed exact Newton), ``method``.
    """
    if method not in BOOTSTRAP_METHODS:
        raise ValueError(f"bootstrap method {method!r} unknown; allowed: {list(BOOTSTRAP_METHODS)}")
    if n_rounds < 1:
        raise ValueError(f"n_rounds must be >= 1, got {n_rounds}")
    if ties not in ("half", "drop"):
        raise ValueError(f"vectorised bootstrap supports ties 'half' or 'drop', got {ties!r}")
    rng = np.random.default_rng(rng)
    k = cells.n_models
    x = cells.x
    p = 0 if x is None else x.shape[1]
    counts, map_y, map_n = _outcome_maps(cells, ties, bothbad)
    total = int(round(counts.sum()))
    prob = counts / counts.sum()
    e = np.concatenate([np.ones(k), np.zeros(p)])
    h_aug = hessian + np.outer(e, e) if l2_theta == 0.0 else hessian
    h_inv = np.linalg.inv(h_aug)
    prior = np.concatenate([np.full(k, l2_theta), np.full(p, l2_gamma)])
    start = np.concatenate([theta_hat, gamma_hat])
    i, j = cells.i, cells.j
    d = sparse.csr_matrix(
        (np.concatenate([np.ones(len(i)), -np.ones(len(j))]),
         (np.concatenate([np.arange(len(i))] * 2), np.concatenate([i, j]))),
        shape=(len(i), k))
    design_t = d.T.tocsr()
    # chunk size depends on the data only (never on threads): bounded (rounds x cells) arrays
    chunk = int(max(1, min(CHUNK, 5_000_000 // max(len(counts), 1))))
    n_chunks = -(-n_rounds // chunk)
    streams = rng.spawn(n_chunks)

    def run_chunk(c: int):
        r = min(chunk, n_rounds - c * chunk)
        g = streams[c]
        if method == "multinomial":
            draws = g.multinomial(total, prob, size=r).astype(float)
        else:
            draws = g.poisson(counts, size=(r, len(counts))).astype(float)
        y = (map_y @ draws.T).T  # (r, n_cells)
        n = (map_n @ draws.T).T
        params = np.tile(start, (r, 1))
        active = np.ones(r, dtype=bool)
        for _ in range(FIXED_STEPS):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            th = params[idx]
            eta = th[:, i] - th[:, j]
            if p:
                eta += th[:, k:] @ x.T
            res = y[idx] - n[idx] * expit(eta)
            grad = (design_t @ res.T).T
            if p:
                grad = np.concatenate([grad, res @ x], axis=1)
            grad -= prior * th
            step = grad @ h_inv  # h_inv is symmetric
            params[idx] = th + step
            done = np.max(np.abs(step), axis=1) < tol
            active[idx[done]] = False
        n_newton = 0
        n_sep = 0
        for row in np.flatnonzero(active):
            n_newton += 1
            fit = newton_bt(i, j, y[row], n[row], k, x=x, l2_theta=l2_theta, l2_gamma=l2_gamma,
                            theta0=params[row, :k], gamma0=params[row, k:], tol=tol)
            if not fit.converged or fit.grad_norm > 1e-6 * max(1.0, n[row].sum()):
                n_sep += 1
                fit = newton_bt(i, j, y[row], n[row], k, x=x,
                                l2_theta=max(l2_theta, separation_l2), l2_gamma=l2_gamma,
                                tol=tol)
            params[row] = np.concatenate([fit.theta, fit.gamma])
        return params, n_newton, n_sep

    workers = n_jobs or min(2, os.cpu_count() or 1)
    if workers > 1 and n_chunks > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run_chunk, range(n_chunks)))
    else:
        parts = [run_chunk(c) for c in range(n_chunks)]
    params = np.concatenate([pp[0] for pp in parts], axis=0)
    info = {
        "method": method,
        "n_rounds": n_rounds,
        "n_rounds_newton": int(sum(pp[1] for pp in parts)),
        "n_rounds_separated": int(sum(pp[2] for pp in parts)),
    }
    return params, info
