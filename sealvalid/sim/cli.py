r"""``sealvalid simulate``: draw a vote log (and its truth) from a named world.

::

    sealvalid simulate --preset lmarena-like --votes 100000 --seed 1 --out votes.parquet \\
        [--truth truth.csv] [--world-seed S] [--models K]

argparse only at import time; the simulator is imported inside the handler.
"""

from __future__ import annotations

__all__ = ["register", "cmd_simulate"]

#: presets offered on the command line (kept in sync with sealvalid.sim.presets.PRESETS by a
#: test, so that ``--help`` does not import the simulator)
PRESET_NAMES = ("bt-simple", "lmarena-like", "multilingual", "seal-like")


def cmd_simulate(args) -> int:
    """Simulate votes from a preset world and write them (and the truth)."""
    import sys

    from sealvalid.cli import BadInput, write_table

    if args.votes < 1:
        raise BadInput(f"--votes must be >= 1, got {args.votes}")
    for opt, path in (("--out", args.out), ("--truth", args.truth)):
        if path is not None and not path.lower().endswith((".csv", ".parquet")):
            raise BadInput(f"{opt} {path!r}: unknown table extension; allowed: '.csv', "
                           "'.parquet'")
    from sealvalid.sim import preset, simulate

    world = preset(args.preset, rng=args.world_seed, n_models=args.models)
    result = simulate(world, args.votes, rng=args.seed)
    summary = (f"{len(result.battles)} votes, {len(world.models)} models, world "
               f"{world.name!r}, seed {result.seed}")
    if args.out is None:  # no file: a short look, never the whole log
        cols = ["model_a", "model_b", "winner", "timestamp", "category", "language", "country",
                "position"]
        print(result.votes[cols].head(10).to_string(index=False))
        print(summary)
    else:
        result.write(args.out)  # dictionary-encoded Parquet straight from the codes
        print(summary, file=sys.stderr)
    if args.truth:
        write_table(result.truth, args.truth)
    return 0


def register(subparsers) -> None:
    """Add the ``simulate`` subcommand."""
    sp = subparsers.add_parser(
        "simulate", help="simulate an arena vote log with known truth",
        description="Draw votes from a named simulated world (sealvalid.sim.presets) and write "
                    "the canonical vote table, optionally with the true ratings.")
    sp.add_argument("--preset", required=True, choices=PRESET_NAMES, help="named world")
    sp.add_argument("--votes", type=int, required=True, metavar="N", help="number of votes")
    sp.add_argument("--seed", type=int, default=None, help="random seed for the votes")
    sp.add_argument("--world-seed", type=int, default=None, metavar="S",
                    help="seed for drawing the preset's models (default: the preset's own)")
    sp.add_argument("--models", type=int, default=None, metavar="K",
                    help="number of models (default: the preset's)")
    sp.add_argument("--out", default=None, metavar="FILE",
                    help="write the votes (.parquet/.csv); default: print the first rows")
    sp.add_argument("--truth", default=None, metavar="FILE",
                    help="write the truth table (.csv/.parquet): model, scope, segment_column, "
                         "segment_value, true_rating, true_rank")
    sp.set_defaults(func=cmd_simulate)
