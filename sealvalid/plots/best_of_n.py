"""Best-of-N private testing figures: the gain against ``N``, and what disclosure rules undo.

Both take labelled :func:`sealvalid.strategies.run_strategy` frames of
:class:`sealvalid.strategies.BestOfN` runs (see :func:`sealvalid.strategies.label_best_of_n`)
or their :func:`sealvalid.strategies.best_of_n_summary`, and return the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sealvalid.strategies.order_stats import (
    SUMMARY_COLUMNS,
    best_of_n_summary,
    predicted_inflation,
)

__all__ = ["plot_gain_vs_n", "plot_disclosure"]


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _summary(frame: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"expected a DataFrame of best-of-N runs or their summary, got "
                         f"{type(frame).__name__}")
    if all(c in frame.columns for c in SUMMARY_COLUMNS):
        return frame
    return best_of_n_summary(frame)


def _line_label(row, vary_votes: bool, vary_spread: bool) -> str:
    parts = [str(row["setting"])]
    if vary_votes:
        parts.append(f"{row['votes_per_variant']:,} votes/variant")
    if vary_spread:
        parts.append(f"spread {row['spread']:g}")
    return ", ".join(parts)


def plot_gain_vs_n(frame: pd.DataFrame, *, ax=None, prediction: bool = True):
    """Plot published-score inflation against ``N`` with the order statistic overlaid.

    One line per setting (and per votes-per-variant and spread, where these vary): the mean
    ``score_shift`` of the family's best-placed variant with ±2 Monte Carlo standard errors;
    dashed in the same colour, the prediction ``E[max of N normals] · σ`` (with the
    winner's-curse and fresh-vote factors of
    :func:`sealvalid.strategies.predicted_inflation`), over every integer ``N`` of the range
    when the fresh votes do not vary with ``N``, else at the measured ``N``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Labelled best-of-N run frames (concatenated) or their summary.
    ax : matplotlib.axes.Axes, optional
    prediction : bool
        Overlay the prediction (where ``σ`` is known).

    Returns
    -------
    matplotlib.axes.Axes
        Data lines carry ``gid="gain:<label>"``, predictions ``gid="prediction:<label>"``.
    """
    s = _summary(frame)
    ax = _axes(ax, (7, 4.5))
    groups = ["setting", "votes_per_variant", "spread"]
    vary_votes = s["votes_per_variant"].nunique() > 1
    vary_spread = s["spread"].nunique() > 1
    drew_prediction = False
    for k, (_, g) in enumerate(s.groupby(groups, sort=False)):
        g = g.sort_values("n_variants")
        label = _line_label(g.iloc[0], vary_votes, vary_spread)
        colour = f"C{k % 10}"
        n = g["n_variants"].to_numpy()
        cont = ax.errorbar(n, g["gain"], yerr=2 * g["gain_se"].fillna(0.0), fmt="o-",
                           color=colour, capsize=3, ms=5, lw=1.5, label=label)
        cont.lines[0].set_gid(f"gain:{label}")
        if not prediction or not np.isfinite(g["noise_sd"]).all():
            continue
        row = g.iloc[0]
        if g["fresh_votes"].nunique() == 1:
            nn = np.arange(int(n.min()), int(n.max()) + 1)
            yy = predicted_inflation(nn, float(row["noise_sd"]), spread=float(row["spread"]),
                                     votes_per_variant=int(row["votes_per_variant"]),
                                     fresh_votes=float(row["fresh_votes"]))
        else:
            nn, yy = n, g["predicted_gain"].to_numpy()
        ax.plot(nn, yy, "--", color=colour, lw=1.2, alpha=0.9, gid=f"prediction:{label}")
        drew_prediction = True
    if drew_prediction:
        ax.plot([], [], "--", color="0.3", label="order-statistic prediction")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xscale("log")
    ticks = sorted(s["n_variants"].unique())
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("private variants tested, N")
    ax.set_ylabel("published score − true rating (Arena points)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_disclosure(frame: pd.DataFrame, *, n_variants: int | None = None,
                    votes_per_variant: int | None = None, spread: float | None = None,
                    ax=None):
    """Plot the inflation left under each disclosure setting at one ``N``.

    Settings such as: at disclosure, after fresh votes, under provisional scores, with every
    variant disclosed.

    Bars: mean ``score_shift`` of the family's best-placed variant, ±2 Monte Carlo standard
    errors. Dashed black segments: the order-statistic prediction. Open diamonds (where more
    than one variant is on the board): the mean shift of all the family's variants. The fresh
    votes a setting waits for before its score is final (its delay) are written above the
    bars.

    Parameters
    ----------
    frame : pandas.DataFrame
        Labelled best-of-N run frames (concatenated) or their summary.
    n_variants : int, optional
        ``N`` to show; default: the largest ``N`` that every setting has (else the largest).
    votes_per_variant : int, optional
        Needed when the runs at ``N`` differ in votes per variant.
    spread : float, optional
        Needed when the runs at ``N`` differ in spread.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The bars carry ``gid="gain:<setting>"``, the prediction segments
        ``gid="prediction"``, the family means ``gid="family"``.

    Raises
    ------
    ValueError
        If ``N`` is absent, or the runs at ``N`` are not one votes-per-variant and spread.
    """
    s = _summary(frame)
    if n_variants is None:
        per = s.groupby("setting")["n_variants"].apply(set)
        common = set.intersection(*per) if len(per) else set()
        n_variants = int(max(common or s["n_variants"]))
    g = s[s["n_variants"] == n_variants]
    if g.empty:
        raise ValueError(f"plot_disclosure: no runs with n_variants={n_variants}; present: "
                         f"{sorted(s['n_variants'].unique())}")
    for col, val in (("votes_per_variant", votes_per_variant), ("spread", spread)):
        if val is not None:
            g = g[g[col] == val]
        elif g[col].nunique() > 1:
            raise ValueError(f"plot_disclosure: runs at N={n_variants} differ in {col} "
                             f"({sorted(g[col].unique())}); pass {col}=")
    if g.empty:
        raise ValueError(f"plot_disclosure: no runs at N={n_variants} with "
                         f"votes_per_variant={votes_per_variant}, spread={spread}")
    g = g.reset_index(drop=True)
    ax = _axes(ax, (7, 4.5))
    x = np.arange(len(g))
    top = np.fmax(g["gain"] + 2 * g["gain_se"].fillna(0.0), g["predicted_gain"]).fillna(0.0)
    for i, row in g.iterrows():
        bars = ax.bar(x[i], row["gain"], yerr=2 * np.nan_to_num(row["gain_se"]), capsize=4,
                      color=f"C{i % 10}", alpha=0.8, width=0.6, ecolor="0.3",
                      label="best-placed variant (±2 se)" if i == 0 else None)
        bars.patches[0].set_gid(f"gain:{row['setting']}")
        if row["fresh_votes"] > 0:
            ax.annotate(f"final after\n+{row['fresh_votes']:,.0f} votes",
                        (x[i], max(top[i], 0.0)), textcoords="offset points", xytext=(0, 4),
                        ha="center", va="bottom", fontsize=7)
    if np.isfinite(g["predicted_gain"]).any():
        ax.hlines(g["predicted_gain"], x - 0.32, x + 0.32, colors="k", linestyles="--",
                  lw=1.5, label="order-statistic prediction", gid="prediction")
    fam = (g["family_gain"] - g["gain"]).abs() > 1e-9
    if fam.any():
        ax.plot(x[fam.to_numpy()], g.loc[fam, "family_gain"], "D", mfc="white", mec="k",
                ms=7, label="mean of all disclosed variants", gid="family")
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.set_xticks(x, list(g["setting"]), rotation=15, ha="right", fontsize=8)
    ax.set_ylabel("published score − true rating (Arena points)")
    row = g.iloc[0]
    ax.set_title(f"N = {n_variants} variants, {row['votes_per_variant']:,} votes each",
                 fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.3 * (hi - lo))  # room for the legend
    ax.legend(fontsize=8, loc="upper center", ncol=3)
    return ax
