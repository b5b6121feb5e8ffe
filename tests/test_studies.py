"""Study tasks of the shipped experiments: strategies, attack × defense, segments, real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sealvalid.experiments.config import ExperimentConfig, load_config
from sealvalid.experiments.runner import run_experiment
from sealvalid.experiments.studies import build_safeguards, build_world, strategy_shift
from sealvalid.experiments.tasks import TASKS

REPO = Path(__file__).resolve().parents[1]


def test_shipped_configs_load():
    folders = sorted(p.parent for p in (REPO / "experiments").glob("*/config.toml"))
    assert len(folders) >= 7
    for f in folders:
        cfg = load_config(f)
        assert cfg.task in TASKS, f


def test_strategy_shift_experiment(tmp_path):
    cfg = ExperimentConfig(
        name="bon", task="strategy_shift", seed=5, replicates=8, chunk=4,
        params={"world": "bt-simple", "n_models": 6, "strategy": "best-of-n", "n_votes": 2000,
                "strategy.votes_per_variant": 300},
        grid={"strategy.n_variants": [1, 10]})
    out = run_experiment(cfg, out=tmp_path / "bon", executor="serial", progress=False)
    res = pd.read_parquet(out / "results.parquet")
    gamed = res[res["gamed"]]
    by_n = gamed.groupby("grid.strategy.n_variants")["score_shift"].mean()
    assert by_n[10] > by_n[1] + 10  # best of 10 inflates; E[max of 10] ~ 1.54 sd, sd ~ 14 here
    table = pd.read_csv(out / "tables" / "shift.csv", comment="#")
    assert {"score_shift", "score_shift_se", "p_top1", "p_top3"} <= set(table.columns)
    assert (out / "figures" / "shift.png").exists()


def test_strategy_shift_is_the_same_as_run_strategy():
    from sealvalid.sim import preset
    from sealvalid.strategies import BestOfN, run_strategy

    params = {"world": "bt-simple", "n_models": 6, "strategy": "best-of-n", "n_votes": 800,
              "strategy.n_variants": 3, "strategy.votes_per_variant": 100}
    rows = strategy_shift(params, np.random.default_rng(3))
    ref = run_strategy(preset("bt-simple", n_models=6),
                       BestOfN(n_variants=3, votes_per_variant=100), n_votes=800,
                       n_replicates=1, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(rows["score_shift"].to_numpy(), ref["score_shift"].to_numpy())
    assert (rows["defenses"] == "none").all()


def test_bad_study_parameters():
    with pytest.raises(ValueError, match="unknown parameter"):
        strategy_shift({"world": "bt-simple", "strategy": "best-of-n", "nope": 1},
                       np.random.default_rng(0))
    with pytest.raises(ValueError, match="world 'mars' unknown"):
        build_world("mars")
    with pytest.raises(ValueError, match="defense 'moat' unknown"):
        build_safeguards(["moat"])
    with pytest.raises(ValueError, match="not in use"):
        build_safeguards([], {"disclose-all": {}})
    with pytest.raises(ValueError, match="strategy 'nope' unknown"):
        strategy_shift({"world": "bt-simple", "strategy": "nope"}, np.random.default_rng(0))


def test_attack_defense_experiment(tmp_path):
    cfg = ExperimentConfig(
        name="ad", task="attack_defense", seed=9, replicates=6, chunk=3,
        params={"attacks": {"best-of-10": {"strategy": "best-of-n", "world": "bt-simple",
                                           "n_models": 6, "n_votes": 2000,
                                           "params": {"n_variants": 12,
                                                      "votes_per_variant": 300}},
                            "honest": {"strategy": "honest", "world": "bt-simple",
                                       "n_models": 6, "n_votes": 2000}},
                "defenses": {"provisional": {"defenses": ["provisional-scores"],
                                             "params": {"provisional-scores":
                                                        {"fresh_votes": 1500}}}}})
    out = run_experiment(cfg, out=tmp_path / "ad", executor="serial", progress=False)
    table = pd.read_csv(out / "tables" / "attack_defense.csv", comment="#")
    row = table.set_index(["attack", "defense"]).loc[("best-of-10", "provisional")]
    assert row["fresh_votes"] == 1500 and row["removed"] > 0.3
    assert (out / "figures" / "attack_defense_removed.png").exists()


def test_segments_experiment(tmp_path):
    cfg = ExperimentConfig(name="seg", task="segments", seed=2, replicates=2, chunk=2,
                           params={"world": "multilingual", "n_votes": 20000, "by": "language"})
    out = run_experiment(cfg, out=tmp_path / "seg", executor="serial", progress=False)
    res = pd.read_parquet(out / "results.parquet")
    # the segment board measures its own segment better than the overall truth (on average)
    per = res.groupby("segment")[["spearman_truth", "spearman_overall"]].mean()
    assert (per["spearman_truth"] > per["spearman_overall"]).mean() > 0.7
    assert 0.85 < res["covered"].mean() <= 1.0


@pytest.mark.realdata
def test_fragility_experiment_on_real_logs(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("SEALVALID_DATA", str(shared_data))
    cfg = ExperimentConfig(name="frag", task="fragility_audit", seed=1, replicates=1, chunk=1,
                           params={"datasets": ["llmfao-crowd", "pandalm-annotators"],
                                   "n_random": 5})
    out = run_experiment(cfg, out=tmp_path / "frag", executor="serial", progress=False)
    t = pd.read_parquet(out / "results.parquet").set_index("dataset")
    # the closing note of the fragility issue: 13 crowd votes flip LLMFAO's top spot,
    # 220 votes PandaLM's three-annotator panel
    assert t.loc["llmfao-crowd", "top_spot_drop_k"] == 13
    assert t.loc["pandalm-annotators", "top_spot_drop_k"] == 220


def test_runner_writes_posteriors(tmp_path):
    import xarray as xr

    from sealvalid.experiments.tasks import TASKS, register_task

    name = "_posterior_probe"
    if name not in TASKS:
        @register_task(name)
        def probe(params, rng):
            draws = rng.normal(size=(2, 50))
            tree = xr.DataTree.from_dict({"posterior": xr.Dataset(
                {"mu": (("chain", "draw"), draws)})})
            out = pd.DataFrame({"mean": [draws.mean()]})
            out.attrs["posterior"] = tree
            return out

    cfg = ExperimentConfig(name="post", task=name, seed=4, replicates=3, chunk=2)
    out = run_experiment(cfg, out=tmp_path / "p", executor="serial", progress=False)
    files = sorted(p.name for p in (out / "posteriors").glob("*.nc"))
    assert files == ["g0000_r00000.nc", "g0000_r00001.nc", "g0000_r00002.nc"]
    res = pd.read_parquet(out / "results.parquet")
    back = xr.open_datatree(out / "posteriors" / "g0000_r00001.nc", engine="h5netcdf")
    assert float(back["posterior"]["mu"].mean()) == pytest.approx(res["mean"].iloc[1])
    back.close()
