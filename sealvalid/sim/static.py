"""The static-holdout benchmark world.

Items with true labels, agents with true capability, graders that may be flawed, and a
public / private split.

Two uses, on one item set:

* **label benchmarks** (the Ladder's setting, Blum & Hardt, arXiv 1502.04585): each item has a
  true label among ``n_classes``; a submission is a vector of predicted labels scored by its
  accuracy on the public split (what the leaderboard shows) and on the private split (or on fresh
  items: what it is worth). :class:`Holdout` is the scorer an attack queries and a defense wraps.
* **agentic tasks with graders** (the agentic-benchmark checklist, arXiv 2507.02825): each item
  is a task an agent solves with probability given by an item-response model; the grader of a
  *flawed* item accepts non-solutions with probability ``false_accept`` (and an agent that
  exploits such flaws gets through), and rejects correct solutions with probability
  ``false_reject``. The reported score is the pass rate; the true score is the solve rate.

Item-response model: item difficulty ``d ~ N(0, difficulty_sd^2)``; an agent of ability ``a``
solves (or labels correctly) with probability ``c + (1 - c) * sigmoid(discrimination * (a - d))``
where ``c = 1 / n_classes`` for labels (a guess can be right) and ``c = guess`` for tasks. An
agent's *true score* is that probability averaged over the item distribution (Gauss–Hermite,
exact to rounding): the accuracy it would have on infinitely many fresh items.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sealvalid.sim.world import _num, _unique

__all__ = [
    "Agent",
    "Grader",
    "StaticWorld",
    "Holdout",
    "StaticResult",
    "draw_holdout",
    "predict_labels",
    "attempt_tasks",
    "run_static",
    "static_truth",
    "static_preset",
    "STATIC_PRESETS",
    "STATIC_SCORE_COLUMNS",
]

#: columns of :attr:`StaticResult.scores`
STATIC_SCORE_COLUMNS = ["agent", "split", "n_items", "reported_score", "solved_score",
                        "true_score", "true_rank", "reported_rank"]


@dataclass(frozen=True, kw_only=True)
class Agent:
    """A model (agent) on a static benchmark.

    Parameters
    ----------
    name : str
    ability : float
        Ability on the item-response (logit) scale.
    exploit : float
        Probability, on a task it fails, of submitting an exploit of a grader flaw (in [0, 1]).
    """

    name: str
    ability: float = 0.0
    exploit: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"Agent.name must be a non-empty string, got {self.name!r}")
        _num(f"Agent({self.name!r})", "ability", self.ability, -20, 20)
        _num(f"Agent({self.name!r})", "exploit", self.exploit, 0, 1)


@dataclass(frozen=True, kw_only=True)
class Grader:
    """How the benchmark grades tasks.

    Parameters
    ----------
    flawed_share : float
        Share of items whose grader is flawed, in [0, 1].
    false_accept : float
        On a flawed item, probability that a non-solution passes anyway (e.g. an empty patch
        that passes weak tests), in [0, 1]; a deliberate exploit always passes.
    false_reject : float
        On a flawed item, probability that a correct solution is rejected, in [0, 1].
    """

    flawed_share: float = 0.0
    false_accept: float = 0.0
    false_reject: float = 0.0

    def __post_init__(self) -> None:
        for name in ("flawed_share", "false_accept", "false_reject"):
            _num("Grader", name, getattr(self, name), 0, 1)


@dataclass(frozen=True, kw_only=True)
class StaticWorld:
    """A static benchmark: items, agents, grader, split.

    Parameters
    ----------
    agents : tuple of Agent
        At least one, unique names.
    n_items : int
        Test items (>= 2).
    n_classes : int
        Labels per item (>= 2); chance accuracy of label predictions is ``1 / n_classes``.
    guess : float
        Probability that a task is solved by luck, in [0, 1) (tasks only).
    public_fraction : float
        Share of items in the public split, in (0, 1).
    difficulty_sd : float
        Sd of item difficulty (>= 0).
    discrimination : float
        Item-response slope (> 0).
    grader : Grader
    name : str
    """

    agents: tuple[Agent, ...]
    n_items: int = 4000
    n_classes: int = 2
    guess: float = 0.0
    public_fraction: float = 0.5
    difficulty_sd: float = 1.0
    discrimination: float = 1.0
    grader: Grader = field(default_factory=Grader)
    name: str = "custom"

    def __post_init__(self) -> None:
        o = "StaticWorld"
        agents = tuple(self.agents)
        if not agents:
            raise ValueError(f"{o}.agents needs at least one Agent")
        for ag in agents:
            if not isinstance(ag, Agent):
                raise ValueError(f"{o}.agents must hold Agent objects, got {ag!r}")
        _unique(o, "agents (names)", [ag.name for ag in agents])
        object.__setattr__(self, "agents", agents)
        _num(o, "n_items", self.n_items, 2, 10**8, integer=True)
        _num(o, "n_classes", self.n_classes, 2, 10**6, integer=True)
        _num(o, "guess", self.guess, 0, 1, hi_open=True)
        _num(o, "public_fraction", self.public_fraction, 0, 1, lo_open=True, hi_open=True)
        _num(o, "difficulty_sd", self.difficulty_sd, 0, 20)
        _num(o, "discrimination", self.discrimination, 0, 20, lo_open=True)
        if not isinstance(self.grader, Grader):
            raise ValueError(f"{o}.grader must be a Grader, got {self.grader!r}")

    def agent(self, name: str) -> Agent:
        """Return the agent of that name."""
        for ag in self.agents:
            if ag.name == name:
                return ag
        raise ValueError(f"agent {name!r} is not in the world; agents: "
                         f"{[a.name for a in self.agents][:10]}")


def _p_solve(world: StaticWorld, ability, difficulty, floor: float) -> np.ndarray:
    z = world.discrimination * (np.asarray(ability)[..., None] - np.asarray(difficulty))
    return floor + (1.0 - floor) / (1.0 + np.exp(-z))


def static_truth(world: StaticWorld, *, kind: str = "labels") -> pd.DataFrame:
    """Compute each agent's true score.

    The expected accuracy (labels) or solve rate (tasks) on the item distribution.

    Parameters
    ----------
    world : StaticWorld
    kind : {"labels", "tasks"}

    Returns
    -------
    pandas.DataFrame
        ``agent``, ``true_score``, ``true_rank`` (1 = best).
    """
    if kind not in ("labels", "tasks"):
        raise ValueError(f"kind={kind!r} unknown; allowed: ['labels', 'tasks']")
    floor = 1.0 / world.n_classes if kind == "labels" else world.guess
    x, w = np.polynomial.hermite_e.hermegauss(64)
    w = w / w.sum()
    ability = np.array([a.ability for a in world.agents])
    score = (_p_solve(world, ability, world.difficulty_sd * x, floor) * w).sum(axis=-1)
    out = pd.DataFrame({"agent": pd.Series([a.name for a in world.agents], dtype="str"),
                        "true_score": score})
    out["true_rank"] = out["true_score"].rank(ascending=False, method="min").astype(np.int64)
    return out


@dataclass(frozen=True)
class Holdout:
    """A drawn item set with hidden labels and a public / private split.

    Attributes
    ----------
    labels : ndarray of int
        True label per item.
    difficulty : ndarray of float
    public : ndarray of bool
        Item is in the public split.
    flawed : ndarray of bool
        Item's grader is flawed.
    n_classes : int
    """

    labels: np.ndarray
    difficulty: np.ndarray
    public: np.ndarray
    flawed: np.ndarray
    n_classes: int

    def __len__(self) -> int:
        return len(self.labels)

    def split_mask(self, split: str) -> np.ndarray:
        """Items of ``"public"``, ``"private"`` or ``"all"``."""
        if split == "public":
            return self.public
        if split == "private":
            return ~self.public
        if split == "all":
            return np.ones(len(self), dtype=bool)
        raise ValueError(f"split={split!r} unknown; allowed: ['public', 'private', 'all']")

    def score(self, predictions, split: str = "public") -> np.ndarray | float:
        """Accuracy of label predictions on a split.

        Parameters
        ----------
        predictions : array of int, shape (n_items,) or (n_submissions, n_items)
            Predicted labels.
        split : {"public", "private", "all"}

        Returns
        -------
        float or ndarray
            Accuracy per submission.
        """
        pred = np.asarray(predictions)
        if pred.shape[-1] != len(self):
            raise ValueError(f"predictions have {pred.shape[-1]} labels per submission; the "
                             f"holdout has {len(self)} items")
        m = self.split_mask(split)
        acc = (pred[..., m] == self.labels[m]).mean(axis=-1)
        return float(acc) if np.ndim(acc) == 0 else acc


def draw_holdout(world: StaticWorld, *, rng=None, n_items: int | None = None) -> Holdout:
    """Draw a test set: labels (uniform over classes), difficulties, split and grader flaws.

    Parameters
    ----------
    world : StaticWorld
    rng
        Anything :func:`numpy.random.default_rng` accepts.
    n_items : int, optional
        Override ``world.n_items`` (e.g. a fresh test set of another size).
    """
    rng = np.random.default_rng(rng)
    n = world.n_items if n_items is None else n_items
    _num("draw_holdout", "n_items", n, 1, 10**8, integer=True)
    labels = rng.integers(0, world.n_classes, n)
    difficulty = rng.normal(0.0, world.difficulty_sd, n) if world.difficulty_sd > 0 \
        else np.zeros(n)
    n_pub = int(round(world.public_fraction * n))
    public = np.zeros(n, dtype=bool)
    public[rng.permutation(n)[:n_pub]] = True
    flawed = rng.random(n) < world.grader.flawed_share
    return Holdout(labels=labels, difficulty=difficulty, public=public, flawed=flawed,
                   n_classes=world.n_classes)


def predict_labels(world: StaticWorld, holdout: Holdout, agents=None, *, rng=None) -> np.ndarray:
    """Predict labels for agents.

    Right with the item-response probability, otherwise a uniformly drawn wrong label.

    Returns
    -------
    ndarray of int, shape (n_agents, n_items)
    """
    rng = np.random.default_rng(rng)
    agents = world.agents if agents is None else tuple(agents)
    ability = np.array([a.ability for a in agents])
    # P(correct) = 1/C + (1 - 1/C) sigmoid: a wrong "knowledge" draw still guesses at random
    p = _p_solve(world, ability, holdout.difficulty, 1.0 / world.n_classes)
    right = rng.random(p.shape) < p
    wrong = (holdout.labels + rng.integers(1, world.n_classes, p.shape)) % world.n_classes
    return np.where(right, holdout.labels, wrong)


def attempt_tasks(world: StaticWorld, holdout: Holdout, agents=None, *,
                  rng=None) -> pd.DataFrame:
    """Agents attempt every task; the grader decides what passes.

    Returns
    -------
    pandas.DataFrame
        One row per (agent, item): ``agent``, ``item``, ``split``, ``flawed``, ``solved`` (the
        truth), ``exploited`` (an exploit was submitted), ``passed`` (the grader's verdict).
    """
    rng = np.random.default_rng(rng)
    agents = world.agents if agents is None else tuple(agents)
    g = world.grader
    ability = np.array([a.ability for a in agents])
    p = _p_solve(world, ability, holdout.difficulty, world.guess)
    solved = rng.random(p.shape) < p
    u = rng.random((3, *p.shape))
    flawed = holdout.flawed[None, :]
    exploit_p = np.array([a.exploit for a in agents])[:, None]
    exploited = ~solved & flawed & (u[0] < exploit_p)
    lucky = ~solved & flawed & (u[1] < g.false_accept)
    rejected = solved & flawed & (u[2] < g.false_reject)
    passed = (solved & ~rejected) | exploited | lucky
    n_ag, n_it = p.shape
    return pd.DataFrame({
        "agent": pd.Series(np.repeat([a.name for a in agents], n_it), dtype="str"),
        "item": np.tile(np.arange(n_it), n_ag),
        "split": pd.Categorical(np.tile(np.where(holdout.public, "public", "private"), n_ag),
                                categories=["public", "private"]),
        "flawed": np.tile(holdout.flawed, n_ag),
        "solved": solved.ravel(),
        "exploited": exploited.ravel(),
        "passed": passed.ravel(),
    })


@dataclass(frozen=True)
class StaticResult:
    """Result of :func:`run_static`.

    Attributes
    ----------
    holdout : Holdout
    attempts : pandas.DataFrame
        :func:`attempt_tasks` output.
    scores : pandas.DataFrame
        :data:`STATIC_SCORE_COLUMNS`, one row per (agent, split): ``reported_score`` (pass rate,
        what the leaderboard shows), ``solved_score`` (solve rate on those items),
        ``true_score`` (expected solve rate), their ranks.
    truth : pandas.DataFrame
        :func:`static_truth` (tasks).
    """

    holdout: Holdout
    attempts: pd.DataFrame
    scores: pd.DataFrame
    truth: pd.DataFrame


def run_static(world: StaticWorld, *, rng=None) -> StaticResult:
    """Draw a task set, let every agent attempt it, and score public and private splits.

    Parameters
    ----------
    world : StaticWorld
    rng
        Anything :func:`numpy.random.default_rng` accepts.

    Returns
    -------
    StaticResult
    """
    rng = np.random.default_rng(rng)
    s_hold, s_att = rng.spawn(2)
    holdout = draw_holdout(world, rng=s_hold)
    att = attempt_tasks(world, holdout, rng=s_att)
    truth = static_truth(world, kind="tasks")
    grp = att.groupby(["agent", "split"], observed=True, sort=False)
    scores = grp.agg(n_items=("item", "size"), reported_score=("passed", "mean"),
                     solved_score=("solved", "mean")).reset_index()
    scores["split"] = scores["split"].astype("str")
    scores = scores.merge(truth, on="agent", how="left")
    scores["reported_rank"] = (scores.groupby("split")["reported_score"]
                               .rank(ascending=False, method="min").astype(np.int64))
    scores = scores[STATIC_SCORE_COLUMNS].sort_values(["split", "reported_rank", "agent"],
                                                      kind="stable").reset_index(drop=True)
    return StaticResult(holdout=holdout, attempts=att, scores=scores, truth=truth)


# ---------------------------------------------------------------------------------- presets
def _ladder(rng) -> StaticWorld:
    ability = np.sort(rng.normal(0.0, 0.8, 10))[::-1]
    return StaticWorld(name="ladder", n_items=4000, n_classes=2, public_fraction=0.5,
                       agents=tuple(Agent(name=f"agent-{k:02d}", ability=float(a))
                                    for k, a in enumerate(ability)))


def _flawed_agentic(rng) -> StaticWorld:
    ability = rng.normal(-0.5, 1.0, 12)
    exploit = np.where(np.arange(12) % 3 == 0, 0.8, 0.0)  # every third agent games the grader
    return StaticWorld(
        name="flawed-agentic", n_items=500, guess=0.0, public_fraction=0.5,
        difficulty_sd=1.2, grader=Grader(flawed_share=0.15, false_accept=0.1,
                                         false_reject=0.05),
        agents=tuple(Agent(name=f"agent-{k:02d}", ability=float(a), exploit=float(e))
                     for k, (a, e) in enumerate(zip(ability, exploit, strict=True))))


#: static preset name -> builder ``f(rng) -> StaticWorld``
STATIC_PRESETS = {"ladder": _ladder, "flawed-agentic": _flawed_agentic}


def static_preset(name: str, *, rng=None) -> StaticWorld:
    """Build a named static world.

    ``"ladder"``: 4,000 binary labels, half public, 10 agents; ``"flawed-agentic"``: 500 tasks,
    15 % flawed graders, every third agent exploits them. ``rng`` draws the agents (default: a
    fixed seed, so a preset names one world).
    """
    if name not in STATIC_PRESETS:
        raise ValueError(f"static preset {name!r} unknown; allowed: {sorted(STATIC_PRESETS)}")
    return STATIC_PRESETS[name](np.random.default_rng(20250902 if rng is None else rng))

