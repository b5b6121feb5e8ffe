"""Order statistics of best-of-N, the tidy summary of best-of-N runs, and its two figures."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sealvalid.defenses import DiscloseAll, ProvisionalScores  # noqa: E402
from sealvalid.plots.best_of_n import plot_disclosure, plot_gain_vs_n  # noqa: E402
from sealvalid.sim import preset  # noqa: E402
from sealvalid.strategies import (  # noqa: E402
    BestOfN,
    best_of_n_replicates,
    best_of_n_summary,
    expected_max_normal,
    label_best_of_n,
    predicted_inflation,
    run_strategy,
)
from sealvalid.strategies.order_stats import SUMMARY_COLUMNS  # noqa: E402

WORLD = preset("bt-simple", n_models=6)
N_VOTES = 3000
PER_VARIANT = 300


def run(n_variants, reps, seed, *, fresh=0, spread=0.0, defenses=(), setting=None):
    f = run_strategy(WORLD, BestOfN(n_variants=n_variants, votes_per_variant=PER_VARIANT,
                                    fresh_votes=fresh, spread=spread),
                     n_votes=N_VOTES, n_replicates=reps, rng=seed, defenses=defenses)
    return label_best_of_n(f, setting)


@pytest.fixture(scope="module")
def runs() -> pd.DataFrame:
    """Identical variants at disclosure (N = 1 and 5), after fresh votes, and under both rules.

    The same seed per N: settings share replicates (common random numbers).
    """
    parts = [run(1, 150, np.random.SeedSequence([7, 1])),
             run(5, 100, np.random.SeedSequence([7, 5])),
             run(5, 30, np.random.SeedSequence([7, 5]), fresh=900),
             run(5, 30, np.random.SeedSequence([7, 5]), defenses=[DiscloseAll()]),
             run(5, 30, np.random.SeedSequence([7, 5]),
                 defenses=[ProvisionalScores(max_variants=3, fresh_votes=900)])]
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def summary(runs) -> pd.DataFrame:
    return best_of_n_summary(runs)


# ------------------------------------------------------------------------ order statistics
def test_expected_max_closed_forms():
    assert expected_max_normal(1) == pytest.approx(0.0, abs=1e-10)
    assert expected_max_normal(2) == pytest.approx(1 / math.sqrt(math.pi), rel=1e-9)
    assert expected_max_normal(3) == pytest.approx(3 / (2 * math.sqrt(math.pi)), rel=1e-9)
    # E[max of 4] = (3 / sqrt(pi)) (1/2 + arcsin(1/3) / pi)
    e4 = 3 / math.sqrt(math.pi) * (0.5 + math.asin(1 / 3) / math.pi)
    assert expected_max_normal(4) == pytest.approx(e4, rel=1e-9)


def test_expected_max_vectorised_monotone_and_monte_carlo():
    ns = np.array([1, 2, 5, 10, 20, 50, 1000])
    m = expected_max_normal(ns)
    assert m.shape == ns.shape and np.all(np.diff(m) > 0)
    assert m[-1] < math.sqrt(2 * math.log(1000))  # the classical upper bound
    draws = np.random.default_rng(3).standard_normal((20_000, 50)).max(axis=1)
    assert abs(draws.mean() - m[5]) < 4 * draws.std(ddof=1) / math.sqrt(len(draws))
    assert isinstance(expected_max_normal(np.int64(5)), float)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, [1, 0]])
def test_expected_max_rejects_bad_n(bad):
    with pytest.raises(ValueError, match="must be integers >= 1"):
        expected_max_normal(bad)


def test_predicted_inflation_winners_curse_and_dilution():
    sigma, s, n = 8.0, 6.0, 20
    emax = expected_max_normal(n)
    assert predicted_inflation(n, sigma) == pytest.approx(emax * sigma)
    # winner's curse: Monte Carlo of the Gaussian selection model
    rng = np.random.default_rng(11)
    q = rng.normal(0, s, (40_000, n))
    e = rng.normal(0, sigma, (40_000, n))
    pick = np.argmax(q + e, axis=1)
    over = e[np.arange(len(e)), pick]
    pred = predicted_inflation(n, sigma, spread=s)
    assert pred == pytest.approx(emax * sigma**2 / math.hypot(sigma, s))
    assert abs(over.mean() - pred) < 4 * over.std(ddof=1) / math.sqrt(len(over))
    # fresh votes dilute by n / (n + F)
    assert predicted_inflation(n, sigma, votes_per_variant=2000, fresh_votes=6000) == \
        pytest.approx(emax * sigma / 4)
    assert np.isnan(predicted_inflation(n, float("nan")))
    with pytest.raises(ValueError, match="needs votes_per_variant"):
        predicted_inflation(n, sigma, fresh_votes=10)
    with pytest.raises(ValueError, match="noise_sd must be finite and >= 0"):
        predicted_inflation(n, -1.0)


# ------------------------------------------------------------------------ labels and summary
def test_label_from_attrs():
    f = run_strategy(WORLD, BestOfN(n_variants=2, votes_per_variant=50, fresh_votes=30),
                     n_votes=300, n_replicates=2, rng=1)
    lab = label_best_of_n(f)
    assert set(lab["setting"]) == {"after 30 fresh votes"}
    assert (lab["n_variants"] == 2).all() and (lab["votes_per_variant"] == 50).all()
    assert lab.attrs["params"]["n_variants"] == 2
    assert "setting" not in f.columns  # a copy
    g = run_strategy(WORLD, BestOfN(n_variants=2, votes_per_variant=50), n_votes=300,
                     n_replicates=2, rng=1, defenses=[DiscloseAll()])
    assert set(label_best_of_n(g)["setting"]) == {"disclose-all"}
    with pytest.raises(ValueError, match="lacks"):
        label_best_of_n(pd.DataFrame(f))  # attrs lost
    with pytest.raises(ValueError, match="non-empty string"):
        label_best_of_n(f, "")


def test_summary_columns_and_hand_computed_figures(runs, summary):
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert list(summary["setting"]) == ["at disclosure", "at disclosure",
                                        "after 900 fresh votes", "disclose-all",
                                        "provisional-scores"]
    row = summary.iloc[1]
    sub = runs[(runs["setting"] == "at disclosure") & (runs["n_variants"] == 5)
               & runs["gamed"]]
    x = sub["score_shift"].to_numpy()
    assert row["n_replicates"] == 100 == len(x)
    assert row["gain"] == pytest.approx(x.mean())
    assert row["gain_se"] == pytest.approx(x.std(ddof=1) / math.sqrt(100))
    assert row["rank_gained"] == pytest.approx(sub["rank_shift"].mean())
    assert row["p_top3"] == pytest.approx((sub["board_rank"] <= 3).mean())
    assert row["p_top1"] == pytest.approx((sub["board_rank"] == 1).mean())
    assert row["family_gain"] == pytest.approx(row["gain"])  # one variant published
    single = runs[(runs["n_variants"] == 1) & runs["gamed"]]["score_shift"]
    assert row["noise_sd"] == pytest.approx(single.std(ddof=1))
    assert row["predicted_gain"] == pytest.approx(expected_max_normal(5) * row["noise_sd"])
    prov = summary.iloc[4]
    assert prov["fresh_votes"] == 900 and prov["provisional"] == 1.0
    assert summary.iloc[0]["provisional"] == 0.0


def test_identical_variants_match_order_statistic(summary):
    row = summary.iloc[1]
    se = math.hypot(row["gain_se"], row["predicted_se"])
    assert abs(row["gain"] - row["predicted_gain"]) < 4 * se
    assert row["gain"] > 8 * row["gain_se"]  # the summary sees a real gain
    assert row["rank_gained"] > 0


def test_fresh_votes_and_rules_in_summary(summary):
    at, fresh, disclose, prov = (summary.iloc[k] for k in (1, 2, 3, 4))
    # fresh votes dilute the inflation by about n / (n + F) = 1/4
    se = math.hypot(fresh["gain_se"], fresh["predicted_se"])
    assert abs(fresh["gain"] - fresh["predicted_gain"]) < 4 * se + 0.1 * fresh["predicted_gain"]
    assert fresh["gain"] < 0.5 * at["gain"]
    # provisional (> 3 variants -> 900 fresh votes) is the same replicates as fresh votes
    assert prov["gain"] == pytest.approx(fresh["gain"])
    # disclose-all: the best variant keeps its curse, the family mean loses it
    assert disclose["gain"] > 4 * disclose["gain_se"]
    assert abs(disclose["family_gain"]) < 4 * disclose["family_gain_se"]
    assert disclose["family_gain"] < 0.25 * disclose["gain"]


def test_replicates_are_paired_rows(runs):
    reps = best_of_n_replicates(runs)
    assert len(reps) == 150 + 100 + 3 * 30
    da = runs[(runs["setting"] == "disclose-all") & (runs["replicate"] == 4) & runs["gamed"]]
    row = reps[(reps["setting"] == "disclose-all") & (reps["replicate"] == 4)].iloc[0]
    assert len(da) == 5 and row["family_shift"] == pytest.approx(da["score_shift"].mean())
    assert row["score_shift"] == pytest.approx(da["score_shift"].max())
    # common random numbers: the provisional rule and 900 fresh votes are the same replicates
    f = reps[reps["setting"] == "after 900 fresh votes"]["score_shift"].to_numpy()
    p = reps[reps["setting"] == "provisional-scores"]["score_shift"].to_numpy()
    np.testing.assert_array_equal(f, p)


def test_summary_with_given_sd_and_errors(runs):
    s = best_of_n_summary(runs[runs["n_variants"] == 5], sd=10.0)
    assert (s["noise_sd"] == 10.0).all() and (s["noise_sd_se"] == 0).all()
    assert s.iloc[0]["predicted_gain"] == pytest.approx(10 * expected_max_normal(5))
    no_single = best_of_n_summary(runs[runs["n_variants"] == 5])
    assert no_single["predicted_gain"].isna().all()
    with pytest.raises(ValueError, match="no published"):
        best_of_n_summary(runs.assign(gamed=False))
    with pytest.raises(ValueError, match="lacks columns"):
        best_of_n_summary(runs.drop(columns="fresh_votes"))


def test_unlabelled_single_run_is_labelled():
    f = run_strategy(WORLD, BestOfN(n_variants=3, votes_per_variant=50), n_votes=300,
                     n_replicates=3, rng=2)
    s = best_of_n_summary(f)
    assert list(s["setting"]) == ["at disclosure"] and s.iloc[0]["n_replicates"] == 3


# ------------------------------------------------------------------------ figures
def test_plot_gain_vs_n_draws_the_data(runs, summary):
    fig, ax = plt.subplots()
    try:
        out = plot_gain_vs_n(runs, ax=ax)
        assert out is ax
        lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
        at = summary[summary["setting"] == "at disclosure"]
        data = lines["gain:at disclosure"]
        np.testing.assert_allclose(np.asarray(data.get_xdata(), float), at["n_variants"])
        np.testing.assert_allclose(np.asarray(data.get_ydata(), float), at["gain"])
        pred = lines["prediction:at disclosure"]
        nn = np.asarray(pred.get_xdata())
        np.testing.assert_array_equal(nn, np.arange(1, 6))
        np.testing.assert_allclose(pred.get_ydata(),
                                   predicted_inflation(nn, at["noise_sd"].iloc[0]))
        # one line per setting
        assert sum(g.startswith("gain:") for g in lines) == summary["setting"].nunique()
        assert ax.get_xscale() == "log"
    finally:
        plt.close(fig)


def test_plot_disclosure_draws_the_data(summary):
    fig, ax = plt.subplots()
    try:
        plot_disclosure(summary, ax=ax)
        at5 = summary[summary["n_variants"] == 5].reset_index(drop=True)
        bars = [p for p in ax.patches if (p.get_gid() or "").startswith("gain:")]
        assert [b.get_gid()[5:] for b in bars] == list(at5["setting"])
        np.testing.assert_allclose([b.get_height() for b in bars], at5["gain"])
        fam = next(ln for ln in ax.lines if ln.get_gid() == "family")
        np.testing.assert_allclose(fam.get_ydata(),
                                   at5.loc[at5["setting"] == "disclose-all", "family_gain"])
        pred = next(c for c in ax.collections if c.get_gid() == "prediction")
        np.testing.assert_allclose([seg[0][1] for seg in pred.get_segments()],
                                   at5["predicted_gain"])
        texts = [t.get_text() for t in ax.texts]
        assert sum("+900 votes" in t for t in texts) == 2  # fresh votes and provisional
        with pytest.raises(ValueError, match="no runs with n_variants=7"):
            plot_disclosure(summary, n_variants=7, ax=ax)
    finally:
        plt.close(fig)
