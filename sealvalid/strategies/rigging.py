"""Vote rigging: target-only and omnipresent rigged votes from attacker accounts.

Sources: Min et al., *Improving Your Model Ranking on Chatbot Arena by Vote Rigging* (arXiv
2501.17858, ICML 2025; code sail-sg/Rigging-ChatbotArena), and Huang et al., *Exploring and
Mitigating Adversarial Manipulation of Voting-Based Leaderboards* (arXiv 2501.07493).

Setup modelled
--------------
An attacker wants to raise the rank of one target model. It controls ``accounts`` voting
accounts and spends a budget of ``budget`` battles (or, with ``budget_unit="votes"``, rigged
votes) while the honest crowd casts ``n_votes`` votes over the same period (concurrent honest
votes). It cannot choose the pairs: every battle it is served is drawn by the world's
sampling policy (an independent draw of :func:`sealvalid.sim.simulate`, so the target turns up
as often as the policy makes it). Each response is run through a de-anonymiser that names the
model behind it correctly with probability ``accuracy`` and otherwise names one of the other
models uniformly at random (Huang et al. report > 95% identification accuracy from a reply; Min
et al. use watermarks or a classifier).

``mode="target-only"`` (Min et al.'s target-only rigging)
    The attacker votes only in battles where it believes the target is present (one of the two
    responses is identified as the target) and always votes for the side it believes is the
    target; it skips every other battle it is served (no vote cast, but the battle was read).
    Errors cost it in two ways: battles with the target that it misses (more battles served per
    vote) and votes misdirected to a non-target model it mistook for the target.
``mode="omnipresent"`` (Min et al.'s omnipresent rigging)
    The attacker votes in every battle it is served. When it believes the target is present it
    votes for it; otherwise it casts the vote that helps the target's rank most through the
    Bradley–Terry coupling of all ratings (any vote moves every rating). It reads the public
    board (the Bradley–Terry fit of the honest votes and its own votes so far, refitted
    ``refits`` times during the attack) and scores each possible outcome by its first-order
    (influence-function) effect on a smooth rank of the target,
    ``R = sum_r sigmoid((theta_r - theta_t) / s)`` with ``s`` half the median gap between
    adjacent ratings: a vote ``y`` (1 if side ``i`` wins) in a battle ``(i, j)`` moves the
    ratings by ``(y - p_ij) H^+ (e_i - e_j)`` (``H`` the Fisher information of the board), so
    the attacker picks the side whose win lowers ``R`` — in effect, votes against the target's
    close rivals and for the models below them. Identities it gets wrong lead to misdirected
    votes (decided on the wrong pair).

Votes are spread round-robin over the accounts in time order. Under a rate limit
(rule ``votes_per_account``) the attacker opens as many accounts as the budget needs; each costs
``account_cost`` (rule); an attacker with a spending limit ``max_cost`` casts only the votes its
affordable accounts allow. The rigged votes enter the log with ``honest=False`` and attacker
account ids disjoint from the honest voters', then the log is published through the safeguards.

Assumptions: the attacker's served battles are drawn independently of the honest ones (for an
adaptive sampling policy they do not see the honest votes' state); the attacker knows the
current board as well as the honest votes would estimate it; the de-anonymiser's errors are
uniform over the other models; the attacker never votes a tie. The truth is the overall true
rating of the world (:func:`sealvalid.sim.true_ratings`). Rank gained is measured against the
same replicate without rigging (:func:`rigging_curve`), so honest noise cancels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sealvalid.defenses.base import ArenaLog, Safeguards
from sealvalid.sim import simulate, true_ratings
from sealvalid.sim.world import F
from sealvalid.strategies.base import Play, Strategy, fit_codes, register, run_strategy

__all__ = ["MODES", "BUDGET_UNITS", "VoteRigging", "Rigged", "rigging_curve", "votes_for_rank",
           "CURVE_COLUMNS"]

#: rigging modes (Min et al.'s two families)
MODES: tuple[str, ...] = ("target-only", "omnipresent")
#: what a budget counts: battles the attacker is served (its effort, whether it votes or not)
#: or votes it casts
BUDGET_UNITS: tuple[str, ...] = ("battles", "votes")
#: attacker account ids start here (far above any simulated voter pool or offset pool)
ACCOUNT_BASE = 1 << 48
_MAX_TRIES = 8  # doublings of the served battles before a target-only budget is unreachable

#: leading columns of :func:`rigging_curve` (the strategy's extras follow)
CURVE_COLUMNS = ["mode", "accuracy", "budget", "replicate", "model", "true_rank", "board_rank",
                 "rank_gain", "score_gain"]


def _check_int(name: str, value, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise ValueError(f"VoteRigging.{name} must be an integer in [{lo}, {hi}], got {value!r}")


def _check_float(name: str, value, lo: float, hi: float, *, allow_inf: bool = False) -> None:
    ok = (not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)
          and not math.isnan(value) and lo <= value <= hi
          and (allow_inf or math.isfinite(value)))
    if not ok:
        raise ValueError(f"VoteRigging.{name} must be a number in [{lo}, {hi}], got {value!r}")


@dataclass(frozen=True)
class Rigged:
    """One rigged arena before publication.

    Attributes
    ----------
    log : ArenaLog
        Honest votes then rigged votes (``honest=False``), over the world's models.
    honest : sealvalid.sim.SimResult
        The honest simulation (its ``voters`` frame gives each honest voter id's kind: the
        honest log's voter ids index it).
    target : str
        The model the attacker plays for.
    extra : dict
        The attacker's figures: ``accounts``, ``attack_cost``, ``battles_served``,
        ``on_target`` (rigged votes in battles that truly held the target), ``misdirected``.
    """

    log: ArenaLog
    honest: object
    target: str
    extra: dict


def _identify(true: np.ndarray, k: int, accuracy: float, rng: np.random.Generator) -> np.ndarray:
    """De-anonymise: the true code with probability ``accuracy``, else a uniform other code."""
    wrong = rng.random(len(true)) >= accuracy
    shift = rng.integers(1, k, len(true)) if k > 1 else np.zeros(len(true), np.int64)
    return np.where(wrong, (true + shift) % k, true).astype(np.intp)


def _information(theta: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fisher information of a Bradley–Terry board (logit scale) from its battles."""
    k = len(theta)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    n = np.bincount(lo * k + hi, minlength=k * k).reshape(k, k).astype(float)
    n = n + n.T
    d = theta[:, None] - theta[None, :]
    w = n / (2.0 + np.exp(d) + np.exp(-d))  # n p (1 - p)
    h = -w
    h[np.diag_indices(k)] = w.sum(axis=1)
    return h


def _omni_sides(theta: np.ndarray, hinv: np.ndarray, t: int, ia: np.ndarray,
                ib: np.ndarray) -> np.ndarray:
    """Side (0: a, 1: b) whose win lowers the target's smooth rank most, per battle.

    ``theta`` in logits; ``ia``, ``ib`` the identified models of the two sides.
    """
    gaps = np.diff(np.sort(theta))
    s = max(0.5 * float(np.median(gaps)) if len(gaps) else 1.0, 1e-3)
    z = (theta - theta[t]) / s
    w = np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))) ** 2  # sigmoid'(z), stable
    w[t] = 0.0
    u = hinv @ w
    c = (u[ia] - u[ib]) - w.sum() * (hinv[t, ia] - hinv[t, ib])
    # dR ∝ (y - p) c for y = 1 if side a wins: a win for a lowers R when c < 0
    return (c >= 0).astype(np.int8)


@register("vote-rigging")
@dataclass(frozen=True, kw_only=True)
class VoteRigging(Strategy):
    """Rig votes for a target model from attacker accounts, within a budget.

    Parameters
    ----------
    mode : {"target-only", "omnipresent"}
        Vote only when the target is believed present (for it), or in every battle served
        (for the target, else the outcome that helps it most); see the module docstring.
    budget : int
        The attacker's effort (in [0, 10**7]), in ``budget_unit``; 0 is the honest arena (the
        baseline).
    accuracy : float
        De-anonymiser accuracy per response, in [0, 1] (1: perfect identification).
    accounts : int
        Attacker accounts the votes are spread over (in [1, 10**7]); more are opened when a
        rate limit (rule ``votes_per_account``) makes the budget need them.
    max_cost : float
        The attacker's spending limit on accounts, in cost units of the ``account_cost`` rule
        (>= 0, ``inf``: no limit); when the accounts the budget needs cost more, it casts only
        the votes of the accounts it can afford.
    model : str, optional
        The target; default: the model of median quality.
    refits : int
        Omnipresent mode: times the attacker refits the board during the attack (in [1, 100]).
    budget_unit : {"battles", "votes"}
        ``"battles"`` (default): the budget counts battles the attacker is served and reads,
        voting or not (Min et al.'s accounting: target-only rigging only votes in the few of
        them that hold the target); ``"votes"``: the budget counts rigged votes cast (the
        attacker is served battles until it has cast them all). The two coincide for
        omnipresent rigging.

    Notes
    -----
    Extras of :meth:`play`: ``accounts`` (accounts used), ``attack_cost`` (accounts times the
    ``account_cost`` rule), ``battles_served``, ``on_target``, ``misdirected``, and the
    screening costs of :meth:`sealvalid.defenses.Safeguards.publish` (``attack_votes`` is the
    number of rigged votes cast).
    """

    mode: str = "omnipresent"
    budget: int = 500
    accuracy: float = 0.95
    accounts: int = 1
    max_cost: float = math.inf
    model: str | None = None
    refits: int = 4
    budget_unit: str = "battles"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"VoteRigging.mode must be one of {list(MODES)}, got {self.mode!r}")
        if self.budget_unit not in BUDGET_UNITS:
            raise ValueError(f"VoteRigging.budget_unit must be one of {list(BUDGET_UNITS)}, got "
                             f"{self.budget_unit!r}")
        _check_int("budget", self.budget, 0, 10**7)
        _check_int("accounts", self.accounts, 1, 10**7)
        _check_int("refits", self.refits, 1, 100)
        _check_float("accuracy", self.accuracy, 0.0, 1.0)
        _check_float("max_cost", self.max_cost, 0.0, math.inf, allow_inf=True)
        if self.model is not None and (not isinstance(self.model, str) or not self.model):
            raise ValueError(f"VoteRigging.model must be a model name or None, got "
                             f"{self.model!r}")

    def _target(self, world) -> str:
        if self.model is None:
            ranked = sorted(world.models, key=lambda m: (m.quality, m.name))
            return ranked[(len(ranked) - 1) // 2].name
        if self.model not in world.model_names:
            raise ValueError(f"VoteRigging.model {self.model!r} is not in the world; models: "
                             f"{list(world.model_names)[:10]}")
        return self.model

    def _limits(self, safeguards: Safeguards) -> tuple[float, float, float]:
        """Accounts the attacker can afford, the votes they may cast, and the account price."""
        cap = float(safeguards.rule("votes_per_account"))
        price = float(safeguards.rule("account_cost"))
        afford = math.inf if price == 0 or math.isinf(self.max_cost) else \
            math.floor(self.max_cost / price)
        max_votes = 0.0 if afford == 0 else afford * cap
        return afford, max_votes, price

    def rig(self, world, n_votes: int, rng=None, *, safeguards: Safeguards | None = None
            ) -> Rigged:
        """Simulate the honest arena and the attack, without publishing.

        Parameters
        ----------
        world : sealvalid.sim.World
            The honest arena (the safeguards' ``world`` hook is applied first).
        n_votes : int
            Concurrent honest votes (>= 1).
        rng
            Anything :func:`numpy.random.default_rng` accepts; three sub-streams are spawned
            (honest votes, served battles, the attacker's coin flips), so the honest votes of a
            replicate do not depend on the attack.
        safeguards : sealvalid.defenses.Safeguards, optional
            Rules obeyed: ``votes_per_account`` and ``account_cost``.

        Returns
        -------
        Rigged
        """
        safeguards = safeguards if safeguards is not None else Safeguards()
        rng = np.random.default_rng(rng)
        world = safeguards.world(world)
        names = tuple(world.model_names)
        target = self._target(world)
        t = names.index(target)
        s_honest, s_served, s_coin = rng.spawn(3)
        honest = simulate(world, n_votes, rng=s_honest)
        hlog = ArenaLog.from_battles(honest.battles, names)
        afford, max_votes, price = self._limits(safeguards)
        extra = {"accounts": 0, "attack_cost": 0.0, "battles_served": 0, "on_target": 0,
                 "misdirected": 0}
        if self.budget == 0 or max_votes == 0:
            return Rigged(log=hlog, honest=honest, target=target, extra=extra)
        if self.mode == "target-only":
            served, sides, n_served = self._target_only(world, hlog, t, max_votes, s_served,
                                                        s_coin)
            misdirected = int(((served.a != t) & (sides == 0)).sum()
                              + ((served.b != t) & (sides == 1)).sum())
        else:
            served, sides, n_served, misdirected = self._omnipresent(
                world, hlog, t, int(min(self.budget, max_votes)), s_served, s_coin)
        votes = len(sides)
        if votes == 0:
            extra["battles_served"] = int(n_served)
            return Rigged(log=hlog, honest=honest, target=target, extra=extra)
        cap = float(safeguards.rule("votes_per_account"))
        n_acc = min(self.accounts, afford)
        if not math.isinf(cap):
            n_acc = max(n_acc, math.ceil(votes / cap))
        n_acc = int(min(n_acc, votes))  # never more accounts than votes
        account = np.arange(votes) % n_acc
        alog = ArenaLog(names=names, a=served.a, b=served.b, winner=sides.astype(np.int8),
                        voter=ACCOUNT_BASE + account.astype(np.int64),
                        honest=np.zeros(votes, bool), day=served.day,
                        style_a=served.style_a, style_b=served.style_b)
        extra.update(accounts=n_acc, attack_cost=n_acc * price, battles_served=int(n_served),
                     on_target=int(((served.a == t) | (served.b == t)).sum()),
                     misdirected=misdirected)
        return Rigged(log=ArenaLog.concat([hlog, alog]), honest=honest, target=target,
                      extra=extra)

    def _served(self, world, n: int, rng: np.random.Generator) -> ArenaLog:
        """``n`` battles served by the world's policy (outcomes to be overwritten)."""
        return ArenaLog.from_battles(simulate(world, n, rng=rng).battles, world.model_names,
                                     honest=False)

    def _target_only(self, world, hlog: ArenaLog, t: int, max_votes: float, rng, coin):
        """Serve battles, vote for the side believed to be the target, skip the rest."""
        k = len(hlog.names)
        acc = float(self.accuracy)
        if self.budget_unit == "battles":
            n_sim, votes, tries = self.budget, max_votes, 1
        else:
            votes = min(self.budget, max_votes)
            share = float(np.mean((hlog.a == t) | (hlog.b == t)))
            wrong = (1.0 - acc) / max(k - 1, 1)
            q = share * (1 - (1 - acc) * (1 - wrong)) + (1 - share) * (1 - (1 - wrong) ** 2)
            n_sim, tries = math.ceil(1.25 * votes / max(q, 1e-6)) + 64, _MAX_TRIES
        streams = rng.spawn(tries)
        coins = coin.spawn(tries)
        for s, c in zip(streams, coins, strict=True):
            served = self._served(world, n_sim, s)
            ia = _identify(served.a, k, acc, c)
            ib = _identify(served.b, k, acc, c)
            believed = np.flatnonzero((ia == t) | (ib == t))
            if len(believed) >= votes or self.budget_unit == "battles":
                rows = believed[:int(min(len(believed), votes))]
                both = (ia[rows] == t) & (ib[rows] == t)
                side = np.where(ia[rows] == t, 0, 1).astype(np.int8)
                side[both] = c.integers(0, 2, int(both.sum()))
                # battles served: all of them, or up to the last vote when the votes ran out
                stopped = len(rows) < len(believed) or self.budget_unit == "votes"
                n_served = int(rows[-1]) + 1 if stopped and len(rows) else n_sim
                return served.subset(rows), side, n_served
            n_sim *= 2
        raise ValueError(f"target {hlog.names[t]!r} was believed present in only "
                         f"{len(believed)} of {n_sim // 2} served battles, fewer than the "
                         f"budget of {votes} votes; the world's sampling policy rarely picks it "
                         f"or the de-anonymiser accuracy ({acc}) is too low")

    def _omnipresent(self, world, hlog: ArenaLog, t: int, votes: int, rng, coin):
        k = len(hlog.names)
        served = self._served(world, votes, rng)
        ia = _identify(served.a, k, float(self.accuracy), coin)
        ib = _identify(served.b, k, float(self.accuracy), coin)
        sides = np.zeros(votes, np.int8)
        edges = np.linspace(0, votes, self.refits + 1).round().astype(int)
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            if hi <= lo:
                continue
            a = np.concatenate([hlog.a, served.a[:lo]])
            b = np.concatenate([hlog.b, served.b[:lo]])
            theta = (fit_codes(hlog.names, a, b, np.concatenate([hlog.winner, sides[:lo]]))
                     .to_numpy(float) - 1000.0) / F
            hinv = np.linalg.pinv(_information(theta, a, b))
            a_, b_ = ia[lo:hi], ib[lo:hi]
            side = _omni_sides(theta, hinv, t, a_, b_)
            side[a_ == t] = 0
            side[b_ == t] = 1
            same = a_ == b_
            if same.any():
                side[same] = coin.integers(0, 2, int(same.sum()))
            sides[lo:hi] = side
        misdirected = int(((ia != served.a) | (ib != served.b)).sum())
        return served, sides, votes, misdirected

    def play(self, world, n_votes: int, rng: np.random.Generator, *,
             safeguards: Safeguards) -> Play:
        """Rig the arena once and publish the board through the safeguards.

        Parameters
        ----------
        world : sealvalid.sim.World
            The honest arena.
        n_votes : int
            Concurrent honest votes.
        rng : numpy.random.Generator
            The replicate's stream.
        safeguards : sealvalid.defenses.Safeguards
            Rules obeyed (``votes_per_account``, ``account_cost``); screens and rating hooks
            act on the published log.

        Returns
        -------
        Play
            The board over the world's models, the target as the gamed model; extras as in the
            class notes.
        """
        rigged = self.rig(world, n_votes, rng, safeguards=safeguards)
        published = safeguards.publish(rigged.log)
        board = published.board
        truth = true_ratings(safeguards.world(world))
        overall = truth[truth["scope"] == "overall"].set_index("model")["true_rating"]
        return Play(board=board, truth=pd.Series(overall.reindex(board.index).to_numpy(),
                                                 index=board.index),
                    gamed=(rigged.target,), extra={**rigged.extra, **published.costs})


def _seed_copy(seq: np.random.SeedSequence) -> np.random.SeedSequence:
    """Return a fresh SeedSequence in the same state (so repeated runs spawn the same streams)."""
    return np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key,
                                  pool_size=seq.pool_size)


def rigging_curve(world, *, budgets, n_votes: int, n_replicates: int, accuracies=(1.0,),
                  modes=MODES, rng=None, defenses=(), **params) -> pd.DataFrame:
    """Rank gained by the target against the rigged-vote budget.

    Every (mode, accuracy, budget) cell is run over the same replicate streams, and so is the
    unrigged baseline (budget 0), so the gain of replicate ``r`` is paired: the honest votes are
    the same with and without the attack.

    Parameters
    ----------
    world : sealvalid.sim.World
        The honest arena.
    budgets : sequence of int
        Rigged-vote budgets (each >= 0).
    n_votes : int
        Concurrent honest votes per replicate.
    n_replicates : int
        Replicates per cell.
    accuracies : sequence of float
        De-anonymiser accuracies.
    modes : sequence of str
        Rigging modes (:data:`MODES`).
    rng
        Anything :func:`numpy.random.default_rng` accepts.
    defenses : Defense, iterable of Defense or Safeguards
        Safeguards in force (the baseline is published under the same safeguards).
    **params
        Other :class:`VoteRigging` parameters (``accounts``, ``model``, ``max_cost``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per cell and replicate for the target: :data:`CURVE_COLUMNS` then the
        strategy's extras. ``rank_gain`` is the baseline board rank minus the rigged board rank
        (positive: places gained); ``score_gain`` the rigged minus the baseline board rating of
        the target, Arena points, both boards centred to mean zero. ``attrs``: ``seed``,
        ``n_votes``, ``n_replicates``, ``params``, ``defenses``.
    """
    clash = sorted(set(params) & {"mode", "accuracy", "budget"})
    if clash:
        raise ValueError(f"rigging_curve sets {clash} itself; pass them as modes=, "
                         "accuracies= and budgets=")
    budgets = [int(b) for b in budgets]
    if not budgets or min(budgets) < 0:
        raise ValueError(f"budgets must be a non-empty sequence of integers >= 0, got {budgets}")
    bad = [m for m in modes if m not in MODES]
    if bad or not len(modes):
        raise ValueError(f"modes must be a non-empty subset of {list(MODES)}, got {list(modes)}")
    root = np.random.default_rng(rng)
    seed = getattr(root.bit_generator.seed_seq, "entropy", None)
    base_seq = root.bit_generator.seed_seq.spawn(1)[0]

    def run(strategy):
        f = run_strategy(world, strategy, n_votes=n_votes, n_replicates=n_replicates,
                         rng=np.random.default_rng(_seed_copy(base_seq)), defenses=defenses)
        return f.loc[f["gamed"]].set_index("replicate")

    base = run(VoteRigging(budget=0, mode=MODES[0], **params))
    frames = []
    for mode in modes:
        for acc in accuracies:
            for budget in budgets:
                if budget == 0:
                    f = base
                else:
                    f = run(VoteRigging(mode=mode, accuracy=float(acc), budget=budget, **params))
                out = pd.DataFrame({
                    "mode": mode, "accuracy": float(acc), "budget": budget,
                    "replicate": f.index.to_numpy(), "model": f["model"].to_numpy(),
                    "true_rank": f["true_rank"].to_numpy(),
                    "board_rank": f["board_rank"].to_numpy(),
                    "rank_gain": (base["board_rank"] - f["board_rank"]).to_numpy(),
                    "score_gain": (f["score_shift"] - base["score_shift"]).to_numpy()})
                extras = [c for c in f.columns if c not in out.columns and c not in (
                    "strategy", "rank_shift", "score_shift", "gamed", "goodhart_gap")]
                for c in extras:
                    out[c] = f[c].to_numpy()
                frames.append(out)
    curve = pd.concat(frames, ignore_index=True)
    guards = defenses if isinstance(defenses, Safeguards) else Safeguards(defenses)
    curve.attrs = {"seed": seed, "n_votes": int(n_votes), "n_replicates": int(n_replicates),
                   "params": dict(params),
                   "defenses": {d.name: d.params() for d in guards.defenses}}
    return curve


def votes_for_rank(curve: pd.DataFrame, *, gain: float = 1.0) -> pd.DataFrame:
    """Rigged votes needed for a mean rank gain of ``gain``, per mode and accuracy.

    The mean rank gain over replicates is interpolated linearly between the budgets of the
    curve; the answer is the first budget at which it reaches ``gain``.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`rigging_curve`.
    gain : float
        Places gained (> 0).

    Returns
    -------
    pandas.DataFrame
        ``mode``, ``accuracy``, ``votes`` (NaN when the largest budget falls short),
        ``votes_per_rank`` (the largest budget divided by the mean gain it bought; NaN when
        nothing was gained), ``max_budget``, ``max_gain``.
    """
    if not gain > 0:
        raise ValueError(f"gain must be > 0, got {gain!r}")
    rows = []
    for (mode, acc), part in curve.groupby(["mode", "accuracy"], sort=False):
        m = part.groupby("budget")["rank_gain"].mean().sort_index()
        b, g = m.index.to_numpy(float), m.to_numpy(float)
        votes = math.nan
        hit = np.flatnonzero(g >= gain)
        if len(hit):
            h = hit[0]
            if h == 0:
                votes = b[0]
            else:
                votes = b[h - 1] + (gain - g[h - 1]) * (b[h] - b[h - 1]) / (g[h] - g[h - 1])
        rows.append({"mode": mode, "accuracy": acc, "votes": votes,
                     "votes_per_rank": b[-1] / g[-1] if g[-1] > 0 else math.nan,
                     "max_budget": b[-1], "max_gain": g[-1]})
    return pd.DataFrame(rows)
