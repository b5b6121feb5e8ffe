"""Figures of the Bayesian models.

Validity coefficients, crowd vs quality, predictive checks, agreement, segment deviations. Each
takes an optional ``ax`` and returns the Axes; a table from an accepted unconverged fit
(``status == "NOT CONVERGED"``) is stamped on the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "plot_validity",
    "plot_crowd_vs_quality",
    "plot_ppc",
    "plot_agreement",
    "plot_segment_deviations",
]

_MARK = "NOT CONVERGED"


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _stamp(ax, table: pd.DataFrame) -> None:
    """Write the not-converged mark on the Axes when the table carries it."""
    if "status" in table.columns and (table["status"] == _MARK).any():
        ax.text(0.5, 0.5, _MARK, transform=ax.transAxes, ha="center", va="center",
                fontsize=28, color="red", alpha=0.35, rotation=20, zorder=10)
        ax.set_title(f"[{_MARK}] " + ax.get_title(), color="red")


def plot_validity(table: pd.DataFrame, *, ax=None):
    """Forest plot of the validity coefficient: overall, per segment, style-blind, per measure.

    Parameters
    ----------
    table : pandas.DataFrame
        ``ValidityResult.table``.
    """
    keep = table["quantity"].isin(["validity", "validity_finite", "segment_validity",
                                   "validity_style_blind", "measure_validity"])
    t = table[keep].reset_index(drop=True)
    labels = []
    for _, r in t.iterrows():
        q = r["quantity"]
        if q == "segment_validity":
            labels.append(f"{r['dimension']} = {r['segment']}")
        elif q == "measure_validity":
            labels.append(f"{r['measure']} vs quality")
        else:
            labels.append(q.replace("_", " "))
    ax = _axes(ax, (7, 0.35 * len(t) + 1.5))
    y = np.arange(len(t))[::-1]
    colors = ["C0" if q in ("validity", "validity_finite") else "C1" if q == "segment_validity"
              else "C2" for q in t["quantity"]]
    ax.hlines(y, t["lower"], t["upper"], color=colors, lw=2)
    ax.scatter(t["mean"], y, color=colors, zorder=3)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel("correlation with latent quality (posterior mean, HDI)")
    ax.set_title("Construct validity of crowd votes")
    ax.grid(axis="x", alpha=0.3)
    _stamp(ax, table)
    return ax


def plot_crowd_vs_quality(models: pd.DataFrame, *, ax=None, label_top: int = 10):
    """Crowd rating against latent quality, one point per model with HDIs.

    Parameters
    ----------
    models : pandas.DataFrame
        ``ValidityResult.models``.
    label_top : int
        Name the models with the largest rating-quality disagreement.
    """
    ax = _axes(ax, (6.5, 5))
    m = models
    ax.errorbar(m["quality"], m["crowd_rating"],
                xerr=[m["quality"] - m["quality_lower"], m["quality_upper"] - m["quality"]],
                yerr=[m["crowd_rating"] - m["crowd_lower"], m["crowd_upper"] - m["crowd_rating"]],
                fmt="o", ms=4, color="C0", ecolor="0.7", lw=1)
    if label_top and len(m) > 2:
        zq = (m["quality"] - m["quality"].mean()) / m["quality"].std()
        zc = (m["crowd_rating"] - m["crowd_rating"].mean()) / m["crowd_rating"].std()
        gap = (zc - zq).abs().sort_values(ascending=False)
        for k in gap.index[:label_top]:
            ax.annotate(str(m.loc[k, "model"]), (m.loc[k, "quality"], m.loc[k, "crowd_rating"]),
                        fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("latent quality (independent judgments, sd units)")
    ax.set_ylabel("crowd rating (Arena scale)")
    ax.set_title("Crowd strength vs independent quality")
    ax.grid(alpha=0.3)
    _stamp(ax, m)
    return ax


def plot_ppc(ppc: pd.DataFrame, *, source: str | None = None, statistic: str = "win_share",
             ax=None):
    """Observed statistic per model against its posterior predictive interval.

    Parameters
    ----------
    ppc : pandas.DataFrame
        Posterior predictive checks (``PPC_COLUMNS``).
    source : str, optional
        Measurement to show (default: the first).
    statistic : str
        ``win_share`` (vote sets) or ``score`` (benchmarks).
    """
    src = source or str(ppc["source"].iloc[0])
    t = ppc[(ppc["source"] == src) & (ppc["statistic"] == statistic)].reset_index(drop=True)
    if t.empty:
        t = ppc[ppc["source"] == src].reset_index(drop=True)
    t = t.sort_values("pred_mean").reset_index(drop=True)
    ax = _axes(ax, (7, 0.25 * len(t) + 1.5))
    y = np.arange(len(t))
    ax.hlines(y, t["lower"], t["upper"], color="0.6", lw=3, label="95% predictive interval")
    bad = t["extreme"].to_numpy(bool)
    ax.plot(t["observed"][~bad], y[~bad], "o", color="C0", ms=4, label="observed")
    if bad.any():
        ax.plot(t["observed"][bad], y[bad], "o", color="C3", ms=5, label="observed (p<.01/>.99)")
    ax.set_yticks(y, t["model"], fontsize=7)
    ax.set_xlabel(statistic.replace("_", " "))
    ax.set_title(f"Posterior predictive check: {src}")
    ax.legend(fontsize=7, loc="lower right")
    _stamp(ax, ppc)
    return ax


def plot_agreement(table: pd.DataFrame, *, ties: str = "without", ax=None):
    """Heatmap of pairwise agreement rates (Chatbot Arena paper's table as a figure).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`sealvalid.bayes.agreement.agreement_table`.
    ties : {"with", "without"}
    """
    t = table[table["ties"] == ties]
    groups = sorted(set(t["group_a"]) | set(t["group_b"]))
    mat = np.full((len(groups), len(groups)), np.nan)
    for _, r in t.iterrows():
        a, b = groups.index(r["group_a"]), groups.index(r["group_b"])
        mat[a, b] = mat[b, a] = r["agreement"]
    ax = _axes(ax, (1.1 * len(groups) + 2.5, 1.0 * len(groups) + 1.5))
    im = ax.imshow(mat, vmin=0.3, vmax=1.0, cmap="viridis")
    for a in range(len(groups)):
        for b in range(len(groups)):
            if np.isfinite(mat[a, b]):
                ax.text(b, a, f"{100 * mat[a, b]:.0f}%", ha="center", va="center", fontsize=8,
                        color="w" if mat[a, b] < 0.7 else "k")
    ax.set_xticks(range(len(groups)), groups, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(groups)), groups, fontsize=8)
    ax.set_title(f"Agreement ({ties} ties)")
    ax.figure.colorbar(im, ax=ax, shrink=0.8)
    return ax


def plot_segment_deviations(table: pd.DataFrame, dimension: str, *, ax=None):
    """Heatmap of segment deviations (rating points) from a hierarchical BT table.

    Parameters
    ----------
    table : pandas.DataFrame
        ``HierarchicalBT.result_.table``.
    dimension : str
        One of the ``by`` dimensions.
    """
    t = table[table["dimension"] == dimension]
    if t.empty:
        raise ValueError(f"dimension {dimension!r} not in the table; have "
                         f"{sorted(set(table['dimension']) - {'overall'})}")
    wide = t.pivot(index="model", columns="segment", values="deviation")
    ax = _axes(ax, (0.6 * wide.shape[1] + 3, 0.25 * wide.shape[0] + 1.5))
    lim = float(np.nanmax(np.abs(wide.to_numpy()))) or 1.0
    im = ax.imshow(wide.to_numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(wide.shape[1]), wide.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(wide.shape[0]), wide.index, fontsize=7)
    ax.set_title(f"Segment deviations by {dimension} (rating points)")
    ax.figure.colorbar(im, ax=ax, shrink=0.8)
    _stamp(ax, table)
    return ax
