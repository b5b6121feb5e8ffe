"""Newton solver for the Bradley–Terry logistic model on aggregated cells (array core).

The model: for cell ``c`` comparing models ``i[c]`` and ``j[c]`` with covariates ``x[c]``,
``logit P(i wins) = theta[i] - theta[j] + x[c] @ gamma``, natural (log-odds) scale. Given ``y``
(wins of ``i``, ties counted as halves) and ``n`` (trials) per cell, minimise

    f(theta, gamma) = -sum_c [y_c eta_c - n_c log(1 + exp(eta_c))]
                      + l2_theta/2 ||theta||^2 + l2_gamma/2 ||gamma||^2

With ``l2_theta == 0`` the strengths are identified by ``sum(theta) == 0``: the Hessian is
augmented with ``e e^T`` (``e`` = ones on the theta block), which leaves the Newton step inside
the constraint because every gradient and Hessian column of the theta block sums to zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log1p

__all__ = ["SolverResult", "newton_bt", "bt_hessian", "bt_gradient", "neg_loglik"]


@dataclass(frozen=True)
class SolverResult:
    """Result of :func:`newton_bt`."""

    theta: np.ndarray
    gamma: np.ndarray
    converged: bool
    n_iter: int
    grad_norm: float
    hessian: np.ndarray  # Hessian of f at the solution (not augmented), (K+p, K+p)
    objective: float


def _eta(theta, gamma, i, j, x):
    eta = theta[i] - theta[j]
    if x is not None and x.shape[1]:
        eta = eta + x @ gamma
    return eta


def neg_loglik(eta: np.ndarray, y: np.ndarray, n: np.ndarray) -> float:
    """``-sum(y * eta - n * log(1 + exp(eta)))``, computed stably."""
    softplus = np.where(eta > 0, eta + log1p(np.exp(-np.abs(eta))), log1p(np.exp(-np.abs(eta))))
    return float(-(y * eta).sum() + (n * softplus).sum())


def bt_gradient(r: np.ndarray, i, j, x, k: int) -> np.ndarray:
    """Gradient of the log-likelihood from cell residuals ``r = y - n p``."""
    g = np.bincount(i, r, minlength=k) - np.bincount(j, r, minlength=k)
    if x is not None and x.shape[1]:
        g = np.concatenate([g, x.T @ r])
    return g


def bt_hessian(w: np.ndarray, i, j, x, k: int) -> np.ndarray:
    """``D^T diag(w) D`` for the cell design ``D`` (theta block ``e_i - e_j``, then ``x``)."""
    p = 0 if x is None else x.shape[1]
    h = np.zeros((k + p, k + p))
    off = np.bincount(i * k + j, w, minlength=k * k).reshape(k, k)
    off = off + off.T
    h[:k, :k] = -off
    h[np.arange(k), np.arange(k)] += off.sum(axis=1)
    if p:
        cross = np.empty((k, p))
        for m in range(p):
            wx = w * x[:, m]
            cross[:, m] = np.bincount(i, wx, minlength=k) - np.bincount(j, wx, minlength=k)
        h[:k, k:] = cross
        h[k:, :k] = cross.T
        h[k:, k:] = (x * w[:, None]).T @ x
    return h


def newton_bt(
    i: np.ndarray,
    j: np.ndarray,
    y: np.ndarray,
    n: np.ndarray,
    k: int,
    *,
    x: np.ndarray | None = None,
    l2_theta: float = 0.0,
    l2_gamma: float = 0.0,
    theta0: np.ndarray | None = None,
    gamma0: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> SolverResult:
    """Fit Bradley–Terry strengths (and covariate effects) by damped Newton.

    Parameters
    ----------
    i, j : ndarray of int
        Models of each cell.
    y, n : ndarray
        Wins of ``i`` (ties as halves) and trials per cell (weighted).
    k : int
        Number of models.
    x : ndarray, shape (n_cells, p), optional
        Cell covariates.
    l2_theta, l2_gamma : float
        Ridge (Gaussian prior precision) on strengths and covariate effects, natural scale.
    theta0, gamma0 : ndarray, optional
        Warm start.
    tol : float
        Convergence when the largest Newton step is below ``tol`` (natural units).
    max_iter : int
        Iteration cap; the result says whether it converged.

    Returns
    -------
    SolverResult
    """
    p = 0 if x is None else x.shape[1]
    theta = np.zeros(k) if theta0 is None else np.array(theta0, dtype=float)
    if l2_theta == 0.0:
        theta = theta - theta.mean()
    gamma = np.zeros(p) if gamma0 is None else np.array(gamma0, dtype=float)
    prior = np.concatenate([np.full(k, l2_theta), np.full(p, l2_gamma)])
    e = np.concatenate([np.ones(k), np.zeros(p)])

    def objective(th, ga):
        eta = _eta(th, ga, i, j, x)
        return neg_loglik(eta, y, n) + 0.5 * (l2_theta * th @ th + l2_gamma * ga @ ga), eta

    f, eta = objective(theta, gamma)
    converged = False
    it = 0
    step_max = np.inf
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        prob = expit(eta)
        g = bt_gradient(y - n * prob, i, j, x, k) - prior * np.concatenate([theta, gamma])
        h = bt_hessian(n * prob * (1.0 - prob), i, j, x, k)
        h[np.diag_indices_from(h)] += prior
        h_aug = h + np.outer(e, e) if l2_theta == 0.0 else h
        try:
            step = np.linalg.solve(h_aug, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(h_aug, g, rcond=None)[0]
        # damped step: halve until the objective does not increase
        t = 1.0
        for _ in range(40):
            th_new = theta + t * step[:k]
            ga_new = gamma + t * step[k:]
            f_new, eta_new = objective(th_new, ga_new)
            if f_new <= f + 1e-12 * max(1.0, abs(f)):
                break
            t *= 0.5
        theta, gamma, f, eta = th_new, ga_new, f_new, eta_new
        step_max = float(np.max(np.abs(t * step))) if step.size else 0.0
        if step_max < tol:
            converged = True
            break
    prob = expit(eta)
    g = bt_gradient(y - n * prob, i, j, x, k) - prior * np.concatenate([theta, gamma])
    h = bt_hessian(n * prob * (1.0 - prob), i, j, x, k)
    h[np.diag_indices_from(h)] += prior
    return SolverResult(theta=theta, gamma=gamma, converged=converged, n_iter=it,
                        grad_norm=float(np.max(np.abs(g))) if g.size else 0.0, hessian=h,
                        objective=f)
