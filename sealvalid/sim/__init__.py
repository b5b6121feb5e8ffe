"""Simulated worlds with known truth.

* :mod:`sealvalid.sim.world` — the arena world as frozen configs (models and families, voters,
  prompts, time);
* :mod:`sealvalid.sim.policies` — sampling policies (uniform, provider-weighted, active,
  deprecation);
* :mod:`sealvalid.sim.engine` — ``simulate(world, n_votes, rng=...) -> SimResult``, and
  ``simulate_battles_of`` (until one model has ``n`` battles);
* :mod:`sealvalid.sim.truth` — the true ratings a board is measured against;
* :mod:`sealvalid.sim.presets` — named worlds (``"lmarena-like"``, ``"seal-like"``, ...);
* :mod:`sealvalid.sim.static` — the static-holdout benchmark world (items, agents, graders);
* :mod:`sealvalid.sim.toy` — the minimal known-truth generator used by the rating tests.

Names are imported lazily (PEP 562), so that ``sealvalid.sim.cli`` — loaded whenever the
``sealvalid`` command builds its parser — costs no pandas import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS: dict[str, str] = {
    **{n: "sealvalid.sim.world" for n in (
        "CATEGORIES", "LANGUAGE_GROUPS", "Model", "PromptDistribution", "SegmentEffect",
        "VoterPopulation", "World", "make_variants")},
    **{n: "sealvalid.sim.policies" for n in (
        "POLICIES", "ActiveSampling", "AgeDeprecation", "Deprecate", "PolicyContext",
        "ProviderWeighted", "SamplingPolicy", "UniformPairs", "register_policy")},
    **{n: "sealvalid.sim.presets" for n in ("PRESETS", "preset", "register_preset")},
    **{n: "sealvalid.sim.engine" for n in (
        "Battles", "SimResult", "simulate", "simulate_battles_of")},
    **{n: "sealvalid.sim.truth" for n in (
        "SCOPES", "TRUTH_COLUMNS", "segment_shares", "true_ratings")},
    **{n: "sealvalid.sim.static" for n in (
        "Agent", "Grader", "Holdout", "StaticWorld", "draw_holdout", "predict_labels",
        "run_static", "static_preset", "static_truth")},
    **{n: "sealvalid.sim.toy" for n in ("ToyArena", "toy_votes")},
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sealvalid.sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from sealvalid.sim.engine import (  # noqa: F401
        Battles,
        SimResult,
        simulate,
        simulate_battles_of,
    )
    from sealvalid.sim.policies import (  # noqa: F401
        POLICIES,
        ActiveSampling,
        AgeDeprecation,
        Deprecate,
        PolicyContext,
        ProviderWeighted,
        SamplingPolicy,
        UniformPairs,
        register_policy,
    )
    from sealvalid.sim.presets import PRESETS, preset, register_preset  # noqa: F401
    from sealvalid.sim.static import (  # noqa: F401
        Agent,
        Grader,
        Holdout,
        StaticWorld,
        draw_holdout,
        predict_labels,
        run_static,
        static_preset,
        static_truth,
    )
    from sealvalid.sim.toy import ToyArena, toy_votes  # noqa: F401
    from sealvalid.sim.truth import (  # noqa: F401
        SCOPES,
        TRUTH_COLUMNS,
        segment_shares,
        true_ratings,
    )
    from sealvalid.sim.world import (  # noqa: F401
        CATEGORIES,
        LANGUAGE_GROUPS,
        Model,
        PromptDistribution,
        SegmentEffect,
        VoterPopulation,
        World,
        make_variants,
    )
