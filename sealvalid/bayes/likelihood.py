"""Cell log-likelihoods of Bradley–Terry with ties (PyTensor) and outcome probabilities (NumPy).

With ``d`` the logit of ``i`` over ``j`` in a cell (strength difference plus covariates) and
counts ``w_i, w_j, t``:

* ``"drop"`` (no ties) and ``"half"`` (ties as half a win each way, LMArena's convention, a
  quasi-likelihood): ``y log s(d) + (n - y) log s(-d)`` with ``y = w_i (+ t/2)``, ``n`` the total;
* ``"davidson"``: ``P(i) = e^{d/2}/Z``, ``P(j) = e^{-d/2}/Z``, ``P(tie) = nu/Z``,
  ``Z = e^{d/2} + e^{-d/2} + nu``, ``nu = exp(kappa)``;
* ``"rao_kupper"``: ``P(i) = s(d - h)``, ``P(j) = s(-d - h)``, ``P(tie) = 1 - P(i) - P(j)``,
  ``h = exp(kappa) > 0``.

Constant terms (multinomial coefficients) are left out. Every form is written in closed, stable
elementwise terms so that PyTensor fuses each into one loop over the cells.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cell_loglik", "outcome_probs"]


def cell_loglik(d, wi, wj, t, ties: str, kappa=None):
    """Sum the cells' log-likelihood (a PyTensor scalar).

    Parameters
    ----------
    d : TensorVariable, shape (n_cells,)
        Logit of ``i`` over ``j``.
    wi, wj, t : TensorVariable, shape (n_cells,)
        Counts of ``i`` wins, ``j`` wins and ties.
    ties : {"davidson", "rao_kupper", "drop", "half"}
        Tie model.
    kappa : TensorVariable, optional
        Log tie parameter (Davidson ``log nu``, Rao–Kupper ``log h``).
    """
    import pytensor.tensor as pt

    if ties in ("drop", "half"):
        y = wi if ties == "drop" else wi + 0.5 * t
        n = wi + wj if ties == "drop" else wi + wj + t
        # softplus(d) = max(d, 0) + log1p(exp(-|d|)): the gradient reuses exp(-|d|) in the
        # same fused loop (one exp per cell instead of two; ~15% faster on 24,500 cells)
        return pt.sum(y * d - n * (pt.maximum(d, 0.0) + pt.log1p(pt.exp(-pt.abs(d)))))
    if ties == "davidson":
        a = 0.5 * pt.abs(d)
        m = pt.maximum(a, kappa)
        log_z = m + pt.log(pt.exp(a - m) + pt.exp(-a - m) + pt.exp(kappa - m))
        return pt.sum(0.5 * d * (wi - wj) + t * kappa - (wi + wj + t) * log_z)
    if ties == "rao_kupper":
        h = pt.exp(kappa)
        lpi = -pt.softplus(h - d)   # log s(d - h)
        lpj = -pt.softplus(h + d)   # log s(-d - h)
        # P(tie) = s(h - d) - s(-h - d) = s(h - d) * (1 - exp(log s(-h - d) - log s(h - d)))
        la = -pt.softplus(d - h)
        lb = -pt.softplus(d + h)
        lpt = la + pt.log1mexp(lb - la)
        return pt.sum(wi * lpi + wj * lpj + t * lpt)
    raise ValueError(f"ties={ties!r} unknown; allowed: ['davidson', 'rao_kupper', 'drop', 'half']")


def outcome_probs(d: np.ndarray, ties: str, kappa: np.ndarray | float | None = None) -> np.ndarray:
    """Probabilities of (``i`` wins, ``j`` wins, tie) for logits ``d`` (NumPy, broadcasting).

    For ``"drop"`` and ``"half"`` the tie probability is 0 (``"half"`` is not a generative
    model of ties).

    Returns
    -------
    ndarray, shape ``d.shape + (3,)``
    """
    d = np.asarray(d, dtype=float)
    if ties in ("drop", "half"):
        p = 1.0 / (1.0 + np.exp(-d))
        return np.stack([p, 1.0 - p, np.zeros_like(p)], axis=-1)
    kappa = np.asarray(kappa, dtype=float)
    if ties == "davidson":
        logits = np.stack([0.5 * d, -0.5 * d, np.broadcast_to(kappa, d.shape)], axis=-1)
        logits = logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=-1, keepdims=True)
    if ties == "rao_kupper":
        h = np.exp(kappa)
        pi = 1.0 / (1.0 + np.exp(-(d - h)))
        pj = 1.0 / (1.0 + np.exp(-(-d - h)))
        pt_ = np.clip(1.0 - pi - pj, 0.0, 1.0)
        return np.stack([pi, pj, pt_], axis=-1)
    raise ValueError(f"ties={ties!r} unknown; allowed: ['davidson', 'rao_kupper', 'drop', 'half']")
