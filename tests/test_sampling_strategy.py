"""Sampling and deprecation asymmetry; the fair-sampling and stratified-voters defenses."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from sealvalid.defenses import DEFENSES, ArenaLog, FairSampling, StratifiedVoters
from sealvalid.defenses.stratified import (
    rake_countries,
    representation_report,
    stratify,
    tuned_to_crowd,
)
from sealvalid.sim import UniformPairs, preset
from sealvalid.sim.policies import PolicyContext
from sealvalid.sim.presets import global_population, tech_population
from sealvalid.sim.world import compile_world
from sealvalid.strategies import STRATEGIES, Honest, run_strategy
from sealvalid.strategies.sampling import (
    TABLE_COLUMNS,
    SamplingAsymmetry,
    board_consistency,
    sampling_table,
)

matplotlib.use("Agg")

WORLD = preset("lmarena-like")          # 32 models entering over a year, tech crowd
N_VOTES = 20_000
REPS = 24
FAIR = SamplingAsymmetry(boost=1.0, deprecate_after=math.inf)   # the null strategy
RIGGED = SamplingAsymmetry()            # boost 2.5 for two providers, open models deprecated


def replicate_means(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame.groupby("replicate")[column].first().to_numpy(float)


def expected_share(world, strategy: SamplingAsymmetry) -> float:
    """Exact expected battle-data share of the favoured models under the rigged policy."""
    rigged, _ = strategy.rig(world, 0)
    cw = compile_world(rigged)
    k = len(cw.names)
    fav = np.isin(cw.provider, strategy.favoured_providers(world))
    edges = rigged.step_days()
    per_step = np.diff(np.round(np.linspace(0, N_VOTES, rigged.n_steps + 1)))
    iu, ju = np.triu_indices(k, 1)
    total = 0.0
    for s in range(rigged.n_steps):
        mid = 0.5 * (edges[s] + edges[s + 1])
        active = (cw.entry <= mid) & (mid < cw.retire)
        ctx = PolicyContext(step=s, n_steps=rigged.n_steps, day=mid, models=np.array(cw.names),
                            providers=cw.provider, families=cw.family,
                            open_weights=cw.open_weights, entry=cw.entry, active=active,
                            counts=np.zeros((k, k)), theta=np.zeros(k))
        w = rigged.policy.pair_weights(ctx)[iu, ju] * (active[iu] & active[ju])
        total += per_step[s] * (w * (fav[iu].astype(float) + fav[ju]) / 2).sum() / w.sum()
    return total / N_VOTES


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """Per-model tables of the fair arena, the rigged one, and the rigged one under defense."""
    return {"fair": sampling_table(WORLD, FAIR, n_votes=N_VOTES, n_replicates=REPS, rng=11),
            "rigged": sampling_table(WORLD, RIGGED, n_votes=N_VOTES, n_replicates=REPS, rng=11),
            "defended": sampling_table(WORLD, RIGGED, n_votes=N_VOTES, n_replicates=REPS,
                                       rng=11, defenses=FairSampling())}


# ---------------------------------------------------------------------------------- params
def test_registered():
    assert STRATEGIES["sampling-asymmetry"] is SamplingAsymmetry
    assert DEFENSES["fair-sampling"] is FairSampling
    assert DEFENSES["stratified-voters"] is StratifiedVoters
    assert "sampling-asymmetry" in FairSampling.targets
    # TOML-able parameters round-trip through the registry
    params = RIGGED.params()
    assert all(isinstance(v, str | int | float | bool) for v in params.values())
    assert STRATEGIES["sampling-asymmetry"](**params) == RIGGED


@pytest.mark.parametrize("kw, match", [
    ({"boost": 0.5}, r"boost must be a number in \[1.0, 1000.0\], got 0.5"),
    ({"boost": True}, "boost"),
    ({"deprecate_share": 1.5}, "deprecate_share"),
    ({"deprecate_after": 0.0}, "deprecate_after"),
    ({"open_weights_factor": 0.0}, "open_weights_factor"),
    ({"n_favoured": 0}, "n_favoured"),
    ({"base": "random"}, "base must be one of"),
    ({"truth": "segment"}, "truth"),
    ({"min_pair_votes": 0}, "min_pair_votes"),
    ({"favoured": 3}, "favoured"),
])
def test_parameters_checked(kw, match):
    with pytest.raises(ValueError, match=match):
        SamplingAsymmetry(**kw)


def test_defense_parameters_checked():
    with pytest.raises(ValueError, match="FairSampling.sampling"):
        FairSampling(sampling="provider")
    with pytest.raises(ValueError, match="uniform_mix"):
        FairSampling(uniform_mix=2.0)
    for kw in ({"population": "tech"}, {"judging": "x"}, {"prompt_mix": "x"}):
        with pytest.raises(ValueError, match=f"StratifiedVoters.{next(iter(kw))}"):
            StratifiedVoters(**kw)


def test_unknown_favoured_provider():
    with pytest.raises(ValueError, match="unknown providers"):
        SamplingAsymmetry(favoured="nobody").favoured_providers(WORLD)
    assert SamplingAsymmetry().favoured_providers(WORLD) == ("aurora", "boreal")


def test_same_seed_same_output():
    a = run_strategy(WORLD, RIGGED, n_votes=3000, n_replicates=2, rng=3)
    b = run_strategy(WORLD, RIGGED, n_votes=3000, n_replicates=2, rng=3)
    pd.testing.assert_frame_equal(a, b)
    c = run_strategy(WORLD, RIGGED, n_votes=3000, n_replicates=2, rng=4)
    assert not np.array_equal(a["score_shift"], c["score_shift"])


# ---------------------------------------------------------------------------------- strategy
def test_table_contract(tables):
    t = tables["rigged"]
    assert list(t.columns) == TABLE_COLUMNS
    np.testing.assert_allclose(t.groupby("replicate")["battle_share"].sum(), 1.0)
    # a run_strategy replicate is the same board as the table's
    f = run_strategy(WORLD, RIGGED, n_votes=N_VOTES, n_replicates=1, rng=11)
    first = t[t["replicate"] == 0].set_index("model")
    np.testing.assert_allclose(f.set_index("model")["score_shift"],
                               first.loc[f["model"], "score_shift"], atol=1e-9)
    assert f["gamed"].sum() == first["favoured"].sum() == 8
    assert t.loc[~t["deprecated"], "drift"].isna().all()
    assert t.loc[t["deprecated"], "drift"].notna().all()


def test_deprecated_ratings_do_not_drift_in_a_stationary_crowd(tables):
    """The simulated crowd is stationary: after deprecation a rating moves only by noise."""
    t = tables["rigged"]
    per = t[t["deprecated"]].groupby("replicate")["drift"].mean()
    se = per.std(ddof=1) / np.sqrt(len(per))
    assert abs(per.mean()) < 4 * se
    assert t.loc[t["deprecated"], "drift"].abs().mean() < 10   # points


def test_favoured_share_as_specified(tables):
    """The favoured providers get the share the rigged policy implies (fair: far less)."""
    share = {arm: t[t["favoured"]].groupby("replicate")["battle_share"].sum().to_numpy()
             for arm, t in tables.items()}
    for arm, strategy in (("fair", FAIR), ("rigged", RIGGED)):
        s = share[arm]
        se = s.std(ddof=1) / np.sqrt(len(s))
        assert abs(s.mean() - expected_share(WORLD, strategy)) < 4 * se + 1e-4
    assert share["rigged"].mean() > 2 * share["fair"].mean()
    # Leaderboard Illusion setting: ~20 % each for two providers, open models ~30 % together
    t = tables["rigged"]
    per = t.groupby(["replicate", "provider"])["battle_share"].sum().groupby("provider").mean()
    assert 0.18 < per["aurora"] < 0.28 and 0.18 < per["boreal"] < 0.28
    open_share = t[t["open_weights"]].groupby("replicate")["battle_share"].sum().mean()
    assert 0.2 < open_share < 0.35


def test_deprecated_models_lose_accuracy(tables):
    """Deprecated models: fewer votes, wider intervals, larger error (paired by replicate)."""
    fair, rigged = tables["fair"], tables["rigged"]
    dep = rigged.loc[rigged["deprecated"], ["replicate", "model"]]
    assert len(dep) == REPS * 15       # every open-weight competitor entering before day 245
    m = dep.merge(fair, on=["replicate", "model"]).merge(
        rigged, on=["replicate", "model"], suffixes=("_fair", "_rigged"))
    per_model = m.groupby("model")[["battles_fair", "battles_rigged", "ci_width_fair",
                                    "ci_width_rigged"]].mean()
    assert (per_model["battles_rigged"] < per_model["battles_fair"]).all()
    assert (per_model["ci_width_rigged"] > per_model["ci_width_fair"]).all()
    d = (m["score_shift_rigged"].abs() - m["score_shift_fair"].abs()).groupby(
        m["replicate"]).mean()
    se = d.std(ddof=1) / np.sqrt(len(d))
    assert d.mean() > 3 * se
    # the favoured models gain precision
    fav = rigged["favoured"]
    assert rigged.loc[fav, "ci_width"].mean() < fair.loc[fair["favoured"], "ci_width"].mean()


def test_board_coverage_and_consistency():
    fair = run_strategy(WORLD, FAIR, n_votes=N_VOTES, n_replicates=4, rng=5)
    rigged = run_strategy(WORLD, RIGGED, n_votes=N_VOTES, n_replicates=4, rng=5)
    assert (replicate_means(fair, "pair_coverage") > 0.99).all()
    # deprecated models never meet later entrants: the board orders those pairs by extrapolation
    assert (replicate_means(rigged, "pair_coverage") < 0.85).all()
    for f in (fair, rigged):
        for col in ("h2h_contradiction", "cycle_share"):
            v = replicate_means(f, col)
            assert ((v >= 0) & (v <= 1)).all()


def test_board_consistency_counts_a_cycle():
    # a beats b, b beats c, c beats a: every pair 30-10
    a = np.repeat([0, 1, 2], 40)
    b = np.repeat([1, 2, 0], 40)
    winner = np.tile(np.r_[np.zeros(30), np.ones(10)], 3).astype(np.int8)
    log = ArenaLog(names=("a", "b", "c", "d"), a=np.r_[a, 0], b=np.r_[b, 3],
                   winner=np.r_[winner, 0].astype(np.int8), voter=np.arange(121),
                   honest=np.ones(121, bool), day=np.zeros(121))
    board = pd.Series([1010.0, 1000.0, 990.0, 900.0], index=["a", "b", "c", "d"])
    out = board_consistency(log, board, min_pair_votes=20)
    assert out["cycle_share"] == 1.0 and out["n_triples"] == 1
    assert out["h2h_contradiction"] == pytest.approx(1 / 3)   # c beats a, board says a > c
    assert out["pair_coverage"] == pytest.approx(4 / 6)
    with pytest.raises(ValueError, match="min_pair_votes"):
        board_consistency(log, board, min_pair_votes=0)


# ---------------------------------------------------------------------------------- fair sampling
def test_fair_sampling_takes_back_the_asymmetry(tables):
    """Under fair sampling the rigged arena is the fair one, vote for vote."""
    fair, defended = tables["fair"], tables["defended"]
    np.testing.assert_array_equal(fair["battles"], defended["battles"])
    np.testing.assert_allclose(fair["score_shift"], defended["score_shift"])
    rigged = tables["rigged"]
    dep = rigged["deprecated"].to_numpy()
    assert (defended.loc[dep, "score_shift"].abs().mean()
            < rigged.loc[dep, "score_shift"].abs().mean())


def test_fair_sampling_cost_on_honest_world():
    """Honest lmarena-like arena (its own provider weighting): what fair sampling costs."""
    honest = SamplingAsymmetry(boost=1.0, deprecate_after=math.inf, base="world")
    kw = {"n_votes": N_VOTES, "n_replicates": 6, "rng": 8}
    before = run_strategy(WORLD, honest, **kw)
    after = run_strategy(WORLD, honest, defenses=FairSampling(), **kw)
    for f in (before, after):
        assert (f["honest_dropped"] == 0).all() and (f["attack_votes"] == 0).all()
    # the cost: the formerly favoured providers' models lose precision ...
    assert (replicate_means(after, "favoured_ci_width")
            > replicate_means(before, "favoured_ci_width")).all()
    # ... and the ranking accuracy of the whole board is reported (Kendall tau vs truth)
    tau = {}
    for name, f in (("before", before), ("after", after)):
        tau[name] = f.groupby("replicate").apply(
            lambda g: g["board_rank"].corr(g["true_rank"], method="kendall"),
            include_groups=False).mean()
    assert all(0.5 < v <= 1 for v in tau.values())


# ---------------------------------------------------------------------------------- stratified
@pytest.fixture(scope="module")
def tuned_world():
    """An arena with uniform sampling and one model tuned to the enthusiast crowd."""
    w = preset("lmarena-like", policy=UniformPairs())
    base = sorted(w.models, key=lambda m: (m.quality, m.name))[len(w.models) // 2]
    tuned = tuned_to_crowd(base)
    return w.with_models(tuned), tuned.name


def test_stratified_base_reduces_tuned_model_shift(tuned_world):
    world, tuned = tuned_world
    kw = {"n_votes": N_VOTES, "n_replicates": 6, "rng": 21}
    strategy = Honest(truth="real_world")
    before = run_strategy(world, strategy, **kw)
    after = run_strategy(world, strategy, defenses=StratifiedVoters(), **kw)
    s0 = before.loc[before["model"] == tuned, "score_shift"].to_numpy()
    s1 = after.loc[after["model"] == tuned, "score_shift"].to_numpy()
    d = s0 - s1
    se = d.std(ddof=1) / np.sqrt(len(d))
    assert s0.mean() > 100            # the tech crowd overrates the tuned model by >100 points
    assert d.mean() > 4 * se and s1.mean() < 0.7 * s0.mean()
    assert (after["honest_dropped"] == 0).all()


def test_stratified_cost_reported(tuned_world):
    world, _ = tuned_world
    rep = representation_report(world, n_votes=N_VOTES, n_replicates=3, rng=2)
    wide = rep.pivot_table(index=["replicate", "reference"], columns="arm",
                           values=["kendall_tau", "rmse"])
    arena_ref = wide.xs("arena_overall", level="reference")
    # cost: the stratified board agrees less with the original arena's estimand ...
    d = arena_ref[("rmse", "stratified")] - arena_ref[("rmse", "arena")]
    assert d.mean() > 4 * d.std(ddof=1) / np.sqrt(len(d))
    # ... benefit: it agrees more with the real-world truth
    rw = wide.xs("real_world", level="reference")
    assert (rw[("rmse", "stratified")] < rw[("rmse", "arena")]).all()
    assert set(rep["reference"]) == {"arena_overall", "own_overall", "real_world"}
    assert (rep["n_segments"] >= 1).all() and np.isfinite(rep["segment_ci_width"]).all()


def test_stratify_and_rake():
    tech, glob = tech_population(), global_population()
    s = stratify(tech, glob, judging="arena")
    assert s.countries == glob.countries and s.style_coef == tech.style_coef
    assert all(e.value in s.values(e.column) for e in s.effects)
    t = stratify(tech, glob, judging="target")
    assert t.style_coef == glob.style_coef
    raked = rake_countries(glob, WORLD.prompts)
    cw = compile_world(WORLD.replace(voters=raked))
    g = np.bincount(cw.lang_group, weights=cw.plang_p, minlength=len(cw.groups))
    target = dict(WORLD.prompts.real_world_group_p)
    np.testing.assert_allclose(g / g.sum(), [target[x] for x in cw.groups], atol=1e-4)


def test_plots(tables):
    from sealvalid.plots.sampling import plot_battle_shares, plot_error_by_group, plot_tuned_shift

    both = pd.concat([t.assign(arm=arm) for arm, t in tables.items()], ignore_index=True)
    for ax in (plot_battle_shares(both), plot_error_by_group(both),
               plot_error_by_group(both, value="ci_width"),
               plot_tuned_shift(pd.DataFrame({"arm": ["a", "a", "b"], "shift": [1, 2, 3.0]}))):
        assert ax.get_title()
    import matplotlib.pyplot as plt

    plt.close("all")
