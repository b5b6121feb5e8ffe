"""``sealvalid audit``: fragility audit of a board, as one self-contained HTML report.

``sealvalid audit VOTES_OR_TABLE [--by COL ...] [--seed S] --out DIR`` reads a vote file (any format
of :func:`sealvalid.data.read_votes`) or a published leaderboard table
(:func:`sealvalid.data.boards.read_leaderboard`), audits it and writes ``DIR/report.html`` plus the
tables behind it as CSV (``fragility.csv`` and ``flip_votes.csv`` for votes; ``pairs.csv`` and
``models.csv`` for a table). Argparse only at import; the audit is imported inside the handler.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register", "cmd_audit"]


def register(subparsers) -> None:
    """Add the ``audit`` subcommand."""
    sp = subparsers.add_parser(
        "audit", help="fragility audit of a board (votes or a published table) -> report.html",
        description="How few votes decide the board: worst-case drop-k (verified by refit), "
                    "add-k, random drops, rank intervals, votes needed, segments and style "
                    "control, in one self-contained HTML report.")
    sp.add_argument("input", metavar="VOTES_OR_TABLE",
                    help="vote file (any supported format) or a published leaderboard table")
    sp.add_argument("--format", default=None,
                    help="vote or leaderboard format (default: sniffed; votes tried first)")
    sp.add_argument("--by", action="append", metavar="COL",
                    help="segment boards by column(s); repeatable, comma-separated")
    sp.add_argument("--seed", type=int, default=None,
                    help="random seed (default: fresh entropy, recorded in the report)")
    sp.add_argument("--out", required=True, metavar="DIR", help="output folder")
    sp.add_argument("--title", default=None, help="report title")
    sp.add_argument("--min-votes", type=int, default=300,
                    help="segments with fewer votes are not rated (default 300)")
    sp.add_argument("--random-draws", type=int, default=100,
                    help="random-drop draws per pair (default 100; 0: none)")
    sp.add_argument("--max-share", type=float, default=0.25,
                    help="drop-k search budget as a share of the votes (default 0.25)")
    sp.add_argument("--no-add", action="store_true", help="skip the add-k (rigging) search")
    sp.add_argument("--ties", default="half", choices=["half", "drop"],
                    help="ties: half a win each way (default) or dropped")
    sp.add_argument("--on-invalid", default="raise", choices=["raise", "drop"],
                    help="vote rows that cannot be read: error (default) or drop with a warning")
    sp.add_argument("--top", type=int, default=30, help="pairs/models shown in figures")
    sp.add_argument("--source", default=None, help="table input: source to audit")
    sp.add_argument("--board", default=None, help="table input: board (default 'text')")
    sp.add_argument("--category", default=None, help="table input: category (default overall)")
    sp.add_argument("--date", default=None, help="table input: snapshot date (default latest)")
    sp.set_defaults(func=cmd_audit)


def _kind(path: str, fmt: str | None) -> str:
    """'votes' or 'table' for an input file (a named format decides; otherwise sniffed)."""
    from sealvalid.cli import BadInput
    from sealvalid.data.boards import BOARD_FORMATS, sniff_board_format
    from sealvalid.data.loaders import VOTE_FORMATS, sniff_vote_format
    from sealvalid.data.schema import VoteTableError

    if fmt is not None:
        if fmt in VOTE_FORMATS:
            return "votes"
        if fmt in BOARD_FORMATS:
            return "table"
        raise BadInput(f"--format {fmt!r} unknown; vote formats: {sorted(VOTE_FORMATS)}; "
                       f"leaderboard formats: {sorted(BOARD_FORMATS)}")
    if not Path(path).exists():
        raise FileNotFoundError(f"input file {path} does not exist")
    try:
        sniff_vote_format(path)
        return "votes"
    except VoteTableError as e_votes:
        try:
            sniff_board_format(path)
            return "table"
        except VoteTableError:
            first = str(e_votes).splitlines()[0][:160]
            raise BadInput(f"{path}: neither a vote file nor a leaderboard table ({first})") \
                from None


def cmd_audit(args: argparse.Namespace) -> int:
    """Run the audit and write the report."""
    import sys
    import warnings

    import numpy as np

    from sealvalid.cli import BadInput, parse_by_args

    if args.random_draws < 0 or args.top < 1 or args.min_votes < 1:
        raise BadInput("--random-draws must be >= 0, --top and --min-votes >= 1")
    if not 0 < args.max_share <= 1:
        raise BadInput(f"--max-share must be in (0, 1], got {args.max_share}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {args.out!r} exists and is not a folder")
    by = parse_by_args(args.by)
    seed = args.seed if args.seed is not None else int(
        np.random.SeedSequence().entropy % (2**32))
    kind = _kind(args.input, args.format)
    name = Path(args.input).name
    if kind == "votes":
        from sealvalid.audit.report import audit_votes_report
        from sealvalid.data import read_votes

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            votes = read_votes(args.input, format=args.format, on_invalid=args.on_invalid)
        for w in caught:
            print(f"sealvalid audit: {str(w.message).splitlines()[0]}", file=sys.stderr)
        missing = [c for c in by if c not in votes.columns]
        if missing:
            raise BadInput(f"--by column(s) {missing} not in the vote table; columns: "
                           f"{list(votes.columns)}")
        result = audit_votes_report(
            votes, by=by, rng=seed, title=args.title, source=name, min_votes=args.min_votes,
            n_random=args.random_draws, max_share=args.max_share, add=not args.no_add,
            top=args.top, ties=args.ties)
        files = {"fragility.csv": "fragility", "flip_votes.csv": "flip_votes",
                 "added_votes.csv": "added_votes"}
    else:
        from sealvalid.audit.report import audit_table_report
        from sealvalid.data.boards import read_leaderboard

        table = read_leaderboard(args.input, format=args.format)
        result = audit_table_report(
            table, by=by, rng=seed, title=args.title, source_name=name, source=args.source,
            board=args.board, category=args.category, date=args.date, top=args.top)
        files = {"pairs.csv": "pairs", "models.csv": "models"}
    out.mkdir(parents=True, exist_ok=True)
    path = result.report.write(out / "report.html")
    for fname, key in files.items():
        if key in result.tables:
            result.tables[key].to_csv(out / fname, index=False)
    s = result.summary
    if kind == "votes":
        top = s.get("top_spot_drop_k")
        how = (f"dethroned by dropping {top} vote(s) ({100 * s['top_spot_share']:.3f}%)"
               if top is not None else "not dethroned within the search budget")
        print(f"{s['n_votes']:,} votes, {s['n_models']} models; #1 {s['top_model']} {how}; "
              f"{s['n_adjacent_flip_1pct']}/"
              f"{s['n_adjacent']} adjacent pairs flip with <= 1% of votes; report: {path}")
    else:
        k = s["top_pair_drop_k_approx"]
        print(f"{s['n_models']} models; P(#1 > #2) = {s['top_pair_p_correct']:.2f}, about "
              f"{k if k is not None else 'an unknown number of'} votes flip them; "
              f"{s['n_adjacent'] - s['n_adjacent_p_correct_below_95']}/{s['n_adjacent']} "
              f"adjacent pairs at >= 95% confidence; report: {path}")
    return 0
