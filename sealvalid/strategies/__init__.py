"""Gaming strategies and how far they shift the board.

* :mod:`sealvalid.strategies.base` — the :class:`Strategy` protocol, the :data:`STRATEGIES`
  registry (``@register("name")``), shift metrics against the known truth
  (:func:`shift_frame`) and :func:`run_strategy` over spawned replicate streams;
* :mod:`sealvalid.strategies.best_of_n` — best-of-N private variants with selective
  disclosure (*Leaderboard Illusion*, arXiv 2504.20879);
* :mod:`sealvalid.strategies.honest` — the honest baseline (what safeguards cost when nobody
  games);
* :mod:`sealvalid.strategies.teaching` — teaching to the test: effort on style, appeal and the
  arena's prompt mix, and the arena-data loop (*Leaderboard Illusion*, arXiv 2504.20879);
* :mod:`sealvalid.strategies.sampling` — sampling and deprecation asymmetry: favoured
  providers battle more, competitors are silently deprecated (*Leaderboard Illusion*);
* :mod:`sealvalid.strategies.rigging` — vote rigging, target-only and omnipresent, from attacker
  accounts (Min et al., arXiv 2501.17858; Huang et al., arXiv 2501.07493).
* :mod:`sealvalid.strategies.boosting`, :mod:`sealvalid.strategies.flawed_tasks` — static
  benchmarks: the boosting attack on a fixed holdout (Blum & Hardt, arXiv 1502.04585) and
  agents exploiting flawed graders (Zhu et al., arXiv 2507.02825);
* :mod:`sealvalid.strategies.order_stats` — the order statistic behind best-of-N
  (:func:`expected_max_normal`, :func:`predicted_inflation`) and a tidy summary of best-of-N
  runs (:func:`label_best_of_n`, :func:`best_of_n_replicates`, :func:`best_of_n_summary`).

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
from sealvalid.strategies.boosting import BoostingAttack, boosting_curve
from sealvalid.strategies.flawed_tasks import FlawedTasks, flawed_grid
from sealvalid.strategies.honest import Honest
from sealvalid.strategies.order_stats import (
    best_of_n_replicates,
    best_of_n_summary,
    expected_max_normal,
    label_best_of_n,
    predicted_inflation,
)
from sealvalid.strategies.rigging import VoteRigging, rigging_curve, votes_for_rank
from sealvalid.strategies.sampling import SamplingAsymmetry, sampling_table
from sealvalid.strategies.teaching import TeachingToTheTest

__all__ = [
    "BoostingAttack",
    "FlawedTasks",
    "boosting_curve",
    "flawed_grid",
    "VoteRigging",
    "rigging_curve",
    "votes_for_rank",
    "RESULT_COLUMNS",
    "SHIFT_COLUMNS",
    "STRATEGIES",
    "BestOfN",
    "Honest",
    "Play",
    "SamplingAsymmetry",
    "Strategy",
    "fit_codes",
    "register",
    "run_strategy",
    "sampling_table",
    "shift_frame",
    "TeachingToTheTest",
    "best_of_n_replicates",
    "best_of_n_summary",
    "expected_max_normal",
    "label_best_of_n",
    "predicted_inflation",
]
