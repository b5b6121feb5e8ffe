"""Static-benchmark attacks and defenses: boosting vs the Ladder, flawed graders vs a task audit."""

from __future__ import annotations

import dataclasses
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from sealvalid.defenses import DEFENSES, Ladder, TaskAudit
from sealvalid.defenses.ladder import LadderBoard
from sealvalid.sim.static import static_preset
from sealvalid.strategies import STRATEGIES, BoostingAttack, FlawedTasks, run_strategy
from sealvalid.strategies.boosting import (
    ATTACKER,
    CURVE_COLUMNS,
    ExactBoard,
    boosting_accuracy,
    boosting_curve,
)
from sealvalid.strategies.flawed_tasks import GRID_COLUMNS, expected_pass_rate, flawed_grid

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sealvalid.plots.static import plot_boosting_curve, plot_flawed_grid  # noqa: E402

# the paper's setting: n = 4000 holdout labels scored (public split of 8000 items), k = 400
W4000 = dataclasses.replace(static_preset("ladder"), n_items=8000)
LADDER = static_preset("ladder")            # 2000 public items
FLAWED = static_preset("flawed-agentic")
REPS = 30
SEED = 20261204


def attacker(frame: pd.DataFrame) -> pd.DataFrame:
    g = frame[frame["model"] == ATTACKER]
    return g.assign(reported=g["attack_fresh"] + g["score_shift"])


def se(x) -> float:
    x = np.asarray(x, float)
    return float(x.std(ddof=1) / math.sqrt(len(x)))


@pytest.fixture(scope="module")
def boosting_runs() -> dict[str, pd.DataFrame]:
    """The attack with exact scores, the fixed-step Ladder and the parameter-free Ladder, on the
    same holdouts (same seed)."""
    attack = BoostingAttack(n_queries=400)
    return {label: run_strategy(W4000, attack, n_replicates=REPS, rng=SEED, defenses=d)
            for label, d in (("exact", ()), ("ladder", Ladder(eta=0.01)),
                             ("free", Ladder(adaptive=True)))}


# ------------------------------------------------------------------------------ parameters
@pytest.mark.parametrize("make, match", [
    (lambda: BoostingAttack(n_queries=-1), r"BoostingAttack.n_queries must be an integer in "
                                           r"\[0, 100000\], got -1"),
    (lambda: BoostingAttack(honest_rounds=2.0), r"honest_rounds must be an integer"),
    (lambda: BoostingAttack(honest_step=-1.0), r"honest_step must be a number in \[0, 5\]"),
    (lambda: FlawedTasks(flawed_share=1.5), r"FlawedTasks.flawed_share must be a number in "
                                            r"\[0, 1\], got 1.5"),
    (lambda: FlawedTasks(exploit="high"), r"FlawedTasks.exploit must be a number"),
    (lambda: Ladder(eta=0.0), r"Ladder.eta must be a number in \(0, 1\), got 0.0"),
    (lambda: Ladder(adaptive="yes"), r"Ladder.adaptive must be a bool"),
    (lambda: TaskAudit(detect=2), r"TaskAudit.detect must be a number in \[0, 1\], got 2"),
    (lambda: TaskAudit(action="drop"), r"TaskAudit.action must be one of \['repair', "
                                       r"'remove'\], got 'drop'"),
])
def test_parameter_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_registries_build_from_plain_params():
    assert STRATEGIES["boosting-attack"](n_queries=50, honest_rounds=2, honest_step=0.2) \
        == BoostingAttack(n_queries=50, honest_rounds=2, honest_step=0.2)
    assert STRATEGIES["flawed-tasks"](flawed_share=0.3, exploit=1.0).setting == "static"
    assert DEFENSES["ladder"](eta=0.02, adaptive=False).setting == "static"
    assert DEFENSES["task-audit"](detect=0.5, action="remove").targets == ("flawed-tasks",)
    with pytest.raises(ValueError, match="takes no public votes"):
        run_strategy(LADDER, BoostingAttack(), n_votes=100, n_replicates=1)
    with pytest.raises(ValueError, match="no agents marked|none are"):
        run_strategy(LADDER, FlawedTasks(), n_replicates=1)


def test_same_seed_same_frames():
    a = run_strategy(LADDER, BoostingAttack(n_queries=30), n_replicates=2, rng=5,
                     defenses=Ladder())
    b = run_strategy(LADDER, BoostingAttack(n_queries=30), n_replicates=2, rng=5,
                     defenses=Ladder())
    pd.testing.assert_frame_equal(a, b)
    c = run_strategy(FLAWED, FlawedTasks(), n_replicates=2, rng=6, defenses=TaskAudit())
    d = run_strategy(FLAWED, FlawedTasks(), n_replicates=2, rng=6, defenses=TaskAudit())
    pd.testing.assert_frame_equal(c, d)


# ------------------------------------------------------------------------------ boosting
def test_boosting_attack_overfits_the_holdout_not_fresh_data(boosting_runs):
    g = attacker(boosting_runs["exact"])
    expected = boosting_accuracy(4000, 400)            # 0.5708
    assert expected == pytest.approx(0.5708, abs=1e-4)
    # the normal approximation is within 0.001 of a 600-replicate simulation at n=4000, k=400
    assert abs(g["reported"].mean() - expected) < 4 * se(g["reported"]) + 0.001
    assert g["reported"].mean() > 0.55                 # well above the true 0.5
    assert (g["reported"] == g["attack_public"]).all()  # the entry is the final vote's score
    # fresh data: the private split, sd 0.5 / sqrt(4000) per replicate, stays at chance
    assert abs(g["attack_private"].mean() - 0.5) < 4 * se(g["attack_private"])
    assert (g["attack_fresh"] == 0.5).all() and (g["n_public"] == 4000).all()
    # about half the queries score above chance (ties at exactly 0.5 excluded)
    assert abs(g["n_selected"].mean() - 200) < 4 * se(g["n_selected"]) + 3


def test_boosting_attack_climbs_the_ranking():
    # 2000 public items, k = 1000: Φ(sqrt(1000 / (2000 π))) ≈ 0.655 beats the weakest honest
    # agent (true accuracy 0.611); behind the Ladder it stays last
    attack = BoostingAttack(n_queries=1000, honest_rounds=1)
    open_ = attacker(run_strategy(LADDER, attack, n_replicates=8, rng=11))
    held = attacker(run_strategy(LADDER, attack, n_replicates=8, rng=11, defenses=Ladder()))
    assert (open_["true_rank"] == 11).all()
    assert open_["rank_shift"].mean() >= 0.75
    assert (held["rank_shift"] == 0).all()


def test_ladder_keeps_the_attack_near_fresh_data(boosting_runs):
    exact = attacker(boosting_runs["exact"]).set_index("replicate")
    for label in ("ladder", "free"):
        g = attacker(boosting_runs[label]).set_index("replicate")
        # paired on the same holdouts: the shift the Ladder takes back
        diff = exact["score_shift"] - g["score_shift"]
        assert diff.mean() > 0.04 and diff.mean() > 4 * se(diff)
        # what the Ladder reports stays within 0.03 of the fresh-data accuracy (paper: 0.512-0.516)
        assert g["reported"].mean() - 0.5 < 0.03
        assert abs(g["attack_private"].mean() - 0.5) < 4 * se(g["attack_private"])
        # the attacker learns from a handful of released scores, not from ~200
        assert g["n_selected"].mean() < 10


def test_ladder_cost_on_an_honest_world_is_reported():
    # no attacker: ten honest agents, three improving models each (+0.1 logit per round)
    honest = BoostingAttack(n_queries=0, honest_rounds=3, honest_step=0.1)
    runs = {label: run_strategy(W4000, honest, n_replicates=REPS, rng=SEED, defenses=d)
            for label, d in (("exact", ()), ("ladder", Ladder(eta=0.01)))}
    exact, ladder = (runs[k].groupby("replicate").first() for k in ("exact", "ladder"))
    assert not runs["exact"]["gamed"].any() and ATTACKER not in set(runs["ladder"]["model"])
    assert runs["ladder"]["attack_public"].isna().all()
    # exact scores show every honest model; the Ladder hides improvements smaller than eta
    assert (exact["honest_unreleased"] == 0).all()
    assert ladder["honest_unreleased"].mean() > 0.2
    # the error of the honest entries against the truth: reported either way, and rounding to
    # eta = 0.01 adds at most eta / 2 on top of the sampling error (paired on the same holdouts)
    diff = ladder["honest_mae"] - exact["honest_mae"]
    assert exact["honest_mae"].gt(0).all() and ladder["honest_mae"].gt(0).all()
    assert diff.mean() < 0.005 + 4 * se(diff)
    # ranking accuracy of the honest board (rank_shift = 0 everywhere: order recovered)
    for f in runs.values():
        assert f.groupby("replicate")["rank_shift"].apply(lambda x: (x != 0).sum()).mean() < 4


def test_ladder_board_releases_only_improvements_beyond_eta():
    board = LadderBoard(eta=0.01)
    x = np.zeros(1000)
    x[:703] = 1
    assert board.submit("t", x) == pytest.approx(0.70)        # first: released, rounded
    x[703:708] = 1                                             # +0.005 < eta: not shown
    assert board.submit("t", x) == pytest.approx(0.70) and board.releases("t") == 1
    x[708:725] = 1                                             # 0.725 > 0.70 + eta
    assert board.submit("t", x) == pytest.approx(0.72) and board.releases("t") == 2
    assert math.isnan(board.score("other")) and board.submissions("t") == 3

    free = LadderBoard(adaptive=True)
    y = np.zeros(2000)
    y[:1200] = 1
    assert free.submit("t", y) == 0.6                          # first: released, exact
    z = y.copy()
    z[1200:1210] = 1                                           # +0.005: paired se 0.0016 -> shown
    assert free.submit("t", z) == pytest.approx(0.605)
    w = z.copy()
    w[:10], w[1210:1220] = 0, 1                                # same score, moved items
    assert free.submit("t", w) == pytest.approx(0.605) and free.releases("t") == 2

    exact = ExactBoard()
    assert exact.submit("t", y) == 0.6 and exact.submit("t", np.zeros(5)) == 0.0
    assert exact.score("t") == 0.6 and exact.releases("t") == 2
    with pytest.raises(ValueError, match="1-d array"):
        board.submit("t", np.zeros((2, 3)))


def test_boosting_accuracy_errors():
    assert boosting_accuracy(100, 0) == 0.5
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        boosting_accuracy(0, 10)


# ------------------------------------------------------------------------------ flawed tasks
@pytest.fixture(scope="module")
def flawed_runs() -> dict[str, pd.DataFrame]:
    out = {}
    for label, strategy, d in (
            ("attack", FlawedTasks(flawed_share=0.15, exploit=0.8), ()),
            ("audited", FlawedTasks(flawed_share=0.15, exploit=0.8), TaskAudit(detect=0.8)),
            ("honest", FlawedTasks(flawed_share=0.15, exploit=0.0), ()),
            ("honest-audited", FlawedTasks(flawed_share=0.15, exploit=0.0),
             TaskAudit(detect=0.8)),
            ("honest-removed", FlawedTasks(flawed_share=0.15, exploit=0.0),
             TaskAudit(detect=0.8, action="remove"))):
        out[label] = run_strategy(FLAWED, strategy, n_replicates=60, rng=SEED, defenses=d)
    return out


def _check_pass_rates(frame: pd.DataFrame, world) -> None:
    """Mean board score of every agent matches its expected pass rate within 4 se."""
    expected = expected_pass_rate(world)
    board = frame.assign(board=frame["score_shift"] + frame["model"].map(_truth(world)))
    stats_ = board.groupby("model")["board"].agg(["mean", "std", "count"])
    tol = 4 * stats_["std"] / np.sqrt(stats_["count"])
    assert (np.abs(stats_["mean"] - expected.reindex(stats_.index)) < tol).all()


def _truth(world) -> pd.Series:
    from sealvalid.sim.static import static_truth

    return static_truth(world, kind="tasks").set_index("agent")["true_score"]


def test_flawed_tasks_pass_rates_match_the_grader_model(flawed_runs):
    strategy = FlawedTasks(flawed_share=0.15, exploit=0.8)
    _check_pass_rates(flawed_runs["attack"], strategy.configure(FLAWED))
    _check_pass_rates(flawed_runs["honest"],
                      FlawedTasks(flawed_share=0.15, exploit=0.0).configure(FLAWED))
    _check_pass_rates(flawed_runs["audited"], TaskAudit(detect=0.8).world(
        strategy.configure(FLAWED)))


def test_exploiters_gain_score_without_capability(flawed_runs):
    f = flawed_runs["attack"]
    gamed = f[f["gamed"]].groupby("replicate")["score_shift"].mean()
    honest = f[~f["gamed"]].groupby("replicate")["score_shift"].mean()
    gap = gamed - honest
    assert gap.mean() > 0.05 and gap.mean() > 4 * se(gap)
    rel = f.groupby("replicate")["gamed_rel_error"].first()
    assert rel.mean() > 0.25          # exploiters overstated by a third on average
    assert f.groupby("replicate")["max_abs_rel_error"].first().mean() > 0.6
    # without exploits, exploiters are scored like everyone else
    g0 = flawed_runs["honest"]
    gap0 = (g0[g0["gamed"]].groupby("replicate")["score_shift"].mean()
            - g0[~g0["gamed"]].groupby("replicate")["score_shift"].mean())
    assert abs(gap0.mean()) < 4 * se(gap0) + 0.002


def test_up_to_100_percent_misestimation_with_many_flaws():
    f = run_strategy(FLAWED, FlawedTasks(flawed_share=0.3, exploit=1.0), n_replicates=10,
                     rng=3)
    weakest = f[f["model"] == "agent-09"]          # true solve rate 0.13, an exploiter
    rel = weakest["score_shift"] / 0.129724
    assert rel.mean() > 1.0                         # more than 100% overstated
    assert (f.groupby("replicate")["max_abs_rel_error"].first() >= rel.to_numpy()).all()


def test_task_audit_takes_back_the_exploiters_gain(flawed_runs):
    a = flawed_runs["attack"]
    b = flawed_runs["audited"]
    ga = a[a["gamed"]].groupby("replicate")["score_shift"].mean()
    gb = b[b["gamed"]].groupby("replicate")["score_shift"].mean()
    diff = ga - gb
    assert diff.mean() > 4 * se(diff)
    assert gb.mean() < 0.4 * ga.mean()    # 80% of flaws found: most of the gain is gone
    assert b["flawed_share"].iloc[0] == pytest.approx(0.03)
    assert b["kendall_tau"].mean() > a["kendall_tau"].mean()


def test_task_audit_cost_on_an_honest_world_is_reported(flawed_runs):
    plain = flawed_runs["honest"].groupby("replicate").first()
    fixed = flawed_runs["honest-audited"].groupby("replicate").first()
    dropped = flawed_runs["honest-removed"].groupby("replicate").first()
    # tasks audited away: 500 tasks x 15% flawed x 80% found
    assert (plain["graders_fixed"] == 0).all() and (plain["tasks_removed"] == 0).all()
    assert fixed["graders_fixed"].iloc[0] == pytest.approx(60.0)
    assert (fixed["tasks_removed"] == 0).all()
    assert (dropped["tasks_removed"] == 60).all() and (dropped["n_items"] == 440).all()
    # honest agents' score change: repairs undo both lucky passes and false rejections
    world = FlawedTasks(flawed_share=0.15, exploit=0.0).configure(FLAWED)
    for frame, w in ((plain, world), (fixed, TaskAudit(detect=0.8).world(world))):
        honest = [a.name for a in FLAWED.agents if a.exploit == 0]
        expected = float((expected_pass_rate(w) - _truth(w))[honest].mean())
        assert abs(frame["honest_shift"].mean() - expected) < 4 * se(frame["honest_shift"])
    assert fixed["honest_shift"].notna().all() and dropped["honest_shift"].notna().all()


def test_task_audit_world_hook():
    w = FlawedTasks(flawed_share=0.2).configure(FLAWED)
    r = TaskAudit(detect=0.5).world(w)
    assert r.grader.flawed_share == pytest.approx(0.1) and r.n_items == 500
    m = TaskAudit(detect=0.5, action="remove").world(w)
    assert m.n_items == 450 and m.grader.flawed_share == pytest.approx(0.1 / 0.9)
    with pytest.raises(ValueError, match="static benchmarks"):
        TaskAudit().world("arena")


# ------------------------------------------------------------------------------ sweeps, plots
def test_curve_grid_and_plots():
    curve = pd.concat([boosting_curve(LADDER, queries=(20, 100), n_replicates=3, rng=8,
                                      defenses=d) for d in ((), (Ladder(),))],
                      ignore_index=True)
    curve.attrs = {"n_public": 2000, "n_classes": 2}
    assert list(curve.columns) == CURVE_COLUMNS
    assert set(curve["defenses"]) == {"none", "ladder(eta=0.01, adaptive=False)"}
    assert len(curve) == 12
    again = boosting_curve(LADDER, queries=(20, 100), n_replicates=3, rng=8)
    pd.testing.assert_frame_equal(again, curve[curve["defenses"] == "none"],
                                  check_like=False)
    grid = flawed_grid(FLAWED, shares=(0.0, 0.3), propensities=(0.0, 1.0), n_replicates=3,
                       rng=9)
    assert list(grid.columns) == GRID_COLUMNS and len(grid) == 12
    # common random numbers: with no flawed tasks the propensity changes nothing at all
    z = grid[grid["flawed_share"] == 0.0]
    pd.testing.assert_series_equal(
        z[z["exploit"] == 0.0]["kendall_tau"].reset_index(drop=True),
        z[z["exploit"] == 1.0]["kendall_tau"].reset_index(drop=True))
    hi = grid[(grid["flawed_share"] == 0.3) & (grid["exploit"] == 1.0)]
    assert hi["gamed_rel_error"].mean() > 0.5
    ax = plot_boosting_curve(curve)
    assert len(ax.lines) >= 4
    ax2 = plot_flawed_grid(grid, value="gamed_rank_shift")
    assert ax2.get_xlabel().startswith("exploit")
    with pytest.raises(ValueError, match="value='x' unknown"):
        plot_flawed_grid(grid, value="x")
    plt.close("all")
