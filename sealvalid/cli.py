"""Command-line interface: ``sealvalid <command>``.

The contract every command follows:

* inputs accept every vote format of :func:`sealvalid.data.read_votes` (``--format`` where
  sniffing is ambiguous);
* ``--seed S`` on every command that draws randomness;
* ``--by COL`` is repeatable and comma-separated;
* ``--out FILE`` for single-table commands (CSV or Parquet by extension), ``--out DIR`` for
  multi-artefact ones;
* a bad input prints one line naming the problem and exits with code 2 (no traceback;
  ``SEALVALID_DEBUG=1`` shows it).

Imports are lazy so that ``sealvalid rate`` starts fast (no PyMC on the rating path).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main", "build_parser", "write_table", "add_votes_args", "BadInput", "parse_by_args"]

EXIT_BAD_INPUT = 2

#: modules that add subcommands: each has ``register(subparsers)`` (argparse only, imports the
#: heavy code lazily inside its handlers)
COMMAND_MODULES: tuple[str, ...] = (
    "sealvalid.experiments.cli",
    "sealvalid.sim.cli",
    "sealvalid.audit.cli",
    "sealvalid.bayes.cli",
)


class BadInput(Exception):
    """An input problem reported as one line, exit code 2."""


def parse_by_args(values) -> list[str]:
    """Flatten ``--by`` values (repeatable, comma-separated) into one list of column names."""
    return _by(values)


def add_votes_args(sp) -> None:
    """Add the vote-file argument, ``--format`` and ``--on-invalid`` (shared by vote commands)."""
    sp.add_argument("votes", help="vote file (any supported format)")
    sp.add_argument("--format", default=None, help="vote format (default: sniffed)")
    sp.add_argument("--on-invalid", default="raise", choices=["raise", "drop"],
                    help="rows that cannot be mapped: fail (default) or drop with a warning")


def _by(values) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(c.strip() for c in v.split(",") if c.strip())
    return out


def write_table(df, out: str | None) -> None:
    """Write a table to CSV/Parquet by extension, or print it when ``out`` is None."""
    if out is None:
        import pandas as pd

        with pd.option_context("display.max_rows", 200, "display.width", 160,
                               "display.max_columns", 20):
            print(df.to_string(index=False))
        return
    path = Path(out)
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise BadInput(f"--out {out!r}: unknown table extension {path.suffix!r}; allowed: "
                       "'.csv', '.parquet'")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        df.to_csv(path, index=False)
    else:
        df.to_parquet(path, index=False)


def _read(args):
    import warnings

    from sealvalid.data import read_votes

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = read_votes(args.votes, format=args.format, on_invalid=args.on_invalid)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    return votes


def cmd_validate(args) -> int:
    """Read and validate a vote table; print a summary or write the canonical table."""
    votes = _read(args)
    if args.out:
        write_table(votes, args.out)
    models = votes["model_a"].cat.categories
    counts = votes["winner"].value_counts().reindex(["model_a", "model_b", "tie", "tie_bothbad"])
    print(f"{len(votes)} votes, {len(models)} models, format {votes.attrs.get('source_format')}; "
          + ", ".join(f"{k}={int(v)}" for k, v in counts.items()))
    return 0


def cmd_rate(args) -> int:
    """Rate models: Bradley–Terry board with intervals (optionally by segment)."""
    from sealvalid.rating import rate, segment_boards

    votes = _read(args)
    by = _by(args.by)
    bt_params = {"ties": args.ties, "bothbad": args.bothbad}
    if args.position:
        bt_params["position"] = True
    if by and args.cluster:
        raise BadInput("--cluster is not available with --by (segment boards use the "
                       "ordinary sandwich or the bootstrap)")
    if by:
        boards = segment_boards(votes, by, min_votes=args.min_votes,
                                intervals="bootstrap" if args.bootstrap else "sandwich",
                                n_rounds=args.bootstrap or 1000, rng=args.seed,
                                anchor=args.anchor, **bt_params)
        table = boards.table
        suppressed = boards.segments[boards.segments["status"] != "rated"]
        if len(suppressed):
            print(f"{len(suppressed)} segment(s) not rated (min votes {args.min_votes}): "
                  + "; ".join(f"{'/'.join(str(r[c]) for c in by)}: {r['status']}"
                              for _, r in suppressed.head(10).iterrows()), file=sys.stderr)
    else:
        board = rate(votes, bootstrap=args.bootstrap, anchor=args.anchor,
                     style_control=args.style_control, rng=args.seed,
                     min_battles=args.min_battles, alpha=args.alpha, compat=args.compat,
                     bootstrap_method=args.bootstrap_method, cluster=args.cluster,
                     **bt_params)
        table = board.table
        for note in board.config.get("compat_notes", []):
            print(note, file=sys.stderr)
        if board.style is not None and args.out is None:
            print(board.style.to_string(index=False))
    write_table(table, args.out)
    return 0


def cmd_demo(args) -> int:
    """Run the end-to-end demo on built-in defaults."""
    from sealvalid.experiments.demo import run_demo

    out = run_demo(seed=args.seed, out=args.out, fast=args.fast)
    print(f"demo written to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (all subcommands)."""
    p = argparse.ArgumentParser(
        prog="sealvalid",
        description="Benchmark validity for crowd-vote leaderboards.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    votes_args = add_votes_args

    sp = sub.add_parser("validate", help="read and validate a vote table")
    votes_args(sp)
    sp.add_argument("--out", default=None, help="write the canonical table (.csv/.parquet)")
    sp.set_defaults(func=cmd_validate)

    sp = sub.add_parser("rate", help="Bradley–Terry leaderboard with intervals")
    votes_args(sp)
    sp.add_argument("--bootstrap", type=int, default=0, metavar="N",
                    help="bootstrap rounds (default 0: sandwich intervals)")
    sp.add_argument("--bootstrap-method", default="multinomial",
                    choices=["multinomial", "poisson"],
                    help="exact vote bootstrap (default) or the Poisson approximation (faster)")
    sp.add_argument("--style-control", action="store_true", help="control for style features")
    sp.add_argument("--cluster", default=None, metavar="COL",
                    help="voter-clustered sandwich intervals, clusters from column COL "
                         "(e.g. voter_id)")
    sp.add_argument("--by", action="append", metavar="COL",
                    help="segment boards by column(s); repeatable, comma-separated")
    sp.add_argument("--min-votes", type=int, default=300,
                    help="suppress segments with fewer votes (default 300)")
    sp.add_argument("--min-battles", type=int, default=0,
                    help="display cut: hide models with fewer battles (LMArena uses 300)")
    sp.add_argument("--anchor", default=None, metavar="MODEL=RATING",
                    help="pin one model's rating")
    sp.add_argument("--ties", default="half", help="half | drop | davidson | rao_kupper")
    sp.add_argument("--bothbad", default="tie", help="tie | drop")
    sp.add_argument("--position", action="store_true",
                    help="first-position advantage term (needs a 'position' column)")
    sp.add_argument("--alpha", type=float, default=0.05, help="1 - coverage (default 0.05)")
    sp.add_argument("--compat", default=None, choices=["lmarena", "arena_rank"],
                    help="compatibility mode (LMArena/FastChat or arena-rank conventions)")
    sp.add_argument("--seed", type=int, default=None, help="random seed")
    sp.add_argument("--out", default=None, metavar="FILE", help="write the board (.csv/.parquet)")
    sp.set_defaults(func=cmd_rate)

    import importlib

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not (exc.name and name.startswith(exc.name)):  # a real error inside a module
                raise
            continue
        module.register(sub)

    sp = sub.add_parser("demo", help="end-to-end demo on built-in defaults")
    sp.add_argument("--seed", type=int, default=20251001, help="random seed")
    sp.add_argument("--out", default="results/demo", metavar="DIR", help="output folder")
    sp.add_argument("--fast", action="store_true", help="smaller worlds (for tests)")
    sp.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sealvalid`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    import os

    from sealvalid.data.schema import VoteTableError

    try:
        return args.func(args)
    except (BadInput, VoteTableError, ValueError, FileNotFoundError, IsADirectoryError,
            PermissionError) as exc:
        if os.environ.get("SEALVALID_DEBUG") == "1":
            raise
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"sealvalid {args.command}: error: {msg}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
