"""The arena world: models, voters, prompts and a sampling policy, as frozen configs.

A :class:`World` is pure configuration (hashable, so derived arrays and the truth are cached per
world); :func:`sealvalid.sim.simulate` draws votes from it and :func:`sealvalid.sim.true_ratings`
computes what the board should say.

Generative model of one battle
------------------------------
1. A pair of *active* models from the sampling policy (:mod:`sealvalid.sim.policies`) at the
   battle's time step; which of the two is ``model_a`` and which side is shown first are fair
   coin flips.
2. A voter from the voter pool (demographics drawn from :class:`VoterPopulation`; activity is
   skewed, so some voters vote much more than others) and a prompt: the prompt language is the
   voter's language, or English with probability ``english_prompt_share`` when the voter's
   language is not English; the category comes from the *arena* category distribution.
3. One response per model, with observable style counts (tokens, headers, lists, bold) from
   the model's style distribution (each simulation draws a bank of 1,024 responses per model
   and a battle picks one of them at random for each side).
4. The voter's preference for the first-named model ``a``, on the logit scale::

       eta = attn * (w[c] * (Q[a, c, g] - Q[b, c, g]) / F
                     + s * (gamma @ x + appeal_weight * (appeal[a] - appeal[b]) / F))
             + beta * (+1 if a is shown first else -1)

   with ``F = 400 / ln 10`` Arena points per logit, ``Q[m, c, g] = quality + category_skill[c]
   + language_skill[g]`` the model's *substance* on category ``c`` in language group ``g``,
   ``x = (style_a - style_b) / (style_a + style_b + 1)`` the normalised style differences (the
   covariates of LMArena's style control), ``appeal`` a latent arena appeal (sycophancy, tone)
   that no style column records, and voter parameters: attentiveness ``attn`` (inverse noise),
   substance weights ``w`` per category, style weight ``s``, first-position bias ``beta``.
   Segment effects (:class:`SegmentEffect`) multiply or shift these by demographic value.
5. ``p = sigmoid(eta)``; the vote is a tie with probability ``4 * tau * p * (1 - p)`` (``tau``
   the tie propensity, at most 1/2; a share ``bothbad_share`` of ties are ``tie_bothbad``), the
   tie mass being taken equally from both wins, so that the expected score of ``a`` (a win 1, a
   tie 1/2) is exactly ``p``: ties are uninformative about direction and do not bias a board
   that counts them as half wins.

Low-effort voters ignore the responses (``eta = low_effort_position_bias * (+-1)``); malicious
voters always vote for ``malicious_target`` when it is in the battle and otherwise vote honestly
(``malicious_cover="honest"``) or at random.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sealvalid.data.schema import STYLE_FEATURES
from sealvalid.sim.policies import SamplingPolicy, UniformPairs

__all__ = [
    "F",
    "CATEGORIES",
    "LANGUAGE_GROUPS",
    "GROUP_OF_LANGUAGE",
    "VOTER_COLUMNS",
    "TRUTH_SEGMENT_COLUMNS",
    "VOTER_KINDS",
    "Model",
    "SegmentEffect",
    "VoterPopulation",
    "PromptDistribution",
    "World",
    "make_variants",
]

#: Arena points per natural-log (logit) unit: ``400 / ln 10``
F: float = 400.0 / math.log(10.0)

#: default prompt categories (LMArena-style)
CATEGORIES: tuple[str, ...] = ("coding", "math", "writing", "reasoning", "knowledge", "chat")

#: default language groups (a model's language skill is set per group)
LANGUAGE_GROUPS: tuple[str, ...] = ("en", "eu", "cjk", "other")

_EU = ("es", "pt", "fr", "de", "it", "nl", "sv", "nb", "da", "fi", "is", "pl", "cs", "sk", "hu",
       "ro", "bg", "el", "ru", "uk", "sr", "hr", "sl", "bs", "mk", "sq", "lt", "lv", "et", "ga",
       "ca", "eu", "gl")
#: default language -> group map; languages not listed belong to ``"other"``
GROUP_OF_LANGUAGE: tuple[tuple[str, str], ...] = (
    ("en", "en"), *((lang, "eu") for lang in _EU), ("zh", "cjk"), ("ja", "cjk"), ("ko", "cjk"))

#: demographic columns of a voter (also the columns a :class:`SegmentEffect` may key on)
VOTER_COLUMNS: tuple[str, ...] = ("country", "language", "age_band", "education", "profession")
#: columns the truth can be segmented by (``language`` is the prompt language, as in the votes)
TRUTH_SEGMENT_COLUMNS: tuple[str, ...] = (*VOTER_COLUMNS, "category")
#: voter kinds, in code order
VOTER_KINDS: tuple[str, ...] = ("honest", "low_effort", "malicious")


# ---------------------------------------------------------------------------------- checks
def _num(owner: str, name: str, value, lo=-math.inf, hi=math.inf, *, lo_open=False,
         hi_open=False, integer=False) -> None:
    """Raise a ValueError naming ``owner.name`` and the allowed range unless lo <= value <= hi."""
    kind = "an integer" if integer else "a number"
    ok_type = isinstance(value, int | np.integer) if integer else isinstance(
        value, int | float | np.integer | np.floating)
    if isinstance(value, bool) or not ok_type:
        raise ValueError(f"{owner}.{name} must be {kind}, got {value!r}")
    lo_ok = value > lo if lo_open else value >= lo
    hi_ok = value < hi if hi_open else value <= hi
    if not (lo_ok and hi_ok) or (not integer and math.isnan(value)):
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        raise ValueError(f"{owner}.{name} must be in {left}{lo}, {hi}{right}, got {value!r}")


def _probs(owner: str, name: str, p, n: int | None = None, labels=None) -> tuple[float, ...]:
    """Check a probability vector (non-negative, sums to 1, optional length) and return it."""
    p = tuple(float(v) for v in p)
    if n is not None and len(p) != n:
        raise ValueError(
            f"{owner}.{name} has {len(p)} values but {labels or n} need {n}; one probability "
            "per entry"
        )
    if not p or any(not math.isfinite(v) or v < 0 for v in p):
        raise ValueError(f"{owner}.{name} must be non-negative finite probabilities, got {p}")
    if not math.isclose(sum(p), 1.0, abs_tol=1e-6):
        raise ValueError(f"{owner}.{name} must sum to 1, got {sum(p):.6g}")
    return p


def _unique(owner: str, name: str, values) -> tuple[str, ...]:
    values = tuple(str(v) for v in values)
    if not values:
        raise ValueError(f"{owner}.{name} must not be empty")
    if any(not v.strip() for v in values):
        raise ValueError(f"{owner}.{name} has empty names; allowed: non-empty strings")
    dup = sorted({v for v in values if values.count(v) > 1})
    if dup:
        raise ValueError(f"{owner}.{name} has duplicates {dup[:5]}; names must be unique")
    return values


def _pairs(owner: str, name: str, value, allowed=None) -> tuple[tuple[str, float], ...]:
    """Store a mapping (dict or pairs) as a sorted, hashable tuple of ``(key, float)``."""
    items = value.items() if isinstance(value, Mapping) else value
    out = {}
    for item in items:
        try:
            key, val = item
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{owner}.{name} must be a mapping of name -> number, got "
                             f"{value!r}") from exc
        _num(owner, f"{name}[{key!r}]", val)
        out[str(key)] = float(val)
    if allowed is not None:
        bad = sorted(set(out) - set(allowed))
        if bad:
            raise ValueError(f"{owner}.{name} has unknown keys {bad}; allowed: {list(allowed)}")
    return tuple(sorted(out.items()))


def _set(obj, name: str, value) -> None:
    object.__setattr__(obj, name, value)


# ---------------------------------------------------------------------------------- models
@dataclass(frozen=True, kw_only=True)
class Model:
    """A model on the arena: substance, arena appeal, style, provider, family and lifetime.

    Parameters
    ----------
    name : str
        Unique model name (the vote table's ``model_a``/``model_b``).
    provider : str
        The lab; provider-weighted sampling and deprecation act on it.
    family : str
        Model family (a base and its variants); defaults to ``name``. Private-variant testing
        works on families.
    open_weights : bool
        Open-weight (``True``) or proprietary model.
    quality : float
        Substance, Arena points (only differences matter).
    category_skill : mapping of str to float
        Substance added per prompt category (Arena points); unnamed categories get 0.
    language_skill : mapping of str to float
        Substance added per language group (Arena points), e.g. ``{"cjk": 60}`` for a model much
        stronger on Chinese, Japanese and Korean prompts.
    appeal : float
        Latent arena appeal (sycophancy, tone) in Arena points: rewarded by voters in proportion
        to their style weight, invisible to the style columns and to style control.
    tokens : float
        Median response length in tokens (> 0).
    headers, lists, bold : float
        Mean markdown counts per response (>= 0).
    entry, retire : float
        Day the model enters the arena and the day it is retired (``inf``: never); it battles
        while ``entry <= t < retire`` (``t`` the middle of a time step).
    """

    name: str
    provider: str = "independent"
    family: str = ""
    open_weights: bool = False
    quality: float = 0.0
    category_skill: Mapping[str, float] | tuple = ()
    language_skill: Mapping[str, float] | tuple = ()
    appeal: float = 0.0
    tokens: float = 400.0
    headers: float = 1.0
    lists: float = 2.0
    bold: float = 2.0
    entry: float = 0.0
    retire: float = math.inf

    def __post_init__(self) -> None:
        owner = f"Model({self.name!r})"
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"Model.name must be a non-empty string, got {self.name!r}")
        if not isinstance(self.provider, str) or not self.provider.strip():
            raise ValueError(f"{owner}.provider must be a non-empty string, got {self.provider!r}")
        if not self.family:
            _set(self, "family", self.name)
        for name in ("quality", "appeal"):
            _num(owner, name, getattr(self, name))
        _num(owner, "tokens", self.tokens, 0, math.inf, lo_open=True, hi_open=True)
        for name in ("headers", "lists", "bold"):
            _num(owner, name, getattr(self, name), 0, math.inf, hi_open=True)
        _num(owner, "entry", self.entry, 0, math.inf, hi_open=True)
        _num(owner, "retire", self.retire, self.entry, math.inf, lo_open=True)
        _set(self, "category_skill", _pairs(owner, "category_skill", self.category_skill))
        _set(self, "language_skill", _pairs(owner, "language_skill", self.language_skill))
        _set(self, "open_weights", bool(self.open_weights))


def make_variants(base: Model, n_variants: int, *, spread: float = 0.0, rng=None,
                  suffix: str = "v", entry: float | None = None) -> tuple[Model, ...]:
    """Private variants of a model: same family, provider and style, quality ``+ N(0, spread)``.

    Parameters
    ----------
    base : Model
        The model the variants derive from.
    n_variants : int
        Number of variants (>= 1).
    spread : float
        Standard deviation of true substance between variants, Arena points (0: identical
        variants, so that selecting the best harvests only noise).
    rng
        Anything :func:`numpy.random.default_rng` accepts.
    suffix : str
        Variant names are ``f"{base.name}-{suffix}{k}"``.
    entry : float, optional
        Entry day of the variants (default: the base's).

    Returns
    -------
    tuple of Model
    """
    _num("make_variants", "n_variants", n_variants, 1, integer=True)
    _num("make_variants", "spread", spread, 0, math.inf, hi_open=True)
    rng = np.random.default_rng(rng)
    shifts = rng.normal(0.0, spread, n_variants) if spread > 0 else np.zeros(n_variants)
    return tuple(
        dataclasses.replace(base, name=f"{base.name}-{suffix}{k + 1}",
                            quality=base.quality + float(s), family=base.family,
                            entry=base.entry if entry is None else entry)
        for k, s in enumerate(shifts))


# ---------------------------------------------------------------------------------- voters
@dataclass(frozen=True, kw_only=True)
class SegmentEffect:
    """How voters with one demographic value judge differently from the population.

    Parameters
    ----------
    column : str
        One of :data:`VOTER_COLUMNS` (``language`` is the voter's own language).
    value : str
        The demographic value, e.g. ``"software_engineer"``.
    attentiveness : float
        Multiplier on attentiveness (> 0; < 1 means noisier votes).
    style : float
        Multiplier on the weight given to style and latent appeal (>= 0).
    substance : mapping of str to float
        Multiplier on the weight given to substance per category, e.g. ``{"coding": 1.5}``
        (>= 0; unnamed categories keep 1).
    tie : float
        Multiplier on the tie propensity (>= 0; the result is capped at 1/2).
    position : float
        Added to the first-position bias (logit).
    """

    column: str
    value: str
    attentiveness: float = 1.0
    style: float = 1.0
    substance: Mapping[str, float] | tuple = ()
    tie: float = 1.0
    position: float = 0.0

    def __post_init__(self) -> None:
        owner = f"SegmentEffect({self.column}={self.value!r})"
        if self.column not in VOTER_COLUMNS:
            raise ValueError(f"SegmentEffect.column {self.column!r} unknown; allowed: "
                             f"{list(VOTER_COLUMNS)}")
        _num(owner, "attentiveness", self.attentiveness, 0, math.inf, lo_open=True,
             hi_open=True)
        _num(owner, "style", self.style, 0, math.inf, hi_open=True)
        _num(owner, "tie", self.tie, 0, math.inf, hi_open=True)
        _num(owner, "position", self.position, -10, 10)
        sub = _pairs(owner, "substance", self.substance)
        for k, v in sub:
            _num(owner, f"substance[{k!r}]", v, 0, math.inf, hi_open=True)
        _set(self, "substance", sub)


@dataclass(frozen=True, kw_only=True)
class VoterPopulation:
    """Who votes, and how they judge.

    Parameters
    ----------
    name : str
        Label recorded in outputs.
    countries, country_p : tuple
        Countries and their shares of voters.
    country_languages : tuple
        Per country, ``((language, share), ...)``: the languages its voters speak (shares sum
        to 1). A single tuple of pairs applies to every country.
    english_prompt_share : float
        Probability that a voter whose language is not English prompts in English.
    age_bands, age_p, educations, education_p, professions, profession_p : tuple
        Other demographic marginals (drawn independently).
    attentiveness : float
        Mean attentiveness: the multiplier of the substance-and-style logit (> 0).
    attentiveness_sd : float
        Between-voter sd of log attentiveness (lognormal with mean ``attentiveness``).
    style_coef : tuple of 4 float
        Logit per unit normalised difference of tokens, headers, lists and bold.
    appeal_weight : float
        Weight on latent appeal (1: an appeal of 10 points counts as 10 points of substance).
    tie_propensity : float
        ``tau`` in ``P(tie) = 4 tau p (1 - p)``: the tie rate between equal models, in [0, 1/2].
    bothbad_share : float
        Share of ties recorded as ``tie_bothbad``.
    position_bias : float
        Logit advantage of the side shown first.
    low_effort_fraction : float
        Share of voters who ignore the responses.
    low_effort_position_bias : float
        Their logit advantage for the side shown first.
    malicious_fraction : float
        Share of voters who always vote for ``malicious_target`` when it is in the battle.
    malicious_target : str, optional
        A model name (required when ``malicious_fraction > 0``).
    malicious_cover : {"honest", "random"}
        What malicious voters do in battles without the target.
    votes_per_voter : float
        Mean votes per voter (sets the voter pool size, >= 1).
    activity_skew : float
        ``>= 1``; voter ``k`` of ``V`` is drawn as ``floor(V * U**activity_skew)``, so activity is
        heavy-tailed (1: every voter equally active).
    effects : tuple of SegmentEffect
        Segment-specific judging; effects of several matching values multiply (shifts add).
    """

    name: str = "custom"
    countries: tuple[str, ...] = ("US",)
    country_p: tuple[float, ...] = (1.0,)
    country_languages: tuple = ((("en", 1.0),),)
    english_prompt_share: float = 0.3
    age_bands: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55+")
    age_p: tuple[float, ...] = (0.2, 0.3, 0.2, 0.15, 0.15)
    educations: tuple[str, ...] = ("secondary", "bachelor", "master", "doctorate")
    education_p: tuple[float, ...] = (0.3, 0.4, 0.22, 0.08)
    professions: tuple[str, ...] = ("software_engineer", "student", "other")
    profession_p: tuple[float, ...] = (0.3, 0.3, 0.4)
    attentiveness: float = 1.0
    attentiveness_sd: float = 0.0
    style_coef: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
    appeal_weight: float = 1.0
    tie_propensity: float = 0.3
    bothbad_share: float = 0.25
    position_bias: float = 0.0
    low_effort_fraction: float = 0.0
    low_effort_position_bias: float = 0.5
    malicious_fraction: float = 0.0
    malicious_target: str | None = None
    malicious_cover: str = "honest"
    votes_per_voter: float = 10.0
    activity_skew: float = 2.0
    effects: tuple[SegmentEffect, ...] = ()

    def __post_init__(self) -> None:
        o = "VoterPopulation"
        countries = _unique(o, "countries", self.countries)
        _set(self, "countries", countries)
        _set(self, "country_p", _probs(o, "country_p", self.country_p, len(countries),
                                       "countries"))
        cl = tuple(self.country_languages)
        if cl and isinstance(cl[0], tuple) and len(cl[0]) == 2 and isinstance(cl[0][0], str):
            cl = (cl,) * len(countries)  # one language mix for every country
        if len(cl) != len(countries):
            raise ValueError(f"{o}.country_languages has {len(cl)} entries but there are "
                             f"{len(countries)} countries; one language mix per country")
        norm = []
        for c, mix in zip(countries, cl, strict=True):
            pairs = _pairs(o, f"country_languages[{c!r}]", mix)
            _probs(o, f"country_languages[{c!r}]", [v for _, v in pairs])
            norm.append(pairs)
        _set(self, "country_languages", tuple(norm))
        for name, pname in (("age_bands", "age_p"), ("educations", "education_p"),
                            ("professions", "profession_p")):
            vals = _unique(o, name, getattr(self, name))
            _set(self, name, vals)
            _set(self, pname, _probs(o, pname, getattr(self, pname), len(vals), name))
        _num(o, "english_prompt_share", self.english_prompt_share, 0, 1)
        _num(o, "attentiveness", self.attentiveness, 0, math.inf, lo_open=True, hi_open=True)
        _num(o, "attentiveness_sd", self.attentiveness_sd, 0, 3)
        if len(self.style_coef) != len(STYLE_FEATURES):
            raise ValueError(f"{o}.style_coef needs {len(STYLE_FEATURES)} values "
                             f"{list(STYLE_FEATURES)}, got {len(self.style_coef)}")
        for f_, v in zip(STYLE_FEATURES, self.style_coef, strict=True):
            _num(o, f"style_coef[{f_!r}]", v, -20, 20)
        _set(self, "style_coef", tuple(float(v) for v in self.style_coef))
        _num(o, "appeal_weight", self.appeal_weight, 0, math.inf, hi_open=True)
        _num(o, "tie_propensity", self.tie_propensity, 0, 0.5)
        _num(o, "bothbad_share", self.bothbad_share, 0, 1)
        _num(o, "position_bias", self.position_bias, -10, 10)
        _num(o, "low_effort_fraction", self.low_effort_fraction, 0, 1)
        _num(o, "low_effort_position_bias", self.low_effort_position_bias, -10, 10)
        _num(o, "malicious_fraction", self.malicious_fraction, 0, 1)
        if self.low_effort_fraction + self.malicious_fraction >= 1:
            raise ValueError(f"{o}: low_effort_fraction + malicious_fraction must be < 1, got "
                             f"{self.low_effort_fraction + self.malicious_fraction}")
        if self.malicious_fraction > 0 and not self.malicious_target:
            raise ValueError(f"{o}.malicious_target must name a model when "
                             f"malicious_fraction > 0 (got {self.malicious_fraction})")
        if self.malicious_cover not in ("honest", "random"):
            raise ValueError(f"{o}.malicious_cover {self.malicious_cover!r} unknown; allowed: "
                             "['honest', 'random']")
        _num(o, "votes_per_voter", self.votes_per_voter, 1, math.inf, hi_open=True)
        _num(o, "activity_skew", self.activity_skew, 1, 20)
        effects = tuple(self.effects)
        for e in effects:
            if not isinstance(e, SegmentEffect):
                raise ValueError(f"{o}.effects must hold SegmentEffect objects, got {e!r}")
            allowed = self.values(e.column)
            if e.value not in allowed:
                raise ValueError(f"{o}.effects: {e.column}={e.value!r} is not among the "
                                 f"population's values; allowed: {list(allowed)[:12]}")
        _set(self, "effects", effects)

    @property
    def languages(self) -> tuple[str, ...]:
        """Voter languages (sorted)."""
        return tuple(sorted({lang for mix in self.country_languages for lang, _ in mix}))

    def values(self, column: str) -> tuple[str, ...]:
        """Return the values a demographic column can take."""
        table = {"country": self.countries, "language": self.languages,
                 "age_band": self.age_bands, "education": self.educations,
                 "profession": self.professions}
        if column not in table:
            raise ValueError(f"column {column!r} unknown; allowed: {list(table)}")
        return table[column]


# ---------------------------------------------------------------------------------- prompts
@dataclass(frozen=True, kw_only=True)
class PromptDistribution:
    """What voters ask on the arena, and what users need in the real world.

    Parameters
    ----------
    categories : tuple of str
        Prompt categories.
    arena_p : tuple of float
        Category shares of arena prompts (the *arena distribution*; the prompt languages come
        from the voters).
    real_world_p : tuple of float
        Category shares of real-world use (the *real-world distribution*).
    real_world_group_p : mapping of str to float
        Language-group shares of real-world use.
    language_groups : tuple of (language, group) pairs
        Language -> group map; unlisted languages belong to ``"other"``.
    n_prompts : int
        Size of the prompt pool (prompt ids repeat, as popular prompts do).
    """

    categories: tuple[str, ...] = CATEGORIES
    arena_p: tuple[float, ...] = (0.3, 0.12, 0.15, 0.13, 0.15, 0.15)
    real_world_p: tuple[float, ...] = (0.15, 0.08, 0.2, 0.12, 0.2, 0.25)
    real_world_group_p: Mapping[str, float] | tuple = (
        ("cjk", 0.2), ("en", 0.4), ("eu", 0.2), ("other", 0.2))
    language_groups: tuple = GROUP_OF_LANGUAGE
    n_prompts: int = 50_000

    def __post_init__(self) -> None:
        o = "PromptDistribution"
        cats = _unique(o, "categories", self.categories)
        _set(self, "categories", cats)
        _set(self, "arena_p", _probs(o, "arena_p", self.arena_p, len(cats), "categories"))
        _set(self, "real_world_p", _probs(o, "real_world_p", self.real_world_p, len(cats),
                                          "categories"))
        lg = tuple((str(lang), str(g)) for lang, g in self.language_groups)
        _set(self, "language_groups", lg)
        rw = _pairs(o, "real_world_group_p", self.real_world_group_p, self.groups)
        _probs(o, "real_world_group_p", [v for _, v in rw])
        _set(self, "real_world_group_p", rw)
        _num(o, "n_prompts", self.n_prompts, 1, 10**8, integer=True)

    @property
    def groups(self) -> tuple[str, ...]:
        """Language groups: those named in ``language_groups``, then ``"other"``."""
        seen = []
        for _, g in self.language_groups:
            if g not in seen:
                seen.append(g)
        if "other" not in seen:
            seen.append("other")
        return tuple(seen)

    def group_of(self, language: str) -> str:
        """Return the language group of a language."""
        return dict(self.language_groups).get(language, "other")


# ---------------------------------------------------------------------------------- world
@dataclass(frozen=True, kw_only=True)
class World:
    """A complete arena: models, voters, prompts, sampling policy and time.

    Parameters
    ----------
    models : tuple of Model
        At least two, unique names.
    voters : VoterPopulation
    prompts : PromptDistribution
    policy : SamplingPolicy
        How pairs are chosen at each time step (:mod:`sealvalid.sim.policies`).
    n_steps : int
        Time steps; the policy is consulted (and adaptive policies refit) once per step, votes
        are spread evenly over steps.
    days : float
        Length of the simulated period; step ``s`` covers days ``[s, s + 1) * days / n_steps``.
    start : str
        UTC date of day 0 (ISO 8601).
    token_sd : float
        Within-model sd of log response length.
    markdown_sd : float
        Within-model sd of the log markdown intensity of a response.
    truth_by : tuple of str
        Columns of :data:`TRUTH_SEGMENT_COLUMNS` with segment truths.
    truth_min_share : float
        Segment values with a smaller share of arena votes get no truth row.
    truth_contexts : int
        Monte Carlo battle contexts behind the overall truth (segments use a quarter each);
        see :func:`sealvalid.sim.true_ratings`.
    name : str
        Label recorded in outputs (presets set it).
    """

    models: tuple[Model, ...]
    voters: VoterPopulation = field(default_factory=VoterPopulation)
    prompts: PromptDistribution = field(default_factory=PromptDistribution)
    policy: SamplingPolicy = field(default_factory=UniformPairs)
    n_steps: int = 1
    days: float = 30.0
    start: str = "2025-01-01"
    token_sd: float = 0.45
    markdown_sd: float = 0.6
    truth_by: tuple[str, ...] = ("language", "category")
    truth_min_share: float = 0.02
    truth_contexts: int = 4000
    name: str = "custom"

    def __post_init__(self) -> None:
        o = "World"
        models = tuple(self.models)
        if len(models) < 2:
            raise ValueError(f"{o}.models needs at least 2 models, got {len(models)}")
        for m in models:
            if not isinstance(m, Model):
                raise ValueError(f"{o}.models must hold Model objects, got {m!r}")
        _unique(o, "models (names)", [m.name for m in models])
        _set(self, "models", models)
        cats = self.prompts.categories
        groups = self.prompts.groups
        for m in models:
            bad = sorted({k for k, _ in m.category_skill} - set(cats))
            if bad:
                raise ValueError(f"Model({m.name!r}).category_skill has unknown categories "
                                 f"{bad}; allowed: {list(cats)}")
            bad = sorted({k for k, _ in m.language_skill} - set(groups))
            if bad:
                raise ValueError(f"Model({m.name!r}).language_skill has unknown language groups "
                                 f"{bad}; allowed: {list(groups)}")
        for e in self.voters.effects:
            bad = sorted({k for k, _ in e.substance} - set(cats))
            if bad:
                raise ValueError(f"SegmentEffect({e.column}={e.value!r}).substance has unknown "
                                 f"categories {bad}; allowed: {list(cats)}")
        target = self.voters.malicious_target
        if target is not None and target not in {m.name for m in models}:
            raise ValueError(f"VoterPopulation.malicious_target {target!r} is not a model of "
                             "the world")
        _num(o, "n_steps", self.n_steps, 1, 100_000, integer=True)
        _num(o, "days", self.days, 0, math.inf, lo_open=True, hi_open=True)
        try:
            np.datetime64(self.start, "ns")
        except ValueError as exc:
            raise ValueError(f"{o}.start {self.start!r} is not an ISO 8601 date") from exc
        _num(o, "token_sd", self.token_sd, 0, 3)
        _num(o, "markdown_sd", self.markdown_sd, 0, 3)
        tb = tuple(self.truth_by)
        bad = [c for c in tb if c not in TRUTH_SEGMENT_COLUMNS]
        if bad:
            raise ValueError(f"{o}.truth_by has unknown columns {bad}; allowed: "
                             f"{list(TRUTH_SEGMENT_COLUMNS)}")
        _set(self, "truth_by", tb)
        _num(o, "truth_min_share", self.truth_min_share, 0, 1)
        _num(o, "truth_contexts", self.truth_contexts, 100, 10**7, integer=True)
        if not hasattr(self.policy, "pair_weights"):
            raise ValueError(f"{o}.policy must be a sampling policy (with pair_weights), got "
                             f"{self.policy!r}")
        self.policy.check(self)

    # ------------------------------------------------------------------ views
    @property
    def model_names(self) -> tuple[str, ...]:
        """Model names, sorted (the model index of the vote table)."""
        return tuple(sorted(m.name for m in self.models))

    @property
    def providers(self) -> tuple[str, ...]:
        """Providers, sorted."""
        return tuple(sorted({m.provider for m in self.models}))

    @property
    def families(self) -> dict[str, tuple[Model, ...]]:
        """Family name -> its models."""
        out: dict[str, list[Model]] = {}
        for m in self.models:
            out.setdefault(m.family, []).append(m)
        return {k: tuple(v) for k, v in sorted(out.items())}

    def model(self, name: str) -> Model:
        """Return the model of that name."""
        for m in self.models:
            if m.name == name:
                return m
        raise ValueError(f"model {name!r} is not in the world; models: "
                         f"{list(self.model_names)[:10]}")

    def replace(self, **changes) -> World:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def with_models(self, *models: Model, drop: tuple[str, ...] = ()) -> World:
        """Return a copy with models added (or replaced, by name) and some dropped."""
        new = {m.name: m for m in self.models if m.name not in set(drop)}
        for m in models:
            new[m.name] = m
        return dataclasses.replace(self, models=tuple(new.values()))

    def step_days(self) -> np.ndarray:
        """Start day of each time step (length ``n_steps + 1``, the last is ``days``)."""
        return np.linspace(0.0, self.days, self.n_steps + 1)


# ---------------------------------------------------------------------------------- compiled
@dataclass(frozen=True)
class Compiled:
    """Arrays derived from a :class:`World` (cached per world; read-only by convention).

    Model arrays are in sorted-name order (the vote table's model index).
    """

    names: tuple[str, ...]
    q: np.ndarray              # (K, C, G) substance, Arena points
    appeal: np.ndarray         # (K,)
    log_tokens: np.ndarray     # (K,) log median tokens
    md_rate: np.ndarray        # (K, 3) mean headers, lists, bold
    entry: np.ndarray
    retire: np.ndarray
    provider: np.ndarray       # (K,) str
    open_weights: np.ndarray   # (K,) bool
    family: np.ndarray         # (K,) str
    categories: tuple[str, ...]
    arena_p: np.ndarray
    real_world_p: np.ndarray
    groups: tuple[str, ...]
    real_world_group_p: np.ndarray
    languages: tuple[str, ...]  # prompt languages = voter languages plus "en" (sorted)
    lang_group: np.ndarray     # (L,) group code per language
    english: int               # code of "en"
    joint: np.ndarray          # (n_countries, L) P(country, voter language)
    en_share: float
    plang_p: np.ndarray        # (L,) arena share of prompt languages
    demo_values: dict          # column -> tuple of values
    demo_p: dict               # column -> probabilities (age_band, education, profession)
    prompt_offset: np.ndarray  # (L, C) first prompt index of each (language, category) block
    prompt_size: np.ndarray    # (L, C)
    gamma: np.ndarray          # (4,) population style coefficients
    target: int                # malicious target model index or -1


@functools.lru_cache(maxsize=32)
def compile_world(world: World) -> Compiled:
    """Derive the arrays of a world (cached; the world is hashable)."""
    names = world.model_names
    by_name = {m.name: m for m in world.models}
    models = [by_name[n] for n in names]
    cats = world.prompts.categories
    groups = world.prompts.groups
    k, c, g = len(models), len(cats), len(groups)
    q = np.empty((k, c, g))
    for i, m in enumerate(models):
        cs = dict(m.category_skill)
        ls = dict(m.language_skill)
        q[i] = (m.quality + np.array([cs.get(x, 0.0) for x in cats])[:, None]
                + np.array([ls.get(x, 0.0) for x in groups])[None, :])
    pop = world.voters
    languages = tuple(sorted(set(pop.languages) | {"en"}))
    lidx = {lang: n for n, lang in enumerate(languages)}
    joint = np.zeros((len(pop.countries), len(languages)))
    for ci, (pc, mix) in enumerate(zip(pop.country_p, pop.country_languages, strict=True)):
        for lang, share in mix:
            joint[ci, lidx[lang]] += pc * share
    english = lidx["en"]
    vl = joint.sum(axis=0)
    plang_p = vl * (1 - pop.english_prompt_share)
    plang_p[english] = vl[english] + pop.english_prompt_share * (vl.sum() - vl[english])
    arena_p = np.array(world.prompts.arena_p)
    # prompt pool: blocks by (language, category), sized by arena share, at least one prompt
    size = np.maximum(1, np.round(world.prompts.n_prompts * plang_p[:, None] * arena_p[None, :])
                      ).astype(np.int64)
    offset = (np.cumsum(size.ravel()) - size.ravel()).reshape(size.shape)
    rwg = dict(world.prompts.real_world_group_p)
    target = names.index(pop.malicious_target) if pop.malicious_target else -1
    arr = {
        "q": q,
        "appeal": np.array([m.appeal for m in models]),
        "log_tokens": np.log([m.tokens for m in models]),
        "md_rate": np.array([[m.headers, m.lists, m.bold] for m in models]),
        "entry": np.array([m.entry for m in models]),
        "retire": np.array([m.retire for m in models]),
        "open_weights": np.array([m.open_weights for m in models]),
        "lang_group": np.array([groups.index(world.prompts.group_of(x)) for x in languages]),
        "plang_p": plang_p,
        "arena_p": arena_p,
        "real_world_p": np.array(world.prompts.real_world_p),
        "real_world_group_p": np.array([rwg.get(x, 0.0) for x in groups]),
        "joint": joint,
        "prompt_offset": offset,
        "prompt_size": size,
        "gamma": np.array(pop.style_coef),
    }
    for a in arr.values():
        a.flags.writeable = False
    return Compiled(
        names=names, provider=np.array([m.provider for m in models]),
        family=np.array([m.family for m in models]), categories=cats, groups=groups,
        languages=languages, english=english, en_share=pop.english_prompt_share,
        demo_values={col: pop.values(col) for col in VOTER_COLUMNS} | {"language": languages},
        demo_p={"age_band": np.array(pop.age_p), "education": np.array(pop.education_p),
                "profession": np.array(pop.profession_p)},
        target=target, **arr)
