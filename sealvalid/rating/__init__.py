"""Rating engine: Bradley–Terry, Elo, intervals, style control, segment boards.

A numpy/scipy core: nothing on this path imports PyMC.
"""

from sealvalid.rating.board import (
    BOARD_COLUMNS,
    COMPAT_MODES,
    INTERVAL_METHODS,
    Leaderboard,
    board_from_fit,
    inverse_pair_weights,
    rank_from_intervals,
    ranks_from_bootstrap,
    rate,
)
from sealvalid.rating.bt import BradleyTerry, DisconnectedGraphError, NotFittedError, parse_anchor
from sealvalid.rating.cells import Cells, aggregate_pairs
from sealvalid.rating.cluster import cluster_covariance
from sealvalid.rating.elo import online_elo, permutation_elo
from sealvalid.rating.segments import SegmentBoards, compare_segments, segment_boards
from sealvalid.rating.style import StyleBT, style_control, style_features

__all__ = [
    "BOARD_COLUMNS",
    "COMPAT_MODES",
    "INTERVAL_METHODS",
    "BradleyTerry",
    "Cells",
    "DisconnectedGraphError",
    "Leaderboard",
    "NotFittedError",
    "SegmentBoards",
    "StyleBT",
    "aggregate_pairs",
    "board_from_fit",
    "cluster_covariance",
    "inverse_pair_weights",
    "compare_segments",
    "online_elo",
    "parse_anchor",
    "permutation_elo",
    "rank_from_intervals",
    "ranks_from_bootstrap",
    "rate",
    "segment_boards",
    "style_control",
    "style_features",
]
