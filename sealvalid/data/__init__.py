"""Canonical vote table, validation, and loaders for real formats."""

from sealvalid.data.schema import (
    OPTIONAL_COLUMNS,
    POSITION_LABELS,
    RATER_TYPES,
    REQUIRED_COLUMNS,
    STYLE_COLUMNS,
    STYLE_FEATURES,
    WINNER_LABELS,
    VoteTableError,
    make_votes,
    model_index,
    validate_votes,
)

__all__ = [
    "OPTIONAL_COLUMNS",
    "POSITION_LABELS",
    "RATER_TYPES",
    "REQUIRED_COLUMNS",
    "STYLE_COLUMNS",
    "STYLE_FEATURES",
    "WINNER_LABELS",
    "VoteTableError",
    "make_votes",
    "model_index",
    "validate_votes",
]

from sealvalid.data.aliases import AliasRegistry, normalize_name  # noqa: E402
from sealvalid.data.boards import (  # noqa: E402
    BOARD_COLUMNS,
    BOARD_FORMATS,
    METRICS,
    board_wide,
    read_leaderboard,
    validate_board_table,
)
from sealvalid.data.loaders import VOTE_FORMATS, read_votes, sniff_vote_format  # noqa: E402

__all__ += [
    "AliasRegistry",
    "BOARD_COLUMNS",
    "BOARD_FORMATS",
    "METRICS",
    "VOTE_FORMATS",
    "board_wide",
    "normalize_name",
    "read_leaderboard",
    "read_votes",
    "sniff_vote_format",
    "validate_board_table",
]
