"""Flawed benchmark tasks: agents that exploit weak graders score without the capability.

Source: Zhu et al., *Establishing Best Practices for Building Rigorous Agentic Benchmarks*
(arXiv 2507.02825). Many agentic benchmarks have task-setup or grading flaws — SWE-bench
Verified's insufficient tests, τ-bench counting empty responses as successes — that let an agent
pass without solving; the study finds agents' performance under- or overestimated by up to 100%
in relative terms. Corrected tests reorder leaderboards (UTBoost, arXiv 2506.09289).

Model (:mod:`sealvalid.sim.static`, agentic tasks): a share ``s`` of tasks have flawed graders.
An agent solves a task with its item-response probability; on a flawed task a non-solution
passes when the agent submits an exploit (probability ``e``, its propensity to game) or by luck
(the grader's ``false_accept``, ``a``), and a correct solution is rejected with probability
``false_reject`` (``r``). Flaws are independent of difficulty, so an agent with true solve rate
``t`` has expected pass rate (:func:`expected_pass_rate`)

``t (1 - s r) + (1 - t) s (1 - (1 - e)(1 - a))``,

and its relative mis-estimation ``(pass - t) / t`` is largest for weak agents that exploit: at
``s = 0.15, e = 0.8`` (and the preset's ``false_accept = 0.1``, ``false_reject = 0.05``) an
agent solving 13% of tasks is overstated by about 80%; at ``s = 0.2, e = 1`` by about 130%.

The strategy sets the grader's flawed share ``s`` and the propensity ``e`` of the agents the
world marks as exploiters (``Agent.exploit > 0``; every third agent in
``static_preset("flawed-agentic")``), then lets every agent attempt the tasks once; the
leaderboard shows each agent's pass rate on the public split. Safeguards obeyed:
``safeguards.world(world)`` (e.g. :class:`sealvalid.defenses.task_audit.TaskAudit`, which fixes
graders) and ``safeguards.holdout(world)`` (the reporting mechanism; ``None`` reports the exact
pass rate).

Assumptions: an exploit always passes a flawed grader and never a sound one; agents do not know
which graders are flawed (they try on every failed task with probability ``e``); grader flaws do
not depend on the agent.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sealvalid.defenses.base import Safeguards
from sealvalid.sim.static import StaticWorld, attempt_tasks, draw_holdout, static_truth
from sealvalid.strategies.base import Play, Strategy, register, run_strategy
from sealvalid.strategies.boosting import ExactBoard, defenses_label

__all__ = ["FlawedTasks", "GRID_COLUMNS", "expected_pass_rate", "flawed_grid"]

#: columns of :func:`flawed_grid`
GRID_COLUMNS = ["defenses", "flawed_share", "exploit", "replicate", "gamed_rel_error",
                "max_abs_rel_error", "gamed_rank_shift", "rank_changes", "kendall_tau",
                "honest_shift"]


def _check_share(name: str, value) -> None:
    if (isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating)
            or not 0 <= value <= 1):
        raise ValueError(f"FlawedTasks.{name} must be a number in [0, 1], got {value!r}")


def expected_pass_rate(world: StaticWorld) -> pd.Series:
    """Return the expected pass rate of every agent under the world's grader.

    Parameters
    ----------
    world : sealvalid.sim.StaticWorld

    Returns
    -------
    pandas.Series
        ``t (1 - s r) + (1 - t) s (1 - (1 - e)(1 - a))`` per agent (index: names), with ``t``
        the true solve rate (:func:`sealvalid.sim.static_truth`, tasks), ``s`` the flawed
        share, ``r`` / ``a`` the grader's false-reject / false-accept rates and ``e`` the
        agent's exploit propensity.
    """
    g = world.grader
    t = static_truth(world, kind="tasks").set_index("agent")["true_score"]
    e = pd.Series({a.name: a.exploit for a in world.agents}).reindex(t.index)
    s, a, r = g.flawed_share, g.false_accept, g.false_reject
    return t * (1 - s * r) + (1 - t) * s * (1 - (1 - e) * (1 - a))


@register("flawed-tasks")
@dataclass(frozen=True, kw_only=True)
class FlawedTasks(Strategy):
    """Agents exploit a share of flawed graders; the board shows pass rates.

    Parameters
    ----------
    flawed_share : float
        Share of tasks whose grader is flawed, in [0, 1] (replaces the world's).
    exploit : float
        Propensity of the world's exploiting agents to submit an exploit on a task they fail,
        in [0, 1] (0: nobody games; the flaws still let luck through).

    Notes
    -----
    ``Play.board``: pass rate on the public split (through the reporting mechanism);
    ``Play.truth``: true solve rate. ``gamed``: the exploiting agents. Extras: ``flawed_share``
    and ``n_items`` in force (after safeguards), ``exploit``, ``flawed_public`` (flawed tasks in
    the scored split), ``graders_fixed`` and ``tasks_removed`` (what the safeguards changed,
    expected counts), ``gamed_rel_error`` (mean relative mis-estimation ``(pass - t) / t`` of
    the exploiters), ``max_abs_rel_error`` (largest ``|pass - t| / t`` of any agent),
    ``honest_shift`` (mean ``pass - t`` of the non-exploiters), ``kendall_tau`` (board order
    against true order).
    """

    setting = "static"

    flawed_share: float = 0.15
    exploit: float = 0.8

    def __post_init__(self) -> None:
        _check_share("flawed_share", self.flawed_share)
        _check_share("exploit", self.exploit)

    def configure(self, world: StaticWorld) -> StaticWorld:
        """Return ``world`` with this strategy's flawed share and exploit propensity.

        Raises
        ------
        ValueError
            If the world marks no agent as an exploiter (``Agent.exploit > 0``).
        """
        if not isinstance(world, StaticWorld):
            raise ValueError(f"FlawedTasks plays on a StaticWorld, got {type(world).__name__}")
        gamers = [a.name for a in world.agents if a.exploit > 0]
        if not gamers:
            raise ValueError("FlawedTasks needs agents marked as exploiters (Agent.exploit > 0) "
                             f"in world {world.name!r}; none are")
        agents = tuple(dataclasses.replace(a, exploit=float(self.exploit)) if a.exploit > 0
                       else a for a in world.agents)
        grader = dataclasses.replace(world.grader, flawed_share=float(self.flawed_share))
        return dataclasses.replace(world, agents=agents, grader=grader)

    def play(self, world: StaticWorld, n_votes: None, rng: np.random.Generator, *,
             safeguards: Safeguards) -> Play:
        """Let every agent attempt the tasks once and publish the pass rates.

        Parameters
        ----------
        world : sealvalid.sim.StaticWorld
            The benchmark; its exploit-marked agents game the graders.
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
        gamers = tuple(a.name for a in world.agents if a.exploit > 0) \
            if isinstance(world, StaticWorld) else ()
        base = self.configure(world)
        world = safeguards.world(base)
        s_hold, s_att = rng.spawn(2)
        hold = draw_holdout(world, rng=s_hold)
        att = attempt_tasks(world, hold, rng=s_att)
        names = [a.name for a in world.agents]
        passed = att["passed"].to_numpy().reshape(len(names), len(hold))
        board = safeguards.holdout(world)
        board = ExactBoard() if board is None else board
        for name, p in zip(names, passed, strict=True):
            board.submit(name, p[hold.public])
        entries = pd.Series([board.score(m) for m in names], index=names, dtype=float)
        truth = static_truth(world, kind="tasks").set_index("agent")["true_score"].reindex(names)

        rel = (entries - truth) / truth
        honest = [m for m in names if m not in gamers]
        expected_flawed = (base.n_items * base.grader.flawed_share
                           - world.n_items * world.grader.flawed_share)
        removed = base.n_items - world.n_items
        tau = stats.kendalltau(entries.to_numpy(), truth.to_numpy()).statistic
        extra = {
            "flawed_share": float(world.grader.flawed_share),
            "exploit": float(self.exploit),
            "n_items": int(world.n_items),
            "flawed_public": int((hold.flawed & hold.public).sum()),
            "graders_fixed": max(0.0, round(float(expected_flawed - removed), 6)),
            "tasks_removed": int(removed),
            "gamed_rel_error": float(rel[list(gamers)].mean()),
            "max_abs_rel_error": float(rel.abs().max()),
            "honest_shift": float((entries[honest] - truth[honest]).mean()) if honest
            else float("nan"),
            "kendall_tau": float(tau),
        }
        return Play(board=entries, truth=truth, gamed=gamers, centre=False, extra=extra)


def flawed_grid(world: StaticWorld, *, shares=(0.0, 0.1, 0.2, 0.3, 0.4),
                propensities=(0.0, 0.25, 0.5, 0.75, 1.0), n_replicates: int, rng=None,
                defenses=(), label: str | None = None) -> pd.DataFrame:
    """Mis-estimation and rank change over flawed share × exploit propensity.

    Parameters
    ----------
    world : sealvalid.sim.StaticWorld
        A task benchmark with exploit-marked agents (e.g. ``static_preset("flawed-agentic")``).
    shares, propensities : sequence of float
        Flawed shares and exploit propensities, each in [0, 1].
    n_replicates : int
        Replicates per cell.
    rng
        Anything :func:`numpy.random.default_rng` accepts. Every cell reuses the same replicate
        streams (common random numbers: the same tasks and draws), so differences between cells
        are the parameters' effect, not noise.
    defenses : Defense, iterable of Defense or Safeguards
        Safeguards in force (e.g. ``TaskAudit()``).
    label : str, optional
        The ``defenses`` column (default: names with parameters, or ``"none"``).

    Returns
    -------
    pandas.DataFrame
        :data:`GRID_COLUMNS`, one row per cell and replicate: ``gamed_rel_error`` (mean relative
        mis-estimation of the exploiters), ``max_abs_rel_error``, ``gamed_rank_shift`` (mean
        places the exploiters gain), ``rank_changes`` (agents not at their true rank),
        ``kendall_tau`` (board against true order), ``honest_shift``. ``attrs``: ``seed``.
    """
    guards = defenses if isinstance(defenses, Safeguards) else Safeguards(defenses)
    root = np.random.default_rng(rng)
    seq = root.spawn(1)[0].bit_generator.seed_seq
    label = defenses_label(guards) if label is None else str(label)
    rows = []
    for s, e in itertools.product(shares, propensities):
        f = run_strategy(world, FlawedTasks(flawed_share=float(s), exploit=float(e)),
                         n_replicates=n_replicates, rng=copy.deepcopy(seq), defenses=guards)
        g = f.groupby("replicate", sort=True)
        per = pd.DataFrame({
            "gamed_rank_shift": f[f["gamed"]].groupby("replicate")["rank_shift"].mean(),
            "rank_changes": g["rank_shift"].agg(lambda x: int((x != 0).sum())),
            **{c: g[c].first() for c in ("gamed_rel_error", "max_abs_rel_error",
                                         "kendall_tau", "honest_shift")},
        }).reset_index()
        per["defenses"], per["flawed_share"], per["exploit"] = label, float(s), float(e)
        rows.append(per)
    out = pd.concat(rows, ignore_index=True)[GRID_COLUMNS]
    out.attrs = {"seed": getattr(root.bit_generator.seed_seq, "entropy", None)}
    return out
