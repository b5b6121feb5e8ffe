"""Fair sampling: no provider weighting and no silent deprecation.

Source: the recommendations of Singh et al., *The Leaderboard Illusion* (arXiv 2504.20879):
sample models uniformly (or by an explicit, published rule that favours under-evaluated pairs,
such as the active sampling of Chiang et al., arXiv 2403.04132, which SEAL Showdown also
describes) rather than by provider, and deprecate models only openly and by a rule that treats
all providers alike, so that every public model keeps being compared against the current field.

Model: a ``world`` hook replaces the arena's sampling policy by uniform pairs or by active
sampling, dropping any provider weights and deprecation wrappers (``ProviderWeighted``,
``Deprecate``, ``AgeDeprecation`` or an operator's custom policy). Models still enter and retire
on their announced dates (:attr:`sealvalid.sim.Model.entry` / ``retire``): public retirement is
not silent deprecation.

Assumptions: the operator's policy is the only channel of favour (a provider cannot buy votes
in another way); the defense acts after the operator sets the policy, so it also undoes the
favour granted by :class:`sealvalid.strategies.sampling.SamplingAsymmetry`. Its cost on an
honest arena is that votes are spread over every active model: the models the old policy
favoured (often the strongest, most-watched ones) get fewer votes and wider intervals, and
models that would have been retired keep taking votes. It drops no votes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sealvalid.defenses.base import Defense, register
from sealvalid.sim import ActiveSampling, UniformPairs

__all__ = ["FairSampling"]

_SAMPLING = ("uniform", "active")


@register("fair-sampling")
@dataclass(frozen=True, kw_only=True)
class FairSampling(Defense):
    """Replace the arena's sampling policy by a provider-blind one without deprecation.

    Parameters
    ----------
    sampling : str
        ``"uniform"`` (every active pair equally often) or ``"active"`` (Chiang et al.'s rule,
        favouring under-evaluated, high-variance pairs).
    uniform_mix : float
        For ``"active"``: share of battles drawn uniformly (in [0, 1]).
    """

    targets = ("sampling-asymmetry",)

    sampling: str = "uniform"
    uniform_mix: float = 0.1

    def __post_init__(self) -> None:
        if self.sampling not in _SAMPLING:
            raise ValueError(f"FairSampling.sampling must be one of {list(_SAMPLING)}, got "
                             f"{self.sampling!r}")
        u = self.uniform_mix
        if isinstance(u, bool) or not isinstance(u, int | float) or not 0 <= u <= 1:
            raise ValueError(f"FairSampling.uniform_mix must be a number in [0, 1], got {u!r}")

    def world(self, world):
        """Return the world with the provider-blind policy (models and voters unchanged)."""
        policy = (UniformPairs() if self.sampling == "uniform"
                  else ActiveSampling(uniform_mix=float(self.uniform_mix)))
        return world.replace(policy=policy)
