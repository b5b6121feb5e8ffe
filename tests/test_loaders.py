"""Tests for sealvalid.data.loaders: real files (counts from the stdlib), fixtures, errors."""

from __future__ import annotations

import csv
import json
import pickle
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sealvalid.data.loaders import VOTE_FORMATS, read_votes, sniff_vote_format
from sealvalid.data.schema import STYLE_COLUMNS, WINNER_LABELS, VoteTableError, validate_votes

LLMFAO = "llmfao-crowd-vs-gpt-judge"
PANDALM = "pandalm-testset-3annotators-vs-llm-judges"
PRD = "prd-vicuna80-human-vs-llm-reviewers"
COPILOT = "copilot-arena-examples/copilot_arena_examples_v1.csv"
ARENA_HARD = "arena-hard-auto-scores/arena_hard_battles_llm_judge_20240908.jsonl"
CANON = ["model_a", "model_b", "winner"]


# --------------------------------------------------------------------------------------------
# helpers: independent readers (stdlib only)
# --------------------------------------------------------------------------------------------


def csv_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def jsonl_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def counts(series: pd.Series) -> dict:
    return {k: int(v) for k, v in series.astype(str).value_counts().items()}


def assert_valid(votes: pd.DataFrame, fmt: str, path: Path) -> None:
    pd.testing.assert_frame_equal(validate_votes(votes), votes)
    assert votes.attrs["source_format"] == fmt
    assert votes.attrs["source_path"] == str(Path(path).resolve())
    assert isinstance(votes.attrs["n_dropped"], int)


# --------------------------------------------------------------------------------------------
# real data: LLMFAO
# --------------------------------------------------------------------------------------------

LLMFAO_FILES = {
    "crowd-comparisons.csv": ("crowd", None),
    "gpt3-comparisons.csv": ("llm_judge", "gpt-3.5"),
    "gpt4-comparisons.csv": ("llm_judge", "gpt-4"),
    "gpt3-crowd-comparisons.csv": ("llm_judge", "gpt-3.5"),
    "gpt4-crowd-comparisons.csv": ("llm_judge", "gpt-4"),
}


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(LLMFAO_FILES))
def test_llmfao_real(shared_data, name):
    path = shared_data / LLMFAO / name
    rows = csv_rows(path)
    votes = read_votes(path)
    assert sniff_vote_format(path) == "llmfao"
    assert_valid(votes, "llmfao", path)
    assert len(votes) == len(rows)
    rater, judge = LLMFAO_FILES[name]
    assert set(votes["rater_type"].astype(str)) == {rater}
    side = {"left": "model_a", "right": "model_b", "tie": "tie"}
    assert counts(votes["winner"]) == dict(Counter(side[r["winner"]] for r in rows))
    assert votes["model_a"].astype(str).tolist() == [r["left"] for r in rows]
    assert votes["model_b"].astype(str).tolist() == [r["right"] for r in rows]
    assert votes["prompt_id"].tolist() == [r["prompt"] for r in rows]
    assert (votes["position"] == "model_a").all()
    if rater == "crowd":
        assert votes["voter_id"].tolist() == [r["worker"] for r in rows]
        assert votes["voter_id"].nunique() == len({r["worker"] for r in rows}) == 124
    else:
        assert (votes["voter_id"] == judge).all()
    # spot values (SOURCE.txt examples)
    assert votes.loc[0, "model_a"] == "Airoboros L2 70B"
    assert votes.loc[0, "model_b"] == "Weaver 12k"
    assert votes.loc[0, "prompt_id"] == "8"


@pytest.mark.realdata
def test_llmfao_counts_match_source_txt(shared_data):
    assert len(read_votes(shared_data / LLMFAO / "crowd-comparisons.csv")) == 8931
    assert len(read_votes(shared_data / LLMFAO / "gpt4-comparisons.csv")) == 3236
    assert len(read_votes(shared_data / LLMFAO / "gpt4-crowd-comparisons.csv")) == 2139


# --------------------------------------------------------------------------------------------
# real data: PandaLM
# --------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_pandalm_testset_one_vote_per_annotator(shared_data):
    path = shared_data / PANDALM / "testset-v1.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    votes = read_votes(path)
    assert sniff_vote_format(path) == "pandalm"
    assert_valid(votes, "pandalm", path)
    assert len(items) == 999
    assert len(votes) == 3 * len(items) == 2997
    assert set(votes["rater_type"].astype(str)) == {"expert"}
    code = {0: "tie", 1: "model_a", 2: "model_b"}
    for k in (1, 2, 3):
        mine = votes[votes["voter_id"] == f"annotator{k}"]
        assert counts(mine["winner"]) == dict(Counter(code[it[f"annotator{k}"]] for it in items))
    first = votes.iloc[:3]
    m1, m2 = items[0]["cmp_key"].split("_")
    assert (first["model_a"] == m1).all() and (first["model_b"] == m2).all()
    assert first["voter_id"].tolist() == ["annotator1", "annotator2", "annotator3"]
    assert first["winner"].astype(str).tolist() == [
        code[items[0][f"annotator{k}"]] for k in (1, 2, 3)
    ]
    assert (first["prompt_id"] == "0").all()
    assert first["category"].iloc[0] == items[0]["motivation_app"] == "Grammarly"


@pytest.mark.realdata
def test_pandalm_gpt_judge_garbage_is_invalid(shared_data):
    path = shared_data / PANDALM / "gpt-3.5-turbo-testset-v1.json"
    judged = json.loads(path.read_text(encoding="utf-8"))
    n_garbage = Counter(r["gpt_result"] for r in judged)["garbage"]
    assert n_garbage == 25
    assert sniff_vote_format(path) == "pandalm"
    with pytest.raises(VoteTableError, match=r"'winner' has 25 of 999 rows.*garbage"):
        read_votes(path)
    with pytest.warns(UserWarning, match="dropped 25 of 999"):
        votes = read_votes(path, on_invalid="drop")
    assert_valid(votes, "pandalm", path)
    assert len(votes) == 999 - n_garbage == 974
    assert votes.attrs["n_dropped"] == 25
    assert votes.attrs["drop_reasons"] == {"winner: unknown label": 25}
    assert set(votes["rater_type"].astype(str)) == {"llm_judge"}
    assert set(votes["voter_id"]) == {"gpt-3.5-turbo"}
    gpt = {"1": "model_a", "2": "model_b", "Tie": "tie"}
    assert counts(votes["winner"]) == dict(
        Counter(gpt[r["gpt_result"]] for r in judged if r["gpt_result"] != "garbage")
    )
    # the upstream metric treats garbage as a tie: winner_labels expresses that explicitly
    as_upstream = read_votes(path, winner_labels={"garbage": "tie"})
    assert len(as_upstream) == 999
    assert counts(as_upstream["winner"])["tie"] == 38 + 25


@pytest.mark.realdata
def test_pandalm_7b_judge_joins_model_names(shared_data):
    path = shared_data / PANDALM / "pandalm-7b-testset-v1.json"
    judged = json.loads(path.read_text(encoding="utf-8"))
    items = json.loads((shared_data / PANDALM / "testset-v1.json").read_text(encoding="utf-8"))
    votes = read_votes(path)
    assert sniff_vote_format(path) == "pandalm"
    assert_valid(votes, "pandalm", path)
    assert len(votes) == len(judged) == 999
    assert set(votes["voter_id"]) == {"pandalm-7b"}
    assert set(votes["rater_type"].astype(str)) == {"llm_judge"}
    code = {0: "tie", 1: "model_a", 2: "model_b"}
    assert counts(votes["winner"]) == dict(Counter(code[r["pandalm_result"]] for r in judged))
    by_idx = {it["idx"]: it["cmp_key"] for it in items}
    for i in (0, 500, 998):
        m1, m2 = by_idx[judged[i]["idx"]].split("_")
        assert (votes.loc[i, "model_a"], votes.loc[i, "model_b"]) == (m1, m2)
        assert votes.loc[i, "winner"] == code[judged[i]["pandalm_result"]]


def test_pandalm_judge_without_testset_raises(tmp_path):
    path = tmp_path / "pandalm-7b-testset-v1.json"
    path.write_text(json.dumps([{"idx": 0, "pandalm_result": 1, "pandalm_reason": "r"}]))
    with pytest.raises(VoteTableError, match="testset-v1.json"):
        read_votes(path)


# --------------------------------------------------------------------------------------------
# real data: PRD
# --------------------------------------------------------------------------------------------


def prd_expected(row: dict) -> tuple:
    """(model_a, model_b, winner, position) in sorted-name orientation, from a compact row."""
    m1, m2, score = row["model_1"], row["model_2"], row["score"]
    first = {"1": "model_a", "2": "model_b", "3": "tie"}[score]
    if m1 <= m2:
        return m1, m2, first, "model_a"
    flip = {"model_a": "model_b", "model_b": "model_a", "tie": "tie"}
    return m2, m1, flip[first], "model_b"


@pytest.mark.realdata
def test_prd_compact(shared_data):
    path = shared_data / PRD / "pairwise_ratings_compact.csv"
    rows = csv_rows(path)
    votes = read_votes(path)
    assert sniff_vote_format(path) == "prd"
    assert_valid(votes, "prd", path)
    assert len(votes) == len(rows) == 15200
    got = list(
        zip(
            votes["model_a"].astype(str),
            votes["model_b"].astype(str),
            votes["winner"].astype(str),
            votes["position"].astype(str),
            strict=True,
        )
    )
    assert got == [prd_expected(r) for r in rows]
    assert (votes["model_a"].astype(str) < votes["model_b"].astype(str)).all()
    assert set(votes["position"].astype(str)) == {"model_a", "model_b"}
    human = votes["reviewer"] == "human"
    assert int(human.sum()) == sum(r["reviewer"] == "human" for r in rows) == 7040
    assert set(votes.loc[human, "rater_type"].astype(str)) == {"crowd"}
    assert votes.loc[human, "voter_id"].isna().all()
    assert set(votes.loc[~human, "rater_type"].astype(str)) == {"llm_judge"}
    assert (votes.loc[~human, "voter_id"] == votes.loc[~human, "reviewer"]).all()
    assert counts(votes["reviewer"]) == dict(Counter(r["reviewer"] for r in rows))
    assert votes["prompt_id"].tolist() == [r["question_id"] for r in rows]
    # spot value: SOURCE.txt's first example, bard reviewing bard vs claude on question 1
    assert tuple(votes.loc[0, ["model_a", "model_b", "winner", "voter_id", "prompt_id"]]) == (
        "bard",
        "claude",
        "model_a",
        "bard",
        "1",
    )


@pytest.mark.realdata
@pytest.mark.parametrize(
    "raw",
    [
        "ratings-human/answer_bard-vs-answer_gpt4-human-reviewer_threeclass.jsonl",
        "ratings-gpt35/answer-gpt35-vs-answer-gpt4-gpt35-reviewer-threeclass.jsonl",
        "ratings-vicuna-13b/answer_vicuna-13b-vs-answer_gpt4-vicuna-13b-reviewer.jsonl",
    ],
)
def test_prd_raw_file_matches_compact(shared_data, raw):
    path = shared_data / PRD / "raw" / "vicuna80" / raw
    votes = read_votes(path)
    assert sniff_vote_format(path) == "prd"
    assert_valid(votes, "prd", path)
    assert len(votes) == len(jsonl_rows(path))
    compact = read_votes(shared_data / PRD / "pairwise_ratings_compact.csv")
    same = compact[compact["source_file"] == raw].reset_index(drop=True)
    cols = ["model_a", "model_b", "winner", "position", "prompt_id", "rater_type", "reviewer"]
    left = votes[cols].astype(str).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, same[cols].astype(str))


# --------------------------------------------------------------------------------------------
# real data: Copilot Arena, Arena-Hard
# --------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_copilot_arena_real(shared_data):
    path = shared_data / COPILOT
    rows = csv_rows(path)
    assert len(rows) == 113
    complete = [r for r in rows if r.get("acceptedIndex") not in (None, "")]
    assert sniff_vote_format(path) == "copilot_arena"
    with pytest.raises(VoteTableError, match=r"acceptedIndex.*1 of 113 rows"):
        read_votes(path)
    with pytest.warns(UserWarning, match="dropped 1 of 113"):
        votes = read_votes(path, on_invalid="drop")
    assert_valid(votes, "copilot_arena", path)
    assert len(votes) == len(complete) == 112
    assert votes.attrs["n_dropped"] == 1
    assert sum(votes.attrs["drop_reasons"].values()) == 1
    index = {"0.0": "model_a", "1.0": "model_b"}
    assert counts(votes["winner"]) == dict(Counter(index[r["acceptedIndex"]] for r in complete))
    assert votes["model_a"].astype(str).tolist() == [r["model_a"] for r in complete]
    assert votes.loc[0, "model_a"] == "claude-3-5-sonnet-20241022"
    assert votes.loc[0, "winner"] == "model_a"
    assert set(votes["rater_type"].astype(str)) == {"crowd"}
    assert not {"prefix", "suffix", "completion_a", "completion_b"} & set(votes.columns)
    # SOURCE.txt says 12 models; the file names 11 distinct ones (12 only if the empty name of
    # the truncated row is counted)
    names = {r["model_a"] for r in complete} | {r["model_b"] for r in complete}
    assert votes["model_a"].cat.categories.size == len(names) == 11


@pytest.mark.realdata
def test_arena_hard_real(shared_data):
    path = shared_data / ARENA_HARD
    rows = jsonl_rows(path)
    votes = read_votes(path)
    assert sniff_vote_format(path) == "arena_hard"
    assert_valid(votes, "arena_hard", path)
    assert len(votes) == len(rows) == 1348
    assert counts(votes["winner"]) == dict(Counter(r["winner"] for r in rows))
    assert set(votes["rater_type"].astype(str)) == {"llm_judge"}
    assert votes["prompt_id"].tolist() == [str(r["question_id"]) for r in rows]
    assert votes["prompt_id"].nunique() == 100
    assert votes.loc[0, "model_b"] == "claude-3-5-sonnet-20240620"


# --------------------------------------------------------------------------------------------
# fixtures: FastChat clean_battle
# --------------------------------------------------------------------------------------------


def test_fastchat_fixture(fixtures_dir):
    path = fixtures_dir / "clean_battle_sample.json"
    battles = json.loads(path.read_text(encoding="utf-8"))
    votes = read_votes(path)
    assert sniff_vote_format(path) == "fastchat"
    assert_valid(votes, "fastchat", path)
    assert len(votes) == len(battles) == 20
    label = {
        "model_a": "model_a",
        "model_b": "model_b",
        "tie": "tie",
        "tie (bothbad)": "tie_bothbad",
    }
    assert votes["winner"].astype(str).tolist() == [label[b["winner"]] for b in battles]
    assert counts(votes["winner"])["tie_bothbad"] == 2
    assert votes["voter_id"].tolist() == [b["judge"] for b in battles]
    assert set(votes["rater_type"].astype(str)) == {"crowd"}
    assert votes["language"].tolist() == [b["language"] for b in battles]
    expected_ts = pd.to_datetime([b["tstamp"] for b in battles], unit="s", utc=True)
    assert (votes["timestamp"].to_numpy() == expected_ts.to_numpy()).all()
    assert votes["question_id"].tolist() == [b["question_id"] for b in battles]
    assert votes["turn"].tolist() == [b["turn"] for b in battles]
    assert votes["anony"].tolist() == [b["anony"] for b in battles]
    assert not {"conv_metadata", "category_tag", "dedup_tag", "judge"} & set(votes.columns)
    for i, b in enumerate(battles):
        meta = b["conv_metadata"]
        if meta is None:
            assert votes.loc[i, list(STYLE_COLUMNS)].isna().all()
            continue
        for side in "ab":
            assert votes.loc[i, f"style_tokens_{side}"] == meta[f"sum_assistant_{side}_tokens"]
            assert votes.loc[i, f"style_headers_{side}"] == sum(
                meta[f"header_count_{side}"].values()
            )
            assert votes.loc[i, f"style_lists_{side}"] == sum(meta[f"list_count_{side}"].values())
            assert votes.loc[i, f"style_bold_{side}"] == sum(meta[f"bold_count_{side}"].values())


def test_fastchat_anonymous_only(fixtures_dir):
    path = fixtures_dir / "clean_battle_sample.json"
    battles = json.loads(path.read_text(encoding="utf-8"))
    votes = read_votes(path, anonymous_only=True)
    n_anon = sum(b["anony"] for b in battles)
    assert len(votes) == n_anon == 17
    assert votes["anony"].all()
    assert votes.attrs["n_non_anonymous"] == 3
    assert votes["question_id"].tolist() == [b["question_id"] for b in battles if b["anony"]]


def test_fastchat_json_lines_in_dot_json(fixtures_dir, tmp_path):
    battles = json.loads((fixtures_dir / "clean_battle_sample.json").read_text(encoding="utf-8"))
    path = tmp_path / "clean_battle_lines.json"
    path.write_text("\n".join(json.dumps(b) for b in battles) + "\n", encoding="utf-8")
    a = read_votes(fixtures_dir / "clean_battle_sample.json")
    b = read_votes(path)
    pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------------------------
# fixtures: arena-human-preference 55k / 100k / 140k
# --------------------------------------------------------------------------------------------


def test_arena_hp_55k_fixture(fixtures_dir):
    path = fixtures_dir / "arena_hp_55k_sample.csv"
    rows = csv_rows(path)
    votes = read_votes(path)
    assert sniff_vote_format(path) == "arena_hp_55k"
    assert_valid(votes, "arena_hp_55k", path)
    assert len(votes) == len(rows) == 8
    hot = {"winner_model_a": "model_a", "winner_model_b": "model_b", "winner_tie": "tie"}
    expected = [next(hot[c] for c in hot if r[c] == "1") for r in rows]
    assert votes["winner"].astype(str).tolist() == expected
    assert votes["id"].tolist() == [r["id"] for r in rows]
    assert "prompt_id" not in votes.columns
    assert not {"prompt", "response_a", "response_b", *hot} & set(votes.columns)


def test_arena_hp_55k_bad_one_hot(fixtures_dir, tmp_path):
    rows = csv_rows(fixtures_dir / "arena_hp_55k_sample.csv")
    rows[1].update(winner_model_a="1", winner_model_b="1", winner_tie="0")
    rows[4].update(winner_model_a="0", winner_model_b="0", winner_tie="0")
    path = tmp_path / "train.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(VoteTableError, match=r"winner_model_a/winner_model_b/winner_tie.*2 of 8"):
        read_votes(path)
    with pytest.warns(UserWarning, match="dropped 2 of 8"):
        votes = read_votes(path, on_invalid="drop")
    assert len(votes) == 6
    reason = "winner_model_a/winner_model_b/winner_tie: not one-hot"
    assert votes.attrs["drop_reasons"] == {reason: 2}


def write_variants(records: list[dict], tmp_path: Path, stem: str, *, csv_json: bool) -> dict:
    """The same records as JSONL, Parquet (nested structs) and CSV (nested cells as text)."""
    paths = {
        "jsonl": tmp_path / f"{stem}.jsonl",
        "parquet": tmp_path / f"{stem}.parquet",
        "csv": tmp_path / f"{stem}.csv",
    }
    paths["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(records), paths["parquet"])
    frame = pd.DataFrame(records)
    if csv_json:  # JSON text cells
        for c in frame.columns:
            if isinstance(records[0][c], dict | list):
                frame[c] = [json.dumps(v) for v in frame[c]]
    frame.to_csv(paths["csv"], index=False)  # otherwise pandas writes Python reprs
    return paths


@pytest.mark.parametrize(
    ("stem", "fmt", "csv_json"),
    [
        ("arena_hp_100k_sample", "arena_hp_100k", False),
        ("arena_hp_140k_sample", "arena_hp_140k", True),
    ],
)
def test_arena_hp_file_types_agree(fixtures_dir, tmp_path, stem, fmt, csv_json):
    records = jsonl_rows(fixtures_dir / f"{stem}.jsonl")
    paths = write_variants(records, tmp_path, stem, csv_json=csv_json)
    frames = {}
    for kind, path in paths.items():
        assert sniff_vote_format(path) == fmt, kind
        frames[kind] = read_votes(path)
        assert_valid(frames[kind], fmt, path)
        assert len(frames[kind]) == len(records) == 10
    committed = read_votes(fixtures_dir / f"{stem}.jsonl")
    cols = [c for c in committed.columns if c in frames["csv"].columns]
    for kind, votes in frames.items():
        pd.testing.assert_frame_equal(
            votes[cols].astype(str), committed[cols].astype(str), obj=kind
        )
    style = committed[list(STYLE_COLUMNS)]
    assert style.notna().all().all()
    for i, r in enumerate(records):
        meta = r["conv_metadata"]
        assert style.loc[i, "style_tokens_a"] == meta["sum_assistant_a_tokens"]
        assert style.loc[i, "style_bold_b"] == sum(meta["bold_count_b"].values())
        assert style.loc[i, "style_lists_a"] == sum(meta["list_count_a"].values())


def test_arena_hp_100k_fixture(fixtures_dir):
    path = fixtures_dir / "arena_hp_100k_sample.jsonl"
    records = jsonl_rows(path)
    votes = read_votes(path)
    label = {
        "model_a": "model_a",
        "model_b": "model_b",
        "tie": "tie",
        "tie (bothbad)": "tie_bothbad",
    }
    assert votes["winner"].astype(str).tolist() == [label[r["winner"]] for r in records]
    assert votes["voter_id"].tolist() == [r["judge_hash"] for r in records]
    assert set(votes["rater_type"].astype(str)) == {"crowd"}
    assert votes.loc[0, "timestamp"] == pd.Timestamp(records[0]["tstamp"], unit="s", tz="UTC")
    assert votes["is_refusal"].sum() == 1
    anon = read_votes(path, anonymous_only=True)
    assert len(anon) == sum(r["anony"] for r in records) == 8


def test_arena_hp_140k_fixture(fixtures_dir):
    path = fixtures_dir / "arena_hp_140k_sample.jsonl"
    records = jsonl_rows(path)
    votes = read_votes(path)
    label = {"model_a": "model_a", "model_b": "model_b", "tie": "tie", "both_bad": "tie_bothbad"}
    assert votes["winner"].astype(str).tolist() == [label[r["winner"]] for r in records]
    assert "voter_id" not in votes.columns
    assert votes["evaluation_session_id"].tolist() == [r["evaluation_session_id"] for r in records]
    assert votes["evaluation_order"].tolist() == [r["evaluation_order"] for r in records]
    assert votes.loc[3, "timestamp"] == pd.Timestamp(records[3]["timestamp"], tz="UTC")
    assert votes["language"].tolist() == [r["language"] for r in records]
    with pytest.raises(ValueError, match="anonymous_only"):
        read_votes(path, anonymous_only=True)


# --------------------------------------------------------------------------------------------
# fixtures: MT-Bench, canonical, mapped
# --------------------------------------------------------------------------------------------


def test_mtbench_fixture(fixtures_dir):
    path = fixtures_dir / "mtbench_sample.jsonl"
    records = jsonl_rows(path)
    assert sniff_vote_format(path) == "mtbench"
    with pytest.raises(VoteTableError, match=r"'winner' has 1 of 10 rows.*'error'.*'model_a'"):
        read_votes(path)
    with pytest.warns(UserWarning, match="dropped 1 of 10"):
        votes = read_votes(path, on_invalid="drop")
    assert_valid(votes, "mtbench", path)
    kept = [r for r in records if r["winner"] != "error"]
    assert len(votes) == len(kept) == 9
    human = [not isinstance(r["judge"], list) for r in kept]
    assert votes["rater_type"].astype(str).tolist() == [
        "expert" if h else "llm_judge" for h in human
    ]
    assert votes["voter_id"].tolist() == [
        r["judge"] if isinstance(r["judge"], str) else "/".join(r["judge"]) for r in kept
    ]
    assert votes.loc[5, "voter_id"] == "gpt-4/pair-v2"
    assert votes["prompt_id"].tolist() == [str(r["question_id"]) for r in kept]
    assert votes["turn"].tolist() == [r["turn"] for r in kept]


def test_mtbench_unknown_judge_kind(tmp_path):
    path = tmp_path / "judgments.jsonl"
    rows = [
        {
            "question_id": 81,
            "model_a": "m1",
            "model_b": "m2",
            "winner": "model_a",
            "judge": "expert_1",
            "turn": 1,
        },
        {
            "question_id": 82,
            "model_a": "m1",
            "model_b": "m2",
            "winner": "tie",
            "judge": "somebody",
            "turn": 1,
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(VoteTableError, match=r"column 'judge' has 1 of 2 rows.*somebody"):
        read_votes(path)


def test_canonical_fixture(fixtures_dir):
    path = fixtures_dir / "canonical_sample.csv"
    rows = csv_rows(path)
    votes = read_votes(path)
    assert sniff_vote_format(path) == "canonical"
    assert_valid(votes, "canonical", path)
    assert len(votes) == len(rows) == 6
    assert votes["winner"].astype(str).tolist() == [r["winner"] for r in rows]
    assert votes["rater_type"].astype(str).tolist() == [r["rater_type"] for r in rows]
    assert votes["weight"].tolist() == [float(r["weight"]) for r in rows]
    assert np.isnan(votes.loc[2, "style_tokens_a"])
    assert votes.loc[0, "timestamp"] == pd.Timestamp("2025-01-02T03:04:05Z")
    assert votes["session"].tolist() == [r["session"] for r in rows]


@pytest.mark.parametrize("ext", ["csv", "parquet", "jsonl"])
def test_canonical_round_trip(fixtures_dir, tmp_path, ext):
    votes = read_votes(fixtures_dir / "clean_battle_sample.json")
    path = tmp_path / f"saved.{ext}"
    if ext == "csv":
        votes.to_csv(path, index=False)
    elif ext == "parquet":
        votes.to_parquet(path, index=False)
    else:
        votes.to_json(path, orient="records", lines=True, date_format="iso")
    assert sniff_vote_format(path) == "canonical"
    back = read_votes(path)
    cols = [*CANON, "voter_id", "rater_type", "timestamp", "language", "position", *STYLE_COLUMNS]
    pd.testing.assert_frame_equal(back[cols], votes[cols], check_dtype=False)
    assert back.attrs["source_format"] == "canonical"


def test_canonical_numeric_timestamps(tmp_path):
    path = tmp_path / "votes.csv"
    path.write_text("model_a,model_b,winner,timestamp\nx,y,model_a,1700000000\ny,z,tie,\n")
    votes = read_votes(path)
    assert votes.loc[0, "timestamp"] == pd.Timestamp(1700000000, unit="s", tz="UTC")
    assert pd.isna(votes.loc[1, "timestamp"])


MAPPING = {
    "model_a": "left",
    "model_b": "right",
    "winner": "choice",
    "voter_id": "annotator",
    "prompt_id": "item",
}
LABELS = {"left": "model_a", "right": "model_b", "draw": "tie"}


def test_mapped_fixture(fixtures_dir):
    path = fixtures_dir / "mapped_sample.csv"
    rows = csv_rows(path)
    votes = read_votes(path, format="mapped", mapping=MAPPING, winner_labels=LABELS)
    assert_valid(votes, "mapped", path)
    assert len(votes) == len(rows) == 7
    assert votes["winner"].astype(str).tolist() == [LABELS[r["choice"]] for r in rows]
    assert votes["voter_id"].tolist() == [r["annotator"] for r in rows]
    assert votes["prompt_id"].tolist() == [r["item"] for r in rows]
    assert votes["model_a"].astype(str).tolist() == [r["left"] for r in rows]
    assert "note" in votes.columns  # unmapped source columns pass through
    assert not {"left", "right", "choice"} & set(votes.columns)


def test_mapped_parquet(fixtures_dir, tmp_path):
    frame = pd.read_csv(fixtures_dir / "mapped_sample.csv")
    path = tmp_path / "custom.parquet"
    frame.to_parquet(path)
    votes = read_votes(path, format="mapped", mapping=MAPPING, winner_labels=LABELS)
    assert len(votes) == 7
    assert counts(votes["winner"]) == {"model_a": 3, "model_b": 2, "tie": 2}


def test_mapped_needs_winner_labels(fixtures_dir):
    path = fixtures_dir / "mapped_sample.csv"
    with pytest.raises(VoteTableError, match=r"column 'winner' has 7 of 7 rows: unknown label"):
        read_votes(path, format="mapped", mapping=MAPPING)


def test_mapped_argument_errors(fixtures_dir):
    path = fixtures_dir / "mapped_sample.csv"
    with pytest.raises(ValueError, match="needs mapping"):
        read_votes(path, format="mapped")
    with pytest.raises(ValueError, match=r"lacks required canonical column\(s\) \['winner'\]"):
        read_votes(path, format="mapped", mapping={"model_a": "left", "model_b": "right"})
    with pytest.raises(VoteTableError, match=r"source column\(s\) \['nope'\]"):
        read_votes(path, format="mapped", mapping={**MAPPING, "winner": "nope"})
    with pytest.raises(ValueError, match="only used with format='mapped'"):
        read_votes(fixtures_dir / "canonical_sample.csv", mapping=MAPPING)
    with pytest.raises(ValueError, match=r"maps 'draw' to 'draw'; allowed targets"):
        read_votes(path, format="mapped", mapping=MAPPING, winner_labels={"draw": "draw"})


# --------------------------------------------------------------------------------------------
# errors and invalid rows
# --------------------------------------------------------------------------------------------


def test_vote_formats_listed():
    assert set(VOTE_FORMATS) == {
        "fastchat",
        "arena_hp_55k",
        "arena_hp_100k",
        "arena_hp_140k",
        "mtbench",
        "llmfao",
        "pandalm",
        "prd",
        "copilot_arena",
        "arena_hard",
        "canonical",
        "mapped",
    }


def test_unknown_format_name(fixtures_dir):
    with pytest.raises(ValueError, match="unknown vote format 'lmsys'") as err:
        read_votes(fixtures_dir / "canonical_sample.csv", format="lmsys")
    assert all(name in str(err.value) for name in VOTE_FORMATS)


def test_unsniffable_file_lists_formats(fixtures_dir, tmp_path):
    with pytest.raises(VoteTableError, match="cannot tell the vote format") as err:
        read_votes(fixtures_dir / "mapped_sample.csv")
    assert all(name in str(err.value) for name in VOTE_FORMATS)
    other = tmp_path / "other.json"
    other.write_text(json.dumps([{"a": 1, "b": 2}]))
    with pytest.raises(VoteTableError, match="match none of the known formats"):
        sniff_vote_format(other)


def test_wrong_explicit_format_names_missing_columns(fixtures_dir):
    with pytest.raises(VoteTableError, match=r"lacks column\(s\) \['acceptedIndex'\]"):
        read_votes(fixtures_dir / "canonical_sample.csv", format="copilot_arena")


@pytest.mark.parametrize("name", ["votes.pkl", "votes.pickle", "votes.pkl.json"])
def test_pickle_refused(tmp_path, monkeypatch, name):
    path = tmp_path / name
    path.write_bytes(pickle.dumps([{"model_a": "x", "model_b": "y", "winner": "model_a"}]))

    def boom(*args, **kwargs):
        raise AssertionError("a pickle loader was called")

    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pd, "read_pickle", boom)
    with pytest.raises(VoteTableError, match="pickle files are never loaded"):
        read_votes(path)
    with pytest.raises(VoteTableError, match="pickle files are never loaded"):
        sniff_vote_format(path)


def test_unsupported_extension_and_missing_file(tmp_path):
    txt = tmp_path / "votes.txt"
    txt.write_text("model_a,model_b,winner\nx,y,model_a\n")
    with pytest.raises(VoteTableError, match=r"unsupported file extension '\.txt'"):
        read_votes(txt)
    with pytest.raises(FileNotFoundError):
        read_votes(tmp_path / "absent.csv")


def test_invalid_on_invalid_value(fixtures_dir):
    with pytest.raises(ValueError, match=r"on_invalid='ignore'.*\['raise', 'drop'\]"):
        read_votes(fixtures_dir / "canonical_sample.csv", on_invalid="ignore")


def broken_battles(fixtures_dir: Path, tmp_path: Path) -> tuple[Path, list[dict]]:
    battles = json.loads((fixtures_dir / "clean_battle_sample.json").read_text(encoding="utf-8"))
    battles[1]["winner"] = "tie (both good)"  # unknown label
    battles[2]["winner"] = "leftvote"  # unknown label
    battles[5]["model_b"] = battles[5]["model_a"]  # self-battle
    battles[7]["model_a"] = None  # missing model
    battles[8]["winner"] = None  # missing label
    path = tmp_path / "clean_battle_broken.json"
    path.write_text(json.dumps(battles), encoding="utf-8")
    return path, battles


def test_unknown_winner_label_raises_naming_column(fixtures_dir, tmp_path):
    path, _ = broken_battles(fixtures_dir, tmp_path)
    with pytest.raises(VoteTableError) as err:
        read_votes(path)
    msg = str(err.value)
    assert "column 'winner' has 2 of 20 rows: unknown label" in msg
    assert "tie (both good)" in msg and "leftvote" in msg
    assert "allowed: source labels" in msg and "'tie (bothbad)'" in msg
    assert "column 'model_a' has 1 of 20 rows: missing model name" in msg
    assert "model battles itself" in msg
    assert "column 'winner' has 1 of 20 rows: missing label" in msg
    assert "on_invalid='drop'" in msg


def test_on_invalid_drop_warns_and_records(fixtures_dir, tmp_path):
    path, battles = broken_battles(fixtures_dir, tmp_path)
    with pytest.warns(UserWarning, match=r"dropped 5 of 20 rows") as rec:
        votes = read_votes(path, on_invalid="drop")
    assert len(rec) == 1
    assert "unknown label (2)" in str(rec[0].message)
    assert_valid(votes, "fastchat", path)
    assert len(votes) == 15
    assert votes.attrs["n_dropped"] == 5
    assert isinstance(votes.attrs["n_dropped"], int)
    assert votes.attrs["drop_reasons"] == {
        "model_a: missing model name": 1,
        "model_a/model_b: model battles itself": 1,
        "winner: unknown label": 2,
        "winner: missing label": 1,
    }
    bad = {1, 2, 5, 7, 8}
    kept = [b for i, b in enumerate(battles) if i not in bad]
    assert votes["question_id"].tolist() == [b["question_id"] for b in kept]
    # never defaulted to a tie: the tie count is exactly that of the kept valid rows
    assert counts(votes["winner"]).get("tie", 0) == sum(b["winner"] == "tie" for b in kept)


def test_clean_file_has_zero_drops(fixtures_dir):
    votes = read_votes(fixtures_dir / "clean_battle_sample.json", on_invalid="drop")
    assert votes.attrs["n_dropped"] == 0
    assert votes.attrs["drop_reasons"] == {}


def test_winner_labels_extend_a_format(fixtures_dir, tmp_path):
    path, _ = broken_battles(fixtures_dir, tmp_path)
    battles = json.loads(path.read_text(encoding="utf-8"))
    battles[5]["model_b"], battles[7]["model_a"], battles[8]["winner"] = "ember-mini", "x", "tie"
    path.write_text(json.dumps(battles), encoding="utf-8")
    votes = read_votes(path, winner_labels={"leftvote": "model_a", "tie (both good)": "tie"})
    assert len(votes) == 20
    assert votes.loc[2, "winner"] == "model_a"
    assert votes.loc[1, "winner"] == "tie"


def test_style_metadata_unparseable_is_invalid(fixtures_dir, tmp_path):
    battles = json.loads((fixtures_dir / "clean_battle_sample.json").read_text(encoding="utf-8"))
    battles[0]["conv_metadata"] = "{not a dict"
    path = tmp_path / "clean_battle_meta.json"
    path.write_text(json.dumps(battles), encoding="utf-8")
    with pytest.raises(VoteTableError, match=r"column 'conv_metadata' has 1 of 20 rows"):
        read_votes(path)


def test_all_labels_are_canonical(fixtures_dir):
    for name in ("clean_battle_sample.json", "arena_hp_140k_sample.jsonl"):
        votes = read_votes(fixtures_dir / name)
        assert list(votes["winner"].cat.categories) == list(WINNER_LABELS)


def test_fixtures_are_small(fixtures_dir):
    mine = [p for p in fixtures_dir.iterdir() if re.search(r"_sample\.(json|jsonl|csv)$", p.name)]
    assert len(mine) == 7
    assert sum(p.stat().st_size for p in mine) < 50_000


def test_sniffing_ignores_file_name(tmp_path, fixtures_dir):
    """Sniffing works on a copy under any name: formats are told apart by columns."""
    src = fixtures_dir / "mtbench_sample.jsonl"
    dst = tmp_path / "whatever.jsonl"
    shutil.copy(src, dst)
    assert sniff_vote_format(dst) == "mtbench"


def test_irregular_metadata_takes_the_row_path(fixtures_dir, tmp_path):
    battles = json.loads((fixtures_dir / "clean_battle_sample.json").read_text(encoding="utf-8"))
    battles[0]["conv_metadata"]["header_count_a"] = 5  # a bare count instead of per-level counts
    battles[3]["conv_metadata"]["bold_count_b"] = {"**": "lots", "__": 0}  # not a number
    path = tmp_path / "clean_battle_irregular.json"
    path.write_text(json.dumps(battles), encoding="utf-8")
    with pytest.warns(UserWarning, match="dropped 1 of 20"):
        votes = read_votes(path, on_invalid="drop")
    assert votes.attrs["drop_reasons"] == {"conv_metadata: unparseable or non-numeric metadata": 1}
    assert votes.loc[0, "style_headers_a"] == 5
    regular = read_votes(fixtures_dir / "clean_battle_sample.json")
    kept = regular.drop(index=3).reset_index(drop=True)
    cols = [c for c in STYLE_COLUMNS if c != "style_headers_a"]
    pd.testing.assert_frame_equal(votes[cols], kept[cols])


def test_pandalm_invented_files(tmp_path):
    items = [
        {
            "idx": 0,
            "cmp_key": "m-a_m-b",
            "motivation_app": "Mail",
            "instruction": "i",
            "input": "x",
            "response1": "r1",
            "response2": "r2",
            "annotator1": 1,
            "annotator2": 1,
            "annotator3": 0,
        },
        {
            "idx": 1,
            "cmp_key": "m-b_m-c",
            "motivation_app": "Chat",
            "instruction": "i",
            "input": "x",
            "response1": "r1",
            "response2": "r2",
            "annotator1": 2,
            "annotator2": 2,
            "annotator3": 2,
        },
    ]
    (tmp_path / "testset-v1.json").write_text(json.dumps(items), encoding="utf-8")
    votes = read_votes(tmp_path / "testset-v1.json")
    assert votes["winner"].astype(str).tolist() == ["model_a", "model_a", "tie", *["model_b"] * 3]
    assert votes["voter_id"].tolist() == ["annotator1", "annotator2", "annotator3"] * 2
    assert votes["category"].tolist() == ["Mail"] * 3 + ["Chat"] * 3

    judge = tmp_path / "my-judge-testset-v1.json"
    judge.write_text(json.dumps([{"idx": 1, "gpt_result": "Tie"}, {"idx": 7, "gpt_result": "1"}]))
    assert sniff_vote_format(judge) == "pandalm"
    with pytest.raises(VoteTableError, match=r"column 'idx' has 1 of 2 rows: not in testset"):
        read_votes(judge)
    with pytest.warns(UserWarning, match="idx: not in testset-v1.json"):
        judged = read_votes(judge, on_invalid="drop")
    assert judged[["model_a", "model_b", "winner"]].astype(str).values.tolist() == [
        ["m-b", "m-c", "tie"]
    ]
    assert judged.loc[0, "voter_id"] == "my-judge"
    assert judged.attrs["drop_reasons"] == {"idx: not in testset-v1.json": 1}


def test_prd_raw_file_name_gives_models(tmp_path):
    folder = tmp_path / "ratings-gpt4"
    folder.mkdir()
    path = folder / "answer_zeta-7b-vs-answer_alpha-13b-gpt4-reviewer_threeclass.jsonl"
    rows = [
        {"review_id": "r1", "question_id": 1, "text": "...", "score": 1},
        {"review_id": "r2", "question_id": 2, "text": "...", "score": 3},
        {"review_id": "r3", "question_id": 3, "text": "...", "score": 2},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert sniff_vote_format(path) == "prd"
    votes = read_votes(path)
    # zeta-7b was shown first; sorted orientation puts alpha-13b in model_a
    assert set(votes["model_a"].astype(str)) == {"alpha-13b"}
    assert set(votes["position"].astype(str)) == {"model_b"}
    assert votes["winner"].astype(str).tolist() == ["model_b", "tie", "model_a"]
    assert set(votes["voter_id"]) == {"gpt4"}
    assert votes["source_file"].iloc[0] == f"ratings-gpt4/{path.name}"
    odd = tmp_path / "scores.jsonl"
    odd.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(VoteTableError, match="cannot tell the vote format"):
        read_votes(odd)
    with pytest.raises(VoteTableError, match="must be named"):
        read_votes(odd, format="prd")
