# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Construct validity on real data: do crowd votes measure model quality?
#
# **Question.** A crowd-vote leaderboard claims to rank models by quality. Its votes could
# instead track something else: style, length, the crowd's particular tastes. If crowd votes
# measure quality, they should agree with *independent* judgments of quality — expert
# annotators, LLM judges, benchmark scores — beyond what vote-sampling noise allows.
#
# **Method.** `sealvalid.bayes.ConstructValidity` is a one-factor latent-variable model. Each
# model has a latent quality `q`; every independent measurement (a judge's pairwise votes, a
# benchmark score) loads on `q` plus its own taste; the crowd's Bradley–Terry strength is
# correlated with `q` by **`rho`, the validity coefficient**. Vote sets enter through their
# Bradley–Terry likelihood, so `rho` is disattenuated for vote-sampling noise. Alongside it we
# report raw **agreement rates** between rater groups on the same battles (`agreement_table`),
# the model-free view of the Chatbot Arena paper.
#
# **Assumptions, stated up front.**
# * One latent quality explains what the measurements share (one factor).
# * With a **single** independent measurement, its own taste cannot be separated from quality:
#   `rho` is then a *conservative* (attenuated) value — the table's `note` says so. Two or more
#   measurements identify it.
# * Benchmarks enter as complete columns: only models with every score are kept.
# * The model needs more models than measurements plus one.
# * Fits must pass convergence gates (R-hat, ESS, divergences); a fit that fails raises.
#
# **Data.** Real data is read from the folder named by the environment variable
# `SEALVALID_DATA`; by default `../shared/data` relative to the repository root.
# `SEALVALID_FAST=1` keeps the 10 most-voted models and a subset of votes, and runs only the two
# core fits; it **never** reduces the MCMC draws the convergence gates need.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from sealvalid.bayes import ConstructValidity, agreement_table, benchmark_scores
from sealvalid.data import read_leaderboard, read_votes
from sealvalid.plots.validity import (
    plot_agreement,
    plot_crowd_vs_quality,
    plot_ppc,
    plot_validity,
)

ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").exists())
DATA = Path(os.environ.get("SEALVALID_DATA") or ROOT.parent / "shared" / "data")
FAST = os.environ.get("SEALVALID_FAST") == "1"
SEED = 20261204
seeds = np.random.default_rng(SEED).spawn(3)  # one stream per fit / bootstrap
print(f"data: {DATA}  fast mode: {FAST}")

SHOW = ["quantity", "measure", "mean", "lower", "upper", "n_models", "r_hat", "ess_bulk", "note"]

# %% [markdown]
# ## 1. LLMFAO: crowd votes against GPT-4 as a judge
#
# LLMFAO collected crowd pairwise votes on ~60 LLMs, and had GPT-4 (and GPT-3.5) judge the same
# pairs. First the model-free view: how often do crowd and judge pick the same winner on the same
# battle?

# %%
folder = DATA / "llmfao-crowd-vs-gpt-judge"
crowd = read_votes(folder / "crowd-comparisons.csv")
gpt4 = read_votes(folder / "gpt4-comparisons.csv")
judges = {"gpt-4": gpt4}
if not FAST:
    judges["gpt-3.5"] = read_votes(folder / "gpt3-comparisons.csv")
print(f"crowd: {len(crowd)} votes, {crowd['model_a'].cat.categories.size} models; "
      + ", ".join(f"{k}: {len(v)} votes" for k, v in judges.items()))

agree = agreement_table({"crowd": crowd, **judges}, rng=seeds[0],
                        n_draws=1000 if FAST else 4000)
agree.round(3)

# %%
ax = plot_agreement(agree, ties="without")

# %% [markdown]
# Now the model. In fast mode only GPT-4 is the independent measurement, so `rho` is the
# conservative, single-measurement value; in full mode GPT-3.5 joins and the judges' own
# tastes are identified.

# %%
fit = ConstructValidity().fit(crowd, judges=judges, seed=seeds[1])
res = fit.result_
print(res.status, "| sampler:", res.sampler, "| seed:", res.seed)
res.table[SHOW]

# %%
v = res.validity()
print(f"LLMFAO: validity rho = {v['mean']:.2f} "
      f"[{v['lower']:.2f}, {v['upper']:.2f}] over {v['n_models']} models")

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 5))
plot_validity(res.table, ax=axes[0])
plot_crowd_vs_quality(res.models, ax=axes[1])
fig.tight_layout()

# %% [markdown]
# Posterior predictive check: do the fitted strengths reproduce each vote set's win shares?

# %%
if res.ppc is not None:
    ax = plot_ppc(res.ppc, source="crowd")

# %% [markdown]
# ## 2. LMSYS 2023-12-20: Arena Elo against MT-bench
#
# Here we have no votes, only the published table: Arena Elo (the crowd's rating, taken as
# exact) and MT-bench (a GPT-4-judged benchmark); only models with every score are kept. In full
# mode MMLU joins as a second, non-judge benchmark (34 models have all three).

# %%
table = read_leaderboard(DATA / "lmsys-leaderboard-tables" / "leaderboard_table_20231220.csv")
arena = benchmark_scores(table, "rating")
benches = {"mt_bench": benchmark_scores(table, "mt_bench")}
if not FAST:
    benches["mmlu"] = benchmark_scores(table, "mmlu")
print(f"Arena Elo for {arena.notna().sum()} models; "
      + ", ".join(f"{k}: {v.notna().sum()}" for k, v in benches.items()))

fit_board = ConstructValidity().fit(arena, benchmarks=benches, seed=seeds[2])
res_board = fit_board.result_
print(res_board.status)
res_board.table[SHOW]

# %%
vb = res_board.validity()
print(f"LMSYS 2023-12-20: validity rho = {vb['mean']:.2f} "
      f"[{vb['lower']:.2f}, {vb['upper']:.2f}] over {vb['n_models']} models")
fig, axes = plt.subplots(1, 2, figsize=(14, 5))
plot_validity(res_board.table, ax=axes[0])
plot_crowd_vs_quality(res_board.models, ax=axes[1])
fig.tight_layout()

# %% [markdown]
# ## 3. Full mode only: expert annotators against LLM judges (PandaLM)
#
# PandaLM's test set has three human annotators per battle and two LLM judges (GPT-3.5 and
# PandaLM-7B). Agreement rates set the judges against the annotators, and the annotators against
# each other (the ceiling any judge can hope to reach).

# %%
if not FAST:
    pfolder = DATA / "pandalm-testset-3annotators-vs-llm-judges"
    panda = {
        "annotators": read_votes(pfolder / "testset-v1.json"),
        # 25 GPT-3.5 verdicts are unparseable ("garbage"); they are dropped, with a warning
        "gpt-3.5": read_votes(pfolder / "gpt-3.5-turbo-testset-v1.json", on_invalid="drop"),
        "pandalm-7b": read_votes(pfolder / "pandalm-7b-testset-v1.json"),
    }
    agree_panda = agreement_table(panda, rng=np.random.default_rng(SEED))
    display(agree_panda.round(3))
    plot_agreement(agree_panda, ties="with")

# %% [markdown]
# ## What this means, and what it does not
#
# * On LLMFAO, the crowd's strengths correlate strongly with the quality GPT-4's verdicts
#   reveal, and on the December 2023 LMSYS board Arena Elo and MT-bench agree across the
#   models with every score (34 with MMLU in full mode; 10 in fast mode): on these data the
#   crowd ranks models largely by the same thing the judges and benchmarks measure.
# * `rho` is a correlation **across models**. A high value does not mean each vote is right
#   (battle-level agreement is far lower: see the agreement tables), nor that close pairs are
#   ordered correctly — see notebook 06 for how few votes decide them.
# * With one independent measurement, `rho` is attenuated by that judge's own taste: the true
#   validity is at least as high, if the one-factor model holds. GPT-4 and MT-bench are not
#   neutral instruments either: both are LLM judgments that may share the crowd's preference for
#   long, well-formatted answers, so their agreement is evidence of shared signal, not proof
#   that the signal is "quality".
# * Fast mode keeps the 10 most-voted LLMFAO models; its numbers describe those models only.
