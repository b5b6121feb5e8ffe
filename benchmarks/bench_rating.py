"""Rating-engine benchmark: sealvalid against the anchors on one synthetic Arena-sized log.

Run in the package environment (the anchors run through ``.venv-anchors`` in subprocesses)::

    .venv/bin/python benchmarks/bench_rating.py            # full: 1M votes, 100 models
    .venv/bin/python benchmarks/bench_rating.py --quick    # smoke run, small data

Measures, side by side:

(i)   in-process Bradley–Terry fit + 1,000 bootstrap rounds: FastChat original re-implementation
      (extrapolated from a few rounds), evalica 0.4.2 (its bootstrap; extrapolated), arena-rank
      0.1.1 (its bootstrap under the spawn start method; extrapolated unless ``--full``),
      FastChat newest re-implementation and sealvalid;
(ii)  whole-process wall time of ``sealvalid rate VOTES.parquet --bootstrap 1000 --out X.csv``
      against ``fastchat_reimpl.py newest VOTES.parquet --bootstrap 1000 --out Y.csv``;
(iii) peak resident memory (``ru_maxrss`` of the child) of ``sealvalid rate`` on 10M votes.

Targets: (i) sealvalid < 1.5 s and >= 40x the best anchor; (ii) >= 25x; (iii) < 1 GB.

Wall and CPU time (all threads and reaped worker processes) are both reported: on a shared
machine CPU time is the steadier figure. Each measurement first waits (``--max-wait``, default
60 s) for the 1-minute load average to fall below 0.5 and records the load it started at;
sealvalid is timed best-of-several, interleaved with the runs of the strongest anchor (FastChat
newest), so that both see the same background load.
Results are printed and written to ``benchmarks/results/rating_<date>.md``. The synthetic logs
(``simulate_log``, 20 % ties, no style columns) are cached in ``benchmarks/.cache/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
ANCHOR_PY = REPO / ".venv-anchors" / "bin" / "python"
MAIN_BIN = Path(sys.executable).parent
TARGET_TIME, TARGET_INPROC, TARGET_PROCESS, TARGET_MEM = 1.5, 40.0, 25.0, 1e9
SEED = 20261204

sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "anchors"))


def cached_log(n_votes: int, n_models: int) -> Path:
    """Simulated log saved once as Parquet (canonical columns, 20 % ties, no style)."""
    from simulate_log import simulate_log

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"sim_{n_votes}_{n_models}_s{SEED}.parquet"
    if not path.exists():
        votes = simulate_log(n_votes, n_models, tie_rate=0.2, seed=SEED, style=False)
        votes.attrs = {}
        tmp = path.with_suffix(".tmp")
        votes.to_parquet(tmp, index=False)
        tmp.rename(path)
    return path


def _read_plain(path: Path):
    import pandas as pd

    df = pd.read_parquet(path, columns=["model_a", "model_b", "winner"])
    return pd.DataFrame({c: df[c].astype(str) for c in df.columns})


def clock() -> tuple[float, float]:
    """Wall time and CPU time (this process + its reaped children, all threads), seconds."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return time.perf_counter(), cpu


def timing(c0, c1, c2, rounds: int) -> dict:
    return {"fit": c1[0] - c0[0], "boot": c2[0] - c1[0], "fit_cpu": c1[1] - c0[1],
            "boot_cpu": c2[1] - c1[1], "rounds": rounds}


# ----------------------------------------------------------------------------- anchor workers
# These run inside .venv-anchors (``bench_rating.py --anchor-worker ENGINE``) and print JSON.
def worker_arena_rank(path: Path, rounds: int) -> dict:
    import multiprocessing as mp

    import numpy as np

    mp.set_start_method("spawn", force=True)  # fork deadlocks with JAX (CONVENTIONS.md 1.5)
    from arena_rank.models.bradley_terry import BradleyTerry
    from arena_rank.utils.data_utils import PairDataset

    votes = _read_plain(path)
    c0 = clock()
    ds = PairDataset.from_pandas(votes)
    model = BradleyTerry(n_competitors=len(ds.competitors))
    model.fit(ds)
    np.asarray(model.params["ratings"])
    c1 = clock()
    model.compute_ratings_and_cis(ds, ci_method="bootstrap", num_bootstrap=rounds, seed=42,
                                  n_jobs=os.cpu_count())
    c2 = clock()  # the pool's workers are joined on exit, so their CPU time is included
    return timing(c0, c1, c2, rounds)


def worker_evalica(path: Path, rounds: int) -> dict:
    import evalica

    votes = _read_plain(path)
    code = {"model_a": evalica.Winner.X, "model_b": evalica.Winner.Y,
            "tie": evalica.Winner.Draw, "tie_bothbad": evalica.Winner.Draw}
    xs, ys = votes["model_a"].tolist(), votes["model_b"].tolist()
    w = [code[x] for x in votes["winner"]]
    c0 = clock()
    evalica.bradley_terry(xs, ys, w)
    c1 = clock()
    # BCa (the default) would add N jackknife fits; percentile is the only feasible method here
    evalica.bootstrap(evalica.bradley_terry, xs, ys, w, n_resamples=rounds,
                      bootstrap_method="percentile", random_state=0)
    c2 = clock()
    return timing(c0, c1, c2, rounds)


def worker_fastchat_original(path: Path, rounds: int) -> dict:
    import warnings

    import fastchat_reimpl as fc

    votes = _read_plain(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn lbfgs max_iter chatter
        c0 = clock()
        fc.original_fit(votes)
        c1 = clock()
        fc.original_bootstrap(votes, rounds, rng=0)
        c2 = clock()
    return timing(c0, c1, c2, rounds)


WORKERS = {"arena-rank": worker_arena_rank, "evalica": worker_evalica,
           "fastchat-original": worker_fastchat_original}


def run_anchor(engine: str, path: Path, rounds: int, timeout: float) -> dict:
    if not ANCHOR_PY.exists():
        return {"error": f"{ANCHOR_PY} missing: run bash benchmarks/anchors/setup.sh"}
    cmd = [str(ANCHOR_PY), str(Path(__file__).resolve()), "--anchor-worker", engine,
           "--votes", str(path), "--rounds", str(rounds)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f}s"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- in-process side
def time_sealvalid(path: Path, rounds: int, repeats: int) -> dict:
    import pandas as pd

    from sealvalid.data.schema import validate_votes
    from sealvalid.rating import BradleyTerry

    votes = validate_votes(pd.read_parquet(path))
    runs = []
    for _ in range(repeats):
        c0 = clock()
        bt = BradleyTerry().fit(votes)
        c1 = clock()
        bt.bootstrap(rounds, rng=0)
        c2 = clock()
        runs.append(timing(c0, c1, c2, rounds))
    best = min(runs, key=lambda r: r["fit"] + r["boot"])  # least disturbed run
    return {**best, "cold_total": runs[0]["fit"] + runs[0]["boot"],
            "repeats": repeats}


def time_fastchat_newest(path: Path, rounds: int) -> dict:
    import fastchat_reimpl as fc

    votes = _read_plain(path)
    c0 = clock()
    fc.newest_rate(votes)
    c1 = clock()
    fc.newest_bootstrap(votes, rounds, num_cpu=os.cpu_count())
    c2 = clock()  # pool workers are joined on exit: their CPU time is included
    return timing(c0, c1, c2, rounds)


def total_1000(r: dict, target_rounds: int, kind: str = "") -> float:
    """Fit + bootstrap time (``kind=""`` wall, ``"_cpu"`` CPU) scaled linearly to the rounds."""
    return r["fit" + kind] + r["boot" + kind] / r["rounds"] * target_rounds


# ----------------------------------------------------------------------------- processes
def run_process(cmd: list[str]) -> tuple[float, int, int, float]:
    """Wall time, exit code, peak RSS (bytes, ``ru_maxrss``) and CPU seconds of one command."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-500:]
            print(f"   command failed ({proc.returncode}): {' '.join(cmd)}\n   {tail}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, proc.returncode, usage.ru_maxrss * 1024, cpu  # ru_maxrss is in KiB on Linux


def sealvalid_cmd(path: Path, rounds: int, out: Path) -> list[str]:
    exe = MAIN_BIN / "sealvalid"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "sealvalid.cli"]
    return base + ["rate", str(path), "--bootstrap", str(rounds), "--out", str(out)]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def wait_quiet(max_wait: float = 60.0, threshold: float = 0.5) -> float:
    """Wait (at most ``max_wait`` s) for the 1-minute load average to drop below ``threshold``.

    The benchmark machine may be shared; the load seen at the start of each section is reported.
    """
    t0 = time.perf_counter()
    while os.getloadavg()[0] >= threshold and time.perf_counter() - t0 < max_wait:
        time.sleep(5)
    return os.getloadavg()[0]


def fmt_s(x: float) -> str:
    return f"{x:.3f} s" if x < 100 else f"{x:.0f} s"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run on small data")
    p.add_argument("--full", action="store_true",
                   help="run all 1,000 rounds for arena-rank and FastChat newest (slow)")
    p.add_argument("--skip-anchors", action="store_true", help="sealvalid side only")
    p.add_argument("--max-wait", type=float, default=60.0,
                   help="seconds to wait for a quiet machine before each measurement")
    p.add_argument("--anchor-worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--votes", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=1000, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.anchor_worker:
        print(json.dumps(WORKERS[args.anchor_worker](args.votes, args.rounds)))
        return 0

    if args.quick:
        n_votes, n_models, n_mem, rounds = 20_000, 20, 200_000, 1000
        anchor_rounds = {"fastchat-original": 1, "evalica": 2, "arena-rank": 4}
        newest_rounds = 50
    else:
        n_votes, n_models, n_mem, rounds = 1_000_000, 100, 10_000_000, 1000
        anchor_rounds = {"fastchat-original": 2, "evalica": 3,
                         "arena-rank": 1000 if args.full else 40}
        newest_rounds = 1000 if args.full else 200
    lines: list[str] = []

    def say(s: str = "") -> None:
        print(s, flush=True)
        lines.append(s)

    date = dt.date.today().isoformat()
    say(f"# Rating benchmark {date}{' (quick)' if args.quick else ''}")
    say()
    say(f"Machine: {machine()}. Data: simulate_log({n_votes:,} votes, {n_models} models, "
        f"20 % ties), seed {SEED}. Bootstrap target: {rounds} rounds.")
    t = time.perf_counter()
    path = cached_log(n_votes, n_models)
    say(f"Votes: `{path.relative_to(REPO)}` ({path.stat().st_size / 1e6:.2f} MB, "
        f"ready in {time.perf_counter() - t:.1f} s)")
    say()

    # (i) in-process -----------------------------------------------------------------------
    say("## (i) In-process fit + bootstrap (extrapolated linearly to 1,000 rounds where marked)")
    say()
    say("Wall time is what the targets are about; CPU time (all threads and worker processes) "
        "is less sensitive to other load on a shared machine.")
    say()
    say("| engine | fit | bootstrap (rounds run) | fit + 1,000 rounds, wall | CPU | "
        "sealvalid speed-up, wall | CPU |")
    say("|---|---|---|---|---|---|---|")
    results: dict[str, dict] = {}
    loads = {"(i) sealvalid": wait_quiet(args.max_wait)}
    sv = time_sealvalid(path, rounds, repeats=5)
    results["sealvalid"] = sv
    sv_total, sv_cpu = total_1000(sv, 1000), total_1000(sv, 1000, "_cpu")
    if not args.skip_anchors:
        for engine in ("fastchat-original", "evalica", "arena-rank"):
            loads[f"(i) {engine}"] = wait_quiet(args.max_wait)
            results[engine] = run_anchor(engine, path, anchor_rounds[engine], timeout=3600)
        loads["(i) fastchat-newest"] = wait_quiet(args.max_wait)
        # the strongest anchor: best of a few runs, interleaved with sealvalid runs so that both
        # sides see the same background load on a shared machine
        for _ in range(1 if args.quick else 3):
            r = time_fastchat_newest(path, newest_rounds)
            old = results.get("fastchat-newest")
            if old is None or total_1000(r, 1000) < total_1000(old, 1000):
                results["fastchat-newest"] = r
            again = time_sealvalid(path, rounds, repeats=1)
            if total_1000(again, 1000) < total_1000(sv, 1000):
                sv.update({k: again[k] for k in ("fit", "boot", "fit_cpu", "boot_cpu")})
            sv["repeats"] += 1
        sv_total, sv_cpu = total_1000(sv, 1000), total_1000(sv, 1000, "_cpu")
    best_anchor = None
    for engine, r in results.items():
        if "error" in r:
            say(f"| {engine} | — | {r['error']} | — | — | — | — |")
            continue
        tot, cpu = total_1000(r, 1000), total_1000(r, 1000, "_cpu")
        extrap = "" if r["rounds"] == 1000 else f" (×{1000 / r['rounds']:.0f} extrap.)"
        if engine == "sealvalid":
            ratios = "— | —"
        else:
            ratios = f"{tot / sv_total:,.1f}× | {cpu / sv_cpu:,.1f}×"
        say(f"| {engine} | {fmt_s(r['fit'])} | {fmt_s(r['boot'])} ({r['rounds']}) | "
            f"{fmt_s(tot)}{extrap} | {fmt_s(cpu)} | {ratios} |")
        if engine != "sealvalid" and (best_anchor is None or tot < best_anchor[1]):
            best_anchor = (engine, tot, cpu)
    say()
    say(f"sealvalid in-process fit + 1,000 bootstrap rounds: {sv_total:.3f} s wall, "
        f"{sv_cpu:.3f} s CPU (best of {sv['repeats']}; first call {sv['cold_total']:.3f} s) — "
        f"target < {TARGET_TIME} s: {'MET' if sv_total < TARGET_TIME else 'NOT MET'}")
    if best_anchor:
        ratio = best_anchor[1] / sv_total
        say(f"Best anchor: {best_anchor[0]}, {best_anchor[1]:.1f} s wall -> sealvalid "
            f"{ratio:,.1f}× faster (CPU: {best_anchor[2] / sv_cpu:,.1f}×) — target "
            f"≥ {TARGET_INPROC:.0f}×: {'MET' if ratio >= TARGET_INPROC else 'NOT MET'}")
    say()

    # (ii) whole process ---------------------------------------------------------------------
    say("## (ii) Whole process (read Parquet, fit, 1,000 bootstrap rounds, write CSV)")
    say()
    out_dir = CACHE / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    loads["(ii) sealvalid"] = wait_quiet(args.max_wait)
    wall_sv, rc_sv, rss_sv, cpu_sv = run_process(
        sealvalid_cmd(path, rounds, out_dir / "sealvalid.csv"))
    say(f"- `sealvalid rate {path.name} --bootstrap {rounds} --out X.csv`: {wall_sv:.2f} s wall, "
        f"{cpu_sv:.2f} s CPU (exit {rc_sv}, peak RSS {rss_sv / 1e6:.0f} MB)")
    if not args.skip_anchors:
        fc_rounds = rounds if (args.full or args.quick) else newest_rounds
        cmd = [sys.executable, str(HERE / "anchors" / "fastchat_reimpl.py"), "newest", str(path),
               "--bootstrap", str(fc_rounds), "--out", str(out_dir / "fastchat.csv")]
        loads["(ii) fastchat-newest"] = wait_quiet(args.max_wait)
        wall_fc, rc_fc, rss_fc, cpu_fc = run_process(cmd)
        note = ""
        if fc_rounds != rounds:
            # scale only the bootstrap part, measured in (i), to 1,000 rounds
            r = results["fastchat-newest"]
            wall_fc += r["boot"] / r["rounds"] * (rounds - fc_rounds)
            cpu_fc += r["boot_cpu"] / r["rounds"] * (rounds - fc_rounds)
            note = f" (ran {fc_rounds} rounds; bootstrap extrapolated to {rounds})"
        say(f"- `fastchat_reimpl.py newest ... --bootstrap {rounds}`: {wall_fc:.2f} s wall, "
            f"{cpu_fc:.2f} s CPU{note} (exit {rc_fc}, peak RSS {rss_fc / 1e6:.0f} MB)")
        ratio = wall_fc / wall_sv
        say(f"- ratio: {ratio:,.1f}× wall ({cpu_fc / cpu_sv:,.1f}× CPU) — target "
            f"≥ {TARGET_PROCESS:.0f}×: {'MET' if ratio >= TARGET_PROCESS else 'NOT MET'}")
    say()

    # (iii) memory ---------------------------------------------------------------------------
    say(f"## (iii) Peak memory of `sealvalid rate` on {n_mem:,} votes")
    say()
    t = time.perf_counter()
    big = cached_log(n_mem, n_models)
    say(f"- votes: `{big.relative_to(REPO)}` ({big.stat().st_size / 1e6:.2f} MB, ready in "
        f"{time.perf_counter() - t:.1f} s)")
    wall_m, rc_m, rss_m, cpu_m = run_process(
        sealvalid_cmd(big, rounds, out_dir / "sealvalid_big.csv"))
    say(f"- `sealvalid rate --bootstrap {rounds}`: peak RSS {rss_m / 1e6:.0f} MB, wall "
        f"{wall_m:.2f} s, CPU {cpu_m:.2f} s (exit {rc_m}) — target < 1 GB: "
        f"{'MET' if rc_m == 0 and rss_m < TARGET_MEM else 'NOT MET'}")
    say()
    say("1-minute load average when each measurement started (the machine may be shared; "
        "ideally < 0.5): " + ", ".join(f"{k} {v:.2f}" for k, v in loads.items()) + ".")
    say()
    say("Notes: anchors run in `.venv-anchors` (arena-rank under the spawn start method, since "
        "fork deadlocks with JAX); evalica's bootstrap is `percentile` (BCa adds N jackknife "
        "fits) and materialises all resamples at once, so it is timed on a few rounds; the "
        "FastChat pipelines are the re-implementations in `benchmarks/anchors/fastchat_reimpl.py`."
        " Extrapolation is linear in rounds from the measured per-round cost.")
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = ("_quick" if args.quick else "") + ("_sealvalid_only" if args.skip_anchors else "")
    name = f"rating_{date}{suffix}.md"
    (RESULTS / name).write_text("\n".join(lines) + "\n")
    print(f"\nwritten: {(RESULTS / name).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
