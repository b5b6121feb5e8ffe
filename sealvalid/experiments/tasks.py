"""Experiment tasks: one function per kind of replicate, registered by name.

A task is ``task(params: dict, rng: numpy.random.Generator) -> pandas.DataFrame``: it runs one
replicate with the given parameters and returns tidy rows. The runner adds ``grid_point``,
``replicate`` and the swept values. A task may register a ``summarize(results, out_dir, meta)``
function that writes its tables and figures. A task that samples a posterior puts the DataTree in
the returned frame's ``attrs["posterior"]``; the runner writes it to
``posteriors/g<grid>_r<replicate>.nc`` (atomically, before the replicate's part is written).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["TASKS", "SUMMARIES", "register_task", "rating_recovery"]

TASKS: dict[str, Callable[[dict, np.random.Generator], pd.DataFrame]] = {}
SUMMARIES: dict[str, Callable] = {}


def register_task(name: str, summarize: Callable | None = None):
    """Register a task function under ``name`` (a decorator)."""

    def deco(fn):
        if name in TASKS:
            raise ValueError(f"task {name!r} is registered twice")
        TASKS[name] = fn
        if summarize is not None:
            SUMMARIES[name] = summarize
        return fn

    return deco


_RECOVERY_PARAMS = {"n_models", "n_votes", "quality_sd", "tie_rate", "intervals", "n_rounds",
                    "alpha", "style_coef"}


def _summarize_recovery(results: pd.DataFrame, out_dir, meta) -> None:
    from sealvalid.experiments.outputs import save_figure, save_table

    keys = [c for c in results.columns if c.startswith("grid.")]
    by = results.groupby(keys, dropna=False) if keys else results.groupby(lambda _: "all")
    table = by.agg(
        replicates=("replicate", "nunique"),
        coverage=("covered", "mean"),
        mean_abs_error=("abs_error", "mean"),
        kendall_tau=("kendall_tau", "mean"),
    ).reset_index()
    n = results.groupby(keys, dropna=False)["covered"].size().to_numpy() if keys else \
        np.array([len(results)])
    table["coverage_mc_se"] = np.sqrt(table["coverage"] * (1 - table["coverage"]) / n)
    save_table(table, out_dir / "tables" / "coverage", meta)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    x = np.arange(len(table))
    ax.errorbar(x, table["coverage"], yerr=2 * table["coverage_mc_se"], fmt="o")
    ax.axhline(1 - meta.get("alpha", 0.05), color="0.5", ls="--", label="nominal")
    labels = [", ".join(f"{k[5:]}={row[k]}" for k in keys) for _, row in table.iterrows()] \
        if keys else ["all"]
    ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("interval coverage of the true rating")
    ax.set_title("Bradley–Terry interval coverage (±2 MC se)")
    ax.legend()
    save_figure(fig, out_dir / "figures" / "coverage", meta)
    plt.close(fig)


@register_task("rating_recovery", summarize=_summarize_recovery)
def rating_recovery(params: dict, rng: np.random.Generator) -> pd.DataFrame:
    """One simulated arena rated by Bradley–Terry, compared with its known truth.

    Parameters (all optional): ``n_models`` (12), ``n_votes`` (5000), ``quality_sd`` (100),
    ``tie_rate`` (0, so that the truth is the board's estimand), ``intervals`` ("sandwich" or
    "bootstrap"), ``n_rounds`` (200), ``alpha`` (0.05).

    Returns one row per model: true and board rating, interval, whether it covers the truth,
    absolute error, and the board's Kendall tau with the truth.
    """
    from scipy import stats

    from sealvalid.rating import rate
    from sealvalid.sim import ToyArena, toy_votes

    unknown = sorted(set(params) - _RECOVERY_PARAMS)
    if unknown:
        raise ValueError(f"rating_recovery: unknown parameter(s) {unknown}; allowed: "
                         f"{sorted(_RECOVERY_PARAMS)}")
    world = ToyArena(n_models=int(params.get("n_models", 12)),
                     quality_sd=float(params.get("quality_sd", 100.0)),
                     tie_rate=float(params.get("tie_rate", 0.0)))
    sim_rng, boot_rng = rng.spawn(2)
    votes, truth = toy_votes(world, int(params.get("n_votes", 5000)), rng=sim_rng)
    board = rate(votes, intervals=params.get("intervals", "sandwich"),
                 bootstrap=int(params.get("n_rounds", 200))
                 if params.get("intervals") == "bootstrap" else 0,
                 alpha=float(params.get("alpha", 0.05)), rng=boot_rng).table
    t = board.merge(truth[["model", "true_rating"]], on="model")
    t["covered"] = (t["true_rating"] >= t["lower"]) & (t["true_rating"] <= t["upper"])
    t["abs_error"] = (t["rating"] - t["true_rating"]).abs()
    t["kendall_tau"] = stats.kendalltau(t["rating"], t["true_rating"]).statistic
    return t[["model", "true_rating", "rating", "lower", "upper", "covered", "abs_error",
              "kendall_tau"]]


# the study tasks register themselves on import (strategies, safeguards, segments, real data)
from sealvalid.experiments import studies  # noqa: E402,F401
