"""Disclosure rules against best-of-N private testing: provisional scores, disclose all.

Sources: LMArena's 2025 policy update in reply to *The Leaderboard Illusion* (arXiv
2504.20879): a model from a family that tested more than 10 private variants is marked
provisional until it has collected 2,000 fresh votes after release; and the paper's own
recommendation that every tested variant be published (no retraction), so that selection on
noise cannot hide.

Both act through rules (:data:`sealvalid.defenses.RULES`) that strategies obey, so they cost
honest parties nothing directly; the cost is the delay before a heavily tested model's score is
final (reported by the strategy as ``fresh_votes`` and ``provisional``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sealvalid.defenses.base import Defense, register

__all__ = ["ProvisionalScores", "DiscloseAll"]


@register("provisional-scores")
@dataclass(frozen=True, kw_only=True)
class ProvisionalScores(Defense):
    """Provisional scores for families that tested many private variants.

    A family that tested more than ``max_variants`` variants is scored only after
    ``fresh_votes`` post-release votes of its published model.

    Parameters
    ----------
    max_variants : int
        Private variants a family may test before its model becomes provisional (>= 0;
        LMArena: 10).
    fresh_votes : int
        Fresh votes needed before the score is final (>= 1; LMArena: 2,000).
    """

    targets = ("best-of-n",)

    max_variants: int = 10
    fresh_votes: int = 2000

    def __post_init__(self) -> None:
        for name, lo in (("max_variants", 0), ("fresh_votes", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise ValueError(f"ProvisionalScores.{name} must be an integer >= {lo}, "
                                 f"got {v!r}")

    def rules(self) -> dict:
        """``provisional_variants`` and ``provisional_votes``."""
        return {"provisional_variants": self.max_variants,
                "provisional_votes": self.fresh_votes}


@register("disclose-all")
@dataclass(frozen=True, kw_only=True)
class DiscloseAll(Defense):
    """Every privately tested variant is published with its score; nothing is retracted.

    The family's published scores are then all its variants' (their mean is unbiased for
    identical variants); the best of them still carries the winner's curse, but in plain view,
    next to the N - 1 scores that show how it was selected.
    """

    targets = ("best-of-n",)

    def rules(self) -> dict:
        """``disclose_all``."""
        return {"disclose_all": True}
