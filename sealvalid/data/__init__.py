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

try:  # loaders are added by their own module; keep the schema importable on its own
    from sealvalid.data.loaders import VOTE_FORMATS, read_votes, sniff_vote_format  # noqa: F401

    __all__ += ["VOTE_FORMATS", "read_votes", "sniff_vote_format"]
except ImportError:  # pragma: no cover
    pass
