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
# # Hill-climbing by private variants: best-of-N and the disclosure rules that undo it
#
# **Question.** A provider may test several private variants of a model on a crowd-vote arena
# and publish only the one that scored best, retracting the rest (*The Leaderboard Illusion*,
# Singh et al., arXiv 2504.20879; one provider tested 27 variants before a release). How many
# Arena points does that buy, how does the gain grow with the number of variants `N`, how much
# of it is left after the published model collects fresh votes, and what do LMArena's 2025
# provisional-score rule and full disclosure of every variant take back, at what cost?
#
# **Method.** Everything runs in the simulated arena of `sealvalid.sim`, where the truth is
# known, through the public API of `sealvalid.strategies` and `sealvalid.defenses`:
#
# * **The arena** is the `bt-simple` world: 12 models whose true strengths are 100-point-sd
#   draws, homogeneous voters who judge substance only (30 % ties, no style, position or
#   low-effort effects), uniform pair sampling. It is a correctly specified Bradley–Terry
#   world, so the **truth** — the infinite-vote board of the honest crowd — equals the
#   configured strengths, and any gap between the board and the truth is estimation error or
#   gaming.
# * **The strategy** (`BestOfN`): the public board is fitted from 20,000 honest votes among
#   the other 11 models; the provider's family (here the model ranked 5th, just off the
#   podium) is replaced by `N` private variants, each battling the public models
#   `votes_per_variant` times (2,000 unless stated: the size of LMArena's provisional
#   window, a realistic private test); the variant with the best Bradley–Terry score is
#   published with its votes, the others are retracted.
# * **The measure** is the published variant's `score_shift`: board rating minus true rating,
#   in Arena points (both centred over the board). Ranks are read too (`rank_shift`, the
#   chance of reaching the top 3).
# * **The prediction.** With identical variants the published score is the maximum of `N`
#   independent noisy estimates of one rating, so its expected inflation is
#   `E[max of N standard normals] · σ`, where `σ` is the rating sd of one variant — estimated
#   here from honest single releases (`N = 1`). With a true spread `s` between variants the
#   overstatement is `E[max] · σ² / √(σ² + s²)` (the winner's curse), and `F` fresh votes
#   dilute it by `n / (n + F)`. (`sealvalid.strategies.order_stats` states the model.)
#
# **Assumptions.** Variants battle only the public models, never each other; the provider
# selects on the same Bradley–Terry scores the arena publishes; votes are honest (no rigging);
# the arena mixes fresh votes into the same board. The truth is the crowd's own infinite-vote
# board: this notebook is about noise harvesting, not about whether the crowd measures quality
# (notebook 05).
#
# **Replicates and seeds.** Every setting at a given `N` uses the same seed, so replicate `r`
# sees the same votes in every setting (common random numbers) and differences between
# settings are paired. `SEALVALID_FAST=1` shrinks the grid and the replicates (runs in well
# under a minute); the full run takes a few minutes.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from scipy import stats

from sealvalid.defenses import DiscloseAll, ProvisionalScores
from sealvalid.plots.best_of_n import plot_disclosure, plot_gain_vs_n
from sealvalid.sim import preset, true_ratings
from sealvalid.strategies import (
    BestOfN,
    best_of_n_replicates,
    best_of_n_summary,
    expected_max_normal,
    label_best_of_n,
    run_strategy,
)

FAST = os.environ.get("SEALVALID_FAST") == "1"
SEED = 20250429
WORLD = preset("bt-simple", n_models=12)
N_VOTES = 20_000                  # honest votes of the public board
VOTES = 2_000                     # battles per private variant
N_GRID = [1, 5, 20] if FAST else [1, 2, 5, 10, 20, 50]
R = 8 if FAST else 60             # replicates per setting and N
R1 = 30 if FAST else 600          # honest single releases: they estimate σ
R_SMALL = 2 * R if FAST else 4 * R  # N <= 5: cheap runs whose gain is small next to its sd
VOTE_GRID = [500] if FAST else [500, 1_000]   # besides VOTES
SPREAD = 10.0                     # sd of true quality between variants (winner's curse)
FRESH = [2_000] if FAST else [2_000, 10_000]  # post-release votes
T0 = time.perf_counter()

truth = true_ratings(WORLD)
overall = truth[truth["scope"] == "overall"].set_index("model")["true_rating"]
ranked = overall.sort_values(ascending=False)
TARGET = ranked.index[4]
gaps = ranked.iloc[:4] - ranked.iloc[4]
print(f"fast mode: {FAST}; target {TARGET}, true rank 5; points behind #1–#4: "
      + ", ".join(f"{g:.0f}" for g in gaps))


def seed(n_variants: int, votes: int = VOTES) -> np.random.SeedSequence:
    """One root seed per (N, votes per variant), shared by every setting (paired runs)."""
    return np.random.SeedSequence([SEED, n_variants, votes])


def run(n_variants, reps, *, votes=VOTES, spread=0.0, fresh=0, defenses=(), setting=None):
    strategy = BestOfN(n_variants=n_variants, votes_per_variant=votes, spread=spread,
                       model=TARGET, fresh_votes=fresh)
    frame = run_strategy(WORLD, strategy, n_votes=N_VOTES, n_replicates=reps,
                         rng=seed(n_variants, votes), defenses=defenses)
    return label_best_of_n(frame, setting)


SHOW = ["setting", "n_variants", "votes_per_variant", "spread", "n_replicates", "gain",
        "gain_se", "predicted_gain", "predicted_se", "rank_gained", "p_top3", "fresh_votes"]

# %% [markdown]
# ## 1. Identical variants: pure noise harvesting
#
# All `N` variants have the same true strength; selecting the best only selects luck. The
# `N = 1` runs are honest single releases: their shift averages zero and its sd is `σ`.

# %%
AT = "at disclosure"
runs = [run(n, R1 if n == 1 else R_SMALL if n <= 5 else R, setting=AT) for n in N_GRID]
identical = pd.concat(runs, ignore_index=True)
s1 = best_of_n_summary(identical)
s1["z"] = (s1["gain"] - s1["predicted_gain"]) / np.hypot(s1["gain_se"], s1["predicted_se"])
display(s1[[*SHOW, "z"]].round(3))
sigma = s1["noise_sd"].iloc[0]
print(f"σ (rating sd of one variant with {VOTES:,} votes) = {sigma:.2f} ± "
      f"{s1['noise_sd_se'].iloc[0]:.2f} Arena points; largest |z| against the order "
      f"statistic: {s1['z'].abs().max():.2f}")

# %%
h = s1[s1["n_variants"] == 20].iloc[0]
print(f"HEADLINE: testing N = 20 identical private variants with {VOTES:,} votes each and "
      f"publishing the best inflates the published score by {h['gain']:.1f} ± "
      f"{h['gain_se']:.1f} Arena points (MC se, {int(h['n_replicates'])} replicates); the "
      f"order statistic predicts {h['predicted_gain']:.1f} ± {h['predicted_se']:.1f}. "
      f"The family reaches the top 3 in {h['p_top3']:.0%} of replicates "
      f"(honest release: {s1['p_top3'].iloc[0]:.0%}).")

# %%
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_gain_vs_n(identical, ax=ax)
_ = ax.set_title(f"Identical variants, {VOTES:,} votes each: gain = E[max of N] × σ",
                 fontsize=10)

# %% [markdown]
# The gain follows `E[max of N normals] · σ` to within about three combined Monte Carlo
# standard errors at every `N` (`z` is the gap in those units; the rows share one estimate of
# `σ`, so their `z` move together — a high `σ` draw pushes them all negative).
# It grows quickly at first and then slowly — roughly as `σ √(2 ln N)`: 1.16 σ at `N = 5`,
# 1.87 σ at 20, 2.25 σ at 50.
#
# ## 2. How the gain scales with the votes each variant gets
#
# `σ` shrinks as `1 / √n`, so the same `N` buys fewer points when each variant is tested on
# more votes. We repeat `N = 1` (for `σ`) and `N = 20` at other per-variant vote counts.

# %%
by_votes = pd.concat(
    [identical[identical["n_variants"].isin([1, 20])]]
    + [run(n, R1 // 2 if n == 1 else R, votes=v, setting=AT) for v in VOTE_GRID
       for n in (1, 20)], ignore_index=True)
s2 = best_of_n_summary(by_votes)
s2["sigma_sqrt_n"] = s2["noise_sd"] * np.sqrt(s2["votes_per_variant"])
display(s2[s2["n_variants"] == 20][[*SHOW, "sigma_sqrt_n"]].round(2))

# %%
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_gain_vs_n(by_votes, ax=ax)
_ = ax.set_title("Fewer votes per variant, noisier variants, larger gain", fontsize=10)

# %% [markdown]
# `σ √n` is roughly constant, as Bradley–Terry theory says: the gain at `N = 20` is about
# `1.87 × σ` whatever the count, so it is **tens of Arena points** when each variant gets a few
# hundred votes and about ten points at 2,000 — comparable to the gaps between neighbouring
# models at the top of a real leaderboard. Fewer votes per variant are cheaper for the provider
# and buy more: the noisier the test, the more there is to harvest.
#
# ## 3. Variants that really differ: the winner's curse
#
# Real variants differ in quality (sd `SPREAD` = 10 points here). Selecting the best then buys
# some real quality as well — the published variant's true rank improves — but the board still
# overstates it: the selected variant is also the luckiest. The prediction is
# `E[max] σ² / √(σ² + s²)` for the overstatement.

# %%
SPREAD_N = [n for n in N_GRID if n in (5, 20)]
spread = pd.concat([identical[identical["n_variants"] == 1]]
                   + [run(n, R, spread=SPREAD, setting=f"spread {SPREAD:g}")
                      for n in SPREAD_N], ignore_index=True)
s3 = best_of_n_summary(spread)
s3["real_gain_predicted"] = (s3["expected_max"] * SPREAD**2
                             / np.sqrt(s3["noise_sd"] ** 2 + SPREAD**2)).where(s3["spread"] > 0)
display(s3[[*SHOW[:8], "true_rank", "board_rank", "real_gain_predicted"]].round(2))

# %% [markdown]
# The overstatement is smaller than with identical variants (part of what the selection finds
# is real), but it does not vanish, and it grows with `N`; the published variant's mean
# **true** rank improves (real quality bought) while its **board** rank improves by more.
#
# ## 4. Fresh votes after release
#
# Once published, the model keeps collecting votes that were not selected on. Its score is then
# a vote-weighted mix of the lucky private votes and unbiased fresh ones, so the inflation
# falls as `n / (n + F)`: by half after as many fresh votes as it had private ones.

# %%
N_RULE = 20
fresh = pd.concat([identical[identical["n_variants"] == N_RULE]]
                  + [run(N_RULE, R, fresh=f) for f in FRESH], ignore_index=True)
s4 = best_of_n_summary(pd.concat([identical[identical["n_variants"] == 1], fresh],
                                 ignore_index=True))
display(s4[s4["n_variants"] == N_RULE][SHOW].round(2))

# %% [markdown]
# ## 5. Disclosure rules: provisional scores and disclose-all
#
# * **Provisional scores** (LMArena, 2025): a family that tested more than 10 variants is
#   scored only after 2,000 fresh votes of its published model (`ProvisionalScores()`).
# * **Disclose all**: every variant tested is published with its score (`DiscloseAll()`); the
#   family's scores then average without selection bias, and the best of them carries its
#   curse in plain view next to the `N - 1` scores that show how it was selected. (On the
#   longer board the best variant's shift is a little larger than when it is published alone:
#   a board's scores are centred, and a lone model's own luck is diluted by `1/K` over the
#   `K = 12` models, while the whole family's luck sums to about zero.)
#
# Both run on the same seeds as the undefended runs.

# %%
prov_n = [n for n in (10, N_RULE) if n in N_GRID] if not FAST else [5, N_RULE]
rules = pd.concat(
    [run(n, R, defenses=[ProvisionalScores()], setting="provisional scores")
     for n in prov_n]
    + [run(N_RULE, R, defenses=[DiscloseAll()], setting="disclose all")], ignore_index=True)
everything = pd.concat([identical, fresh[fresh["setting"] != AT], rules], ignore_index=True)
s5 = best_of_n_summary(everything)
display(s5[s5["n_variants"].isin(prov_n)][[*SHOW, "family_gain", "provisional"]].round(2))

# %%
fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
_ = plot_disclosure(everything, n_variants=N_RULE, ax=ax)

# %% [markdown]
# **What they take back.** Paired over replicates (same votes with and without the rule), the
# share of the undefended inflation at `N = 20` that each setting removes:

# %%
reps = best_of_n_replicates(everything)
base = reps[(reps["setting"] == AT) & (reps["n_variants"] == N_RULE)].set_index("replicate")
rows = []
for setting in dict.fromkeys(everything["setting"]):  # in the order run
    part = reps[(reps["setting"] == setting) & (reps["n_variants"] == N_RULE)]
    if part.empty:
        continue
    part = part.set_index("replicate")
    common = base.index.intersection(part.index)
    for measure, col in (("best variant", "score_shift"), ("family mean", "family_shift")):
        d = base.loc[common, "score_shift"] - part.loc[common, col]
        rows.append({"setting": setting, "measure": measure,
                     "gain": part.loc[common, col].mean(),
                     "taken_back": d.mean(), "taken_back_se": d.std(ddof=1) / np.sqrt(len(d)),
                     "share_taken_back": d.mean() / base.loc[common, "score_shift"].mean(),
                     "fresh_votes_wait": part["fresh_votes"].mean()})
taken = pd.DataFrame(rows)
taken = taken[(taken["measure"] == "best variant") | (taken["setting"] == "disclose all")]
display(taken.round(2))

# %% [markdown]
# **What they cost.** Neither rule drops a vote, so honest voters lose nothing; the costs are
# the delay before a heavily tested model's score is final, and a longer board. We also check
# that the honest models' order among themselves is unharmed (Kendall's tau between their
# board and true ranks, paired with the undefended board).

# %%
def honest_tau(frame):
    out = {}
    for r, g in frame[~frame["gamed"]].groupby("replicate"):
        out[r] = stats.kendalltau(g["board_rank"], g["true_rank"]).statistic
    return pd.Series(out)


undefended = identical[identical["n_variants"] == N_RULE]
cost_rows = []
for label, frame in [("provisional scores", rules[(rules["setting"] == "provisional scores")
                                                  & (rules["n_variants"] == N_RULE)]),
                     ("disclose all", rules[rules["setting"] == "disclose all"])]:
    dtau = honest_tau(undefended) - honest_tau(frame)
    cost_rows.append({
        "rule": label,
        "fresh_votes_before_final": frame["fresh_votes"].mean(),
        "arena_battles_before_final": frame["fresh_votes"].mean() * len(WORLD.models) / 2,
        "board_entries": frame.groupby("replicate").size().mean(),
        "honest_votes_dropped": frame["honest_dropped"].sum(),
        "honest_tau_loss": dtau.mean(), "honest_tau_loss_se": dtau.std(ddof=1)
        / np.sqrt(len(dtau))})
display(pd.DataFrame(cost_rows).round(3))
small = s5[(s5["setting"] == "provisional scores")].set_index("n_variants")
if 10 in small.index:
    keep = small.loc[10, "gain"] / s1.set_index("n_variants").loc[N_RULE, "gain"]
    ratio = expected_max_normal(10) / expected_max_normal(N_RULE)
    print(f"A family that stops at 10 variants is never provisional "
          f"(share held: {small.loc[10, 'provisional']:.0%}) and keeps {keep:.0%} of the "
          f"N = {N_RULE} inflation (order statistic: {ratio:.0%}).")
print(f"total run time {time.perf_counter() - T0:.0f} s")

# %% [markdown]
# ## What this means, and what it does not
#
# * **Best-of-N buys points from noise alone, as the order statistic says.** With identical
#   variants the inflation is `E[max of N normals] × σ` to within a few Monte Carlo standard
#   errors at every `N` from 1 to 50. At 2,000 votes per variant, `N = 20` buys about 1.9 σ
#   (≈ 11 Arena points in this world, see the headline); with a few hundred votes per variant
#   the same `N` buys tens of points. Enough to leapfrog a neighbour, sometimes to reach the
#   top 3 from 5th — not to jump a large gap.
# * **Real spread does not excuse it.** When variants really differ, selection finds some real
#   quality, but the board still overstates the winner (winner's curse); the overstatement
#   falls only as the real spread grows large against `σ`.
# * **Fresh votes wash it out, slowly.** The inflation falls as `n / (n + F)`: half remains
#   after as many fresh votes as private ones, a sixth after five times as many. The drop from
#   the score at disclosure to the score after fresh votes measures the selection bias (it is
#   `F / (n + F)` of it); a leaderboard that freezes launch scores keeps all of it.
# * **Provisional scores take back about half at `N = 20`, at a cost of 2,000 fresh votes of
#   delay** (about 12,000 arena battles under uniform sampling of 12 models) — but the rule's
#   threshold is a loophole: a family that tests 10 variants is never provisional and keeps
#   about four-fifths of the `N = 20` inflation (`E[max₁₀] / E[max₂₀]` = 82 %; measured
#   above). Against a provider who knows the threshold the rule does little; waiting for
#   fresh votes on every release, or counting every variant tested, would do more.
# * **Disclose-all removes the bias from the family's published scores** (their mean is
#   unbiased) without delay or dropped votes, but the best variant's own score is as inflated
#   as before (slightly more, by the centring effect above): the rule works only if readers
#   (and the board) use the family's scores, e.g. their mean or a selection-adjusted best,
#   rather than the top line. It costs a longer board (`N - 1` extra rows); the honest models'
#   order among themselves is unchanged.
# * **What it does not show.** This is a well-specified Bradley–Terry world with honest, homogeneous
#   voters; real arenas add style effects, prompt shifts and non-uniform sampling, which change
#   `σ` but not the mechanism. The private votes are assumed to be drawn like public ones; a
#   provider that also chooses *where* its variants are tested, or tunes each variant on the
#   arena's data (notebook 02), gains more. The figures here are for one world and one target
#   model; `σ` — and with it every gain — scales as `1/√(votes per variant)`.
