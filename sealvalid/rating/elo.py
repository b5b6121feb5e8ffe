"""Online Elo and the permutation-averaged Elo of "Elo Uncovered" (Boubdir et al., 2311.17295).

Online Elo processes votes in order: with expected score
``E_a = 1 / (1 + base ** ((r_b - r_a) / scale))`` and observed score ``S_a`` (1 win, 0 loss,
1/2 tie or ``tie_bothbad``), ``r_a += k (S_a - E_a)`` and ``r_b += k (E_a - S_a)``. These are the
conventions of FastChat's ``compute_online_elo`` and of evalica's ``elo`` (initial 1000, base 10,
scale 400; FastChat and evalica use ``k = 4``). Elo depends on vote order; averaging over random
permutations removes that dependence (and shows how much of the board was order noise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sealvalid.data.schema import validate_votes
from sealvalid.rating.cells import vote_codes

__all__ = ["online_elo", "permutation_elo"]


def _kernel():
    from numba import njit

    @njit(cache=True, nogil=True)
    def elo_pass(a, b, s, order, k, base, scale, init, n_models, weights):
        r = np.full(n_models, init)
        for t in range(order.shape[0]):
            v = order[t]
            ra = r[a[v]]
            rb = r[b[v]]
            ea = 1.0 / (1.0 + base ** ((rb - ra) / scale))
            delta = k * weights[v] * (s[v] - ea)
            r[a[v]] = ra + delta
            r[b[v]] = rb - delta
        return r

    return elo_pass


_ELO = None


def _elo_pass():
    global _ELO
    if _ELO is None:
        _ELO = _kernel()
    return _ELO


def _prepare(votes: pd.DataFrame, bothbad: str):
    if not isinstance(votes["model_a"].dtype, pd.CategoricalDtype):
        votes = validate_votes(votes)
    a, b, w, weights = vote_codes(votes)
    s = np.select([w == 0, w == 1], [1.0, 0.0], 0.5)
    keep = np.ones(len(a), dtype=bool)
    if bothbad == "drop":
        keep = w != 3
    elif bothbad != "tie":
        raise ValueError(f"bothbad={bothbad!r} unknown; allowed: ['tie', 'drop']")
    weights = np.ones(len(a)) if weights is None else weights
    models = pd.Index(votes["model_a"].cat.categories, name="model")
    return a[keep], b[keep], s[keep], weights[keep], models


def online_elo(
    votes: pd.DataFrame,
    *,
    k: float = 4.0,
    base: float = 10.0,
    scale: float = 400.0,
    init_rating: float = 1000.0,
    bothbad: str = "tie",
    order: str | np.ndarray = "given",
) -> pd.Series:
    """Online Elo ratings after processing the votes once.

    Parameters
    ----------
    votes : pandas.DataFrame
        Canonical vote table.
    k, base, scale, init_rating : float
        Elo constants (FastChat/evalica defaults).
    bothbad : {"tie", "drop"}
        ``tie_bothbad`` as a tie (default) or skipped.
    order : "given", "timestamp" or array of row positions
        Process votes in table order, by ``timestamp`` (stable), or in the given order.

    Returns
    -------
    pandas.Series
        Rating by model.
    """
    a, b, s, w, models = _prepare(votes, bothbad)
    if isinstance(order, str):
        if order == "given":
            idx = np.arange(len(a))
        elif order == "timestamp":
            if "timestamp" not in votes.columns:
                raise ValueError("order='timestamp' needs a 'timestamp' column")
            idx = np.argsort(votes["timestamp"].to_numpy(), kind="stable")
        else:
            raise ValueError(f"order={order!r} unknown; allowed: 'given', 'timestamp' or an array")
    else:
        idx = np.asarray(order, dtype=np.int64)
    r = _elo_pass()(a, b, s, idx.astype(np.int64), float(k), float(base), float(scale),
                    float(init_rating), len(models), w)
    return pd.Series(r, index=models, name="elo")


def permutation_elo(
    votes: pd.DataFrame,
    *,
    n_permutations: int = 100,
    rng=None,
    k: float = 4.0,
    base: float = 10.0,
    scale: float = 400.0,
    init_rating: float = 1000.0,
    bothbad: str = "tie",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Elo averaged over random orderings of the votes (Elo Uncovered).

    Returns
    -------
    pandas.DataFrame
        One row per model: ``elo`` (mean over permutations), ``sd``, ``lower``/``upper``
        (percentile band over permutations: the order noise), sorted by ``elo``;
        ``attrs["permutations"]`` holds the (n_permutations x models) array.
    """
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be >= 1, got {n_permutations}")
    a, b, s, w, models = _prepare(votes, bothbad)
    rng = np.random.default_rng(rng)
    kernel = _elo_pass()
    out = np.empty((n_permutations, len(models)))
    for p, g in enumerate(rng.spawn(n_permutations)):
        out[p] = kernel(a, b, s, g.permutation(len(a)), float(k), float(base), float(scale),
                        float(init_rating), len(models), w)
    table = pd.DataFrame({
        "model": pd.Series(list(models), dtype="str"),
        "elo": out.mean(axis=0),
        "sd": out.std(axis=0, ddof=1) if n_permutations > 1 else np.zeros(len(models)),
        "lower": np.quantile(out, alpha / 2, axis=0),
        "upper": np.quantile(out, 1 - alpha / 2, axis=0),
    }).sort_values("elo", ascending=False, kind="stable").reset_index(drop=True)
    table.attrs["permutations"] = out
    table.attrs["models"] = list(models)
    return table
