"""Named worlds: ``preset("lmarena-like")``, ``preset("seal-like")``, ...

Each preset is a function registered in :data:`PRESETS` that builds a :class:`World`; the model
set is drawn from a fixed seed unless ``rng`` is given, so a preset names one world (the votes
still depend on the ``rng`` of :func:`sealvalid.sim.simulate`).

Presets
-------
``lmarena-like``
    Early LMArena: a tech-enthusiast population (developers and students, 30 countries, most
    prompts in English, coding-heavy prompts), voters who reward length and markdown (a length
    coefficient near LMSYS's reported 0.25 per standardised unit) and latent appeal, 5 %
    low-effort voters, a small first-position bias; 32 models from 10 providers entering over
    a year; provider-weighted sampling in which the two largest proprietary providers get
    about 20 % of battles each and open-weight models are sampled less; open-weight models
    silently deprecated after 120 days (*Leaderboard Illusion*, arXiv 2504.20879).
``seal-like``
    SEAL Showdown: a global, stratified contributor base (116 countries, 82 languages, 12
    professions, broad age and education), attentive voters with a moderate taste for style
    (experts and professionals less), 2 % low-effort voters, active sampling of under-evaluated,
    high-variance pairs (Chiang et al.'s rule); 24 current models, some with strong regional
    language skills so that language segments disagree.
``bt-simple``
    A well-specified Bradley–Terry world (homogeneous substance-only voters, no style, position
    or low effort, uniform pairs): the overall truth equals the configured quality.
``multilingual``
    Like ``bt-simple`` but with a global population and language skills: one model is much
    stronger on CJK prompts, another on ``other``-group prompts, one weaker outside English, so
    language segment boards disagree with a known pattern.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sealvalid.sim.policies import (
    ActiveSampling,
    AgeDeprecation,
    ProviderWeighted,
    UniformPairs,
)
from sealvalid.sim.world import (
    CATEGORIES,
    LANGUAGE_GROUPS,
    Model,
    PromptDistribution,
    SegmentEffect,
    VoterPopulation,
    World,
)

__all__ = ["PRESETS", "preset", "register_preset", "COUNTRIES", "draw_models",
           "global_population", "tech_population"]

#: preset name -> builder ``f(*, rng=None, n_models=None) -> World``
PRESETS: dict[str, Callable[..., World]] = {}
_DEFAULT_SEED = 20250901


def register_preset(name: str):
    """Register a world builder in :data:`PRESETS` (decorator)."""

    def deco(fn):
        PRESETS[name] = fn
        return fn

    return deco


def preset(name: str, *, rng=None, n_models: int | None = None, **changes) -> World:
    """Build a named world.

    Parameters
    ----------
    name : str
        One of :data:`PRESETS`.
    rng
        Seed for drawing the model set (default: the preset's fixed seed, so the preset is one
        world).
    n_models : int, optional
        Number of models (default: the preset's).
    **changes
        World fields to override (e.g. ``n_steps=1``, ``policy=UniformPairs()``).

    Returns
    -------
    World
    """
    if name not in PRESETS:
        raise ValueError(f"preset {name!r} unknown; allowed: {sorted(PRESETS)}")
    if n_models is not None and (isinstance(n_models, bool) or not isinstance(n_models, int)
                                 or n_models < 2):
        raise ValueError(f"n_models must be an integer >= 2, got {n_models!r}")
    rng = np.random.default_rng(_DEFAULT_SEED if rng is None else rng)
    world = PRESETS[name](rng=rng, n_models=n_models)
    return world.replace(**changes) if changes else world


# ---------------------------------------------------------------------------------- countries
#: (country, weight in a global stratified base, ((language, share), ...))
COUNTRIES: tuple = (
    ("US", 8, (("en", .85), ("es", .15))), ("GB", 4, (("en", 1.0),)),
    ("CA", 3, (("en", .75), ("fr", .25))), ("AU", 2, (("en", 1.0),)),
    ("NZ", 1, (("en", 1.0),)), ("IE", 1, (("en", .9), ("ga", .1))),
    ("IN", 8, (("hi", .38), ("en", .3), ("bn", .07), ("te", .06), ("ta", .06), ("mr", .05),
               ("gu", .03), ("kn", .03), ("ml", .02))),
    ("PK", 3, (("ur", .6), ("en", .3), ("pa", .1))), ("BD", 2, (("bn", 1.0),)),
    ("LK", 1, (("si", .7), ("ta", .3))), ("NP", 1, (("ne", 1.0),)),
    ("CN", 5, (("zh", 1.0),)), ("TW", 1, (("zh", 1.0),)), ("HK", 1, (("zh", .8), ("en", .2))),
    ("JP", 3, (("ja", 1.0),)), ("KR", 3, (("ko", 1.0),)), ("VN", 2, (("vi", 1.0),)),
    ("TH", 2, (("th", 1.0),)), ("ID", 3, (("id", 1.0),)),
    ("MY", 1, (("ms", .6), ("en", .25), ("zh", .15))), ("PH", 3, (("tl", .5), ("en", .5))),
    ("SG", 1, (("en", .7), ("zh", .3))), ("MM", 1, (("my", 1.0),)), ("KH", 1, (("km", 1.0),)),
    ("LA", 1, (("lo", 1.0),)), ("MN", 1, (("mn", 1.0),)),
    ("KZ", 1, (("kk", .4), ("ru", .6))), ("UZ", 1, (("uz", 1.0),)),
    ("KG", 1, (("ky", .5), ("ru", .5))), ("TJ", 1, (("tg", 1.0),)), ("TM", 1, (("tk", 1.0),)),
    ("AZ", 1, (("az", 1.0),)), ("GE", 1, (("ka", 1.0),)), ("AM", 1, (("hy", 1.0),)),
    ("TR", 3, (("tr", 1.0),)), ("IR", 2, (("fa", 1.0),)), ("AF", 1, (("ps", .5), ("fa", .5))),
    ("IQ", 1, (("ar", 1.0),)), ("SA", 2, (("ar", 1.0),)), ("AE", 1, (("ar", .6), ("en", .4))),
    ("EG", 3, (("ar", 1.0),)), ("MA", 1, (("ar", .7), ("fr", .3))),
    ("DZ", 1, (("ar", .7), ("fr", .3))), ("TN", 1, (("ar", .7), ("fr", .3))),
    ("JO", 1, (("ar", 1.0),)), ("LB", 1, (("ar", .7), ("fr", .3))),
    ("IL", 1, (("he", .8), ("ar", .2))), ("QA", 1, (("ar", 1.0),)), ("KW", 1, (("ar", 1.0),)),
    ("NG", 4, (("en", .6), ("ha", .15), ("yo", .15), ("ig", .1))),
    ("KE", 3, (("sw", .5), ("en", .5))), ("TZ", 1, (("sw", 1.0),)), ("UG", 1, (("en", 1.0),)),
    ("ET", 1, (("am", 1.0),)), ("GH", 1, (("en", 1.0),)),
    ("ZA", 2, (("en", .5), ("zu", .2), ("af", .15), ("xh", .15))), ("SO", 1, (("so", 1.0),)),
    ("RW", 1, (("rw", .6), ("en", .2), ("fr", .2))), ("SN", 1, (("fr", 1.0),)),
    ("CI", 1, (("fr", 1.0),)), ("CM", 1, (("fr", .7), ("en", .3))),
    ("MG", 1, (("mg", .6), ("fr", .4))), ("ZW", 1, (("en", 1.0),)), ("ZM", 1, (("en", 1.0),)),
    ("RU", 3, (("ru", 1.0),)), ("UA", 2, (("uk", .7), ("ru", .3))), ("BY", 1, (("ru", 1.0),)),
    ("PL", 2, (("pl", 1.0),)), ("DE", 4, (("de", 1.0),)), ("FR", 4, (("fr", 1.0),)),
    ("ES", 3, (("es", .85), ("ca", .1), ("gl", .03), ("eu", .02))), ("PT", 1, (("pt", 1.0),)),
    ("IT", 3, (("it", 1.0),)), ("NL", 2, (("nl", 1.0),)), ("BE", 1, (("nl", .55), ("fr", .45))),
    ("CH", 1, (("de", .65), ("fr", .25), ("it", .1))), ("AT", 1, (("de", 1.0),)),
    ("SE", 1, (("sv", 1.0),)), ("NO", 1, (("nb", 1.0),)), ("DK", 1, (("da", 1.0),)),
    ("FI", 1, (("fi", 1.0),)), ("IS", 1, (("is", 1.0),)), ("CZ", 1, (("cs", 1.0),)),
    ("SK", 1, (("sk", 1.0),)), ("HU", 1, (("hu", 1.0),)), ("RO", 1, (("ro", 1.0),)),
    ("BG", 1, (("bg", 1.0),)), ("GR", 1, (("el", 1.0),)), ("RS", 1, (("sr", 1.0),)),
    ("HR", 1, (("hr", 1.0),)), ("SI", 1, (("sl", 1.0),)), ("BA", 1, (("bs", 1.0),)),
    ("MK", 1, (("mk", 1.0),)), ("AL", 1, (("sq", 1.0),)), ("LT", 1, (("lt", 1.0),)),
    ("LV", 1, (("lv", 1.0),)), ("EE", 1, (("et", 1.0),)), ("MD", 1, (("ro", 1.0),)),
    ("MX", 4, (("es", 1.0),)), ("AR", 2, (("es", 1.0),)), ("CO", 2, (("es", 1.0),)),
    ("CL", 1, (("es", 1.0),)), ("PE", 1, (("es", 1.0),)), ("VE", 1, (("es", 1.0),)),
    ("EC", 1, (("es", 1.0),)), ("BO", 1, (("es", 1.0),)), ("PY", 1, (("es", 1.0),)),
    ("UY", 1, (("es", 1.0),)), ("CR", 1, (("es", 1.0),)), ("PA", 1, (("es", 1.0),)),
    ("DO", 1, (("es", 1.0),)), ("GT", 1, (("es", 1.0),)), ("PR", 1, (("es", .8), ("en", .2))),
    ("BR", 5, (("pt", 1.0),)), ("JM", 1, (("en", 1.0),)), ("TT", 1, (("en", 1.0),)),
)

_PROFESSIONS_GLOBAL = ("software_engineer", "student", "educator", "healthcare", "finance",
                       "legal", "writer", "researcher", "engineer", "sales", "trades", "other")
_PROFESSIONS_GLOBAL_P = (0.10, 0.14, 0.09, 0.08, 0.08, 0.05, 0.07, 0.06, 0.08, 0.08, 0.07, 0.10)
_AGES = ("18-24", "25-34", "35-44", "45-54", "55+")
_EDUCATION = ("secondary", "bachelor", "master", "doctorate")


def global_population(**changes) -> VoterPopulation:
    """SEAL-Showdown-like global stratified population (116 countries, 82 languages)."""
    total = sum(w for _, w, _ in COUNTRIES)
    base = dict(
        name="global-stratified",
        countries=tuple(c for c, _, _ in COUNTRIES),
        country_p=tuple(w / total for _, w, _ in COUNTRIES),
        country_languages=tuple(mix for _, _, mix in COUNTRIES),
        english_prompt_share=0.25,
        age_bands=_AGES, age_p=(0.18, 0.3, 0.24, 0.16, 0.12),
        educations=_EDUCATION, education_p=(0.3, 0.4, 0.22, 0.08),
        professions=_PROFESSIONS_GLOBAL, profession_p=_PROFESSIONS_GLOBAL_P,
        attentiveness=1.1, attentiveness_sd=0.3,
        style_coef=(0.45, 0.1, 0.1, 0.1), appeal_weight=0.6,
        tie_propensity=0.35, bothbad_share=0.3, position_bias=0.05,
        low_effort_fraction=0.02, low_effort_position_bias=0.4,
        votes_per_voter=15.0, activity_skew=1.5,
        effects=(
            SegmentEffect(column="education", value="doctorate", attentiveness=1.25, style=0.5),
            SegmentEffect(column="education", value="secondary", attentiveness=0.85, style=1.3),
            SegmentEffect(column="profession", value="software_engineer",
                          substance={"coding": 1.5}, style=0.8),
            SegmentEffect(column="profession", value="researcher",
                          substance={"math": 1.4, "reasoning": 1.3}, style=0.6),
            SegmentEffect(column="profession", value="writer", substance={"writing": 1.5},
                          style=1.2),
            SegmentEffect(column="age_band", value="18-24", style=1.3, attentiveness=0.9),
            SegmentEffect(column="age_band", value="55+", style=0.7, position=0.1),
        ),
    )
    base.update(changes)
    return VoterPopulation(**base)


_TECH = {"US": 30, "CN": 12, "GB": 5, "DE": 5, "IN": 5, "RU": 4, "JP": 3, "KR": 3, "FR": 3,
         "CA": 3, "BR": 2, "ES": 2, "IT": 2, "NL": 2, "PL": 2, "AU": 2, "TW": 2, "SG": 1,
         "IL": 1, "SE": 1, "CH": 1, "UA": 1, "TR": 1, "VN": 1, "ID": 1, "MX": 1, "AR": 1,
         "HK": 1, "IR": 1, "PT": 1}


def tech_population(**changes) -> VoterPopulation:
    """Early-LMArena-like tech-enthusiast population (30 countries, mostly English prompts)."""
    mix = {c: m for c, _, m in COUNTRIES}
    total = sum(_TECH.values())
    base = dict(
        name="tech-enthusiast",
        countries=tuple(_TECH),
        country_p=tuple(w / total for w in _TECH.values()),
        country_languages=tuple(mix[c] for c in _TECH),
        english_prompt_share=0.55,
        age_bands=_AGES, age_p=(0.3, 0.42, 0.17, 0.07, 0.04),
        educations=_EDUCATION, education_p=(0.15, 0.4, 0.33, 0.12),
        professions=("software_engineer", "student", "researcher", "data_scientist", "other"),
        profession_p=(0.4, 0.25, 0.1, 0.1, 0.15),
        attentiveness=0.9, attentiveness_sd=0.4,
        style_coef=(0.9, 0.35, 0.25, 0.25), appeal_weight=1.0,
        tie_propensity=0.38, bothbad_share=0.3, position_bias=0.08,
        low_effort_fraction=0.05, low_effort_position_bias=0.5,
        votes_per_voter=8.0, activity_skew=1.8,
        effects=(
            SegmentEffect(column="profession", value="software_engineer",
                          substance={"coding": 1.4}),
            SegmentEffect(column="profession", value="researcher", style=0.6,
                          attentiveness=1.2, substance={"math": 1.3, "reasoning": 1.3}),
            SegmentEffect(column="age_band", value="18-24", style=1.3, attentiveness=0.85),
            SegmentEffect(column="education", value="doctorate", style=0.7,
                          attentiveness=1.15),
        ),
    )
    base.update(changes)
    return VoterPopulation(**base)


# ---------------------------------------------------------------------------------- models
_PROVIDERS = (
    # name, open weights, regional language strength
    ("aurora", False, None), ("boreal", False, None), ("cobalt", False, None),
    ("delphi", False, None), ("ember", True, None), ("fjord", True, "eu"),
    ("ginkgo", True, "cjk"), ("harbor", False, "cjk"), ("indus", True, "other"),
    ("juniper", True, None),
)
_FAMILIES = ("large", "flash", "mini", "pro", "chat")


def draw_models(n_models: int, rng: np.random.Generator, *, days: float = 365.0,
                staggered: bool = True, quality_sd: float = 80.0, category_sd: float = 25.0,
                language_sd: float = 20.0, regional_skill: float = 70.0,
                appeal_sd: float = 15.0, style: bool = True) -> tuple[Model, ...]:
    """Draw a plausible model set: 10 providers, families with successive versions.

    Providers take turns adding models; a provider's family gets a new version (better by
    20-45 points, more verbose) about every ``days / 4``; open-weight providers start weaker;
    regional providers get ``regional_skill`` points in their language group and lose a third
    of it in English.

    Parameters
    ----------
    n_models : int
    rng : numpy.random.Generator
    days : float
        Length of the period over which models enter (when ``staggered``).
    staggered : bool
        Models enter over time (else all at day 0).
    quality_sd, category_sd, language_sd, appeal_sd : float
        Spreads in Arena points (0 switches a component off).
    regional_skill : float
        Language-group advantage of regional providers.
    style : bool
        Vary style between models (else every model has the same style profile).
    """
    models = []
    prov_base = rng.normal(0.0, quality_sd, len(_PROVIDERS))
    for p, (_, open_w, _) in enumerate(_PROVIDERS):
        if open_w:
            prov_base[p] -= 0.4 * quality_sd
    counter = {}
    for idx in range(n_models):
        p = idx % len(_PROVIDERS)
        prov, open_w, region = _PROVIDERS[p]
        n_prev = counter.get(prov, 0)
        counter[prov] = n_prev + 1
        fam = _FAMILIES[(n_prev // 3) % len(_FAMILIES)]
        version = n_prev % 3 + 1 + 3 * (n_prev // (3 * len(_FAMILIES)))
        q = prov_base[p] + (version - 1) * rng.uniform(20, 45) + rng.normal(0, 0.3 * quality_sd)
        lang = {}
        if language_sd > 0:
            lang = {g: float(v) for g, v in zip(
                LANGUAGE_GROUPS, rng.normal(0.0, language_sd, len(LANGUAGE_GROUPS)),
                strict=True)}
        if region is not None:
            lang[region] = lang.get(region, 0.0) + regional_skill
            lang["en"] = lang.get("en", 0.0) - regional_skill / 3
        cat = ({c: float(v) for c, v in zip(CATEGORIES, rng.normal(0, category_sd,
                                                                    len(CATEGORIES)),
                                            strict=True)} if category_sd > 0 else {})
        entry = 0.0
        if staggered and idx >= len(_PROVIDERS):
            entry = float(min(days * 0.9, (idx // len(_PROVIDERS)) * days / 4
                              + rng.uniform(0, days / 8)))
        verbose = 1.0 + 0.25 * (version - 1)
        models.append(Model(
            name=f"{prov}-{fam}-{version}", provider=prov, family=f"{prov}-{fam}",
            open_weights=open_w, quality=float(q), category_skill=cat, language_skill=lang,
            appeal=float(rng.normal(0, appeal_sd)) if appeal_sd > 0 else 0.0,
            tokens=float(400 * verbose * math.exp(rng.normal(0, 0.35))) if style else 400.0,
            headers=float(rng.gamma(2.0, 0.6) * verbose) if style else 1.0,
            lists=float(rng.gamma(2.0, 1.0) * verbose) if style else 2.0,
            bold=float(rng.gamma(2.0, 1.0)) if style else 2.0,
            entry=entry))
    return tuple(models)


# ---------------------------------------------------------------------------------- presets
@register_preset("lmarena-like")
def _lmarena_like(*, rng, n_models=None) -> World:
    models = draw_models(n_models or 32, rng, days=365.0)
    policy = AgeDeprecation(
        base=ProviderWeighted(weights={"aurora": 4.0, "boreal": 4.0, "cobalt": 1.5,
                                       "delphi": 1.5, "harbor": 1.2},
                              default=1.0, open_weights_factor=0.6),
        max_age=120.0, open_weights_only=True)
    return World(
        name="lmarena-like", models=models, voters=tech_population(),
        prompts=PromptDistribution(arena_p=(0.35, 0.1, 0.14, 0.12, 0.14, 0.15)),
        policy=policy, n_steps=52, days=365.0, start="2024-01-01",
        truth_by=("language", "category", "profession"))


@register_preset("seal-like")
def _seal_like(*, rng, n_models=None) -> World:
    models = draw_models(n_models or 24, rng, staggered=False, appeal_sd=10.0,
                         regional_skill=80.0)
    return World(
        name="seal-like", models=models, voters=global_population(),
        prompts=PromptDistribution(arena_p=(0.2, 0.1, 0.18, 0.14, 0.18, 0.2)),
        policy=ActiveSampling(uniform_mix=0.1), n_steps=26, days=182.0, start="2025-09-01",
        truth_by=("language", "country", "category", "education", "profession"),
        truth_min_share=0.01)


@register_preset("bt-simple")
def _bt_simple(*, rng, n_models=None) -> World:
    k = n_models or 12
    quality = rng.normal(0.0, 100.0, k)
    models = tuple(Model(name=f"model-{i:02d}", provider=f"lab-{i % 4}", quality=float(q))
                   for i, q in enumerate(quality))
    voters = VoterPopulation(name="homogeneous", tie_propensity=0.3, position_bias=0.0)
    return World(name="bt-simple", models=models, voters=voters, policy=UniformPairs(),
                 truth_by=("category",))


@register_preset("multilingual")
def _multilingual(*, rng, n_models=None) -> World:
    k = n_models or 12
    if k < 4:
        raise ValueError(f"preset 'multilingual' needs n_models >= 4, got {k}")
    quality = rng.normal(0.0, 60.0, k)
    skills = [{} for _ in range(k)]
    skills[0] = {"cjk": 150.0, "en": -40.0}    # much stronger on CJK prompts
    skills[1] = {"other": 150.0, "en": -40.0}  # much stronger on other-group prompts
    skills[2] = {"en": 60.0, "cjk": -80.0, "other": -80.0, "eu": -40.0}  # English specialist
    models = tuple(Model(name=f"model-{i:02d}", provider=f"lab-{i % 4}", quality=float(q),
                         language_skill=skills[i]) for i, q in enumerate(quality))
    voters = global_population(name="global-homogeneous", effects=(), attentiveness=1.0,
                               attentiveness_sd=0.0, style_coef=(0.0, 0.0, 0.0, 0.0),
                               appeal_weight=0.0, position_bias=0.0, low_effort_fraction=0.0)
    return World(name="multilingual", models=models, voters=voters, policy=UniformPairs(),
                 truth_by=("language",), truth_min_share=0.01)
