"""Simulators with known parameters, and simulation-based calibration (SBC).

:func:`simulate_hierarchical` draws votes from the hierarchical Bradley–Terry model itself (with
given parameters, or with parameters drawn from the priors for SBC); :func:`simulate_validity`
draws a crowd, independent judges and benchmark scores from the construct-validity model with a
known validity coefficient. :func:`sbc_ranks` runs the SBC loop of Talts et al. (2018): for each
replicate, parameters from the prior, data from the model, a fit, and the rank of the true value
among the posterior draws; under a calibrated fit the ranks are uniform.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from sealvalid.data.schema import validate_votes

__all__ = ["simulate_hierarchical", "simulate_validity", "sbc_ranks", "rank_uniformity"]


def _zero_sum(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    for ax in axes:
        x = x - x.mean(axis=ax, keepdims=True)
    return x


def _win_tie_probs(d: np.ndarray, tie_log) -> tuple[np.ndarray, np.ndarray]:
    """P(first side wins) and P(tie) for logits ``d``: plain BT, or Davidson with ``tie_log``."""
    if tie_log is None:
        p_i = 1 / (1 + np.exp(-d))
        return p_i, np.zeros_like(p_i)
    z = np.exp(d / 2) + np.exp(-d / 2) + np.exp(tie_log)
    return np.exp(d / 2) / z, np.exp(tie_log) / z


def _winners(p_i: np.ndarray, p_t: np.ndarray, rng) -> np.ndarray:
    u = rng.random(len(p_i))
    return np.where(u < p_i, "model_a", np.where(u < p_i + p_t, "tie", "model_b"))


def simulate_hierarchical(
    n_models: int,
    n_votes: int,
    *,
    levels: Mapping[str, int] | None = None,
    sigma_theta: float | None = 0.6,
    sigma_dev: float | Mapping[str, float] | None = 0.15,
    tie_log: float | None = None,
    prior_theta_sd: float = 1.0,
    prior_dev_sd: float = 0.5,
    rng=None,
) -> tuple[pd.DataFrame, dict]:
    """Votes from the hierarchical Bradley–Terry model with known parameters.

    Parameters
    ----------
    n_models, n_votes : int
        Models and votes (pairs drawn uniformly, segment levels uniformly).
    levels : mapping of str to int, optional
        Segment dimensions and their numbers of levels, e.g. ``{"language": 4}``.
    sigma_theta, sigma_dev : float, optional
        Spreads of strengths and deviations (natural units); ``None`` draws them from the
        HalfNormal priors (``prior_theta_sd``, ``prior_dev_sd``), as SBC needs.
    tie_log : float, optional
        Davidson ``log nu``; ``None`` simulates no ties.
    rng : seed or numpy.random.Generator

    Returns
    -------
    votes : pandas.DataFrame
        Canonical vote table with one column per dimension.
    truth : dict
        ``theta`` (K,), ``dev`` (dim -> (K, L)), ``sigma_theta``, ``sigma`` (dim -> float),
        ``models``, ``levels`` (dim -> names), ``tie_log``; strengths are zero-sum like the
        model's.
    """
    rng = np.random.default_rng(rng)
    levels = dict(levels or {})
    st = abs(rng.normal(0, prior_theta_sd)) if sigma_theta is None else float(sigma_theta)
    theta = _zero_sum(rng.normal(0, st, n_models), (0,))
    names = np.array([f"m{m:02d}" for m in range(n_models)])
    a = rng.integers(0, n_models, n_votes)
    b = (a + rng.integers(1, n_models, n_votes)) % n_models
    s_a, s_b = theta[a].copy(), theta[b].copy()
    frame = {}
    truth = {"models": list(names), "theta": theta, "sigma_theta": st, "dev": {}, "sigma": {},
             "levels": {}, "tie_log": tie_log}
    for dim, n_lev in levels.items():
        if isinstance(sigma_dev, Mapping):
            sd = sigma_dev[dim]
        else:
            sd = abs(rng.normal(0, prior_dev_sd)) if sigma_dev is None else float(sigma_dev)
        dev = _zero_sum(rng.normal(0, sd, (n_models, n_lev)), (0, 1))
        lev_names = np.array([f"{dim[:2]}{v}" for v in range(n_lev)])
        code = rng.integers(0, n_lev, n_votes)
        s_a += dev[a, code]
        s_b += dev[b, code]
        frame[dim] = lev_names[code]
        truth["dev"][dim] = dev
        truth["sigma"][dim] = sd
        truth["levels"][dim] = list(lev_names)
    d = s_a - s_b
    p_i, p_t = _win_tie_probs(d, tie_log)
    votes = pd.DataFrame({"model_a": names[a], "model_b": names[b],
                          "winner": _winners(p_i, p_t, rng), **frame})
    return validate_votes(votes), truth


def simulate_validity(
    n_models: int,
    *,
    rho: float = 0.7,
    crowd_votes: int = 6000,
    crowd_scale: float = 0.8,
    judges: Mapping[str, tuple[int, float, float]] | None = None,
    benchmarks: Mapping[str, tuple[float, float]] | None = None,
    languages: Mapping[str, float] | None = None,
    language_sd: float = 0.0,
    style_coef: float = 0.0,
    tie_log: float | None = None,
    rng=None,
) -> dict:
    """Simulate a crowd, judges and benchmarks with a known validity coefficient.

    Parameters
    ----------
    n_models : int
        Models.
    rho : float
        Correlation of the crowd's latent strength with quality (the validity coefficient).
    crowd_votes : int
        Crowd votes.
    crowd_scale : float
        Spread of crowd strengths (natural units).
    judges : mapping of str to (n_votes, loading, specific)
        Independent vote sets: ``theta = loading * q + specific * u`` (natural units).
    benchmarks : mapping of str to (loading, noise)
        Scores ``50 + 10 * (loading * q + noise * u)``.
    languages : mapping of str to float, optional
        Crowd language shares (adds a ``language`` column).
    language_sd : float
        Spread of the crowd's language deviations (natural units); with ``0`` every language
        measures the same construct.
    style_coef : float
        Crowd style effect per unit of the normalised token difference (adds style columns;
        models' verbosity is independent of quality).
    tie_log : float, optional
        Davidson ``log nu`` for every vote set (``None``: no ties).
    rng : seed or numpy.random.Generator

    Returns
    -------
    dict
        ``crowd`` (votes), ``judges`` (name -> votes), ``benchmarks`` (name -> Series),
        ``truth`` (``q``, ``eta``, ``theta_crowd``, ``rho``, ``validity_finite``,
        ``segment_validity``).
    """
    rng = np.random.default_rng(rng)
    names = np.array([f"m{m:02d}" for m in range(n_models)])
    q = rng.standard_normal(n_models)
    eta = rho * q + math.sqrt(1 - rho**2) * rng.standard_normal(n_models)
    theta_c = crowd_scale * (eta - eta.mean())

    def votes_from(theta, n, extra=None, dev=None, lang_code=None, style=False, rater="crowd",
                   voter=None):
        a = rng.integers(0, n_models, n)
        b = (a + rng.integers(1, n_models, n)) % n_models
        d = theta[a] - theta[b]
        if dev is not None:
            d = d + dev[a, lang_code] - dev[b, lang_code]
        frame = {"model_a": names[a], "model_b": names[b]}
        if style:
            tok = np.exp(rng.normal(6.0, 0.5, n_models))
            ta = np.round(tok[a] * np.exp(rng.normal(0, 0.3, n)))
            tb = np.round(tok[b] * np.exp(rng.normal(0, 0.3, n)))
            x = (ta - tb) / (ta + tb + 1)
            d = d + style_coef * x
            frame.update({"style_tokens_a": ta, "style_tokens_b": tb})
            for f in ("headers", "lists", "bold"):
                frame[f"style_{f}_a"] = rng.poisson(2.0, n).astype(float)
                frame[f"style_{f}_b"] = rng.poisson(2.0, n).astype(float)
        p_i, p_t = _win_tie_probs(d, tie_log)
        frame["winner"] = _winners(p_i, p_t, rng)
        frame["rater_type"] = rater
        if voter is not None:
            frame["voter_id"] = voter
        frame["prompt_id"] = [f"p{k}" for k in rng.integers(0, 20, n)]
        if extra:
            frame.update(extra)
        return validate_votes(pd.DataFrame(frame))

    dev = lang_code = None
    extra = {}
    seg_validity = {}
    if languages:
        lang_names = np.array(list(languages))
        lang_code = rng.choice(len(lang_names), size=crowd_votes,
                               p=np.array(list(languages.values())))
        dev = _zero_sum(rng.normal(0, language_sd, (n_models, len(lang_names))), (0, 1))
        extra["language"] = lang_names[lang_code]
        for li, name in enumerate(lang_names):
            seg_validity[str(name)] = float(np.corrcoef(theta_c + dev[:, li], q)[0, 1])
    crowd = votes_from(theta_c, crowd_votes, extra, dev, lang_code, style=style_coef != 0)
    out_j = {}
    for name, (n, loading, specific) in (judges or {}).items():
        th = loading * q + specific * rng.standard_normal(n_models)
        out_j[name] = votes_from(th, n, rater="llm_judge", voter=name)
    out_b = {}
    for name, (loading, noise) in (benchmarks or {}).items():
        out_b[name] = pd.Series(50 + 10 * (loading * q + noise * rng.standard_normal(n_models)),
                                index=pd.Index(names, name="model"), name=name)
    truth = {"q": pd.Series(q, index=names), "eta": pd.Series(eta, index=names),
             "theta_crowd": pd.Series(theta_c, index=names), "rho": rho,
             "validity_finite": float(np.corrcoef(theta_c, q)[0, 1]),
             "segment_validity": seg_validity}
    return {"crowd": crowd, "judges": out_j, "benchmarks": out_b, "truth": truth}


def sbc_ranks(
    fit: Callable[[pd.DataFrame, int], object],
    simulate: Callable[[np.random.Generator], tuple[pd.DataFrame, dict]],
    extract: Callable[[object, dict], dict[str, tuple[np.ndarray, float]]],
    *,
    n_replicates: int,
    rng=None,
    thin: int = 1,
) -> pd.DataFrame:
    """Simulation-based calibration ranks.

    Parameters
    ----------
    fit : callable
        ``fit(votes, seed) -> fitted`` (e.g. a fitted :class:`HierarchicalBT`).
    simulate : callable
        ``simulate(rng) -> (votes, truth)``, parameters drawn from the prior.
    extract : callable
        ``extract(fitted, truth) -> {name: (draws, true_value)}``.
    n_replicates : int
        Replicates (each with its own spawned random stream).
    rng : seed or numpy.random.Generator
    thin : int
        Keep every ``thin``-th draw (reduces autocorrelation of the ranks).

    Returns
    -------
    pandas.DataFrame
        ``replicate``, ``parameter``, ``rank``, ``n_draws``, ``true``, ``mean``, ``covered``
        (truth inside the central 90 % interval).
    """
    streams = np.random.default_rng(rng).spawn(n_replicates)
    rows = []
    for r, stream in enumerate(streams):
        votes, truth = simulate(stream)
        fitted = fit(votes, int(stream.integers(0, 2**31 - 1)))
        for name, (draws, true) in extract(fitted, truth).items():
            d = np.asarray(draws, dtype=float).ravel()[::thin]
            lo, hi = np.quantile(d, [0.05, 0.95])
            rows.append({"replicate": r, "parameter": name, "rank": int((d < true).sum()),
                         "n_draws": len(d), "true": float(true), "mean": float(d.mean()),
                         "covered": bool(lo <= true <= hi)})
    out = pd.DataFrame(rows)
    out["parameter"] = out["parameter"].astype("str")
    return out


def rank_uniformity(ranks: pd.DataFrame, n_bins: int = 5) -> pd.DataFrame:
    """Chi-square test of uniform SBC ranks per parameter.

    Returns
    -------
    pandas.DataFrame
        ``parameter``, ``n``, ``chi2``, ``p_value``, ``coverage90`` (share of replicates whose
        90 % interval covered the truth).
    """
    from scipy.stats import chi2

    rows = []
    for name, g in ranks.groupby("parameter", sort=True):
        u = g["rank"].to_numpy() / (g["n_draws"].to_numpy() + 1)
        counts = np.bincount(np.minimum((u * n_bins).astype(int), n_bins - 1), minlength=n_bins)
        exp = len(g) / n_bins
        stat = float(((counts - exp) ** 2 / exp).sum())
        rows.append({"parameter": name, "n": len(g), "chi2": stat,
                     "p_value": float(chi2.sf(stat, n_bins - 1)),
                     "coverage90": float(g["covered"].mean())})
    out = pd.DataFrame(rows)
    out["parameter"] = out["parameter"].astype("str")
    return out
