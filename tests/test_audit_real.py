"""Fragility of the real vote logs in ../shared/data, with spot-checked figures.

The figures are deterministic (the search involves no randomness) and are the ones quoted in the
closing note of the fragility issue; the crowd logs are set against the expert panel, as arXiv
2508.11847 sets Chatbot Arena against MT-bench's experts.
"""

from __future__ import annotations

import pytest

from sealvalid.audit import fragility
from sealvalid.data import read_votes, validate_votes
from sealvalid.rating import BradleyTerry

pytestmark = pytest.mark.realdata


def _top(res):
    return res.table[res.table["kind"] == "top_spot"].iloc[0]


def test_llmfao_crowd(shared_data):
    votes = read_votes(shared_data / "llmfao-crowd-vs-gpt-judge" / "crowd-comparisons.csv")
    res = fragility(votes, rng=1, n_random=50, curve_points=0)
    top = _top(res)
    assert res.config["n_votes_used"] == 8931 and res.config["n_models"] == 59
    assert (top["model_above"], top["model_below"]) == ("GPT 4", "Platypus-2 Instruct (70B)")
    assert top["gap"] == pytest.approx(59.68, abs=0.01)
    assert top["drop_k"] == 13 and top["drop_verified"]
    assert top["add_k"] == 13
    assert top["random_flip_rate"] == 0.0  # 13 random votes never dethrone GPT 4
    # the 13 votes: Platypus's upset losses (mostly to Weaver 12k), confirmed independently
    rows = res.removed.loc[res.removed["kind"] == "top_spot", "row"].to_numpy()
    assert res.removed.loc[res.removed["kind"] == "top_spot", "voter_id"].notna().all()
    bt = BradleyTerry().fit(validate_votes(votes.drop(index=rows).reset_index(drop=True)))
    assert bt.ratings_.idxmax() != "GPT 4"
    s = res.summary()
    assert s["n_adjacent_flip_1pct"] == 58 and s["n_adjacent_flip_1vote"] == 31


def test_expert_panel_is_far_more_robust_than_the_crowd(shared_data):
    folder = shared_data / "pandalm-testset-3annotators-vs-llm-judges"
    experts = read_votes(folder / "testset-v1.json")
    assert set(experts["rater_type"].astype(str)) == {"expert"}
    res = fragility(experts, rng=1, n_random=0, add=False, curve_points=0)
    top = _top(res)
    assert top["model_above"] == "llama-7b"
    assert top["drop_k"] == 220 and top["drop_verified"]
    assert top["drop_share"] > 0.05  # over 5% of the votes, against 0.15% for LLMFAO's crowd


def test_prd_human_crowd(shared_data):
    prd = read_votes(shared_data / "prd-vicuna80-human-vs-llm-reviewers" /
                     "pairwise_ratings_compact.csv")
    human = validate_votes(prd[prd["rater_type"] == "crowd"].reset_index(drop=True))
    res = fragility(human, rng=1, n_random=0, add=False, curve_points=0)
    top = _top(res)
    assert (top["model_above"], top["model_below"]) == ("gpt4", "claude")
    assert top["drop_k"] == 3 and top["drop_verified"]
