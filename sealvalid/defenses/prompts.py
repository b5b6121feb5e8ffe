"""Fresh prompts: rotate the arena's prompt pool so that memorised arena prompts go stale.

Source: the contamination advice of construct-validity work (Bean et al., arXiv 2511.04703:
prepare for contamination, refresh test items) applied to the arena's prompt distribution,
against the data-access loop of *The Leaderboard Illusion* (arXiv 2504.20879), where arena data
used in fine-tuning raise the win rate on arena-distribution prompts (23.5% to 49.9%) without
general gains. A share ``rotation`` of the prompt pool is replaced by new prompts at every
period boundary, so a prompt the lab saw ``k`` periods ago is still served with probability
``(1 - rotation) ** k``.

It acts through the rule ``prompt_rotation`` (:data:`sealvalid.defenses.RULES`), which
strategies obey. In the simulation new prompts are drawn from the same distribution (same
category and language shares), so honest votes and the board are unchanged: its cost on an
honest arena is 0 Arena points here; the real cost (curating new prompts, and any shift of the
prompt mix) is outside the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sealvalid.defenses.base import Defense, register

__all__ = ["FreshPrompts"]


@register("fresh-prompts")
@dataclass(frozen=True, kw_only=True)
class FreshPrompts(Defense):
    """Replace a share of the arena's prompt pool with fresh prompts every period.

    Parameters
    ----------
    rotation : float
        Share of the pool replaced per released data period (in [0, 1]; 1: every period's
        prompts are new).
    """

    targets = ("teaching-to-the-test",)

    rotation: float = 0.5

    def __post_init__(self) -> None:
        v = self.rotation
        if (isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
                or not 0 <= v <= 1):
            raise ValueError(f"FreshPrompts.rotation must be a finite number in [0, 1], "
                             f"got {v!r}")

    def rules(self) -> dict:
        """``prompt_rotation``."""
        return {"prompt_rotation": float(self.rotation)}
