"""Figures: one function per figure; each takes an optional ``ax`` and returns the Axes."""

from sealvalid.plots.boards import plot_leaderboard, plot_segment_heatmap, plot_style_effect

__all__ = ["plot_leaderboard", "plot_segment_heatmap", "plot_style_effect"]
