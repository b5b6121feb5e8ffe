"""Rating engine: agreement with published reference values, recovery of known truth, interval
calibration, degenerate data, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sealvalid.data import VoteTableError, make_votes, validate_votes
from sealvalid.rating import (
    BradleyTerry,
    DisconnectedGraphError,
    NotFittedError,
    compare_segments,
    online_elo,
    permutation_elo,
    rank_from_intervals,
    rate,
    segment_boards,
    style_control,
)
from sealvalid.sim import ToyArena, toy_votes

F = 400 / math.log(10)
EVALICA_SETS = {"simple": "simple.csv", "food": "food.csv",
                "llmfao": "../llmfao-crowd-vs-gpt-judge/crowd-comparisons.csv"}


def evalica_votes(root, name):
    d = pd.read_csv(root / "evalica-golden" / EVALICA_SETS[name])
    return make_votes(d["left"].astype(str), d["right"].astype(str),
                      d["winner"].map({"left": "model_a", "right": "model_b", "tie": "tie"}))


def golden(root, name, algorithm):
    g = pd.read_csv(root / "evalica-golden" / f"{name}-golden.csv")
    g = g[g["algorithm"] == algorithm]
    return pd.Series(g["score"].to_numpy(), index=g["item"].astype(str))


# ---------------------------------------------------------------- published reference values
@pytest.mark.parametrize("name", ["simple", "food", "llmfao"])
def test_bt_equals_evalica_golden(shared_data, name):
    votes = evalica_votes(shared_data, name)
    ours = BradleyTerry().fit(votes).ratings_
    score = golden(shared_data, name, "bradley_terry")  # evalica: strengths normalised to sum 1
    theta = np.log(score.reindex(ours.index))
    ref = 1000 + F * (theta - theta.mean())
    assert np.max(np.abs(ours - ref)) < 0.01


@pytest.mark.parametrize("name", ["simple", "food", "llmfao"])
def test_elo_equals_evalica_golden(shared_data, name):
    votes = evalica_votes(shared_data, name)
    ours = online_elo(votes, k=4)
    ref = golden(shared_data, name, "elo").reindex(ours.index)
    assert np.max(np.abs(ours - ref)) < 1e-6


def test_llmfao_size(shared_data):
    votes = evalica_votes(shared_data, "llmfao")
    assert len(votes) == 8931
    assert votes["model_a"].cat.categories.size == 59


# ---------------------------------------------------------------- recovery of known truth
@pytest.fixture(scope="module")
def no_tie_world():
    world = ToyArena(n_models=10, quality_sd=120.0, tie_rate=0.0)
    votes, truth = toy_votes(world, 60_000, rng=np.random.default_rng(1))
    return votes, truth.set_index("model")["true_rating"]


def test_bt_recovers_truth_within_sandwich_error(no_tie_world):
    votes, truth = no_tie_world
    bt = BradleyTerry().fit(votes)
    se = np.sqrt(np.diag(bt.covariance().to_numpy()))
    z = (bt.ratings_ - truth.reindex(bt.ratings_.index)) / se
    # 10 models: P(max |z| > 4) < 1e-3 under a correct fit
    assert np.max(np.abs(z)) < 4
    assert bt.converged_


def test_bootstrap_sd_matches_sandwich(no_tie_world):
    votes, _ = no_tie_world
    bt = BradleyTerry().fit(votes)
    se = np.sqrt(np.diag(bt.covariance().to_numpy()))
    boot = bt.bootstrap(400, rng=3)
    sd = boot.std(ddof=1).to_numpy()
    # the sd of a bootstrap sd from R rounds has relative error ~ 1/sqrt(2R) = 3.5%
    assert np.all(np.abs(sd / se - 1) < 4 / np.sqrt(2 * 400) + 0.03)
    # Poisson approximation agrees too
    sd_p = bt.bootstrap(400, rng=3, method="poisson").std(ddof=1).to_numpy()
    assert np.all(np.abs(sd_p / se - 1) < 4 / np.sqrt(2 * 400) + 0.03)


def test_sandwich_interval_coverage():
    """95% sandwich intervals cover the truth 95% of the time over replicate worlds."""
    world = ToyArena(n_models=6, quality_sd=80.0, tie_rate=0.0)
    streams = np.random.default_rng(11).spawn(150)
    hits = []
    for s in streams:
        votes, truth = toy_votes(world, 1500, rng=s)
        t = rate(votes).table.set_index("model")
        tv = truth.set_index("model")["true_rating"].reindex(t.index)
        hits.extend(((tv >= t["lower"]) & (tv <= t["upper"])).tolist())
    cover = np.mean(hits)
    # binomial MC error on 900 (correlated within world) indicators: allow 4 sd of 150 worlds
    se = np.sqrt(0.95 * 0.05 / 150)
    assert abs(cover - 0.95) < 4 * se


def test_position_term_recovered():
    world = ToyArena(n_models=8, tie_rate=0.0, position_logit=0.3)
    votes, truth = toy_votes(world, 40_000, rng=5)
    bt = BradleyTerry(position=True).fit(votes)
    est = bt.position_coef_
    # its standard error from the sandwich (last parameter) via a refit on the natural scale
    (members, cells, fit), = bt._fits.values()
    cov = np.linalg.inv(fit.hessian + np.outer(np.r_[np.ones(8), 0], np.r_[np.ones(8), 0]))
    se = np.sqrt(cov[-1, -1])
    assert abs(est - 0.3) < 4 * se
    tv = truth.set_index("model")["true_rating"].reindex(bt.ratings_.index)
    r_se = np.sqrt(np.diag(bt.covariance().to_numpy()))
    assert np.max(np.abs((bt.ratings_ - tv) / r_se)) < 4
    # leaving the position term out attenuates the strengths (omitted logistic covariate)
    plain = BradleyTerry(position=False).fit(votes)
    assert plain.ratings_.std() < bt.ratings_.std()


def test_style_control_recovers_coefficients():
    coef = np.array([1.0, 0.4, 0.0, 0.2])
    world = ToyArena(n_models=10, tie_rate=0.0, style_coef=tuple(coef))
    votes, truth = toy_votes(world, 80_000, rng=7)
    board = style_control(votes)
    sd = np.array(board.config["style"]["sd"])
    raw = board.style["coef"].to_numpy() / sd  # back to per normalised difference
    raw_se = board.style["se"].to_numpy() / sd
    assert np.all(np.abs(raw - coef) < 4 * raw_se)
    # the controlled board is closer to true quality than the plain one
    tv = truth.set_index("model")["true_rating"]
    plain = rate(votes).table.set_index("model")["rating"]
    ctrl = board.table.set_index("model")["rating"]

    def err(r):
        d = (r - r.mean()) - (tv.reindex(r.index) - tv.mean())
        return float(np.abs(d).mean())

    assert err(ctrl) < err(plain)


def test_style_control_errors():
    v = make_votes(["a", "b"], ["b", "a"], ["model_a", "tie"])
    with pytest.raises(VoteTableError, match="style control needs columns"):
        style_control(v)


# ---------------------------------------------------------------- tie models
def simulate_ties(model, theta, tie, n_per_pair, rng):
    rng = np.random.default_rng(rng)
    k = len(theta)
    rows = []
    for i in range(k):
        for j in range(i + 1, k):
            d = theta[i] - theta[j]
            if model == "davidson":
                z = np.exp(d / 2) + np.exp(-d / 2) + tie
                p = [np.exp(d / 2) / z, np.exp(-d / 2) / z, tie / z]
            else:
                eta = np.log(tie)
                pi = 1 / (1 + np.exp(-(d - eta)))
                pj = 1 / (1 + np.exp(-(-d - eta)))
                p = [pi, pj, 1 - pi - pj]
            c = rng.multinomial(n_per_pair, p)
            rows += [(f"m{i}", f"m{j}", "model_a")] * c[0] + [(f"m{i}", f"m{j}", "model_b")] * \
                c[1] + [(f"m{i}", f"m{j}", "tie")] * c[2]
    return validate_votes(pd.DataFrame(rows, columns=["model_a", "model_b", "winner"]))


@pytest.mark.parametrize(("model", "tie"), [("davidson", 0.8), ("rao_kupper", 1.6)])
def test_tie_models_recover_truth(model, tie):
    theta = np.array([0.8, 0.3, 0.0, -0.4, -0.7])
    theta = theta - theta.mean()
    votes = simulate_ties(model, theta, tie, 3000, rng=21)
    bt = BradleyTerry(ties=model).fit(votes)
    assert bt.converged_
    boot = bt.bootstrap(60, rng=2)
    se = boot.std(ddof=1).to_numpy()
    z = (bt.ratings_.to_numpy() - (1000 + F * theta)) / se
    assert np.max(np.abs(z)) < 4.5
    # tie parameter: relative error well inside a few percent with 30k votes
    assert abs(bt.tie_param_ / tie - 1) < 0.08


# ---------------------------------------------------------------- degenerate data
def test_undefeated_model_is_finite_and_flagged():
    v = make_votes(["a", "a", "b", "c", "b", "c"], ["b", "c", "c", "b", "c", "b"],
                   ["model_a", "model_a", "model_a", "model_a", "tie", "model_b"])
    bt = BradleyTerry().fit(v)
    assert np.isfinite(bt.ratings_).all()
    assert bt.separated_["a"] and not bt.separated_["b"]
    assert "separation prior" in bt.regularization_
    board = rate(v)
    assert board.table.set_index("model").loc["a", "separated"]
    assert board.table.iloc[0]["model"] == "a"


def test_disconnected_graph_names_components():
    v = make_votes(["a", "c", "a"], ["b", "d", "b"], ["model_a", "model_b", "tie"])
    with pytest.raises(DisconnectedGraphError, match=r"2 disconnected components.*\{a, b\}"):
        BradleyTerry().fit(v)
    bt = BradleyTerry(disconnected="per_component").fit(v)
    comp = bt.component_
    assert comp["a"] == comp["b"] != comp["c"] == comp["d"]
    # each component averages 1000
    assert bt.ratings_[["a", "b"]].mean() == pytest.approx(1000)
    assert bt.ratings_[["c", "d"]].mean() == pytest.approx(1000)


def test_not_fitted_and_bad_params():
    with pytest.raises(NotFittedError):
        BradleyTerry().covariance()
    v = make_votes(["a", "b"], ["b", "a"], ["model_a", "model_a"])
    with pytest.raises(ValueError, match="ties='x' unknown; allowed"):
        BradleyTerry(ties="x").fit(v)
    with pytest.raises(ValueError, match="anchor model 'zz' is not among"):
        BradleyTerry(anchor="zz=1000").fit(v)


# ---------------------------------------------------------------- conventions
def test_anchor_pins_rating_and_keeps_differences(no_tie_world):
    votes, _ = no_tie_world
    free = BradleyTerry().fit(votes).ratings_
    name = free.index[3]
    pinned = BradleyTerry(anchor=f"{name}=1114").fit(votes).ratings_
    assert pinned[name] == pytest.approx(1114)
    np.testing.assert_allclose((pinned - free).to_numpy(), 1114 - free[name], atol=1e-8)
    cov = BradleyTerry(anchor=(name, 1114)).fit(votes).covariance()
    assert cov.loc[name, name] == pytest.approx(0, abs=1e-9)


def test_integer_weights_equal_duplicated_rows():
    v = make_votes(["a", "b", "c", "a"], ["b", "c", "a", "c"], ["model_a", "tie", "model_b",
                                                                  "model_b"],
                   weight=[3, 1, 2, 1])
    dup = v.loc[v.index.repeat(v["weight"].astype(int))].drop(columns="weight")
    r1 = BradleyTerry().fit(v).ratings_
    r2 = BradleyTerry().fit(validate_votes(dup)).ratings_
    np.testing.assert_allclose(r1, r2, atol=1e-9)


def test_ties_half_equals_two_half_votes():
    v = make_votes(["a", "a", "b"], ["b", "c", "c"], ["tie", "model_a", "model_b"])
    halves = make_votes(["a", "a", "a", "b"], ["b", "b", "c", "c"],
                        ["model_a", "model_b", "model_a", "model_b"], weight=[0.5, 0.5, 1, 1])
    np.testing.assert_allclose(BradleyTerry().fit(v).ratings_,
                               BradleyTerry().fit(halves).ratings_, atol=1e-9)


def test_bothbad_drop_and_tie_drop():
    v = make_votes(["a", "a", "b", "b", "c"], ["b", "c", "c", "a", "a"],
                   ["model_a", "tie_bothbad", "model_a", "model_a", "tie"])
    r_tie = BradleyTerry().fit(v).ratings_
    r_drop = BradleyTerry(bothbad="drop").fit(v).ratings_
    r_manual = BradleyTerry().fit(validate_votes(v[v["winner"] != "tie_bothbad"])).ratings_
    np.testing.assert_allclose(r_drop, r_manual, atol=1e-9)
    assert not np.allclose(r_tie, r_drop)


def test_scale_conventions(no_tie_world):
    votes, _ = no_tie_world
    r = BradleyTerry().fit(votes).ratings_
    r2 = BradleyTerry(scale=200, init_rating=1500).fit(votes).ratings_
    np.testing.assert_allclose(r2 - 1500, (r - 1000) / 2, atol=1e-8)
    assert r.mean() == pytest.approx(1000)


def test_rank_from_intervals_lmarena_rule():
    lower = np.array([10, 8, 0, -5])
    upper = np.array([14, 12, 9, 1])
    rank, best, worst = rank_from_intervals(lower, upper)
    # model 4 (upper 1) has models 1 and 2 wholly above it
    assert rank.tolist() == [1, 1, 2, 3]
    assert best.tolist() == rank.tolist()
    assert worst.tolist() == [2, 3, 4, 4]


def test_simultaneous_intervals_wider(no_tie_world):
    votes, _ = no_tie_world
    a = rate(votes).table.set_index("model")
    b = rate(votes, simultaneous=True).table.set_index("model")
    ratio = (b["upper"] - b["lower"]) / (a["upper"] - a["lower"])
    k = len(a)
    expected = np.sqrt(stats.chi2.ppf(0.95, k - 1)) / stats.norm.ppf(0.975)
    np.testing.assert_allclose(ratio, expected, rtol=1e-9)


# ---------------------------------------------------------------- reproducibility
def test_bootstrap_bit_reproducible_and_thread_independent(no_tie_world):
    votes, _ = no_tie_world
    bt = BradleyTerry().fit(votes)
    a = bt.bootstrap(120, rng=42, n_jobs=1).to_numpy()
    b = bt.bootstrap(120, rng=42, n_jobs=2).to_numpy()
    c = bt.bootstrap(120, rng=np.random.default_rng(42)).to_numpy()
    assert np.array_equal(a, b) and np.array_equal(a, c)
    d = bt.bootstrap(120, rng=43).to_numpy()
    assert not np.array_equal(a, d)


def test_bootstrap_rank_intervals(no_tie_world):
    votes, truth = no_tie_world
    board = rate(votes, bootstrap=200, rng=1)
    t = board.table
    assert (t["rank_lower"] <= t["rank_upper"]).all()
    assert board.config["bootstrap"]["n_rounds"] == 200
    true_rank = truth.rank(ascending=False).reindex(t["model"]).to_numpy()
    assert ((true_rank >= t["rank_lower"]) & (true_rank <= t["rank_upper"])).mean() >= 0.8


def test_permutation_elo_reproducible_and_close_to_bt(no_tie_world):
    votes, truth = no_tie_world
    a = permutation_elo(votes, n_permutations=10, rng=1)
    b = permutation_elo(votes, n_permutations=10, rng=1)
    pd.testing.assert_frame_equal(a, b)
    # averaging over orders removes order noise: closer to the order-free BT board than one pass
    bt = BradleyTerry().fit(votes).ratings_
    perm = a.set_index("model")["elo"].reindex(bt.index)
    single = online_elo(votes).reindex(bt.index)
    assert np.abs(perm - bt).mean() < np.abs(single - bt).mean()
    # and the reported order noise is what the permutations show
    assert (a["sd"] > 0).all() and (a["lower"] < a["elo"]).all() and (a["elo"] < a["upper"]).all()


# ---------------------------------------------------------------- segments
def test_segment_boards_and_comparisons():
    world = ToyArena(n_models=6, tie_rate=0.0, languages=("en", "zh", "xx"),
                     language_p=(0.6, 0.395, 0.005), language_shift_sd=80.0)
    votes, truth = toy_votes(world, 30_000, rng=9)
    boards = segment_boards(votes, "language", min_votes=500)
    status = boards.segments.set_index("language")["status"]
    assert status["xx"].startswith("suppressed") and status["en"] == "rated"
    assert set(boards.table["language"]) == {"en", "zh"}
    comp = compare_segments(boards)
    t = truth.set_index("model")
    true_diff = (t["true_rating_en"] - t["true_rating_zh"])
    true_diff = true_diff - true_diff.mean()
    got = comp.set_index("model")["diff"]
    se = comp.set_index("model")["se"]
    # recovered per-model language gaps lie within 4 se of the truth
    assert np.all(np.abs(got - true_diff.reindex(got.index)) < 4 * se)
    assert (comp["p_value"] < 0.001).sum() >= 3  # shifts of sd 80 points are detected


def test_segment_errors():
    v = make_votes(["a", "b"], ["b", "a"], ["model_a", "tie"])
    with pytest.raises(VoteTableError, match="segment column"):
        segment_boards(v, "country")


# ---------------------------------------------------------------- compatibility modes
def test_compat_lmarena():
    world = ToyArena(n_models=5, tie_rate=0.1, model_prefix="m")
    votes, _ = toy_votes(world, 3000, rng=4)
    names = {"m-00": "mixtral-8x7b-instruct-v0.1"}
    frame = votes.assign(model_a=votes["model_a"].astype(str).replace(names),
                         model_b=votes["model_b"].astype(str).replace(names),
                         anony=np.arange(len(votes)) % 3 != 0)
    frame = validate_votes(frame)
    board = rate(frame, compat="lmarena")
    t = board.table.set_index("model")
    assert t.loc["mixtral-8x7b-instruct-v0.1", "rating"] == pytest.approx(1114)
    assert board.config["compat_notes"][0] == "lmarena: kept 2000 anonymous of 3000 votes"
    anon = validate_votes(frame[frame["anony"]])
    ref = BradleyTerry(anchor="mixtral-8x7b-instruct-v0.1=1114").fit(anon).ratings_
    np.testing.assert_allclose(t["rating"].reindex(ref.index), ref, atol=1e-9)
    # the 300-battle display cut: every model here has ~800 battles, so none is hidden
    assert len(t) == 5 and board.config.get("min_battles") == 300


def test_compat_arena_rank_ridge(no_tie_world):
    votes, _ = no_tie_world
    a = rate(votes).table.set_index("model")
    b = rate(votes, compat="arena_rank").table.set_index("model")
    np.testing.assert_allclose(a["rating"], b["rating"])
    wa, wb = a["upper"] - a["lower"], b["upper"] - b["lower"]
    # a ridge of 1e-5 N barely narrows the sandwich intervals (well under 1%)
    assert (wb <= wa + 1e-9).all() and ((wa - wb) / wa < 0.01).all()
    with pytest.raises(ValueError, match="compat='x' unknown"):
        rate(votes, compat="x")
