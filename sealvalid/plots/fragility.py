"""Fragility figures.

Votes that flip each pair, pair confidence, rank intervals, worst case against random drops, and
votes needed. One function per figure; each takes an optional ``ax`` and returns the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plot_fragility", "plot_pair_confidence", "plot_rank_intervals", "plot_drop_curve",
           "plot_power"]

_RED, _ORANGE, _GREEN, _BLUE, _GREY = "#c0392b", "#e67e22", "#27ae60", "#2c6fbb", "0.55"


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _short(name: str, width: int = 28) -> str:
    name = str(name)
    return name if len(name) <= width else name[: width - 1] + "…"


def _legend_below(ax, handles, ncols: int = 2) -> None:
    """Legend under the plot when the figure uses constrained layout, else inside."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = ax.figure
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine) and len(fig.axes) == 1:
        fig.legend(handles=handles, loc="outside lower center", ncols=ncols, fontsize=7.5,
                   frameon=False)
    else:
        ax.legend(handles=handles, loc="best", fontsize=7.5, framealpha=0.9)


def _pair_labels(p: pd.DataFrame) -> list[str]:
    return [f"#{int(r)} {_short(a)} › {_short(b)}" for r, a, b in
            zip(p["rank"], p["model_above"], p["model_below"], strict=True)]


def _adjacent(pairs: pd.DataFrame, top: int | None) -> pd.DataFrame:
    p = pairs[pairs["kind"] == "adjacent"] if "kind" in pairs.columns else pairs
    p = p.sort_values("rank", kind="stable")
    return p.head(top) if top else p


def plot_fragility(pairs: pd.DataFrame, *, ax=None, top: int | None = 30,
                   n_votes: float | None = None, budget: float | None = None):
    """Votes that flip each adjacent pair: worst-case drop-k and add-k (log scale).

    Parameters
    ----------
    pairs : pandas.DataFrame
        A fragility table (:data:`sealvalid.audit.FRAGILITY_COLUMNS`: ``drop_k``, ``add_k``) or a
        table audit's pairs (``drop_k_approx``, ``add_k_approx``); both kinds of column are drawn
        when present.
    top : int, optional
        Only the best ``top`` pairs.
    n_votes : float, optional
        Votes on the board: draws the 1% line.
    budget : float, optional
        Drop-k search budget: pairs not flipped within it are drawn at the budget with an arrow.
    """
    p = _adjacent(pairs, top)
    ax = _axes(ax, (7.5, 0.26 * len(p) + 1.4))
    y = np.arange(len(p))[::-1]
    handles = []
    if "drop_k" in p.columns:
        dk = p["drop_k"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        colors = [_RED if k <= 10 else (_ORANGE if k <= 100 else _GREEN) if np.isfinite(k)
                  else _GREY for k in dk]
        ax.hlines(y, 0.8, np.where(np.isfinite(dk), dk, np.nan), color="0.88", lw=3, zorder=1)
        ax.scatter(dk, y + 0.14, c=colors, s=34, zorder=3)
        from matplotlib.lines import Line2D

        for col, lab in ((_RED, "drop-k ≤ 10"), (_ORANGE, "drop-k ≤ 100"),
                         (_GREEN, "drop-k > 100")):
            handles.append(Line2D([], [], ls="", marker="o", color=col,
                                  label=f"{lab} (verified by refit)"))
        if budget is not None:
            miss = ~np.isfinite(dk)
            if miss.any():
                h = ax.scatter(np.full(miss.sum(), budget), y[miss] + 0.14, marker=">",
                               color=_GREY,
                               s=36, zorder=3, label=f"no flip within {budget:,.0f} votes")
                handles.append(h)
    if "add_k" in p.columns:
        ak = p["add_k"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        h = ax.scatter(ak, y - 0.16, marker="s", facecolors="none", edgecolors="k", s=26,
                       zorder=4, label="add-k (rigging distance, verified)")
        handles.append(h)
    if "drop_k_approx" in p.columns:
        ka = p["drop_k_approx"].to_numpy(dtype=float)
        h = ax.scatter(ka, y + 0.14, marker="D", color=_BLUE, s=22, zorder=3,
                       label="drop-k, approximated from the table")
        handles.append(h)
    if "add_k_approx" in p.columns:
        h = ax.scatter(p["add_k_approx"].to_numpy(dtype=float), y - 0.16, marker="s",
                       facecolors="none", edgecolors="k", s=26, zorder=4,
                       label="add-k, approximated from the table")
        handles.append(h)
    if n_votes:
        ax.axvline(0.01 * n_votes, color=_GREY, ls="--", lw=1)
        ax.text(0.01 * n_votes, len(p) - 0.4, " 1% of votes", fontsize=7, color="0.35",
                va="bottom")
    ax.set_xscale("log")
    ax.set_xlim(left=0.7)
    ax.set_yticks(y, _pair_labels(p), fontsize=7.5)
    ax.set_ylim(-0.7, len(p) - 0.3 + (0.6 if n_votes else 0))
    ax.set_xlabel("votes that flip the pair (log scale; fewer = more fragile)")
    ax.grid(axis="x", which="both", alpha=0.25)
    _legend_below(ax, handles)
    return ax


def plot_pair_confidence(pairs: pd.DataFrame, *, ax=None, top: int | None = 30):
    """Probability that each adjacent pair is correctly ordered, with the rating gap."""
    p = _adjacent(pairs, top)
    ax = _axes(ax, (7.5, 0.26 * len(p) + 1.4))
    y = np.arange(len(p))[::-1]
    pc = p["p_correct_order"].to_numpy(dtype=float)
    colors = [_GREEN if v >= 0.95 else (_ORANGE if v >= 0.8 else _RED) for v in pc]
    ax.barh(y, pc - 0.5, left=0.5, color=colors, height=0.7)
    for yy, g, s in zip(y, p["gap"], p["se_gap"], strict=True):
        ax.text(1.006, yy, f"{g:+.1f} ± {1.96 * s:.1f}", va="center", fontsize=6.5,
                color="0.25")
    ax.axvline(0.95, color="k", ls="--", lw=1)
    ax.text(0.95, len(p) - 0.4, " 0.95", fontsize=7, va="bottom")
    ax.set_xlim(0.5, 1.13)
    ax.set_xticks([0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    ax.set_ylim(-0.7, len(p) + 0.3)
    ax.set_yticks(y, _pair_labels(p), fontsize=7.5)
    ax.set_xlabel("P(pair correctly ordered)   [label: rating gap ± 95% half-width, points]")
    ax.grid(axis="x", alpha=0.25)
    return ax


def plot_rank_intervals(models: pd.DataFrame, *, ax=None, top: int | None = 30):
    """Plot each model's plausible ranks, with the rank as a dot.

    The interval rule is drawn thin and, when present, the simulated 95% range thick.

    Parameters
    ----------
    models : pandas.DataFrame
        A board table (``model, rank, rank_lower, rank_upper``) or a table audit's models
        (``rank, rank_upper, rank_sim_lower, rank_sim_upper``); sorted best first.
    """
    t = models.sort_values(["rank", "rating"] if "rating" in models.columns else ["rank"],
                           ascending=[True, False] if "rating" in models.columns else [True],
                           kind="stable")
    t = t.head(top) if top else t
    ax = _axes(ax, (7.5, 0.24 * len(t) + 1.4))
    y = np.arange(len(t))[::-1]
    lo = t["rank_lower"] if "rank_lower" in t.columns else t["rank"]
    ax.hlines(y, lo, t["rank_upper"], color=_GREY, lw=1.5, label="interval rule (LMArena)")
    if "rank_sim_lower" in t.columns:
        ax.hlines(y, t["rank_sim_lower"], t["rank_sim_upper"], color=_BLUE, lw=4, alpha=0.55,
                  label="95% range, simulated")
    ax.plot(t["rank"], y, "o", color="k", ms=4, label="rank")
    ax.set_yticks(y, [_short(m, 34) for m in t["model"]], fontsize=7.5)
    ax.set_xlabel("rank (1 = best)")
    ax.grid(axis="x", alpha=0.25)
    ax.legend(loc="upper right", fontsize=7.5, framealpha=0.9)
    return ax


def plot_drop_curve(curve: pd.DataFrame, *, ax=None, label: str | None = None):
    """Rating gap of a pair after dropping ``k`` votes: the worst case against random drops.

    Parameters
    ----------
    curve : pandas.DataFrame
        From :meth:`sealvalid.audit.FragilityAudit.drop_curve` (Arena points).
    label : str, optional
        The pair, for the title.
    """
    ax = _axes(ax, (6.5, 3.6))
    k = curve["k"].to_numpy()
    ax.fill_between(k, curve["gap_random_lower"], curve["gap_random_upper"], color=_BLUE,
                    alpha=0.2, lw=0, label="random drops, 95% range")
    ax.plot(k, curve["gap_random_mean"], color=_BLUE, lw=1.5, label="random drops, mean")
    ax.plot(k, curve["gap_worst"], "o-", color=_RED, lw=2, ms=4,
            label="worst case (most influential votes first)")
    ax.axhline(0, color="k", lw=1)
    ax.text(k.max(), 0, "order flips below this line ", ha="right", va="bottom", fontsize=7.5)
    ax.set_xlabel("votes dropped")
    ax.set_ylabel("rating gap (points)")
    if label:
        ax.set_title(label, fontsize=9)
    ax.grid(alpha=0.25)
    ax.legend(fontsize=7.5, loc="lower left")
    return ax


def plot_power(pairs: pd.DataFrame, *, ax=None, top: int | None = 30):
    """Votes each adjacent pair has against the votes it needs to be separated (log scale)."""
    p = _adjacent(pairs, top)
    ax = _axes(ax, (7.5, 0.26 * len(p) + 1.4))
    y = np.arange(len(p))[::-1]
    now = p["n_now"].to_numpy(dtype=float)
    need = p["n_needed"].to_numpy(dtype=float)
    cap = np.nanmax(np.where(np.isfinite(need), need, now)) * 3 if len(p) else 1.0
    need_plot = np.where(np.isfinite(need), need, cap)
    ok = now >= need
    ax.hlines(y, np.minimum(now, need_plot), np.maximum(now, need_plot), color="0.8", lw=2)
    ax.scatter(now, y, color=[_GREEN if o else _ORANGE for o in ok], s=30, zorder=3,
               label="votes now (both models)")
    ax.scatter(need_plot, y, marker="|", color="k", s=80, zorder=3,
               label="votes needed (80% power, α = 0.05)")
    inf = ~np.isfinite(need)
    if inf.any():
        ax.scatter(np.full(inf.sum(), cap), y[inf], marker=">", color="k", s=30, zorder=3,
                   label="tied: no finite number")
    ax.set_xscale("log")
    ax.set_yticks(y, _pair_labels(p), fontsize=7.5)
    ax.set_xlabel("votes (log scale)")
    ax.grid(axis="x", which="both", alpha=0.25)
    ax.legend(loc="best", fontsize=7.5, framealpha=0.9)
    return ax
