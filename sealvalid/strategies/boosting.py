"""The boosting attack: adaptive overfitting to a static holdout leaderboard.

Source: Blum & Hardt, *The Ladder: A Reliable Leaderboard for Machine Learning Competitions*
(ICML 2015, arXiv 1502.04585; code mrtzh/Ladder.jl), section "boosting attack". A leaderboard
scores every submission on a fixed holdout of ``n`` labelled items and shows the score. An
attacker with no knowledge of the task submits ``k`` uniformly random label vectors, keeps those
that score above chance, and submits their per-item majority (plurality) vote. Each kept vector
agrees with the holdout labels slightly more than chance, so the vote does too: the reported
accuracy climbs with ``k`` while the accuracy on fresh items stays exactly at chance.

Their figure (``n = 4000``, ``k`` up to 400, mean of 5 runs, binary labels; the curves are in
Ladder.jl's ``csvs/kaggleboosting-4000-400-5-{highacc,lowacc}.csv``, losses, here turned into
accuracies): at ``k = 400`` the exact (Kaggle) mechanism reported 0.573 (0.549 in the
``lowacc`` run), the parameter-free Ladder 0.516 (0.512), fresh data 0.50. Measured here with
the same ``n`` and ``k`` (100 replicates): 0.572 reported, 0.500 on fresh (private) items.

Model and theory (binary labels). A random vector's holdout accuracy is ``1/2 + σ Z`` with
``σ = 1 / (2 sqrt(n))``; kept ones (``Z > 0``, about ``k / 2`` of them) agree with each label
with probability ``1/2 + δ``, ``δ = σ sqrt(2 / π)``, independently across vectors, so the
majority of ``m = k / 2`` of them is right with probability about
``Φ(2 δ sqrt(m)) = Φ(sqrt(k / (π n)))`` ≈ ``1/2 + sqrt(k / n) / (π sqrt 2)``
(:func:`boosting_accuracy`): 0.571 for ``n = 4000, k = 400``, the ``O(sqrt(k / n))`` bias of the
paper's theorem. On fresh (or private) items the vote is independent of the labels: accuracy
``1 / n_classes`` exactly.

The attacker plays alongside the honest agents of a :class:`sealvalid.sim.StaticWorld`, each of
which submits ``honest_rounds`` models of improving ability (the last is its true ability), so
the board ranks the attacker among real models. The leaderboard scores the world's public split;
a team's entry is its best shown score. Safeguards obeyed: ``safeguards.world(world)`` and
``safeguards.holdout(world)``, the reporting mechanism (``None``: :class:`ExactBoard`, exact
accuracy; :class:`sealvalid.defenses.ladder.Ladder`: released only on improvement). The attacker
knows the mechanism's rule: it keeps a query when its reply was a *newly released* score above
chance (with exact reporting every reply is new).

Assumptions: labels uniform over classes (the world's holdout), random queries independent of
everything, the attacker's final submission is one more query, honest agents do not adapt to
the board beyond keeping their best score.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sealvalid.defenses.base import Safeguards
from sealvalid.sim.static import StaticWorld, draw_holdout, predict_labels, static_truth
from sealvalid.strategies.base import Play, Strategy, register, run_strategy

__all__ = [
    "ATTACKER",
    "CURVE_COLUMNS",
    "BoostingAttack",
    "ExactBoard",
    "boosting_accuracy",
    "boosting_curve",
    "defenses_label",
]

#: the attacker's name on the board
ATTACKER = "boosting-attacker"
#: columns of :func:`boosting_curve`
CURVE_COLUMNS = ["defenses", "n_queries", "replicate", "reported", "public", "private", "fresh",
                 "n_selected"]


class ExactBoard:
    """The undefended reporting mechanism: every submission's exact score is shown.

    A team's leaderboard entry is its best score so far (Kaggle's public leaderboard). Same
    protocol as :class:`sealvalid.defenses.ladder.LadderBoard`.
    """

    def __init__(self) -> None:
        self._best: dict[str, float] = {}
        self._n: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"ExactBoard(teams={len(self._n)})"

    def submit(self, team: str, correct) -> float:
        """Score one submission (per-item scores in [0, 1]) and return its exact mean."""
        x = np.asarray(correct, dtype=float)
        if x.ndim != 1 or len(x) == 0:
            raise ValueError(f"ExactBoard.submit needs a 1-d array of per-item scores, got "
                             f"shape {x.shape}")
        score = float(x.mean())
        self._best[team] = max(score, self._best.get(team, -math.inf))
        self._n[team] = self._n.get(team, 0) + 1
        return score

    def score(self, team: str) -> float:
        """Return the team's best score so far (NaN before any submission)."""
        return self._best.get(team, math.nan)

    def releases(self, team: str) -> int:
        """Submissions that produced a score shown (all of them)."""
        return self._n.get(team, 0)

    def submissions(self, team: str) -> int:
        """Submissions made."""
        return self._n.get(team, 0)


def boosting_accuracy(n: int, k: int) -> float:
    """Return the expected holdout accuracy of the boosting attack on binary labels.

    Normal approximation; see Notes.

    Parameters
    ----------
    n : int
        Holdout items the leaderboard scores (>= 1).
    k : int
        Random queries (>= 0).

    Returns
    -------
    float
        ``Φ(sqrt(k / (π n)))``; fresh-data accuracy is 0.5 whatever ``k``.

    Notes
    -----
    See the module docstring. The approximation ignores exact ties at 1/2 among the queries
    (probability about ``0.8 / sqrt(n)``), which keep slightly fewer than ``k / 2`` of them.
    """
    for label, v, lo in (("n", n, 1), ("k", k, 0)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
            raise ValueError(f"boosting_accuracy: {label} must be an integer >= {lo}, got {v!r}")
    return float(stats.norm.cdf(math.sqrt(k / (math.pi * n))))


def _check_int(name: str, value, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise ValueError(f"BoostingAttack.{name} must be an integer in [{lo}, {hi}], "
                         f"got {value!r}")


def _plurality(votes: np.ndarray, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Per-column plurality label of ``votes`` (queries × items), ties broken at random."""
    counts = np.stack([(votes == c).sum(axis=0) for c in range(n_classes)]).astype(float)
    counts += 0.5 * rng.random(counts.shape)  # < 1: breaks ties only
    return counts.argmax(axis=0)


def _reporter(safeguards: Safeguards, world):
    board = safeguards.holdout(world)
    return ExactBoard() if board is None else board


@register("boosting-attack")
@dataclass(frozen=True, kw_only=True)
class BoostingAttack(Strategy):
    """Submit ``n_queries`` random label vectors, then the plurality vote of those above chance.

    Parameters
    ----------
    n_queries : int
        Random queries ``k`` before the final submission, in [0, 100000]; ``0``: no attacker
        (the honest world, on which a defense's cost to honest agents is measured).
    honest_rounds : int
        Submissions per honest agent, in [1, 100]: models of ability ``a - honest_step * j``,
        ``j = rounds - 1, ..., 0`` (the last is the agent's own ability ``a``).
    honest_step : float
        Ability gained per honest round, logits, in [0, 5].

    Notes
    -----
    ``Play.board``: each team's leaderboard entry (best shown score on the public split);
    ``Play.truth``: true (fresh-data) accuracy, ``1 / n_classes`` for the attacker. Extras:
    ``n_public`` (items scored), ``n_queries``, ``n_selected`` (queries kept), ``releases``
    (scores shown to the attacker), ``attack_public`` (exact public accuracy of the final
    vote), ``attack_private`` (its accuracy on the private split: fresh data),
    ``attack_fresh`` (its true accuracy, ``1 / n_classes``), and the honest agents' cost of the
    mechanism: ``honest_mae`` (mean absolute error of their entries against their true
    accuracy), ``honest_unreleased`` (share of their improved later-round models whose score was
    never shown). Without an attacker (``n_queries=0``) the attack extras are NaN and nothing is
    gamed.
    """

    setting = "static"

    n_queries: int = 400
    honest_rounds: int = 3
    honest_step: float = 0.1

    def __post_init__(self) -> None:
        _check_int("n_queries", self.n_queries, 0, 100_000)
        _check_int("honest_rounds", self.honest_rounds, 1, 100)
        s = self.honest_step
        if (isinstance(s, bool) or not isinstance(s, int | float | np.integer | np.floating)
                or not 0 <= s <= 5):
            raise ValueError(f"BoostingAttack.honest_step must be a number in [0, 5], got {s!r}")

    def play(self, world: StaticWorld, n_votes: None, rng: np.random.Generator, *,
             safeguards: Safeguards) -> Play:
        """Run the attack once alongside the world's honest agents.

        Parameters
        ----------
        world : sealvalid.sim.StaticWorld
            The benchmark (labels; its public split is the leaderboard's holdout).
        n_votes : None
            Unused (static benchmark).
        rng : numpy.random.Generator
            The replicate's stream.
        safeguards : sealvalid.defenses.Safeguards
            ``world`` and ``holdout`` hooks obeyed.

        Returns
        -------
        Play
        """
        if not isinstance(world, StaticWorld):
            raise ValueError(f"BoostingAttack plays on a StaticWorld, got {type(world).__name__}")
        world = safeguards.world(world)
        names = [a.name for a in world.agents]
        if ATTACKER in names:
            raise ValueError(f"the world already has an agent named {ATTACKER!r}")
        s_hold, s_honest, s_attack, s_tie = rng.spawn(4)
        hold = draw_holdout(world, rng=s_hold)
        pub = hold.public
        labels = hold.labels
        board = _reporter(safeguards, world)

        # honest agents: improving models, each submitted once
        unreleased = 0
        for j, s in enumerate(s_honest.spawn(self.honest_rounds)):
            lag = self.honest_step * (self.honest_rounds - 1 - j)
            agents = [dataclasses.replace(a, ability=a.ability - lag) for a in world.agents]
            pred = predict_labels(world, hold, agents, rng=s)
            for name, p in zip(names, pred, strict=True):
                before = board.releases(name)
                board.submit(name, p[pub] == labels[pub])
                if j > 0 and board.releases(name) == before:
                    unreleased += 1

        # the attacker (none when n_queries = 0: the honest world)
        chance = 1.0 / world.n_classes
        truth = static_truth(world, kind="labels").set_index("agent")["true_score"]
        truth = truth.reindex(names)
        attack = {"n_selected": 0, "releases": 0, "attack_public": math.nan,
                  "attack_private": math.nan, "attack_fresh": math.nan}
        if self.n_queries:
            final, keep = self._attack(world, hold, board, s_attack, s_tie)
            truth = pd.concat([truth, pd.Series({ATTACKER: chance})])
            attack = {"n_selected": int(keep.sum()), "releases": int(board.releases(ATTACKER)),
                      "attack_public": float(hold.score(final, "public")),
                      "attack_private": float(hold.score(final, "private")),
                      "attack_fresh": chance}
        entries = pd.Series([board.score(m) for m in truth.index], index=truth.index,
                            dtype=float)
        honest_err = (entries[names] - truth[names]).abs()
        later = len(names) * (self.honest_rounds - 1)
        extra = {
            "n_public": int(pub.sum()),
            "n_queries": int(self.n_queries),
            **attack,
            "honest_mae": float(honest_err.mean()),
            "honest_unreleased": unreleased / later if later else 0.0,
        }
        gamed = (ATTACKER,) if self.n_queries else ()
        return Play(board=entries, truth=truth, gamed=gamed, centre=False, extra=extra)

    def _attack(self, world, hold, board, rng: np.random.Generator,
                rng_tie: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Submit the random queries and the final vote; return the vote and the kept mask.

        A query is kept when its reply was a newly released score above chance.
        """
        pub, labels = hold.public, hold.labels
        chance = 1.0 / world.n_classes
        dtype = np.int8 if world.n_classes <= 127 else np.int64
        queries = rng.integers(0, world.n_classes, (self.n_queries, len(hold)), dtype=dtype)
        right = queries[:, pub] == labels[pub]
        keep = np.zeros(self.n_queries, dtype=bool)
        for i in range(self.n_queries):
            before = board.releases(ATTACKER)
            shown = board.submit(ATTACKER, right[i])
            keep[i] = board.releases(ATTACKER) > before and shown > chance
        final = (_plurality(queries[keep], world.n_classes, rng_tie) if keep.any()
                 else queries[0].astype(np.int64))
        board.submit(ATTACKER, final[pub] == labels[pub])
        return final, keep


def defenses_label(guards: Safeguards) -> str:
    """Return a label for a set of safeguards: names with their parameters, or ``"none"``.

    Parameters
    ----------
    guards : sealvalid.defenses.Safeguards

    Returns
    -------
    str
        E.g. ``"ladder(eta=0.01, adaptive=False)"``; defenses joined by ``" + "``.
    """
    parts = []
    for d in guards.defenses:
        params = ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}"
                           for k, v in d.params().items())
        parts.append(f"{d.name}({params})" if params else d.name)
    return " + ".join(parts) or "none"


def _clone(seq: np.random.SeedSequence) -> np.random.SeedSequence:
    """Return a fresh copy of a seed sequence (same children when spawned again)."""
    return copy.deepcopy(seq)


def boosting_curve(world: StaticWorld, *, queries=tuple(range(50, 401, 50)), n_replicates: int,
                   rng=None, defenses=(), honest_rounds: int = 1,
                   label: str | None = None) -> pd.DataFrame:
    """Measure the boosting attacker's reported and fresh accuracy as queries grow.

    Parameters
    ----------
    world : sealvalid.sim.StaticWorld
    queries : sequence of int
        Numbers of queries ``k`` (each a separate attack, as in Blum & Hardt's figure).
    n_replicates : int
        Replicates per ``k``.
    rng
        Anything :func:`numpy.random.default_rng` accepts. Every ``k`` reuses the same
        replicate streams (common random numbers: the same holdouts), so the curve is smooth in
        ``k``; pass the same integer seed with and without a defense to compare them on the same
        holdouts.
    defenses : Defense, iterable of Defense or Safeguards
        Safeguards in force (e.g. ``Ladder()``).
    honest_rounds : int
        Passed to :class:`BoostingAttack`.
    label : str, optional
        The ``defenses`` column (default: :func:`defenses_label`).

    Returns
    -------
    pandas.DataFrame
        :data:`CURVE_COLUMNS`, one row per ``k`` and replicate: ``defenses`` (the label),
        ``reported`` (the attacker's leaderboard entry), ``public`` (exact public accuracy of
        its final vote), ``private`` (on the private split), ``fresh`` (true accuracy),
        ``n_selected``. ``attrs``: ``n_public``, ``n_classes``, ``seed``.
    """
    guards = defenses if isinstance(defenses, Safeguards) else Safeguards(defenses)
    ks = [int(k) for k in queries]
    if not ks:
        raise ValueError("boosting_curve needs at least one number of queries")
    root = np.random.default_rng(rng)
    seq = root.spawn(1)[0].bit_generator.seed_seq
    frames = []
    for k in ks:
        f = run_strategy(world, BoostingAttack(n_queries=k, honest_rounds=honest_rounds),
                         n_replicates=n_replicates, rng=_clone(seq), defenses=guards)
        g = f[f["gamed"]]
        frames.append(pd.DataFrame({
            "defenses": defenses_label(guards) if label is None else str(label),
            "n_queries": k,
            "replicate": g["replicate"].to_numpy(),
            "reported": (g["attack_fresh"] + g["score_shift"]).to_numpy(),
            "public": g["attack_public"].to_numpy(),
            "private": g["attack_private"].to_numpy(),
            "fresh": g["attack_fresh"].to_numpy(),
            "n_selected": g["n_selected"].to_numpy(),
        }))
        n_public = int(g["n_public"].iloc[0])
    out = pd.concat(frames, ignore_index=True)[CURVE_COLUMNS]
    out.attrs = {"n_public": n_public, "n_classes": int(world.n_classes),
                 "seed": getattr(root.bit_generator.seed_seq, "entropy", None)}
    return out
