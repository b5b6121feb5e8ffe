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
# # Auditing a real leaderboard: how few votes decide the order
#
# **Question.** A crowd-vote leaderboard publishes an order of models. How many votes stand
# between that order and a different one? If removing a handful of votes out of thousands would
# swap the leader, the published order says less than its precision suggests.
#
# We answer it three ways, all with the public API of `sealvalid.audit`:
#
# 1. **From votes** (`fragility`): refit the Bradley–Terry board after removing the votes with
#    the largest influence on a pair's gap (worst-case *drop-k*), or after adding votes for the
#    lower model (*add-k*, the rigging distance). Every reported flip is verified by an exact
#    refit. A random drop of the same size is the baseline.
# 2. **From a published table alone** (`table_fragility`): from the ratings, their 95%
#    intervals and vote counts, the probability that each adjacent pair is correctly ordered,
#    simulated rank ranges, and an approximate votes-to-flip.
# 3. **Planning** (`votes_to_separate`): how many votes a model needs before a gap of a given
#    size can be told apart from noise.
#
# **Assumptions.** The board is a Bradley–Terry model with ties as half a win (LMArena's
# convention). Drop-k is a *worst case* chosen by someone who sees every vote; it is an upper
# bound on fragility, not an estimate of what random noise does (the random baseline is that).
# The table audit treats the published intervals as normal and independent between models, which
# they are not exactly (ratings share opponents).
#
# **Data.** Real data is read from the folder named by the environment variable
# `SEALVALID_DATA`; by default `../shared/data` relative to the repository root.
# `SEALVALID_FAST=1` shrinks the random baselines and the curve (the searches are exact either
# way).

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sealvalid.audit import (
    fragility,
    power_table,
    select_snapshot,
    table_fragility,
    votes_to_separate,
)
from sealvalid.data import read_leaderboard, read_votes, validate_votes
from sealvalid.plots.fragility import (
    plot_drop_curve,
    plot_fragility,
    plot_pair_confidence,
    plot_power,
    plot_rank_intervals,
)

ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").exists())
DATA = Path(os.environ.get("SEALVALID_DATA") or ROOT.parent / "shared" / "data")
FAST = os.environ.get("SEALVALID_FAST") == "1"
SEED = 20261204
rng = np.random.default_rng(SEED)
streams = rng.spawn(3)  # one stream per audit below

N_RANDOM = 20 if FAST else 200  # random-drop draws per pair (the baseline)
CURVE_POINTS = 4 if FAST else 12
print(f"data: {DATA}  fast mode: {FAST}")

# %% [markdown]
# ## 1. From votes: the LLMFAO crowd
#
# LLMFAO is a crowd-sourced pairwise comparison of ~60 LLMs on 13 prompts. We audit the full
# board: the top spot (the leader against its closest challengers) and every adjacent pair.

# %%
llmfao = read_votes(DATA / "llmfao-crowd-vs-gpt-judge" / "crowd-comparisons.csv")
res = fragility(llmfao, rng=streams[0], n_random=N_RANDOM, curve_points=CURVE_POINTS)
summary = res.summary()
pd.Series(summary)

# %%
top = res.table[res.table["kind"] == "top_spot"].iloc[0]
print(f"{top['model_above']} leads {top['model_below']} by {top['gap']:.1f} points; "
      f"removing {top['drop_k']} of {summary['n_votes']} votes "
      f"({top['drop_share']:.2%}) flips the top spot (verified: {top['drop_verified']}); "
      f"{top['add_k']} added votes would do the same. "
      f"Random drops of the same size flip it in {top['random_flip_rate']:.0%} "
      f"of {N_RANDOM} draws.")

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 8))
plot_fragility(res.table, ax=axes[0], top=30, n_votes=summary["n_votes"])
if res.curve is not None:
    plot_drop_curve(res.curve, ax=axes[1], label="LLMFAO crowd, top pair")
fig.tight_layout()

# %% [markdown]
# Which votes are they? The removed votes of the top-spot flip, with their voters:

# %%
res.removed[res.removed["kind"] == "top_spot"].head(15)

# %% [markdown]
# ## 2. From votes: the PRD human crowd
#
# PRD (Peer Rank and Discussion) has human pairwise ratings of a handful of models on Vicuna-80
# questions, next to LLM reviewers. We audit the human (crowd) votes only.

# %%
prd = read_votes(DATA / "prd-vicuna80-human-vs-llm-reviewers" / "pairwise_ratings_compact.csv")
human = validate_votes(prd[prd["rater_type"] == "crowd"].reset_index(drop=True))
res_prd = fragility(human, rng=streams[1], n_random=N_RANDOM, curve_points=0)
pd.Series(res_prd.summary())

# %%
res_prd.table[["kind", "model_above", "model_below", "gap", "drop_k", "drop_share",
               "drop_verified", "add_k"]]

# %% [markdown]
# ## 3. From a published table: an LMArena snapshot
#
# Here there are no votes, only the published ratings, intervals and vote counts. We read the
# latest LMArena text leaderboard in `shared/data` and audit its adjacent pairs.

# %%
board = read_leaderboard(DATA / "lmarena-leaderboard-csv-history" / "latest" / "lmarena_text.csv")
wide, chosen = select_snapshot(board)
print(chosen, f"{len(wide)} models")
ta = table_fragility(board, n_draws=500 if FAST else 4000, rng=streams[2])
pd.Series(ta.summary())

# %%
fig, axes = plt.subplots(1, 2, figsize=(15, 9))
plot_rank_intervals(ta.models, ax=axes[0], top=30)
plot_pair_confidence(ta.pairs, ax=axes[1], top=30)
fig.tight_layout()

# %% [markdown]
# ## 4. Planning: how many votes separate two models?
#
# `votes_to_separate` gives the votes per model (each playing a well-measured field, as in the
# arena) needed to detect a true gap with 80% power at the 5% level; `power_table` tabulates it.

# %%
power_table()

# %%
print(f"a 10-point gap needs ~{votes_to_separate(10):.0f} votes per model; "
      f"a 5-point gap ~{votes_to_separate(5):.0f}")
ax = plot_power(ta.pairs, top=30)

# %% [markdown]
# ## What this means, and what it does not
#
# * On the LLMFAO crowd board, a **few dozen votes or fewer out of ~9,000** decide the top spot
#   and most adjacent pairs, while the same number of *random* votes almost never does: the order
#   rests on a small, identifiable set of votes. The PRD human board is smaller still, and a
#   handful of votes decides its top pair.
# * For the published LMArena text table, most adjacent pairs (247 of 264 in the snapshot read
#   here) are correctly ordered with probability below 95%, while the leader's lead is secure:
#   below the top, the published rank numbers are more precise than the data behind them.
# * Drop-k is a **worst case**. It does not say that those votes are wrong or were rigged; it
#   says how much weight the order puts on them. A fragile pair is one whose order a small,
#   motivated group could change, or that more votes could easily reverse.
# * The table audit is approximate: it assumes normal, independent intervals and estimates
#   votes-to-flip from the interval widths, so treat its numbers as orders of magnitude.
