"""Static-benchmark figures: adaptive overfitting to a holdout, and flawed graders.

* :func:`plot_boosting_curve` — the boosting attacker's reported holdout accuracy against the
  number of queries, with and without the Ladder, beside its fresh-data accuracy (Blum & Hardt,
  arXiv 1502.04585, their boosting-attack figure);
* :func:`plot_flawed_grid` — mis-estimation or rank change over flawed-grader share × exploit
  propensity (Zhu et al., arXiv 2507.02825).

One function per figure; each takes an optional ``ax`` and returns the Axes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["plot_boosting_curve", "plot_flawed_grid"]

_GRID_LABELS = {
    "gamed_rel_error": "exploiters' relative over-estimation (pass − true) / true",
    "max_abs_rel_error": "largest relative mis-estimation |pass − true| / true",
    "gamed_rank_shift": "places gained by exploiters (mean)",
    "rank_changes": "agents off their true rank",
    "kendall_tau": "Kendall τ, board vs true order",
    "honest_shift": "non-exploiters' pass − true",
}


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_boosting_curve(curve: pd.DataFrame, *, ax=None, theory: bool = True):
    """Plot reported vs fresh accuracy of the boosting attacker over the number of queries.

    Parameters
    ----------
    curve : pandas.DataFrame
        :func:`sealvalid.strategies.boosting.boosting_curve` output; several runs (e.g. without
        and with the Ladder) concatenated, told apart by ``defenses``.
    ax : matplotlib.axes.Axes, optional
    theory : bool
        Draw the normal approximation ``Φ(sqrt(k / (π n)))`` of the undefended attack (binary
        labels only; needs ``curve.attrs["n_public"]``).

    Returns
    -------
    matplotlib.axes.Axes
        One line per ``defenses`` value (mean reported accuracy, band ± 2 Monte Carlo se), the
        attacker's accuracy on the private split (fresh data, pooled) and the chance level.
    """
    need = {"defenses", "n_queries", "reported", "private", "fresh"}
    missing = sorted(need - set(curve.columns))
    if missing:
        raise ValueError(f"curve lacks columns {missing}; pass boosting_curve output")
    ax = _axes(ax, (6.5, 4.2))
    palette = iter(["C0", "C1", "C4", "C5", "C6", "C8", "C9", "C7"] * 4)
    for label, g in curve.groupby("defenses", sort=False):
        s = g.groupby("n_queries")["reported"].agg(["mean", "std", "count"])
        se = (s["std"] / np.sqrt(s["count"])).fillna(0.0)
        name = "exact scores (no defense)" if label == "none" else label
        color = "C3" if label == "none" else next(palette)
        ax.plot(s.index, s["mean"], "o-", color=color, ms=3, label=f"reported: {name}")
        ax.fill_between(s.index, s["mean"] - 2 * se, s["mean"] + 2 * se, color=color,
                        alpha=0.2, lw=0)
    fresh = curve.groupby("n_queries")["private"].mean()
    ax.plot(fresh.index, fresh.to_numpy(), "s-", color="C2", ms=3,
            label="fresh data (private split)")
    chance = float(curve["fresh"].iloc[0])
    ax.axhline(chance, color="0.4", lw=0.8, ls=":", label=f"true accuracy {chance:g}")
    n_pub = curve.attrs.get("n_public")
    if theory and n_pub and curve.attrs.get("n_classes") == 2:
        k = np.linspace(0, curve["n_queries"].max(), 200)
        from scipy import stats

        ax.plot(k, stats.norm.cdf(np.sqrt(k / (math.pi * n_pub))), "--", color="0.2", lw=1,
                label=f"theory Φ(√(k / πn)), n = {n_pub}")
    ax.set_xlabel("queries k (random label vectors submitted)")
    ax.set_ylabel("accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_flawed_grid(grid: pd.DataFrame, *, value: str = "gamed_rel_error", ax=None):
    """Heat map of a mis-estimation or rank-change measure over flawed share × propensity.

    Parameters
    ----------
    grid : pandas.DataFrame
        :func:`sealvalid.strategies.flawed_tasks.flawed_grid` output (one ``defenses`` value).
    value : str
        Column to show (mean over replicates): ``gamed_rel_error``, ``max_abs_rel_error``,
        ``gamed_rank_shift``, ``rank_changes``, ``kendall_tau`` or ``honest_shift``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if value not in _GRID_LABELS:
        raise ValueError(f"value={value!r} unknown; allowed: {sorted(_GRID_LABELS)}")
    if grid["defenses"].nunique() > 1:
        raise ValueError(f"grid mixes defenses {sorted(grid['defenses'].unique())}; plot one "
                         "at a time")
    wide = grid.pivot_table(index="flawed_share", columns="exploit", values=value,
                            aggfunc="mean").sort_index(ascending=False)
    ax = _axes(ax, (6.0, 4.4))
    im = ax.imshow(wide.to_numpy(), aspect="auto", cmap="viridis" if value == "kendall_tau"
                   else "magma")
    for (i, j), v in np.ndenumerate(wide.to_numpy()):
        pct = value in ("gamed_rel_error", "max_abs_rel_error")
        v = round(float(v), 2 if pct else 3) + 0.0  # no "-0%"
        ax.text(j, i, f"{v:.0%}" if pct else f"{v:.2f}", ha="center", va="center", fontsize=8,
                color="w" if v < np.nanmean(wide.to_numpy()) else "k")
    ax.set_xticks(range(wide.shape[1]), [f"{c:g}" for c in wide.columns])
    ax.set_yticks(range(wide.shape[0]), [f"{r:g}" for r in wide.index])
    ax.set_xlabel("exploit propensity of gaming agents")
    ax.set_ylabel("share of tasks with flawed graders")
    ax.figure.colorbar(im, ax=ax, label=_GRID_LABELS[value])
    label = grid["defenses"].iloc[0]
    ax.set_title("no defense" if label == "none" else f"with {label}", fontsize=9)
    return ax
