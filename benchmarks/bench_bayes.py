"""Bayesian models: speed, full SBC / recovery, and the real-data validity runs.

Run in the package environment::

    .venv/bin/python benchmarks/bench_bayes.py speed      # 1M votes, 50 models x 20 segments
    .venv/bin/python benchmarks/bench_bayes.py sbc        # full SBC + validity recovery
    .venv/bin/python benchmarks/bench_bayes.py realdata   # LLMFAO, PandaLM, PRD, LMSYS
    .venv/bin/python benchmarks/bench_bayes.py all

Each part writes ``benchmarks/results/bayes_<part>_<date>.md``. The speed target: the plain
hierarchical model (no ties, no voter effects) on 1M simulated votes over 50 models x 20
segments passes the convergence gates in under 90 s on 2 cores, compilation included (timed
from a fresh process: model build, nutpie/numba compilation, sampling, gates and tables).
The machine is shared: the load average is recorded beside every time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DATA = Path(os.environ.get("SEALVALID_DATA", HERE.parent.parent / "shared" / "data"))
SEED = 20261204
SMALL_K = None


def _load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _header(title: str) -> list[str]:
    import nutpie
    import pymc

    return [f"# {title} ({dt.date.today()})", "",
            f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}; pymc {pymc.__version__}, nutpie "
            f"{nutpie.__version__}. {_load()} at start.", ""]


# --------------------------------------------------------------------------- speed
SPEED_CHILD = r"""
import json, os, sys, time, warnings
t0 = time.perf_counter()
from sealvalid.bayes import HierarchicalBT, SamplerConfig
from sealvalid.bayes.sbc import simulate_hierarchical
variant, n_votes, n_models, n_seg, chains, draws, tune, voters = sys.argv[1:9]
n_votes, n_models, n_seg = int(n_votes), int(n_models), int(n_seg)
chains, draws, tune, voters = int(chains), int(draws), int(tune), int(voters)
import numpy as np
rng = np.random.default_rng(20261204)
tie = None if variant == "plain" else -1.0
votes, truth = simulate_hierarchical(n_models, n_votes, levels={"segment": n_seg},
                                     sigma_theta=0.6, sigma_dev=0.15, tie_log=tie, rng=rng)
if variant in ("davidson_position", "davidson_position_voters"):
    votes["position"] = np.where(rng.random(len(votes)) < 0.5, "model_a", "model_b")
if variant == "davidson_position_voters":
    votes["voter_id"] = np.array([f"v{k}" for k in rng.integers(0, voters, len(votes))])
from sealvalid.data import validate_votes
votes = validate_votes(votes)
t1 = time.perf_counter()
est = HierarchicalBT(by="segment", ties="drop" if variant == "plain" else "davidson",
                     position=variant != "plain" and variant != "davidson",
                     voter_effects=variant == "davidson_position_voters",
                     sampler=SamplerConfig(chains=chains, draws=draws, tune=tune),
                     accept_unconverged=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    est.fit(votes, seed=20261204)
t2 = time.perf_counter()
res = est.result_
dev = res.table[res.table.dimension == "segment"]
dv = truth["dev"]["segment"]
true = {(f"m{m:02d}", f"se{s}"): 1000 + 400 / np.log(10) * (truth["theta"][m] + dv[m, s])
        for m in range(n_models) for s in range(n_seg)}
inside = np.mean([r.lower <= true[(r.model, r.segment)] <= r.upper for r in dev.itertuples()])
print(json.dumps({"variant": variant, "n_votes": n_votes, "n_cells": est.cells_.n_cells,
    "simulate_s": t1 - t0, "fit_s": t2 - t1, "total_s": t2 - t0,
    "compile_s": res.idata.attrs["compile_seconds"],
    "sampling_s": res.idata.attrs["sampling_seconds"],
    "converged": res.converged, "max_rhat": res.diagnostics.max_rhat,
    "min_ess": res.diagnostics.min_ess_bulk, "divergences": res.diagnostics.n_divergent,
    "chains": chains, "draws": draws, "tune": tune, "hdi95_coverage": float(inside),
    "parametrization": {k: v["form"] for k, v in est.parametrization_.items()},
    "load": os.getloadavg()}))
"""


def speed(quick: bool) -> list[str]:
    lines = _header("Hierarchical Bradley–Terry: speed")
    plan = [("plain", 1_000_000, 50, 20, 2, 2500, 500, 0),
            ("davidson", 1_000_000, 50, 20, 2, 2500, 500, 0),
            ("davidson_position", 1_000_000, 50, 20, 2, 2500, 500, 0),
            ("davidson_position_voters", 50_000, 20, 5, 2, 1500, 500, 10)]
    if quick:
        plan = [(v, 20_000, 10, 4, 2, 600, 300, k) for v, *_, k in plan]
    import json

    lines += ["Each row is one fresh process: simulate the votes, build and compile the model "
              "(nutpie, numba), sample, check the gates (R-hat <= 1.01, bulk ESS >= 400, no "
              "divergences), build the tables. `fit` = everything but the simulation.", "",
              "| variant | votes | cells | chains x draws (tune) | compile | sampling | fit "
              "(target < 90 s for plain) | gates | max R-hat | min ESS | div | 95% HDI coverage of "
              "segment ratings | load (1/5/15 min) |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in plan:
        cmd = [sys.executable, "-c", SPEED_CHILD, *map(str, row)]
        print("running", row, _load(), flush=True)
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        load = " / ".join(f"{x:.2f}" for x in r["load"])
        lines.append(
            f"| {r['variant']} | {r['n_votes']:,} | {r['n_cells']:,} | {r['chains']} x "
            f"{r['draws']} ({r['tune']}) | {r['compile_s']:.1f} s | {r['sampling_s']:.1f} s | "
            f"**{r['fit_s']:.1f} s** | {'pass' if r['converged'] else 'FAIL'} | "
            f"{r['max_rhat']:.4f} | {r['min_ess']:.0f} | {r['divergences']} | "
            f"{r['hdi95_coverage']:.3f} | {load} |")
        print(lines[-1], flush=True)
    lines += ["", "Parametrization chosen by the informativeness rule: centred deviations "
              "(about 2,000 votes per model and segment). Richer variants add a Davidson tie "
              "term, a position covariate (cells double) and voter discrimination (cells ~ one "
              "per vote: run on 50k votes, 20 models x 5 segments, 10 voters)."]
    return lines


# --------------------------------------------------------------------------- SBC / recovery
def sbc(quick: bool) -> list[str]:
    import numpy as np
    import pandas as pd

    from sealvalid.bayes import ConstructValidity, HierarchicalBT, SamplerConfig
    from sealvalid.bayes.diagnostics import NotConvergedWarning
    from sealvalid.bayes.sbc import (
        rank_uniformity,
        sbc_ranks,
        simulate_hierarchical,
        simulate_validity,
    )

    lines = _header("Simulation-based calibration and recovery")
    n_rep = 20 if quick else 100

    def simulate(rng):
        return simulate_hierarchical(6, 1500, levels={"region": 3}, sigma_theta=None,
                                     sigma_dev=None, rng=rng)

    def fit(votes, seed):
        # the package's own behaviour: centred / non-centred chosen per replicate by the rule
        return HierarchicalBT(by="region", ties="drop", sampler=SamplerConfig(),
                              accept_unconverged=True).fit(votes, seed=seed)

    def extract(est, truth):
        post = est.result_.idata["posterior"]
        out = {"sigma_theta": (post["sigma_theta"].values, truth["sigma_theta"]),
               "sigma_region": (post["sigma_region"].values, truth["sigma"]["region"])}
        for m in range(3):
            out[f"theta[m0{m}]"] = (post["theta"].values[..., m], truth["theta"][m])
            out[f"dev[m0{m},re{m}]"] = (post["dev_region"].values[..., m, m],
                                        truth["dev"]["region"][m, m])
        return out

    t0 = time.perf_counter()
    converged = []

    def fit_logged(votes, seed):
        est = fit(votes, seed)
        converged.append(est.result_.converged)
        return est

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotConvergedWarning)
        ranks = sbc_ranks(fit_logged, simulate, extract, n_replicates=n_rep, rng=SEED, thin=10)
    summ = rank_uniformity(ranks, n_bins=10)
    lines += [f"## Hierarchical BT: SBC, {n_rep} replicates ({time.perf_counter() - t0:.0f} s)",
              "", "6 models, 3 regions, 1,500 votes per replicate; sigma_theta ~ HalfNormal(1), "
              "sigma_region ~ HalfNormal(0.5) and all strengths drawn from the priors; "
              "4 chains x 1000 draws, thinned by 10 (400 draws); centred or non-centred blocks "
              "chosen per replicate by the informativeness rule. Ranks in 10 bins, chi-square "
              f"test of uniformity; coverage of the central 90% interval. Replicates passing "
              f"the gates: {np.mean(converged):.0%}.",
              "",
              summ.to_markdown(index=False, floatfmt=".3f") if _tab() else summ.to_string(), ""]

    # construct validity recovery: rho drawn uniformly, two judges and one benchmark
    rng = np.random.default_rng(SEED)
    rows = []
    n_val = 8 if quick else 30
    t0 = time.perf_counter()
    for r, stream in enumerate(rng.spawn(n_val)):
        rho = float(stream.uniform(-0.2, 0.95))
        sim = simulate_validity(15, rho=rho, crowd_votes=6000,
                                judges={"gpt": (3000, 0.8, 0.3), "expert": (1500, 0.7, 0.3)},
                                benchmarks={"bench": (1.0, 0.4)}, tie_log=-1.0, rng=stream)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotConvergedWarning)
            res = ConstructValidity(accept_unconverged=True, ppc=False).fit(
                sim["crowd"], judges=sim["judges"], benchmarks=sim["benchmarks"],
                seed=r).result_
        v = res.validity()
        vf = res.validity("validity_finite")
        rows.append({"replicate": r, "rho": rho, "rho_mean": v["mean"], "rho_lower": v["lower"],
                     "rho_upper": v["upper"], "rho_in": v["lower"] <= rho <= v["upper"],
                     "finite_true": sim["truth"]["validity_finite"],
                     "finite_in": vf["lower"] <= sim["truth"]["validity_finite"] <= vf["upper"],
                     "converged": res.converged})
    rec = pd.DataFrame(rows)
    lines += [f"## Construct validity: recovery, {n_val} replicates "
              f"({time.perf_counter() - t0:.0f} s)", "",
              "15 models; rho ~ Uniform(-0.2, 0.95); crowd 6,000 votes, GPT-like judge 3,000, "
              "expert 1,500, one benchmark; Davidson ties. Default sampler (4 x 1000, "
              "target_accept 0.95, low-rank mass matrix).", "",
              f"- 95% HDI of rho covers the truth in {rec['rho_in'].mean():.1%} of replicates; "
              f"of the finite-sample validity in {rec['finite_in'].mean():.1%}",
              f"- correlation of posterior mean and true rho: "
              f"{np.corrcoef(rec['rho'], rec['rho_mean'])[0, 1]:.3f}",
              f"- replicates passing the gates: {rec['converged'].mean():.1%}", "",
              rec.round(3).to_markdown(index=False) if _tab() else rec.round(3).to_string(), ""]
    return lines


def _tab() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------- real data
def realdata(quick: bool) -> list[str]:
    import pandas as pd

    from sealvalid.bayes import SamplerConfig

    global SMALL_K
    SMALL_K = SamplerConfig(target_accept=0.99, tune=2000, adaptation="low_rank")
    from sealvalid.bayes import ConstructValidity
    from sealvalid.bayes.agreement import agreement_matrix, agreement_table
    from sealvalid.bayes.validity import benchmark_scores
    from sealvalid.data import read_votes, validate_votes
    from sealvalid.data.boards import read_leaderboard

    if quick:
        os.environ["SEALVALID_FAST"] = "1"
    lines = _header("Construct validity on real data")
    lines += ["Default model: Davidson ties, position terms where a vote set records the side "
              "shown first, 4 chains x 1000 draws (1000 tune), target_accept 0.95, low-rank mass "
              "matrix; for data sets with fewer than 10 models (PandaLM, PRD: 5 models) "
              "target_accept 0.99 and 2000 tune. Intervals are 95% HDIs; every fit passed the "
              "gates unless marked. Seed 20261204 throughout.", ""]
    runs = []
    d = DATA / "llmfao-crowd-vs-gpt-judge"
    crowd = read_votes(d / "crowd-comparisons.csv")
    gpt4 = read_votes(d / "gpt4-comparisons.csv")
    gpt3 = read_votes(d / "gpt3-comparisons.csv")
    runs.append(("LLMFAO: crowd vs GPT-4 judge", crowd, {"gpt-4": gpt4}, {}))
    runs.append(("LLMFAO: crowd vs GPT-4 + GPT-3.5 judges", crowd,
                 {"gpt-4": gpt4, "gpt-3.5": gpt3}, {}))
    d = DATA / "pandalm-testset-3annotators-vs-llm-judges"
    ann = read_votes(d / "testset-v1.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 25 'garbage' verdicts dropped (counted)
        g35 = read_votes(d / "gpt-3.5-turbo-testset-v1.json", on_invalid="drop")
    p7 = read_votes(d / "pandalm-7b-testset-v1.json")
    runs.append(("PandaLM: 3 annotators vs GPT-3.5 + PandaLM-7B", ann,
                 {"gpt-3.5-turbo": g35, "pandalm-7b": p7}, {}))
    prd = read_votes(DATA / "prd-vicuna80-human-vs-llm-reviewers" / "pairwise_ratings_compact.csv")
    humans = prd[prd["rater_type"] == "crowd"]
    reviewers = {str(r): prd[prd["voter_id"] == r] for r in
                 sorted(prd.loc[prd["rater_type"] == "llm_judge", "voter_id"].dropna().unique())}
    # 5 answer models: at most 2 independent measurements fit (K - 1 > measurements)
    runs.append(("PRD Vicuna80: humans vs GPT-4 + Claude reviewers", validate_votes(humans),
                 {k: validate_votes(reviewers[k]) for k in ("gpt4", "claude")}, {}))
    runs.append(("PRD Vicuna80: humans vs GPT-4 reviewer", validate_votes(humans),
                 {"gpt4": validate_votes(reviewers["gpt4"])}, {}))
    table = DATA / "lmsys-leaderboard-tables" / "leaderboard_table_20231220.csv"
    board = read_leaderboard(table)
    elo = benchmark_scores(board, "rating")
    mt = benchmark_scores(board, "mt_bench")
    mmlu = benchmark_scores(board, "mmlu")
    runs.append(("LMSYS 2023-12-20: Arena Elo vs MT-bench", elo, {}, {"mt_bench": mt}))
    runs.append(("LMSYS 2023-12-20: Arena Elo vs MMLU", elo, {}, {"mmlu": mmlu}))
    runs.append(("LMSYS 2023-12-20: Arena Elo vs MT-bench + MMLU", elo, {},
                 {"mt_bench": mt, "mmlu": mmlu}))
    summary = ["| data set | models | validity rho (95% HDI) | finite-sample validity | "
               "measures' validity | gates | time |", "|---|---|---|---|---|---|---|"]
    details = []
    for title, c, judges, bench in runs:
        print("running", title, _load(), flush=True)
        t0 = time.perf_counter()
        small = len(set(c.index) if isinstance(c, pd.Series) else
                    set(c["model_a"].astype(str)) | set(c["model_b"].astype(str))) < 10
        # few models: the factor covariance is poorly determined; sample more carefully
        est = ConstructValidity(accept_unconverged=True, sampler=SMALL_K if small else None)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            est.fit(c, judges=judges, benchmarks=bench, seed=SEED)
        res = est.result_
        el = time.perf_counter() - t0
        v, vf = res.validity(), res.validity("validity_finite")
        mv = res.table[res.table["quantity"] == "measure_validity"]
        mvs = "; ".join(f"{r.measure} {r.mean:.2f} ({r.lower:.2f}–{r.upper:.2f})"
                        for r in mv.itertuples())
        summary.append(f"| {title} | {len(res.models)} | **{v['mean']:.2f} ({v['lower']:.2f} to "
                       f"{v['upper']:.2f})** | {vf['mean']:.2f} ({vf['lower']:.2f} to "
                       f"{vf['upper']:.2f}) | {mvs} | {res.status} ({res.diagnostics.max_rhat:.3f}"
                       f", ESS {res.diagnostics.min_ess_bulk:.0f}, "
                       f"{res.diagnostics.n_divergent} div) | {el:.0f} s |")
        print(summary[-1], flush=True)
        t = res.table.drop(columns=["sampler", "converged"]).round(3)
        details += [f"### {title}", "", f"{v['note']}.", "",
                    t.to_markdown(index=False) if _tab() else t.to_string(), ""]
        if res.ppc is not None:
            ext = res.ppc.groupby(["source", "statistic"])["extreme"].mean().round(3)
            details += ["Posterior predictive checks (share of statistics with p < .01 or "
                        "> .99):", "", ext.to_frame().to_markdown() if _tab() else
                        ext.to_string(), ""]
    lines += ["## Validity coefficients", ""] + summary + [""]
    lines += ["## Agreement tables (Chatbot Arena paper's form; Bayesian-bootstrap 95% "
              "intervals over battles)", ""]
    for title, votes in [
        ("LLMFAO (crowd vs GPT-4 / GPT-3.5 on the crowd's battles)",
         {"crowd": crowd, "gpt-4": read_votes(DATA / "llmfao-crowd-vs-gpt-judge" /
                                              "gpt4-crowd-comparisons.csv"),
          "gpt-3.5": read_votes(DATA / "llmfao-crowd-vs-gpt-judge" /
                                "gpt3-crowd-comparisons.csv")}),
        ("PandaLM (3 annotators, GPT-3.5, PandaLM-7B)", {
            "annotator1": ann[ann["voter_id"] == "annotator1"],
            "annotator2": ann[ann["voter_id"] == "annotator2"],
            "annotator3": ann[ann["voter_id"] == "annotator3"],
            "gpt-3.5-turbo": g35, "pandalm-7b": p7}),
        ("PRD Vicuna80 (humans vs LLM reviewers, both presentation orders)", prd),
    ]:
        at = agreement_table(votes, rng=SEED)
        for ties in ("with", "without"):
            m = agreement_matrix(at, ties=ties)
            lines += [f"### {title}: {ties} ties", "",
                      m.to_markdown() if _tab() else m.to_string(), ""]
    lines += ["## Details", ""] + details
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("part", choices=["speed", "sbc", "realdata", "all"])
    p.add_argument("--quick", action="store_true", help="small smoke run")
    args = p.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    parts = ["speed", "sbc", "realdata"] if args.part == "all" else [args.part]
    for part in parts:
        lines = {"speed": speed, "sbc": sbc, "realdata": realdata}[part](args.quick)
        suffix = "_quick" if args.quick else ""
        out = RESULTS / f"bayes_{part}{suffix}_{dt.date.today()}.md"
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"written {out}")


if __name__ == "__main__":
    main()
