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
# # Vote rigging: how many votes buy a rank, and what the safeguards catch
#
# **Question.** An attacker controls a few voting accounts on a crowd-vote arena and wants one
# model to climb the board. How many rigged votes buy one place? Does it matter whether it
# votes only when its model is on screen (*target-only*) or in every battle it is served
# (*omnipresent*), and how good must its de-anonymiser be? And what do the safeguards —
# anomalous-voter detection, upset filtering, rate limits with verified accounts — take back,
# at what cost to honest voters?
#
# **Method** (public API only: `sealvalid.strategies.VoteRigging`, `rigging_curve`,
# `votes_for_rank`; `sealvalid.defenses`). We follow Min et al., *Improving Your Model Ranking
# on Chatbot Arena by Vote Rigging* (arXiv 2501.17858) and Huang et al. (arXiv 2501.07493):
#
# * the attacker is served battles by the arena's own sampling policy (it cannot choose pairs)
#   while the honest crowd keeps voting; its de-anonymiser names the model behind each response
#   correctly with probability `accuracy`;
# * **target-only**: it votes only where it believes the target is present, for the target;
# * **omnipresent**: it votes in every battle, for the target when present and otherwise for
#   the side whose win lowers the target's (smooth) rank most on the current Bradley–Terry
#   board, through the coupling of all ratings;
# * the budget counts **battles served** (the attacker's effort: it has to read every battle to
#   know whether and how to vote); we also report the rigged votes actually cast;
# * rank gained is measured against the *same replicate without rigging* (same honest votes),
#   so honest noise cancels.
#
# **Assumptions.** The simulated arena is `seal-like`: 24 models, a global voter base with 2%
# low-effort voters, active sampling of under-evaluated pairs. The attacker's battles are an
# independent draw of the sampling policy; it knows the current board as the honest votes
# estimate it; de-anonymiser errors are uniform over the other models. The truth is the
# infinite-vote board of the honest crowd. `SEALVALID_FAST=1` shrinks the replicates, budgets
# and accuracies (the figures keep their shape; the intervals widen).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sealvalid.defenses import AnomalousVoters, RateLimit, UpsetFilter, voter_scores
from sealvalid.defenses.anomaly import roc_from_scores
from sealvalid.plots.rigging import plot_detection_roc, plot_rigging_curve
from sealvalid.sim import preset
from sealvalid.strategies import VoteRigging, rigging_curve, run_strategy, votes_for_rank

FAST = os.environ.get("SEALVALID_FAST") == "1"
SEED = 20250129
streams = np.random.SeedSequence(SEED).spawn(6)  # one stream per experiment below

WORLD = preset("seal-like")
N_VOTES = 10_000 if FAST else 20_000          # concurrent honest votes
REPS = 3 if FAST else 24                      # replicates per cell
BUDGETS = [0, 500, 2000] if FAST else [0, 250, 500, 1000, 2000, 4000]
ACCURACIES = (1.0, 0.7) if FAST else (1.0, 0.9, 0.7)
ATTACK = 2000                                 # battles served, for the defense comparison
print(f"fast mode: {FAST}; {len(WORLD.models)} models; {N_VOTES} honest votes; "
      f"{REPS} replicates per cell")

# %% [markdown]
# ## 1. Rank gained against the attacker's effort

# %%
curve = rigging_curve(WORLD, budgets=BUDGETS, accuracies=ACCURACIES, n_votes=N_VOTES,
                      n_replicates=REPS, rng=streams[0])
TARGET = curve["model"].iloc[0]  # the default target: the model of median quality
print(f"target: {TARGET}")
summary = (curve.groupby(["mode", "accuracy", "budget"])
           [["rank_gain", "score_gain", "attack_votes", "battles_served", "misdirected"]]
           .mean())
summary.round(2)

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 5), layout="constrained")
plot_rigging_curve(curve, x="budget", ax=axes[0])
axes[0].set_title("per battle served (the attacker's effort)")
plot_rigging_curve(curve, x="attack_votes", ax=axes[1])
axes[1].set_title("per rigged vote cast")
axes[1].set_xscale("symlog", linthresh=50)
axes[1].set_xlim(left=0)

# %% [markdown]
# Per battle served, omnipresent rigging climbs faster: target-only rigging can act only in
# the few battles that hold the target (about 2 of 24 models' worth of battles here), while
# omnipresent rigging turns every battle into a vote that moves the target past its rivals.
# Per vote *cast*, target-only votes are the stronger ones — each is a direct win for the
# target — which is why a platform that only counts votes would misjudge the threat.

# %% [markdown]
# ## 2. Votes for one place

# %%
need = votes_for_rank(curve, gain=1.0)
per_vote = (curve.groupby(["mode", "accuracy", "budget"])["attack_votes"].mean()
            .rename("votes_cast").reset_index())
need["votes_cast_at_that_budget"] = [
    np.interp(row.votes, *per_vote.loc[(per_vote["mode"] == row.mode)
                                       & (per_vote["accuracy"] == row.accuracy),
                                       ["budget", "votes_cast"]].to_numpy().T)
    if np.isfinite(row.votes) else np.nan for row in need.itertuples()]
need.round(1)

# %%
best = need[(need["mode"] == "omnipresent") & (need["accuracy"] == 1.0)].iloc[0]
print(f"Setting: seal-like arena, {N_VOTES} concurrent honest votes, target {TARGET} (median "
      f"quality). Omnipresent rigging with a perfect de-anonymiser needs about "
      f"{best['votes']:.0f} rigged votes for +1 place "
      f"({best['votes'] / N_VOTES:.1%} of the honest votes).")

# %% [markdown]
# ## 3. What the anomalous-voter test sees
#
# The test of Chiang et al. (arXiv 2403.04132): every vote gets a p-value from the board's
# predictive distribution (here judged against the board refitted without that voter, and
# randomised so it is exactly uniform for a voter who votes as the board predicts); Fisher's
# method combines them per account at checkpoints of 10, 20, 40, … votes against
# χ²(2j), Bonferroni-corrected. The ROC traces attacker accounts caught against honest voters
# flagged, over the threshold, pooling the voters of a few replicates; the dots mark
# α = 0.01.

# %%
cases = {"target-only, 1 account": VoteRigging(mode="target-only", budget=ATTACK, accounts=1),
         "target-only, 10 accounts": VoteRigging(mode="target-only", budget=ATTACK,
                                                 accounts=10),
         "omnipresent, 1 account": VoteRigging(mode="omnipresent", budget=ATTACK, accounts=1),
         "omnipresent, 10 accounts": VoteRigging(mode="omnipresent", budget=ATTACK,
                                                 accounts=10)}
ROC_REPS = 2 if FAST else 8  # replicates pooled per ROC (voters of every replicate)
ax = None
rocs, scored = {}, {}
for (name, strategy), ss in zip(cases.items(), streams[1].spawn(len(cases)), strict=True):
    frames = []
    for rep, rs in enumerate(ss.spawn(ROC_REPS)):
        rig_rng, test_rng = rs.spawn(2)
        rigged = strategy.rig(WORLD, N_VOTES, rng=np.random.default_rng(rig_rng))
        scores = voter_scores(rigged.log, rng=np.random.default_rng(test_rng))
        kinds = rigged.honest.voters["kind"].astype(str).to_numpy()
        ids = scores["voter"].where(scores["honest"], 0).to_numpy(np.int64)
        scores["kind"] = np.where(scores["honest"], kinds[np.minimum(ids, len(kinds) - 1)],
                                  "attacker")
        frames.append(scores.assign(replicate=rep))
    scored[name] = pd.concat(frames, ignore_index=True)
    rocs[name] = roc_from_scores(scored[name])
    ax = plot_detection_roc(rocs[name], ax=ax, label=name)
ax.set_title(f"anomalous-voter test, {ATTACK} battles of rigging, {ROC_REPS} replicates")

# %%
at = pd.DataFrame({name: roc[roc["alpha"] <= 0.01].iloc[-1][["tpr", "fpr"]]
                   for name, roc in rocs.items()}).T
at.columns = ["attacker accounts caught", "honest voters flagged"]
at.round(3)

# %% [markdown]
# Who among the honest voters gets flagged at α = 0.01? By kind, and by how many votes they
# cast (only voters with at least 10 votes are ever tested):

# %%
s = scored["target-only, 1 account"]
s = s[s["honest"]].assign(flagged=lambda d: d["p_value"] < 0.01,
                          activity=lambda d: pd.cut(d["n_votes"], [0, 9, 19, 39, 79, np.inf],
                                                    labels=["<10", "10-19", "20-39", "40-79",
                                                            "80+"]))
pd.concat({"by kind": s.groupby("kind", observed=True)["flagged"].agg(["mean", "sum", "size"]),
           "by activity": s.groupby("activity", observed=True)["flagged"]
           .agg(["mean", "sum", "size"])})

# %% [markdown]
# The flagged honest voters are not a random draw: low-effort voters (who ignore the
# responses) are flagged far more often than attentive ones, and voters with many votes more
# often than those with few — they reach the later checkpoints, where any taste the board
# does not share accumulates. Voters with fewer than 10 votes are never tested, which is
# exactly where an attacker with many accounts hides.

# %% [markdown]
# ## 4. What each safeguard takes back, and what it costs honest voters
#
# The same replicates, rigged with 2,000 battles (target-only and omnipresent, perfect
# de-anonymiser, one account unless stated), published under each safeguard. The rate limit
# allows 25 votes per account at one cost unit each, against an attacker who can spend at most
# 20 units; the last row spreads the rigging over 10 accounts against the anomalous-voter test.

# %%
defenses = {"none": (), "anomalous-voters": (AnomalousVoters(),),
            "upset-filter": (UpsetFilter(min_win_prob=0.3),),
            "rate-limit": (RateLimit(votes_per_account=25, account_cost=1.0),)}
settings = [(label, defs, 1) for label, defs in defenses.items()]
settings.append(("anomalous-voters vs 10 accounts", defenses["anomalous-voters"], 10))
rows = []
for label, defs, accounts in settings:
    c = rigging_curve(WORLD, budgets=[0, ATTACK], n_votes=N_VOTES, n_replicates=REPS,
                      rng=streams[2], defenses=defs, max_cost=20.0, accounts=accounts)
    c = c[c["budget"] == ATTACK]
    for mode, part in c.groupby("mode"):
        g = part["rank_gain"]
        rows.append({"defense": label, "mode": mode, "rank_gain": g.mean(),
                     "rank_gain_se": g.std(ddof=1) / np.sqrt(len(g)),
                     "attack_votes": part["attack_votes"].mean(),
                     "attack_dropped": part["attack_dropped"].mean(),
                     "accounts": part["accounts"].mean(),
                     "attack_cost": part["attack_cost"].mean()})
taken_back = pd.DataFrame(rows).set_index(["mode", "defense"]).sort_index()
taken_back["attack_dropped_share"] = taken_back["attack_dropped"] / taken_back["attack_votes"]
taken_back.round(2)

# %%
for mode in ("target-only", "omnipresent"):
    base = taken_back.loc[(mode, "none"), "rank_gain"]
    for label in ("anomalous-voters", "anomalous-voters vs 10 accounts", "upset-filter",
                  "rate-limit"):
        row = taken_back.loc[(mode, label)]
        print(f"{mode:12s} {label:32s}: rank gain {base:.2f} -> {row['rank_gain']:.2f} "
              f"(± {2 * row['rank_gain_se']:.2f}); rigged votes dropped "
              f"{row['attack_dropped_share']:.0%}; attacker spent {row['attack_cost']:.1f}")

# %% [markdown]
# And on an honest arena (no attack at all), what each safeguard costs: honest votes dropped,
# and the accuracy of the board against the truth (Kendall's τ of the order, RMSE of the
# centred ratings).

# %%
def board_accuracy(frame: pd.DataFrame) -> pd.Series:
    per = frame.groupby("replicate")
    tau = per[["true_rank", "board_rank"]].apply(
        lambda d: d["true_rank"].corr(d["board_rank"], method="kendall"))
    rmse = per["score_shift"].apply(lambda x: float(np.sqrt((x ** 2).mean())))
    first = per[["honest_votes", "honest_dropped"]].first()
    return pd.Series({"honest_dropped_share": (first["honest_dropped"]
                                               / first["honest_votes"]).mean(),
                      "kendall_tau": tau.mean(), "rmse": rmse.mean()})


honest_cost = pd.DataFrame({
    label: board_accuracy(run_strategy(WORLD, VoteRigging(budget=0), n_votes=N_VOTES,
                                       n_replicates=REPS, rng=streams[3], defenses=defs))
    for label, defs in defenses.items()}).T
honest_cost.round(4)

# %% [markdown]
# ## What this means, and what it does not
#
# * **Omnipresent rigging is the efficient attack per battle served**, as Min et al. found:
#   every battle the attacker is served becomes a lever on the target's rank, so a few hundred
#   rigged votes — around one percent of the honest votes of the period — buy a place for a
#   mid-table model, and a couple of thousand buy several. Target-only rigging needs many
#   more battles (it can act only in the few that hold the target), although each vote it
#   does cast is worth more. A weaker de-anonymiser slows both (misdirected votes).
# * **The anomalous-voter test catches one heavy account**: judged against a board fitted
#   without them, its votes are a run of upsets (target-only) or a long run of mildly unlikely
#   outcomes (omnipresent, caught less reliably). Spread over ten accounts, the same rigging
#   goes unseen: each account casts fewer votes, and each account's reference board is already
#   pulled by the others. A rate limit *forces* the attacker into many accounts, so on its own
#   it weakens this test; it helps only when accounts are costly. Honest voters flagged stay
#   near the nominal level (the randomised p-values are exact for voters who judge as the
#   board predicts).
# * **Upset filtering** takes back little of either attack at a threshold an operator could
#   defend, and it drops honest upsets too, which stretches every gap of the board (its RMSE
#   against the truth grows even with no attack at all).
# * **Rate limits with verified, costly accounts** bound the attack by the attacker's money
#   rather than by detection: with a spending limit, the votes it can cast are capped, which
#   hurts the vote-hungry omnipresent attack most. Honest heavy voters pay too: their votes
#   beyond the cap are not counted.
# * **Does not mean**: the numbers are for a simulated 24-model arena whose honest crowd votes
#   as the generative model says; on a real arena with ~200 models the target is in far fewer
#   battles (target-only rigging is weaker still) and the honest vote count per model differs.
#   The omnipresent rule here is a first-order (influence-function) version of the paper's
#   strategies, and the attacker is assumed to know the current board.
