"""Order statistics of best-of-N private testing, and a tidy summary of best-of-N runs.

Source: Singh et al., *The Leaderboard Illusion* (arXiv 2504.20879), section 4: a provider
tests ``N`` private variants on the arena, each with ``n`` votes, and publishes only the best.
The paper simulates ``N`` up to 50 and reads the inflation of the published score as the
expected maximum of ``N`` noisy estimates.

Model
-----
Each variant ``k`` is scored ``X_k = q_k + e_k``: its true rating ``q_k`` (spread ``s``
between variants, ``q_k ~ N(q, s²)``) plus an estimation error ``e_k ~ N(0, σ²)``, independent
between variants (each variant has its own votes); ``σ`` is the per-variant rating sd, about
``(400 / ln 10) / sqrt(I · n)`` Arena points for ``n`` votes of Fisher information ``I`` each
(``I ≈ 1/4`` for even battles without ties). The provider publishes ``argmax_k X_k``. With
``m_N = E[max of N standard normals]`` (:func:`expected_max_normal`) and Gaussian conditioning:

* the published score overstates the published variant's true rating by
  ``m_N · σ² / sqrt(σ² + s²)`` (identical variants, ``s = 0``: ``m_N · σ``, pure noise
  harvesting; with a spread, the winner's curse);
* the provider also gains ``m_N · s² / sqrt(σ² + s²)`` of real quality (zero for identical
  variants);
* ``F`` fresh post-release votes, each as informative as a selection vote, dilute the
  overstatement to ``n / (n + F)`` of its value (the fitted rating is close to a
  precision-weighted mean of the selected and the fresh votes' estimates).

Assumptions: the errors are Gaussian and independent of each other and of the spread (true of
Bradley–Terry estimates from a few hundred votes on); the public board's own error, shared by
all variants, is small next to ``σ`` (it is included when ``σ`` is estimated from honest
single releases, which overstates the prediction when the public board is small). Board
scores are centred, so one model's luck is diluted by ``1 - 1/K`` on a board of ``K`` models;
``σ`` estimated from single releases carries the same factor, but when every variant is
disclosed the family's errors sum to about zero and the best variant's shift is larger by about
``K / (K - 1)`` than the prediction.

:func:`best_of_n_summary` turns :func:`sealvalid.strategies.run_strategy` frames of
:class:`sealvalid.strategies.BestOfN` runs (labelled by :func:`label_best_of_n`) into one row
per setting and ``N``: mean gain of the family's best-placed variant with its Monte Carlo error,
the prediction above, the mean shift of all the family's disclosed variants, the chance of
reaching #1 or the top 3, and the rank gained.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import integrate, stats

__all__ = [
    "SUMMARY_COLUMNS",
    "expected_max_normal",
    "predicted_inflation",
    "label_best_of_n",
    "best_of_n_replicates",
    "best_of_n_summary",
]

#: columns of :func:`best_of_n_summary`, in order
SUMMARY_COLUMNS = [
    "setting", "n_variants", "votes_per_variant", "spread", "n_replicates",
    "gain", "gain_se", "gain_sd", "noise_sd", "noise_sd_se", "expected_max",
    "predicted_gain", "predicted_se", "family_gain", "family_gain_se",
    "rank_gained", "rank_gained_se", "true_rank", "board_rank", "p_top1", "p_top3",
    "fresh_votes", "provisional",
]

_LABEL_COLUMNS = ("n_variants", "votes_per_variant", "spread", "setting")
_NEEDED = ("replicate", "model", "score_shift", "rank_shift", "true_rank", "board_rank",
           "gamed")


def _check_n(name: str, values) -> np.ndarray:
    arr = np.asarray(values)
    flat = arr.reshape(-1)
    ok = flat.size > 0 and all(
        not isinstance(v, bool | np.bool_) and float(v) == math.floor(float(v)) and v >= 1
        for v in flat.tolist())
    if not ok:
        raise ValueError(f"{name} must be integers >= 1, got {values!r}")
    return arr.astype(np.int64)


def _max_one(n: int) -> float:
    if n == 1:
        return 0.0
    # density of the maximum, n φ(x) Φ(x)^(n-1), evaluated in log space; its mass lies within
    # [-12, 12 + sqrt(2 ln n)] for any n this package uses
    def f(x: float) -> float:
        return x * math.exp(math.log(n) + stats.norm.logpdf(x)
                            + (n - 1) * stats.norm.logcdf(x))

    mode = float(stats.norm.ppf(1.0 - 1.0 / (n + 1.0)))
    hi = 12.0 + math.sqrt(2.0 * math.log(n))
    val, _ = integrate.quad(f, -12.0, hi, points=[mode], limit=200, epsabs=1e-12,
                            epsrel=1e-10)
    return float(val)


def expected_max_normal(n):
    """Return the expected maximum of ``n`` standard normal draws (numerical integration).

    ``E[max] = ∫ x · n φ(x) Φ(x)^(n-1) dx``; closed forms for checking: ``0`` (``n = 1``),
    ``1/√π`` (``n = 2``), ``3 / (2√π)`` (``n = 3``).

    Parameters
    ----------
    n : int or array_like of int
        Number of draws (each >= 1).

    Returns
    -------
    float or ndarray
        The expected maximum, shaped like ``n``.

    Raises
    ------
    ValueError
        If any ``n`` is not an integer >= 1.
    """
    arr = _check_n("expected_max_normal: n", n)
    out = np.array([_max_one(int(v)) for v in arr.reshape(-1)]).reshape(arr.shape)
    return float(out) if out.ndim == 0 else out


def predicted_inflation(n_variants, noise_sd, *, spread=0.0, votes_per_variant=None,
                        fresh_votes=0):
    """Return the expected overstatement of the published variant's rating under best-of-N.

    ``m_N · σ² / sqrt(σ² + s²) · n / (n + F)`` (see the module docstring), vectorised.

    Parameters
    ----------
    n_variants : int or array_like of int
        Variants tested, ``N`` (>= 1).
    noise_sd : float or array_like
        Per-variant rating sd ``σ`` at disclosure, Arena points (>= 0).
    spread : float or array_like
        Sd of true quality between variants ``s``, Arena points (>= 0; 0: identical variants).
    votes_per_variant : int or array_like, optional
        Votes each variant had before selection, ``n`` (needed only when ``fresh_votes > 0``).
    fresh_votes : int or array_like
        Fresh post-release votes of the published variant in its score, ``F`` (>= 0).

    Returns
    -------
    float or ndarray
        Arena points.

    Raises
    ------
    ValueError
        If an argument is out of range, or ``fresh_votes > 0`` without ``votes_per_variant``.
    """
    m = np.asarray(expected_max_normal(n_variants), float)
    sd = np.asarray(noise_sd, float)
    s = np.asarray(spread, float)
    fresh = np.asarray(fresh_votes, float)
    for name, v in (("noise_sd", sd), ("spread", s), ("fresh_votes", fresh)):
        if not np.all(np.isfinite(v) | np.isnan(v)) or np.any(v < 0):
            raise ValueError(f"predicted_inflation: {name} must be finite and >= 0, got {v!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = m * np.where(sd > 0, sd**2 / np.sqrt(sd**2 + s**2), 0.0)
    if np.any(fresh > 0):
        if votes_per_variant is None:
            raise ValueError("predicted_inflation: fresh_votes > 0 needs votes_per_variant "
                             "(the dilution is n / (n + fresh_votes))")
        n = np.asarray(_check_n("predicted_inflation: votes_per_variant", votes_per_variant),
                       float)
        out = out * n / (n + fresh)
    out = np.where(np.isnan(sd), np.nan, out)
    return float(out) if out.ndim == 0 else out


def label_best_of_n(frame: pd.DataFrame, setting: str | None = None) -> pd.DataFrame:
    """Label one :func:`~sealvalid.strategies.run_strategy` frame of a best-of-N run.

    Adds the columns ``n_variants``, ``votes_per_variant``, ``spread`` (from
    ``frame.attrs["params"]``) and ``setting``, so that frames of several runs can be
    concatenated and summarised by :func:`best_of_n_summary`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The result of ``run_strategy(world, BestOfN(...), ...)``, with its ``attrs``.
    setting : str, optional
        Label of the disclosure setting; default: the defenses in force joined by ``" + "``,
        else ``"after F fresh votes"`` when the strategy adds fresh votes, else
        ``"at disclosure"``.

    Returns
    -------
    pandas.DataFrame
        A copy with the four columns (``attrs`` kept).

    Raises
    ------
    ValueError
        If the frame carries no best-of-N parameters, or ``setting`` is not a non-empty string.
    """
    params = frame.attrs.get("params") or {}
    missing = [k for k in ("n_variants", "votes_per_variant", "spread", "fresh_votes")
               if k not in params]
    if missing:
        raise ValueError(f"label_best_of_n needs a run_strategy frame of a BestOfN run; its "
                         f"attrs['params'] lacks {missing} (was it concatenated or copied "
                         f"without attrs?)")
    if setting is None:
        defenses = list((frame.attrs.get("defenses") or {}).keys())
        if defenses:
            setting = " + ".join(defenses)
        elif params["fresh_votes"]:
            setting = f"after {params['fresh_votes']:,} fresh votes"
        else:
            setting = "at disclosure"
    if not isinstance(setting, str) or not setting.strip():
        raise ValueError(f"label_best_of_n: setting must be a non-empty string, got {setting!r}")
    out = frame.copy()
    out["n_variants"] = int(params["n_variants"])
    out["votes_per_variant"] = int(params["votes_per_variant"])
    out["spread"] = float(params["spread"])
    out["setting"] = setting
    out.attrs = dict(frame.attrs)
    return out


def _se(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else math.nan


_RUN_KEYS = ["setting", "n_variants", "votes_per_variant", "spread"]


def best_of_n_replicates(frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row per run and replicate: the family's best-placed variant on the board.

    The per-replicate values behind :func:`best_of_n_summary`, for paired comparisons between
    settings run on the same seed (common random numbers: replicate ``r`` sees the same votes).

    Parameters
    ----------
    frame : pandas.DataFrame
        Labelled best-of-N run frames (see :func:`best_of_n_summary`).

    Returns
    -------
    pandas.DataFrame
        The best-placed gamed row of each ``setting``, ``n_variants``, ``votes_per_variant``,
        ``spread`` and ``replicate`` (the published variant, or under disclose-all the best
        of those disclosed), with ``family_shift``: the mean ``score_shift`` of all the
        family's variants on the board.

    Raises
    ------
    ValueError
        If the frame is not labelled or a replicate has no gamed variant.
    """
    if not all(c in frame.columns for c in _LABEL_COLUMNS):
        frame = label_best_of_n(frame)
    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        raise ValueError(f"best_of_n_replicates: frame lacks columns {missing}; pass "
                         "run_strategy frames of BestOfN runs")
    keys = [*_RUN_KEYS, "replicate"]
    runs = frame.groupby(keys, sort=False).size()
    g = frame[frame["gamed"].to_numpy(bool)]
    # best board place first; among equal places the larger shift (the higher board score)
    g = g.assign(_neg=-g["score_shift"]).sort_values([*keys, "board_rank", "_neg"],
                                                     kind="stable")
    best = g.groupby(keys, sort=False).head(1).drop(columns="_neg")
    if len(best) != len(runs):
        raise ValueError(f"best_of_n: {len(runs) - len(best)} replicates have no "
                         "published (gamed) variant on the board")
    family = g.groupby(keys, sort=False)["score_shift"].mean()
    best = best.set_index(keys)
    best["family_shift"] = family.reindex(best.index).to_numpy()
    return best.reset_index()


def _sd_se(x: np.ndarray) -> float:
    """Return the standard error of the sample sd (delta method, sample fourth moment).

    ``var(s²) ≈ (μ₄ - σ⁴) / R`` and ``se(s) ≈ sqrt(var(s²)) / (2 s)``; for normal data this is
    ``σ / sqrt(2 R)``, and it stays honest when the shifts have heavier tails.
    """
    d = x - x.mean()
    s2 = float(np.mean(d**2))
    m4 = float(np.mean(d**4))
    if s2 <= 0:
        return 0.0
    return math.sqrt(max(m4 - s2**2, 0.0) / len(x)) / (2 * math.sqrt(s2))


def _noise_sd(reps: pd.DataFrame, sd) -> dict:
    """Per-variant rating sd per ``votes_per_variant`` (from honest single releases)."""
    if sd is not None:
        if isinstance(sd, dict):
            return {int(k): float(v) for k, v in sd.items()}
        val = float(sd)
        if not math.isfinite(val) or val < 0:
            raise ValueError(f"best_of_n_summary: sd must be finite and >= 0, got {sd!r}")
        return {int(n): val for n in reps["votes_per_variant"].unique()}
    single = reps[(reps["n_variants"] == 1) & (reps["fresh_votes"] == 0)]
    out = {}
    for n, grp in single.groupby("votes_per_variant"):
        # one run only: runs share random streams, so pooling them would double-count; prefer
        # identical variants, then the most replicates
        sizes = grp.groupby(["setting", "spread"]).size()
        best = sorted(sizes.index, key=lambda k: (k[1] > 0, -sizes[k], k[0], k[1]))[0]
        x = grp.loc[(grp["setting"] == best[0]) & (grp["spread"] == best[1]),
                    "score_shift"].to_numpy(float)
        if len(x) > 2:
            out[int(n)] = (float(x.std(ddof=1)), _sd_se(x))
    return out


def best_of_n_summary(frame: pd.DataFrame, *, sd=None) -> pd.DataFrame:
    """Summarise best-of-N runs: per setting and ``N``, the gain and its order-statistic value.

    Parameters
    ----------
    frame : pandas.DataFrame
        One or more :func:`~sealvalid.strategies.run_strategy` frames of
        :class:`~sealvalid.strategies.BestOfN` runs, each labelled by :func:`label_best_of_n`
        (an unlabelled single run is labelled here) and concatenated.
    sd : float or dict, optional
        Per-variant rating sd ``σ`` at disclosure (Arena points), or a dict
        ``votes_per_variant -> σ``. Default: the sd of the published score shift over honest
        single releases (``N = 1`` rows without fresh votes) with the same votes per variant;
        where there are none, the prediction is NaN.

    Returns
    -------
    pandas.DataFrame
        One row per ``setting``, ``n_variants``, ``votes_per_variant`` and ``spread``, columns
        :data:`SUMMARY_COLUMNS`:

        ``gain``, ``gain_se``, ``gain_sd``
            Mean, Monte Carlo standard error and sd over replicates of the ``score_shift``
            (board minus true rating, Arena points) of the family's best-placed variant on the
            board: the published one, or under disclose-all the best of those disclosed.
        ``noise_sd``, ``noise_sd_se``
            ``σ`` used for the prediction and its standard error (delta method with the
            sample fourth moment, ``σ / sqrt(2 R)`` for normal shifts; 0 when ``sd`` is
            given).
        ``expected_max``
            ``E[max of N standard normals]``.
        ``predicted_gain``, ``predicted_se``
            :func:`predicted_inflation` with the mean fresh votes of the row, and its error
            from ``noise_sd_se``.
        ``family_gain``, ``family_gain_se``
            Mean over replicates of the mean shift of all the family's variants on the board
            (the ``gamed`` rows; equal to ``gain`` unless every variant is disclosed).
        ``rank_gained``, ``rank_gained_se``
            Mean ``rank_shift`` (true rank minus board rank) of the best-placed variant.
        ``true_rank``, ``board_rank``
            Mean true and board rank of the best-placed variant.
        ``p_top1``, ``p_top3``
            Share of replicates in which the best-placed variant is #1 / in the top 3 on the
            board.
        ``fresh_votes``, ``provisional``
            Mean fresh votes in the score (the delay before it is final) and share of
            replicates held provisional.

    Raises
    ------
    ValueError
        If columns are missing or a replicate has no published (gamed) variant.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"best_of_n_summary needs a DataFrame, got {type(frame).__name__}")
    if not all(c in frame.columns for c in _LABEL_COLUMNS):
        frame = label_best_of_n(frame)
    missing = [c for c in (*_NEEDED, "fresh_votes") if c not in frame.columns]
    if missing:
        raise ValueError(f"best_of_n_summary: frame lacks columns {missing}; pass "
                         "run_strategy frames of BestOfN runs")
    if "provisional" not in frame.columns:
        frame = frame.assign(provisional=0)
    reps = best_of_n_replicates(frame)
    sigma = _noise_sd(reps, sd)
    rows = []
    for key, g in reps.groupby(_RUN_KEYS, sort=False):
        setting, n_var, n_votes, spread = key
        x = g["score_shift"].to_numpy(float)
        fam = g["family_shift"].to_numpy(float)
        rs = g["rank_shift"].to_numpy(float)
        fresh = float(g["fresh_votes"].mean())
        s = sigma.get(int(n_votes))
        if s is None:
            noise, noise_se = math.nan, math.nan
        elif isinstance(s, tuple):
            noise, noise_se = s
        else:
            noise, noise_se = s, 0.0
        emax = expected_max_normal(int(n_var))
        pred = predicted_inflation(int(n_var), noise, spread=float(spread),
                                   votes_per_variant=int(n_votes), fresh_votes=fresh)
        # d pred / d σ = pred · (σ² + 2 s²) / (σ (σ² + s²)), propagated from noise_sd_se
        if noise > 0:
            deriv = pred * (noise**2 + 2 * spread**2) / (noise * (noise**2 + spread**2))
        else:
            deriv = 0.0
        rows.append({
            "setting": setting, "n_variants": int(n_var), "votes_per_variant": int(n_votes),
            "spread": float(spread), "n_replicates": len(x),
            "gain": float(x.mean()), "gain_se": _se(x),
            "gain_sd": float(x.std(ddof=1)) if len(x) > 1 else math.nan,
            "noise_sd": noise, "noise_sd_se": noise_se, "expected_max": emax,
            "predicted_gain": pred, "predicted_se": abs(deriv) * noise_se,
            "family_gain": float(fam.mean()), "family_gain_se": _se(fam),
            "rank_gained": float(rs.mean()), "rank_gained_se": _se(rs),
            "true_rank": float(g["true_rank"].mean()),
            "board_rank": float(g["board_rank"].mean()),
            "p_top1": float((g["board_rank"] == 1).mean()),
            "p_top3": float((g["board_rank"] <= 3).mean()),
            "fresh_votes": fresh, "provisional": float(g["provisional"].mean()),
        })
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    order = list(dict.fromkeys(frame["setting"]))  # settings in the order given
    out["_o"] = out["setting"].map({k: i for i, k in enumerate(order)})
    out = out.sort_values(["_o", "votes_per_variant", "spread", "n_variants"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)
