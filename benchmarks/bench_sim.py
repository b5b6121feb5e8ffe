"""Simulator benchmark: speed of ``sealvalid.sim`` and one figure of true vs board rating.

Run in the package environment::

    .venv/bin/python benchmarks/bench_sim.py            # full
    .venv/bin/python benchmarks/bench_sim.py --quick    # smoke run

Measures (best and median of repeats; the machine may be shared, so the load average is
recorded before and after):

(i)   in process, 1M votes of the ``lmarena-like`` world: ``simulate`` (arrays) and
      ``simulate(...).votes`` (the canonical frame); target < 0.3 s;
(ii)  a 100k-vote arena simulated and rated (Bradley–Terry + sandwich intervals) per preset;
      target < 50 ms;
(iii) 1,000 replicates of (ii) on 2 worker processes (spawned streams, wall time including
      worker start-up); target < 60 s;
(iv)  whole process: ``sealvalid simulate --preset lmarena-like --votes 1000000 --out x.parquet``
      against a bare numpy + pandas script that draws 1M Bradley–Terry votes and writes them to
      Parquet; target ratio <= 2 (a bare pyarrow-dictionary writer is reported as well).

Writes ``benchmarks/results/sim_<date>.md`` and ``benchmarks/results/sim_true_vs_board.png``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent
SEED = 20261204

BARE_PANDAS = r'''
import sys
import numpy as np
import pandas as pd
rng = np.random.default_rng(1)
k, n = 32, int(sys.argv[2])
theta = rng.normal(0.0, 100.0 / 173.7, k)
a = rng.integers(0, k, n)
b = (a + rng.integers(1, k, n)) % k
p = 1.0 / (1.0 + np.exp(-(theta[a] - theta[b])))
u = rng.random(n)
winner = np.where(u < 0.2, "tie", np.where(u < 0.2 + 0.8 * p, "model_a", "model_b"))
names = np.array([f"model-{i:02d}" for i in range(k)])
pd.DataFrame({"model_a": names[a], "model_b": names[b], "winner": winner}).to_parquet(
    sys.argv[1], index=False)
'''

BARE_ARROW = r'''
import sys
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
rng = np.random.default_rng(1)
k, n = 32, int(sys.argv[2])
theta = rng.normal(0.0, 100.0 / 173.7, k)
a = rng.integers(0, k, n).astype(np.int32)
b = ((a + rng.integers(1, k, n)) % k).astype(np.int32)
p = 1.0 / (1.0 + np.exp(-(theta[a] - theta[b])))
u = rng.random(n)
w = np.where(u < 0.2, 2, np.where(u < 0.2 + 0.8 * p, 0, 1)).astype(np.int32)
names = pa.array([f"model-{i:02d}" for i in range(k)])
labels = pa.array(["model_a", "model_b", "tie"])
pq.write_table(pa.table({"model_a": pa.DictionaryArray.from_arrays(a, names),
                         "model_b": pa.DictionaryArray.from_arrays(b, names),
                         "winner": pa.DictionaryArray.from_arrays(w, labels)}), sys.argv[1])
'''


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "n/a"


class Times(list):
    """Wall times of repeats, with the process CPU times alongside (``.cpu``)."""

    cpu: list[float]


def timeit(fn, repeat: int) -> Times:
    out = Times()
    out.cpu = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - t0)
        out.cpu.append(time.process_time() - c0)
    return out


def fmt(ts, unit: str = "s") -> str:
    k = 1e3 if unit == "ms" else 1.0
    text = f"best {min(ts) * k:.3g} {unit}, median {statistics.median(ts) * k:.3g} {unit}"
    if getattr(ts, "cpu", None):
        text += f" (CPU time best {min(ts.cpu) * k:.3g} {unit})"
    return text


def simulate_and_rate(world, n, rng):
    from sealvalid.rating import BradleyTerry, board_from_fit
    from sealvalid.sim import simulate

    result = simulate(world, n, rng=rng)
    return board_from_fit(BradleyTerry().fit(result.core_votes()), intervals="sandwich")


def _replicate_chunk(args):
    """Worker: a chunk of replicates; returns per-replicate Spearman vs truth and coverage."""
    name, n, seeds = args
    from scipy import stats

    from sealvalid.sim import preset, true_ratings

    world = preset(name)
    truth = true_ratings(world)
    ov = truth[truth["scope"] == "overall"].set_index("model")["true_rating"]
    rows = []
    for s in seeds:
        t = simulate_and_rate(world, n, np.random.default_rng(s)).table.set_index("model")
        tv = ov.reindex(t.index)
        rows.append((stats.spearmanr(t["rating"], tv).statistic,
                     float(((tv >= t["lower"]) & (tv <= t["upper"])).mean())))
    return rows


def replicates(name: str, n: int, n_rep: int, workers: int = 2) -> tuple[float, np.ndarray]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    seeds = np.random.SeedSequence(SEED).spawn(n_rep)
    chunks = [(name, n, seeds[i::workers * 8]) for i in range(workers * 8)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as ex:
        rows = [r for part in ex.map(_replicate_chunk, chunks) for r in part]
    return time.perf_counter() - t0, np.array(rows)


def run_process(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def figure(path: Path) -> str:
    """True vs board rating on the lmarena-like world (100k votes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    from sealvalid.rating import rate
    from sealvalid.sim import preset, simulate

    world = preset("lmarena-like")
    result = simulate(world, 100_000, rng=SEED)
    board = rate(result.votes).table.set_index("model")
    truth = result.truth
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 5.8), sharey=True, layout="constrained")
    notes = []
    for ax, scope, title in (
            (axes[0], "overall", "arena estimand (overall truth)"),
            (axes[1], "real_world", "construct-valid quality (real-world truth)")):
        tv = truth[truth["scope"] == scope].set_index("model")["true_rating"].reindex(board.index)
        open_w = np.array([world.model(m).open_weights for m in board.index])
        err = np.vstack([board["rating"] - board["lower"], board["upper"] - board["rating"]])
        for mask, colour, label in ((~open_w, "tab:blue", "proprietary"),
                                    (open_w, "tab:orange", "open weights")):
            ax.errorbar(tv[mask], board["rating"][mask], yerr=err[:, mask], fmt="o", ms=4,
                        color=colour, ecolor=colour, elinewidth=1, capsize=0, label=label)
        lo = min(tv.min(), board["lower"].min()) - 15
        hi = max(tv.max(), board["upper"].max()) + 15
        ax.plot([lo, hi], [lo, hi], color="0.5", lw=1, ls="--", label="board = truth")
        rho = stats.spearmanr(board["rating"], tv).statistic
        rmse = float(np.sqrt(((board["rating"] - tv) ** 2).mean()))
        cover = float(((tv >= board["lower"]) & (tv <= board["upper"])).mean())
        notes.append(f"{scope}: Spearman {rho:.3f}, RMSE {rmse:.1f} pts, "
                     f"95% CI coverage {cover:.0%}")
        ax.set_title(f"{title}\nSpearman {rho:.3f}, RMSE {rmse:.1f} Arena points", fontsize=10)
        ax.set_xlabel("true rating (Arena scale)")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("board rating, Bradley–Terry with 95% sandwich interval")
    axes[0].legend(loc="upper left", fontsize=9, frameon=False)
    fig.suptitle("lmarena-like world, 100,000 simulated votes: the board tracks what the crowd "
                 "rewards,\nnot the real-world quality it claims to measure", fontsize=11)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return "; ".join(notes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    args = ap.parse_args()
    quick = args.quick
    from sealvalid.sim import preset, simulate, true_ratings

    lines: list[str] = []

    def say(s: str = "") -> None:
        print(s, flush=True)
        lines.append(s)

    load0 = loadavg()
    say(f"# sealvalid.sim benchmark, {dt.date.today().isoformat()}")
    say()
    say(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}. Load average (1, 5, 15 min) "
        f"at start: {load0} (the machine is shared with other agents).")
    say()
    rep = 3 if quick else 9
    n_big = 100_000 if quick else 1_000_000

    # (i) 1M votes in process
    world = preset("lmarena-like")
    _ = simulate(world, 2_000, rng=0).votes  # warm up (imports, compiled world, id strings)
    t_arr = timeit(lambda: simulate(world, n_big, rng=1), rep)
    t_frame = timeit(lambda: simulate(world, n_big, rng=1).votes, rep)
    t_cat = timeit(lambda: simulate(world, n_big, rng=1).to_frame(strings="category"), rep)
    bt_world = preset("bt-simple", n_models=32)
    _ = simulate(bt_world, 2_000, rng=0).votes
    t_bt = timeit(lambda: simulate(bt_world, n_big, rng=1).votes, rep)
    say(f"## (i) {n_big:,} votes in process (target < 0.3 s)")
    say()
    say(f"- lmarena-like (32 models, 52 weekly steps, provider-weighted + deprecation), arrays: "
        f"{fmt(t_arr)}")
    say(f"- lmarena-like, arrays + canonical vote table (26 columns, `str` strings): "
        f"{fmt(t_frame)}")
    say(f"- lmarena-like, arrays + vote table with categorical strings (what `sealvalid "
        f"simulate` writes): {fmt(t_cat)}")
    say(f"- bt-simple (32 models), arrays + vote table: {fmt(t_bt)}")
    say(f"- truth of lmarena-like (once per world, cached): "
        f"{fmt(timeit(lambda: _fresh_truth(world, true_ratings), 1))}")
    say()

    # (ii) 100k simulated + rated
    say("## (ii) 100k-vote arena simulated and rated: BT + sandwich (target < 50 ms)")
    say()
    rated = {}
    for name in ("bt-simple", "lmarena-like", "seal-like"):
        w = preset(name)
        simulate_and_rate(w, 2_000, 0)
        ts = timeit(lambda w=w: simulate_and_rate(w, 100_000, np.random.default_rng(5)),
                    rep * 2)
        rated[name] = ts
        note = " (adaptive: 26 per-step refits)" if name == "seal-like" else ""
        say(f"- {name}{note}: {fmt(ts, 'ms')}")
    say()

    # (iii) replicates on 2 cores
    n_rep = 100 if quick else 1000
    say(f"## (iii) {n_rep:,} replicates of (ii) on 2 processes (target < 60 s)")
    say()
    wall, rows = replicates("lmarena-like", 100_000, n_rep)
    say(f"- lmarena-like, 100k votes each: wall {wall:.1f} s including worker start-up "
        f"({wall / n_rep * 1e3:.0f} ms per replicate per 2 cores); Spearman(board, overall "
        f"truth) median {np.median(rows[:, 0]):.4f}, min {rows[:, 0].min():.4f}; mean "
        f"95% sandwich coverage of the overall truth {rows[:, 1].mean():.3f}")
    say("  (lmarena-like has provider-weighted, time-varying sampling and repeat voters, so the "
        "board's estimand differs slightly from the uniform-design truth and votes cluster by "
        "voter: coverage below 0.95 is a property of that world, not of the engine; see "
        "tests/test_sim.py for the independent-vote coverage test)")
    say()

    # (iv) whole process vs bare numpy
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bare_pd = tmp / "bare_pandas.py"
        bare_pd.write_text(BARE_PANDAS)
        bare_pa = tmp / "bare_arrow.py"
        bare_pa.write_text(BARE_ARROW)
        py = sys.executable
        cmd_ours = [str(BIN / "sealvalid"), "simulate", "--preset", "lmarena-like", "--votes",
                    str(n_big), "--seed", "1", "--out", str(tmp / "ours.parquet")]
        runs = 3 if quick else 5
        ours, bare, arrow = [], [], []
        for _ in range(runs):  # interleaved, so that load changes hit both alike
            ours.append(run_process(cmd_ours))
            bare.append(run_process([py, str(bare_pd), str(tmp / "bare.parquet"), str(n_big)]))
            arrow.append(run_process([py, str(bare_pa), str(tmp / "arrow.parquet"),
                                      str(n_big)]))
        size_ours = (tmp / "ours.parquet").stat().st_size
        size_bare = (tmp / "bare.parquet").stat().st_size
    ratio = statistics.median(ours) / statistics.median(bare)
    say(f"## (iv) whole process, {n_big:,} votes to Parquet (target ratio <= 2)")
    say()
    say(f"- `sealvalid simulate --preset lmarena-like --votes {n_big} --out x.parquet` "
        f"(26 columns, {size_ours / 1e6:.1f} MB): {fmt(ours)}")
    say(f"- bare numpy + pandas script (3 string columns, {size_bare / 1e6:.1f} MB; script in "
        "this file): "
        f"{fmt(bare)}")
    say(f"- bare numpy + pyarrow dictionary writer (3 columns): {fmt(arrow)}")
    say(f"- ratio sealvalid / bare numpy+pandas (medians): {ratio:.2f}; vs pyarrow: "
        f"{statistics.median(ours) / statistics.median(arrow):.2f}")
    say()

    # figure
    RESULTS.mkdir(parents=True, exist_ok=True)
    png = RESULTS / "sim_true_vs_board.png"
    note = figure(png)
    say("## Figure")
    say()
    say(f"`{png.relative_to(REPO)}`: board vs overall truth and vs real-world truth "
        f"(lmarena-like, 100k votes). {note}.")
    say()
    say("## Targets")
    say()
    say("Verdicts use the best of the repeats (the `timeit` convention on a noisy machine); "
        "the medians and CPU times are above.")
    say()
    say("| measure | target | measured wall (best / median) | CPU best | met |")
    say("|---|---|---|---|---|")
    rows = [
        (f"{n_big:,} votes, arrays", "< 0.3 s", t_arr, 0.3),
        (f"{n_big:,} votes + canonical table", "< 0.3 s", t_frame, 0.3),
        (f"{n_big:,} votes + categorical table", "< 0.3 s", t_cat, 0.3),
        *[(f"100k simulated + rated, {k}", "< 50 ms", v, 0.05) for k, v in rated.items()],
    ]
    for label, target, ts, lim in rows:
        say(f"| {label} | {target} | {min(ts):.3g} / {statistics.median(ts):.3g} s | "
            f"{min(ts.cpu):.3g} s | {'yes' if min(ts) < lim else 'no'} |")
    say(f"| {n_rep:,} replicates on 2 cores | < 60 s | {wall:.1f} s | | "
        f"{'yes' if wall < 60 else 'no'} |")
    say(f"| whole process / bare numpy+pandas (medians) | <= 2 | {ratio:.2f} | | "
        f"{'yes' if ratio <= 2 else 'no'} |")
    say()
    say(f"Load average at end: {loadavg()}.")
    if not quick:
        out = RESULTS / f"sim_{dt.date.today().isoformat()}.md"
        out.write_text("\n".join(lines) + "\n")
        print(f"\nwritten {out}")


def _fresh_truth(world, true_ratings):
    from sealvalid.sim.truth import _truth

    _truth.cache_clear()
    return true_ratings(world)


if __name__ == "__main__":
    main()
