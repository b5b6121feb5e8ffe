"""MCMC tests of sealvalid.bayes (nutpie): recovery, SBC, gates, determinism, real data, CLI.

Kept small for CI (2 cores): compiled models are cached per process, so fits that share a
structure (same model count, levels and options) compile once. The full SBC and recovery runs
are in ``benchmarks/bench_bayes.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sealvalid.bayes import (
    NOT_CONVERGED,
    ConstructValidity,
    ConvergenceError,
    HierarchicalBT,
    NotConvergedWarning,
    SamplerConfig,
    load_result,
)
from sealvalid.bayes.sbc import rank_uniformity, sbc_ranks, simulate_hierarchical, simulate_validity
from sealvalid.sim.toy import ToyArena, toy_votes

pytestmark = [
    pytest.mark.slow,
    # numba (under nutpie/pytensor) warns that its on-disk cache of compiled functions cannot
    # always be used for dynamically generated code; harmless, and outside our control
    pytest.mark.filterwarnings("ignore::numba.core.errors.NumbaWarning"),
]

SMALL = SamplerConfig(chains=4, draws=1000, tune=1000)


@pytest.fixture(scope="module")
def toy():
    world = ToyArena(n_models=8, language_shift_sd=40.0, tie_rate=0.0)
    votes, truth = toy_votes(world, 20_000, rng=20261204)
    return votes, truth


@pytest.fixture(scope="module")
def toy_fit(toy):
    votes, _ = toy
    return HierarchicalBT(by="language", ties="drop", sampler=SMALL).fit(votes, seed=11)


def test_recovery_toy_truth_inside_hdi(toy, toy_fit):
    _, truth = toy
    res = toy_fit.result_
    assert res.converged and res.sampler.startswith("nutpie")
    t = truth.set_index("model")
    langs = ["en", "zh", "es", "de"]
    seg = res.table[res.table["dimension"] == "language"]
    inside = [row.lower <= t.loc[row.model, f"true_rating_{row.segment}"] <= row.upper
              for row in seg.itertuples()]
    # 32 segment ratings, 95% HDIs: expect ~30 inside; fewer than 27 is p < 0.01
    assert sum(inside) >= 27, seg
    # global strength = unweighted mean of the segment strengths (zero-sum deviations)
    overall = t[[f"true_rating_{g}" for g in langs]].mean(axis=1)
    ov = res.table[res.table["dimension"] == "overall"].set_index("model")
    inside = ((ov["lower"] <= overall) & (overall <= ov["upper"])).sum()
    assert inside >= 6
    assert np.corrcoef(ov["rating"], overall.reindex(ov.index))[0, 1] > 0.98
    # informative cells: the auto rule chose the centred form and recorded why
    assert toy_fit.parametrization_["dev_language"]["form"] == "centred"
    assert "parametrization" in res.config


def test_result_roundtrip_and_provenance(toy_fit, tmp_path):
    res = toy_fit.result_
    path = tmp_path / "post.nc"
    res.to_netcdf(path)
    tree = load_result(path)
    assert tree.attrs["seed"] == 11 and tree.attrs["status"] == "converged"
    assert tree.attrs["sampler"].startswith("nutpie")
    est = HierarchicalBT.from_config(res.config["estimator"])
    assert est.get_config() == toy_fit.get_config()
    np.testing.assert_array_equal(tree["posterior"]["theta"].values,
                                  res.idata["posterior"]["theta"].values)
    assert set(tree.children) >= {"posterior", "sample_stats", "observed_data"}


def test_same_seed_same_draws(toy, toy_fit):
    votes, _ = toy
    again = HierarchicalBT(by="language", ties="drop", sampler=SMALL).fit(votes, seed=11)
    np.testing.assert_array_equal(again.result_.idata["posterior"]["theta"].values,
                                  toy_fit.result_.idata["posterior"]["theta"].values)
    other = HierarchicalBT(by="language", ties="drop", sampler=SMALL).fit(votes, seed=12)
    assert not np.array_equal(other.result_.idata["posterior"]["theta"].values,
                              toy_fit.result_.idata["posterior"]["theta"].values)


def test_unconverged_fit_raises_and_accepted_fit_is_marked(toy):
    votes, _ = toy
    short = SamplerConfig(chains=2, draws=200, tune=10)  # cannot reach ESS 400 reliably
    with pytest.raises(ConvergenceError, match="convergence gates"):
        HierarchicalBT(by="language", ties="drop", sampler=short,
                       gates=_gates_strict()).fit(votes, seed=3)
    with pytest.warns(NotConvergedWarning):
        est = HierarchicalBT(by="language", ties="drop", sampler=short, gates=_gates_strict(),
                             accept_unconverged=True).fit(votes, seed=3)
    res = est.result_
    assert not res.converged
    assert (res.table["status"] == NOT_CONVERGED).all()
    assert (res.params["status"] == NOT_CONVERGED).all()
    assert res.idata.attrs["status"] == NOT_CONVERGED and res.idata.attrs["converged"] == 0
    ppc = est.posterior_predictive(n_draws=50)
    assert (ppc["status"] == NOT_CONVERGED).all()


def _gates_strict():
    from sealvalid.bayes import Gates

    return Gates(min_ess_bulk=350)


def test_ppc_flags_nothing_on_well_specified_data(toy_fit):
    ppc = toy_fit.posterior_predictive(n_draws=200, seed=1)
    pearson = ppc[ppc["statistic"] == "pearson"].iloc[0]
    assert 0.005 < pearson["p_value"] < 0.995
    assert ppc["extreme"].mean() <= 0.25


def test_reduced_sbc_hierarchical():
    """Reduced SBC: 16 replicates of a 6-model, 3-level model with parameters from the prior."""
    prior = {"prior_theta_sd": 1.0, "prior_dev_sd": 0.5}

    def simulate(rng):
        return simulate_hierarchical(6, 1500, levels={"region": 3}, sigma_theta=None,
                                     sigma_dev=None, rng=rng, **prior)

    def fit(votes, seed):
        # one structure for all replicates (one compilation); deviations non-centred since
        # prior draws of sigma_region are often tiny
        return HierarchicalBT(by="region", ties="drop",
                              parametrization={"theta": "centred", "dev_region": "non_centred"},
                              accept_unconverged=True).fit(votes, seed=seed)

    def extract(est, truth):
        post = est.result_.idata["posterior"]
        out = {"sigma_theta": (post["sigma_theta"].values, truth["sigma_theta"]),
               "sigma_region": (post["sigma_region"].values, truth["sigma"]["region"]),
               "theta[m00]": (post["theta"].values[..., 0], truth["theta"][0]),
               "dev[m00,re0]": (post["dev_region"].values[..., 0, 0],
                                truth["dev"]["region"][0, 0])}
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotConvergedWarning)  # SBC keeps every replicate
        ranks = sbc_ranks(fit, simulate, extract, n_replicates=16, rng=20261204, thin=10)
    summary = rank_uniformity(ranks, n_bins=4)
    # 4 parameters x 16 replicates: ranks uniform (no p < 0.001) and 90% intervals covering
    # 90% +- binomial noise (>= 10 of 16 per parameter is p > 0.001 under coverage 0.9)
    assert (summary["p_value"] > 1e-3).all(), summary
    assert (summary["coverage90"] >= 10 / 16).all(), summary


def test_richer_variant_two_dimensions_ties_voters_position(rng):
    """Two segment dimensions at once, Davidson ties, voter discrimination, position bias."""
    from sealvalid.data import validate_votes

    votes, truth = simulate_hierarchical(6, 8000, levels={"language": 3, "country": 2},
                                         sigma_dev={"language": 0.3, "country": 0.2},
                                         tie_log=-0.5, rng=rng)
    lang = votes["language"].astype(str).map(
        {n: i for i, n in enumerate(truth["levels"]["language"])}).to_numpy()
    ctry = votes["country"].astype(str).map(
        {n: i for i, n in enumerate(truth["levels"]["country"])}).to_numpy()
    a = votes["model_a"].cat.codes.to_numpy()
    b = votes["model_b"].cat.codes.to_numpy()
    dl, dc = truth["dev"]["language"], truth["dev"]["country"]
    s_a = truth["theta"][a] + dl[a, lang] + dc[a, ctry]
    s_b = truth["theta"][b] + dl[b, lang] + dc[b, ctry]
    # re-draw the winners with known voter discriminations and a first-position advantage
    voter = rng.integers(0, 4, len(votes))
    disc = np.exp(np.array([-0.4, -0.1, 0.1, 0.4]))
    first_a = rng.random(len(votes)) < 0.5
    d = disc[voter] * (s_a - s_b) + 0.3 * np.where(first_a, 1, -1)
    nu = np.exp(-0.5)
    z = np.exp(d / 2) + np.exp(-d / 2) + nu
    u = rng.random(len(votes))
    p_a, p_t = np.exp(d / 2) / z, nu / z
    votes = validate_votes(votes.assign(
        winner=np.where(u < p_a, "model_a", np.where(u < p_a + p_t, "tie", "model_b")),
        voter_id=np.array([f"v{x}" for x in voter]),
        position=np.where(first_a, "model_a", "model_b")))
    est = HierarchicalBT(by=["language", "country"], ties="davidson", voter_effects=True,
                         position=True, sampler=SMALL).fit(votes, seed=5)
    res = est.result_
    assert res.converged
    p = res.params.set_index("parameter")
    assert p.loc["tie_nu", "lower"] <= nu <= p.loc["tie_nu", "upper"]
    assert p.loc["position_coef", "lower"] <= 0.3 <= p.loc["position_coef", "upper"]
    vt = res.extra["voters"].set_index("voter")
    gm = np.exp(np.log(disc).mean())  # identified up to their geometric mean (zero-sum logs)
    for v, true in zip(["v0", "v1", "v2", "v3"], disc / gm, strict=True):
        assert vt.loc[v, "lower"] <= true <= vt.loc[v, "upper"]
    # each dimension's segment ratings: truth (averaging over the other dimension) in the HDI
    f = 400 / np.log(10)
    for dim, dev in (("language", dl), ("country", dc)):
        seg = res.table[res.table["dimension"] == dim]
        lev = truth["levels"][dim]
        true = {(m, lev[k]): 1000 + f * (truth["theta"][i] + dev[i, k])
                for i, m in enumerate(truth["models"]) for k in range(len(lev))}
        inside = np.mean([r.lower <= true[(r.model, r.segment)] <= r.upper
                          for r in seg.itertuples()])
        assert inside >= 0.8, (dim, inside)


def test_validity_recovery_with_segments_and_style():
    sim = simulate_validity(12, rho=0.6, crowd_votes=8000,
                            judges={"gpt": (3000, 0.8, 0.3), "expert": (1500, 0.7, 0.3)},
                            benchmarks={"bench": (1.0, 0.4)},
                            languages={"en": 0.5, "zh": 0.3, "es": 0.2}, language_sd=0.2,
                            style_coef=1.5, tie_log=-1.0, rng=5)
    cv = ConstructValidity(by="language", style=["tokens"], style_resolution=0.25,
                           sampler=SamplerConfig(chains=4, draws=500, tune=500,
                                                 target_accept=0.95, adaptation="low_rank"))
    res = cv.fit(sim["crowd"], judges=sim["judges"], benchmarks=sim["benchmarks"],
                 seed=1).result_
    assert res.converged
    t = res.table
    truth = sim["truth"]

    def row(q, seg="all"):
        return t[(t["quantity"] == q) & (t["segment"] == seg)].iloc[0]

    v = row("validity")
    assert v["lower"] <= truth["rho"] <= v["upper"]
    vf = row("validity_finite")
    assert vf["lower"] <= truth["validity_finite"] <= vf["upper"]
    for lang, true in truth["segment_validity"].items():
        r = row("segment_validity", lang)
        assert r["lower"] - 0.05 <= true <= r["upper"] + 0.05, (lang, r)
    st = t[t["quantity"] == "style_coef"].set_index("segment")
    assert st.loc["tokens", "lower"] > 0  # a real style effect is found
    assert 0 < row("style_share")["mean"] < 1
    assert {"validity", "segment_validity", "measure_validity", "style_share"} <= set(
        t["quantity"])
    assert res.ppc is not None and set(res.ppc["source"]) == {"crowd", "gpt", "expert", "bench"}
    assert res.idata.attrs["sampler"].startswith("nutpie")


def test_real_data_llmfao_crowd_vs_gpt4(shared_data, monkeypatch):
    from sealvalid.data import read_votes

    monkeypatch.setenv("SEALVALID_FAST", "1")
    d = shared_data / "llmfao-crowd-vs-gpt-judge"
    crowd = read_votes(d / "crowd-comparisons.csv")
    judge = read_votes(d / "gpt4-comparisons.csv")
    res = ConstructValidity().fit(crowd, judges={"gpt-4": judge}, seed=20261204).result_
    assert res.converged
    v = res.validity()
    assert -1 <= v["lower"] < v["mean"] < v["upper"] <= 1
    assert len(res.models) == 10  # fast mode: the 10 most-voted models
    assert "single independent measurement" in v["note"]
    assert res.idata.attrs["fast_mode"] == 1


def test_cli_validity_writes_outputs(shared_data, tmp_path, monkeypatch, capsys):
    from sealvalid.cli import main

    monkeypatch.setenv("SEALVALID_FAST", "1")
    d = shared_data / "llmfao-crowd-vs-gpt-judge"
    out = tmp_path / "v"
    code = main(["validity", "--crowd", str(d / "crowd-comparisons.csv"),
                 "--judge", f"judge4={d / 'gpt4-comparisons.csv'}", "--seed", "20261204",
                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    for name in ("validity.csv", "models.csv", "ppc.csv", "agreement.csv", "posterior.nc",
                 "validity.png", "crowd_vs_quality.png", "ppc.png", "agreement.png",
                 "summary.md"):
        assert (out / name).exists(), name
    table = pd.read_csv(out / "validity.csv")
    # same structure as the previous test's fit (cached compiled model), other judge name
    assert "judge4" in set(table["measure"]) and "gpt-4" not in set(table["measure"])
    assert (table["status"] == "converged").all() and table["sampler"].str.startswith(
        "nutpie").all()
    tree = load_result(out / "posterior.nc")
    assert tree.attrs["seed"] == 20261204
    assert "validity" in capsys.readouterr().out


def test_cli_validity_lmsys_board_crowd(shared_data, tmp_path, capsys):
    from sealvalid.cli import main

    table = shared_data / "lmsys-leaderboard-tables" / "leaderboard_table_20231220.csv"
    out = tmp_path / "lmsys"
    code = main(["validity", "--crowd", str(table), "--benchmark", str(table),
                 "--metric", "mt_bench", "--seed", "1", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    t = pd.read_csv(out / "validity.csv")
    v = t[t["quantity"] == "validity"].iloc[0]
    assert v["lower"] > 0  # Arena Elo and MT-bench agree across ~45 models
