"""Vote-rigging figures: rank gained against rigged votes, and the anomalous-voter ROC."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plot_rigging_curve", "plot_detection_roc"]

_METRICS = {"rank_gain": "places gained by the target", "score_gain": "rating gained (points)"}
_X = {"budget": "attacker budget", "attack_votes": "rigged votes cast",
      "battles_served": "battles served to the attacker"}


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_rigging_curve(curve: pd.DataFrame, *, metric: str = "rank_gain", x: str = "budget",
                       ax=None, label: str | None = None):
    """Mean gain of the target against the attacker's effort, one line per mode and accuracy.

    Parameters
    ----------
    curve : pandas.DataFrame
        :func:`sealvalid.strategies.rigging_curve` output (or several concatenated, with a
        ``defense`` column to tell them apart).
    metric : {"rank_gain", "score_gain"}
        Places gained (default) or rating points gained, against the same replicate unrigged.
    x : {"budget", "attack_votes", "battles_served"}
        The effort on the x axis: the budget (in the strategy's unit), the rigged votes
        actually cast, or the battles the attacker was served (means per budget).
    ax : matplotlib.axes.Axes, optional
    label : str, optional
        Prefix of the legend entries.

    Returns
    -------
    matplotlib.axes.Axes
        Solid lines: omnipresent; dashed: target-only; colour by de-anonymiser accuracy; bars:
        ±2 Monte Carlo standard errors of the mean gain.
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {list(_METRICS)}, got {metric!r}")
    if x not in _X:
        raise ValueError(f"x must be one of {list(_X)}, got {x!r}")
    ax = _axes(ax, (7, 4.5))
    keys = ["mode", "accuracy"] + (["defense"] if "defense" in curve else [])
    accs = sorted(curve["accuracy"].unique(), reverse=True)
    colours = {a: f"C{i}" for i, a in enumerate(accs)}
    for key, part in curve.groupby(keys, sort=False):
        mode, acc = key[0], key[1]
        g = part.groupby("budget")
        mean = g[metric].mean()
        se = g[metric].std(ddof=1).fillna(0.0) / np.sqrt(g[metric].count())
        xs = mean.index.to_numpy(float) if x == "budget" else g[x].mean().to_numpy(float)
        name = f"{mode}, accuracy {acc:g}" + (f", {key[2]}" if len(key) > 2 else "")
        ax.errorbar(xs, mean.to_numpy(), yerr=2 * se.to_numpy(), marker="o", ms=4, capsize=2,
                    color=colours[acc], ls="-" if mode == "omnipresent" else "--",
                    label=f"{label}: {name}" if label else name)
    ax.axhline(0.0, color="0.6", lw=0.8)
    if metric == "rank_gain":
        ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel(_X[x])
    ax.set_ylabel(_METRICS[metric])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_detection_roc(roc: pd.DataFrame, *, ax=None, label: str | None = None,
                       mark: float | None = 0.01):
    """ROC of the anomalous-voter test: attacker accounts caught against honest voters flagged.

    Parameters
    ----------
    roc : pandas.DataFrame
        :func:`sealvalid.defenses.detection_roc` output.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (several ROCs can share them).
    label : str, optional
        Legend entry.
    mark : float, optional
        Mark the operating point at this ``alpha`` (default 0.01; ``None``: no mark).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (5, 5))
    r = roc.sort_values(["fpr", "tpr"])
    line = ax.plot(r["fpr"], r["tpr"], drawstyle="steps-post", label=label)[0]
    if mark is not None:
        below = roc[roc["alpha"] <= mark]
        if len(below):
            pt = below.iloc[-1]
            ax.plot([pt["fpr"]], [pt["tpr"]], "o", color=line.get_color())
    ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("honest voters flagged (false-positive rate)")
    ax.set_ylabel("attacker accounts flagged (true-positive rate)")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.grid(alpha=0.3)
    if label:
        ax.legend(fontsize=8, loc="lower right")
    return ax
