"""``sealvalid validity``: construct validity of crowd votes from the command line.

``register`` only adds the argparse subcommand; PyMC, nutpie and ArviZ are imported inside the
handler, so other commands never load them.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["register", "cmd_validity", "EXIT_NOT_CONVERGED"]

#: exit code of a fit that failed the convergence gates (without --accept-unconverged)
EXIT_NOT_CONVERGED = 3


def register(subparsers) -> None:
    """Add the ``validity`` subcommand."""
    sp = subparsers.add_parser(
        "validity",
        help="Bayesian construct validity of crowd votes (vs judges and benchmarks)",
        description=(
            "Fit the construct-validity model: the crowd's latent strength against the latent "
            "quality measured by independent judgments (expert / LLM-judge votes, benchmark "
            "scores). Writes validity.csv, models.csv, ppc.csv, agreement.csv (when crowd and "
            "judges share battles), posterior.nc, figures and summary.md to --out. Exit codes: "
            "0 ok, 2 bad input, 3 not converged (see --accept-unconverged)."),
    )
    sp.add_argument("--crowd", required=True, metavar="VOTES",
                    help="crowd votes (any vote format), or a leaderboard table whose 'rating' "
                         "is the crowd measure")
    sp.add_argument("--crowd-format", default=None, help="vote format of --crowd (default sniffed)")
    sp.add_argument("--judge", action="append", default=[], metavar="[NAME=]VOTES",
                    help="independent pairwise votes (experts, annotators, LLM judges); repeatable")
    sp.add_argument("--judge-format", default=None, help="vote format of the --judge files")
    sp.add_argument("--on-invalid", default="raise", choices=["raise", "drop"],
                    help="rows that are no vote (e.g. a judge's 'garbage' verdict)")
    sp.add_argument("--benchmark", action="append", default=[], metavar="TABLE",
                    help="leaderboard table(s) with benchmark scores; repeatable")
    sp.add_argument("--metric", action="append", default=[], metavar="M",
                    help="benchmark metric(s) to use (mt_bench, mmlu ...); repeatable")
    sp.add_argument("--date", default=None, metavar="D",
                    help="snapshot date of the tables (needed when they hold several)")
    sp.add_argument("--by", action="append", metavar="COL",
                    help="crowd segment column(s): validity per segment; repeatable, "
                         "comma-separated")
    sp.add_argument("--ties", default="davidson",
                    choices=["davidson", "rao_kupper", "drop", "half"], help="tie model")
    sp.add_argument("--voter-effects", action="store_true", help="crowd voter discrimination")
    sp.add_argument("--style", action="store_true", help="crowd style covariates (style share)")
    sp.add_argument("--missing", default="error", choices=["error", "drop", "level"],
                    help="crowd votes with a missing --by value")
    sp.add_argument("--chains", type=int, default=4)
    sp.add_argument("--draws", type=int, default=1000)
    sp.add_argument("--tune", type=int, default=1000)
    sp.add_argument("--target-accept", type=float, default=0.95)
    sp.add_argument("--adaptation", default="low_rank", choices=["diag", "draw_diag", "low_rank"],
                    help="nutpie mass-matrix adaptation")
    sp.add_argument("--accept-unconverged", action="store_true",
                    help="keep a fit that fails the convergence gates, marked NOT CONVERGED")
    sp.add_argument("--seed", type=int, default=20261204, help="random seed")
    sp.add_argument("--out", required=True, metavar="DIR", help="output folder")
    sp.set_defaults(func=cmd_validity)


def _read_crowd(args):
    """Crowd votes, or a published rating Series when --crowd is a leaderboard table."""
    from sealvalid.data import read_votes
    from sealvalid.data.schema import VoteTableError

    try:
        return read_votes(args.crowd, format=args.crowd_format, on_invalid=args.on_invalid)
    except VoteTableError as vote_error:
        if args.crowd_format is not None:
            raise
        from sealvalid.bayes.validity import benchmark_scores
        from sealvalid.data.boards import read_leaderboard

        try:
            board = read_leaderboard(args.crowd)
        except VoteTableError:
            raise vote_error from None
        return benchmark_scores(board, "rating", date=args.date)


def _judges(args) -> dict:
    from sealvalid.data import read_votes

    out = {}
    for spec in args.judge:
        name, sep, path = spec.partition("=")
        if not sep or Path(spec).exists():
            name, path = "", spec
        votes = read_votes(path, format=args.judge_format, on_invalid=args.on_invalid)
        if not name:
            ids = votes["voter_id"].dropna().unique() if "voter_id" in votes.columns else []
            name = str(ids[0]) if len(ids) == 1 else Path(path).stem
        base, k = name, 2
        while name in out or name == "crowd":
            name = f"{base}-{k}"
            k += 1
        out[name] = votes
    return out


def _benchmarks(args) -> dict:
    from sealvalid.cli import BadInput

    if bool(args.benchmark) != bool(args.metric):
        raise BadInput("--benchmark TABLE and --metric M go together")
    if not args.benchmark:
        return {}
    import pandas as pd

    from sealvalid.bayes.validity import benchmark_scores
    from sealvalid.data.boards import read_leaderboard

    board = pd.concat([read_leaderboard(p) for p in args.benchmark], ignore_index=True)
    board = board.drop_duplicates(["source", "board", "category", "model", "date", "metric"])
    return {m: benchmark_scores(board, m, date=args.date) for m in args.metric}


def cmd_validity(args) -> int:
    """Run ``sealvalid validity``: fit, then write tables, posterior, figures, summary."""
    import warnings

    from sealvalid.cli import BadInput, parse_by_args, write_table

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {args.out!r} exists and is not a folder")
    crowd = _read_crowd(args)
    judges = _judges(args)
    benchmarks = _benchmarks(args)
    if not judges and not benchmarks:
        raise BadInput("give at least one independent judgment: --judge VOTES or "
                       "--benchmark TABLE --metric M")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sealvalid.bayes.agreement import agreement_matrix, agreement_table
    from sealvalid.bayes.diagnostics import ConvergenceError, NotConvergedWarning
    from sealvalid.bayes.sampling import SamplerConfig
    from sealvalid.bayes.validity import ConstructValidity
    from sealvalid.plots.validity import (
        plot_agreement,
        plot_crowd_vs_quality,
        plot_ppc,
        plot_validity,
    )

    est = ConstructValidity(
        by=parse_by_args(args.by), ties=args.ties, voter_effects=args.voter_effects,
        style=args.style, missing=args.missing, accept_unconverged=args.accept_unconverged,
        sampler=SamplerConfig(chains=args.chains, draws=args.draws, tune=args.tune,
                              target_accept=args.target_accept, adaptation=args.adaptation),
    )
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NotConvergedWarning)
            est.fit(crowd, judges=judges, benchmarks=benchmarks, seed=args.seed)
    except ConvergenceError as exc:
        print(f"sealvalid validity: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_NOT_CONVERGED
    res = est.result_
    out.mkdir(parents=True, exist_ok=True)
    write_table(res.table, str(out / "validity.csv"))
    write_table(res.models, str(out / "models.csv"))
    if res.ppc is not None:
        write_table(res.ppc, str(out / "ppc.csv"))
    res.to_netcdf(out / "posterior.nc")
    figs = {"validity.png": lambda ax: plot_validity(res.table, ax=ax),
            "crowd_vs_quality.png": lambda ax: plot_crowd_vs_quality(res.models, ax=ax)}
    if res.ppc is not None and len(res.ppc):
        figs["ppc.png"] = lambda ax: plot_ppc(res.ppc, ax=ax)
    agreement = None
    import pandas as pd

    if isinstance(crowd, pd.DataFrame) and judges and "prompt_id" in crowd.columns \
            and all("prompt_id" in v.columns for v in judges.values()):
        agreement = agreement_table({"crowd": crowd, **judges}, rng=args.seed)
        if len(agreement):
            write_table(agreement, str(out / "agreement.csv"))
            figs["agreement.png"] = lambda ax: plot_agreement(agreement, ax=ax)
    for name, draw in figs.items():
        ax = draw(None)
        ax.figure.savefig(out / name, dpi=110)
        plt.close(ax.figure)
    _summary(out / "summary.md", res, agreement, agreement_matrix)
    v = res.validity()
    mark = "" if res.converged else f" [{res.status}]"
    print(f"validity {v['mean']:.3f} (HDI {v['lower']:.3f} to {v['upper']:.3f}), "
          f"{len(res.models)} models, sampler {res.sampler}, seed {res.seed}{mark}; "
          f"written to {out}")
    for w in caught:
        if not issubclass(w.category, NotConvergedWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return 0


def _summary(path: Path, res, agreement, agreement_matrix) -> None:
    lines = [f"# Construct validity — {res.status}", ""]
    if not res.converged:
        lines += [f"**{res.status}**: {res.diagnostics.message()}", ""]
    lines += [f"Sampler: {res.sampler}; seed {res.seed}; {res.diagnostics.message()}", "",
              "| quantity | measure | segment | mean | 95% HDI |", "|---|---|---|---|---|"]
    for _, r in res.table.iterrows():
        seg = "" if r["segment"] == "all" else f"{r['dimension']}={r['segment']}"
        lines.append(f"| {r['quantity']} | {r['measure']} | {seg} | {r['mean']:.3f} | "
                     f"{r['lower']:.3f} to {r['upper']:.3f} |")
    lines += ["", f"Identification: {res.table.iloc[0]['note']}", ""]
    if agreement is not None and len(agreement):
        for ties in ("with", "without"):
            lines += [f"## Agreement ({ties} ties)", "",
                      agreement_matrix(agreement, ties=ties).to_markdown()
                      if _has_tabulate() else
                      agreement_matrix(agreement, ties=ties).to_string(), ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True
