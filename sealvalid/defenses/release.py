"""No-release window: arena data reach the labs only after a delay.

Source: SEAL Showdown (Scale AI, Sept 2025): data from the live leaderboard's distribution is
not sold or licensed to model developers for a window after collection (60 days, as reported
at launch). Against the data-access loop of teaching to the test (*The Leaderboard Illusion*,
arXiv 2504.20879: arena data in fine-tuning raised an arena-distribution win rate from 23.5% to
49.9%), the window slows the loop: data collected in a period can train only a version released
at least ``days`` after that period ends, so less data is available at each release and the
prompts it covers are older (more of them rotated out of the pool).

It acts through the rule ``data_delay_days`` (:data:`sealvalid.defenses.RULES`), which
strategies obey. It changes no vote and no fit, so on an honest arena the board is exactly what
it would be without it (cost 0 Arena points in the simulation); its real cost — honest labs
also learn later from the arena — is outside the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sealvalid.defenses.base import Defense, register

__all__ = ["NoReleaseWindow"]


@register("no-release-window")
@dataclass(frozen=True, kw_only=True)
class NoReleaseWindow(Defense):
    """Arena battle data reach the labs ``days`` after the period they were collected in.

    Parameters
    ----------
    days : float
        Length of the window, days (in [0, 3650]; SEAL Showdown: 60).
    """

    targets = ("teaching-to-the-test",)

    days: float = 60.0

    def __post_init__(self) -> None:
        v = self.days
        if (isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
                or not 0 <= v <= 3650):
            raise ValueError(f"NoReleaseWindow.days must be a finite number in [0, 3650], "
                             f"got {v!r}")

    def rules(self) -> dict:
        """``data_delay_days``."""
        return {"data_delay_days": float(self.days)}
