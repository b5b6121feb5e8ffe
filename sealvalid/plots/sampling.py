"""Sampling asymmetry and segment figures: who gets the battles, who votes, and what it does.

Figures of :mod:`sealvalid.strategies.sampling` (battle shares, error by group), of
:mod:`sealvalid.defenses.stratified` (the shift of a crowd-tuned model per voter base) and of
segment boards against their known truths (notebook 04).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plot_battle_shares", "plot_error_by_group", "plot_tuned_shift",
           "plot_segment_recovery", "plot_segment_differences"]

_GROUPS = ("favoured", "deprecated", "other")


def _arms(table: pd.DataFrame) -> list:
    return list(dict.fromkeys(table["arm"])) if "arm" in table.columns else [None]


def _group(table: pd.DataFrame) -> np.ndarray:
    return np.where(table["favoured"], "favoured",
                    np.where(table["deprecated"], "deprecated", "other"))


def plot_battle_shares(table: pd.DataFrame, *, by: str = "provider", ax=None):
    """Bar chart of battle-data shares per provider (or model), one bar group per arm.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`sealvalid.strategies.sampling.sampling_table` output, optionally several
        concatenated with an ``arm`` column (e.g. ``"fair"``, ``"rigged"``).
    by : {"provider", "model"}
        Sum shares per provider or show each model.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Mean share over replicates (in %), with a dashed line at the equal share.
    """
    import matplotlib.pyplot as plt

    if by not in ("provider", "model"):
        raise ValueError(f"by must be 'provider' or 'model', got {by!r}")
    arms = _arms(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
    keys = sorted(table[by].unique())
    width = 0.8 / len(arms)
    for n, arm in enumerate(arms):
        part = table if arm is None else table[table["arm"] == arm]
        share = (part.groupby(["replicate", by])["battle_share"].sum()
                 .groupby(by).mean().reindex(keys).fillna(0.0))
        ax.bar(np.arange(len(keys)) + (n - (len(arms) - 1) / 2) * width, 100 * share.to_numpy(),
               width=width, label=arm)
    ax.axhline(100.0 / len(keys), color="0.4", ls="--", lw=1, label="equal share")
    ax.set_xticks(range(len(keys)), keys, rotation=45 if by == "model" else 0,
                  ha="right" if by == "model" else "center", fontsize=8)
    ax.set_ylabel("share of battle data (%)")
    ax.set_title(f"Battle data per {by}")
    ax.legend(fontsize=8)
    return ax


def plot_error_by_group(table: pd.DataFrame, *, value: str = "abs_error", ax=None):
    """Mean rating error (or interval width) of favoured, deprecated and other models, per arm.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`sealvalid.strategies.sampling.sampling_table` output (optionally with ``arm``).
    value : {"abs_error", "ci_width"}
        ``|score_shift|`` (Arena points) or the 95 % interval width.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Bars: the mean over replicates of each group's mean; error bars: ±2 standard errors
        over replicates.
    """
    import matplotlib.pyplot as plt

    if value not in ("abs_error", "ci_width"):
        raise ValueError(f"value must be 'abs_error' or 'ci_width', got {value!r}")
    arms = _arms(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    width = 0.8 / len(arms)
    for n, arm in enumerate(arms):
        part = table if arm is None else table[table["arm"] == arm]
        v = part["score_shift"].abs() if value == "abs_error" else part["ci_width"]
        frame = pd.DataFrame({"replicate": part["replicate"], "group": _group(part),
                              "v": v.to_numpy(float)})
        per = frame.groupby(["group", "replicate"])["v"].mean()
        mean = per.groupby("group").mean().reindex(_GROUPS)
        se = (per.groupby("group").std(ddof=1) / np.sqrt(per.groupby("group").size())
              ).reindex(_GROUPS)
        ax.bar(np.arange(len(_GROUPS)) + (n - (len(arms) - 1) / 2) * width, mean.to_numpy(),
               yerr=2 * se.fillna(0.0).to_numpy(), width=width, capsize=3, label=arm)
    ax.set_xticks(range(len(_GROUPS)), _GROUPS)
    ax.set_ylabel("mean |board − truth| (points)" if value == "abs_error"
                  else "95% interval width (points)")
    ax.set_title("Rating error by group" if value == "abs_error" else "Interval width by group")
    if arms != [None]:
        ax.legend(fontsize=8)
    return ax


def plot_tuned_shift(shifts: pd.DataFrame, *, ax=None):
    """Shift of a model against the real-world truth, per voter base.

    Parameters
    ----------
    shifts : pandas.DataFrame
        Columns ``arm`` (voter base) and ``shift`` (board minus real-world truth, centred,
        Arena points), one row per replicate and arm.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One strip of replicate shifts and its mean per arm; zero marked.
    """
    import matplotlib.pyplot as plt

    missing = {"arm", "shift"} - set(shifts.columns)
    if missing:
        raise ValueError(f"shifts needs columns 'arm' and 'shift'; missing {sorted(missing)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    arms = list(dict.fromkeys(shifts["arm"]))
    for n, arm in enumerate(arms):
        v = shifts.loc[shifts["arm"] == arm, "shift"].to_numpy(float)
        ax.scatter(np.full(len(v), n), v, s=12, alpha=0.5)
        ax.hlines(v.mean(), n - 0.25, n + 0.25, color="k")
    ax.axhline(0.0, color="0.5", ls="--", lw=1)
    ax.set_xticks(range(len(arms)), arms)
    ax.set_ylabel("board − real-world truth (points)")
    ax.set_title("Overrating of a crowd-tuned model")
    return ax


def plot_segment_recovery(recovery: pd.DataFrame, *, segment_col: str, ax=None):
    """Segment board ratings against the segment truths, one colour per segment.

    Parameters
    ----------
    recovery : pandas.DataFrame
        Columns ``segment_col``, ``rating``, ``lower``, ``upper`` (a segment board's table) and
        ``true_rating`` (the segment truth), both re-centred per segment.
    segment_col : str
        The segment column.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Points with 95 % intervals; the identity line is perfect recovery.
    """
    import matplotlib.pyplot as plt

    missing = {segment_col, "rating", "lower", "upper", "true_rating"} - set(recovery.columns)
    if missing:
        raise ValueError(f"recovery is missing columns {sorted(missing)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5), layout="constrained")
    for seg, part in recovery.groupby(segment_col, sort=True):
        ax.errorbar(part["true_rating"], part["rating"],
                    yerr=[part["rating"] - part["lower"], part["upper"] - part["rating"]],
                    fmt="o", ms=3, lw=0.8, capsize=0, label=str(seg))
    lo = float(min(recovery["true_rating"].min(), recovery["lower"].min()))
    hi = float(max(recovery["true_rating"].max(), recovery["upper"].max()))
    ax.plot([lo, hi], [lo, hi], color="0.5", ls="--", lw=1)
    ax.set_xlabel("segment truth (points, centred)")
    ax.set_ylabel("segment board (points, centred)")
    ax.set_title(f"Segment boards vs truth, by {segment_col}")
    ax.legend(fontsize=7, ncol=2)
    return ax


def plot_segment_differences(comparisons: pd.DataFrame, *, model: str, ax=None):
    """Forest plot of one model's rating differences between segment pairs.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        :func:`sealvalid.rating.compare_segments` output, optionally with a ``true_diff``
        column (the difference of the segment truths), drawn as a cross.
    model : str
        The model shown.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One row per segment pair: the difference and its interval.
    """
    import matplotlib.pyplot as plt

    part = comparisons[comparisons["model"] == model]
    if part.empty:
        raise ValueError(f"model {model!r} is not in the comparisons")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.3 * len(part) + 1.5), layout="constrained")
    y = np.arange(len(part))
    ax.errorbar(part["diff"], y, xerr=[part["diff"] - part["lower"],
                                       part["upper"] - part["diff"]],
                fmt="o", ms=4, capsize=2, label="board difference (95% interval)")
    if "true_diff" in part.columns:
        ax.scatter(part["true_diff"], y, marker="x", color="k", zorder=3,
                   label="true difference")
    ax.axvline(0.0, color="0.5", ls="--", lw=1)
    ax.set_yticks(y, [f"{a} − {b}" for a, b in zip(part["segment_1"], part["segment_2"],
                                                    strict=True)], fontsize=8)
    ax.set_xlabel("rating difference between segments (points)")
    ax.set_title(f"{model}: segment differences")
    ax.legend(fontsize=7)
    return ax
