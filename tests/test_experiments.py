"""Experiments: config validation, bit-identical results across executors, kill-and-resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from sealvalid.cli import main
from sealvalid.experiments.config import load_config
from sealvalid.experiments.runner import run_experiment

REPO = Path(__file__).resolve().parents[1]

CONFIG = """
[experiment]
name = "tiny"
task = "rating_recovery"
seed = 7
replicates = {replicates}
chunk = {chunk}

[params]
n_votes = {n_votes}
tie_rate = 0.0

[grid]
n_models = [4, 6]
"""


def write_config(folder: Path, replicates=6, chunk=2, n_votes=800) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(CONFIG.format(replicates=replicates, chunk=chunk,
                                                      n_votes=n_votes))
    return folder


def test_config_hash_ignores_name(tmp_path):
    a = load_config(write_config(tmp_path / "a"))
    text = (tmp_path / "a" / "config.toml").read_text().replace('"tiny"', '"other"')
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "config.toml").write_text(text)
    b = load_config(tmp_path / "b")
    assert a.hash == b.hash and a.name != b.name
    c = load_config(write_config(tmp_path / "c", replicates=7))
    assert c.hash != a.hash


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[experiment]\nname='x'\ntask='nope'\nseed=1\n", "task 'nope' unknown"),
        ("[experiment]\nname='x'\ntask='rating_recovery'\n", "lacks ['seed']"),
        ("[experiment]\nname='x'\ntask='rating_recovery'\nseed=1\nreplicates=0\n",
         "replicates must be an integer >= 1"),
        ("[experiment]\nname='x'\ntask='rating_recovery'\nseed=1\n[grid]\nn_votes=5\n",
         "grid.n_votes must be a non-empty list"),
        ("[experiment]\nname='x'\ntask='rating_recovery'\nseed=1\n[extra]\n", "unknown table"),
        ("[experiment]\nname='x'\ntask='rating_recovery'\nseed=1\nfoo=2\n", "unknown [exp"),
        ("not toml = = 1", "not valid TOML"),
    ],
)
def test_config_errors(tmp_path, text, needle):
    (tmp_path / "config.toml").write_text(text)
    with pytest.raises(ValueError) as info:
        load_config(tmp_path)
    assert needle in str(info.value)


def test_executors_give_identical_results(tmp_path):
    cfg = write_config(tmp_path / "cfg")
    serial = run_experiment(cfg, out=tmp_path / "serial", executor="serial", progress=False)
    local = run_experiment(cfg, out=tmp_path / "local", executor="local", workers=2,
                           progress=False)
    dask = run_experiment(cfg, out=tmp_path / "dask", executor="dask", workers=2,
                          progress=False)
    a = pd.read_parquet(serial / "results.parquet")
    pd.testing.assert_frame_equal(a, pd.read_parquet(local / "results.parquet"))
    pd.testing.assert_frame_equal(a, pd.read_parquet(dask / "results.parquet"))
    assert len(a) == 6 * (4 + 6)
    assert (serial / "tables" / "coverage.tex").exists()
    for suffix in (".png", ".svg", ".pdf", ".json"):
        assert (serial / "figures" / f"coverage{suffix}").exists()


def test_kill_and_resume_is_exact(tmp_path):
    cfg = write_config(tmp_path / "cfg", replicates=24, chunk=1, n_votes=20000)
    reference = run_experiment(cfg, out=tmp_path / "ref", executor="serial", progress=False)
    out = tmp_path / "killed"
    code = textwrap.dedent(f"""
        from sealvalid.experiments.runner import run_experiment
        run_experiment({str(cfg)!r}, out={str(out)!r}, executor="serial", progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    parts = out / "parts"
    deadline = time.time() + 120
    while time.time() < deadline:
        done = list(parts.glob("*.parquet")) if parts.exists() else []
        if len(done) >= 3:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    n_before = len(list(parts.glob("*.parquet")))
    assert 3 <= n_before < 48, "the run must be killed part-way"
    assert not (out / "results.parquet").exists()
    resumed = run_experiment(cfg, out=out, executor="local", workers=2, progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(reference / "results.parquet"),
                                  pd.read_parquet(resumed / "results.parquet"))
    import json

    manifest = json.loads((resumed / "manifest.json").read_text())
    assert manifest["n_units_resumed"] == n_before
    assert manifest["n_units"] == 48


def test_resume_refuses_other_config(tmp_path):
    out = tmp_path / "out"
    run_experiment(write_config(tmp_path / "a"), out=out, executor="serial", progress=False)
    with pytest.raises(ValueError, match="holds results of config"):
        run_experiment(write_config(tmp_path / "b", replicates=3), out=out, executor="serial",
                       progress=False)


def test_cli_run(tmp_path, capsys):
    cfg = write_config(tmp_path / "cfg", replicates=2)
    assert main(["run", str(cfg), "--out", str(tmp_path / "o"), "--executor", "serial",
                 "--quiet"]) == 0
    assert (tmp_path / "o" / "manifest.json").exists()
    assert main(["run", str(tmp_path / "missing")]) == 2
    assert "no experiment config" in capsys.readouterr().err


def test_shipped_configs_load():
    for cfg in sorted((REPO / "experiments").glob("*/config.toml")):
        load_config(cfg)
