"""Bayesian models (PyMC, sampled by nutpie).

Hierarchical Bradley–Terry, construct validity, agreement tables, convergence gates.

Importing this package is cheap: the names below load their module (and PyMC) on first use, so
the CLI can register ``sealvalid validity`` without importing PyMC on the rating path.
"""

from __future__ import annotations

import importlib

__all__ = [
    "HierarchicalBT",
    "HierarchicalPriors",
    "BayesResult",
    "load_result",
    "choose_parametrization",
    "ConstructValidity",
    "ValidityPriors",
    "ValidityResult",
    "benchmark_scores",
    "agreement_table",
    "agreement_matrix",
    "SamplerConfig",
    "resolve_seed",
    "fast_mode",
    "Gates",
    "ConvergenceError",
    "ConvergenceReport",
    "NotConvergedWarning",
    "NOT_CONVERGED",
    "check_convergence",
    "PairCells",
    "build_cells",
    "ppc_cells",
    "simulate_hierarchical",
    "simulate_validity",
    "sbc_ranks",
    "rank_uniformity",
]

_WHERE = {
    "HierarchicalBT": "hierarchical",
    "HierarchicalPriors": "hierarchical",
    "BayesResult": "hierarchical",
    "load_result": "hierarchical",
    "choose_parametrization": "hierarchical",
    "ConstructValidity": "validity",
    "ValidityPriors": "validity",
    "ValidityResult": "validity",
    "benchmark_scores": "validity",
    "agreement_table": "agreement",
    "agreement_matrix": "agreement",
    "SamplerConfig": "sampling",
    "resolve_seed": "sampling",
    "fast_mode": "sampling",
    "Gates": "diagnostics",
    "ConvergenceError": "diagnostics",
    "ConvergenceReport": "diagnostics",
    "NotConvergedWarning": "diagnostics",
    "NOT_CONVERGED": "diagnostics",
    "check_convergence": "diagnostics",
    "PairCells": "cells",
    "build_cells": "cells",
    "ppc_cells": "ppc",
    "simulate_hierarchical": "sbc",
    "simulate_validity": "sbc",
    "sbc_ranks": "sbc",
    "rank_uniformity": "sbc",
}


def __getattr__(name: str):
    if name in _WHERE:
        module = importlib.import_module(f"sealvalid.bayes.{_WHERE[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'sealvalid.bayes' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
