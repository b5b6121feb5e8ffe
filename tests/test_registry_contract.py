"""Every registered strategy and defense keeps the package's contract: plain parameters that a
TOML config can hold, and bit-identical results for the same seed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sealvalid.defenses import DEFENSES, Safeguards
from sealvalid.sim import preset
from sealvalid.sim.static import static_preset
from sealvalid.strategies import STRATEGIES, run_strategy

ARENA = preset("lmarena-like", n_models=10)
SMALL = {  # cheap settings per strategy (the defaults are realistic, not quick)
    "best-of-n": {"n_variants": 3, "votes_per_variant": 200},
    "teaching-to-the-test": {"effort": 50.0},
    "vote-rigging": {"budget": 200},
    "sampling-asymmetry": {},
    "boosting-attack": {"n_queries": 40},
    "flawed-tasks": {},
    "honest": {},
}


def _world(strategy):
    if strategy.setting == "static":
        return static_preset("flawed-agentic" if strategy.name == "flawed-tasks" else "ladder")
    return ARENA


def _plain(value) -> bool:
    return value is None or isinstance(value, str | bool | int | float) and (
        not isinstance(value, float) or not math.isnan(value))


def test_every_strategy_has_cheap_settings_here():
    assert set(SMALL) == set(STRATEGIES)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_strategy_params_are_plain_and_runs_are_reproducible(name):
    cls = STRATEGIES[name]
    strategy = cls(**SMALL[name])
    params = strategy.params()
    assert all(_plain(v) for v in params.values()), params
    assert cls(**params) == strategy  # the parameters rebuild the strategy
    world = _world(strategy)
    n_votes = None if strategy.setting == "static" else 3000
    a = run_strategy(world, strategy, n_votes=n_votes, n_replicates=2, rng=123)
    b = run_strategy(world, strategy, n_votes=n_votes, n_replicates=2, rng=123)
    pd.testing.assert_frame_equal(a, b)
    c = run_strategy(world, strategy, n_votes=n_votes, n_replicates=2, rng=124)
    assert not a["score_shift"].equals(c["score_shift"])
    assert a.attrs["seed"] == 123 and set(a["replicate"]) == {0, 1}


@pytest.mark.parametrize("name", sorted(DEFENSES))
def test_defense_params_are_plain_and_compose(name):
    d = DEFENSES[name]()
    params = d.params()
    assert all(_plain(v) for v in params.values()), params
    assert DEFENSES[name](**params) == d
    assert d.setting in ("arena", "static")
    guards = Safeguards((d,))
    assert guards.names == (name,)
    # a defense does something: at least one hook is overridden
    assert any(d._overrides(h) for h in ("world", "rules", "screen", "rate", "holdout"))


@pytest.mark.parametrize("name", sorted(n for n, c in DEFENSES.items() if c.setting == "arena"))
def test_arena_defenses_are_reproducible_on_an_honest_arena(name):
    strategy = STRATEGIES["honest"]()
    a = run_strategy(ARENA, strategy, n_votes=3000, n_replicates=2, rng=9,
                     defenses=DEFENSES[name]())
    b = run_strategy(ARENA, strategy, n_votes=3000, n_replicates=2, rng=9,
                     defenses=DEFENSES[name]())
    pd.testing.assert_frame_equal(a, b)
    assert np.isfinite(a["score_shift"]).all()
