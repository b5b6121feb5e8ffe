"""Defense protocol, Safeguards, disclosure rules and the attack × defense evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
import pytest

from sealvalid.defenses import (
    DEFENSES,
    RULES,
    ArenaLog,
    Attack,
    Defense,
    DiscloseAll,
    ProvisionalScores,
    Safeguards,
    defense_table,
    evaluate_defenses,
    register,
)
from sealvalid.defenses.evaluate import RAW_COLUMNS, TABLE_COLUMNS
from sealvalid.sim import preset
from sealvalid.strategies import BestOfN, Honest, run_strategy

matplotlib.use("Agg")

WORLD = preset("bt-simple", n_models=6)


@dataclass(frozen=True, kw_only=True)
class _Rater(Defense):
    offset: float = 0.0

    def rate(self, log):
        return log.fit() + self.offset


@dataclass(frozen=True, kw_only=True)
class _DropFirstHalf(Defense):
    def screen(self, log):
        keep = np.ones(len(log), dtype=bool)
        keep[: len(log) // 2] = False
        return keep


@dataclass(frozen=True, kw_only=True)
class _Static(Defense):
    setting = "static"


def _log(n=40, k=3, rng=0):
    g = np.random.default_rng(rng)
    a = g.integers(0, k, n)
    b = (a + 1 + g.integers(0, k - 1, n)) % k
    return ArenaLog(names=tuple(f"m{i}" for i in range(k)), a=a, b=b,
                    winner=g.integers(0, 3, n), voter=np.arange(n), honest=np.arange(n) % 4 > 0,
                    day=np.zeros(n))


def test_registry_has_disclosure_rules():
    assert DEFENSES["provisional-scores"] is ProvisionalScores
    assert DEFENSES["disclose-all"] is DiscloseAll
    with pytest.raises(ValueError, match="'disclose-all' is already registered"):
        register("disclose-all")(_Rater)
    with pytest.raises(ValueError, match="non-empty string"):
        register(" ")


def test_safeguards_rules_and_conflicts():
    g = Safeguards((ProvisionalScores(max_variants=3, fresh_votes=500), DiscloseAll()))
    assert g.rule("provisional_variants") == 3 and g.rule("provisional_votes") == 500
    assert g.rule("disclose_all") is True
    assert g.rule("data_delay_days") == RULES["data_delay_days"][0]
    assert g.names == ("provisional-scores", "disclose-all")
    with pytest.raises(ValueError, match="set rule 'provisional_votes' to 500 and 2000"):
        Safeguards((ProvisionalScores(fresh_votes=500), ProvisionalScores()))
    with pytest.raises(ValueError, match="each fit the board their own way"):
        Safeguards((_Rater(), _Rater(offset=1.0)))
    with pytest.raises(ValueError, match="unknown rule 'nope'"):
        g.rule("nope")
    with pytest.raises(ValueError, match="must be Defense instances"):
        Safeguards(("provisional-scores",))
    with pytest.raises(ValueError, match=r"max_variants must be an integer >= 0, got -1"):
        ProvisionalScores(max_variants=-1)


def test_publish_screens_and_counts_costs():
    log = _log()
    pub = Safeguards((_DropFirstHalf(),)).publish(log)
    assert pub.kept.sum() == 20 and not pub.kept[:20].any()
    honest = log.honest
    assert pub.costs == {"honest_votes": int(honest.sum()), "attack_votes": int((~honest).sum()),
                         "honest_dropped": int(honest[:20].sum()),
                         "attack_dropped": int((~honest[:20]).sum())}
    pd.testing.assert_series_equal(pub.board, log.subset(pub.kept).fit())
    rated = Safeguards((_Rater(offset=5.0),)).publish(log)
    np.testing.assert_allclose(rated.board.to_numpy(), log.fit().to_numpy() + 5.0)


def test_publish_drops_models_without_votes():
    log = _log(k=3)
    only01 = ~((log.a == 2) | (log.b == 2))

    @dataclass(frozen=True, kw_only=True)
    class NoM2(Defense):
        def screen(self, lg):
            return only01

    pub = Safeguards((NoM2(),)).publish(log)
    assert list(pub.board.index) == ["m0", "m1"]


def test_arena_log_validation():
    log = _log()
    with pytest.raises(ValueError, match="voter has 3 rows, winner has 40"):
        ArenaLog(names=log.names, a=log.a, b=log.b, winner=log.winner, voter=log.voter[:3],
                 honest=log.honest, day=log.day)
    with pytest.raises(ValueError, match=r"model codes must lie in \[0, 2\)"):
        ArenaLog(names=log.names[:2], a=log.a, b=log.b, winner=log.winner, voter=log.voter,
                 honest=log.honest, day=log.day)
    with pytest.raises(ValueError, match="winner codes must be 0"):
        ArenaLog(names=log.names, a=log.a, b=log.b, winner=log.winner + 4, voter=log.voter,
                 honest=log.honest, day=log.day)
    both = ArenaLog.concat([log, log])
    assert len(both) == 80 and both.names == log.names
    votes = log.to_votes()
    assert list(votes.columns[:4]) == ["model_a", "model_b", "winner", "voter_id"]


def test_static_defense_refused_for_arena_strategy():
    with pytest.raises(ValueError, match="guards static leaderboards but strategy 'honest'"):
        run_strategy(WORLD, Honest(), n_votes=200, n_replicates=1, rng=0, defenses=_Static())


@pytest.fixture(scope="module")
def evaluation():
    attacks = [Attack("best-of-20", BestOfN(n_variants=20, votes_per_variant=300), WORLD, 3000),
               Attack("honest", Honest(), WORLD, 3000)]
    raw = evaluate_defenses(attacks, {"provisional": ProvisionalScores(),
                                      "disclose-all": DiscloseAll(),
                                      "static": _Static()},
                            n_replicates=24, rng=11)
    return raw, defense_table(raw)


def test_evaluation_is_paired_with_plain_runs(evaluation):
    raw, _ = evaluation
    assert list(raw.columns[: len(RAW_COLUMNS)]) == RAW_COLUMNS
    # the static defense does not apply to arena attacks: not evaluated
    assert "static" not in set(raw["defense"])
    root = raw.attrs["root_seed"]
    plain = run_strategy(WORLD, BestOfN(n_variants=20, votes_per_variant=300), n_votes=3000,
                         n_replicates=24, rng=np.random.default_rng(np.random.SeedSequence(
                             [root, 0])))
    mine = raw[(raw["attack"] == "best-of-20") & (raw["defense"] == "none")]
    expect = plain[plain["gamed"]].groupby("replicate")["score_shift"].mean().to_numpy()
    np.testing.assert_allclose(mine["shift"].to_numpy(), expect)


def test_provisional_scores_take_back_best_of_n(evaluation):
    raw, table = evaluation
    t = table.set_index(["attack", "defense"])
    none, prov = t.loc[("best-of-20", "none")], t.loc[("best-of-20", "provisional")]
    assert none["shift"] > 0 and none["shift_lower"] > 0          # the attack works
    assert prov["removed_lower"] > 0.5                             # most of it is taken back
    assert prov["fresh_votes"] == 2000                             # the cost: a delay, reported
    # paired differences: the defended shift is lower in most replicates
    a = raw[(raw.attack == "best-of-20") & (raw.defense == "none")]["shift"].to_numpy()
    b = raw[(raw.attack == "best-of-20") & (raw.defense == "provisional")]["shift"].to_numpy()
    assert (a - b).mean() > 4 * (a - b).std(ddof=1) / np.sqrt(len(a))


def test_disclose_all_removes_selection_bias(evaluation):
    _, table = evaluation
    row = table.set_index(["attack", "defense"]).loc[("best-of-20", "disclose-all")]
    assert row["shift_lower"] < 0 < row["shift_upper"] or abs(row["shift"]) < 3
    assert row["removed_lower"] > 0.8


def test_honest_world_costs_are_reported(evaluation):
    _, table = evaluation
    honest = table[table["attack"] == "honest"].set_index("defense")
    assert set(honest.index) == {"none", "provisional", "disclose-all"}
    assert list(table.columns) == TABLE_COLUMNS
    # nothing is gamed, so there is no shift to take back; the costs are still reported
    assert honest["shift"].isna().all() and honest["removed"].isna().all()
    assert (honest["honest_dropped_share"] == 0).all()
    assert (honest["tau_loss"] == 0).all() and honest["honest_tau"].gt(0.9).all()


def test_heat_map(evaluation, tmp_path):
    from sealvalid.plots.defenses import plot_attack_defense

    _, table = evaluation
    ax = plot_attack_defense(table)
    cell = {tuple(np.round(t.get_position()).astype(int)): t.get_text() for t in ax.texts}
    attacks = list(dict.fromkeys(table["attack"]))
    defenses = ["none", *[d for d in dict.fromkeys(table["defense"]) if d != "none"]]
    t = table.set_index(["attack", "defense"])
    r, c = attacks.index("best-of-20"), defenses.index("provisional")
    row = t.loc[("best-of-20", "provisional")]
    assert cell[(c, r)] == (f"{row['removed'] * 100:.0f}\n[{row['removed_lower'] * 100:.0f}, "
                            f"{row['removed_upper'] * 100:.0f}]")
    # the undefended column shows the shift itself; the honest world has nothing to take back
    assert cell[(0, r)] == f"shift\n{t.loc[('best-of-20', 'none'), 'shift']:.3g}"
    assert cell[(defenses.index("provisional"), attacks.index("honest"))] == "n/a"
    ax.figure.savefig(tmp_path / "h.png")
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
    with pytest.raises(ValueError, match="value must be one of"):
        plot_attack_defense(table, value="nope")


def test_evaluate_bad_arguments():
    a = Attack("x", Honest(), WORLD, 100)
    with pytest.raises(ValueError, match="'none' is the undefended baseline"):
        evaluate_defenses([a], {"none": DiscloseAll()}, n_replicates=2)
    with pytest.raises(ValueError, match="attack names must be unique"):
        evaluate_defenses([a, a], {}, n_replicates=2)
    with pytest.raises(ValueError, match="n_replicates must be an integer >= 2"):
        evaluate_defenses([a], {}, n_replicates=1)
    with pytest.raises(ValueError, match="Attack.metric must name a shift column"):
        Attack("y", Honest(), WORLD, 100, metric="gamed")
    with pytest.raises(ValueError, match="metric 'nope' is not a numeric column"):
        evaluate_defenses([Attack("y", Honest(), WORLD, 300, metric="nope")], {},
                          n_replicates=2, rng=0)


def test_control_is_subtracted_pairwise():
    bon = BestOfN(n_variants=8, votes_per_variant=200)
    ctrl = BestOfN(n_variants=1, votes_per_variant=200)
    raw = evaluate_defenses([Attack("bon", bon, WORLD, 1500, control=ctrl)], {},
                            n_replicates=4, rng=3)
    root = raw.attrs["root_seed"]

    def gamed(strategy):
        f = run_strategy(WORLD, strategy, n_votes=1500, n_replicates=4,
                         rng=np.random.default_rng(np.random.SeedSequence([root, 0])))
        return f[f["gamed"]].groupby("replicate")["score_shift"].mean().to_numpy()

    np.testing.assert_allclose(raw["control_shift"], gamed(ctrl))
    np.testing.assert_allclose(raw["shift"], gamed(bon) - gamed(ctrl))
    with pytest.raises(ValueError, match="its control has no gamed model"):
        evaluate_defenses([Attack("h", bon, WORLD, 1500, control=Honest())], {},
                          n_replicates=2, rng=0)
