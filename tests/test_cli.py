"""The CLI contract: formats in, tables out, one-line errors with exit code 2, fast start."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from sealvalid.cli import main
from sealvalid.rating import BOARD_COLUMNS
from sealvalid.sim import ToyArena, toy_votes


@pytest.fixture(scope="module")
def votes_file(tmp_path_factory):
    votes, _ = toy_votes(ToyArena(n_models=6, style_coef=(0.5, 0, 0, 0)), 4000, rng=3)
    path = tmp_path_factory.mktemp("cli") / "votes.csv"
    votes.to_csv(path, index=False)
    return path


def test_rate_writes_board(votes_file, tmp_path):
    out = tmp_path / "board.csv"
    assert main(["rate", str(votes_file), "--format", "canonical", "--out", str(out)]) == 0
    board = pd.read_csv(out)
    assert list(board.columns[: len(BOARD_COLUMNS)]) == BOARD_COLUMNS
    assert len(board) == 6
    assert board["rating"].mean() == pytest.approx(1000)


def test_rate_bootstrap_seeded_parquet(votes_file, tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for out in (a, b):
        assert main(["rate", str(votes_file), "--bootstrap", "50", "--seed", "7",
                     "--out", str(out)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))


def test_rate_by_segment_and_anchor(votes_file, tmp_path, capsys):
    out = tmp_path / "seg.csv"
    assert main(["rate", str(votes_file), "--by", "language", "--min-votes", "500",
                 "--anchor", "model-00=1114", "--out", str(out)]) == 0
    seg = pd.read_csv(out)
    assert "language" in seg.columns
    assert seg.loc[seg["model"] == "model-00", "rating"].tolist() == pytest.approx([1114] * 3)
    assert "not rated" in capsys.readouterr().err  # the small 'de' segment is reported


def test_rate_style_control(votes_file, capsys):
    assert main(["rate", str(votes_file), "--style-control"]) == 0
    printed = capsys.readouterr().out
    assert "tokens" in printed and "coef" in printed


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["rate", "/nonexistent/votes.csv"], "nonexistent"),
        (["rate", "{votes}", "--out", "{tmp}/x.txt"], "unknown table extension"),
        (["rate", "{votes}", "--anchor", "nobody=1000"], "anchor model 'nobody'"),
        (["rate", "{votes}", "--by", "country"], "segment column(s) ['country']"),
        (["rate", "{bad}"], "column 'winner' has 1 of 2 rows"),
        (["rate", "{votes}", "--format", "nosuchformat"], "nosuchformat"),
    ],
)
def test_bad_input_one_line_exit_2(args, needle, votes_file, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"model_a": ["a", "b"], "model_b": ["b", "a"],
                  "winner": ["model_a", "draw"]}).to_csv(bad, index=False)
    args = [a.format(votes=votes_file, tmp=tmp_path, bad=bad) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert needle in err
    assert "Traceback" not in err


def test_rate_process_imports_no_pymc(votes_file, tmp_path):
    out = tmp_path / "b.csv"
    code = (
        "import sys; from sealvalid.cli import main; "
        f"rc = main(['rate', {str(votes_file)!r}, '--out', {str(out)!r}]); "
        "assert rc == 0; "
        "heavy = [m for m in ('pymc', 'pytensor', 'arviz') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert res.stdout.strip() == ""


def test_console_script_exit_code(votes_file):
    res = subprocess.run([sys.executable, "-m", "sealvalid.cli", "rate", "/nope.csv"],
                         capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1


def test_demo_fast(tmp_path):
    out = tmp_path / "demo"
    assert main(["demo", "--fast", "--seed", "5", "--out", str(out)]) == 0
    for name in ("board.csv", "board_style_controlled.csv", "style_coefficients.csv",
                 "segment_boards.csv", "recovery.csv", "boards.png", "segments.png",
                 "report.html", "fragility.csv",
                 "summary.md", "manifest.json"):
        assert (out / name).exists(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5
    rec = pd.read_csv(out / "recovery.csv").set_index("board")
    # style control moves the board towards the true quality
    assert rec.loc["style_controlled", "mean_abs_error_vs_truth"] < \
        rec.loc["bradley_terry", "mean_abs_error_vs_truth"]
    # same seed, same numbers
    out2 = tmp_path / "demo2"
    main(["demo", "--fast", "--seed", "5", "--out", str(out2)])
    pd.testing.assert_frame_equal(pd.read_csv(out / "board.csv"), pd.read_csv(out2 / "board.csv"))


def test_validate_real_file(shared_data, tmp_path, capsys):
    src = shared_data / "llmfao-crowd-vs-gpt-judge" / "crowd-comparisons.csv"
    out = tmp_path / "canonical.parquet"
    assert main(["validate", str(src), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("8931 votes, 59 models, format llmfao")
    back = pd.read_parquet(out)
    assert len(back) == 8931
    # the canonical Parquet reads back through the fast path with identical content
    assert main(["validate", str(out)]) == 0
    assert capsys.readouterr().out.startswith("8931 votes, 59 models, format canonical")


def test_validate_invalid_rows_exit_2(shared_data, capsys):
    src = shared_data / "copilot-arena-examples" / "copilot_arena_examples_v1.csv"
    assert main(["validate", str(src)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "on_invalid='drop'" in err


def test_validate_on_invalid_drop(shared_data, capsys):
    src = shared_data / "copilot-arena-examples" / "copilot_arena_examples_v1.csv"
    assert main(["validate", str(src), "--on-invalid", "drop"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("112 votes, 11 models")
    assert "dropped 1 of 113 rows" in captured.err
