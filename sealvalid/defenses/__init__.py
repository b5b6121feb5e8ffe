"""Safeguards, and how much of each attack they take back.

* :mod:`sealvalid.defenses.base` — the :class:`Defense` protocol (hooks ``world``, ``rules``,
  ``screen``, ``rate``, ``holdout``), the :data:`DEFENSES` registry (``@register("name")``),
  the :class:`ArenaLog` defenses act on and :class:`Safeguards`, a set of defenses acting
  together;
* :mod:`sealvalid.defenses.disclosure` — provisional scores and disclose-all rules against
  best-of-N private testing;
* :mod:`sealvalid.defenses.evaluate` — the attack × defense evaluation (shift that remains,
  cost to honest parties and to the attacker).

A new defense is one new module decorated with ``@register``, imported below.
"""

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

__all__ = [
    "Attack",
    "defense_table",
    "evaluate_defenses",
    "DEFENSES",
    "RULES",
    "ArenaLog",
    "Defense",
    "DiscloseAll",
    "ProvisionalScores",
    "Published",
    "Safeguards",
    "register",
]
