"""Teaching to the test, and style control, the no-release window and fresh prompts against it."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from sealvalid.defenses import (  # noqa: E402
    DEFENSES,
    ArenaLog,
    FreshPrompts,
    NoReleaseWindow,
    Safeguards,
    StyleControl,
)
from sealvalid.sim import preset, simulate  # noqa: E402
from sealvalid.sim.policies import UniformPairs  # noqa: E402
from sealvalid.sim.world import PromptDistribution  # noqa: E402
from sealvalid.strategies import STRATEGIES, TeachingToTheTest, run_strategy  # noqa: E402
from sealvalid.strategies.teaching import arena_win_rate, channel_gain  # noqa: E402

_W = preset("lmarena-like", n_models=8, n_steps=1, policy=UniformPairs(), truth_by=())
# a pool of 5,000 distinct prompts (near-duplicates count as one), so arena data recur
WORLD = _W.replace(prompts=PromptDistribution(arena_p=_W.prompts.arena_p, n_prompts=5000))
N_VOTES = 4000
REPS = 24
ONLY = {"style": dict(style=1.0, appeal=0.0, distribution=0.0),
        "appeal": dict(style=0.0, appeal=1.0, distribution=0.0),
        "distribution": dict(style=0.0, appeal=0.0, distribution=1.0)}
LOOP = dict(effort=0.0, rounds=3, gain_max=100.0, data_scale=2000.0)


def gamed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["gamed"]].reset_index(drop=True)


def se(x) -> float:
    x = np.asarray(x, float)
    return float(x.std(ddof=1) / np.sqrt(len(x)))


def run(strategy, defenses=(), *, reps=REPS, rng=11):
    return gamed(run_strategy(WORLD, strategy, n_votes=N_VOTES, n_replicates=reps, rng=rng,
                              defenses=defenses))


@pytest.fixture(scope="module")
def style_runs():
    s = TeachingToTheTest(effort=60.0, **ONLY["style"])
    return run(s), run(s, StyleControl())


@pytest.fixture(scope="module")
def appeal_runs():
    s = TeachingToTheTest(effort=60.0, **ONLY["appeal"])
    return run(s), run(s, StyleControl())


@pytest.fixture(scope="module")
def loop_plain():
    return run(TeachingToTheTest(**LOOP), rng=21)


# ---------------------------------------------------------------------------------- strategy
def test_channels_are_calibrated_to_honest_crowd_points():
    for ch in ("style", "appeal", "distribution"):
        assert channel_gain(WORLD, "boreal-large-1", ch, 30.0) == pytest.approx(30.0, abs=0.05)
    # voters who ignore style: the style channel buys nothing
    plain = preset("bt-simple", n_models=4, truth_by=())
    assert channel_gain(plain, plain.model_names[0], "style", 30.0) == 0.0


def test_appeal_effort_moves_the_board_not_real_quality(appeal_runs):
    f, _ = appeal_runs
    # the board gain estimates the calibrated honest-crowd gain; real-world quality is untouched
    assert np.allclose(f["arena_gain"], 60.0, atol=0.1)
    assert (f["real_gain"] == 0.0).all()
    g = f["board_gain"]
    assert abs(g.mean() - 60.0) < 4 * se(g) + 1.0  # 1 point: finite-sample Bradley–Terry bias
    assert f["goodhart_gap"].mean() > 8 * se(f["goodhart_gap"])  # it does something
    assert (f["rank_shift"] >= 0).mean() > 0.5


def test_substance_cost_and_distribution_open_the_gap():
    f = run(TeachingToTheTest(effort=40.0, substance_cost=0.5, **ONLY["distribution"]),
            reps=12, rng=5)
    # the arena-mix shift buys board points; half the effort comes out of real quality
    assert f["real_gain"].iloc[0] < f["arena_gain"].iloc[0] - 20.0
    gap = f["goodhart_gap"]
    assert gap.mean() > 8 * se(gap)
    assert np.allclose(gap, f["board_gain"] - f["real_gain"])


def test_data_loop_gain_follows_the_concave_rule(loop_plain):
    f = loop_plain
    s = TeachingToTheTest(**LOOP)
    expected = s.gain_max * -np.expm1(-f["data_battles"] / s.data_scale)
    assert np.allclose(f["memorised_gain"], expected)
    assert (f["data_battles"] > 0).all() and (f["seen_share"] > 0.2).all()
    assert (f["real_gain"] == 0.0).all() and (f["arena_gain"] == 0.0).all()
    gap = f["goodhart_gap"]
    assert gap.mean() > 4 * se(gap)


def test_leaderboard_illusion_shape():
    """Arena-data tuning: arena-distribution win rate up sharply, general (real-world) flat.

    Setting: the lab's model is the weakest of WORLD, the reference the strongest; 6 data
    periods of 8,000 arena votes (about 12,000 battles of data on a 5,000-prompt pool),
    memorised gain up to 250 points. The paper: 23.5% -> 49.9% (+112%), MMLU flat.
    """
    s = TeachingToTheTest(effort=0.0, rounds=6, gain_max=250.0, model="cobalt-large-1")
    t = arena_win_rate(WORLD, s, reference="harbor-large-1", n_votes=8000, n_test=3000,
                       rng=3).set_index("version")
    before, after = t.loc["original"], t.loc["tuned"]
    assert after["win_rate"] - before["win_rate"] > 4 * math.hypot(before["win_rate_se"],
                                                                    after["win_rate_se"])
    assert after["win_rate"] / before["win_rate"] > 1.6
    assert after["real_world"] == before["real_world"]  # the general score stays flat


def test_fresh_votes_are_recorded_and_run():
    f = run(TeachingToTheTest(effort=0.0, rounds=2, fresh_votes=500), FreshPrompts(rotation=0.5),
            reps=3, rng=8)
    assert (f["fresh_votes"] == 500).all()
    assert (f["seen_share"] > 0).all()


def test_column_contract_and_determinism():
    s = TeachingToTheTest(effort=20.0, rounds=1)
    a = run_strategy(WORLD, s, n_votes=2000, n_replicates=2, rng=7)
    b = run_strategy(WORLD, s, n_votes=2000, n_replicates=2, rng=7)
    c = run_strategy(WORLD, s, n_votes=2000, n_replicates=2, rng=8)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["score_shift"], c["score_shift"])
    extras = ["rounds", "fresh_votes", "data_battles", "seen_share", "memorised_gain",
              "board_gain", "real_gain", "arena_gain", "honest_err_arena", "honest_err_real",
              "honest_votes", "attack_votes", "honest_dropped", "attack_dropped"]
    assert list(a.columns[-len(extras):]) == extras
    assert (a.groupby("replicate")["gamed"].sum() == 1).all()
    assert STRATEGIES["teaching-to-the-test"] is TeachingToTheTest


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"effort": -1.0}, r"effort must be a finite number in \[0.0, 1000.0\], got -1.0"),
    ({"style": 0.7}, r"must sum to 1"),
    ({"appeal": 1.5, "style": 0.0}, r"appeal must be a finite number in \[0.0, 1.0\]"),
    ({"substance_cost": float("nan")}, r"substance_cost must be a finite number"),
    ({"rounds": 2.0}, r"rounds must be an integer in \[0, 100\]"),
    ({"period_days": 0.0}, r"period_days must be a finite number in \(0.0, 3650.0\]"),
    ({"data_scale": 0}, r"data_scale must be a finite number in \(0.0"),
    ({"fresh_votes": True}, r"fresh_votes must be an integer"),
    ({"model": ""}, r"model must be a model name or None"),
])
def test_bad_params(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TeachingToTheTest(**kwargs)


# ---------------------------------------------------------------------------------- style control
def test_style_control_takes_back_style_gaming(style_runs):
    plain, ctrl = style_runs
    d = plain["goodhart_gap"] - ctrl["goodhart_gap"]  # paired: same replicate streams
    assert d.mean() > 4 * se(d)
    assert ctrl["goodhart_gap"].mean() < 0.5 * plain["goodhart_gap"].mean()


def test_style_control_cannot_see_appeal(appeal_runs):
    plain, ctrl = appeal_runs
    # latent appeal has no style column: the gap survives style control (a finding)
    assert ctrl["goodhart_gap"].mean() > 0.8 * plain["goodhart_gap"].mean()
    assert ctrl["goodhart_gap"].mean() > 8 * se(ctrl["goodhart_gap"])


def test_style_control_cost_on_an_honest_arena():
    honest = TeachingToTheTest(effort=0.0, gain_max=0.0)
    plain = run(honest, reps=12, rng=31)
    ctrl = run(honest, StyleControl(), reps=12, rng=31)
    assert (ctrl["goodhart_gap"] == 0).all() and (ctrl["honest_dropped"] == 0).all()
    # the cost: the board leaves the crowd's own estimand (it moves toward substance instead)
    d = ctrl["honest_err_arena"] - plain["honest_err_arena"]
    assert d.mean() > 4 * se(d)
    assert ctrl["honest_err_real"].mean() < plain["honest_err_real"].mean()


def test_style_control_needs_style_counts():
    sim = simulate(WORLD, 500, rng=1)
    log = ArenaLog.from_battles(sim.battles, WORLD.model_names)
    bare = ArenaLog(names=log.names, a=log.a, b=log.b, winner=log.winner, voter=log.voter,
                    honest=log.honest, day=log.day)
    with pytest.raises(ValueError, match="style-control needs style counts"):
        StyleControl().rate(bare)
    assert StyleControl(features="tokens").rate(log).index.tolist() == list(WORLD.model_names)
    with pytest.raises(ValueError, match=r"features 'length' must name distinct features"):
        StyleControl(features="length")
    with pytest.raises(ValueError, match=r"style_l2 must be a finite number in \[0, 1e6\]"):
        StyleControl(style_l2=-1.0)


# ---------------------------------------------------------------------------------- release window
def test_no_release_window_slows_the_data_loop(loop_plain):
    win = run(TeachingToTheTest(**LOOP), NoReleaseWindow(days=60.0), rng=21)
    # with 30-day periods only the first period's data reach the lab before the release
    assert (win["data_battles"] < loop_plain["data_battles"]).all()
    d = loop_plain["goodhart_gap"] - win["goodhart_gap"]
    assert d.mean() > 4 * se(d)
    # a window longer than the whole loop: no data, no gain, board exactly the honest one
    shut = run(TeachingToTheTest(**LOOP), NoReleaseWindow(days=90.0), reps=3, rng=21)
    assert (shut["data_battles"] == 0).all() and (shut["board_gain"] == 0).all()


@pytest.mark.parametrize("defense", [NoReleaseWindow(days=60.0), FreshPrompts(rotation=0.5)])
def test_rules_cost_nothing_on_an_honest_arena(defense):
    honest = TeachingToTheTest(effort=0.0, rounds=2, gain_max=0.0)
    a = run_strategy(WORLD, honest, n_votes=2000, n_replicates=3, rng=41)
    b = run_strategy(WORLD, honest, n_votes=2000, n_replicates=3, rng=41, defenses=defense)
    # cost on an honest arena: 0.0 Arena points (identical boards), no votes dropped
    assert np.abs(a["score_shift"] - b["score_shift"]).max() == 0.0
    assert (b["honest_dropped"] == 0).all()
    assert (b["honest_err_arena"] == a["honest_err_arena"]).all()


# ---------------------------------------------------------------------------------- fresh prompts
def test_fresh_prompts_make_memorised_prompts_stale(loop_plain):
    half = run(TeachingToTheTest(**LOOP), FreshPrompts(rotation=0.5), rng=21)
    assert (half["seen_share"] < loop_plain["seen_share"]).all()
    d = loop_plain["goodhart_gap"] - half["goodhart_gap"]
    assert d.mean() > 4 * se(d)
    full = run(TeachingToTheTest(**LOOP), FreshPrompts(rotation=1.0), reps=3, rng=21)
    assert (full["seen_share"] == 0).all() and (full["board_gain"] == 0).all()


def test_defense_registry_and_params():
    assert DEFENSES["style-control"] is StyleControl
    assert DEFENSES["no-release-window"] is NoReleaseWindow
    assert DEFENSES["fresh-prompts"] is FreshPrompts
    g = Safeguards([NoReleaseWindow(days=10), FreshPrompts(rotation=0.25), StyleControl()])
    assert g.rule("data_delay_days") == 10.0 and g.rule("prompt_rotation") == 0.25
    with pytest.raises(ValueError, match=r"days must be a finite number in \[0, 3650\]"):
        NoReleaseWindow(days=-1)
    with pytest.raises(ValueError, match=r"rotation must be a finite number in \[0, 1\]"):
        FreshPrompts(rotation=1.5)
    for d in (StyleControl(), NoReleaseWindow(), FreshPrompts()):
        assert type(d)(**d.params()) == d  # TOML-able parameters round-trip


def test_plots(loop_plain, style_runs):
    from sealvalid.plots.teaching import plot_data_loop, plot_goodhart_gap

    plain, ctrl = style_runs
    frame = pd.concat([plain.assign(defense="none", effort=60.0),
                       ctrl.assign(defense="style-control", effort=60.0)])
    ax = plot_goodhart_gap(frame)
    assert ax.get_ylabel().startswith("Goodhart gap")
    ax = plot_data_loop(loop_plain.assign(defense="none"))
    assert len(ax.lines) >= 1
    with pytest.raises(ValueError, match="frame lacks columns"):
        plot_data_loop(loop_plain)
