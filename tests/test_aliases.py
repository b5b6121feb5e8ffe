"""The model-name alias registry: normalisation, explicit aliases, conflicts, and real joins."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealvalid.data.aliases import (
    ALIAS_COLUMNS,
    DEFAULT_ALIASES_PATH,
    AliasConflictError,
    AliasRegistry,
    normalize_name,
)
from sealvalid.data.boards import board_wide, read_leaderboard
from sealvalid.data.schema import VoteTableError

# ============================================================================================
# normalisation and explicit aliases


@pytest.mark.parametrize("raw, norm", [
    ("GPT-4-0613", "gpt-4-0613"),
    ("  Claude-2.1 ", "claude-2.1"),
    ("Vicuna_13B", "vicuna-13b"),
    ("Claude 3 Opus", "claude-3-opus"),
    ("ChatGPT-4o-latest (2024-08-08)", "chatgpt-4o-latest-2024-08-08"),
    ("FLUX.1 [dev] (fp8)", "flux.1-dev-fp8"),
    ("a -- b__c", "a-b-c"),
])
def test_normalize_name(raw, norm):
    assert normalize_name(raw) == norm


@pytest.mark.parametrize("bad", [None, float("nan"), "", "  ", "()"])
def test_normalize_name_rejects_empty(bad):
    with pytest.raises(ValueError, match="missing|empty"):
        normalize_name(bad)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_normalize_name_is_idempotent(name):
    try:
        once = normalize_name(name)
    except ValueError:
        return
    assert normalize_name(once) == once
    assert once == once.strip("-") and "--" not in once and " " not in once


def test_add_and_canonical_follow_chains():
    reg = AliasRegistry()
    assert reg.add("GPT-4-Turbo", "gpt-4-1106-preview") is reg
    reg.add("gpt4 turbo", "GPT-4-Turbo")  # canonical given as an alias: joins its group
    reg.add("gpt-4-1106-preview", "gpt-4-1106")  # the group's canonical is renamed
    assert reg.canonical("GPT_4 turbo") == "gpt-4-1106"
    assert reg.canonical("gpt4-turbo") == "gpt-4-1106"
    assert reg.canonical("Claude-2.1") == "claude-2.1"  # no alias: just normalised
    reg.add("gpt-4-turbo", "gpt-4-1106")  # same mapping again: fine
    reg.add("gpt-4-1106", "GPT-4-1106")  # alias equal to its canonical: nothing to record
    assert len(reg) == 3
    assert reg.canonicals == {"gpt-4-1106"}
    assert "GPT 4 Turbo" in reg and "Claude-2.1" not in reg


def test_conflict_names_both_canonicals():
    reg = AliasRegistry().add("GPT-4-Turbo", "gpt-4-1106-preview", origin="table A")
    with pytest.raises(AliasConflictError) as err:
        reg.add("gpt-4-turbo", "gpt-4-turbo-2024-04-09", origin="table B")
    msg = str(err.value)
    assert "'gpt-4-1106-preview' (from table A)" in msg
    assert "'gpt-4-turbo-2024-04-09' (from table B)" in msg
    assert isinstance(err.value, VoteTableError)
    assert reg.canonical("GPT-4-Turbo") == "gpt-4-1106-preview"  # unchanged


def test_from_pairs_conflict():
    with pytest.raises(AliasConflictError, match="'b'.*'c'"):
        AliasRegistry.from_pairs([("a", "b"), ("A", "c")])
    assert AliasRegistry.from_pairs({"a": "b"}).canonical("A") == "b"


def test_resolve_and_unresolved():
    reg = AliasRegistry.from_pairs({"Vicuna-13B": "vicuna-13b-v1.5"}).register("gpt-4-0613")
    names = pd.Series(["Vicuna-13B", None, "GPT-4-0613", "mystery"], index=[10, 11, 12, 13],
                      name="model")
    out = reg.resolve(names)
    assert out.index.tolist() == [10, 11, 12, 13] and out.name == "model"
    assert out.iloc[[0, 2, 3]].tolist() == ["vicuna-13b-v1.5", "gpt-4-0613", "mystery"]
    assert pd.isna(out.iloc[1])
    assert reg.resolve(["vicuna_13b"]).tolist() == ["vicuna-13b-v1.5"]
    assert reg.unresolved(names) == ["mystery"]
    frame = reg.to_frame()
    assert list(frame.columns) == [*ALIAS_COLUMNS, "origin"]
    assert frame.to_numpy().tolist() == [["vicuna-13b", "vicuna-13b-v1.5", "pairs"]]


def test_from_csv_errors(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("name,target\nx,y\n")
    with pytest.raises(VoteTableError, match=r"header must be \['alias', 'canonical'\]"):
        AliasRegistry.from_csv(p)
    p.write_text("alias,canonical\nx,\n")
    with pytest.raises(VoteTableError, match="data row 2 is"):
        AliasRegistry.from_csv(p)
    p.write_text("# comment\nalias,canonical\nx,y\n# another\nX,z\n")
    with pytest.raises(AliasConflictError, match=r"'y' \(from a.csv data row 2\).*'z' \(from "
                                                 r"a.csv data row 3\)"):
        AliasRegistry.from_csv(p)


def test_default_table_is_well_formed():
    rows = [r for r in csv.reader(DEFAULT_ALIASES_PATH.read_text().splitlines())
            if r and not r[0].startswith("#")]
    assert rows[0] == list(ALIAS_COLUMNS)
    aliases = [normalize_name(a) for a, _ in rows[1:]]
    assert len(aliases) == len(set(aliases)) == 33
    reg = AliasRegistry.default()
    assert len(reg) == 33
    for alias, canonical in rows[1:]:
        assert reg.canonical(alias) == reg.canonical(canonical)
        assert normalize_name(alias) != normalize_name(canonical), "redundant row"
    assert reg.canonical("gpt4_1106_preview") == "gpt-4-1106-preview"
    assert reg.canonical("Mistral Medium 3") == "mistral-medium-2505"


# ============================================================================================
# real data


@pytest.fixture(scope="module")
def registry(shared_data):
    return AliasRegistry.from_sources(shared_data)


@pytest.fixture(scope="module")
def alltime(shared_data, registry):
    df = read_leaderboard(shared_data / "arena-elo-history" / "alltime.csv")
    return df.assign(canonical=registry.resolve(df["model"]))


def test_from_sources_registry(registry, shared_data):
    assert len(registry) == 106  # 33 hand-made + 73 key/display pairs from the sources
    # display names joined to keys
    assert registry.canonical("OpenAssistant-Pythia-12B") == "oasst-pythia-12b"
    assert registry.canonical("Claude 3.5 Sonnet (20241022)") == "claude-3-5-sonnet-20241022"
    assert registry.canonical("Bard (Gemini Pro)") == "bard-jan-24-gemini-pro"
    assert registry.canonical("Gemini App (2024-01-24)") == "bard-jan-24-gemini-pro"
    # renamed keys (hand-made) settle display names shown for both keys
    assert registry.canonical("Meta-Llama-3.1-405B-Instruct-fp8") == "llama-3.1-405b-instruct-fp8"
    assert registry.canonical("gemini-1.5-pro-api-0514") == "gemini-1.5-pro-001"
    # a display name that is itself a key keeps its identity, and is reported
    skipped = registry.skipped_.set_index("alias")
    assert skipped.loc["Qwen2-VL-72B", "reason"] == "display name is itself a key"
    assert registry.canonical("Qwen2-VL-72B") == "qwen2-vl-72b"
    assert len(skipped) == 3
    bare = AliasRegistry.from_sources(shared_data, include_default=False)
    assert len(bare) == 72 and len(bare.skipped_) == 13
    assert "shown for different models" in set(bare.skipped_["reason"])


def test_renamed_keys_never_collide_in_the_rating_history(alltime):
    # two keys joined by the registry are never both rated on one date
    assert not alltime.duplicated(["canonical", "date"]).any()
    assert alltime["canonical"].nunique() == 228  # 238 keys, 10 renames / codenames joined


def test_join_2023_table_by_display_name(shared_data, registry, alltime):
    """2023 tables name models by display name; the rating history by key."""
    table = read_leaderboard(shared_data / "lmsys-leaderboard-tables" /
                             "leaderboard_table_20231220.csv")
    wide = board_wide(table)  # mt_bench, rating, mmlu per model
    wide["canonical"] = registry.resolve(wide["model"])
    hist = alltime[alltime["date"] == pd.Timestamp("2023-12-20")].set_index("canonical")
    assert len(hist) == 51
    joined = wide.join(hist["value"].rename("history_rating"), on="canonical", how="inner")
    assert len(wide) == 65 and len(joined) == 51
    # without the registry: exact spelling joins 4, normalisation alone 45
    assert wide["model"].isin(hist["model"]).sum() == 4
    normalized = wide["model"].map(normalize_name).isin(hist["model"].map(normalize_name))
    assert normalized.sum() == 45
    # every rated model of the table found its history rating, and they agree in rank
    rated = joined.dropna(subset=["rating"])
    assert len(rated) == int(wide["rating"].notna().sum()) == 51
    rho = rated[["rating", "history_rating"]].corr("spearman").iloc[0, 1]
    assert rho > 0.9  # measured 0.947 (the two publications' levels differ, ranks agree)
    assert joined[["mt_bench", "mmlu"]].notna().sum().tolist() == [42, 38]


def test_join_2024_table_mt_bench_mmlu_with_ratings(shared_data, registry, alltime):
    table = read_leaderboard(shared_data / "lmsys-leaderboard-tables" /
                             "leaderboard_table_20240418.csv")
    wide = board_wide(table, ["mt_bench", "mmlu"])
    wide["canonical"] = registry.resolve(wide["model"])
    hist = alltime[alltime["date"] == pd.Timestamp("2024-04-18")].set_index("canonical")
    joined = wide.join(hist["value"].rename("rating"), on="canonical", how="inner")
    assert (len(wide), len(joined)) == (85, 71)
    # the 14 left out have MT-bench / MMLU but were never rated in the arena
    assert "vicuna-13b-16k" in set(wide["model"]) - set(joined["model"])
    assert joined[["mt_bench", "mmlu", "rating"]].notna().sum().tolist() == [51, 61, 71]


def test_tables_listing_old_and_new_keys_agree(shared_data, registry):
    """2024+ tables keep a renamed model under both keys, with the same numbers."""
    table = read_leaderboard(shared_data / "lmsys-leaderboard-tables" /
                             "leaderboard_table_20241215.csv")
    table["canonical"] = registry.resolve(table["model"])
    dup = table[table.duplicated(["canonical", "metric"], keep=False)]
    assert set(dup["canonical"]) == {"gemini-1.5-pro-001", "gemini-1.5-flash-001",
                                     "llama-3.1-405b-instruct-fp8"}
    assert dup.groupby(["canonical", "metric"])["value"].nunique().eq(1).all()


def test_join_alpaca_benchmarks_with_rating_history(shared_data, registry, alltime):
    bench = read_leaderboard(shared_data / "alpaca-eval-benchmarks" /
                             "benchmarks_arena_elo_vs_benchmarks_20240418.csv")
    elo = bench[(bench["metric"] == "rating") & (bench["date"] == pd.Timestamp("2024-04-18"))]
    elo = elo.assign(canonical=registry.resolve(elo["model"]))
    hist = alltime[alltime["date"] == pd.Timestamp("2024-04-18")].set_index("canonical")
    joined = elo.join(hist["value"].rename("history"), on="canonical", how="inner")
    assert len(elo) == len(joined) == 20  # gpt4_1106_preview, claude, claude-2 ... all found
    assert np.abs(joined["value"] - joined["history"]).max() < 3  # measured 2.5 points


def test_join_lmarena_display_names_with_category_keys(shared_data, registry):
    snap = read_leaderboard(shared_data / "lmarena-leaderboard-csv-history" / "lmsys_snapshots" /
                            "lmsys_2025-02-07_c5b15768.csv")
    cat = read_leaderboard(shared_data / "lmarena-category-ratings" /
                           "category_leaderboard_with_num_battles_20250207.csv")
    a = snap[snap["metric"] == "rating"]
    b = cat[(cat["board"] == "text") & (cat["category"] == "overall") & (cat["metric"] == "rating")]
    a = a.assign(canonical=registry.resolve(a["model"]))
    b = b.assign(canonical=registry.resolve(b["model"])).set_index("canonical")
    joined = a.join(b["value"].rename("category_rating"), on="canonical", how="inner")
    assert (len(a), len(b), len(joined)) == (196, 200, 195)
    assert a["model"].isin(b["model"]).sum() == 5  # exact spelling: display vs key
    # the CSV publishes rounded scores of the same fit
    assert np.abs(joined["value"] - joined["category_rating"]).max() < 1.5
