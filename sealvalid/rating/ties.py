"""Tie models for Bradley–Terry: Davidson (1970) and Rao–Kupper (1967), on aggregated cells.

With ``d = theta_i - theta_j`` (natural scale):

* Davidson: ``P(i) = e^{d/2} / Z``, ``P(j) = e^{-d/2} / Z``, ``P(tie) = nu / Z`` with
  ``Z = e^{d/2} + e^{-d/2} + nu`` and ``nu >= 0`` (the tie parameter, ``nu = exp(kappa)``).
* Rao–Kupper: ``P(i) = sigmoid(d - eta)``, ``P(j) = sigmoid(-d - eta)``,
  ``P(tie) = 1 - P(i) - P(j)`` with threshold ``eta >= 0`` (``eta = exp(kappa)``); the classical
  parameter is ``theta_RK = exp(eta)``.

Both are fitted by L-BFGS on the exact log-likelihood with an analytic gradient; strengths are
identified by ``sum(theta) == 0``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_expit, logsumexp

__all__ = ["fit_tie_model", "TIE_MODELS"]

TIE_MODELS = ("davidson", "rao_kupper")


def _davidson(params, i, j, wi, wj, t, k, l2):
    theta, kappa = params[:k], params[k]
    d = theta[i] - theta[j]
    stack = np.stack([d / 2, -d / 2, np.full_like(d, kappa)])
    log_z = logsumexp(stack, axis=0)
    ll = wi * (d / 2 - log_z) + wj * (-d / 2 - log_z) + t * (kappa - log_z)
    n = wi + wj + t
    pi = np.exp(d / 2 - log_z)
    pj = np.exp(-d / 2 - log_z)
    ptie = np.exp(kappa - log_z)
    gd = (wi - wj) / 2 - n * (pi - pj) / 2
    gk = (t - n * ptie).sum()
    gth = np.bincount(i, gd, minlength=k) - np.bincount(j, gd, minlength=k)
    s = theta.sum()
    f = -ll.sum() + 0.5 * s * s + 0.5 * l2 * theta @ theta
    grad = np.concatenate([-gth + s + l2 * theta, [-gk]])
    return f, grad


def _rao_kupper(params, i, j, wi, wj, t, k, l2):
    theta, kappa = params[:k], params[k]
    eta = np.exp(kappa)
    d = theta[i] - theta[j]
    lpi = log_expit(d - eta)
    lpj = log_expit(-d - eta)
    pi, pj = np.exp(lpi), np.exp(lpj)
    ptie = np.clip(1.0 - pi - pj, 1e-300, None)
    ll = wi * lpi + wj * lpj + t * np.log(ptie)
    si = pi * (1 - pi)  # d sigmoid(d - eta)/d(d)
    sj = pj * (1 - pj)
    # derivatives wrt d and eta
    gd = wi * (1 - pi) - wj * (1 - pj) + t * (-si + sj) / ptie
    ge = -wi * (1 - pi) - wj * (1 - pj) + t * (si + sj) / ptie
    gth = np.bincount(i, gd, minlength=k) - np.bincount(j, gd, minlength=k)
    s = theta.sum()
    f = -ll.sum() + 0.5 * s * s + 0.5 * l2 * theta @ theta
    grad = np.concatenate([-gth + s + l2 * theta, [-ge.sum() * eta]])
    return f, grad


def fit_tie_model(
    model: str,
    i: np.ndarray,
    j: np.ndarray,
    wins_i: np.ndarray,
    wins_j: np.ndarray,
    ties: np.ndarray,
    k: int,
    *,
    l2: float = 0.0,
    theta0: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 2000,
) -> tuple[np.ndarray, float, bool, int]:
    """Fit a Davidson or Rao–Kupper model.

    Returns
    -------
    theta : ndarray
        Natural-scale strengths summing to zero.
    tie_param : float
        Davidson ``nu`` or Rao–Kupper ``theta_RK = exp(eta)``.
    converged : bool
    n_iter : int
    """
    from scipy.optimize import minimize  # imported here: the default rating path never needs it

    if model not in TIE_MODELS:
        raise ValueError(f"tie model {model!r} unknown; allowed: {list(TIE_MODELS)}")
    fun = _davidson if model == "davidson" else _rao_kupper
    tie_share = max(ties.sum(), 0.5) / max((wins_i + wins_j + ties).sum(), 1.0)
    kappa0 = np.log(2 * tie_share / max(1 - tie_share, 1e-3)) if model == "davidson" else np.log(
        max(np.log((1 + tie_share) / max(1 - tie_share, 1e-3)), 1e-3))
    x0 = np.concatenate([np.zeros(k) if theta0 is None else theta0, [kappa0]])
    res = minimize(fun, x0, args=(i, j, wins_i, wins_j, ties, k, l2), jac=True,
                   method="L-BFGS-B", options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15,
                                               "maxcor": 30})
    theta = res.x[:k] - res.x[:k].mean()
    kappa = res.x[k]
    tie_param = float(np.exp(kappa)) if model == "davidson" else float(np.exp(np.exp(kappa)))
    gnorm = float(np.max(np.abs(res.jac))) if res.jac is not None else np.inf
    scale = max(1.0, float((wins_i + wins_j + ties).sum()))
    converged = bool(res.success or gnorm < 1e-6 * scale)
    return theta, tie_param, converged, int(res.nit)


