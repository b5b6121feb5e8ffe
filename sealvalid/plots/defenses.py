"""Attack × defense heat map."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plot_attack_defense"]


def plot_attack_defense(table: pd.DataFrame, *, value: str = "removed", ax=None):
    """Heat map of what each defense takes back from each attack.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`sealvalid.defenses.defense_table` output.
    value : str
        ``"removed"`` (share of the undefended shift taken back, in %; default), ``"shift"``,
        ``"tau_loss"`` or ``"honest_dropped_share"``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Rows: attacks; columns: defenses (``none`` first). Cells are annotated with the value
        (and, for ``removed``, the interval); grey cells are pairs not evaluated (a defense of
        another setting); with ``removed`` the ``none`` column shows the undefended shift.
    """
    import matplotlib.pyplot as plt

    allowed = ("removed", "shift", "tau_loss", "honest_dropped_share")
    if value not in allowed:
        raise ValueError(f"value must be one of {list(allowed)}, got {value!r}")
    attacks = list(dict.fromkeys(table["attack"]))
    defenses = list(dict.fromkeys(table["defense"]))
    if "none" in defenses:
        defenses.remove("none")
        defenses.insert(0, "none")
    grid = table.pivot(index="attack", columns="defense", values=value).reindex(
        index=attacks, columns=defenses)
    data = grid.to_numpy(float)
    scale = 100.0 if value in ("removed", "honest_dropped_share") else 1.0
    shown = data * scale
    if ax is None:
        _, ax = plt.subplots(figsize=(1.3 * len(defenses) + 3, 0.6 * len(attacks) + 1.8),
                             layout="constrained")
    masked = np.ma.masked_invalid(shown)
    if value == "removed" and "none" in defenses:
        masked[:, defenses.index("none")] = np.ma.masked  # the undefended shift, shown in text
    cmap = plt.get_cmap("RdYlGn" if value == "removed" else "viridis").with_extremes(bad="0.88")
    if value == "removed":
        from matplotlib.colors import TwoSlopeNorm

        # 0 (nothing taken back) is the neutral colour; red: the defense makes it worse
        im = ax.imshow(masked, cmap=cmap, norm=TwoSlopeNorm(vmin=-50, vcenter=0, vmax=100),
                       aspect="auto")
        label = "share of the shift taken back (%)"
    else:
        im = ax.imshow(masked, cmap=cmap, aspect="auto")
        label = {"shift": "remaining shift (attack's metric)",
                 "tau_loss": "honest ranking accuracy lost (Kendall tau)",
                 "honest_dropped_share": "honest votes dropped (%)"}[value]
    lo = hi = None
    if value == "removed":
        lo = table.pivot(index="attack", columns="defense", values="removed_lower").reindex(
            index=attacks, columns=defenses).to_numpy(float) * 100
        hi = table.pivot(index="attack", columns="defense", values="removed_upper").reindex(
            index=attacks, columns=defenses).to_numpy(float) * 100
    base = None
    if value == "removed" and "none" in defenses:
        # the undefended column holds the shift itself, not a share: grey, annotated
        base = table.pivot(index="attack", columns="defense", values="shift").reindex(
            index=attacks)["none"].to_numpy(float)
    for r in range(len(attacks)):
        for c in range(len(defenses)):
            if base is not None and c == 0:
                b = base[r]
                ax.text(c, r, "n/a" if not np.isfinite(b) else f"shift\n{b:.3g}",
                        ha="center", va="center", fontsize=7, color="0.2")
                continue
            v = shown[r, c]
            if not np.isfinite(v):
                ax.text(c, r, "n/a", ha="center", va="center", fontsize=7, color="0.45")
                continue
            text = f"{v:.0f}" if abs(v) >= 10 else f"{v:.2g}"
            if lo is not None and np.isfinite(lo[r, c]) and defenses[c] != "none":
                text += f"\n[{lo[r, c]:.0f}, {hi[r, c]:.0f}]"
            ax.text(c, r, text, ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(defenses)), defenses, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(attacks)), attacks, fontsize=8)
    ax.figure.colorbar(im, ax=ax, label=label, shrink=0.8)
    ax.set_title("Attack × defense: " + label)
    return ax
