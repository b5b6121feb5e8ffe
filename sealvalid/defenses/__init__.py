"""Safeguards, and how much of each attack they take back.

* :mod:`sealvalid.defenses.base` — the :class:`Defense` protocol (hooks ``world``, ``rules``,
  ``screen``, ``rate``, ``holdout``), the :data:`DEFENSES` registry (``@register("name")``),
  the :class:`ArenaLog` defenses act on and :class:`Safeguards`, a set of defenses acting
  together;
* :mod:`sealvalid.defenses.disclosure` — provisional scores and disclose-all rules against
  best-of-N private testing;
* :mod:`sealvalid.defenses.evaluate` — the attack × defense evaluation (shift that remains,
  cost to honest parties and to the attacker);
* :mod:`sealvalid.defenses.style`, :mod:`sealvalid.defenses.release`,
  :mod:`sealvalid.defenses.prompts` — style control, the no-release window and fresh prompts
  against teaching to the test;
* :mod:`sealvalid.defenses.stratified` — a stratified global voter base (SEAL Showdown) against
  tuning to a narrow arena crowd; :mod:`sealvalid.defenses.fair_sampling` — provider-blind
  sampling without silent deprecation, against sampling asymmetry.
* :mod:`sealvalid.defenses.anomaly`, :mod:`sealvalid.defenses.upsets`,
  :mod:`sealvalid.defenses.ratelimit` — anomalous-voter detection (Fisher's method), upset
  filtering and per-account rate limits with verification cost, against vote rigging.
* :mod:`sealvalid.defenses.ladder`, :mod:`sealvalid.defenses.task_audit` — static benchmarks:
  the Ladder against adaptive overfitting to a holdout (Blum & Hardt, arXiv 1502.04585) and a
  checklist audit of flawed graders (Zhu et al., arXiv 2507.02825).

A new defense is one new module decorated with ``@register``, imported below.
"""

from sealvalid.defenses.anomaly import AnomalousVoters, detection_roc, voter_scores
from sealvalid.defenses.base import (
    DEFENSES,
    RULES,
    ArenaLog,
    Defense,
    Published,
    Safeguards,
    register,
)
from sealvalid.defenses.disclosure import DiscloseAll, ProvisionalScores
from sealvalid.defenses.evaluate import Attack, defense_table, evaluate_defenses
from sealvalid.defenses.fair_sampling import FairSampling
from sealvalid.defenses.ladder import Ladder
from sealvalid.defenses.prompts import FreshPrompts
from sealvalid.defenses.ratelimit import RateLimit
from sealvalid.defenses.release import NoReleaseWindow
from sealvalid.defenses.stratified import StratifiedVoters, representation_report
from sealvalid.defenses.style import StyleControl
from sealvalid.defenses.task_audit import TaskAudit
from sealvalid.defenses.upsets import UpsetFilter

__all__ = [
    "Ladder",
    "TaskAudit",
    "AnomalousVoters",
    "RateLimit",
    "UpsetFilter",
    "detection_roc",
    "voter_scores",
    "Attack",
    "defense_table",
    "evaluate_defenses",
    "DEFENSES",
    "RULES",
    "ArenaLog",
    "Defense",
    "DiscloseAll",
    "FairSampling",
    "FreshPrompts",
    "NoReleaseWindow",
    "StyleControl",
    "StratifiedVoters",
    "representation_report",
    "ProvisionalScores",
    "Published",
    "Safeguards",
    "register",
]
