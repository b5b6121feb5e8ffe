"""The canonical vote table contract: every validation error, and fuzzing that no malformed table
passes silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealvalid.data import WINNER_LABELS, VoteTableError, make_votes, validate_votes


def base(**extra):
    d = {"model_a": ["a", "b", "c"], "model_b": ["b", "c", "a"],
         "winner": ["model_a", "tie", "tie_bothbad"]}
    d.update(extra)
    return pd.DataFrame(d)


def test_canonical_frame_types():
    v = validate_votes(base(weight=[1, 2, 0.5], timestamp=[1.7e9, 1.7e9 + 1, 1.7e9 + 2],
                            position=["model_a", None, "model_b"], country=["US", "DE", None],
                            rater_type=["crowd", "expert", "llm_judge"], extra=[1, 2, 3]))
    assert list(v.columns[:3]) == ["model_a", "model_b", "winner"]
    assert list(v["model_a"].cat.categories) == ["a", "b", "c"]
    assert v["model_a"].dtype == v["model_b"].dtype
    assert list(v["winner"].cat.categories) == list(WINNER_LABELS)
    assert str(v["timestamp"].dt.tz) == "UTC"
    assert v["timestamp"].iloc[1] - v["timestamp"].iloc[0] == pd.Timedelta(seconds=1)
    assert v["weight"].dtype == np.float64
    assert v["position"].isna().sum() == 1
    assert v["extra"].tolist() == [1, 2, 3]  # unknown columns pass through


def test_categories_are_sorted_union_and_input_untouched():
    df = base(model_a=["zeta", "alpha", "mid"], model_b=["alpha", "mid", "omega"])
    before = df.copy()
    v = validate_votes(df)
    assert list(v["model_b"].cat.categories) == ["alpha", "mid", "omega", "zeta"]
    pd.testing.assert_frame_equal(df, before)


def test_whitespace_names_are_stripped():
    v = validate_votes(base(model_a=[" a", "b ", "c"]))
    assert list(v["model_a"].astype(str)) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("frame", "needle"),
    [
        (base().drop(columns="winner"), "missing required column(s) ['winner']"),
        (base().iloc[:0], "empty"),
        (base(winner=["model_a", "tie (bothbad)", "draw"]), "2 of 3 rows with unknown labels"),
        (base(winner=["model_a", None, "tie"]), "column 'winner' has 1 of 3 rows missing"),
        (base(model_b=["a", "c", "a"]), "battles itself"),
        (base(model_a=[None, "b", "c"]), "column 'model_a' has 1 of 3 rows with missing"),
        (base(model_b=["b", "  ", "a"]), "column 'model_b' has 1 of 3 rows with empty"),
        (base(model_a=["a", "b", "a"], model_b=["b", "a", "b"]).assign(
            model_b=["b", "a", "b"]), None),  # valid: two models
        (pd.DataFrame({"model_a": ["a"], "model_b": ["a "], "winner": ["tie"]}),
         "battles itself"),
        (base(weight=[1.0, -1.0, 1.0]), "column 'weight' has 1 of 3 rows that are negative"),
        (base(weight=[1.0, np.inf, np.nan]), "column 'weight' has 2 of 3 rows"),
        (base(weight=[0.0, 0.0, 0.0]), "zero on all 3 rows"),
        (base(weight=["x", 1, 1]), "non-numeric"),
        (base(rater_type=["crowd", "human", "crowd"]), "column 'rater_type' has 1 of 3"),
        (base(position=["model_a", "left", None]), "column 'position' has 1 of 3"),
        (base(timestamp=["2024-01-01", "yesterday", "2024-01-02"]), "column 'timestamp'"),
        (base(style_tokens_a=[1.0, -3.0, 2.0]), "column 'style_tokens_a'"),
    ],
)
def test_validation_errors(frame, needle):
    if needle is None:
        assert len(validate_votes(frame)) == 3
        return
    with pytest.raises(VoteTableError) as info:
        validate_votes(frame)
    assert needle in str(info.value)


def test_error_lists_allowed_labels():
    with pytest.raises(VoteTableError, match=r"allowed labels: \['model_a', 'model_b', 'tie', "
                                             r"'tie_bothbad'\]"):
        validate_votes(base(winner=["a", "b", "tie"]))


def test_fewer_than_two_models_impossible_without_self_battle():
    # a single distinct model can only appear as a self-battle, which is reported first
    with pytest.raises(VoteTableError, match="battles itself"):
        make_votes(["x"], ["x"], ["tie"])


def test_not_a_frame():
    with pytest.raises(VoteTableError, match="must be a pandas DataFrame"):
        validate_votes({"model_a": ["a"]})


def test_duplicate_columns():
    df = pd.concat([base(), base()[["winner"]]], axis=1)
    with pytest.raises(VoteTableError, match="duplicated column"):
        validate_votes(df)


def test_style_nan_allowed_but_not_inf():
    v = validate_votes(base(style_tokens_a=[1.0, np.nan, 2.0]))
    assert np.isnan(v["style_tokens_a"].iloc[1])


def test_idempotent():
    v = validate_votes(base(weight=[1, 2, 3], country=["a", "b", None]))
    pd.testing.assert_frame_equal(validate_votes(v), v)


# ---------------------------------------------------------------- fuzzing
NAMES = st.sampled_from(["a", "b", "c", "d", "", " ", None, "a "])
LABELS = st.sampled_from([*WINNER_LABELS, "tie (bothbad)", "left", "", None, "TIE", "model_a "])
WEIGHTS = st.sampled_from([1.0, 0.0, 2.5, -1.0, np.inf, np.nan])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(NAMES, NAMES, LABELS, WEIGHTS), min_size=0, max_size=8),
       st.booleans())
def test_fuzz_no_malformed_table_passes(rows, with_weight):
    df = pd.DataFrame(rows, columns=["model_a", "model_b", "winner", "weight"])
    if not with_weight:
        df = df.drop(columns="weight")
    try:
        v = validate_votes(df)
    except VoteTableError:
        return
    # anything that passed satisfies the whole contract
    a = [None if x is None else str(x).strip() for x in df["model_a"]]
    b = [None if x is None else str(x).strip() for x in df["model_b"]]
    assert len(v) == len(df) > 0
    assert all(x for x in a) and all(x for x in b)
    assert all(x != y for x, y in zip(a, b, strict=True))
    assert set(df["winner"]) <= set(WINNER_LABELS)
    assert list(v["model_a"].cat.categories) == sorted(set(a) | set(b))
    assert v["model_a"].astype(str).tolist() == a
    if with_weight:
        w = df["weight"].to_numpy(float)
        assert np.isfinite(w).all() and (w >= 0).all() and (w > 0).any()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5), st.integers(0, 4), st.data())
def test_fuzz_one_defect_is_always_caught(row, defect, data):
    df = pd.DataFrame({"model_a": ["a", "b", "c", "d", "a", "b"],
                       "model_b": ["b", "c", "d", "a", "c", "d"],
                       "winner": ["model_a", "model_b", "tie", "tie_bothbad", "tie", "model_a"],
                       "weight": [1.0] * 6})
    if defect == 0:
        df.loc[row, "winner"] = data.draw(st.text(min_size=0, max_size=6).filter(
            lambda s: s not in WINNER_LABELS))
    elif defect == 1:
        df.loc[row, "model_b"] = df.loc[row, "model_a"]
    elif defect == 2:
        df.loc[row, "model_a"] = None
    elif defect == 3:
        df.loc[row, "weight"] = data.draw(st.sampled_from([-0.5, np.inf, -np.inf, np.nan]))
    else:
        df = df.drop(columns=data.draw(st.sampled_from(["model_a", "model_b", "winner"])))
    with pytest.raises(VoteTableError):
        validate_votes(df)
