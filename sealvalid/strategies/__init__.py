"""Gaming strategies and how far they shift the board.

* :mod:`sealvalid.strategies.base` — the :class:`Strategy` protocol, the :data:`STRATEGIES`
  registry (``@register("name")``), shift metrics against the known truth
  (:func:`shift_frame`) and :func:`run_strategy` over spawned replicate streams;
* :mod:`sealvalid.strategies.best_of_n` — best-of-N private variants with selective
  disclosure (*Leaderboard Illusion*, arXiv 2504.20879);
* :mod:`sealvalid.strategies.honest` — the honest baseline (what safeguards cost when nobody
  games).

A new strategy is one new module decorated with ``@register``, imported below.
"""

from sealvalid.strategies.base import (
    RESULT_COLUMNS,
    SHIFT_COLUMNS,
    STRATEGIES,
    Play,
    Strategy,
    fit_codes,
    register,
    run_strategy,
    shift_frame,
)
from sealvalid.strategies.best_of_n import BestOfN
from sealvalid.strategies.honest import Honest

__all__ = [
    "RESULT_COLUMNS",
    "SHIFT_COLUMNS",
    "STRATEGIES",
    "BestOfN",
    "Honest",
    "Play",
    "Strategy",
    "fit_codes",
    "register",
    "run_strategy",
    "shift_frame",
]
