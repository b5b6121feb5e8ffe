"""Power and sample size: how many votes separate two models ``Δ`` Arena points apart.

Model
-----
With ties counted as half a win, a vote between two evenly matched models has score ``s − p`` with
variance ``(1 − t) / 4`` (``t`` the tie rate) and Fisher information ``p (1 − p) = 1/4``, so the
sandwich variance of one model's strength estimated from ``n`` votes against a well-measured field
is ``4 (1 − t) / n`` (natural scale). The difference of two models with ``n`` votes each then has
variance ``8 (1 − t) / n``; with ``n`` *direct* votes between them, ``4 (1 − t) / n``. A two-sided
test at level ``α`` detects a true gap ``Δ`` with power ``1 − β`` when

    Δ / se ≥ z(1 − α/2) + z(1 − β),

which gives ``n = c (1 − t) f² (z(1 − α/2) + z(1 − β))² / Δ²`` with ``c = 8`` (field) or ``4``
(head to head) and ``f = 400 / ln 10`` Arena points per natural unit. ``Δ`` is the gap on the
board's own scale (ties as half wins), the scale its ratings are published on; a model that wins
decisive votes with probability ``q`` then has a board gap of about ``(1 − t)`` times that of
``q`` alone. These are the classical
normal-approximation sample sizes; they hold for models close in strength (``p ≈ 1/2``).

For an existing board, :func:`pair_power` uses each pair's own standard error instead (it includes
the board's real tie rate, design and opponents) and scales it as ``1 / sqrt(votes)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

__all__ = ["votes_to_separate", "power_table", "pair_power", "PAIR_POWER_COLUMNS", "DESIGNS"]

#: how the two models are compared: each against a common field, or only against each other
DESIGNS = ("field", "head_to_head")
#: columns :func:`pair_power` adds
PAIR_POWER_COLUMNS = ["n_now", "n_needed", "needed_ratio", "power_now"]


def _check(alpha: float, power: float, tie_rate: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if not 0 < power < 1:
        raise ValueError(f"power must be in (0, 1), got {power}")
    if not 0 <= tie_rate < 1:
        raise ValueError(f"tie_rate must be in [0, 1), got {tie_rate}")


def votes_to_separate(delta, *, alpha: float = 0.05, power: float = 0.8, tie_rate: float = 0.0,
                      design: str = "field", scale: float = 400.0, base: float = 10.0):
    """Votes needed to separate two models ``delta`` Arena points apart.

    Parameters
    ----------
    delta : float or array-like
        True rating difference, Arena points (> 0).
    alpha : float
        Two-sided significance level (0.05: the 95% intervals of the boards).
    power : float
        Probability of detecting the difference (0.8 is customary; 0.5 gives the count at which
        the gap just equals the interval half-width of the difference).
    tie_rate : float
        Share of ties (they carry less information when counted as half wins).
    design : {"field", "head_to_head"}
        ``"field"``: votes *per model*, each model playing a common, well-measured field (the
        arena); ``"head_to_head"``: direct votes between the two.
    scale, base : float
        Arena scale.

    Returns
    -------
    float or ndarray
        Number of votes (not rounded).

    Examples
    --------
    >>> round(votes_to_separate(10.0, tie_rate=0.2))
    15159
    """
    _check(alpha, power, tie_rate)
    if design not in DESIGNS:
        raise ValueError(f"design={design!r} unknown; allowed: {list(DESIGNS)}")
    d = np.asarray(delta, dtype=float)
    if np.any(~(d > 0)):
        raise ValueError("delta must be > 0 Arena points")
    f = scale / math.log(base)
    c = 8.0 if design == "field" else 4.0
    z = ndtri(1 - alpha / 2) + ndtri(power)
    n = c * (1 - tie_rate) * f**2 * z**2 / d**2
    return float(n) if np.ndim(delta) == 0 else n


def power_table(deltas=(5, 10, 20, 30, 50, 100), *, alpha: float = 0.05, power: float = 0.8,
                tie_rate: float = 0.0, scale: float = 400.0, base: float = 10.0) -> pd.DataFrame:
    """Sample sizes for a range of gaps.

    Returns
    -------
    pandas.DataFrame
        ``delta`` (Arena points), ``win_prob`` (probability that the better model wins a
        decisive vote), ``votes_per_model`` (field design) and ``votes_head_to_head``.
    """
    d = np.asarray(deltas, dtype=float)
    return pd.DataFrame({
        "delta": d,
        "win_prob": 1.0 / (1.0 + base ** (-d / scale)),
        "votes_per_model": votes_to_separate(d, alpha=alpha, power=power, tie_rate=tie_rate,
                                             scale=scale, base=base),
        "votes_head_to_head": votes_to_separate(d, alpha=alpha, power=power, tie_rate=tie_rate,
                                                design="head_to_head", scale=scale, base=base),
    })


def pair_power(pairs: pd.DataFrame, *, alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """Votes each pair has, and needs, to separate its observed gap.

    Parameters
    ----------
    pairs : pandas.DataFrame
        One row per pair with ``gap`` and ``se_gap`` (Arena points) and the vote counts of the
        two models, ``n_above`` and ``n_below``.
    alpha, power : float
        As in :func:`votes_to_separate`.

    Returns
    -------
    pandas.DataFrame
        ``pairs`` with :data:`PAIR_POWER_COLUMNS`: ``n_now`` (votes of the two models together),
        ``n_needed`` (votes of the two together at which a true gap equal to the observed one is
        detected with the given power, assuming the standard error shrinks as
        ``1 / sqrt(votes)``; infinite for a zero gap), ``needed_ratio`` (``n_needed / n_now``)
        and ``power_now`` (the power the pair has now, ``Φ(gap / se − z(1 − α/2))``).
    """
    _check(alpha, power, 0.0)
    missing = [c for c in ("gap", "se_gap", "n_above", "n_below") if c not in pairs.columns]
    if missing:
        raise ValueError(f"pair_power needs columns {missing}; got {list(pairs.columns)}")
    out = pairs.copy()
    gap = out["gap"].to_numpy(float)
    se = out["se_gap"].to_numpy(float)
    n_now = out["n_above"].to_numpy(float) + out["n_below"].to_numpy(float)
    z = ndtri(1 - alpha / 2) + ndtri(power)
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.where(gap > 0, n_now * (z * se / gap) ** 2, np.inf)
        out["n_now"] = n_now
        out["n_needed"] = need
        out["needed_ratio"] = need / n_now
        out["power_now"] = ndtr(gap / se - ndtri(1 - alpha / 2))
    return out
