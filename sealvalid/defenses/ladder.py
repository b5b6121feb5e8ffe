"""The Ladder: a leaderboard that releases a new score only on a real improvement.

Source: Blum & Hardt, *The Ladder: A Reliable Leaderboard for Machine Learning Competitions*
(ICML 2015, arXiv 1502.04585; code mrtzh/Ladder.jl). A competition scores submissions on a
fixed holdout of ``n`` items and shows each team its score after every submission; a team that
adapts to those scores overfits the holdout (the boosting attack,
:mod:`sealvalid.strategies.boosting`). The Ladder (their Algorithm 1) keeps, per team, the best
score released so far, ``R``, and on a new submission with holdout score ``s``:

* releases ``[s]_η`` (``s`` rounded to the nearest multiple of the step ``η``) if ``s > R + η``;
* otherwise repeats ``R``.

The first submission is always released (``R`` starts at ``-inf``). Scores here are accuracies
(higher is better), the paper's losses with the sign flipped. Their parameter-free variant
(``adaptive=True``) replaces the fixed step by a one-sided paired test: a submission is released,
unrounded, when its score exceeds the current leader's by more than the standard error of the
per-item score difference between the two submissions, ``sd(x_new - x_leader) / sqrt(n)`` (for
a team's first submission, ``sd(x_new) / sqrt(n)`` over ``-inf``).

Why it works: an attacker learns about the holdout labels only through released scores, and the
Ladder releases at most ``1 / η`` of them per team, each carrying ``log(1 / η)`` bits, so the
information leaked no longer grows with the number of queries ``k``; Blum & Hardt bound the
leaderboard error by ``O((log(k n) / n)^{1/3})`` with ``η`` of that order. In their experiment
(``n = 4000`` holdout labels, ``k`` up to 400 random queries, mean of 5 runs; the curves are in
Ladder.jl's ``csvs/kaggleboosting-4000-400-5-*.csv``) the boosting attack reached a reported
accuracy of 0.573 at ``k = 400`` against Kaggle's exact mechanism (0.549 in the second run) but
0.516 (0.512) against the parameter-free Ladder, while fresh data stayed at 0.50. Here, with
the same ``n`` and ``k``: 0.572 exact, 0.520 with ``η = 0.01``, 0.520 parameter-free, fresh
0.500 (100 replicates).

What it costs honest teams: an improvement smaller than ``η`` over their best released score is
never shown, and released scores carry a rounding error up to ``η / 2``. The strategies report
these costs (``honest_mae``, ``honest_unreleased``).

The reporting protocol (shared with :class:`sealvalid.strategies.boosting.ExactBoard`, the
undefended mechanism): ``submit(team, correct) -> float`` takes the per-item scores (1 right,
0 wrong) of one submission on the scored split and returns the score shown in reply;
``score(team)`` is the team's leaderboard entry; ``releases(team)`` counts the submissions that
produced a new score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sealvalid.defenses.base import Defense, register

__all__ = ["Ladder", "LadderBoard"]


class LadderBoard:
    """The Ladder's reporting state for one holdout: per team, the best score released so far.

    Parameters
    ----------
    eta : float
        Step ``η`` in (0, 1): a new score is released only if it beats the best released score
        by more than ``η``, and is then rounded to a multiple of ``η``.
    adaptive : bool
        Parameter-free variant: a paired-test threshold replaces ``η`` and released scores are
        not rounded.

    Notes
    -----
    Stateful (one instance per holdout); teams are independent of each other.
    """

    def __init__(self, *, eta: float = 0.01, adaptive: bool = False) -> None:
        self.eta = float(eta)
        self.adaptive = bool(adaptive)
        self._best: dict[str, float] = {}
        self._leader: dict[str, np.ndarray] = {}
        self._released: dict[str, int] = {}
        self._submitted: dict[str, int] = {}

    def __repr__(self) -> str:
        rule = "parameter-free" if self.adaptive else f"eta={self.eta:g}"
        return f"LadderBoard({rule}, teams={len(self._submitted)})"

    def submit(self, team: str, correct) -> float:
        """Score one submission and return what the leaderboard shows in reply.

        Parameters
        ----------
        team : str
            Submitting team.
        correct : array of float, shape (n,)
            Per-item score of the submission on the holdout (1 right, 0 wrong; values in
            [0, 1]).

        Returns
        -------
        float
            The team's best released score after this submission.
        """
        x = np.asarray(correct, dtype=float)
        if x.ndim != 1 or len(x) == 0:
            raise ValueError(f"LadderBoard.submit needs a 1-d array of per-item scores, got "
                             f"shape {x.shape}")
        score = float(x.mean())
        best = self._best.get(team, -math.inf)
        self._submitted[team] = self._submitted.get(team, 0) + 1
        if self.adaptive:
            leader = self._leader.get(team)
            diff = x if leader is None else x - leader
            sd = float(diff.std(ddof=1)) if len(x) > 1 else 0.0
            if score > best + sd / math.sqrt(len(x)):
                self._best[team], self._leader[team] = score, x
                self._released[team] = self._released.get(team, 0) + 1
        elif score > best + self.eta:
            self._best[team] = round(score / self.eta) * self.eta
            self._released[team] = self._released.get(team, 0) + 1
        return self._best.get(team, math.nan)

    def score(self, team: str) -> float:
        """Return the team's leaderboard entry: its best released score (NaN before any release)."""
        return self._best.get(team, math.nan)

    def releases(self, team: str) -> int:
        """How many of the team's submissions produced a new score."""
        return self._released.get(team, 0)

    def submissions(self, team: str) -> int:
        """How many submissions the team made."""
        return self._submitted.get(team, 0)


@register("ladder")
@dataclass(frozen=True, kw_only=True)
class Ladder(Defense):
    """Report a team's new holdout score only when it beats its best by more than ``eta``.

    Parameters
    ----------
    eta : float
        Step size ``η``, in (0, 1) (accuracy units). Blum & Hardt's theory suggests
        ``η ≈ (log(k n) / n)^{1/3}``; in practice a step near the holdout's standard error
        (``0.5 / sqrt(n)``, about 0.01 for 2,000 items) already stops the boosting attack.
    adaptive : bool
        Use the parameter-free variant (a one-sided paired test against the team's current
        leader; ``eta`` is then ignored).

    Notes
    -----
    Acts through the ``holdout`` hook: :meth:`holdout` returns a fresh :class:`LadderBoard`,
    which static strategies use instead of reporting exact accuracies.
    """

    setting = "static"
    targets = ("boosting-attack",)

    eta: float = 0.01
    adaptive: bool = False

    def __post_init__(self) -> None:
        e = self.eta
        if (isinstance(e, bool) or not isinstance(e, int | float | np.integer | np.floating)
                or not 0 < e < 1):
            raise ValueError(f"Ladder.eta must be a number in (0, 1), got {e!r}")
        if not isinstance(self.adaptive, bool | np.bool_):
            raise ValueError(f"Ladder.adaptive must be a bool, got {self.adaptive!r}")

    def holdout(self, world) -> LadderBoard:
        """Return a fresh Ladder reporting state for one holdout of ``world``."""
        return LadderBoard(eta=float(self.eta), adaptive=bool(self.adaptive))
