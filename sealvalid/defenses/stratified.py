"""Stratified global voter base: who votes is sampled to match target demographic marginals.

Source: Scale AI's SEAL Showdown (September 2025): votes come from a global contributor
network (100+ countries, 70 languages, many professions, recruited to match target
demographics), and leaderboards are reported per segment (country, age, education, language).
The contrast is early LMArena's self-selected tech-enthusiast crowd
(:func:`sealvalid.sim.presets.tech_population`): mostly English prompts, coding-heavy, and a
strong taste for length, markdown and latent appeal.

What it defends against: *tuning to the arena's narrow population* (teaching to the test). A
model tuned to what the enthusiast crowd rewards — style and appeal, coding and English
prompts — gains on the arena's board more than its real-world quality warrants (a Goodhart
gap); :func:`tuned_to_crowd` builds such a model. A base that looks like the users a board
claims to speak for shrinks that gap.

Model: a ``world`` hook replaces the arena's :class:`~sealvalid.sim.VoterPopulation` by one
whose demographic marginals (countries and their languages, prompting in English, age,
education, profession) are those of a target:

``population="global"``
    :func:`sealvalid.sim.presets.global_population` (the SEAL-like base);
``population="real-world"``
    the global base with country weights raked (iterative proportional fitting) so that the
    prompt-language groups match the world's real-world language shares
    (``world.prompts.real_world_group_p``) — the marginals of the ``real_world`` truth.

``judging`` says how the new voters judge: ``"target"`` (default) takes the target population's
judging parameters too (style and appeal weights, attentiveness, ties, position bias, low
effort, segment effects): the enthusiast crowd's tastes come with its demographics;
``"arena"`` keeps the arena's judging parameters and changes only who votes and in which
language (segment effects whose value the target lacks are dropped). ``prompt_mix="real_world"``
(default) also draws arena prompt categories from the real-world shares (a representative base
asks what users ask); ``"arena"`` keeps the arena's category mix. Malicious-voter settings are
kept either way: stratification is not a screen against attackers.

Costs, reported by :func:`representation_report`: the board measures a different estimand, so
it agrees less with the original arena's ``overall`` truth (for a world whose crowd is what the
board should speak for, this is lost accuracy); a broader base spreads the same votes over more
segments, so segment boards get fewer votes and wider intervals.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sealvalid.defenses.base import ArenaLog, Defense, register
from sealvalid.sim import Model, VoterPopulation, simulate, true_ratings
from sealvalid.sim.presets import global_population
from sealvalid.sim.world import compile_world

__all__ = ["StratifiedVoters", "stratify", "rake_countries", "tuned_to_crowd",
           "representation_report", "REPORT_COLUMNS"]

#: demographic fields of a VoterPopulation (who votes, and in which language)
DEMOGRAPHIC_FIELDS = ("countries", "country_p", "country_languages", "english_prompt_share",
                      "age_bands", "age_p", "educations", "education_p", "professions",
                      "profession_p")
_ATTACK_FIELDS = ("malicious_fraction", "malicious_target", "malicious_cover")
_POPULATIONS = ("global", "real-world")
_JUDGING = ("target", "arena")
_PROMPTS = ("real_world", "arena")

#: columns of :func:`representation_report`
REPORT_COLUMNS = ["replicate", "arm", "reference", "kendall_tau", "rmse", "n_segments",
                  "segment_votes_min", "segment_ci_width"]


def _choice(owner: str, name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{owner}.{name} must be one of {list(allowed)}, got {value!r}")


def rake_countries(population: VoterPopulation, prompts, target_group_p=None, *,
                   n_iter: int = 500, tol: float = 1e-9) -> VoterPopulation:
    """Re-weight countries so that prompt-language groups match target shares.

    Parameters
    ----------
    population : VoterPopulation
        The base (its countries, languages and English-prompting share are kept).
    prompts : sealvalid.sim.PromptDistribution
        Gives the language -> group map (and, by default, the target shares).
    target_group_p : mapping of str to float, optional
        Target share of prompts per language group (default: ``prompts.real_world_group_p``).
    n_iter : int
        Iterations of proportional fitting (>= 1).
    tol : float
        Stop when the largest group-share error is below this.

    Returns
    -------
    VoterPopulation
        ``country_p`` raked; everything else unchanged. Groups no country can reach (or
        targets below what English prompting forces) are matched as closely as proportional
        fitting allows.
    """
    if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 1:
        raise ValueError(f"n_iter must be an integer >= 1, got {n_iter!r}")
    groups = prompts.groups
    target = dict(prompts.real_world_group_p if target_group_p is None else target_group_p)
    bad = sorted(set(target) - set(groups))
    if bad:
        raise ValueError(f"target_group_p has unknown language groups {bad}; allowed: "
                         f"{list(groups)}")
    t = np.array([target.get(g, 0.0) for g in groups], float)
    if (t < 0).any() or not math.isclose(t.sum(), 1.0, abs_tol=1e-6):
        raise ValueError(f"target_group_p must be non-negative shares summing to 1, got {target}")
    en = groups.index(prompts.group_of("en"))
    share = population.english_prompt_share
    v = np.zeros((len(population.countries), len(groups)))  # P(prompt group | country)
    for c, mix in enumerate(population.country_languages):
        for lang, s in mix:
            g = groups.index(prompts.group_of(lang))
            if lang == "en":
                v[c, en] += s
            else:
                v[c, g] += s * (1 - share)
                v[c, en] += s * share
    w = np.array(population.country_p, float)
    for _ in range(n_iter):
        cur = w @ v
        ratio = np.divide(t, cur, out=np.ones_like(t), where=cur > 0)
        w = w * (v @ ratio)
        w /= w.sum()
        if np.abs(w @ v - t).max() < tol:
            break
    return dataclasses.replace(population, country_p=tuple(float(x) for x in w))


def stratify(arena: VoterPopulation, target: VoterPopulation, *,
             judging: str = "target") -> VoterPopulation:
    """Re-draw the arena's voters with a target's demographic marginals.

    Parameters
    ----------
    arena : VoterPopulation
        The arena's own population (its malicious-voter settings are kept).
    target : VoterPopulation
        Gives the demographic marginals (:data:`DEMOGRAPHIC_FIELDS`).
    judging : {"target", "arena"}
        Whose judging parameters the new voters have (see the module docstring).

    Returns
    -------
    VoterPopulation
        Named ``f"{target.name} (stratified)"``.
    """
    _choice("stratify", "judging", judging, _JUDGING)
    if judging == "target":
        changes = {f: getattr(arena, f) for f in _ATTACK_FIELDS}
        out = dataclasses.replace(target, **changes)
    else:
        changes = {f: getattr(target, f) for f in DEMOGRAPHIC_FIELDS}
        probe = dataclasses.replace(arena, effects=(), **changes)
        effects = tuple(e for e in arena.effects if e.value in probe.values(e.column))
        out = dataclasses.replace(probe, effects=effects)
    return dataclasses.replace(out, name=f"{target.name} (stratified)")


@register("stratified-voters")
@dataclass(frozen=True, kw_only=True)
class StratifiedVoters(Defense):
    """Draw the arena's voters from a stratified global base.

    Parameters
    ----------
    population : str
        Target marginals: ``"global"`` (SEAL-like global base) or ``"real-world"`` (the global
        base raked to the world's real-world language-group shares).
    judging : str
        ``"target"`` (the target population's tastes come with it) or ``"arena"`` (only who
        votes changes).
    prompt_mix : str
        ``"real_world"`` (arena prompt categories follow real-world shares) or ``"arena"``.
    """

    targets = ("teaching-to-the-test",)

    population: str = "global"
    judging: str = "target"
    prompt_mix: str = "real_world"

    def __post_init__(self) -> None:
        _choice("StratifiedVoters", "population", self.population, _POPULATIONS)
        _choice("StratifiedVoters", "judging", self.judging, _JUDGING)
        _choice("StratifiedVoters", "prompt_mix", self.prompt_mix, _PROMPTS)

    def target(self, world) -> VoterPopulation:
        """Return the target population for a world (before the judging choice applies)."""
        base = global_population()
        if self.population == "real-world":
            base = rake_countries(base, world.prompts)
        return base

    def world(self, world):
        """Return the world with the stratified voter base (and prompt mix)."""
        voters = stratify(world.voters, self.target(world), judging=self.judging)
        changes = {"voters": voters}
        if self.prompt_mix == "real_world":
            changes["prompts"] = dataclasses.replace(world.prompts,
                                                     arena_p=world.prompts.real_world_p)
        return world.replace(**changes)


def tuned_to_crowd(model: Model, *, name: str | None = None, quality: float = -20.0,
                   appeal: float = 60.0, verbosity: float = 2.0, coding: float = 60.0,
                   english: float = 40.0, elsewhere: float = -30.0) -> Model:
    """Tune a model to what an enthusiast arena crowd rewards, at some real cost.

    Parameters
    ----------
    model : Model
        The starting point.
    name : str, optional
        Name of the tuned model (default ``f"{model.name}-tuned"``).
    quality : float
        Change of base substance (Arena points; negative: the tuning costs real quality).
    appeal : float
        Latent appeal added (sycophancy, tone; Arena points).
    verbosity : float
        Multiplier of tokens and markdown counts (> 0).
    coding : float
        Substance added on coding prompts.
    english, elsewhere : float
        Substance added on English prompts and on every other language group.

    Returns
    -------
    Model
    """
    for label, v in (("quality", quality), ("appeal", appeal), ("coding", coding),
                     ("english", english), ("elsewhere", elsewhere), ("verbosity", verbosity)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValueError(f"tuned_to_crowd: {label} must be a finite number, got {v!r}")
    if verbosity <= 0:
        raise ValueError(f"tuned_to_crowd: verbosity must be > 0, got {verbosity!r}")
    cat = dict(model.category_skill)
    cat["coding"] = cat.get("coding", 0.0) + coding
    lang = dict(model.language_skill)
    for g in ("en", "eu", "cjk", "other"):
        lang[g] = lang.get(g, 0.0) + (english if g == "en" else elsewhere)
    return dataclasses.replace(
        model, name=name or f"{model.name}-tuned", quality=model.quality + quality,
        appeal=model.appeal + appeal, tokens=model.tokens * verbosity,
        headers=model.headers * verbosity, lists=model.lists * verbosity,
        bold=model.bold * verbosity, category_skill=cat, language_skill=lang)


def _compare(board: pd.Series, truth: pd.Series) -> tuple[float, float]:
    t = truth.reindex(board.index).to_numpy(float)
    b = board.to_numpy(float)
    tau = float(stats.kendalltau(b, t).statistic)
    d = (b - b.mean()) - (t - t.mean())
    return tau, float(np.sqrt(np.mean(d**2)))


def representation_report(world, defense: StratifiedVoters | None = None, *, n_votes: int,
                          n_replicates: int, rng=None, by: str = "language_group",
                          min_votes: int = 300) -> pd.DataFrame:
    """Measure what a stratified base changes, and what it costs, on an honest arena.

    For each replicate, the arena (``arm="arena"``) and the stratified arena
    (``arm="stratified"``) each draw ``n_votes`` votes; a plain Bradley–Terry board of each is
    compared with three references, and segment boards are fitted (the cost side: how many
    segments get enough votes, and how wide their intervals are).

    Parameters
    ----------
    world : sealvalid.sim.World
    defense : StratifiedVoters, optional
        Default: ``StratifiedVoters()``.
    n_votes, n_replicates : int
        Votes per board and replicates (>= 1).
    rng
        Anything :func:`numpy.random.default_rng` accepts; each replicate spawns one stream
        per arm.
    by : str
        Segment column of the vote table (``"country"``, ``"education"``, ...) or
        ``"language_group"`` (the prompt language's group; default).
    min_votes : int
        Votes a segment needs to be rated.

    Returns
    -------
    pandas.DataFrame
        :data:`REPORT_COLUMNS`, one row per replicate, arm and reference: ``reference`` is
        ``"arena_overall"`` (the original arena's overall truth: agreement lost here is the
        cost of changing the estimand), ``"own_overall"`` (the arm's own overall truth:
        estimation error) or ``"real_world"``; ``kendall_tau`` and ``rmse`` (centred, Arena
        points) of the board against it; ``n_segments`` (segments rated), ``segment_votes_min``
        (votes of the smallest rated segment) and ``segment_ci_width`` (median width of the
        rated segment boards' 95 % intervals, Arena points).
    """
    from sealvalid.rating import segment_boards

    defense = StratifiedVoters() if defense is None else defense
    if not isinstance(defense, StratifiedVoters):
        raise ValueError(f"defense must be a StratifiedVoters, got {defense!r}")
    for label, value in (("n_votes", n_votes), ("n_replicates", n_replicates),
                         ("min_votes", min_votes)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    if not isinstance(by, str) or not by:
        raise ValueError(f"by must be a vote-table column name, got {by!r}")
    arms = {"arena": world, "stratified": defense.world(world)}
    truth0 = true_ratings(world)
    refs = {"arena_overall": truth0[truth0["scope"] == "overall"].set_index("model")[
        "true_rating"]}
    rows = []
    for r, stream in enumerate(np.random.default_rng(rng).spawn(int(n_replicates))):
        for (arm, w), s in zip(arms.items(), stream.spawn(len(arms)), strict=True):
            res = simulate(w, int(n_votes), rng=s)
            votes = res.votes
            groups = {lang: w.prompts.group_of(lang) for lang in compile_world(w).languages}
            votes = votes.assign(language_group=votes["language"].map(groups).astype(str))
            seg = segment_boards(votes, by, min_votes=min_votes)
            rated = seg.segments[seg.segments["status"] == "rated"]
            width = float((seg.table["upper"] - seg.table["lower"]).median()) \
                if len(seg.table) else math.nan
            board = ArenaLog.from_battles(res.battles, w.model_names).fit()
            own = true_ratings(w)
            refs_arm = {**refs,
                        "own_overall": own[own["scope"] == "overall"].set_index("model")[
                            "true_rating"],
                        "real_world": own[own["scope"] == "real_world"].set_index("model")[
                            "true_rating"]}
            for ref, truth in refs_arm.items():
                tau, rmse = _compare(board, truth)
                rows.append({"replicate": r, "arm": arm, "reference": ref, "kendall_tau": tau,
                             "rmse": rmse, "n_segments": int(len(rated)),
                             "segment_votes_min": int(rated["n_votes"].min()) if len(rated)
                             else 0, "segment_ci_width": width})
    out = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    out.attrs = {"world": getattr(world, "name", None), "defense": defense.params(),
                 "n_votes": int(n_votes), "by": by, "min_votes": int(min_votes)}
    return out
