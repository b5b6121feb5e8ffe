"""Vote rigging (target-only, omnipresent) and the defenses against it.

Anomalous-voter detection, upset filtering and rate limits: each must take back rank the
attack gained, and each must report what it costs on an honest arena.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from sealvalid.defenses import DEFENSES, ArenaLog, Safeguards
from sealvalid.defenses.anomaly import (
    ROC_COLUMNS,
    SCORE_COLUMNS,
    AnomalousVoters,
    detection_roc,
    roc_from_scores,
    vote_pvalues,
    voter_scores,
)
from sealvalid.defenses.ratelimit import RateLimit, within_cap
from sealvalid.defenses.upsets import UpsetFilter, winner_probability
from sealvalid.sim import preset, simulate, true_ratings
from sealvalid.strategies import STRATEGIES, run_strategy
from sealvalid.strategies.rigging import (
    ACCOUNT_BASE,
    CURVE_COLUMNS,
    VoteRigging,
    rigging_curve,
    votes_for_rank,
)

matplotlib.use("Agg")

WORLD = preset("bt-simple", n_models=8)
N_VOTES = 3000
REPS = 24
BUDGET = 800
# the second-weakest model: rigged votes for it are mostly upsets, so the screens have a chance
WEAK = sorted(WORLD.models, key=lambda m: m.quality)[1].name


def gains(curve: pd.DataFrame, budget: int, mode: str | None = None) -> np.ndarray:
    part = curve[curve["budget"] == budget]
    if mode is not None:
        part = part[part["mode"] == mode]
    return part["rank_gain"].to_numpy(float)


def se(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / np.sqrt(len(x)))


def paired_drop(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of a - b and its standard error (paired replicates)."""
    d = a - b
    return float(d.mean()), se(d)


@pytest.fixture(scope="module")
def curve() -> pd.DataFrame:
    return rigging_curve(WORLD, budgets=[0, 200, BUDGET], accuracies=(1.0, 0.5),
                         n_votes=N_VOTES, n_replicates=REPS, rng=11)


# ------------------------------------------------------------------------------ the strategy
@pytest.mark.parametrize("mode", ["target-only", "omnipresent"])
def test_rigging_gains_rank(curve, mode):
    g = gains(curve[curve["accuracy"] == 1.0], BUDGET, mode)
    assert g.mean() > 4 * se(g) and g.mean() >= 1.0  # fails if the strategy did nothing
    assert (gains(curve, 0) == 0).all()  # the baseline is the same replicate unrigged


def test_more_votes_more_rank(curve):
    for mode in ("target-only", "omnipresent"):
        c = curve[curve["accuracy"] == 1.0]
        d, s = paired_drop(gains(c, BUDGET, mode), gains(c, 200, mode))
        assert d > 4 * s


def test_poor_deanonymiser_costs_target_only(curve):
    c = curve[curve["mode"] == "target-only"]
    d, s = paired_drop(gains(c[c["accuracy"] == 1.0], BUDGET),
                       gains(c[c["accuracy"] == 0.5], BUDGET))
    assert d > 4 * s
    sharp = c[(c["accuracy"] == 1.0) & (c["budget"] == BUDGET)]
    blunt = c[(c["accuracy"] == 0.5) & (c["budget"] == BUDGET)]
    assert (sharp["misdirected"] == 0).all() and (blunt["misdirected"] > 0).all()
    # with a perfect de-anonymiser every vote lands in a battle with the target
    assert (sharp["on_target"] == sharp["attack_votes"]).all()


def test_budget_accounting(curve):
    c = curve[(curve["budget"] == BUDGET) & (curve["accuracy"] == 1.0)]
    omni, target = c[c["mode"] == "omnipresent"], c[c["mode"] == "target-only"]
    assert (omni["attack_votes"] == BUDGET).all() and (omni["battles_served"] == BUDGET).all()
    # target-only reads every battle served but votes only where it sees the target: uniform
    # pairs of 8 models hold a given model with probability 2/8
    assert (target["battles_served"] == BUDGET).all()
    share = target["attack_votes"].mean() / BUDGET
    assert abs(share - 0.25) < 4 * math.sqrt(0.25 * 0.75 / (BUDGET * len(target)))
    assert list(curve.columns[:len(CURVE_COLUMNS)]) == CURVE_COLUMNS
    assert (curve["model"] == VoteRigging().rig(WORLD, 100, rng=0).target).all()


def test_budget_in_votes():
    f = run_strategy(WORLD, VoteRigging(mode="target-only", budget=150, budget_unit="votes",
                                        accuracy=0.9), n_votes=N_VOTES, n_replicates=3, rng=5)
    g = f[f["gamed"]]
    assert (g["attack_votes"] == 150).all() and (g["battles_served"] > 150).all()


def test_rigged_votes_in_the_log():
    s = VoteRigging(mode="omnipresent", budget=300, accounts=7)
    r = s.rig(WORLD, 1000, rng=3)
    att = ~r.log.honest
    assert att.sum() == 300 and r.log.honest[:1000].all()
    assert set(np.unique(r.log.voter[att])) == set(ACCOUNT_BASE + np.arange(7))
    assert np.bincount(r.log.voter[att] - ACCOUNT_BASE).max() == math.ceil(300 / 7)
    assert not np.isin(r.log.voter[~att], r.log.voter[att]).any()
    assert r.extra["accounts"] == 7 and r.extra["attack_cost"] == 0.0


def test_votes_for_rank():
    frame = pd.DataFrame({"mode": "omnipresent", "accuracy": 1.0, "budget": [0, 100, 300],
                          "rank_gain": [0.0, 0.5, 2.5]})
    out = votes_for_rank(frame)
    assert out.loc[0, "votes"] == pytest.approx(150.0)  # 100 + (1 - 0.5) * 200 / 2
    assert out.loc[0, "votes_per_rank"] == pytest.approx(120.0)
    assert math.isnan(votes_for_rank(frame, gain=3.0).loc[0, "votes"])


def test_votes_for_rank_on_the_curve(curve):
    out = votes_for_rank(curve[curve["accuracy"] == 1.0])
    assert (out["votes"] > 0).all() and (out["votes"] <= BUDGET).all()


def test_same_seed_same_frame():
    s = VoteRigging(mode="omnipresent", budget=100, accuracy=0.8)
    a = run_strategy(WORLD, s, n_votes=500, n_replicates=2, rng=7)
    b = run_strategy(WORLD, s, n_votes=500, n_replicates=2, rng=7)
    c = run_strategy(WORLD, s, n_votes=500, n_replicates=2, rng=8)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["score_shift"], c["score_shift"])


def test_registry():
    assert STRATEGIES["vote-rigging"] is VoteRigging
    assert DEFENSES["anomalous-voters"] is AnomalousVoters
    assert DEFENSES["upset-filter"] is UpsetFilter
    assert DEFENSES["rate-limit"] is RateLimit
    params = {"mode": "target-only", "budget": 10, "accuracy": 0.9, "accounts": 3,
              "max_cost": 5.0, "model": WEAK, "refits": 2, "budget_unit": "votes"}
    assert STRATEGIES["vote-rigging"](**params).params() == params


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"mode": "both"}, r"mode must be one of \['target-only', 'omnipresent'\], got 'both'"),
    ({"budget": -1}, r"budget must be an integer in \[0, 10000000\], got -1"),
    ({"budget": 2.0}, r"budget must be an integer"),
    ({"accuracy": 1.5}, r"accuracy must be a number in \[0.0, 1.0\], got 1.5"),
    ({"accuracy": float("nan")}, r"accuracy must be a number"),
    ({"accounts": 0}, r"accounts must be an integer in \[1, "),
    ({"max_cost": -1.0}, r"max_cost must be a number in \[0.0, inf\]"),
    ({"refits": 0}, r"refits must be an integer in \[1, 100\]"),
    ({"budget_unit": "dollars"}, r"budget_unit must be one of \['battles', 'votes'\]"),
    ({"model": ""}, r"model must be a model name or None"),
])
def test_bad_params(kwargs, match):
    with pytest.raises(ValueError, match=match):
        VoteRigging(**kwargs)


def test_unknown_target():
    with pytest.raises(ValueError, match="'nope' is not in the world"):
        VoteRigging(model="nope").rig(WORLD, 100, rng=0)


# ------------------------------------------------------------------------------ anomaly
def _honest_log(n: int, rng) -> tuple[ArenaLog, pd.Series]:
    res = simulate(WORLD, n, rng=rng)
    truth = true_ratings(WORLD)
    board = truth[truth["scope"] == "overall"].set_index("model")["true_rating"]
    return ArenaLog.from_battles(res.battles, WORLD.model_names), board


def test_randomised_pvalues_are_uniform_under_the_model():
    log, board = _honest_log(20_000, 1)
    p = vote_pvalues(log, board + 1000.0, rng=2)
    n = len(p)
    assert abs(p.mean() - 0.5) < 4 * math.sqrt(1 / 12 / n)
    assert abs((p < 0.1).mean() - 0.1) < 4 * math.sqrt(0.09 / n)
    plain = vote_pvalues(log, board + 1000.0)
    assert (plain >= p - 1e-12).all() and plain.mean() > 0.5  # conservative


def test_false_positive_rate_of_honest_voters_is_within_alpha():
    log, _ = _honest_log(30_000, 3)
    scores = voter_scores(log, rng=4)
    assert list(scores.columns) == SCORE_COLUMNS
    tested = scores[scores["tested"] > 0]
    rate = (tested["p_value"] < 0.05).mean()
    assert rate < 0.05 + 4 * math.sqrt(0.05 * 0.95 / len(tested))


def test_leave_voter_out_exposes_a_heavy_account():
    r = VoteRigging(mode="target-only", budget=2000, model=WEAK).rig(WORLD, N_VOTES, rng=5)
    loo = voter_scores(r.log, rng=6)
    full = voter_scores(r.log, rng=6, reference="log")
    att = lambda s: s.loc[~s["honest"], "statistic"].iloc[0]  # noqa: E731
    assert att(loo) > att(full)
    assert loo.loc[~loo["honest"], "p_value"].iloc[0] < 1e-3


def test_detection_roc():
    r = VoteRigging(mode="target-only", budget=2400, accounts=1, model=WEAK).rig(
        WORLD, N_VOTES, rng=8)
    roc = detection_roc(r.log, rng=9)
    assert list(roc.columns) == ROC_COLUMNS
    assert roc["alpha"].is_monotonic_increasing
    assert roc["tpr"].is_monotonic_increasing and roc["fpr"].is_monotonic_increasing
    assert (roc.iloc[0][["tpr", "fpr"]] == 0).all() and (roc.iloc[-1][["tpr", "fpr"]] == 1).all()
    assert (roc["attack_accounts"] == 1).all()
    at = roc[roc["alpha"] <= 0.01].iloc[-1]
    assert at["tpr"] > at["fpr"]
    # pooling two replicates' voters: counts add up
    scores = voter_scores(r.log, rng=9)
    pooled = roc_from_scores(pd.concat([scores, scores]), alphas=[0.01, np.inf])
    assert pooled["attack_accounts"].iloc[0] == 2
    assert pooled["honest_voters"].iloc[0] == 2 * roc["honest_voters"].iloc[0]
    assert pooled["honest_flagged"].iloc[0] == 2 * at["honest_flagged"]
    assert (pooled.iloc[-1][["tpr", "fpr"]] == 1).all()
    with pytest.raises(ValueError, match="alphas must be non-empty and >= 0"):
        roc_from_scores(scores, alphas=[-1.0])


@pytest.fixture(scope="module")
def weak_target() -> dict:
    """Target-only rigging of a weak model from one account, undefended and defended."""
    out = {}
    for label, defs in [("none", ()), ("anomaly", (AnomalousVoters(),)),
                        ("upsets", (UpsetFilter(min_win_prob=0.4),))]:
        out[label] = rigging_curve(WORLD, budgets=[0, BUDGET], modes=("target-only",),
                                   n_votes=N_VOTES, n_replicates=REPS, rng=21, defenses=defs,
                                   model=WEAK)
    return out


@pytest.mark.parametrize("defense", ["anomaly", "upsets"])
def test_screen_reduces_rank_gain(weak_target, defense):
    undefended = gains(weak_target["none"], BUDGET)
    defended = gains(weak_target[defense], BUDGET)
    d, s = paired_drop(undefended, defended)
    assert d > 4 * s
    rows = weak_target[defense][weak_target[defense]["budget"] == BUDGET]
    assert rows["attack_dropped"].sum() > 0


@pytest.fixture(scope="module")
def honest_world() -> dict:
    """No attack (budget 0): what each defense costs honest voters and the board."""
    out = {}
    for label, defs in [("none", ()), ("anomaly", (AnomalousVoters(alpha=0.05),)),
                        ("upsets", (UpsetFilter(min_win_prob=0.4),)),
                        ("rate-limit", (RateLimit(votes_per_account=15),))]:
        out[label] = run_strategy(WORLD, VoteRigging(budget=0), n_votes=N_VOTES,
                                  n_replicates=REPS, rng=31, defenses=defs)
    return out


def _board_error(frame: pd.DataFrame) -> np.ndarray:
    return frame.groupby("replicate")["score_shift"].apply(lambda s: np.sqrt((s ** 2).mean()))


@pytest.mark.parametrize("defense", ["anomaly", "upsets", "rate-limit"])
def test_false_positive_cost_is_reported(honest_world, defense):
    base, f = honest_world["none"], honest_world[defense]
    per = f.groupby("replicate")[["honest_dropped", "honest_votes", "attack_votes"]].first()
    assert (per["attack_votes"] == 0).all() and (per["honest_votes"] == N_VOTES).all()
    assert per["honest_dropped"].sum() > 0
    assert (base.groupby("replicate")["honest_dropped"].first() == 0).all()
    if defense != "anomaly":  # dropping upsets or heavy voters' votes degrades the board
        d = (_board_error(f) - _board_error(base)).to_numpy()
        assert d.mean() > 4 * se(d)


# ------------------------------------------------------------------------------ rate limits
def test_within_cap():
    log = ArenaLog(names=("x", "y"), a=np.zeros(6, np.intp), b=np.ones(6, np.intp),
                   winner=np.zeros(6, np.int8), voter=np.array([1, 2, 1, 1, 2, 1]),
                   honest=np.ones(6, bool), day=np.array([3.0, 0.0, 1.0, 2.0, 5.0, 0.5]))
    assert within_cap(log, 2).tolist() == [False, True, True, False, True, True]
    with pytest.raises(ValueError, match="cap must be an integer >= 1"):
        within_cap(log, 0)


def test_rate_limit_needs_more_accounts_and_reports_cost():
    guard = Safeguards([RateLimit(votes_per_account=40, account_cost=2.5)])
    assert guard.rule("votes_per_account") == 40 and guard.rule("account_cost") == 2.5
    f = run_strategy(WORLD, VoteRigging(mode="omnipresent", budget=300, accounts=2),
                     n_votes=N_VOTES, n_replicates=2, rng=3, defenses=guard)
    g = f[f["gamed"]]
    assert (g["accounts"] == math.ceil(300 / 40)).all()
    assert (g["attack_cost"] == 2.5 * math.ceil(300 / 40)).all()
    assert (g["attack_dropped"] == 0).all()  # the attacker obeys the cap


def test_rate_limit_with_a_spending_limit_reduces_rank_gain():
    kw = dict(budgets=[0, BUDGET], modes=("omnipresent",), n_votes=N_VOTES,
              n_replicates=REPS, rng=41, max_cost=4.0)
    free = rigging_curve(WORLD, **kw)
    capped = rigging_curve(WORLD, defenses=(RateLimit(votes_per_account=25, account_cost=1.0),),
                           **kw)
    d, s = paired_drop(gains(free, BUDGET), gains(capped, BUDGET))
    assert d > 4 * s
    rows = capped[capped["budget"] == BUDGET]
    assert (rows["attack_votes"] == 100).all() and (rows["attack_cost"] == 4.0).all()


@pytest.mark.parametrize(("cls", "kwargs", "match"), [
    (AnomalousVoters, {"alpha": 0.0}, r"alpha must be a number in \(0, 1\), got 0.0"),
    (AnomalousVoters, {"first_checkpoint": 0}, r"first_checkpoint must be an integer in \[1"),
    (AnomalousVoters, {"n_checkpoints": 21}, r"n_checkpoints must be an integer in \[1, 20\]"),
    (AnomalousVoters, {"seed": -1}, r"seed must be an integer >= 0"),
    (AnomalousVoters, {"randomized": 1}, r"randomized must be a bool"),
    (AnomalousVoters, {"reference": "prior"}, r"reference must be one of"),
    (UpsetFilter, {"min_win_prob": 0.6}, r"min_win_prob must be a number in \(0, 0.5\]"),
    (UpsetFilter, {"reference": "x"}, r"reference must be one of"),
    (RateLimit, {"votes_per_account": 0}, r"votes_per_account must be an integer in \[1"),
    (RateLimit, {"account_cost": float("inf")}, r"account_cost must be a finite number >= 0"),
])
def test_bad_defense_params(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def test_winner_probability():
    log, board = _honest_log(2000, 12)
    w = winner_probability(log, board)
    ties = log.winner >= 2
    assert np.isnan(w[ties]).all() and ((w[~ties] > 0) & (w[~ties] < 1)).all()
    keep = UpsetFilter(min_win_prob=0.5).screen(log)
    assert keep[ties].all()


def test_plots():
    from sealvalid.plots.rigging import plot_detection_roc, plot_rigging_curve

    frame = pd.DataFrame({"mode": ["omnipresent"] * 4, "accuracy": 1.0, "budget": [0, 0, 50, 50],
                          "rank_gain": [0, 0, 1, 2], "score_gain": [0.0, 0.0, 3.0, 5.0],
                          "attack_votes": [0, 0, 50, 50], "battles_served": [0, 0, 50, 50]})
    ax = plot_rigging_curve(frame, x="attack_votes")
    assert ax.get_xlabel() == "rigged votes cast"
    roc = pd.DataFrame({"alpha": [0.0, 0.01, 1.0], "tpr": [0.0, 0.5, 1.0],
                        "fpr": [0.0, 0.01, 1.0]})
    assert plot_detection_roc(roc, label="x").get_ylabel().startswith("attacker")
    with pytest.raises(ValueError, match="metric must be one of"):
        plot_rigging_curve(frame, metric="nope")
