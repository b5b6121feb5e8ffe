"""A small arena with known truth: Bradley–Terry voters with style appeal and language segments.

This is the minimal known-truth generator used by the rating tests and the demo; the full arena
world (voters with demographics, prompt distributions, sampling policies, families) builds on it.

Generative model, per vote: a uniformly drawn pair ``(a, b)`` (``a`` shown first), a language
``l`` from ``languages`` with probabilities ``language_p``, style counts for each side (tokens
``LogNormal``, headers/lists/bold ``Poisson``, with model-specific means), then

    logit P(a beats b | no tie) = (q[a, l] - q[b, l]) / f + x @ style_coef + position_logit

with ``f = 400 / ln 10`` (Arena points per natural unit), ``q[m, l] = quality[m] +
language_shift[m, l]`` in Arena points, ``x`` the normalised style differences
``(a - b) / (a + b + 1)`` (not standardised), and a tie with probability ``tie_rate`` (a quarter of
them ``tie_bothbad``) independent of the pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sealvalid.data.schema import STYLE_FEATURES, validate_votes
from sealvalid.sim.world import F

__all__ = ["ToyArena", "toy_votes", "expected_score"]



@dataclass(frozen=True, kw_only=True)
class ToyArena:
    """Parameters of the toy arena (see module docstring)."""

    n_models: int = 12
    quality_sd: float = 100.0  # sd of true quality between models, Arena points
    languages: tuple[str, ...] = ("en", "zh", "es", "de")
    language_p: tuple[float, ...] = (0.55, 0.2, 0.15, 0.1)
    language_shift_sd: float = 0.0  # sd of per-(model, language) quality shifts, Arena points
    style_coef: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)  # natural scale, per normalised diff
    tie_rate: float = 0.2
    position_logit: float = 0.0
    model_prefix: str = "model"
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.n_models < 2:
            raise ValueError(f"n_models must be >= 2, got {self.n_models}")
        if len(self.languages) != len(self.language_p):
            raise ValueError(
                f"languages ({len(self.languages)}) and language_p ({len(self.language_p)}) "
                "must have the same length"
            )
        if not math.isclose(sum(self.language_p), 1.0, abs_tol=1e-9):
            raise ValueError(f"language_p must sum to 1, got {sum(self.language_p)}")
        if not 0 <= self.tie_rate < 1:
            raise ValueError(f"tie_rate must be in [0, 1), got {self.tie_rate}")
        if len(self.style_coef) != len(STYLE_FEATURES):
            raise ValueError(
                f"style_coef needs {len(STYLE_FEATURES)} values ({list(STYLE_FEATURES)}), "
                f"got {len(self.style_coef)}"
            )


def toy_votes(world: ToyArena, n_votes: int, *, rng=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate votes from a :class:`ToyArena`.

    Returns
    -------
    votes : pandas.DataFrame
        Canonical vote table with ``language``, ``position`` and the style columns.
    truth : pandas.DataFrame
        One row per model: ``model``, ``true_rating`` (1000 + centred quality), the style means,
        and ``true_rating_<lang>`` per language.
    """
    if n_votes < 1:
        raise ValueError(f"n_votes must be >= 1, got {n_votes}")
    rng = np.random.default_rng(rng)
    k = world.n_models
    names = np.array([f"{world.model_prefix}-{m:02d}" for m in range(k)])
    quality = rng.normal(0.0, world.quality_sd, k)
    quality -= quality.mean()
    n_lang = len(world.languages)
    shift = rng.normal(0.0, world.language_shift_sd, (k, n_lang)) if world.language_shift_sd \
        else np.zeros((k, n_lang))
    log_tokens = rng.normal(6.0, 0.5, k)  # model-specific mean log length
    md_rate = rng.gamma(2.0, 1.0, (k, 3))  # headers, lists, bold
    a = rng.integers(0, k, n_votes)
    b = (a + rng.integers(1, k, n_votes)) % k
    lang = rng.choice(n_lang, size=n_votes, p=np.asarray(world.language_p))
    tok_a = np.round(np.exp(log_tokens[a] + rng.normal(0, 0.3, n_votes)))
    tok_b = np.round(np.exp(log_tokens[b] + rng.normal(0, 0.3, n_votes)))
    md_a = rng.poisson(md_rate[a])
    md_b = rng.poisson(md_rate[b])
    sa = np.column_stack([tok_a, md_a]).astype(float)
    sb = np.column_stack([tok_b, md_b]).astype(float)
    x = (sa - sb) / (sa + sb + 1.0)
    q = quality[:, None] + shift
    first_a = rng.random(n_votes) < 0.5
    logit = (q[a, lang] - q[b, lang]) / F + x @ np.asarray(world.style_coef) + \
        world.position_logit * np.where(first_a, 1.0, -1.0)
    p_a = 1.0 / (1.0 + np.exp(-logit))
    u = rng.random(n_votes)
    tie = rng.random(n_votes) < world.tie_rate
    bothbad = rng.random(n_votes) < 0.25
    winner = np.where(tie, np.where(bothbad, "tie_bothbad", "tie"),
                      np.where(u < p_a, "model_a", "model_b"))
    frame = pd.DataFrame({
        "model_a": names[a], "model_b": names[b], "winner": winner,
        "language": np.asarray(world.languages)[lang],
        "position": np.where(first_a, "model_a", "model_b"),
    })
    for m, feat in enumerate(STYLE_FEATURES):
        frame[f"style_{feat}_a"] = sa[:, m]
        frame[f"style_{feat}_b"] = sb[:, m]
    votes = validate_votes(frame)
    truth = pd.DataFrame({"model": names, "true_rating": 1000.0 + quality,
                          "mean_log_tokens": log_tokens})
    for li, lname in enumerate(world.languages):
        ql = q[:, li]
        truth[f"true_rating_{lname}"] = 1000.0 + ql - ql.mean()
    return votes, truth


def expected_score(votes: pd.DataFrame, world: ToyArena, truth: pd.DataFrame) -> np.ndarray:
    """Compute model_a's expected score in each vote (a win 1, a tie 1/2) under the truth.

    Uses the truth frame returned by :func:`toy_votes` together with the vote's language, style
    counts and position, so that a board fitted to these expectations is the board's
    infinite-vote limit in this world.
    """
    t = truth.set_index("model")
    langs = list(world.languages)
    q = t[[f"true_rating_{lang}" for lang in langs]].to_numpy()
    names = list(t.index)
    pos = {m: n for n, m in enumerate(names)}
    a = np.array([pos[m] for m in votes["model_a"].astype(str)])
    b = np.array([pos[m] for m in votes["model_b"].astype(str)])
    li = np.array([langs.index(v) for v in votes["language"].astype(str)])
    sa = np.column_stack([votes[f"style_{f}_a"].to_numpy(float) for f in STYLE_FEATURES])
    sb = np.column_stack([votes[f"style_{f}_b"].to_numpy(float) for f in STYLE_FEATURES])
    x = (sa - sb) / (sa + sb + 1.0)
    first_a = (votes["position"].astype(str) == "model_a").to_numpy()
    logit = (q[a, li] - q[b, li]) / F + x @ np.asarray(world.style_coef) + \
        world.position_logit * np.where(first_a, 1.0, -1.0)
    p_a = 1.0 / (1.0 + np.exp(-logit))
    return world.tie_rate * 0.5 + (1.0 - world.tie_rate) * p_a
