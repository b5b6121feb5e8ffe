"""Upset filtering: drop votes whose winner was unlikely to win.

Source: Min et al., *Improving Your Model Ranking on Chatbot Arena by Vote Rigging* (arXiv
2501.17858), section on defenses: votes whose outcome is an upset — the winner's expected win
probability under the Bradley–Terry ratings is below a threshold — are filtered out before the
board is fitted, on the reasoning that a rigged vote for a weaker target is an upset.

Model and assumptions
---------------------
The expected win probability comes from the plain Bradley–Terry board fitted on the log being
screened (ties as half wins), one pass: the operator cannot tell rigged from honest votes, so
the rigged votes shape that board too (a heavily rigged target looks stronger, and its rigged
wins look less surprising). By default each vote is judged by that board refitted without its
own voter's votes (``reference="leave-voter-out"``, one Newton step; see
:func:`sealvalid.defenses.anomaly.predictive`), which undoes the pull of a single heavy account
but not of many accounts acting together. Ties are never upsets and are kept.

Honest upsets are dropped as well: they carry real information (a weaker model does win
sometimes), so the filtered board overstates every gap and loses some of its accuracy; the
strategy's ``honest_dropped`` counts them, and ranking accuracy on an honest world measures the
damage. Omnipresent rigging mostly votes in close battles (against the target's near rivals),
whose outcomes are rarely upsets, so the filter catches it less than target-only rigging of a
weak target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sealvalid.defenses.anomaly import REFERENCES, predictive
from sealvalid.defenses.base import ArenaLog, Defense, register

__all__ = ["UpsetFilter", "winner_probability"]


def winner_probability(log: ArenaLog, board=None, *,
                       reference: str = "leave-voter-out") -> np.ndarray:
    """Return the expected win probability of each vote's winner (NaN for ties).

    Parameters
    ----------
    log : ArenaLog
        The votes.
    board : pandas.Series, optional
        Ratings (Arena scale) by model (a prior board); default: the board fitted on the log,
        as ``reference`` says.
    reference : {"leave-voter-out", "log"}
        Judge each vote by the board fitted without its voter's votes (default) or by the
        board fitted on the whole log (:func:`sealvalid.defenses.anomaly.predictive`).

    Returns
    -------
    ndarray of float
        The Bradley–Terry probability that the winning side beats the other (``P(a wins) +
        P(tie) / 2`` for a win of ``a``: the win probability of ties-as-half-wins).
    """
    probs = predictive(log, board, reference=reference)
    p_a = probs[:, 0] + probs[:, 2] / 2.0
    out = np.where(log.winner == 0, p_a, 1.0 - p_a)
    return np.where(log.winner >= 2, np.nan, out)


@register("upset-filter")
@dataclass(frozen=True, kw_only=True)
class UpsetFilter(Defense):
    """Drop votes whose winner had an expected win probability below ``min_win_prob``.

    Parameters
    ----------
    min_win_prob : float
        Threshold on the winner's expected win probability under the board fitted on the log,
        in (0, 0.5]; 0.5 drops every win of the weaker side.
    reference : {"leave-voter-out", "log"}
        The board each vote is judged by: fitted without the vote's own voter (default) or on
        the whole log.
    """

    targets = ("vote-rigging",)

    min_win_prob: float = 0.25
    reference: str = "leave-voter-out"

    def __post_init__(self) -> None:
        v = self.min_win_prob
        if (isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating)
                or not 0 < v <= 0.5):
            raise ValueError(f"UpsetFilter.min_win_prob must be a number in (0, 0.5], got "
                             f"{v!r}")
        if self.reference not in REFERENCES:
            raise ValueError(f"UpsetFilter.reference must be one of {list(REFERENCES)}, got "
                             f"{self.reference!r}")

    def screen(self, log: ArenaLog) -> np.ndarray:
        """Keep ties and the wins whose winner was expected to win at least ``min_win_prob``."""
        if len(log) == 0:
            return np.ones(0, bool)
        w = winner_probability(log, reference=self.reference)
        return np.isnan(w) | (w >= self.min_win_prob)
