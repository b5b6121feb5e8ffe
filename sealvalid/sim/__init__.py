"""Simulated worlds with known truth.

* :mod:`sealvalid.sim.world` — the arena world as frozen configs (models and families, voters,
  prompts, time);
* :mod:`sealvalid.sim.policies` — sampling policies (uniform, provider-weighted, active,
  deprecation);
* :mod:`sealvalid.sim.simulate` — ``simulate(world, n_votes, rng=...) -> SimResult``;
* :mod:`sealvalid.sim.truth` — the true ratings a board is measured against;
* :mod:`sealvalid.sim.presets` — named worlds (``"lmarena-like"``, ``"seal-like"``, ...);
* :mod:`sealvalid.sim.static` — the static-holdout benchmark world (items, agents, graders);
* :mod:`sealvalid.sim.toy` — the minimal known-truth generator used by the rating tests.
"""

from sealvalid.sim.policies import (
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
from sealvalid.sim.presets import PRESETS, preset, register_preset
from sealvalid.sim.simulate import Battles, SimResult, simulate
from sealvalid.sim.static import (
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
from sealvalid.sim.toy import ToyArena, toy_votes
from sealvalid.sim.truth import SCOPES, TRUTH_COLUMNS, segment_shares, true_ratings
from sealvalid.sim.world import (
    CATEGORIES,
    LANGUAGE_GROUPS,
    Model,
    PromptDistribution,
    SegmentEffect,
    VoterPopulation,
    World,
    make_variants,
)

__all__ = [
    "CATEGORIES",
    "LANGUAGE_GROUPS",
    "POLICIES",
    "PRESETS",
    "SCOPES",
    "TRUTH_COLUMNS",
    "ActiveSampling",
    "AgeDeprecation",
    "Agent",
    "Battles",
    "Deprecate",
    "Grader",
    "Holdout",
    "Model",
    "PolicyContext",
    "PromptDistribution",
    "ProviderWeighted",
    "SamplingPolicy",
    "SegmentEffect",
    "SimResult",
    "StaticWorld",
    "ToyArena",
    "UniformPairs",
    "VoterPopulation",
    "World",
    "draw_holdout",
    "make_variants",
    "predict_labels",
    "preset",
    "register_policy",
    "register_preset",
    "run_static",
    "segment_shares",
    "simulate",
    "static_preset",
    "static_truth",
    "toy_votes",
    "true_ratings",
]
