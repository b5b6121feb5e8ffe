"""The static-holdout benchmark world and the ``sealvalid simulate`` command."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sealvalid.cli import main
from sealvalid.sim import PRESETS, TRUTH_COLUMNS
from sealvalid.sim.cli import PRESET_NAMES
from sealvalid.sim.static import (
    STATIC_SCORE_COLUMNS,
    Agent,
    Grader,
    StaticWorld,
    draw_holdout,
    predict_labels,
    run_static,
    static_preset,
    static_truth,
)


# ---------------------------------------------------------------------------------- static
@pytest.mark.parametrize("make, match", [
    (lambda: StaticWorld(agents=()), r"StaticWorld.agents needs at least one Agent"),
    (lambda: StaticWorld(agents=(Agent(name="a"),), public_fraction=1.0),
     r"public_fraction must be in \(0, 1\)"),
    (lambda: StaticWorld(agents=(Agent(name="a"),), n_classes=1),
     r"n_classes must be in \[2, 1000000\]"),
    (lambda: StaticWorld(agents=(Agent(name="a"), Agent(name="a"))), r"duplicates \['a'\]"),
    (lambda: Agent(name="a", exploit=1.5), r"Agent\('a'\)\.exploit must be in \[0, 1\]"),
    (lambda: Grader(flawed_share=-0.1), r"Grader.flawed_share must be in \[0, 1\]"),
    (lambda: static_preset("kaggle"), r"static preset 'kaggle' unknown"),
])
def test_static_config_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_static_truth_is_the_fresh_data_accuracy():
    world = static_preset("ladder")
    truth = static_truth(world).set_index("agent")["true_score"]
    fresh = draw_holdout(world, rng=1, n_items=200_000)
    acc = pd.Series(fresh.score(predict_labels(world, fresh, rng=2), "all"),
                    index=[a.name for a in world.agents])
    se = np.sqrt(truth * (1 - truth) / 200_000)
    assert np.all(np.abs(acc - truth.reindex(acc.index)) < 4 * se)
    assert (truth > 0.5).all() and (truth < 1).all()


def test_holdout_scores_public_and_private_splits():
    world = static_preset("ladder")
    hold = draw_holdout(world, rng=3)
    assert hold.public.sum() == 2000 and len(hold) == 4000
    rng = np.random.default_rng(4)
    random = rng.integers(0, 2, (400, len(hold)))  # k = 400 random submissions
    pub = hold.score(random, "public")
    assert pub.shape == (400,)
    # chance accuracy, sd sqrt(0.25 / 2000) per submission
    assert abs(pub.mean() - 0.5) < 4 * math.sqrt(0.25 / 2000 / 400)
    assert hold.score(hold.labels, "private") == 1.0
    with pytest.raises(ValueError, match="predictions have 3 labels"):
        hold.score([0, 1, 0])
    with pytest.raises(ValueError, match="split='test' unknown"):
        hold.score(hold.labels, "test")


def test_flawed_graders_reward_exploiting_agents():
    world = static_preset("flawed-agentic")
    res = run_static(world, rng=5)
    assert list(res.scores.columns) == STATIC_SCORE_COLUMNS
    att = res.attempts
    gain = att.assign(g=att["passed"].astype(float) - att["solved"]).groupby("agent")["g"].mean()
    exploiters = [a.name for a in world.agents if a.exploit > 0]
    honest = [a.name for a in world.agents if a.exploit == 0]
    # exploiters: ~ flawed_share * exploit * (1 - solve rate) extra passes
    assert gain[exploiters].min() > gain[honest].max()
    assert (att.loc[att["exploited"], "flawed"]).all()
    assert not (att["exploited"] & att["solved"]).any()
    # a grader that never errs reports the solve rate
    clean = StaticWorld(agents=world.agents, n_items=300)
    res = run_static(clean, rng=6)
    assert (res.attempts["passed"] == res.attempts["solved"]).all()


def test_static_runs_are_reproducible():
    world = static_preset("flawed-agentic")
    a = run_static(world, rng=9).scores
    b = run_static(world, rng=9).scores
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(run_static(world, rng=10).scores)


# ---------------------------------------------------------------------------------- CLI
def test_cli_presets_match_the_registry():
    assert sorted(PRESET_NAMES) == sorted(PRESETS)


def test_cli_simulate_writes_votes_and_truth(tmp_path, capsys):
    out = tmp_path / "votes.parquet"
    truth = tmp_path / "truth.csv"
    rc = main(["simulate", "--preset", "seal-like", "--votes", "3000", "--seed", "4",
               "--out", str(out), "--truth", str(truth)])
    assert rc == 0
    votes = pd.read_parquet(out)
    assert len(votes) == 3000
    assert {"model_a", "model_b", "winner", "voter_id", "country", "language", "position",
            "timestamp", "style_tokens_a"} <= set(votes.columns)
    t = pd.read_csv(truth)
    assert list(t.columns) == TRUTH_COLUMNS
    assert set(t["scope"]) == {"overall", "segment", "real_world"}
    # same seed, same file
    out2 = tmp_path / "again.parquet"
    main(["simulate", "--preset", "seal-like", "--votes", "3000", "--seed", "4",
          "--out", str(out2)])
    pd.testing.assert_frame_equal(votes, pd.read_parquet(out2))
    # the written votes rate
    rc = main(["rate", str(out), "--out", str(tmp_path / "board.csv")])
    assert rc == 0


def test_written_parquet_reads_back_as_the_canonical_table(tmp_path):
    from sealvalid.data import read_votes, validate_votes
    from sealvalid.sim import preset, simulate

    r = simulate(preset("lmarena-like"), 2_000, rng=1)
    r.write(tmp_path / "v.parquet")
    back = read_votes(tmp_path / "v.parquet")
    pd.testing.assert_frame_equal(back[list(r.votes.columns)], r.votes, check_exact=True)
    pd.testing.assert_frame_equal(validate_votes(r.to_frame(strings="category")), r.votes)
    r.write(tmp_path / "v.csv")
    assert len(pd.read_csv(tmp_path / "v.csv")) == 2_000
    with pytest.raises(ValueError, match="unknown table extension"):
        r.write(tmp_path / "v.xlsx")
    with pytest.raises(ValueError, match="strings='bytes' unknown"):
        r.to_frame(strings="bytes")


@pytest.mark.parametrize("argv, match", [
    (["--votes", "0"], "--votes must be >= 1"),
    (["--votes", "10", "--models", "1"], "n_models must be an integer >= 2"),
    (["--votes", "10", "--out", "x.txt"], "unknown table extension"),
    (["--votes", "10", "--truth", "t.json"], "--truth 't.json': unknown table extension"),
])
def test_cli_simulate_bad_input_exits_2_with_one_line(argv, match, tmp_path, capsys,
                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc = main(["simulate", "--preset", "bt-simple", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(err) == 1 and match in err[0] and err[0].startswith("sealvalid simulate: error:")


def test_loading_the_simulate_subcommand_costs_no_pandas_import():
    import subprocess
    import sys

    code = ("import sys, sealvalid.sim.cli; "
            "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules, "
            "sorted(m for m in sys.modules if m.startswith(('pandas', 'numpy')))[:3]")
    subprocess.run([sys.executable, "-c", code], check=True)
