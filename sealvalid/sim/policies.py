"""Sampling policies: which pairs of models battle, step by step.

A policy is a frozen dataclass with

* ``pair_weights(ctx) -> ndarray (K, K)``: non-negative symmetric weights of the unordered pairs
  at one time step (``ctx`` is a :class:`PolicyContext`); the simulator zeroes the diagonal and
  pairs with an inactive model and draws the step's pairs in proportion to what is left;
* ``adaptive``: whether it needs the current Bradley–Terry estimate (the simulator then rates
  the votes so far before each step);
* ``check(world)``: raises ``ValueError`` for references the world does not have.

Policies (one line each in :data:`POLICIES`):

``UniformPairs``
    every active pair equally often (the Chatbot Arena default before active sampling);
``ProviderWeighted``
    model ``m`` has rate ``r_m`` (its provider's weight, times ``open_weights_factor`` for open
    models) and pair ``(i, j)`` weight ``r_i r_j``, as FastChat's per-model sampling weights do:
    the *Leaderboard Illusion* found two providers with ~20 % of all battles each;
``ActiveSampling``
    the rule of the Chatbot Arena paper (Chiang et al., arXiv 2403.04132, eq. 9): pair ``a``
    with weight ``sqrt(S_a / n_a) - sqrt(S_a / (n_a + 1))``, ``S_a`` the variance of one vote
    on the pair and ``n_a`` its battles so far, which favours under-evaluated, high-variance
    pairs (SEAL Showdown describes the same aim);
``Deprecate``
    a wrapper: listed models stop battling after given days;
``AgeDeprecation``
    a wrapper: models older than ``max_age`` days stop battling (optionally open-weight models
    only, optionally sparing the current top ``keep_top``): silent deprecation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = [
    "PolicyContext",
    "SamplingPolicy",
    "UniformPairs",
    "ProviderWeighted",
    "ActiveSampling",
    "Deprecate",
    "AgeDeprecation",
    "POLICIES",
    "register_policy",
]


@dataclass(frozen=True)
class PolicyContext:
    """What a policy may look at when it weights the pairs of one time step.

    Attributes
    ----------
    step, n_steps : int
        This step and the number of steps.
    day : float
        Middle of the step, in days since the start.
    models, providers, families : ndarray of str
        Per model (sorted-name order).
    open_weights : ndarray of bool
    entry : ndarray of float
        Entry day per model.
    active : ndarray of bool
        Models scheduled to battle now (``entry <= day < retire``).
    counts : ndarray, shape (K, K)
        Battles per pair so far (symmetric).
    theta : ndarray, shape (K,)
        Current Bradley–Terry strengths (natural scale) from the votes so far; zeros unless the
        policy is adaptive.
    """

    step: int
    n_steps: int
    day: float
    models: np.ndarray
    providers: np.ndarray
    families: np.ndarray
    open_weights: np.ndarray
    entry: np.ndarray
    active: np.ndarray
    counts: np.ndarray
    theta: np.ndarray


@runtime_checkable
class SamplingPolicy(Protocol):
    """The policy protocol (see module docstring)."""

    @property
    def adaptive(self) -> bool:  # pragma: no cover - protocol
        """Whether the policy needs the current Bradley–Terry estimate."""
        ...

    def pair_weights(self, ctx: PolicyContext) -> np.ndarray:  # pragma: no cover - protocol
        """Non-negative symmetric (K, K) pair weights for this step."""
        ...

    def check(self, world) -> None:  # pragma: no cover - protocol
        """Raise ValueError for references the world does not have."""
        ...


#: policy name -> class
POLICIES: dict[str, type] = {}


def register_policy(name: str):
    """Class decorator adding a policy to :data:`POLICIES`."""

    def deco(cls):
        POLICIES[name] = cls
        cls.registry_name = name
        return cls

    return deco


def _mapping(owner: str, name: str, value) -> tuple[tuple[str, float], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    out = {}
    for key, val in items:
        if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val) \
                or val < 0:
            raise ValueError(f"{owner}.{name}[{key!r}] must be a finite number >= 0, got {val!r}")
        out[str(key)] = float(val)
    return tuple(sorted(out.items()))


def _active_outer(ctx: PolicyContext, rate: np.ndarray) -> np.ndarray:
    r = np.where(ctx.active, rate, 0.0)
    w = np.outer(r, r)
    np.fill_diagonal(w, 0.0)
    return w


@register_policy("uniform")
@dataclass(frozen=True, kw_only=True)
class UniformPairs:
    """Every pair of active models equally often."""

    adaptive: bool = field(default=False, init=False)

    def pair_weights(self, ctx: PolicyContext) -> np.ndarray:
        """Weight 1 for every active pair."""
        return _active_outer(ctx, np.ones(len(ctx.models)))

    def check(self, world) -> None:
        """Nothing to check."""


@register_policy("provider-weighted")
@dataclass(frozen=True, kw_only=True)
class ProviderWeighted:
    """Provider-weighted sampling: pair weight ``r_i * r_j``.

    Parameters
    ----------
    weights : mapping of str to float
        Provider -> sampling weight (>= 0).
    default : float
        Weight of providers not named.
    open_weights_factor : float
        Multiplier for open-weight models (< 1: open models sampled less).
    """

    weights: Mapping[str, float] | tuple = ()
    default: float = 1.0
    open_weights_factor: float = 1.0
    adaptive: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", _mapping("ProviderWeighted", "weights",
                                                     self.weights))
        for name in ("default", "open_weights_factor"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) \
                    or v < 0:
                raise ValueError(f"ProviderWeighted.{name} must be a finite number >= 0, got "
                                 f"{v!r}")

    def rates(self, providers: np.ndarray, open_weights: np.ndarray) -> np.ndarray:
        """Per-model sampling rate ``r_m``."""
        w = dict(self.weights)
        r = np.array([w.get(p, self.default) for p in providers], dtype=float)
        return np.where(open_weights, r * self.open_weights_factor, r)

    def pair_weights(self, ctx: PolicyContext) -> np.ndarray:
        """``r_i r_j`` for active pairs."""
        return _active_outer(ctx, self.rates(ctx.providers, ctx.open_weights))

    def check(self, world) -> None:
        """Named providers must exist."""
        bad = sorted({p for p, _ in self.weights} - set(world.providers))
        if bad:
            raise ValueError(f"ProviderWeighted.weights names unknown providers {bad}; "
                             f"allowed: {list(world.providers)}")


@register_policy("active")
@dataclass(frozen=True, kw_only=True)
class ActiveSampling:
    """The Chatbot Arena paper's active sampling rule.

    Pair ``a = (i, j)`` gets weight ``sqrt(S_a / n_a) - sqrt(S_a / (n_a + 1))``: the drop in the
    standard error of its win rate from one more battle. ``S_a = p_a (1 - p_a)`` with ``p_a``
    the current Bradley–Terry win probability, and ``n_a`` the pair's battles so far plus
    ``pseudo_count`` (so that an unseen pair gets a large but finite weight).

    Parameters
    ----------
    pseudo_count : float
        Added to every pair's battle count (> 0).
    uniform_mix : float
        Share of battles drawn uniformly instead, in [0, 1] (exploration).
    """

    pseudo_count: float = 1.0
    uniform_mix: float = 0.0
    adaptive: bool = field(default=True, init=False)

    def __post_init__(self) -> None:
        if not (isinstance(self.pseudo_count, int | float) and self.pseudo_count > 0
                and math.isfinite(self.pseudo_count)):
            raise ValueError(f"ActiveSampling.pseudo_count must be in (0, inf), got "
                             f"{self.pseudo_count!r}")
        if not (isinstance(self.uniform_mix, int | float) and 0 <= self.uniform_mix <= 1):
            raise ValueError(f"ActiveSampling.uniform_mix must be in [0, 1], got "
                             f"{self.uniform_mix!r}")

    def pair_weights(self, ctx: PolicyContext) -> np.ndarray:
        """Active-sampling weights, normalised and mixed with uniform."""
        d = ctx.theta[:, None] - ctx.theta[None, :]
        p = 1.0 / (1.0 + np.exp(-d))
        s = p * (1.0 - p)
        n = ctx.counts + self.pseudo_count
        w = np.sqrt(s / n) - np.sqrt(s / (n + 1.0))
        mask = _active_outer(ctx, np.ones(len(ctx.models)))
        w = w * mask
        if self.uniform_mix > 0:
            tot = w.sum()
            w = (1 - self.uniform_mix) * (w / tot if tot > 0 else w) + \
                self.uniform_mix * mask / max(mask.sum(), 1.0)
        return w

    def check(self, world) -> None:
        """Nothing to check."""


@register_policy("deprecate")
@dataclass(frozen=True, kw_only=True)
class Deprecate:
    """Stop sampling listed models after given days (a wrapper around another policy).

    Parameters
    ----------
    base : SamplingPolicy
        The policy for everything else.
    schedule : mapping of str to float
        Model name -> day from which it no longer battles.
    """

    base: SamplingPolicy = field(default_factory=UniformPairs)
    schedule: Mapping[str, float] | tuple = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "schedule", _mapping("Deprecate", "schedule", self.schedule))

    @property
    def adaptive(self) -> bool:
        """As the base policy."""
        return self.base.adaptive

    def pair_weights(self, ctx: PolicyContext) -> np.ndarray:
        """Return the base weights with deprecated models zeroed."""
        w = self.base.pair_weights(ctx)
        sched = dict(self.schedule)
        gone = np.array([ctx.day >= sched.get(m, math.inf) for m in ctx.models])
        w = w.copy()
        w[gone, :] = 0.0
        w[:, gone] = 0.0
        return w

    def check(self, world) -> None:
        """Scheduled models must exist."""
        bad = sorted({m for m, _ in self.schedule} - set(world.model_names))
        if bad:
            raise ValueError(f"Deprecate.schedule names unknown models {bad}")
        self.base.check(world)


@register_policy("age-deprecation")
@dataclass(frozen=True, kw_only=True)
class AgeDeprecation:
    """Silent deprecation by age (a wrapper around another policy).

    A model stops battling once ``day - entry > max_age``, unless it is among the ``keep_top``
    best by the current estimate (``keep_top > 0`` makes the policy adaptive).

    Parameters
    ----------
    base : SamplingPolicy
    max_age : float
        Days on the arena before deprecation (> 0).
    open_weights_only : bool
        Deprecate only open-weight models (proprietary ones stay).
    keep_top : int
        Spare the current top models (>= 0).
    """

    base: SamplingPolicy = field(default_factory=UniformPairs)
    max_age: float = 90.0
    open_weights_only: bool = False
    keep_top: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.max_age, int | float) and self.max_age > 0):
            raise ValueError(f"AgeDeprecation.max_age must be in (0, inf], got {self.max_age!r}")
        if isinstance(self.keep_top, bool) or not isinstance(self.keep_top, int) \
                or self.keep_top < 0:
            raise ValueError(f"AgeDeprecation.keep_top must be an integer >= 0, got "
                             f"{self.keep_top!r}")

    @property
    def adaptive(self) -> bool:
        """Adaptive when sparing top models, or when the base is."""
        return self.keep_top > 0 or self.base.adaptive

    def deprecated(self, ctx: PolicyContext) -> np.ndarray:
        """Models deprecated at this step."""
        old = ctx.day - ctx.entry > self.max_age
        if self.open_weights_only:
            old &= ctx.open_weights
        if self.keep_top > 0:
            live = np.flatnonzero(ctx.active)
            top = live[np.argsort(-ctx.theta[live], kind="stable")[: self.keep_top]]
            old[top] = False
        return old

    def pair_weights(self, ctx: PolicyContext) -> np.ndarray:
        """Return the base weights with deprecated models zeroed."""
        w = self.base.pair_weights(ctx).copy()
        gone = self.deprecated(ctx)
        w[gone, :] = 0.0
        w[:, gone] = 0.0
        return w

    def check(self, world) -> None:
        """Check the base policy."""
        self.base.check(world)
