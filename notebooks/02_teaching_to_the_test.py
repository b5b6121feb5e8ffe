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
# # Teaching to the test: style, the arena's prompt mix, arena data — and the Goodhart gap
#
# **Question.** A lab can climb a crowd-vote leaderboard without getting better for real users:
# by spending its optimisation effort on what the arena's voters reward (longer, more heavily
# formatted answers; a pleasing tone; skill moved toward the arena's prompt mix), and by feeding
# the arena's own data back into training. How much board gain does that buy that is *not*
# real-world gain (the **Goodhart gap**), and how much of it do three safeguards take back:
# **style control** (LMArena, SEAL Showdown), a **no-release window** for arena data (SEAL
# Showdown) and **fresh prompts** (rotating the prompt pool)?
#
# **Method.** `sealvalid.strategies.TeachingToTheTest` (source: *The Leaderboard Illusion*,
# Singh et al., arXiv 2504.20879, section 5) in a simulated arena with a known truth
# (`sealvalid.sim`). The lab's budget `effort` (Arena points) is split into three channels,
# each calibrated so that `x` points on it raise the model's true *overall* rating (the
# infinite-vote board of the honest crowd) by `x`:
#
# * **style** — every style count (tokens, headers, lists, bold) scaled up: visible to style
#   control;
# * **appeal** — latent appeal (sycophancy, tone): rewarded like style, recorded by no column;
# * **distribution** — substance moved from the real-world mix toward the arena's mix of
#   categories and languages.
#
# The **data loop**: over `rounds` 30-day periods the lab's model battles on the arena; the
# prompts of its battles reach the lab after `data_delay_days` (the no-release window) and the
# next version answers those *seen* prompts better by `gain_max * (1 - exp(-D / data_scale))`
# points (`D` battles of data); a share `prompt_rotation` of the pool is replaced each period
# (fresh prompts), so memorised prompts drop out.
#
# Every replicate also simulates the **honest counterfactual** (the original model, no data
# loop) from the same random stream and publishes it through the same safeguards, so
# `board_gain` = gamed board − counterfactual board is paired, and
# `goodhart_gap = board_gain − real_gain`, with `real_gain` the change of the model's
# *real-world* truth (ideal judges, real-world prompt mix; exact).
#
# **Assumptions, stated up front.**
# * Effort is priced in honest-crowd points: a channel voters do not reward buys nothing.
# * Style control's covariates are exactly the simulator's style features; voters' style
#   weights vary by segment, so one fitted coefficient is an average.
# * Memorisation: one gain for every seen prompt, nothing on unseen prompts, nothing in real
#   use. The prompt pool has 5,000 distinct prompts (near-duplicates count as one), so arena
#   prompts recur; with LMArena-sized pools of unique prompts the loop would matter less.
# * The lab sees only its own model's battles; the arena's vote flow, models and (uniform)
#   sampling are the same every period.
#
# `SEALVALID_FAST=1` shrinks replicates and grids (the notebook then runs in well under a
# minute); the conclusions below are from full mode.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from sealvalid.defenses import (
    Attack,
    FreshPrompts,
    NoReleaseWindow,
    StyleControl,
    defense_table,
    evaluate_defenses,
)
from sealvalid.plots.defenses import plot_attack_defense
from sealvalid.plots.teaching import plot_data_loop, plot_goodhart_gap
from sealvalid.sim import PromptDistribution, UniformPairs, preset
from sealvalid.strategies import TeachingToTheTest, run_strategy
from sealvalid.strategies.teaching import arena_win_rate

FAST = os.environ.get("SEALVALID_FAST") == "1"
SEED = 20261204
REPS = 6 if FAST else 30


def seed(section: int) -> np.random.SeedSequence:
    """A fresh seed sequence for a section: the same streams every time it is called.

    Passing the same seed to runs with different safeguards gives common random numbers
    (replicate r sees the same arena either way), so the differences are paired.
    """
    return np.random.SeedSequence(SEED, spawn_key=(section,))

N_VOTES = 4000  # arena votes per 30-day period (all models)
pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 20)
print(f"fast mode: {FAST}; replicates per cell: {REPS}")

# %% [markdown]
# ## The arena
#
# An early-LMArena-like world (`preset("lmarena-like")`): a tech-enthusiast crowd that rewards
# length and markdown (length coefficient near LMSYS's 0.25 per standardised unit) and latent
# appeal, coding-heavy prompts, 5% low-effort voters. We keep 8 models, all present at once and
# sampled uniformly, and a pool of 5,000 prompts. The lab plays for the model of median quality.

# %%
base = preset("lmarena-like", n_models=8, n_steps=1, policy=UniformPairs(), truth_by=())
WORLD = base.replace(prompts=PromptDistribution(arena_p=base.prompts.arena_p, n_prompts=5000))
LAB = TeachingToTheTest().base_model(WORLD).name
print("lab's model:", LAB)
pd.DataFrame([{"model": m.name, "quality": m.quality, "appeal": m.appeal, "tokens": m.tokens}
              for m in WORLD.models]).round(1)

# %% [markdown]
# ## 1. Effort → Goodhart gap, per channel, with and without style control
#
# One curve per safeguard; the dashed black line is the real-world gain (zero for style and
# appeal; for the distribution channel whatever moving skill toward the arena mix does to the
# real-world mix).

# %%
EFFORTS = [0.0, 100.0] if FAST else [0.0, 25.0, 50.0, 100.0, 150.0]
CHANNEL_SHARES = {"style": (1.0, 0.0, 0.0), "appeal": (0.0, 1.0, 0.0),
                  "distribution": (0.0, 0.0, 1.0)}
frames = []
for ch, (s, a, d) in CHANNEL_SHARES.items():
    for e in EFFORTS:
        strat = TeachingToTheTest(effort=e, style=s, appeal=a, distribution=d)
        for label, guard in (("none", ()), ("style-control", StyleControl())):
            f = run_strategy(WORLD, strat, n_votes=N_VOTES, n_replicates=REPS, rng=seed(0),
                             defenses=guard)
            frames.append(f[f["gamed"]].assign(channel=ch, effort=e, defense=label))
effort = pd.concat(frames, ignore_index=True)

fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
for ax, ch in zip(axes, CHANNEL_SHARES, strict=True):
    plot_goodhart_gap(effort[effort["channel"] == ch], ax=ax)
    ax.set_title(f"channel: {ch}")
fig.tight_layout()

# %%
top = max(EFFORTS)
summary = (effort[effort["effort"] == top]
           .groupby(["channel", "defense"])[["board_gain", "real_gain", "goodhart_gap"]]
           .agg(["mean", "sem"]).round(1))
display(summary)

# %% [markdown]
# ## 2. The data-access loop, and what the no-release window and fresh prompts take back
#
# The lab spends no effort here (`effort=0`): the only gain is memorised arena prompts,
# `gain_max = 100` points with unlimited data, `data_scale = 2000` battles. We vary the number
# of data periods before the scored release. The window is SEAL's 60 days (longer than a
# 30-day period, so the data of the last two periods never reach the release); fresh prompts
# replace half the pool per period.

# %%
ROUNDS = [0, 2, 4] if FAST else [0, 1, 2, 3, 4, 6]
LOOP_DEFENSES = {"none": (), "no-release-window (60 d)": NoReleaseWindow(days=60.0),
                 "fresh-prompts (50%)": FreshPrompts(rotation=0.5),
                 "both": (NoReleaseWindow(days=60.0), FreshPrompts(rotation=0.5))}
frames = []
for r in ROUNDS:
    strat = TeachingToTheTest(effort=0.0, rounds=r, gain_max=100.0, data_scale=2000.0)
    for label, guard in LOOP_DEFENSES.items():
        f = run_strategy(WORLD, strat, n_votes=N_VOTES, n_replicates=REPS, rng=seed(1),
                         defenses=guard)
        frames.append(f[f["gamed"]].assign(defense=label))
loop = pd.concat(frames, ignore_index=True)

fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
plot_data_loop(loop, ax=axes[0])
plot_data_loop(loop, y="seen_share", ax=axes[1])
fig.tight_layout()

# %%
(loop[loop["rounds"] == max(ROUNDS)]
 .groupby("defense")[["data_battles", "seen_share", "memorised_gain", "board_gain",
                      "goodhart_gap"]].mean().round(2))

# %% [markdown]
# ## 3. When it is measured: at release, and after fresh votes
#
# The same loop (4 data periods), scored at release and after 2,000 more battles of the model
# from the following period. The model is frozen after release, so the memorised gain stays;
# only rotation of the pool between release and the fresh votes erodes it.

# %%
rows = []
for fresh in (0, 2000):
    strat = TeachingToTheTest(effort=0.0, rounds=4, gain_max=100.0, fresh_votes=fresh)
    for label, guard in (("none", ()), ("fresh-prompts (50%)", FreshPrompts(rotation=0.5))):
        f = run_strategy(WORLD, strat, n_votes=N_VOTES, n_replicates=REPS, rng=seed(2),
                         defenses=guard)
        g = f[f["gamed"]]
        rows.append({"measured": "at release" if fresh == 0 else f"+{fresh} fresh votes",
                     "defense": label, "seen_share": g["seen_share"].mean(),
                     "goodhart_gap": g["goodhart_gap"].mean(),
                     "se": g["goodhart_gap"].std(ddof=1) / np.sqrt(len(g))})
pd.DataFrame(rows).round(2)

# %% [markdown]
# ## 4. The Leaderboard Illusion's fine-tuning experiment, in shape
#
# The paper: mixing arena data into fine-tuning raised the win rate on an arena-distribution
# test from 23.5% to 49.9% (+112%) while MMLU stayed flat. **Setting here:** the lab's model is
# the weakest of the world, the reference the strongest (so the original win rate is near the
# paper's 23.5%); 6 data periods of 8,000 arena votes (about 12,000 battles of data on the
# 5,000-prompt pool), `gain_max = 250`. The arena-distribution test is 4,000 battles against the
# reference on prompts from the arena's pool, judged by the arena's voters; the general score is
# the real-world truth (ideal judges on the real-world mix), relative to the reference.

# %%
weakest = min(WORLD.models, key=lambda m: m.quality).name
strongest = max(WORLD.models, key=lambda m: m.quality).name
li = TeachingToTheTest(effort=0.0, rounds=6, gain_max=250.0, model=weakest)
wr = arena_win_rate(WORLD, li, reference=strongest, n_votes=8000, n_test=4000, rng=seed(3))
display(wr.round(3))
before, after = wr.set_index("version").loc["original"], wr.set_index("version").loc["tuned"]
print(f"arena-distribution win rate: {before['win_rate']:.1%} -> {after['win_rate']:.1%} "
      f"({after['win_rate'] / before['win_rate'] - 1:+.0%}); general (real-world) score: "
      f"{before['real_world']:.1f} -> {after['real_world']:.1f} points")

# %% [markdown]
# By construction the general score cannot move (memorisation adds no substance), so the check
# is that the *arena* measure can move this much from data alone with a realistic amount of
# recurrence — not an independent confirmation of the paper's number, which depends on
# `gain_max` and on how often arena prompts recur.
#
# ## 5. Every safeguard against every form of the attack, and what each costs an honest arena
#
# `evaluate_defenses` replays each attack with and without each safeguard on the same streams;
# the metric is the Goodhart gap. *removed* is the share of the undefended gap taken back
# (paired ratio, 95% interval). The attacks: 100 points on one channel each, and the data loop
# (4 periods).

# %%
attacks = [Attack(name=f"{ch} (100 pts)", world=WORLD, n_votes=N_VOTES, metric="goodhart_gap",
                  strategy=TeachingToTheTest(effort=100.0, style=s, appeal=a, distribution=d))
           for ch, (s, a, d) in CHANNEL_SHARES.items()]
attacks.append(Attack(name="data loop (4 periods)", world=WORLD, n_votes=N_VOTES,
                      metric="goodhart_gap",
                      strategy=TeachingToTheTest(effort=0.0, rounds=4, gain_max=100.0)))
raw = evaluate_defenses(attacks, {"style-control": StyleControl(),
                                  "no-release-window": NoReleaseWindow(days=60.0),
                                  "fresh-prompts": FreshPrompts(rotation=0.5)},
                        n_replicates=max(REPS // 2, 4), rng=seed(4))
table = defense_table(raw)
display(table[["attack", "defense", "shift", "shift_lower", "shift_upper", "removed",
               "removed_lower", "removed_upper", "honest_tau"]].round(2))
ax = plot_attack_defense(table)

# %% [markdown]
# The cost on an honest arena (no effort, no data loop): the counterfactual honest board's RMS
# distance (Arena points, centred) from the crowd's own estimand (`overall` truth) and from
# real-world quality, per safeguard.

# %%
honest = TeachingToTheTest(effort=0.0, gain_max=0.0, rounds=2)
rows = []
for label, guard in (("none", ()), ("style-control", StyleControl()),
                     ("no-release-window", NoReleaseWindow(days=60.0)),
                     ("fresh-prompts", FreshPrompts(rotation=0.5))):
    f = run_strategy(WORLD, honest, n_votes=N_VOTES, n_replicates=REPS, rng=seed(5),
                     defenses=guard)
    g = f[f["gamed"]]
    rows.append({"defense": label, "honest_err_arena": g["honest_err_arena"].mean(),
                 "honest_err_real": g["honest_err_real"].mean(),
                 "honest_dropped": int(g["honest_dropped"].sum()),
                 "board vs none (max |diff|)": np.nan})
    if label == "none":
        ref = f["score_shift"].to_numpy()
    rows[-1]["board vs none (max |diff|)"] = float(np.abs(f["score_shift"].to_numpy()
                                                          - ref).max())
pd.DataFrame(rows).round(2)

# %% [markdown]
# ## What this means, and what it does not
#
# Figures quoted are from full mode (30 replicates per cell, seed 20261204).
#
# * **Teaching to the test pays, and the gap is the whole payment.** Every channel buys board
#   points point for point (by calibration; 100 points of effort gave a Goodhart gap of about
#   100 for style, 104 for appeal), and none of it is real-world gain for style and appeal. The
#   distribution channel left real-world quality slightly *up* here (+12 points for 100 of
#   effort, because this world's real-world mix overlaps the arena's), but the gap is still 88.
# * **Style control takes back the style channel and nothing else.** It removed all of the gap
#   bought with length and markdown (100%, interval 89–110%), but latent appeal has no style
#   column: the appeal gap survives intact (−2% removed), as do the distribution and data-loop
#   gaps — a finding, not a bug. Its cost on an honest arena: the board moves away from what
#   the crowd prefers (RMS distance from the `overall` truth 9 → 31 points) toward substance
#   (distance from real-world quality 26 → 22 points).
# * **The data loop is slowed by the window and broken by rotation.** After 4 data periods the
#   loop's gap was 43 points; a 60-day window left 17 (61% removed), rotating half the pool per
#   period left 12 (73%), and both together left 3 of 60 after 6 periods. Fresh votes after
#   release do not wash out memorisation (40 → 43 points without rotation); with rotation they
#   erode it further (11 → 7). Neither rule costs an honest arena anything in this model
#   (boards identical: 0.00 points, no votes dropped); their real costs (labs learning later,
#   curating prompts) are outside the model.
# * **The Leaderboard Illusion's shape is reproduced in its own setting:** arena-distribution
#   win rate 22% → 48% (+116%; the paper: 23.5% → 49.9%) with the general score flat — by
#   construction, as memorisation adds no substance; the size depends on `gain_max` and on
#   prompt recurrence, which we chose.
# * **Not shown:** gains that generalise from arena data beyond the seen prompts; a lab that
#   buys data from other sources; a sampling policy that rewards a rising model with more
#   battles (a stronger loop); real prompt recurrence rates. The figures are from one simulated
#   world, not estimates for LMArena or SEAL Showdown.
