"""The ``sealvalid run`` command.

``sealvalid run EXPERIMENT [--out DIR] [--executor local|serial|dask] [--workers N]
[--scheduler ADDRESS]``.
"""

from __future__ import annotations

__all__ = ["register"]


def _cmd_run(args) -> int:
    from sealvalid.experiments.runner import run_experiment

    out = run_experiment(args.experiment, out=args.out, executor=args.executor,
                         workers=args.workers, scheduler=args.scheduler,
                         progress=not args.quiet)
    print(f"results written to {out}")
    return 0


def register(sub) -> None:
    """Add the ``run`` subcommand."""
    sp = sub.add_parser("run", help="run (or resume) an experiment from its config.toml")
    sp.add_argument("experiment", help="experiments/<name> folder or its config.toml")
    sp.add_argument("--out", default=None, metavar="DIR",
                    help="output folder (default results/<name>/<config-hash>)")
    sp.add_argument("--executor", default="local", choices=["local", "serial", "dask"],
                    help="local processes (default), serial, or Dask")
    sp.add_argument("--workers", type=int, default=None, help="processes / Dask workers")
    sp.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="address of an existing Dask scheduler (with --executor dask)")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    sp.set_defaults(func=_cmd_run)
