"""Teaching-to-the-test figures: the Goodhart gap against effort, and the data-loop curve."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plot_goodhart_gap", "plot_data_loop"]


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _summary(frame: pd.DataFrame, x: str, y: str, by: str | None) -> pd.DataFrame:
    """Mean and standard error of ``y`` per ``x`` (and ``by``) over the gamed rows."""
    missing = [c for c in (x, y, by) if c is not None and c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks columns {missing}; it has {list(frame.columns)[:20]}")
    rows = frame[frame["gamed"]] if "gamed" in frame.columns else frame
    keys = [by, x] if by is not None else [x]
    g = rows.groupby(keys, sort=True)[y]
    out = pd.DataFrame({"mean": g.mean(), "se": g.std(ddof=1) / np.sqrt(g.count())})
    return out.fillna({"se": 0.0}).reset_index()


def _curves(ax, s: pd.DataFrame, x: str, by: str | None, label: str, style: str = "-o"):
    groups = s.groupby(by, sort=False) if by is not None else [(label, s)]
    for k, (name, part) in enumerate(groups):
        lab = f"{label}: {name}" if by is not None and label else str(name)
        line, = ax.plot(part[x], part["mean"], style, ms=4, label=lab, color=f"C{k}")
        ax.fill_between(part[x], part["mean"] - 2 * part["se"], part["mean"] + 2 * part["se"],
                        color=line.get_color(), alpha=0.15, lw=0)


def plot_goodhart_gap(frame: pd.DataFrame, *, x: str = "effort", by: str | None = "defense",
                      real_gain: bool = True, ax=None):
    """Plot the Goodhart gap (board gain minus real-world gain) of the gamed model vs effort.

    Parameters
    ----------
    frame : pandas.DataFrame
        Stacked :func:`sealvalid.strategies.run_strategy` frames of
        :class:`sealvalid.strategies.TeachingToTheTest`, with a column ``x`` (the effort of
        each run) and, if ``by`` is given, a column naming the safeguards (or any grouping).
        Only ``gamed`` rows are used.
    x : str
        Column on the horizontal axis (default ``"effort"``).
    by : str, optional
        Column whose values get one curve each (default ``"defense"``).
    real_gain : bool
        Also draw the mean real-world gain (dashed, black; it does not depend on the
        safeguards).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Mean Goodhart gap per ``x`` with a band of ±2 standard errors over replicates.
    """
    s = _summary(frame, x, "goodhart_gap", by)
    ax = _axes(ax, (6.5, 4))
    _curves(ax, s, x, by, "")
    if real_gain:
        r = _summary(frame, x, "real_gain", None)
        ax.plot(r[x], r["mean"], "--", color="k", lw=1, label="real-world gain")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(f"{x} (Arena points)" if x == "effort" else x)
    ax.set_ylabel("Goodhart gap (Arena points)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_data_loop(frame: pd.DataFrame, *, x: str = "rounds", y: str = "board_gain",
                   by: str | None = "defense", ax=None):
    """Plot the data-access loop: board gain of the gamed model against release periods.

    Parameters
    ----------
    frame : pandas.DataFrame
        Stacked :func:`sealvalid.strategies.run_strategy` frames of
        :class:`sealvalid.strategies.TeachingToTheTest` run with different ``rounds`` (the
        extra column of that name), grouped by ``by``. Only ``gamed`` rows are used.
    x : str
        Horizontal axis: ``"rounds"`` (default) or ``"data_battles"``.
    y : str
        Quantity: ``"board_gain"`` (default), ``"goodhart_gap"``, ``"memorised_gain"`` or
        ``"seen_share"``.
    by : str, optional
        Column whose values get one curve each (default ``"defense"``).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Mean ``y`` per ``x`` with a band of ±2 standard errors over replicates.
    """
    s = _summary(frame, x, y, by)
    ax = _axes(ax, (6.5, 4))
    _curves(ax, s, x, by, "")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel({"rounds": "data periods before release",
                   "data_battles": "arena battles of data at release"}.get(x, x))
    unit = "" if y == "seen_share" else " (Arena points)"
    ax.set_ylabel(y.replace("_", " ") + unit)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
