"""Strategy protocol, registry, shift metrics and best-of-N selective disclosure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from sealvalid.sim import preset
from sealvalid.strategies import (
    RESULT_COLUMNS,
    SHIFT_COLUMNS,
    STRATEGIES,
    BestOfN,
    Strategy,
    register,
    run_strategy,
)

WORLD = preset("bt-simple", n_models=6)
N_VOTES = 3000          # public votes per replicate
PER_VARIANT = 300       # battles per private variant
REPS = 400


def expected_max_of_normals(n: int) -> float:
    """E[max of n iid standard normals], by numerical integration."""
    def f(x):
        return x * n * stats.norm.pdf(x) * stats.norm.cdf(x) ** (n - 1)

    return integrate.quad(f, -np.inf, np.inf)[0]


def gamed_shift(frame: pd.DataFrame) -> np.ndarray:
    return frame.loc[frame["gamed"], "score_shift"].to_numpy()


@pytest.fixture(scope="module")
def single() -> np.ndarray:
    """N = 1: an honest single release; its sd is the per-variant rating sd."""
    f = run_strategy(WORLD, BestOfN(n_variants=1, votes_per_variant=PER_VARIANT),
                     n_votes=N_VOTES, n_replicates=REPS, rng=101)
    return gamed_shift(f)


@pytest.fixture(scope="module")
def best_of_5() -> pd.DataFrame:
    return run_strategy(WORLD, BestOfN(n_variants=5, votes_per_variant=PER_VARIANT),
                        n_votes=N_VOTES, n_replicates=REPS, rng=202)


def test_expected_max_of_normals():
    assert expected_max_of_normals(1) == pytest.approx(0.0, abs=1e-9)
    assert expected_max_of_normals(2) == pytest.approx(1 / np.sqrt(np.pi), rel=1e-8)
    draws = np.random.default_rng(0).standard_normal((200_000, 5)).max(axis=1)
    assert abs(draws.mean() - expected_max_of_normals(5)) < 4 * draws.std() / np.sqrt(len(draws))


def test_single_release_has_no_inflation(single):
    se = single.std(ddof=1) / np.sqrt(len(single))
    assert abs(single.mean()) < 4 * se


def test_identical_variants_reproduce_order_statistic(single, best_of_5):
    gains = gamed_shift(best_of_5)
    sd1 = single.std(ddof=1)
    emax = expected_max_of_normals(5)
    expected = emax * sd1
    # MC error of the mean gain and of the sd estimate (normal theory: sd / sqrt(2 (n - 1)))
    se = np.hypot(gains.std(ddof=1) / np.sqrt(len(gains)),
                  emax * sd1 / np.sqrt(2 * (len(single) - 1)))
    assert abs(gains.mean() - expected) < 4 * se
    assert gains.mean() > 8 * se  # and the strategy does something


def test_inflation_grows_with_n(single, best_of_5):
    f15 = run_strategy(WORLD, BestOfN(n_variants=15, votes_per_variant=PER_VARIANT),
                       n_votes=N_VOTES, n_replicates=100, rng=303)
    g1, g5, g15 = single, gamed_shift(best_of_5), gamed_shift(f15)

    def se(x):
        return x.std(ddof=1) / np.sqrt(len(x))

    assert g5.mean() - g1.mean() > 4 * np.hypot(se(g5), se(g1))
    assert g15.mean() - g5.mean() > 4 * np.hypot(se(g15), se(g5))
    # rank gained on average too
    assert f15.loc[f15["gamed"], "rank_shift"].mean() > 0


def test_spread_variants_still_overstated():
    f = run_strategy(WORLD, BestOfN(n_variants=5, votes_per_variant=PER_VARIANT, spread=20.0),
                     n_votes=N_VOTES, n_replicates=40, rng=404)
    g = gamed_shift(f)
    assert g.mean() > 4 * g.std(ddof=1) / np.sqrt(len(g))  # winner's curse


def test_fresh_votes_wash_out_inflation(best_of_5):
    fresh = run_strategy(WORLD, BestOfN(n_variants=5, votes_per_variant=PER_VARIANT,
                                        fresh_votes=3000),
                         n_votes=N_VOTES, n_replicates=100, rng=505)
    assert gamed_shift(fresh).mean() < 0.5 * gamed_shift(best_of_5).mean()


def test_column_contract(best_of_5):
    f = best_of_5
    assert list(f.columns) == [*RESULT_COLUMNS, "fresh_votes", "provisional", "honest_votes",
                               "attack_votes", "honest_dropped", "attack_dropped"]
    assert RESULT_COLUMNS[: len(SHIFT_COLUMNS)] == SHIFT_COLUMNS
    assert (f["rank_shift"] == f["true_rank"] - f["board_rank"]).all()
    sums = f.groupby("replicate")["score_shift"].sum()
    assert np.allclose(sums, 0.0, atol=1e-8)
    assert (f.groupby("replicate")["gamed"].sum() == 1).all()
    assert set(f["strategy"]) == {"best-of-n"}
    assert f.attrs["seed"] == 202 and f.attrs["params"]["n_variants"] == 5


def test_same_seed_same_frame():
    s = BestOfN(n_variants=3, votes_per_variant=100, spread=10.0)
    a = run_strategy(WORLD, s, n_votes=500, n_replicates=3, rng=7)
    b = run_strategy(WORLD, s, n_votes=500, n_replicates=3, rng=7)
    c = run_strategy(WORLD, s, n_votes=500, n_replicates=3, rng=8)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["score_shift"], c["score_shift"])


def test_registry():
    assert STRATEGIES["best-of-n"] is BestOfN
    with pytest.raises(ValueError, match="'best-of-n' is already registered"):
        @register("best-of-n")
        @dataclass(frozen=True, kw_only=True)
        class Dup(Strategy):
            pass
    assert STRATEGIES["best-of-n"] is BestOfN
    with pytest.raises(ValueError, match="non-empty string"):
        register("")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_variants": 0}, r"n_variants must be an integer in \[1, 1000\], got 0"),
    ({"n_variants": 2.5}, r"n_variants must be an integer"),
    ({"votes_per_variant": True}, r"votes_per_variant must be an integer"),
    ({"spread": -1.0}, r"spread must be a finite number >= 0"),
    ({"spread": float("nan")}, r"spread must be a finite number >= 0"),
    ({"fresh_votes": -1}, r"fresh_votes must be an integer in \[0"),
    ({"model": ""}, r"model must be a model name or None"),
])
def test_bad_params(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BestOfN(**kwargs)


def test_bad_run_arguments():
    with pytest.raises(ValueError, match="'nope' is not in the world"):
        run_strategy(WORLD, BestOfN(model="nope"), n_votes=100, n_replicates=1, rng=0)
    with pytest.raises(ValueError, match="n_replicates must be an integer >= 1"):
        run_strategy(WORLD, BestOfN(), n_votes=100, n_replicates=0, rng=0)
    with pytest.raises(ValueError, match="strategy must be a Strategy instance"):
        run_strategy(WORLD, "best-of-n", n_votes=100, n_replicates=1, rng=0)
    with pytest.raises(TypeError):
        BestOfN(5)  # keyword-only
