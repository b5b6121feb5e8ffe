"""Anomalous-voter detection: per-vote p-values combined by Fisher's method, per account.

Source: Chiang et al., *Chatbot Arena* (arXiv 2403.04132), section 5 and appendix, "detecting
anomalous users": each vote gets a p-value from the model's own predictive distribution, a
user's p-values are combined by Fisher's method ``M_j = -2 sum_{i <= j} log p_i``, and the user
is flagged when ``M_j`` exceeds the ``1 - alpha / m`` quantile of ``chi^2(2 j)`` at any of a few
checkpoints ``j`` (``m`` checkpoints, Bonferroni). Min et al. (arXiv 2501.17858) test this
detector against vote rigging.

Model and assumptions
---------------------
The predictive distribution is the Bradley–Terry board fitted on the log being screened (the
operator does not know which votes are rigged, so rigged votes shape it too). By default each
vote is judged by that board refitted without its own voter's votes (``reference=
"leave-voter-out"``, one Newton step from the full fit with the voter's share of the Fisher
information removed), so that an account casting many votes
cannot make its own votes look ordinary; accounts acting together still shape each other's
reference. Ties count as half wins: ``P(a wins) = p - t/2``, ``P(b wins) = 1 - p - t/2``,
``P(tie) = t = 4 tau p (1 - p)``,
where ``p`` is the board's win probability of ``a`` and ``tau`` is set so that the predicted
number of ties equals the observed one (the simulator's tie law; it keeps the expected score of
``a`` at ``p``). A vote's p-value is the probability, under that distribution, of an outcome no
more likely than the one observed (an exact-test p-value). It is discrete, so it is
conservative: under the null it is stochastically larger than uniform, ``M_j`` falls below
``chi^2(2 j)`` on average, and the nominal ``alpha`` bounds the false-positive rate per voter;
it also has little power, since a win of the favourite scores ``p = 1``. The screen therefore
randomises by default (``P(less likely) + U P(equally likely)``, exactly uniform under the
model), seeded by the defense's ``seed``.
Checkpoints are ``first_checkpoint * 2**k`` votes, ``k = 0 .. n_checkpoints - 1``, each
voter's votes taken in time order; a voter with fewer votes than the first checkpoint is never
tested (accounts that cast only a few votes each go unseen). A flagged voter loses every vote.

Honest voters are flagged too: a low-effort voter (one who ignores the responses) produces
upsets at the rate of a coin, and a voter with many votes reaches the later checkpoints, where
any systematic taste the board does not share (style, a category skill) accumulates.
:func:`voter_scores` and :func:`detection_roc` measure both sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2

from sealvalid.defenses.base import ArenaLog, Defense, register
from sealvalid.rating.solver import bt_hessian
from sealvalid.sim.world import F

__all__ = ["AnomalousVoters", "REFERENCES", "vote_pvalues", "voter_scores", "detection_roc",
           "roc_from_scores",
           "predictive", "SCORE_COLUMNS", "ROC_COLUMNS"]


#: columns of :func:`voter_scores`
SCORE_COLUMNS = ["voter", "honest", "n_votes", "tested", "statistic", "min_tail", "p_value"]
#: columns of :func:`detection_roc`
ROC_COLUMNS = ["alpha", "tpr", "fpr", "attack_flagged", "honest_flagged", "attack_accounts",
               "honest_voters"]


_BLOCK = 2048  # voters per batched solve


def _leave_voter_out(log: ArenaLog, theta: np.ndarray) -> np.ndarray:
    """Per-vote logit gap ``theta_a - theta_b`` of the board refitted without the voter.

    One Newton step from the full fit: ``theta_(-v) = theta - (I - I_v)^+ g_v``, with ``g_v``
    the voter's score (gradient of its log-likelihood, ties as half wins), ``I`` the Fisher
    information of the whole log and ``I_v`` the voter's share of it (an exact-information
    influence step; solved in batches of voters).
    """
    k = len(theta)
    d = theta[log.a] - theta[log.b]
    p = 1.0 / (1.0 + np.exp(-d))
    s = np.array([1.0, 0.0, 0.5, 0.5])[log.winner.astype(np.intp)]
    ids, v = np.unique(log.voter, return_inverse=True)
    nv = len(ids)
    r = s - p
    g = (np.bincount(v * k + log.a, r, minlength=nv * k)
         - np.bincount(v * k + log.b, r, minlength=nv * k)).reshape(nv, k)
    w = p * (1.0 - p)
    lo, hi = np.minimum(log.a, log.b), np.maximum(log.a, log.b)
    info = bt_hessian(w, lo, hi, None, k)
    info += 1.0 / k  # fixes the gauge (ratings sum to zero) without changing differences
    shift = np.empty((nv, k))
    order = np.argsort(v, kind="stable")
    bounds = np.searchsorted(v[order], np.arange(0, nv + _BLOCK, _BLOCK))
    for blk, start in enumerate(range(0, nv, _BLOCK)):
        stop = min(start + _BLOCK, nv)
        rows = order[bounds[blk]:bounds[min(blk + 1, len(bounds) - 1)]]
        vv = v[rows] - start
        m = stop - start
        # the voter's own information, built from its votes' pair cells
        cell = np.bincount((vv * k + lo[rows]) * k + hi[rows], w[rows],
                           minlength=m * k * k).reshape(m, k, k)
        own = -(cell + cell.transpose(0, 2, 1))
        diag = cell.sum(axis=2) + cell.sum(axis=1)
        own[:, np.arange(k), np.arange(k)] = diag
        shift[start:stop] = np.linalg.solve(info[None] - own, g[start:stop, :, None])[..., 0]
    return d - (shift[v, log.a] - shift[v, log.b])


#: prediction references: the board fitted on the whole log, or without the voter's own votes
REFERENCES: tuple[str, ...] = ("leave-voter-out", "log")


def predictive(log: ArenaLog, board: pd.Series | None = None, *,
               reference: str = "leave-voter-out") -> np.ndarray:
    """Predictive probabilities of each vote's three outcomes under a Bradley–Terry board.

    Parameters
    ----------
    log : ArenaLog
        The votes.
    board : pandas.Series, optional
        Ratings (Arena scale) indexed by the log's model names (a prior board); default: the
        board fitted on the log itself, as ``reference`` says.
    reference : {"leave-voter-out", "log"}
        Without ``board``: ``"leave-voter-out"`` (default) judges each vote by the board fitted
        without its voter's votes (one Newton step from the full fit), so a heavy voter cannot
        pull the board towards its own votes; ``"log"`` uses the full fit for every vote.

    Returns
    -------
    ndarray, shape (n, 3)
        ``P(a wins)``, ``P(b wins)``, ``P(tie)`` per vote (see the module docstring for the
        tie law).
    """
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {list(REFERENCES)}, got {reference!r}")
    if board is None:
        theta = log.fit().reindex(list(log.names)).to_numpy(float) / F
        d = _leave_voter_out(log, theta) if reference == "leave-voter-out" else \
            theta[log.a] - theta[log.b]
    else:
        missing = sorted(set(log.names) - set(board.index))
        if missing:
            raise ValueError(f"board has no rating for models {missing[:5]} of the log")
        theta = board.reindex(list(log.names)).to_numpy(float) / F
        d = theta[log.a] - theta[log.b]
    p = 1.0 / (1.0 + np.exp(-d))
    spread = 4.0 * p * (1.0 - p)
    ties = float(np.sum(log.winner >= 2))
    tau = min(0.5, ties / spread.sum()) if spread.sum() > 0 else 0.0
    t = tau * spread
    return np.column_stack([p - t / 2.0, 1.0 - p - t / 2.0, t])


def vote_pvalues(log: ArenaLog, board: pd.Series | None = None, *, rng=None,
                 reference: str = "leave-voter-out") -> np.ndarray:
    """P-value of every vote under the board's predictive distribution.

    Outcomes are ordered by their predictive probability (less likely is more extreme). The
    plain p-value is the probability of an outcome no more likely than the one observed:
    discrete, hence conservative (stochastically larger than uniform under the model). With
    ``rng`` it is randomised, ``P(less likely) + U * P(equally likely)`` with ``U`` uniform,
    which is exactly uniform when the voter votes as the board predicts, so Fisher's statistic
    is exactly ``chi^2(2 j)`` under the null.

    Parameters
    ----------
    log : ArenaLog
        The votes.
    board : pandas.Series, optional
        Ratings used for prediction (default: fitted on the log).
    rng : optional
        Anything :func:`numpy.random.default_rng` accepts; ``None``: the plain (conservative)
        p-value.
    reference : {"leave-voter-out", "log"}
        The board each vote is judged by when ``board`` is not given (:func:`predictive`).

    Returns
    -------
    ndarray of float
        One p-value in (0, 1] per vote.
    """
    probs = predictive(log, board, reference=reference)
    outcome = np.minimum(log.winner.astype(np.intp), 2)  # both tie codes are a tie
    observed = probs[np.arange(len(log)), outcome][:, None]
    # a tiny relative tolerance so that equal probabilities count as equally likely
    tol = 1e-12 * observed
    less = (probs * (probs < observed - tol)).sum(axis=1)
    equal = (probs * (np.abs(probs - observed) <= tol)).sum(axis=1)
    if rng is None:
        p = less + equal
    else:
        p = less + np.random.default_rng(rng).random(len(log)) * equal
    return np.clip(p, 1e-300, 1.0)


def _checkpoints(first: int, n: int) -> np.ndarray:
    return first * 2 ** np.arange(n)


def voter_scores(log: ArenaLog, *, first_checkpoint: int = 10, n_checkpoints: int = 8,
                 board: pd.Series | None = None, rng=None,
                 reference: str = "leave-voter-out") -> pd.DataFrame:
    """Fisher-combined anomaly test of every voter (account) in the log.

    Parameters
    ----------
    log : ArenaLog
        The votes.
    first_checkpoint : int
        Votes at the first checkpoint (>= 1); the others double it.
    n_checkpoints : int
        Number of checkpoints (>= 1); the Bonferroni divisor.
    board : pandas.Series, optional
        Ratings used for prediction (default: fitted on the log).
    rng : optional
        Randomise the per-vote p-values with this generator (see :func:`vote_pvalues`);
        ``None``: plain, conservative p-values.
    reference : {"leave-voter-out", "log"}
        The board each vote is judged by when ``board`` is not given (:func:`predictive`).

    Returns
    -------
    pandas.DataFrame
        One row per voter, columns :data:`SCORE_COLUMNS`: ``n_votes``; ``tested`` (the largest
        checkpoint reached, 0 if none); ``statistic`` (``M_j`` at that checkpoint); ``p_value``
        (the smallest Bonferroni-adjusted ``chi^2(2 j)`` tail probability over the checkpoints
        reached, capped at 1; 1 for untested voters); ``min_tail`` the same before the
        Bonferroni factor and the cap (it orders the voters). A voter is flagged at level
        ``alpha`` when ``p_value < alpha``.
    """
    _check_checkpoints("voter_scores", first_checkpoint, n_checkpoints)
    cps = _checkpoints(first_checkpoint, n_checkpoints)
    logp = -2.0 * np.log(vote_pvalues(log, board, rng=rng, reference=reference))
    order = np.lexsort((log.day, log.voter))
    voter = log.voter[order]
    starts = np.flatnonzero(np.r_[True, voter[1:] != voter[:-1]])
    ids = voter[starts]
    counts = np.diff(np.r_[starts, len(voter)])
    cum = np.cumsum(logp[order])
    before = np.r_[0.0, cum][starts]  # cumulative sum before each voter's first vote
    tail = np.ones(len(ids))
    stat = np.zeros(len(ids))
    tested = np.zeros(len(ids), np.int64)
    for j in cps:
        reach = counts >= j
        if not reach.any():
            continue
        m = cum[starts[reach] + j - 1] - before[reach]
        tail[reach] = np.minimum(tail[reach], chi2.sf(m, 2 * j))
        stat[reach] = m
        tested[reach] = j
    honest = np.zeros(len(ids), bool)
    honest_votes = log.honest[order]
    honest[:] = honest_votes[starts]
    return pd.DataFrame({"voter": ids, "honest": honest, "n_votes": counts, "tested": tested,
                         "statistic": stat, "min_tail": tail,
                         "p_value": np.minimum(1.0, len(cps) * tail)})


def detection_roc(log: ArenaLog, *, first_checkpoint: int = 10, n_checkpoints: int = 8,
                  board: pd.Series | None = None, alphas=None, rng=None,
                  reference: str = "leave-voter-out") -> pd.DataFrame:
    """Trace the detector's true- and false-positive rates over its threshold (the ROC).

    Parameters
    ----------
    log : ArenaLog
        Votes of honest voters and attacker accounts (``honest=False``); the labels are used
        only to score the detector.
    first_checkpoint, n_checkpoints : int
        The checkpoints (see :func:`voter_scores`).
    board : pandas.Series, optional
        Ratings used for prediction (default: fitted on the log).
    alphas : sequence of float, optional
        Thresholds on the Bonferroni-adjusted p-value before its cap at 1 (``>= 0``; values
        above 1 reach into the voters the capped test never flags); default: every distinct
        voter value (the full ROC), plus 0 and ``inf``.
    rng : optional
        Randomise the per-vote p-values (see :func:`vote_pvalues`).
    reference : {"leave-voter-out", "log"}
        The board each vote is judged by when ``board`` is not given (:func:`predictive`).

    Returns
    -------
    pandas.DataFrame
        One row per threshold ``alpha`` (ascending), columns :data:`ROC_COLUMNS`: ``tpr`` the
        share of attacker accounts flagged (adjusted p-value ``< alpha``; at ``alpha = inf``
        every voter, so the curve ends at (1, 1)), ``fpr`` the share of honest voters flagged,
        their counts, and the numbers of attacker accounts and honest voters.
    """
    scores = voter_scores(log, first_checkpoint=first_checkpoint, n_checkpoints=n_checkpoints,
                          board=board, rng=rng, reference=reference)
    return roc_from_scores(scores, n_checkpoints=n_checkpoints, alphas=alphas)


def roc_from_scores(scores: pd.DataFrame, *, n_checkpoints: int = 8,
                    alphas=None) -> pd.DataFrame:
    """Trace the ROC from voter scores (pooled over replicates, if concatenated).

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`voter_scores` output, or several concatenated (each voter a row).
    n_checkpoints : int
        The Bonferroni factor the scores were computed with.
    alphas : sequence of float, optional
        Thresholds (see :func:`detection_roc`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ROC_COLUMNS` (see :func:`detection_roc`).
    """
    pv = n_checkpoints * scores["min_tail"].to_numpy(float)
    hon = scores["honest"].to_numpy(bool)
    if alphas is None:
        alphas = np.unique(np.r_[0.0, np.nextafter(pv, np.inf), np.inf])
    alphas = np.sort(np.asarray(alphas, float))
    if len(alphas) == 0 or np.isnan(alphas).any() or alphas.min() < 0:
        raise ValueError(f"alphas must be non-empty and >= 0, got {alphas[:5]}")
    n_att, n_hon = int((~hon).sum()), int(hon.sum())
    # counts flagged (score < alpha) for every threshold, by sorted search
    att = np.searchsorted(np.sort(pv[~hon]), alphas, side="left")
    hnt = np.searchsorted(np.sort(pv[hon]), alphas, side="left")
    return pd.DataFrame({"alpha": alphas,
                         "tpr": att / n_att if n_att else np.full(len(alphas), math.nan),
                         "fpr": hnt / n_hon if n_hon else np.full(len(alphas), math.nan),
                         "attack_flagged": att.astype(np.int64),
                         "honest_flagged": hnt.astype(np.int64),
                         "attack_accounts": n_att, "honest_voters": n_hon},
                        columns=ROC_COLUMNS)


def _check_checkpoints(owner: str, first, n) -> None:
    for name, v, hi in (("first_checkpoint", first, 10**6), ("n_checkpoints", n, 20)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 1 <= v <= hi:
            raise ValueError(f"{owner}: {name} must be an integer in [1, {hi}], got {v!r}")


@register("anomalous-voters")
@dataclass(frozen=True, kw_only=True)
class AnomalousVoters(Defense):
    """Drop every vote of the voters (accounts) that Fisher's test flags as anomalous.

    Parameters
    ----------
    alpha : float
        Family-wise level per voter over the checkpoints, in (0, 1).
    first_checkpoint : int
        Votes at the first checkpoint (in [1, 10**6]); later checkpoints double it.
    n_checkpoints : int
        Number of checkpoints (in [1, 20]).
    randomized : bool
        Randomised per-vote p-values (exact level; the default) or plain conservative ones.
    seed : int
        Seed of the randomisation (>= 0); the stream is
        ``numpy.random.default_rng([seed, len(log)])``, so a screen is reproducible.
    reference : {"leave-voter-out", "log"}
        The board each vote is judged by (:func:`predictive`).
    """

    targets = ("vote-rigging",)

    alpha: float = 0.01
    first_checkpoint: int = 10
    n_checkpoints: int = 8
    randomized: bool = True
    seed: int = 0
    reference: str = "leave-voter-out"

    def __post_init__(self) -> None:
        a = self.alpha
        if (isinstance(a, bool) or not isinstance(a, int | float | np.integer | np.floating)
                or not 0 < a < 1):
            raise ValueError(f"AnomalousVoters.alpha must be a number in (0, 1), got {a!r}")
        _check_checkpoints("AnomalousVoters", self.first_checkpoint, self.n_checkpoints)
        if not isinstance(self.randomized, bool):
            raise ValueError(f"AnomalousVoters.randomized must be a bool, got "
                             f"{self.randomized!r}")
        s = self.seed
        if isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0:
            raise ValueError(f"AnomalousVoters.seed must be an integer >= 0, got {s!r}")
        if self.reference not in REFERENCES:
            raise ValueError(f"AnomalousVoters.reference must be one of {list(REFERENCES)}, "
                             f"got {self.reference!r}")

    def screen(self, log: ArenaLog) -> np.ndarray:
        """Keep the votes of voters not flagged at level ``alpha``."""
        if len(log) == 0:
            return np.ones(0, bool)
        rng = np.random.default_rng([int(self.seed), len(log)]) if self.randomized else None
        scores = voter_scores(log, first_checkpoint=self.first_checkpoint,
                              n_checkpoints=self.n_checkpoints, rng=rng,
                              reference=self.reference)
        flagged = scores.loc[scores["p_value"] < self.alpha, "voter"].to_numpy()
        return ~np.isin(log.voter, flagged)
