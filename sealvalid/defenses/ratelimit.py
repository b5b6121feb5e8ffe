"""Rate limits and verification cost per voting account.

Source: Huang et al., *Exploring and Mitigating Adversarial Manipulation of Voting-Based
Leaderboards* (arXiv 2501.07493): the cost of an attack is the accounts it needs plus the actions
per vote plus the de-anonymiser; mitigations include login, bot protection (CAPTCHAs), phone or
payment verification and rate limits. Min et al. (arXiv 2501.17858) discuss the same against
vote rigging.

Model and assumptions
---------------------
Two rules (:data:`sealvalid.defenses.RULES`): ``votes_per_account`` caps the votes one account
may cast over the period, and ``account_cost`` prices a verified account in the attacker's cost
units. Strategies obey them (vote rigging opens ``ceil(votes / cap)`` accounts and reports their
cost; an attacker with a spending limit casts fewer votes). The platform also enforces the cap
on everyone through a ``screen``: each account's votes beyond the cap, in time order, are not
counted. That is the false-positive cost: honest heavy voters (voter activity is skewed) lose
their excess votes, which thins the board (``honest_dropped``). Verification costs honest voters
effort too, which the simulation does not model (it does not change who votes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sealvalid.defenses.base import ArenaLog, Defense, register

__all__ = ["RateLimit", "within_cap"]


def within_cap(log: ArenaLog, cap: int) -> np.ndarray:
    """Mask of the votes each account casts within its first ``cap`` votes (in time order).

    Parameters
    ----------
    log : ArenaLog
        The votes.
    cap : int
        Votes per account (>= 1).

    Returns
    -------
    ndarray of bool
    """
    if isinstance(cap, bool) or not isinstance(cap, int | np.integer) or cap < 1:
        raise ValueError(f"cap must be an integer >= 1, got {cap!r}")
    n = len(log)
    if n == 0:
        return np.ones(0, bool)
    order = np.lexsort((np.arange(n), log.day, log.voter))
    voter = log.voter[order]
    starts = np.flatnonzero(np.r_[True, voter[1:] != voter[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, n]))
    keep = np.empty(n, bool)
    keep[order] = (np.arange(n) - first) < cap
    return keep


@register("rate-limit")
@dataclass(frozen=True, kw_only=True)
class RateLimit(Defense):
    """Cap the votes per account and charge for verified accounts.

    Parameters
    ----------
    votes_per_account : int
        Votes one account may cast over the period (in [1, 10**9]).
    account_cost : float
        Cost of one verified account (CAPTCHA, phone, payment), in the attacker's cost units
        (finite, >= 0).
    """

    targets = ("vote-rigging",)

    votes_per_account: int = 50
    account_cost: float = 1.0

    def __post_init__(self) -> None:
        v = self.votes_per_account
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 1 <= v <= 10**9:
            raise ValueError(f"RateLimit.votes_per_account must be an integer in [1, 10**9], "
                             f"got {v!r}")
        c = self.account_cost
        if (isinstance(c, bool) or not isinstance(c, int | float | np.integer | np.floating)
                or not math.isfinite(c) or c < 0):
            raise ValueError(f"RateLimit.account_cost must be a finite number >= 0, got {c!r}")

    def rules(self) -> dict:
        """``votes_per_account`` and ``account_cost``."""
        return {"votes_per_account": int(self.votes_per_account),
                "account_cost": float(self.account_cost)}

    def screen(self, log: ArenaLog) -> np.ndarray:
        """Keep each account's first ``votes_per_account`` votes."""
        return within_cap(log, int(self.votes_per_account))
