"""sealvalid's ratings against the anchor engines' golden numbers.

The golden CSVs in ``tests/golden/`` were made by ``benchmarks/make_golden.py`` in the separate
anchors environment (arena-rank 0.1.1, choix 0.4.1, evalica 0.4.2, a FastChat re-implementation;
none of them is imported here). ``benchmarks/anchors/CONVENTIONS.md`` documents each engine's
objective and defaults; the settings named here are described in ``tests/golden/README.md``.

Tolerances (Arena points) are those of the brief, not loosened: arena-rank 0.1 (its default
optimiser stops up to 0.015 points short of the MLE), choix and evalica 0.01, evalica Elo 1e-6.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sealvalid.data.schema import validate_votes
from sealvalid.rating import BradleyTerry, board_from_fit, online_elo
from sealvalid.rating.style import StyleBT

GOLDEN = Path(__file__).resolve().parent / "golden"
LEFT_RIGHT = {"left": "model_a", "right": "model_b", "tie": "tie"}
REAL = ("llmfao_crowd", "arena_hard_judge", "prd_vicuna80_human", "evalica_food",
        "evalica_simple")
DATASETS = [pytest.param(n, marks=pytest.mark.realdata) for n in REAL] + ["sim_small"]
Z95 = stats.norm.ppf(0.975)


def _left_right(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return pd.DataFrame({"model_a": df["left"], "model_b": df["right"],
                         "winner": df["winner"].map(LEFT_RIGHT)})


def load_votes(name: str, root: Path | None, fixtures: Path) -> pd.DataFrame:
    """The same parsing as benchmarks/make_golden.py::load_dataset (file order kept)."""
    if name == "sim_small":
        raw = pd.read_csv(fixtures / "sim_votes_small.csv")
    elif name == "llmfao_crowd":
        raw = _left_right(root / "llmfao-crowd-vs-gpt-judge" / "crowd-comparisons.csv")
    elif name == "evalica_food":
        raw = _left_right(root / "evalica-golden" / "food.csv")
    elif name == "evalica_simple":
        raw = _left_right(root / "evalica-golden" / "simple.csv")
    elif name == "arena_hard_judge":
        raw = pd.read_json(root / "arena-hard-auto-scores" /
                           "arena_hard_battles_llm_judge_20240908.jsonl", lines=True)
        raw = raw[["model_a", "model_b", "winner"]].astype(str)
    elif name == "prd_vicuna80_human":
        df = pd.read_csv(root / "prd-vicuna80-human-vs-llm-reviewers" /
                         "pairwise_ratings_compact.csv")
        df = df[df["reviewer"] == "human"]
        raw = pd.DataFrame({
            "model_a": df["model_1"].astype(str).to_numpy(),
            "model_b": df["model_2"].astype(str).to_numpy(),
            "winner": df["score"].map({1: "model_a", 2: "model_b", 3: "tie"}).to_numpy(),
        })
    else:  # pragma: no cover
        raise KeyError(name)
    return validate_votes(raw)


def golden(name: str, engine: str, setting: str) -> pd.DataFrame:
    g = pd.read_csv(GOLDEN / f"{name}.csv", dtype={"model": str})
    sel = g[(g["engine"] == engine) & (g["setting"] == setting)]
    assert len(sel), f"no golden rows for {name}/{engine}/{setting}"
    return sel.set_index("model")


def _case(request, fixtures_dir):
    name = request.param
    root = None if name == "sim_small" else request.getfixturevalue("shared_data")
    return name, load_votes(name, root, fixtures_dir)


@pytest.fixture(params=DATASETS)
def case(request, fixtures_dir):
    return _case(request, fixtures_dir)


@pytest.fixture(params=[pytest.param(n, marks=pytest.mark.realdata)
                        for n in ("llmfao_crowd", "prd_vicuna80_human")] + ["sim_small"])
def boot_case(request, fixtures_dir):
    """Data sets with an arena-rank bootstrap golden (benchmarks/make_golden.py)."""
    return _case(request, fixtures_dir)


def _maxdiff(ours: pd.Series, theirs: pd.Series) -> float:
    assert set(ours.index) == set(theirs.index), "model sets differ"
    return float(np.max(np.abs(ours.to_numpy() - theirs.reindex(ours.index).to_numpy())))


def test_golden_manifest_lists_every_dataset():
    manifest = json.loads((GOLDEN / "manifest.json").read_text())
    assert set(manifest["datasets"]) >= set(REAL) | {"sim_small"}
    assert manifest["versions"]["arena-rank"] == "0.1.1"
    assert manifest["versions"]["evalica"] == "0.4.2"
    assert manifest["versions"]["choix"] == "0.4.1"


@pytest.mark.parametrize(
    ("engine", "setting", "tol"),
    [
        ("arena-rank", "tight", 0.1),
        ("arena-rank", "default", 0.1),
        ("choix", "ilsr_pairwise_dense", 0.01),
        ("evalica", "bradley_terry", 0.01),
        ("fastchat-reimpl", "original_compute_mle_elo", 0.01),
        ("fastchat-reimpl", "newest_compute_bt", 0.1),
    ],
)
def test_bt_ratings_match_anchor(case, engine, setting, tol):
    name, votes = case
    bt = BradleyTerry().fit(votes)
    assert bt.converged_
    g = golden(name, engine, setting)
    assert _maxdiff(bt.ratings_, g["rating"]) < tol
    # every anchor centres its ratings on 1000 (no anchor model in these data)
    assert abs(bt.ratings_.mean() - 1000.0) < 1e-9


def test_sandwich_matches_arena_rank(case):
    # arena-rank adds 1e-5 * N to the Hessian diagonal when all weights are 1 (CONVENTIONS 1.4)
    name, votes = case
    bt = BradleyTerry().fit(votes)
    board = board_from_fit(bt, intervals="sandwich", ridge=1e-5 * len(votes))
    t = board.table.set_index("model")
    g = golden(name, "arena-rank", "tight")
    assert _maxdiff(t["lower"], g["lower"]) < 0.1
    assert _maxdiff(t["upper"], g["upper"]) < 0.1


def test_reweighted_matches_arena_rank(case):
    # PairDataset.from_pandas(reweighted=True): per-vote weight 1 / max(n_pair, 50) with n_pair the
    # votes of the unordered pair; the sandwich ridge is then 1e-5 unscaled (CONVENTIONS 1.1, 1.4)
    name, votes = case
    pair = pd.Series([tuple(sorted(p)) for p in zip(votes["model_a"].astype(str),
                                                      votes["model_b"].astype(str),
                                                      strict=True)])
    n_pair = pair.map(pair.value_counts()).to_numpy(dtype=float)
    weighted = validate_votes(votes.assign(weight=1.0 / np.maximum(n_pair, 50.0)))
    bt = BradleyTerry().fit(weighted)
    g = golden(name, "arena-rank", "reweighted_tight")
    assert _maxdiff(bt.ratings_, g["rating"]) < 0.1
    t = board_from_fit(bt, intervals="sandwich", ridge=1e-5).table.set_index("model")
    assert _maxdiff(t["lower"], g["lower"]) < 0.1
    assert _maxdiff(t["upper"], g["upper"]) < 0.1


def test_online_elo_matches_evalica(case):
    name, votes = case
    g = golden(name, "evalica", "elo_k4")
    assert _maxdiff(online_elo(votes, k=4.0), g["rating"]) < 1e-6


def test_bootstrap_agrees_with_arena_rank_bootstrap(boot_case):
    # arena-rank's bootstrap uses JAX random keys, so only statistical agreement is testable:
    # each 2.5 % / 97.5 % end from B=100 rounds has a Monte Carlo sd of about 0.27 se (normal
    # approximation), ours from B=1000 about 0.09 se; allow 5 combined sds per end.
    name, votes = boot_case
    g = golden(name, "arena-rank", "bootstrap100_seed42")
    bt = BradleyTerry().fit(votes)
    board = board_from_fit(bt, intervals="bootstrap", n_rounds=1000, rng=20261204)
    t = board.table.set_index("model")
    se = np.sqrt(np.diag(bt.covariance(ridge=1e-5 * len(votes)).to_numpy()))
    se = pd.Series(se, index=bt.ratings_.index)
    tol = 5 * np.hypot(0.27, 0.09) * se
    for end in ("lower", "upper"):
        diff = (t[end] - g[end].reindex(t.index)).abs()
        assert (diff < tol.reindex(t.index)).all(), diff[diff >= tol.reindex(t.index)]


@pytest.mark.parametrize(("setting", "style_l2_per_vote"),
                         [("style_noreg_tight", 0.0), ("style_reg1_tight", 1.0)])
def test_style_control_matches_arena_rank(fixtures_dir, setting, style_l2_per_vote):
    # ContextualBradleyTerry: reg * ||gamma||^2 / 2 on a MEAN loss == style_l2 = reg * n on a sum
    # loss; features (a - b) / (a + b + 1) standardised with ddof 0 (CONVENTIONS 1.6)
    votes = load_votes("sim_small", None, fixtures_dir)
    n = len(votes)
    sb = StyleBT(style_l2=style_l2_per_vote * n).fit(votes)
    g = golden("sim_small", "arena-rank", setting)
    assert _maxdiff(sb.ratings_, g["rating"]) < 0.1
    coefs = pd.read_csv(GOLDEN / "style_coefficients.csv")
    c = coefs[coefs["setting"] == setting].set_index("feature")["coef"]
    ours = pd.Series(sb.gamma_, index=list(sb.features))
    assert _maxdiff(ours, c) < 1e-6
    if style_l2_per_vote == 0.0:
        # with reg > 0 arena-rank's sandwich leaves the ridge out of the bread (CONVENTIONS 1.6),
        # so only the unpenalised intervals are comparable
        se = np.sqrt(np.diag(sb.covariance(ridge=1e-5 * n).to_numpy()))
        assert _maxdiff(sb.ratings_ - Z95 * se, g["lower"]) < 0.1
        assert _maxdiff(sb.ratings_ + Z95 * se, g["upper"]) < 0.1


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["simple", "food", "llmfao"])
def test_evalica_shared_golden(shared_data, name):
    # evalica's own golden files store BT strengths normalised to sum 1 and Elo with k=4
    root = shared_data
    src = (root / "llmfao-crowd-vs-gpt-judge" / "crowd-comparisons.csv" if name == "llmfao"
           else root / "evalica-golden" / f"{name}.csv")
    votes = validate_votes(_left_right(src))
    gold = pd.read_csv(root / "evalica-golden" / f"{name}-golden.csv", dtype={"item": str})
    bt_gold = gold[gold["algorithm"] == "bradley_terry"].set_index("item")["score"]
    logs = np.log10(bt_gold)
    as_rating = 1000.0 + 400.0 * (logs - logs.mean())
    bt = BradleyTerry().fit(votes)
    assert _maxdiff(bt.ratings_, as_rating) < 0.01
    elo_gold = gold[gold["algorithm"] == "elo"].set_index("item")["score"]
    assert _maxdiff(online_elo(votes, k=4.0), elo_gold) < 1e-6
