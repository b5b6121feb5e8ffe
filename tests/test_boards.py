"""Leaderboard tables: the board contract, the format readers, and every real source format.

Real-data tests recompute what each file says with the stdlib ``csv`` / ``json`` modules (an
independent parser written for the test) and compare it cell by cell with the loader, plus spot
values quoted from the folders' SOURCE.txt.
"""

from __future__ import annotations

import csv
import json
import pickle
import re
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealvalid.data.boards import (
    BOARD_COLUMNS,
    BOARD_FORMATS,
    KEY_COLUMNS,
    METRICS,
    board_wide,
    read_leaderboard,
    read_leaderboards,
    sniff_board_format,
    validate_board_table,
)
from sealvalid.data.schema import VoteTableError

MISSING = {"", "-"}


def _board(**overrides) -> pd.DataFrame:
    base = {
        "source": ["s", "s", "s"],
        "board": ["text", "text", "text"],
        "category": ["overall", "overall", "coding"],
        "model": ["m1", "m2", "m1"],
        "date": pd.to_datetime(["2024-01-02"] * 3),
        "metric": ["rating", "rating", "rating"],
        "value": [1200.0, 1100.0, 1250.0],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def _as_dict(df: pd.DataFrame) -> dict[tuple, float]:
    """{(board, category, model, 'YYYY-MM-DD' or '', metric): value}."""
    dates = np.datetime_as_string(df["date"].to_numpy(dtype="datetime64[ns]"), unit="D")
    dates = np.where(dates == "NaT", "", dates).tolist()
    cols = [df[c].tolist() for c in ("board", "category", "model")]
    keys = zip(*cols, dates, df["metric"].tolist(), strict=True)
    return dict(zip(keys, df["value"].tolist(), strict=True))


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(cell: str | None) -> float | None:
    cell = (cell or "").strip()
    return None if cell in MISSING else float(cell)


def _assert_same(got: dict, expected: dict) -> None:
    assert set(got) == set(expected), (
        f"only loader: {sorted(set(got) - set(expected))[:5]}; "
        f"only stdlib: {sorted(set(expected) - set(got))[:5]}"
    )
    keys = list(expected)
    a = np.array([got[k] for k in keys], dtype=float)
    b = np.array([expected[k] for k in keys], dtype=float)
    bad = np.flatnonzero(~np.isclose(a, b, rtol=1e-12, atol=1e-9))
    assert not len(bad), [(keys[i], a[i], b[i]) for i in bad[:5]]


# ============================================================================================
# the contract


def test_contract_constants():
    assert BOARD_COLUMNS == ("source", "board", "category", "model", "date", "metric", "value")
    assert KEY_COLUMNS == BOARD_COLUMNS[:-1]
    for required in ("rating", "rating_lower", "rating_upper", "n_votes", "mt_bench", "mmlu"):
        assert required in METRICS
    for name, doc in METRICS.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
        assert len(doc) > 10, name
    assert len(BOARD_FORMATS) == 13
    assert all(len(doc) > 20 for doc in BOARD_FORMATS.values())


def test_validate_returns_canonical_frame():
    df = _board(model=[" m1 ", "m2", "m1"], value=[1200, 1100, 1250], extra=[1, 2, 3])
    df.attrs["note"] = "kept"
    out = validate_board_table(df)
    assert list(out.columns) == [*BOARD_COLUMNS, "extra"]
    assert out["model"].tolist() == ["m1", "m2", "m1"]
    assert str(out["date"].dtype) == "datetime64[ns]"
    assert out["value"].dtype == np.float64
    assert pd.api.types.is_string_dtype(out["metric"].dtype)
    assert out.attrs == {"note": "kept"}
    assert df["model"].iloc[0] == " m1 "  # input untouched


def test_validate_converts_dates():
    out = validate_board_table(_board(date=["2024-01-02", "2024-01-03", None]))
    assert out["date"].isna().tolist() == [False, False, True]
    tz = pd.to_datetime(["2024-01-02T23:00:00-02:00"] * 3)
    assert validate_board_table(_board(date=tz))["date"].iloc[0] == pd.Timestamp("2024-01-03 01:00")


def test_validate_missing_columns():
    with pytest.raises(VoteTableError, match=r"missing column\(s\) \['metric', 'value'\]"):
        validate_board_table(_board().drop(columns=["metric", "value"]))


def test_validate_empty_table():
    with pytest.raises(VoteTableError, match="empty"):
        validate_board_table(_board().iloc[:0])


def test_validate_unknown_metric_names_allowed_values():
    df = _board(metric=["rating", "elo", "elo"])
    with pytest.raises(VoteTableError) as err:
        validate_board_table(df)
    msg = str(err.value)
    assert "'metric' has 2 of 3 rows with unknown metrics" in msg
    assert "['elo']" in msg and "'rating_lower'" in msg


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_validate_non_finite_values(bad):
    with pytest.raises(VoteTableError, match=r"'value' has 1 of 3 rows that are missing or non"):
        validate_board_table(_board(value=[1.0, bad, 2.0]))


def test_validate_non_numeric_values():
    with pytest.raises(VoteTableError, match=r"'value' has 1 of 3 non-numeric rows \(e.g. \['x'\]"):
        validate_board_table(_board(value=["1", "x", "2"]))


@pytest.mark.parametrize("col", ["source", "board", "category", "model", "metric"])
def test_validate_missing_or_empty_names(col):
    with pytest.raises(VoteTableError, match=f"'{col}' has 1 of 3 rows missing"):
        validate_board_table(_board(**{col: [None, "a", "b"]}))
    with pytest.raises(VoteTableError, match=f"'{col}' has 1 of 3 rows with empty strings"):
        validate_board_table(_board(**{col: ["  ", "a", "b"]}))


def test_validate_bad_dates():
    with pytest.raises(VoteTableError, match=r"'date' has 1 of 3 rows that are not dates"):
        validate_board_table(_board(date=["2024-01-02", "soon", "2024-01-02"]))


def test_validate_duplicate_keys():
    df = _board(category=["overall", "overall", "overall"], model=["m1", "m2", "m1"])
    with pytest.raises(VoteTableError, match=r"repeat on 2 of 3 rows \(e.g. \[\('s', 'text'"):
        validate_board_table(df)


def test_validate_rejects_non_frames():
    with pytest.raises(VoteTableError, match="must be a pandas DataFrame, got dict"):
        validate_board_table({"a": [1]})


def test_board_wide_pivots_and_orders_metrics():
    df = pd.concat([
        _board(),
        _board(metric=["n_votes"] * 3, value=[10.0, 20.0, 30.0]).iloc[:2],
        _board(metric=["mmlu"] * 3, value=[70.0, 71.0, 72.0], date=[pd.NaT] * 3).iloc[:1],
    ])
    wide = board_wide(df)
    assert list(wide.columns) == ["source", "board", "category", "model", "date", "rating",
                                  "n_votes", "mmlu"]
    assert len(wide) == 4  # (m1 coding), (m1 overall), (m2 overall), (m1 overall NaT)
    row = wide[(wide["model"] == "m1") & (wide["category"] == "overall") & wide["date"].notna()]
    assert row[["rating", "n_votes"]].to_numpy().tolist() == [[1200.0, 10.0]]
    assert np.isnan(row["mmlu"].iloc[0])
    assert wide["date"].isna().sum() == 1
    sub = board_wide(df, ["n_votes", "rating"])
    assert list(sub.columns)[-2:] == ["n_votes", "rating"] and len(sub) == 3
    with pytest.raises(VoteTableError, match=r"unknown metrics \['elo'\]"):
        board_wide(df, ["elo"])


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "overall"]),
                          st.sampled_from(list(METRICS)[:6]),
                          st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=30))
def test_board_wide_roundtrip(rows):
    df = pd.DataFrame(rows, columns=["model", "category", "metric", "value"])
    df = df.drop_duplicates(["model", "category", "metric"])
    df = df.assign(source="s", board="b", date=pd.Timestamp("2024-05-01"))[list(BOARD_COLUMNS)]
    wide = board_wide(df)
    back = wide.melt(id_vars=list(KEY_COLUMNS[:-1]), var_name="metric").dropna(subset=["value"])
    assert _as_dict(back) == _as_dict(df)


# ============================================================================================
# readers on small synthetic files


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_markers_are_dropped_rows(tmp_path):
    p = _write(tmp_path / "leaderboard_table_20240102.csv",
               "key,Model,MT-bench (score),MMLU,License,Organization,Link\n"
               "a,A,7.5,0.501,x,y,z\n"
               "b,B,-,N/A,x,y,z\n"
               "c,C,, 0.3 ,x,y,z\n"
               "d,D,n/a,-\n")  # short row: padded as missing
    df = read_leaderboard(p)
    assert _as_dict(df) == {
        ("text", "overall", "a", "2024-01-02", "mt_bench"): 7.5,
        ("text", "overall", "a", "2024-01-02", "mmlu"): 50.1,
        ("text", "overall", "c", "2024-01-02", "mmlu"): 30.0,
    }
    assert df.attrs["source_format"] == "lmsys_table"
    assert df.attrs["source_path"] == str(p)


def test_garbage_cell_is_an_error_naming_the_column(tmp_path):
    p = _write(tmp_path / "leaderboard_table_20240102.csv",
               "key,Model,MT-bench (score),MMLU\na,A,7.5,0.5\nb,B,seven,0.4\n")
    with pytest.raises(VoteTableError, match=r"column 'MT-bench \(score\)' has 1 of 2 cells that "
                                             r"are not numbers \(e.g. \['seven'\]\)"):
        read_leaderboard(p)


def test_values_without_a_model_name_are_an_error(tmp_path):
    p = _write(tmp_path / "arena_hard_leaderboard_20240102.csv",
               "model,score,rating_q025,rating_q975,CI,avg_tokens\n,50,49,51,x,100\n")
    with pytest.raises(VoteTableError, match="1 rows carry values but no model name"):
        read_leaderboard(p)


def test_bad_interval_cells(tmp_path):
    p = _write(tmp_path / "lmsys_2024-01-02_abc.csv",
               "rank,model,arena_score,95_pct_ci,votes\n1,A,1200,+3/-4,10\n2,B,1100,3 to 4,9\n")
    with pytest.raises(VoteTableError, match=r"'95_pct_ci' has 1 of 2 cells that are not '\+a/-b'"):
        read_leaderboard(p)


def test_pickles_are_never_loaded(tmp_path):
    class Boom:
        def __reduce__(self):  # unpickling would call this
            return (pytest.fail, ("a pickle was loaded",))

    p = tmp_path / "elo_results_20240102.pkl"
    p.write_bytes(pickle.dumps(Boom()))
    for fmt in (None, "lmsys_table"):
        with pytest.raises(VoteTableError, match="pickled files are never loaded"):
            read_leaderboard(p, fmt)
    with pytest.raises(VoteTableError, match="pickled files are never loaded"):
        sniff_board_format(p)
    disguised = tmp_path / "leaderboard_table_20240102.csv"  # a pickle under a CSV name
    disguised.write_bytes(pickle.dumps(Boom()))
    for fmt in (None, "lmsys_table"):
        with pytest.raises(VoteTableError, match="not a readable UTF-8 text table"):
            read_leaderboard(disguised, fmt)
    broken = _write(tmp_path / "elo_data.json", "[{not json")
    with pytest.raises(VoteTableError, match="JSONDecodeError"):
        read_leaderboard(broken)


def test_unknown_file_lists_the_formats(tmp_path):
    p = _write(tmp_path / "mystery.csv", "a,b\n1,2\n")
    with pytest.raises(VoteTableError) as err:
        read_leaderboard(p)
    msg = str(err.value)
    assert "no leaderboard format matches (header ['a', 'b'])" in msg
    assert all(name in msg for name in BOARD_FORMATS)
    with pytest.raises(VoteTableError, match="unknown leaderboard format 'excel'.*lmsys_table"):
        read_leaderboard(p, "excel")
    with pytest.raises(VoteTableError, match="does not fit format 'arena_hard'"):
        read_leaderboard(p, "arena_hard")
    with pytest.raises(VoteTableError, match=r"format 'lmsys_elo_data' reads \['.json'\] files"):
        read_leaderboard(p, "lmsys_elo_data")
    with pytest.raises(FileNotFoundError):
        read_leaderboard(tmp_path / "absent.csv")


def test_header_sniffing_without_file_name_hints(tmp_path):
    p = _write(tmp_path / "scores.csv",
               "model,score,rating_q025,rating_q975,CI,avg_tokens\nm,50,49,51,x,100\n")
    assert sniff_board_format(p) == "arena_hard"
    df = read_leaderboard(p)
    assert df["date"].isna().all() and set(df["board"]) == {"arena_hard_v0.1"}


def test_date_argument_fills_undated_files_only(tmp_path):
    p = _write(tmp_path / "lmarena_text.csv",
               "rank,model,arena_score,95_pct_ci,votes\n1,A,1200,+3/-4,10\n")
    df = read_leaderboard(p, date="2025-08-06")
    assert set(df["date"]) == {pd.Timestamp("2025-08-06")}
    assert _as_dict(df)[("text", "overall", "A", "2025-08-06", "rating_lower")] == 1196.0
    dated = _write(tmp_path / "lmsys_2025-01-02_abc.csv", p.read_text())
    with pytest.raises(VoteTableError, match="given but the file dates 5 of 5 rows itself"):
        read_leaderboard(dated, date="2025-08-06")


def test_read_leaderboards_dedupes_copies_and_rejects_conflicts(tmp_path):
    text = "model,score,rating_q025,rating_q975,CI,avg_tokens,date\nm,50,49,51,x,100,2024-07-31\n"
    a = _write(tmp_path / "arena_hard_a.csv", text)
    b = _write(tmp_path / "arena_hard_b.csv", text)
    both = read_leaderboards([a, b])
    assert len(both) == 4 and both.attrs["source_paths"] == [str(a), str(b)]
    c = _write(tmp_path / "arena_hard_c.csv", text.replace(",50,", ",51,"))
    with pytest.raises(VoteTableError, match="repeat on 2 of 5 rows"):
        read_leaderboards([a, c])
    with pytest.raises(VoteTableError, match="at least one path"):
        read_leaderboards([])


# ============================================================================================
# real data: every format


@pytest.fixture(scope="module")
def lmsys_tables(shared_data):
    paths = sorted((shared_data / "lmsys-leaderboard-tables").glob("leaderboard_table_*.csv"))
    return paths, read_leaderboards(paths)


def test_lmsys_table_series_matches_stdlib(lmsys_tables):
    paths, df = lmsys_tables
    assert len(paths) == 111
    columns = {"Arena Elo rating": "rating", "MT-bench (score)": "mt_bench",
               "MT-bench (win rate %)": "mt_bench_win_rate", "MMLU": "mmlu"}
    expected = {}
    for p in paths:
        date = f"{p.stem[-8:-4]}-{p.stem[-4:-2]}-{p.stem[-2:]}"
        for row in _rows(p):
            model = (row.get("key") or row["Model"]).strip()
            for col, metric in columns.items():
                cell = (row.get(col) or "").strip().removesuffix("%")
                if cell not in MISSING:
                    value = float(Decimal(cell) * 100) if metric == "mmlu" else float(cell)
                    expected.setdefault(("text", "overall", model, date, metric), value)
    _assert_same(_as_dict(df), expected)
    assert len(df) == 17191
    assert df["date"].nunique() == 111
    assert set(df["source"]) == {"lmsys_table"}


def test_lmsys_table_spot_values(shared_data):
    # SOURCE.txt example rows of leaderboard_table_20230619.csv and _20250511.csv
    d = _as_dict(read_leaderboard(
        shared_data / "lmsys-leaderboard-tables" / "leaderboard_table_20230619.csv"))
    gpt4 = {m: v for (b, c, model, date, m), v in d.items() if model == "GPT-4"}
    assert gpt4 == {"mt_bench_win_rate": 69.38, "mt_bench": 8.99, "rating": 1227.0, "mmlu": 86.4}
    assert ("text", "overall", "GPT-3.5-turbo", "2023-06-19", "mt_bench_win_rate") not in d
    df = read_leaderboard(shared_data / "lmsys-leaderboard-tables" /
                          "leaderboard_table_20250511.csv")
    d = _as_dict(df)
    assert d[("text", "overall", "vicuna-13b-16k", "2025-05-11", "mt_bench")] == 6.92
    assert d[("text", "overall", "vicuna-13b-16k", "2025-05-11", "mmlu")] == 54.5
    assert df.attrs["duplicates_dropped"] == 1  # yi-34b-chat is listed twice, identically


def test_lmsys_elo_data(shared_data):
    path = shared_data / "lmsys-leaderboard-tables" / "elo_data.json"
    data = json.loads(path.read_text())
    df = read_leaderboard(path)
    assert len(df) == len(data) == 2050
    expected = {}
    for r in data:
        family, _, cat = r["category"].partition("_")
        board = family
        if cat.endswith("_style_control"):
            board, cat = f"{family}-style-control", cat.removesuffix("_style_control")
        cat = "overall" if cat == "full" else cat
        expected[(board, cat, r["max_model"], r["date"], "rating")] = r["max_elo"]
    _assert_same(_as_dict(df), expected)
    d = _as_dict(df)  # SOURCE.txt example
    assert d[("text", "hard_english_6", "gpt-4o-2024-05-13", "2024-06-29", "rating")] == \
        1280.8322184706535
    assert set(df["board"]) == {"text", "text-style-control", "vision", "vision-style-control",
                                "image"}


def _arena_expected(path: Path, board: str, date: str) -> dict:
    expected = {}
    for row in _rows(path):
        model = row["model"].strip()
        rating = _num(row.get("arena_score") or row.get("arena_elo"))
        plus, minus = re.fullmatch(r"\+(\d+)/-(\d+)", row["95_pct_ci"]).groups()
        values = {"rating": rating, "rating_lower": rating - int(minus),
                  "rating_upper": rating + int(plus), "n_votes": _num(row["votes"]),
                  "rank": _num(row["rank"]), "rank_style_control": _num(row.get("rank_stylectrl"))}
        for metric, v in values.items():
            if v is not None:
                expected.setdefault((board, "overall", model, date, metric), v)  # first wins
    return expected


def test_lmarena_csv_snapshots_match_stdlib(shared_data):
    paths = sorted((shared_data / "lmarena-leaderboard-csv-history" / "lmsys_snapshots")
                   .glob("lmsys_*.csv"))
    assert len(paths) == 88
    df = read_leaderboards(paths)
    expected = {}
    for p in paths:
        expected.update(_arena_expected(p, "text", p.stem.split("_")[1]))
    _assert_same(_as_dict(df), expected)
    assert len(df) == 86825
    assert set(df["source"]) == {"lmarena_csv"}
    d = _as_dict(df)
    # SOURCE.txt examples
    assert [d[("text", "overall", "GPT-4o-2024-05-13", "2024-06-19", m)]
            for m in ("rating", "rating_upper", "rating_lower", "n_votes", "rank")] == \
        [1287, 1290, 1284, 42046, 1]
    assert [d[("text", "overall", "Gemini-2.5-Pro", "2025-07-18", m)]
            for m in ("rating", "rating_upper", "rating_lower", "n_votes", "rank_style_control")
            ] == [1474, 1479, 1470, 19209, 1]


@pytest.mark.parametrize("board, n_models", [("text", 265), ("vision", 86), ("image", 19)])
def test_lmarena_csv_latest(shared_data, board, n_models):
    path = shared_data / "lmarena-leaderboard-csv-history" / "latest" / f"lmarena_{board}.csv"
    df = read_leaderboard(path)
    assert df["date"].isna().all()  # the file and its name carry no date
    _assert_same(_as_dict(df), _arena_expected(path, board, ""))
    assert df["model"].nunique() == n_models
    if board == "text":
        # Yi-34B-Chat is listed twice (ranks 200 and 201): the first row is kept
        assert df.attrs["duplicates_dropped"] == 6
        assert _as_dict(df)[("text", "overall", "Yi-34B-Chat", "", "rank")] == 200
        assert _as_dict(df)[("text", "overall", "GLM-4.5", "", "rating")] == 1434


@pytest.mark.parametrize("version, n_keys, n_rows", [(1, 35, 420), (2, 53, 689)])
def test_lmarena_openllm(shared_data, version, n_keys, n_rows):
    folder = shared_data / "lmarena-leaderboard-csv-history" / "latest"
    (path,) = folder.glob(f"merged_openllm_v{version}_*.csv")
    df = read_leaderboard(path)
    rows = _rows(path)
    avg_col = "model_average_score" if version == 2 else "average"
    best = {}
    for i, row in enumerate(rows):  # official submission first, then best average, then first
        rank = (row.get("features_is_official_provider") == "TRUE", float(row[avg_col]), -i)
        if row["key"] not in best or rank > best[row["key"]][0]:
            best[row["key"]] = (rank, row)
    assert len(best) == n_keys == df["model"].nunique()
    wide = board_wide(df).set_index("model")
    assert len(df) == n_rows
    for key, (_, row) in best.items():
        assert wide.loc[key, f"open_llm_v{version}_avg"] == float(row[avg_col])
        assert wide.loc[key, "rating"] == float(row.get("arena_score") or row["arena_elo"])
        assert wide.loc[key, "n_votes"] == float(row["votes"])
    if version == 1:
        assert wide.loc["deepseek-llm-67b-chat", "mmlu"] == 72.42  # the float16 row (71.79)
        assert wide.loc["deepseek-llm-67b-chat", "rating_lower"] == 1077 - 7
    else:
        assert wide.loc["aya-expanse-32b", "ifeval_norm"] == 73.0173716849072
        # microsoft/phi-4 bfloat16 (official, 30.36) beats unsloth/phi-4 (40.73, not official)
        assert wide.loc["phi-4", "open_llm_v2_avg"] == pytest.approx(30.36, abs=0.01)
    assert set(df["date"]) == {pd.Timestamp(path.stem[-8:])}


def test_lmarena_category_csv(shared_data):
    path = (shared_data / "lmarena-category-ratings" /
            "category_leaderboard_with_num_battles_20250207.csv")
    df = read_leaderboard(path)
    expected = {}
    cols = {"rating": "rating", "rating_lower": "rating_q025", "rating_upper": "rating_q975",
            "rating_variance": "variance", "n_votes": "num_battles", "rank": "final_ranking",
            "rank_with_deprecated": "final_ranking_deprecated"}
    for row in _rows(path):
        board = "text-style-control" if row["style_control"] == "True" else "text"
        cat = "overall" if row["category"] == "full" else row["category"]
        for metric, col in cols.items():
            v = float(row[col])
            if metric == "rank" and v == 0:  # deprecated models are not ranked
                continue
            expected[(board, cat, row["model_name"], "2025-02-07", metric)] = v
    _assert_same(_as_dict(df), expected)
    assert len(df) == 38787 == 5569 * 7 - 196
    d = _as_dict(df)  # SOURCE.txt examples
    assert d[("text", "french", "RWKV-4-Raven-14B", "2025-02-07", "rating")] == 878.5432245603571
    assert d[("text", "french", "RWKV-4-Raven-14B", "2025-02-07", "rank")] == 151
    assert d[("text", "french", "RWKV-4-Raven-14B", "2025-02-07", "n_votes")] == 62
    assert ("text", "french", "bard-jan-24-gemini-pro", "2025-02-07", "rank") not in d
    assert d[("text", "french", "bard-jan-24-gemini-pro", "2025-02-07", "rank_with_deprecated")
             ] == 8
    assert "full" not in set(df["category"]) and "overall" in set(df["category"])


def test_lmarena_category_history_is_fast_and_keeps_newest_commit(shared_data):
    path = shared_data / "lmarena-category-ratings" / "category_ratings_history_long.csv"
    t0 = time.perf_counter()
    df = read_leaderboard(path)
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0, f"14 MB history took {elapsed:.1f} s"
    with open(path, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    assert header == ["snapshot_commit", "snapshot_date", "leaderboard", "category", "model",
                      "rating", "rating_q025", "rating_q975"]
    assert len(rows) == 130775
    first: dict[tuple, str] = {}
    for commit, date, lb, *_ in rows:  # newest first: the first commit of a (board, date) wins
        first.setdefault((lb, date), commit)
    expected, superseded = {}, set()
    for commit, date, lb, cat, model, rating, lo, hi in rows:
        if commit != first[(lb, date)]:
            superseded.add((lb, date, commit))
            continue
        key = (lb.removeprefix("leaderboard-"), "overall" if cat == "full" else cat, model, date)
        expected[(*key, "rating")] = float(rating)
        expected[(*key, "rating_lower")] = float(lo)
        expected[(*key, "rating_upper")] = float(hi)
    _assert_same(_as_dict(df), expected)
    assert len(df) == 298050
    assert df.attrs["superseded_snapshots"] == sorted(superseded)
    assert {c for _, d, c in superseded} == {"6dddc5f354", "a310074ace", "857735a2ff",
                                             "d95e4ad472"}
    assert df["date"].nunique() == 12
    d = _as_dict(df)  # SOURCE.txt example
    assert d[("text", "chinese", "gemini-3-pro", "2025-12-11", "rating")] == 1525.1042
    assert d[("text", "chinese", "gemini-3-pro", "2025-12-11", "rating_lower")] == 1504.7262


@pytest.mark.parametrize("name, n_rows", [("text", 22383), ("text-style-control", 22386),
                                           ("vision", 1353), ("vision-style-control", 1353),
                                           ("image", 228)])
def test_lmarena_category_json(shared_data, name, n_rows):
    path = shared_data / "lmarena-category-ratings" / "raw_latest" / f"leaderboard-{name}.json"
    data = json.loads(path.read_text())
    df = read_leaderboard(path)
    expected = {}
    for cat, models in data.items():
        for model, rec in models.items():
            for metric, key in (("rating", "rating"), ("rating_lower", "rating_q025"),
                                ("rating_upper", "rating_q975")):
                if rec.get(key) is not None:
                    expected[(name, "overall" if cat == "full" else cat, model, "", metric)] = \
                        rec[key]
    _assert_same(_as_dict(df), expected)
    assert len(df) == n_rows
    if name == "text":  # SOURCE.txt example
        assert _as_dict(df)[("text", "chinese", "gemini-3-pro", "", "rating_upper")] == \
            1545.4822145503822
    dated = read_leaderboard(path, date="2025-12-17")
    assert set(dated["date"]) == {pd.Timestamp("2025-12-17")}


def test_arena_elo_history(shared_data):
    path = shared_data / "arena-elo-history" / "alltime.csv"
    df = read_leaderboard(path)
    rows = _rows(path)
    assert len(rows) == 13434
    expected = {("text", "overall", r["key"], f"{r['date'][:4]}-{r['date'][4:6]}-{r['date'][6:]}",
                 "rating"): float(r["rating"]) for r in rows}
    _assert_same(_as_dict(df), expected)
    assert len(df) == 13338  # yi-34b-chat is listed twice on 96 dates, identically
    assert df.attrs["duplicates_dropped"] == 96
    assert df["date"].nunique() == 105 and df["model"].nunique() == 238
    # SOURCE.txt example
    assert _as_dict(df)[("text", "overall", "chatglm-6b", "2023-05-08", "rating")] == \
        918.2202296788714


@pytest.mark.parametrize("name, board, n_models, n_rows", [
    ("alpaca_eval1_gpt4_leaderboard.csv", "alpaca_eval_1", 102, 832),
    ("alpaca_eval2_weighted_gpt4_turbo_leaderboard.csv", "alpaca_eval_2", 223, 2055),
])
def test_alpaca_eval(shared_data, name, board, n_models, n_rows):
    path = shared_data / "alpaca-eval-benchmarks" / name
    df = read_leaderboard(path)
    cols = {"win_rate": "win_rate", "standard_error": "standard_error", "n_wins": "n_wins",
            "n_wins_base": "n_wins_base", "n_draws": "n_draws", "n_total": "n_total",
            "discrete_win_rate": "discrete_win_rate", "avg_length": "avg_length",
            "length_controlled_winrate": "lc_win_rate", "lc_standard_error": "lc_standard_error"}
    expected = {}
    for row in _rows(path):
        for col, metric in cols.items():
            v = _num(row.get(col))
            if v is not None:
                expected[(board, "overall", row[""], "", metric)] = v
    _assert_same(_as_dict(df), expected)
    assert len(df) == n_rows and df["model"].nunique() == n_models
    d = _as_dict(df)  # SOURCE.txt examples
    if board == "alpaca_eval_1":
        assert d[(board, "overall", "gpt4_1106_preview", "", "win_rate")] == 97.69900497512438
        assert d[(board, "overall", "gpt4_1106_preview", "", "lc_win_rate")] == 89.85849210429464
        assert d[(board, "overall", "gpt4_1106_preview", "", "n_total")] == 804
    else:
        assert d[(board, "overall", "NullModel", "", "lc_standard_error")] == 0.14180005113427935


def test_alpaca_eval_benchmarks_multiline_headers(shared_data):
    path = (shared_data / "alpaca-eval-benchmarks" /
            "benchmarks_arena_elo_vs_benchmarks_20240418.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        header, *body = list(csv.reader(fh))
    assert header[1] == "Arena Elo\n[Feb 2, 2024]" and header[2] == "Arena Elo\n[April 18, 2024]"
    assert sum(len(r) < len(header) for r in body) == 4  # ragged rows, padded as missing
    n_cells = sum(1 for r in body for c in r[1:] if c.strip())
    df = read_leaderboard(path)
    assert len(df) == n_cells == 567
    assert set(df["board"]) == {"benchmarks"} and set(df["source"]) == {"alpaca_eval"}
    d = _as_dict(df)
    # each Arena Elo column is dated by its header, the benchmarks by the file name
    assert d[("benchmarks", "overall", "gpt4_0314", "2024-02-02", "rating")] == 1185
    assert d[("benchmarks", "overall", "gpt4_0314", "2024-04-18", "rating")] == 1189
    assert d[("benchmarks", "overall", "gpt4_0314", "2024-04-18", "mmlu")] == 86.4
    assert d[("benchmarks", "overall", "gpt4_0314", "2024-04-18", "avg_length")] == 1371
    assert d[("benchmarks", "overall", "gpt4_0613", "2024-04-18", "helm_lite")] == 0.962
    assert d[("benchmarks", "overall", "Mixtral-8x7B-Instruct-v0.1", "2024-04-18", "bbh")] == 67
    # a short row: only its three leading cells
    turbo = {k[-1]: v for k, v in d.items() if k[2] == "gpt-4-turbo-2024-04-09"}
    assert turbo == {"rating": 1260, "alpaca_eval_lc": 55.0}
    ratings = df[df["metric"] == "rating"].groupby("date").size()
    n_feb, n_apr = (sum(1 for r in body if len(r) > j and r[j].strip()) for j in (1, 2))
    assert (n_feb, n_apr) == (51, 20)
    assert ratings.to_dict() == {pd.Timestamp("2024-02-02"): n_feb,
                                 pd.Timestamp("2024-04-18"): n_apr}


def test_arena_hard_leaderboards(shared_data):
    paths = sorted((shared_data / "arena-hard-auto-scores").glob("arena_hard_leaderboard_*.csv"))
    copy = shared_data / "lmsys-leaderboard-tables" / "arena_hard_auto_leaderboard_v0.1.csv"
    assert len(paths) == 5
    df = read_leaderboards([*paths, copy])
    expected = {}
    for p in [*paths, copy]:
        for row in _rows(p):
            date = row.get("date") or f"{p.stem[-8:-4]}-{p.stem[-4:-2]}-{p.stem[-2:]}"
            for metric, col in (("arena_hard", "score"), ("arena_hard_lower", "rating_q025"),
                                ("arena_hard_upper", "rating_q975"), ("avg_tokens", "avg_tokens")):
                expected[("arena_hard_v0.1", "overall", row["model"], date, metric)] = \
                    float(row[col])
    _assert_same(_as_dict(df), expected)
    # the lmsys copy of 2024-07-31 publishes the same numbers: read together, kept once
    assert len(df) == 4 * (54 + 54 + 54 + 55 + 60)
    d = _as_dict(df)  # SOURCE.txt example (the 2024-07-03 file has no date column)
    assert [d[("arena_hard_v0.1", "overall", "gpt-4-turbo-2024-04-09", "2024-07-03", m)]
            for m in ("arena_hard", "arena_hard_lower", "arena_hard_upper", "avg_tokens")] == \
        [82.63, 80.82, 85.05, 662.0]


def test_arena_hard_past_markdown(shared_data):
    folder = shared_data / "arena-hard-auto-scores"
    df = read_leaderboard(folder / "past_leaderboards.md")
    text = (folder / "past_leaderboards.md").read_text()
    n_lines = len(re.findall(r"^\S.*\| score:", text, flags=re.M))
    assert len(df) == 4 * n_lines == 572
    per_board = df[df["metric"] == "arena_hard"].groupby("board").size().to_dict()
    assert per_board == {"arena_hard_v0.1-style-control": 73, "arena_hard_v0.1": 70}
    d = _as_dict(df)
    sc = ("arena_hard_v0.1-style-control", "overall", "claude-3-5-sonnet-20241022", "")
    assert [d[(*sc, m)] for m in ("arena_hard", "arena_hard_lower", "arena_hard_upper",
                                  "avg_tokens")] == pytest.approx([86.4, 85.1, 87.7, 691])
    assert d[("arena_hard_v0.1", "overall", "gpt-4-turbo-2024-04-09", "", "arena_hard")] == 82.6
    # the derived CSV labels both markdown blocks with the first title: refused, not guessed
    with pytest.raises(VoteTableError, match="54 models appear twice.*past_leaderboards.md"):
        read_leaderboard(folder / "past_leaderboards_parsed.csv")


def test_sniffing_real_files(shared_data):
    expect = {
        "lmsys-leaderboard-tables/leaderboard_table_20230619.csv": "lmsys_table",
        "lmsys-leaderboard-tables/elo_data.json": "lmsys_elo_data",
        "lmsys-leaderboard-tables/arena_hard_auto_leaderboard_v0.1.csv": "arena_hard",
        "lmarena-leaderboard-csv-history/latest/lmarena_text.csv": "lmarena_csv",
        "lmarena-leaderboard-csv-history/latest/merged_openllm_v1_x_lmsys_20240619.csv":
            "lmarena_openllm",
        "lmarena-category-ratings/category_leaderboard_with_num_battles_20250207.csv":
            "lmarena_category",
        "lmarena-category-ratings/category_ratings_history_long.csv": "lmarena_category_history",
        "lmarena-category-ratings/raw_latest/leaderboard-vision.json": "lmarena_category_json",
        "arena-elo-history/alltime.csv": "arena_elo_history",
        "alpaca-eval-benchmarks/alpaca_eval1_gpt4_leaderboard.csv": "alpaca_eval",
        "alpaca-eval-benchmarks/benchmarks_arena_elo_vs_benchmarks_20240418.csv":
            "alpaca_eval_benchmarks",
        "arena-hard-auto-scores/past_leaderboards.md": "arena_hard_md",
        "arena-hard-auto-scores/past_leaderboards_parsed.csv": "arena_hard_past_csv",
    }
    assert {sniff_board_format(shared_data / k) for k in expect} == set(BOARD_FORMATS)
    for rel, fmt in expect.items():
        assert sniff_board_format(shared_data / rel) == fmt, rel
    for rel in ("arena-elo-history/key_to_model.csv", "arena-elo-history/alltime_by_org.csv",
                "alpaca-eval-benchmarks/evaluators_leaderboard.csv",
                "lmarena-category-ratings/raw_latest/scatterplot-data.json",
                "arena-hard-auto-scores/arena_hard_battles_llm_judge_20240908.jsonl"):
        with pytest.raises(VoteTableError, match="no leaderboard format matches"):
            read_leaderboard(shared_data / rel)


def test_board_wide_on_real_table(lmsys_tables):
    _, df = lmsys_tables
    wide = board_wide(df, ["mt_bench", "mmlu"])
    one = wide[wide["date"] == pd.Timestamp("2023-12-20")].set_index("model")
    assert one.loc["GPT-4-0314", ["mt_bench", "mmlu"]].tolist() == [8.96, 86.4]
    counts = defaultdict(int)
    for metric in ("mt_bench", "mmlu"):
        counts[metric] = int(wide[metric].notna().sum())
    assert counts == {m: int((df["metric"] == m).sum()) for m in ("mt_bench", "mmlu")}
