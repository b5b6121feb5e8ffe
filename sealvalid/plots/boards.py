"""Leaderboard figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plot_leaderboard", "plot_segment_heatmap", "plot_style_effect"]


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_leaderboard(board, *, ax=None, top: int | None = 30, truth: pd.Series | None = None,
                     label: str | None = None):
    """Forest plot: each model's rating with its interval, best at the top.

    Parameters
    ----------
    board : Leaderboard or pandas.DataFrame
        A leaderboard (or its table).
    top : int, optional
        Show only the best ``top`` models.
    truth : pandas.Series, optional
        True ratings by model (simulated worlds), drawn as open diamonds.
    """
    table = board.table if hasattr(board, "table") else board
    t = table.sort_values("rating", ascending=False).head(top) if top else table
    ax = _axes(ax, (7, 0.28 * len(t) + 1.2))
    y = np.arange(len(t))[::-1]
    ax.hlines(y, t["lower"], t["upper"], color="0.55", lw=2)
    ax.plot(t["rating"], y, "o", color="C0", label=label or "rating")
    if "separated" in t and t["separated"].any():
        sep = t["separated"].to_numpy()
        ax.plot(t["rating"].to_numpy()[sep], y[sep], "o", color="C3",
                label="separated (prior-regularised)")
    if truth is not None:
        tv = truth.reindex(t["model"]).to_numpy()
        ax.plot(tv, y, "D", mfc="none", color="k", label="true rating")
    ax.set_yticks(y, [f"{m}  (#{r})" for m, r in zip(t["model"], t["rank"], strict=True)],
                  fontsize=8)
    ax.set_xlabel("rating (Arena scale)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_style_effect(plain, controlled, *, ax=None, top: int | None = 30):
    """Rating of each model with and without style control (arrows show the shift)."""
    a = plain.table.set_index("model")["rating"]
    b = controlled.table.set_index("model")["rating"]
    common = a.index.intersection(b.index)
    order = a.loc[common].sort_values(ascending=False).index
    if top:
        order = order[:top]
    ax = _axes(ax, (7, 0.28 * len(order) + 1.2))
    y = np.arange(len(order))[::-1]
    ax.plot(a.loc[order], y, "o", color="C0", label="plain Bradley–Terry")
    ax.plot(b.loc[order], y, "s", color="C1", label="style-controlled")
    for yy, m in zip(y, order, strict=True):
        ax.annotate("", xy=(b[m], yy), xytext=(a[m], yy),
                    arrowprops={"arrowstyle": "->", "color": "0.5", "lw": 1})
    ax.set_yticks(y, list(order), fontsize=8)
    ax.set_xlabel("rating (Arena scale)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_segment_heatmap(segment_table: pd.DataFrame, segment_col: str, *, ax=None,
                         value: str = "rank", top: int | None = 20):
    """Heat map of each model's rank (or rating) per segment: where segments disagree."""
    wide = segment_table.pivot_table(index="model", columns=segment_col, values=value)
    order = wide.mean(axis=1).sort_values(ascending=(value == "rank")).index
    if top:
        order = order[:top]
    wide = wide.loc[order]
    ax = _axes(ax, (1.0 + 0.7 * wide.shape[1], 0.3 * wide.shape[0] + 1.5))
    cmap = "viridis_r" if value == "rank" else "viridis"
    im = ax.imshow(wide.to_numpy(dtype=float), aspect="auto", cmap=cmap)
    ax.set_xticks(range(wide.shape[1]), [str(c) for c in wide.columns], rotation=45, ha="right",
                  fontsize=8)
    ax.set_yticks(range(wide.shape[0]), list(wide.index), fontsize=8)
    for (r, c), v in np.ndenumerate(wide.to_numpy(dtype=float)):
        if np.isfinite(v):
            ax.text(c, r, f"{v:.0f}", ha="center", va="center", fontsize=7, color="w")
    ax.figure.colorbar(im, ax=ax, label=value)
    ax.set_xlabel(segment_col)
    return ax
