"""Task audit: find flawed graders and repair them (or drop their tasks).

Source: Zhu et al., *Establishing Best Practices for Building Rigorous Agentic Benchmarks*
(arXiv 2507.02825). Their Agentic Benchmark Checklist (ABC) audits task setup (is a task
solvable only with the capability, no shortcuts) and outcome validity (does a pass mean
success: enough tests, no credit for empty answers); applied to CVE-Bench it cut the
overestimation of agents' performance by 33%. Corrected tests also reorder leaderboards
(UTBoost, arXiv 2506.09289, on SWE-bench).

Model: the audit finds each flawed grader independently with probability ``detect`` (the
checklist's recall). Found graders are either repaired (``action="repair"``: they accept only
real solutions and no longer reject correct ones; the task stays) or their tasks are removed
(``action="remove"``). Acts through the ``world`` hook on a :class:`sealvalid.sim.StaticWorld`:

* repair: ``flawed_share`` becomes ``s (1 - detect)``, the task count is unchanged;
* remove: ``n_items`` becomes ``round(n (1 - s detect))`` and the flawed share among the
  remaining tasks ``s (1 - detect) / (1 - s detect)``.

Assumptions: flaws are independent of task difficulty (as in the simulated world), so removal
changes no agent's expected solve rate, only the precision of its score; the audit never
"repairs" a sound grader (no false positives), and its effort is counted, not priced. Costs the
strategy reports: ``graders_fixed`` and ``tasks_removed`` (expected counts), and the honest
agents' score change (``honest_shift``: repairs also undo false rejections, which raises honest
scores toward their true solve rate).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sealvalid.defenses.base import Defense, register
from sealvalid.sim.static import StaticWorld

__all__ = ["TaskAudit", "AUDIT_ACTIONS"]

#: what the audit does with a flawed grader it finds
AUDIT_ACTIONS = ("repair", "remove")


@register("task-audit")
@dataclass(frozen=True, kw_only=True)
class TaskAudit(Defense):
    """Audit the benchmark's graders with the agentic-benchmark checklist and fix what is found.

    Parameters
    ----------
    detect : float
        Share of flawed graders the audit finds, in [0, 1].
    action : {"repair", "remove"}
        Repair found graders (the task stays, graded correctly) or remove their tasks.
    """

    setting = "static"
    targets = ("flawed-tasks",)

    detect: float = 0.8
    action: str = "repair"

    def __post_init__(self) -> None:
        d = self.detect
        if (isinstance(d, bool) or not isinstance(d, int | float | np.integer | np.floating)
                or not 0 <= d <= 1):
            raise ValueError(f"TaskAudit.detect must be a number in [0, 1], got {d!r}")
        if self.action not in AUDIT_ACTIONS:
            raise ValueError(f"TaskAudit.action must be one of {list(AUDIT_ACTIONS)}, got "
                             f"{self.action!r}")

    def world(self, world: StaticWorld) -> StaticWorld:
        """Return the benchmark with the found graders repaired or their tasks removed.

        Parameters
        ----------
        world : sealvalid.sim.StaticWorld

        Returns
        -------
        sealvalid.sim.StaticWorld
        """
        if not isinstance(world, StaticWorld):
            raise ValueError(f"TaskAudit guards static benchmarks; got {type(world).__name__}")
        g = world.grader
        s, d = float(g.flawed_share), float(self.detect)
        if self.action == "repair":
            grader = dataclasses.replace(g, flawed_share=s * (1.0 - d))
            return dataclasses.replace(world, grader=grader)
        kept = 1.0 - s * d
        n_items = max(2, int(round(world.n_items * kept)))
        share = s * (1.0 - d) / kept if kept > 0 else 0.0
        grader = dataclasses.replace(g, flawed_share=min(1.0, share))
        return dataclasses.replace(world, grader=grader, n_items=n_items)
