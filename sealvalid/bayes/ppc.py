"""Posterior predictive checks on aggregated cells and on scores.

For each posterior draw (a subset), the cells' counts are replicated from the model's outcome
probabilities with the observed number of votes per cell (multinomial), and statistics of the
replicates are compared with the observed ones:

``win_share`` (per model)
    ``(wins + ties / 2) / votes`` of the model;
``tie_share``
    share of ties among all votes (tie models only);
``pearson``
    Pearson discrepancy ``sum (y - n p)^2 / (n p)`` over cells and outcomes, computed for the
    observed and the replicated counts under the same draw (a posterior predictive p-value of
    overall fit).

Each row gives the observed value, the predictive mean and central interval, and
``p_value = P(replicated >= observed)`` (values near 0 or 1 flag misfit; ``extreme`` marks
p < 0.01 or > 0.99).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PPC_COLUMNS", "ppc_cells", "ppc_scores"]

PPC_COLUMNS = ["source", "statistic", "model", "observed", "pred_mean", "lower", "upper",
               "p_value", "extreme"]


def _row(source, statistic, model, obs, rep, prob=0.95):
    rep = np.asarray(rep, dtype=float)
    lo, hi = np.quantile(rep, [(1 - prob) / 2, (1 + prob) / 2])
    p = float(np.mean(rep >= obs - 1e-12))
    return {"source": source, "statistic": statistic, "model": model, "observed": float(obs),
            "pred_mean": float(rep.mean()), "lower": float(lo), "upper": float(hi),
            "p_value": p, "extreme": bool(p < 0.01 or p > 0.99)}


def ppc_cells(cells, probs: np.ndarray, *, ties: str, source: str, rng=None,
              prob: float = 0.95) -> pd.DataFrame:
    """Posterior predictive checks of vote cells.

    Parameters
    ----------
    cells : PairCells
        Observed cells.
    probs : ndarray, shape (n_draws, n_cells, 3)
        Outcome probabilities per draw (``i`` wins, ``j`` wins, tie).
    ties : str
        Tie convention of the model (ties are replicated only by tie models).
    source : str
        Label of the vote set.
    rng : seed or numpy.random.Generator
        Randomness of the replicates.
    prob : float
        Central predictive interval.

    Returns
    -------
    pandas.DataFrame
        :data:`PPC_COLUMNS`.
    """
    rng = np.random.default_rng(rng)
    raw = cells.raw
    if ties in ("drop",):
        raw = raw.copy()
        raw[:, 2] = 0.0
    tie_model = ties in ("davidson", "rao_kupper")
    if not tie_model:
        # ties are not modelled: replicate decisive votes only, keep ties as observed
        n = (raw[:, 0] + raw[:, 1]).astype(np.int64)
        p = probs[..., 0] / np.clip(probs[..., 0] + probs[..., 1], 1e-300, None)
        rep_i = rng.binomial(n[None, :], p)
        rep = np.stack([rep_i, n[None, :] - rep_i,
                        np.broadcast_to(raw[:, 2], rep_i.shape)], axis=-1).astype(float)
        expected = np.stack([n * p, n * (1 - p)], axis=-1)
        obs_eval = raw[None, :, :2]
        rep_eval = rep[..., :2]
    else:
        n = raw.sum(axis=1).astype(np.int64)
        pr = np.clip(probs, 0.0, None)
        pr = pr / pr.sum(axis=-1, keepdims=True)
        rep = _multinomial(rng, n, pr)
        expected = n[None, :, None] * pr
        obs_eval = raw[None]
        rep_eval = rep
    k = cells.n_models
    rows = []
    tot = raw.sum(axis=1)
    nm = np.bincount(cells.i, tot, minlength=k) + np.bincount(cells.j, tot, minlength=k)

    from scipy.sparse import csr_matrix

    cols = np.arange(cells.n_cells)
    inc_i = csr_matrix((np.ones(cells.n_cells), (cols, cells.i)), shape=(cells.n_cells, k))
    inc_j = csr_matrix((np.ones(cells.n_cells), (cols, cells.j)), shape=(cells.n_cells, k))

    def share(c):  # c: (..., n_cells, 3) -> (..., k)
        flat = c.reshape(-1, cells.n_cells, 3)
        sc_i = flat[..., 0] + 0.5 * flat[..., 2]
        sc_j = flat[..., 1] + 0.5 * flat[..., 2]
        out = np.asarray((inc_i.T @ sc_i.T).T + (inc_j.T @ sc_j.T).T)
        return (out / np.clip(nm, 1, None)).reshape(c.shape[:-2] + (k,))

    obs_share = share(raw)
    rep_share = share(rep)
    for m, name in enumerate(cells.models.astype(str)):
        if nm[m] > 0:
            rows.append(_row(source, "win_share", name, obs_share[m], rep_share[:, m], prob))
    if tie_model:
        rows.append(_row(source, "tie_share", "all", raw[:, 2].sum() / tot.sum(),
                         rep[..., 2].sum(axis=1) / tot.sum(), prob))
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.clip(expected, 1e-9, None)
        d_obs = ((obs_eval - e) ** 2 / e).sum(axis=(1, 2))
        d_rep = ((rep_eval - e) ** 2 / e).sum(axis=(1, 2))
    r = _row(source, "pearson", "all", float(np.mean(d_obs)), d_rep, prob)
    r["p_value"] = float(np.mean(d_rep >= d_obs))
    r["extreme"] = bool(r["p_value"] < 0.01 or r["p_value"] > 0.99)
    rows.append(r)
    return _frame(rows)


def _multinomial(rng, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Three-outcome multinomial draws, ``n`` (cells,), ``p`` (draws, cells, 3)."""
    n = np.broadcast_to(n, p.shape[:-1])
    a = rng.binomial(n, np.clip(p[..., 0], 0, 1))
    rest = np.clip(p[..., 1] / np.clip(1.0 - p[..., 0], 1e-300, None), 0, 1)
    b = rng.binomial(n - a, rest)
    return np.stack([a, b, n - a - b], axis=-1).astype(float)


def ppc_scores(observed: pd.Series, mean: np.ndarray, sd: np.ndarray | float, *, source: str,
               rng=None, prob: float = 0.95) -> pd.DataFrame:
    """Posterior predictive checks of a Gaussian score measurement.

    Parameters
    ----------
    observed : pandas.Series
        Observed (standardised) scores by model.
    mean : ndarray, shape (n_draws, n_models)
        Predictive means per draw, in the order of ``observed``.
    sd : ndarray or float
        Predictive standard deviation per draw (``(n_draws,)`` or scalar).
    source : str
        Label of the measurement.

    Returns
    -------
    pandas.DataFrame
        :data:`PPC_COLUMNS`: one ``score`` row per model plus a ``sd`` row (spread of scores).
    """
    rng = np.random.default_rng(rng)
    sd = np.asarray(sd, dtype=float)
    sd = sd[:, None] if sd.ndim == 1 else sd
    rep = mean + sd * rng.standard_normal(mean.shape)
    rows = [_row(source, "score", str(m), observed.iloc[k], rep[:, k], prob)
            for k, m in enumerate(observed.index)]
    rows.append(_row(source, "sd", "all", float(observed.std(ddof=1)), rep.std(axis=1, ddof=1),
                     prob))
    return _frame(rows)


def _frame(rows) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=PPC_COLUMNS)
    for c in ("source", "statistic", "model"):
        out[c] = out[c].astype("str")
    return out
