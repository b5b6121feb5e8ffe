"""sealvalid.bayes without MCMC: cells, gates, agreement, settings, CLI errors, lazy imports."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sealvalid.bayes.agreement import agreement_matrix, agreement_table
from sealvalid.bayes.cells import build_cells
from sealvalid.bayes.diagnostics import (
    NOT_CONVERGED,
    ConvergenceError,
    Gates,
    NotConvergedWarning,
    check_convergence,
    enforce_gates,
    mark_table,
)
from sealvalid.bayes.likelihood import outcome_probs
from sealvalid.bayes.sampling import SamplerConfig, hdi, resolve_seed
from sealvalid.bayes.sbc import rank_uniformity, simulate_hierarchical
from sealvalid.data import validate_votes
from sealvalid.data.schema import VoteTableError


def _votes(rows, **extra):
    df = pd.DataFrame(rows, columns=["model_a", "model_b", "winner"])
    for k, v in extra.items():
        df[k] = v
    return validate_votes(df)


# ----------------------------------------------------------------------------- cells
def test_cells_orientation_and_segments():
    v = _votes([("b", "a", "model_a"), ("a", "b", "model_a"), ("a", "b", "tie"),
                ("a", "c", "model_b"), ("c", "a", "tie_bothbad")],
               language=["en", "en", "zh", "en", "en"])
    c = build_cells(v, by=["language"])
    assert list(c.models) == ["a", "b", "c"]
    assert (c.i < c.j).all()
    tab = pd.DataFrame({"i": c.i, "j": c.j, "lang": c.levels[0][c.seg[:, 0]],
                        "wi": c.counts[:, 0], "wj": c.counts[:, 1], "t": c.counts[:, 2]})
    ab_en = tab[(tab.i == 0) & (tab.j == 1) & (tab.lang == "en")].iloc[0]
    # 'b beats a' flipped: one win each way in English
    assert (ab_en.wi, ab_en.wj, ab_en.t) == (1, 1, 0)
    ac = tab[(tab.i == 0) & (tab.j == 2)].iloc[0]
    assert (ac.wi, ac.wj, ac.t) == (0, 1, 1)  # tie_bothbad counted as a tie
    assert c.n_votes == 5


def test_cells_drop_ties_and_bothbad():
    v = _votes([("a", "b", "tie"), ("a", "b", "tie_bothbad"), ("a", "b", "model_a")])
    assert build_cells(v, ties="drop").counts.sum() == 1
    c = build_cells(v, bothbad="drop")
    assert c.counts.sum() == 2 and c.info["dropped"]["tie_bothbad"] == 1


def test_cells_position_sign_follows_orientation():
    v = _votes([("b", "a", "model_a"), ("a", "b", "model_a")], position=["model_a", "model_a"])
    c = build_cells(v, position=True)
    # b shown first in the first vote: i = a was shown second -> x = -1
    x = dict(zip(c.counts[:, 0], c.x[:, 0], strict=True))
    assert x[0.0] == -1.0 and x[1.0] == 1.0


def test_cells_missing_segment_is_an_error_naming_the_column():
    v = _votes([("a", "b", "model_a"), ("a", "b", "model_b")], language=["en", None])
    with pytest.raises(VoteTableError, match="'language' has 1 of 2 rows missing"):
        build_cells(v, by=["language"])
    assert build_cells(v, by=["language"], missing="drop").n_votes == 1
    assert "(missing)" in list(build_cells(v, by=["language"], missing="level").levels[0])


def test_cells_unknown_column_and_models_index():
    v = _votes([("a", "b", "model_a"), ("a", "c", "model_b")])
    with pytest.raises(VoteTableError, match="column 'country' is needed"):
        build_cells(v, by=["country"])
    c = build_cells(v, models=["b", "a"])
    assert list(c.models) == ["b", "a"] and c.n_votes == 1
    assert c.info["dropped"]["model outside the index"] == 1


def test_cells_pool_levels_in_fast_mode():
    v = _votes([("a", "b", "model_a")] * 6, country=["x", "x", "y", "y", "z", "w"])
    c = build_cells(v, by=["country"], max_levels=3)
    assert list(c.levels[0]) == ["x", "y", "other"]


def test_cells_match_rating_aggregation():
    from sealvalid.rating.cells import aggregate_pairs

    votes, _ = simulate_hierarchical(6, 3000, tie_log=-1.0, rng=3)
    mine = build_cells(votes)
    ref = aggregate_pairs(votes)
    a = pd.DataFrame({"i": mine.i, "j": mine.j, "w": mine.counts[:, 0], "t": mine.counts[:, 2]})
    b = pd.DataFrame({"i": ref.i, "j": ref.j, "w": ref.counts[:, 0], "t": ref.counts[:, 2]})
    pd.testing.assert_frame_equal(a.sort_values(["i", "j"]).reset_index(drop=True),
                                  b.sort_values(["i", "j"]).reset_index(drop=True),
                                  check_dtype=False)


# ----------------------------------------------------------------------------- likelihood
@pytest.mark.parametrize("ties", ["davidson", "rao_kupper", "drop"])
def test_outcome_probs_sum_to_one_and_symmetric(ties):
    d = np.linspace(-4, 4, 9)
    p = outcome_probs(d, ties, -1.0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    np.testing.assert_allclose(p[::-1, 0], p[:, 1], atol=1e-12)


def test_pytensor_loglik_matches_numpy():
    import pytensor
    import pytensor.tensor as pt

    from sealvalid.bayes.likelihood import cell_loglik

    rng = np.random.default_rng(0)
    d = rng.normal(0, 1.5, 20)
    w = rng.integers(0, 9, (20, 3)).astype(float)
    for ties in ("davidson", "rao_kupper", "drop"):
        dv, kv = pt.vector("d"), pt.scalar("k")
        f = pytensor.function([dv, kv], cell_loglik(dv, w[:, 0], w[:, 1], w[:, 2], ties, kv),
                              on_unused_input="ignore", mode="FAST_COMPILE")
        p = outcome_probs(d, ties, -0.7)
        ww = w if ties != "drop" else w * [1, 1, 0]
        np.testing.assert_allclose(f(d, -0.7), (ww * np.log(np.clip(p, 1e-300, None))).sum(),
                                   rtol=1e-9)


# ----------------------------------------------------------------------------- gates
def _tree(draws: np.ndarray, diverging: int = 0) -> xr.DataTree:
    c, n = draws.shape[:2]
    div = np.zeros((c, n), dtype=bool)
    div.flat[:diverging] = True
    return xr.DataTree.from_dict({
        "posterior": xr.Dataset({"x": (("chain", "draw", "k"), draws),
                                 "const": (("chain", "draw"), np.ones((c, n)))},
                                coords={"k": ["a", "b"]}),
        "sample_stats": xr.Dataset({"diverging": (("chain", "draw"), div)}),
    })


def test_gates_pass_on_independent_draws(rng):
    rep = check_convergence(_tree(rng.normal(size=(4, 1000, 2))))
    assert rep.passed and rep.n_constant == 4000 // 4000 and rep.min_ess_bulk > 400
    assert "converged" in rep.message()


def test_gates_fail_names_the_worst_quantity(rng):
    x = rng.normal(size=(4, 300, 2))
    x[0, :, 1] += 3.0  # one chain stuck elsewhere
    rep = check_convergence(_tree(x, diverging=2))
    assert not rep.passed
    assert rep.worst_rhat == "x[b]"
    assert len(rep.failures) == 3 and "2 divergent" in rep.failures[-1]
    with pytest.raises(ConvergenceError, match=r"max R-hat .* \(x\[b\]\) > 1.01"):
        enforce_gates(rep, accept_unconverged=False)
    with pytest.warns(NotConvergedWarning, match=NOT_CONVERGED):
        enforce_gates(rep, accept_unconverged=True)
    t = mark_table(pd.DataFrame({"a": [1, 2]}), rep)
    assert (t["status"] == NOT_CONVERGED).all() and not t["converged"].any()


def test_gates_validate_thresholds():
    with pytest.raises(ValueError, match="max_rhat must be >= 1"):
        Gates(max_rhat=0.9)


# ----------------------------------------------------------------------------- settings
def test_sampler_config_refuses_settings_below_the_gates():
    with pytest.raises(ValueError, match="chains must be >= 2"):
        SamplerConfig(chains=1)
    with pytest.raises(ValueError, match="can never pass"):
        SamplerConfig(chains=2, draws=100).check_reachable(Gates())
    with pytest.raises(ValueError, match="adaptation"):
        SamplerConfig(adaptation="magic")


def test_resolve_seed():
    assert resolve_seed(5) == 5
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    assert resolve_seed(g1) == resolve_seed(g2)
    assert 0 <= resolve_seed(None) < 2**63
    with pytest.raises(ValueError, match="seed must be"):
        resolve_seed(-1)


def test_hdi_of_normal(rng):
    x = rng.normal(size=(200_000, 2))
    lo, hi = hdi(x, 0.95)
    np.testing.assert_allclose(lo, -1.96, atol=0.03)
    np.testing.assert_allclose(hi, 1.96, atol=0.03)


def test_rank_uniformity_flags_biased_ranks():
    ok = pd.DataFrame({"parameter": "a", "rank": np.arange(100) % 50, "n_draws": 49,
                       "covered": True})
    bad = pd.DataFrame({"parameter": "b", "rank": np.zeros(100, int), "n_draws": 49,
                        "covered": False})
    out = rank_uniformity(pd.concat([ok, bad])).set_index("parameter")
    assert out.loc["a", "p_value"] > 0.5 and out.loc["b", "p_value"] < 1e-6


# ----------------------------------------------------------------------------- agreement
def test_agreement_counts_by_hand():
    crowd = _votes([("a", "b", "model_a"), ("a", "b", "model_b"), ("b", "a", "model_b"),
                    ("a", "c", "tie")],
                   prompt_id=["p1", "p1", "p1", "p2"], voter_id=["u1", "u2", "u3", "u1"],
                   rater_type="crowd")
    judge = _votes([("b", "a", "model_b"), ("a", "c", "model_a")], prompt_id=["p1", "p2"],
                   voter_id="gpt-4", rater_type="llm_judge")
    t = agreement_table({"crowd": crowd, "gpt-4": judge}, rng=0).set_index(
        ["group_a", "group_b", "ties"])
    # p1: crowd says a, b, a; judge says a -> 2 of 3 agree; p2: tie vs a -> 0 of 1
    assert t.loc[("crowd", "gpt-4", "with"), "agreement"] == pytest.approx(2 / 4)
    assert t.loc[("crowd", "gpt-4", "without"), "agreement"] == pytest.approx(2 / 3)
    # within the crowd on p1: pairs (a,b) (a,a) (b,a) -> 1 of 3 agree
    assert t.loc[("crowd", "crowd", "without"), "agreement"] == pytest.approx(1 / 3)
    row = t.loc[("crowd", "gpt-4", "with")]
    assert row["lower"] <= row["agreement"] <= row["upper"]
    m = agreement_matrix(t.reset_index(), ties="without")
    assert m.loc["crowd", "gpt-4"].startswith("66.7%")


def test_agreement_within_group_excludes_same_rater():
    v = _votes([("a", "b", "model_a"), ("b", "a", "model_a")], prompt_id=["p", "p"],
               voter_id=["r", "r"], rater_type="expert")
    assert agreement_table(v, rng=0).empty  # one rater voting twice is no agreement pair


def test_agreement_missing_item_column():
    v = _votes([("a", "b", "model_a")])
    with pytest.raises(VoteTableError, match="item columns"):
        agreement_table(v)


# ----------------------------------------------------------------------------- CLI input errors
def _run_cli(args):
    from sealvalid.cli import main

    return main(args)


@pytest.fixture
def tiny_files(tmp_path):
    votes, _ = simulate_hierarchical(5, 300, rng=1)
    crowd = tmp_path / "crowd.csv"
    votes.to_csv(crowd, index=False)
    return tmp_path, crowd


@pytest.mark.parametrize("extra, needle", [
    ([], "at least one independent judgment"),
    (["--benchmark", "{d}/nope.csv"], "--benchmark TABLE and --metric M go together"),
    (["--judge", "{d}/missing.csv"], "missing.csv"),
])
def test_validity_cli_bad_input_exits_2_with_one_line(tiny_files, capsys, extra, needle):
    d, crowd = tiny_files
    code = _run_cli(["validity", "--crowd", str(crowd), "--out", str(d / "o"),
                     *[e.format(d=d) for e in extra]])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err


def test_bayes_import_is_lazy():
    code = ("import sys; import sealvalid.bayes, sealvalid.bayes.cli; "
            "from sealvalid.cli import build_parser; build_parser(); "
            "print(','.join(m for m in ('pymc', 'pytensor', 'nutpie', 'arviz') "
            "if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == ""


# ----------------------------------------------------------------------------- validity inputs
def test_validity_input_checks_before_sampling():
    from sealvalid.bayes import ConstructValidity
    from sealvalid.bayes.sbc import simulate_validity

    sim = simulate_validity(5, crowd_votes=400, judges={f"j{k}": (200, 0.8, 0.3)
                                                        for k in range(4)}, rng=2)
    with pytest.raises(ValueError, match="needs more models than measurements"):
        ConstructValidity().fit(sim["crowd"], judges=sim["judges"], seed=1)
    with pytest.raises(ValueError, match="at least one independent judgment"):
        ConstructValidity().fit(sim["crowd"], seed=1)
    other = sim["judges"]["j0"].assign(model_a=lambda d: "x" + d["model_a"].astype(str),
                                       model_b=lambda d: "x" + d["model_b"].astype(str))
    with pytest.raises(ValueError, match="only 0 model"):
        ConstructValidity().fit(sim["crowd"], judges={"other": validate_votes(other)}, seed=1)


def test_benchmark_scores_selects_one_snapshot():
    from sealvalid.bayes.validity import benchmark_scores

    board = pd.DataFrame({"source": "s", "board": "text", "category": "overall",
                          "model": ["a", "b", "a", "b"],
                          "date": pd.to_datetime(["2024-01-01"] * 2 + ["2024-02-01"] * 2),
                          "metric": "mt_bench", "value": [7.0, 6.0, 7.5, 6.5]})
    with pytest.raises(ValueError, match="has 2 values of 'date'"):
        benchmark_scores(board, "mt_bench")
    s = benchmark_scores(board, "mt_bench", date="2024-02-01")
    assert s.to_dict() == {"a": 7.5, "b": 6.5}
    with pytest.raises(ValueError, match="not in the table"):
        benchmark_scores(board, "mmlu")
