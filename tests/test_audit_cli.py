"""``sealvalid audit``: one self-contained report, seeded, one-line errors with exit 2."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sealvalid.cli import main
from sealvalid.data import read_votes, validate_votes
from sealvalid.rating import BradleyTerry
from sealvalid.sim import ToyArena, toy_votes


@pytest.fixture(scope="module")
def votes_file(tmp_path_factory):
    votes, _ = toy_votes(ToyArena(n_models=7, quality_sd=50.0, style_coef=(0.6, 0, 0, 0)), 5000,
                         rng=21)
    path = tmp_path_factory.mktemp("audit") / "votes.parquet"
    votes.to_parquet(path, index=False)
    return path


def _check_html(path: Path, min_figures: int) -> str:
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) >= min_figures
    # self-contained: no external links, scripts, style sheets or images
    assert not re.search(r'(src|href)="(?!data:)', html)
    assert "http://" not in html and "https://" not in html and "<script" not in html
    return html


def test_audit_votes_writes_one_report(votes_file, tmp_path, capsys):
    out = tmp_path / "a"
    assert main(["audit", str(votes_file), "--by", "language", "--seed", "4", "--out", str(out),
                 "--random-draws", "30"]) == 0
    printed = capsys.readouterr().out
    assert "dethroned by dropping" in printed and "report.html" in printed
    html = _check_html(out / "report.html", min_figures=8)
    for section in ("At a glance", "The board, with 95% intervals", "Rank intervals",
                    "Fragility", "Worst case against random drops", "Votes needed",
                    "Segment boards", "Style control", "Method and assumptions"):
        assert section in html
    assert "Minimum cell size" in html and "coef (rating points)" in html
    frag = pd.read_csv(out / "fragility.csv")
    assert frag["drop_verified"][frag["drop_k"].notna()].all()
    # the same seed writes the same tables
    out2 = tmp_path / "b"
    assert main(["audit", str(votes_file), "--by", "language", "--seed", "4", "--out",
                 str(out2), "--random-draws", "30"]) == 0
    pd.testing.assert_frame_equal(frag, pd.read_csv(out2 / "fragility.csv"))


@pytest.mark.realdata
def test_audit_llmfao_end_to_end(shared_data, tmp_path):
    path = shared_data / "llmfao-crowd-vs-gpt-judge" / "crowd-comparisons.csv"
    out = tmp_path / "llmfao"
    assert main(["audit", str(path), "--seed", "1", "--out", str(out),
                 "--random-draws", "20"]) == 0
    _check_html(out / "report.html", min_figures=6)
    frag = pd.read_csv(out / "fragility.csv")
    flips = pd.read_csv(out / "flip_votes.csv")
    found = frag[frag["drop_k"].notna()]
    assert len(found) == len(frag) and found["drop_verified"].all()
    # every claimed flip, re-checked from the written files with the rating engine
    votes = read_votes(path)
    for _, r in found.iterrows():
        rows = flips.loc[(flips["kind"] == r["kind"]) & (flips["rank"] == r["rank"]), "row"]
        assert len(rows) == r["drop_k"]
        bt = BradleyTerry().fit(validate_votes(votes.drop(index=rows).reset_index(drop=True)))
        assert bt.ratings_[r["model_below"]] > bt.ratings_[r["model_above"]], r["rank"]


@pytest.mark.realdata
def test_audit_published_table(shared_data, tmp_path, capsys):
    path = shared_data / "lmarena-leaderboard-csv-history" / "lmsys_snapshots" / \
        "lmsys_2025-07-18_f1d824ad.csv"
    out = tmp_path / "table"
    assert main(["audit", str(path), "--seed", "2", "--out", str(out)]) == 0
    assert "P(#1 > #2)" in capsys.readouterr().out
    html = _check_html(out / "report.html", min_figures=5)
    assert "The approximation, stated" in html and "Gemini-2.5-Pro" in html
    pairs = pd.read_csv(out / "pairs.csv")
    assert len(pairs) == 217


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["audit", "/nonexistent/votes.csv", "--out", "{tmp}/o"], "does not exist"),
        (["audit", "{junk}", "--out", "{tmp}/o"], "neither a vote file nor a leaderboard"),
        (["audit", "{votes}", "--by", "country", "--out", "{tmp}/o"], "['country']"),
        (["audit", "{votes}", "--format", "nosuch", "--out", "{tmp}/o"], "nosuch"),
        (["audit", "{votes}", "--max-share", "2", "--out", "{tmp}/o"], "--max-share"),
        (["audit", "{votes}", "--out", "{junk}"], "is not a folder"),
        (["audit", "{bad}", "--out", "{tmp}/o"], "column 'winner' has 1 of 2 rows"),
    ],
)
def test_audit_bad_input_one_line_exit_2(args, needle, votes_file, tmp_path, capsys):
    junk = tmp_path / "junk.csv"
    junk.write_text("foo,bar\n1,2\n")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"model_a": ["a", "b"], "model_b": ["b", "a"],
                  "winner": ["model_a", "draw"]}).to_csv(bad, index=False)
    args = [a.format(votes=votes_file, tmp=tmp_path, junk=junk, bad=bad) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert needle in err
    assert "Traceback" not in err
