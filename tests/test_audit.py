"""Fragility from votes: groups, exact refits, influence, drop-k, add-k, random drops."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from sealvalid.audit import (
    FRAGILITY_COLUMNS,
    REMOVED_COLUMNS,
    FragilityAudit,
    drop_influence,
    fragility,
    vote_groups,
)
from sealvalid.data import validate_votes
from sealvalid.rating import BradleyTerry
from sealvalid.sim import ToyArena, toy_votes

F = 400 / math.log(10)


def counted_votes(counts: dict[tuple[str, str], tuple[int, int, int]]) -> pd.DataFrame:
    """A vote table from exact counts: (a, b) -> (a wins, b wins, ties)."""
    rows = []
    for (a, b), (wa, wb, t) in counts.items():
        rows += [(a, b, "model_a")] * wa + [(a, b, "model_b")] * wb + [(a, b, "tie")] * t
    return validate_votes(pd.DataFrame(rows, columns=["model_a", "model_b", "winner"]))


def expected_board(quality: dict[str, float], per_pair: int) -> pd.DataFrame:
    """Every pair plays ``per_pair`` votes, wins split exactly as the true model says (no ties):
    a board whose fitted ratings are (close to) the truth."""
    counts = {}
    for a, b in itertools.combinations(quality, 2):
        p = 1 / (1 + math.exp(-(quality[a] - quality[b]) / F))
        wa = int(round(per_pair * p))
        counts[(a, b)] = (wa, per_pair - wa, 0)
    return counted_votes(counts)


@pytest.fixture(scope="module")
def toy():
    votes, _ = toy_votes(ToyArena(n_models=6, quality_sd=40.0), 4000, rng=11)
    return votes


@pytest.fixture(scope="module")
def toy_audit(toy):
    return FragilityAudit(n_random=40).fit(toy)


def test_groups_partition_the_votes(toy):
    g = vote_groups(toy)
    assert g.n_used == len(toy) == g.count.sum()
    assert (g.group_of >= 0).all()
    # every row sits in the group that describes its pair and outcome
    desc = g.describe()
    row = 17
    d = desc.iloc[g.group_of[row]]
    assert {d["model_i"], d["model_j"]} == {str(toy["model_a"].iloc[row]),
                                             str(toy["model_b"].iloc[row])}
    removed = np.zeros(g.n_groups, dtype=int)
    removed[g.group_of[row]] = 1
    first = g.rows_of(removed)
    assert len(first) == 1 and g.group_of[first[0]] == g.group_of[row]
    # ties dropped: excluded and counted
    g2 = vote_groups(toy, ties="drop")
    n_ties = int(toy["winner"].isin(["tie", "tie_bothbad"]).sum())
    assert g2.n_used == len(toy) - n_ties
    assert g2.excluded == {"ties (ties='drop')": n_ties}


@pytest.mark.parametrize("ties", ["half", "drop"])
def test_base_fit_is_the_board(toy, ties):
    fa = FragilityAudit(ties=ties).fit(toy)
    bt = BradleyTerry(ties=ties).fit(toy)
    pd.testing.assert_series_equal(fa.ratings_, bt.ratings_, check_names=False, atol=1e-8,
                                   rtol=0)
    se = np.sqrt(np.diag(fa.cov_)) * F
    bt_se = np.sqrt(np.diag(bt.covariance().to_numpy()))
    np.testing.assert_allclose(se, bt_se, rtol=1e-8)


def test_weighted_votes_grouped_by_weight(toy):
    w = np.where(np.arange(len(toy)) % 3 == 0, 2.0, 0.5)
    votes = toy.assign(weight=w)
    fa = FragilityAudit().fit(votes)
    bt = BradleyTerry().fit(votes)
    np.testing.assert_allclose(fa.ratings_.to_numpy(), bt.ratings_.to_numpy(), atol=1e-8)
    assert set(np.unique(fa.groups_.weight)) == {0.5, 2.0}
    rows = [0, 1, 2, 3, 10]
    exact = BradleyTerry().fit(validate_votes(votes.drop(index=rows).reset_index(drop=True)))
    np.testing.assert_allclose(fa.refit_without(rows).to_numpy(), exact.ratings_.to_numpy(),
                               atol=1e-7)


def test_refit_is_an_exact_fresh_fit(toy, toy_audit):
    rng = np.random.default_rng(1)
    rows = rng.choice(len(toy), 60, replace=False)
    fresh = BradleyTerry().fit(validate_votes(toy.drop(index=rows).reset_index(drop=True)))
    np.testing.assert_allclose(toy_audit.refit_without(rows).to_numpy(),
                               fresh.ratings_.to_numpy(), atol=1e-7)
    # the batched refit agrees with the single one
    g, rf = toy_audit.groups_, toy_audit.refitter_
    change = -np.bincount(g.group_of[rows], minlength=g.n_groups)
    y, n = g.cell_totals(change)
    th1, ok1 = rf.refit(y, n)
    thb, okb = rf.refit_batch(np.stack([y, g.cell_totals()[0]]), np.stack([n, rf.n0]))
    assert ok1 and okb.all()
    np.testing.assert_allclose(thb[0], th1, atol=1e-9)
    np.testing.assert_allclose(thb[1], rf.theta0, atol=1e-12)


def test_refit_separation_and_disconnection():
    votes = counted_votes({("A", "B"): (6, 4, 0), ("B", "C"): (5, 5, 1), ("C", "D"): (3, 2, 0)})
    fa = FragilityAudit().fit(votes)
    # removing C's two losses to D makes C... no: D's only losses: D never loses -> separated
    rows_d_losses = np.flatnonzero((votes["model_a"] == "C") & (votes["winner"] == "model_a"))
    fresh = BradleyTerry().fit(validate_votes(votes.drop(index=rows_d_losses)
                                              .reset_index(drop=True)))
    assert fresh.separated_.any()
    np.testing.assert_allclose(fa.refit_without(rows_d_losses).to_numpy(),
                               fresh.ratings_.to_numpy(), atol=1e-6)
    # removing every C-D vote disconnects D: not a refit, an error
    rows_cd = np.flatnonzero(votes["model_b"] == "D")
    with pytest.raises(ValueError, match="disconnects"):
        fa.refit_without(rows_cd)


def test_claimed_flips_really_flip(toy, toy_audit):
    res = toy_audit.run(rng=3)
    t = res.table
    assert list(t.columns) == FRAGILITY_COLUMNS
    assert list(res.removed.columns[: len(REMOVED_COLUMNS)]) == REMOVED_COLUMNS
    found = t[t["drop_k"].notna()]
    assert len(found) >= 3 and found["drop_verified"].all()
    for _, r in found.iterrows():
        rows = res.removed.loc[(res.removed["kind"] == r["kind"])
                               & (res.removed["rank"] == r["rank"]), "row"].to_numpy()
        assert len(rows) == r["drop_k"]
        # an independent fit (the rating engine, not the audit's refitter) confirms the flip
        bt = BradleyTerry().fit(validate_votes(toy.drop(index=rows).reset_index(drop=True)))
        assert bt.ratings_[r["model_below"]] > bt.ratings_[r["model_above"]]
        gap = bt.ratings_[r["model_above"]] - bt.ratings_[r["model_below"]]
        assert gap == pytest.approx(r["gap_after_drop"], abs=1e-6)
        # the removed votes are the ones listed, with the table's own labels
        listed = res.removed[(res.removed["kind"] == r["kind"])
                             & (res.removed["rank"] == r["rank"])]
        assert (listed["winner"].to_numpy() == toy["winner"].astype(str).to_numpy()[rows]).all()


def test_influence_agrees_with_exact_refit_to_first_order():
    errs = []
    for n in (2000, 8000):
        votes, _ = toy_votes(ToyArena(n_models=5, quality_sd=30.0), n, rng=5)
        fa = FragilityAudit().fit(votes)
        a, b = fa.order_[0], fa.order_[1]
        g, rf = fa.groups_, fa.refitter_
        approx = drop_influence(g, rf, rf.theta0, rf.n0, a, b) * F
        base = fa.ratings_.iloc[a] - fa.ratings_.iloc[b]
        exact = np.array([
            (lambda r: r.iloc[a] - r.iloc[b] - base)(fa.refit_without([g.rows[g.starts[x]]]))
            for x in range(g.n_groups)])
        err = np.abs(exact - approx).max()
        assert err < 0.01 * np.abs(exact).max()  # first order: within 1% of the largest effect
        np.testing.assert_array_equal(np.sign(exact), np.sign(approx))
        errs.append(err)
    # the remainder is second order: 4x the votes, about 1/16 the error
    assert errs[1] < errs[0] / 8
    # the public frame is the same numbers, sorted
    inf = fa.influence(fa.groups_.models[a], fa.groups_.models[b])
    assert inf["influence"].is_monotonic_increasing
    assert inf["n_votes"].sum() == len(votes)


def _brute_force_min(votes: pd.DataFrame, above: str, below: str, kmax: int) -> int | None:
    """Smallest number of removed votes that flips the pair, by enumerating count vectors over
    the (pair, outcome) groups and fitting each reduced table with the rating engine."""
    g = vote_groups(votes)
    best = None
    for r in itertools.product(*[range(min(c, kmax) + 1) for c in g.count]):
        s = sum(r)
        if s == 0 or s > kmax or (best is not None and s >= best):
            continue
        rows = g.rows_of(np.array(r))
        try:
            bt = BradleyTerry().fit(validate_votes(votes.drop(index=rows).reset_index(drop=True)))
        except ValueError:  # a removal that disconnects the graph is not a flip
            continue
        if bt.ratings_[below] > bt.ratings_[above]:
            best = s
    return best


@pytest.mark.parametrize("seed", [0, 8, 13])
def test_drop_k_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    q = {"A": 0.5, "B": 0.3, "C": 0.0, "D": -0.4}
    names = list(q)
    rows = []
    for _ in range(40):
        x, y = rng.choice(4, 2, replace=False)
        p = 1 / (1 + math.exp(-(q[names[x]] - q[names[y]])))
        w = "tie" if rng.random() < 0.15 else ("model_a" if rng.random() < p else "model_b")
        rows.append((names[x], names[y], w))
    votes = validate_votes(pd.DataFrame(rows, columns=["model_a", "model_b", "winner"]))
    fa = FragilityAudit().fit(votes)
    above, below = (str(fa.groups_.models[fa.order_[r]]) for r in (0, 1))
    flip = fa.drop_k(above, below)
    assert flip.verified and flip.k is not None and flip.k <= 5
    assert _brute_force_min(votes, above, below, flip.k) == flip.k


def test_two_models_analytic_drop_and_add():
    # A won 30, B won 20: the MLE gap is log(30/20); removing m of A's wins (or adding m wins of
    # B) flips the order exactly when B's wins exceed A's, i.e. at m = 11 (m = 10 is a tie)
    votes = counted_votes({("A", "B"): (30, 20, 0)})
    fa = FragilityAudit(n_random=0).fit(votes)
    assert fa.ratings_["A"] - fa.ratings_["B"] == pytest.approx(F * math.log(1.5))
    drop = fa.drop_k("A", "B")
    add = fa.add_k("A", "B")
    assert drop.k == 11 and add.k == 11
    assert drop.gap_before == pytest.approx(0.0, abs=1e-9)  # at 10 the two are tied
    assert add.change.sum() == 11
    rows = fa.groups_.rows_of(drop.change)
    assert (votes["winner"].to_numpy()[rows] == "model_a").all()


def test_add_k_uses_third_parties_when_pair_not_observed():
    # A and B never met; the only way to flip them by adding votes on observed pairs is through
    # C (the omnipresent strategy); with all pairs allowed the direct vote is cheaper
    votes = counted_votes({("A", "C"): (30, 20, 5), ("B", "C"): (27, 23, 5)})
    obs = FragilityAudit(add_pairs="observed").fit(votes).add_k("A", "B")
    allp = FragilityAudit(add_pairs="all").fit(votes).add_k("A", "B")
    assert obs.verified and allp.verified
    assert allp.k < obs.k
    # verify the observed-pair answer independently: add the votes and refit
    fa = FragilityAudit(add_pairs="observed").fit(votes)
    rf = fa._add_refitter()
    extra = []
    models = fa.groups_.models
    for c, side in zip(*np.nonzero(obs.change), strict=True):
        w, l_ = (rf.i[c], rf.j[c]) if side == 0 else (rf.j[c], rf.i[c])
        extra += [(models[w], models[l_], "model_a")] * int(obs.change[c, side])
    assert {m for m, _, _ in extra} | {m for _, m, _ in extra} <= {"A", "B", "C"}
    rigged = pd.concat([votes.astype(str), pd.DataFrame(extra, columns=votes.columns)],
                       ignore_index=True)
    bt = BradleyTerry().fit(validate_votes(rigged))
    assert bt.ratings_["B"] > bt.ratings_["A"]


def test_near_tie_is_fragile_and_separated_board_is_robust():
    field = {"C": -60.0, "D": -120.0, "E": 40.0}
    near = expected_board({"A": 100.0, "B": 98.0, **field}, per_pair=200)
    far = expected_board({"A": 200.0, "B": 60.0, **field}, per_pair=200)
    r_near = fragility(near, n_random=20, rng=1)
    r_far = fragility(far, n_random=20, rng=1)
    top_near = r_near.table.iloc[0]
    top_far = r_far.table.iloc[0]
    assert {top_near["model_above"], top_near["model_below"]} == {"A", "B"}
    assert top_near["drop_k"] <= 5 and top_near["drop_verified"]
    assert top_far["model_above"] == "A"
    assert top_far["drop_k"] >= 100 and top_far["drop_share"] > 0.05
    assert top_far["drop_verified"]
    assert top_far["add_k"] > 20 * top_near["add_k"]


def test_random_drops_reproducible_by_seed(toy_audit):
    a, b = (toy_audit.groups_.models[toy_audit.order_[r]] for r in (0, 1))
    r1 = toy_audit.random_drops(a, b, 50, n_draws=30, rng=7)
    r2 = toy_audit.random_drops(a, b, 50, n_draws=30, rng=7)
    r3 = toy_audit.random_drops(a, b, 50, n_draws=30, rng=8)
    np.testing.assert_array_equal(r1.gap_change, r2.gap_change)
    assert not np.array_equal(r1.gap_change, r3.gap_change)
    assert r1.n_draws == 30
    assert r1.flip_se == pytest.approx(math.sqrt(r1.flip_rate * (1 - r1.flip_rate) / 30))
    assert r1.flip_rate <= r1.flip_upper95 <= 1
    # a random drop moves the gap far less than the worst case of the same size
    worst = toy_audit.drop_curve(a, b, [50], n_draws=10, rng=1)
    base = toy_audit.ratings_[a] - toy_audit.ratings_[b]
    assert base - worst["gap_worst"].iloc[0] > 5 * np.abs(r1.gap_change * F).mean()


def test_run_reproducible_and_recorded(toy):
    r1 = fragility(toy, rng=5, n_random=30, add=False)
    r2 = fragility(toy, rng=5, n_random=30, add=False)
    pd.testing.assert_frame_equal(r1.table, r2.table)
    assert r1.config["seed"] == 5
    assert r1.table["add_k"].isna().all()
    assert r1.curve is not None and r1.curve["k"].iloc[0] == 0


def test_bad_parameters(toy, toy_audit):
    with pytest.raises(ValueError, match="ties='davidson' is not supported"):
        FragilityAudit(ties="davidson").fit(toy)
    with pytest.raises(ValueError, match="max_share"):
        FragilityAudit(max_share=0).fit(toy)
    with pytest.raises(ValueError, match="add_pairs"):
        FragilityAudit(add_pairs="some").fit(toy)
    a, b = (toy_audit.groups_.models[toy_audit.order_[r]] for r in (0, 1))
    with pytest.raises(ValueError, match="is not rated above"):
        toy_audit.drop_k(b, a)
    with pytest.raises(ValueError, match="not among the 6 audited models"):
        toy_audit.drop_k(a, "nobody")
    from sealvalid.rating import NotFittedError

    with pytest.raises(NotFittedError):
        FragilityAudit().drop_k("a", "b")


def test_tied_pair_and_second_component():
    # B and C split 25-25 (tied at the fit); X-Y is a separate component, left out and reported
    votes = counted_votes({("A", "B"): (30, 20, 0), ("B", "C"): (25, 25, 0),
                           ("X", "Y"): (10, 5, 0)})
    res = fragility(votes, rng=1, n_random=10)
    assert res.config["excluded"] == {"outside the largest connected component": 15}
    assert res.config["n_models"] == 3
    tied = res.table[(res.table["kind"] == "adjacent") & (res.table["rank"] == 2)].iloc[0]
    assert tied["gap"] == pytest.approx(0.0, abs=1e-6)
    assert tied["drop_k"] == 0 and tied["add_k"] == 0 and pd.isna(tied["random_flip_rate"])
    top = res.table.iloc[0]
    assert top["model_above"] == "A" and top["drop_verified"]
