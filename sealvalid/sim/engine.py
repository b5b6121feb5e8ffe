"""Draw votes from a :class:`~sealvalid.sim.world.World`: ``simulate(world, n_votes, rng=...)``.

Everything is vectorised with numpy: the only Python loop runs over time steps (where the
sampling policy is consulted, and adaptive policies see a Bradley–Terry refit of the votes so
far); within a step every vote is drawn at once. The generative model is described in
:mod:`sealvalid.sim.world`.

Randomness: ``rng`` is anything :func:`numpy.random.default_rng` accepts; the same seed gives
bit-identical frames. The entropy actually used is recorded in ``votes.attrs["seed"]`` (when
``rng`` is ``None`` or an integer or a ``SeedSequence``), so a run without a seed can still be
reproduced.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sealvalid.data.schema import POSITION_LABELS, RATER_TYPES, STYLE_FEATURES, WINNER_LABELS
from sealvalid.sim.policies import PolicyContext
from sealvalid.sim.world import VOTER_COLUMNS, VOTER_KINDS, Compiled, F, World, compile_world

__all__ = ["simulate", "simulate_battles_of", "SimResult", "Battles", "BATTLE_FIELDS",
           "RESPONSE_BANK"]

#: responses drawn per model and replicate; a battle pairs one response of each side at random
RESPONSE_BANK = 1024
_BANK_BITS = 10  # log2(RESPONSE_BANK)
_ADAPTIVE_L2 = 1e-2  # weak ridge for the per-step refit of adaptive policies (prior sd 10 logits)
_ADAPTIVE_ITER = 2  # Newton steps per time step, warm-started: a running estimate

BATTLE_FIELDS = ("model_a", "model_b", "winner", "first_a", "voter", "prompt", "category",
                 "language", "style_a", "style_b", "day", "step", "p_a")


# ---------------------------------------------------------------------------------- voters
@dataclass(frozen=True)
class VoterArrays:
    """A drawn set of voters (codes index the compiled world's value tuples)."""

    codes: dict            # column -> int array (country, language, age_band, ...)
    kind: np.ndarray       # int8: 0 honest, 1 low effort, 2 malicious
    attn: np.ndarray
    style: np.ndarray
    pos: np.ndarray
    tie: np.ndarray
    weight: np.ndarray     # (n, C) substance weight per category

    def __len__(self) -> int:
        return len(self.kind)


def _draw_index(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw from a discrete distribution ``p`` (not normalised) by inverting uniforms ``u``."""
    cdf = np.cumsum(p, dtype=float)
    out = np.searchsorted(cdf, u * cdf[-1], side="right")
    return np.minimum(out, len(p) - 1)


def lhs_uniforms(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Draw Latin-hypercube uniforms.

    Along the last axis each row is a stratified sample of Uniform(0, 1): one draw in each of
    ``n`` equal strata, in random order.
    """
    *lead, n = shape
    rows = int(np.prod(lead)) if lead else 1
    strata = rng.permuted(np.tile(np.arange(n), (rows, 1)), axis=1)
    return ((strata + rng.random((rows, n))) / n).reshape(shape)


_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
      -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
      -1.328068155288572e01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
      -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)


def norm_quantile(u: np.ndarray) -> np.ndarray:
    """Return standard normal quantiles of uniforms.

    Acklam's rational approximation (relative error below 1.2e-9), numpy only, so that
    simulating needs no scipy import.
    """
    u = np.clip(np.asarray(u, dtype=float), 1e-300, 1.0 - 1e-16)
    out = np.empty_like(u)
    low = u < 0.02425
    high = u > 1.0 - 0.02425
    mid = ~(low | high)
    q = u[mid] - 0.5
    r = q * q
    num = ((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]
    den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0
    out[mid] = num * q / den
    for mask, sign, tail in ((low, 1.0, u[low]), (high, -1.0, 1.0 - u[high])):
        if mask.any():
            q = np.sqrt(-2.0 * np.log(tail))
            num = ((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]
            den = (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
            out[mask] = sign * num / den
    return out


#: uniforms per voter consumed by :func:`draw_voters`
VOTER_UNIFORMS = 6
#: uniforms per response consumed by :func:`draw_styles`
STYLE_UNIFORMS = 5


def draw_voters(cw: Compiled, world: World, u: np.ndarray, *, joint: np.ndarray | None = None,
                fixed: dict | None = None, honest_only: bool = False,
                country_language: np.ndarray | None = None) -> VoterArrays:
    """Voters from uniforms: demographics, kind and judging parameters.

    Parameters
    ----------
    cw : Compiled
        The compiled world.
    world : World
    u : ndarray, shape (VOTER_UNIFORMS, n)
        Uniforms (``rng.random`` for the simulation, Latin-hypercube for the truth).
    joint : ndarray, optional
        Replacement for the (country, language) distribution (conditioning).
    fixed : dict, optional
        ``{column: code}`` for ``age_band``, ``education`` or ``profession``.
    honest_only : bool
        Draw from the population without malicious voters (the truth's population).
    country_language : ndarray, optional
        Pre-drawn flat (country, language) indices (``country * n_languages + language``);
        ``u[0]`` is then unused.
    """
    pop = world.voters
    fixed = fixed or {}
    n = u.shape[1]
    jt = cw.joint if joint is None else joint
    cl = _draw_index(jt.ravel(), u[0]) if country_language is None else country_language
    country, language = np.divmod(cl, jt.shape[1])
    codes = {"country": country.astype(np.int32), "language": language.astype(np.int32)}
    for row, col in enumerate(("age_band", "education", "profession"), start=1):
        if col in fixed:
            codes[col] = np.full(n, fixed[col], dtype=np.int32)
        else:
            codes[col] = _draw_index(cw.demo_p[col], u[row]).astype(np.int32)
    le, mal = pop.low_effort_fraction, pop.malicious_fraction
    if honest_only:
        le, mal = le / (1.0 - mal), 0.0
    kind = np.where(u[4] < le, 1, np.where(u[4] < le + mal, 2, 0)).astype(np.int8)
    if pop.attentiveness_sd > 0:
        sd = pop.attentiveness_sd
        attn = pop.attentiveness * np.exp(sd * norm_quantile(u[5]) - 0.5 * sd * sd)
    else:
        attn = np.full(n, pop.attentiveness)
    style = np.ones(n)
    pos = np.full(n, pop.position_bias)
    tie = np.full(n, pop.tie_propensity)
    cats = cw.categories
    weight = np.ones((n, len(cats)))
    for e in pop.effects:
        m = codes[e.column] == cw.demo_values[e.column].index(e.value)
        if not m.any():
            continue
        attn[m] *= e.attentiveness
        style[m] *= e.style
        tie[m] *= e.tie
        pos[m] += e.position
        for cat, mult in e.substance:
            weight[m, cats.index(cat)] *= mult
    np.minimum(tie, 0.5, out=tie)
    return VoterArrays(codes=codes, kind=kind, attn=attn, style=style, pos=pos, tie=tie,
                       weight=weight)


# ---------------------------------------------------------------------------------- responses
def poisson_quantile(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw Poisson(``lam``) counts by inverting uniforms ``u``.

    The result is the smallest ``k`` with ``P(X <= k) >= u``, from a running sum of the
    probabilities vectorised over the entries still below their uniform (meant for the modest
    means of markdown counts).
    """
    u = np.asarray(u, dtype=float)
    lam_f = np.ascontiguousarray(np.broadcast_to(np.asarray(lam, float), u.shape)).ravel()
    u_f = np.ascontiguousarray(u).ravel()
    k = np.zeros(u_f.shape)
    term = np.exp(-lam_f)
    live = u_f > term
    idx = np.flatnonzero(live)
    lam_s, u_s, term, cdf = lam_f[idx], u_f[idx], term[idx], term[idx]
    count = 0.0
    while idx.size and count < 10_000:
        count += 1.0
        term *= lam_s
        term /= count
        cdf += term
        # an entry is done once its uniform is covered (or the mass left is below rounding)
        live = (u_s > cdf) & (term > 0)
        k[idx[~live]] = count
        idx, lam_s, u_s, term, cdf = idx[live], lam_s[live], u_s[live], term[live], cdf[live]
    return k.reshape(u.shape)


def draw_styles(cw: Compiled, world: World, model: np.ndarray, u: np.ndarray, *,
                rng: np.random.Generator | None = None) -> np.ndarray:
    """Style counts (tokens, headers, lists, bold) of one response per entry of ``model``.

    Tokens are ``round(exp(log median + token_sd * z))`` (at least 1); markdown counts are
    Poisson with mean ``rate * exp(markdown_sd * z' - markdown_sd**2 / 2)``, one markdown
    intensity ``z'`` per response shared by headers, lists and bold.

    Parameters
    ----------
    cw : Compiled
    world : World
    model : ndarray of int
        Model index of each response.
    u : ndarray, shape (STYLE_UNIFORMS, n) or (2, n)
        Uniforms for ``z``, ``z'`` and (5 rows) the three Poisson counts by inversion.
    rng : numpy.random.Generator, optional
        With 2 rows of ``u``, the Poisson counts come from ``rng.poisson`` (same law, faster;
        the simulator's response bank), else by inversion of ``u[2:5]`` (stratifiable; the
        truth's contexts).
    """
    n = len(model)
    out = np.empty((n, 4))
    out[:, 0] = np.maximum(1.0, np.round(np.exp(cw.log_tokens[model]
                                                + world.token_sd * norm_quantile(u[0]))))
    sd = world.markdown_sd
    mult = np.exp(sd * norm_quantile(u[1]) - 0.5 * sd * sd)
    lam = cw.md_rate[model] * mult[:, None]
    out[:, 1:] = rng.poisson(lam) if rng is not None else poisson_quantile(lam, u[2:5].T)
    return out


# ---------------------------------------------------------------------------------- kernel
def first_logit(cw: Compiled, world: World, a, b, cat, group, x_style, voters: VoterArrays,
                v) -> np.ndarray:
    """Logit of ``a`` beating ``b`` without the position term (honest judging).

    ``x_style`` is ``gamma @ x`` per battle; ``v`` indexes ``voters``.
    """
    k_c, k_g = cw.q.shape[1], cw.q.shape[2]
    qf = cw.q.ravel()
    cg = cat * k_g + group  # (category, language group) offset, shared by both sides
    dq = np.take(qf, a * (k_c * k_g) + cg) - np.take(qf, b * (k_c * k_g) + cg)
    w = np.take(voters.weight.ravel(), v * k_c + cat)
    appeal = np.take(cw.appeal, a) - np.take(cw.appeal, b)
    style = appeal * (world.voters.appeal_weight / F) + x_style  # may broadcast (truth)
    style = style * np.take(voters.style, v)
    dq *= w
    dq /= F
    dq += style
    dq *= np.take(voters.attn, v)
    return dq




def _outcomes(p: np.ndarray, tie: np.ndarray, bothbad: float, u: np.ndarray) -> np.ndarray:
    """Winner codes from the expected score ``p`` of model_a and one uniform per vote.

    With ``h = 2 tau p (1 - p)`` (half the tie probability) and ``d = u - p``: model_a wins if
    ``d < -h``, model_b if ``d >= h``, a tie otherwise, recorded as ``tie_bothbad`` when
    ``d < (2 bothbad - 1) h`` (the first ``bothbad`` share of the tie interval).
    """
    half = 2.0 * tie * p * (1.0 - p)
    d = u - p
    is_a = d < -half
    is_b = d >= half
    half *= 2.0 * bothbad - 1.0
    is_bb = d < half  # implied by is_a, excluded by is_b
    # codes: model_a 0, model_b 1, tie 2, tie_bothbad 3
    code = is_bb.astype(np.int8)
    code += 2
    code -= 3 * is_a.view(np.int8)
    code -= is_b.view(np.int8)
    return code


@dataclass(frozen=True)
class Battles:
    """The battles of one simulation as arrays (the vote table is built from these).

    Attributes
    ----------
    model_a, model_b : ndarray of int16
        Model codes (index of ``world.model_names``).
    winner : ndarray of int8
        Code into ``WINNER_LABELS``.
    first_a : ndarray of bool
        ``model_a`` shown first.
    voter : ndarray of int32
        Index into the voter pool (:attr:`SimResult.voters`).
    prompt : ndarray of int32
        Prompt pool index.
    category, language : ndarray of int
        Codes into the world's categories and prompt languages.
    style_a, style_b : ndarray of float32, shape (4, n)
        Style counts (tokens, headers, lists, bold), feature-major.
    day : ndarray of float
        Days since the start.
    step : ndarray of int32
        Time step.
    p_a : ndarray of float
        Expected score of model_a under the voter's actual behaviour (1 or 0 for a malicious
        vote on the target).
    """

    model_a: np.ndarray
    model_b: np.ndarray
    winner: np.ndarray
    first_a: np.ndarray
    voter: np.ndarray
    prompt: np.ndarray
    category: np.ndarray
    language: np.ndarray
    style_a: np.ndarray
    style_b: np.ndarray
    day: np.ndarray
    step: np.ndarray
    p_a: np.ndarray

    def __len__(self) -> int:
        return len(self.winner)

    @staticmethod
    def concat(parts: list[Battles]) -> Battles:
        """Return the battles of several steps, in order."""
        if len(parts) == 1:
            return parts[0]
        return Battles(**{f: np.concatenate([getattr(p, f) for p in parts],
                                            axis=1 if f.startswith("style") else 0)
                          for f in BATTLE_FIELDS})

    @staticmethod
    def empty(n: int) -> Battles:
        """Allocate battles to be filled step by step."""
        f32, i16, i32 = np.float32, np.int16, np.int32
        return Battles(model_a=np.empty(n, i16), model_b=np.empty(n, i16),
                       winner=np.empty(n, np.int8), first_a=np.empty(n, bool),
                       voter=np.empty(n, i32), prompt=np.empty(n, i32),
                       category=np.empty(n, np.int8), language=np.empty(n, i16),
                       style_a=np.empty((4, n), f32), style_b=np.empty((4, n), f32),
                       day=np.empty(n), step=np.empty(n, i32), p_a=np.empty(n))

    def take(self, rows: np.ndarray) -> Battles:
        """Return the battles at ``rows`` (indices or a boolean mask)."""
        return Battles(**{f: (getattr(self, f)[:, rows] if f.startswith("style")
                              else getattr(self, f)[rows]) for f in BATTLE_FIELDS})

    def fill(self, start: int, part: Battles) -> None:
        """Copy ``part`` into rows ``start:start + len(part)``."""
        sl = slice(start, start + len(part))
        for f in BATTLE_FIELDS:
            if f.startswith("style"):
                getattr(self, f)[:, sl] = getattr(part, f)
            else:
                getattr(self, f)[sl] = getattr(part, f)


def _battles(cw: Compiled, world: World, voters: VoterArrays, bank: np.ndarray, i: np.ndarray,
             j: np.ndarray, day: np.ndarray, step: np.ndarray,
             rng: np.random.Generator) -> Battles:
    """Draw everything but the pairs, vectorised over the battles.

    ``bank`` is the feature-major float32 response bank, shape ``(4, K * RESPONSE_BANK)``.
    Random numbers per battle: one 63-bit integer (which side is ``model_a``, which side is
    shown first, the two responses, the prompt within its block) and four float32 uniforms
    (voter, English switch, category, outcome).
    """
    n = len(i)
    pop = world.voters
    nv = len(voters)
    r = RESPONSE_BANK
    bits = rng.integers(0, 2**62, n, dtype=np.int64)
    swap = (bits & 1).astype(bool)
    first_a = (bits & 2).astype(bool)
    a = np.where(swap, j, i).astype(np.int32)
    b = np.where(swap, i, j).astype(np.int32)
    ra = a * r + ((bits >> 2) & (r - 1)).astype(np.int32)
    rb = b * r + ((bits >> (2 + _BANK_BITS)) & (r - 1)).astype(np.int32)
    u = rng.random((4, n), dtype=np.float32)
    skew = pop.activity_skew
    act = u[0] * u[0] if skew == 2 else u[0] ** np.float32(skew)
    v = np.minimum((act * np.float32(nv)).astype(np.int32), nv - 1)
    vlang = voters.codes["language"][v]
    lang = vlang.copy()
    if cw.en_share > 0:
        lang[(vlang != cw.english) & (u[1] < cw.en_share)] = cw.english
    cdf = np.cumsum(cw.arena_p).astype(np.float32)
    cat = np.zeros(n, dtype=np.int32)
    for edge in cdf[:-1]:
        cat += u[2] >= edge
    n_cat = len(cw.arena_p)
    block = lang * n_cat + cat
    size = np.take(cw.prompt_size.ravel(), block)
    # uniform index within the block from 31 spare random bits (multiply-shift)
    spare = (bits >> (2 + 2 * _BANK_BITS)) & 0x7FFFFFFF
    prompt = np.take(cw.prompt_offset.ravel(), block) + ((spare * size) >> 31)
    sa = np.take(bank, ra, axis=1)
    sb = np.take(bank, rb, axis=1)
    xs = np.zeros(n)
    for f in np.flatnonzero(cw.gamma):
        num = sa[f] - sb[f]
        den = sa[f] + sb[f]
        den += 1.0
        num /= den
        xs += cw.gamma[f] * num
    group = cw.lang_group[lang]
    eta = first_logit(cw, world, a, b, cat, group, xs, voters, v)
    sign = np.where(first_a, 1.0, -1.0)
    eta += voters.pos[v] * sign
    kind = voters.kind[v] if (pop.low_effort_fraction > 0 or pop.malicious_fraction > 0) \
        else None
    if pop.low_effort_fraction > 0:
        low = kind == 1
        eta[low] = pop.low_effort_position_bias * sign[low]
    p = 1.0 / (1.0 + np.exp(-eta))
    tie = voters.tie[v]
    if pop.malicious_fraction > 0:
        mal = kind == 2
        on_a = mal & (a == cw.target)
        on_b = mal & (b == cw.target)
        if pop.malicious_cover == "random":
            p[mal] = 0.5
        p[on_a] = 1.0
        p[on_b] = 0.0
        tie[on_a | on_b] = 0.0
    winner = _outcomes(p, tie, pop.bothbad_share, u[3])
    return Battles(model_a=a.astype(np.int16), model_b=b.astype(np.int16), winner=winner,
                   first_a=first_a, voter=v, prompt=prompt.astype(np.int32),
                   category=cat.astype(np.int8), language=lang.astype(np.int16),
                   style_a=sa, style_b=sb, day=day, step=step, p_a=p)


def _sorted_uniform(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` sorted Uniform(0, 1) draws in O(n) (normalised exponential spacings)."""
    e = np.cumsum(rng.standard_exponential(n + 1))
    return e[:-1] / e[-1]


def _refit(y: np.ndarray, n: np.ndarray, k: int, theta0: np.ndarray) -> np.ndarray:
    """Update the running Bradley–Terry estimate of adaptive policies.

    A few ridge-Newton steps from the previous estimate (ties as half wins), as a platform
    refitting between batches would do.
    """
    from sealvalid.rating.solver import bt_gradient, bt_hessian

    iu, ju = np.triu_indices(k, 1)
    nn = n[iu, ju]
    live = nn > 0
    if not live.any():
        return np.zeros(k)
    i, j, yy, nn = iu[live], ju[live], y[iu, ju][live], nn[live]
    theta = theta0.copy()
    for _ in range(_ADAPTIVE_ITER):
        prob = 1.0 / (1.0 + np.exp(-(theta[i] - theta[j])))
        g = bt_gradient(yy - nn * prob, i, j, None, k) - _ADAPTIVE_L2 * theta
        h = bt_hessian(nn * prob * (1.0 - prob), i, j, None, k)
        h[np.diag_indices_from(h)] += _ADAPTIVE_L2
        step = np.linalg.solve(h, g)
        theta += np.clip(step, -2.0, 2.0)  # damped: the ridge keeps h positive definite
    return theta


# ---------------------------------------------------------------------------------- simulate
def _generator(rng) -> tuple[np.random.Generator, object]:
    """Return a Generator and a JSON-friendly record of the seed."""
    if isinstance(rng, np.random.Generator):
        return rng, "generator"
    if rng is None or isinstance(rng, int | np.integer | np.random.SeedSequence):
        ss = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)
        ent = ss.entropy
        record = int(ent) if isinstance(ent, int | np.integer) else str(ent)
        if ss.spawn_key:
            record = {"entropy": record, "spawn_key": list(ss.spawn_key)}
        return np.random.default_rng(ss), record
    return np.random.default_rng(rng), repr(rng)


def simulate(world: World, n_votes: int, *, rng=None) -> SimResult:
    """Simulate ``n_votes`` arena battles from a world.

    Parameters
    ----------
    world : World
        The arena (see :mod:`sealvalid.sim.world` for the generative model).
    n_votes : int
        Number of votes (>= 1), spread evenly over ``world.n_steps`` time steps.
    rng
        Anything :func:`numpy.random.default_rng` accepts.

    Returns
    -------
    SimResult
        ``votes`` (canonical vote table), ``truth`` (:func:`sealvalid.sim.true_ratings`),
        ``battles`` (arrays), ``voters`` (the voter pool, with each voter's kind).

    Raises
    ------
    ValueError
        For ``n_votes < 1``, or a time step at which the policy leaves fewer than two models.
    """
    if isinstance(n_votes, bool) or not isinstance(n_votes, int | np.integer) or n_votes < 1:
        raise ValueError(f"n_votes must be an integer >= 1, got {n_votes!r}")
    n_votes = int(n_votes)
    gen, seed = _generator(rng)
    cw = compile_world(world)
    k = len(cw.names)
    n_voters = max(1, int(np.ceil(n_votes / world.voters.votes_per_voter)))
    voters = draw_voters(cw, world, gen.random((VOTER_UNIFORMS, n_voters)))
    bank = np.ascontiguousarray(draw_styles(
        cw, world, np.repeat(np.arange(k), RESPONSE_BANK), gen.random((2, k * RESPONSE_BANK)),
        rng=gen).T, dtype=np.float32)
    edges = world.step_days()
    per_step = np.diff(np.round(np.linspace(0, n_votes, world.n_steps + 1))).astype(np.int64)
    policy = world.policy
    adaptive = policy.adaptive
    counts = np.zeros((k, k))
    y = np.zeros((k, k))
    theta = np.zeros(k)
    iu, ju = (x.astype(np.int32) for x in np.triu_indices(k, 1))
    out = Battles.empty(n_votes) if adaptive else None
    filled = 0
    pend_i, pend_j, pend_day, pend_step = [], [], [], []
    models = np.array(cw.names)
    for s in range(world.n_steps):
        n_s = int(per_step[s])
        if n_s == 0:
            continue
        mid = 0.5 * (edges[s] + edges[s + 1])
        active = (cw.entry <= mid) & (mid < cw.retire)
        ctx = PolicyContext(step=s, n_steps=world.n_steps, day=float(mid), models=models,
                            providers=cw.provider, families=cw.family,
                            open_weights=cw.open_weights, entry=cw.entry, active=active,
                            counts=counts, theta=theta)
        w = np.asarray(policy.pair_weights(ctx), dtype=float)
        if w.shape != (k, k) or not np.all(np.isfinite(w)) or (w < 0).any():
            raise ValueError(f"policy {type(policy).__name__} returned invalid pair weights at "
                             f"step {s}: need a finite non-negative ({k}, {k}) matrix")
        wp = w[iu, ju] * (active[iu] & active[ju])
        tot = wp.sum()
        if tot <= 0:
            raise ValueError(
                f"step {s} (day {mid:.1f}): {type(policy).__name__} leaves fewer than two "
                f"models to sample ({int(active.sum())} scheduled active); allowed: at least "
                "two sampled models at every step")
        pc = gen.multinomial(n_s, wp / tot)
        pair = np.repeat(np.arange(len(wp)), pc)[gen.permutation(n_s)]
        pi, pj = iu[pair], ju[pair]
        day = edges[s] + (edges[s + 1] - edges[s]) * _sorted_uniform(n_s, gen)
        counts[iu, ju] += pc  # (iu, ju) are distinct pairs: no repeated index
        counts[ju, iu] += pc
        if adaptive:
            bt = _battles(cw, world, voters, bank, pi, pj, day, np.full(n_s, s, np.int32), gen)
            out.fill(filled, bt)
            filled += n_s
            lo = np.minimum(bt.model_a, bt.model_b).astype(np.intp)
            hi = np.maximum(bt.model_a, bt.model_b).astype(np.intp)
            score_a = np.array([1.0, 0.0, 0.5, 0.5])[bt.winner]
            score_lo = np.where(bt.model_a == lo, score_a, 1.0 - score_a)
            y += np.bincount(lo * k + hi, score_lo, minlength=k * k).reshape(k, k)
            theta = _refit(y, counts, k, theta)
        else:
            pend_i.append(pi)
            pend_j.append(pj)
            pend_day.append(day)
            pend_step.append(np.full(n_s, s, np.int32))
    if not adaptive:
        out = _battles(cw, world, voters, bank, np.concatenate(pend_i), np.concatenate(pend_j),
                       np.concatenate(pend_day), np.concatenate(pend_step), gen)
    return SimResult(world, out, voters, seed=seed)


# ---------------------------------------------------------------------------------- output
def simulate_battles_of(world: World, model: str, n: int, *, rng, max_tries: int = 6
                        ) -> tuple[SimResult, np.ndarray]:
    """Simulate the arena until ``model`` has ``n`` battles; return them with the simulation.

    The world's own voters and sampling policy apply, so the model's battles are those it would
    get in that arena. Starts from ``1.3 n K / 2 + 64`` votes (``K`` models) and doubles up to
    ``max_tries`` times. Every try simulates from a copy of ``rng``, which is left untouched: two
    worlds given the same ``rng`` (an attacked and an honest one) draw the same votes.

    Parameters
    ----------
    world : World
    model : str
        A model of the world.
    n : int
        Battles wanted (>= 1).
    rng : numpy.random.Generator
    max_tries : int
        Doublings before giving up.

    Returns
    -------
    (SimResult, ndarray of int)
        The simulation and the rows of its first ``n`` battles of ``model``.

    Raises
    ------
    ValueError
        If the policy rarely picks the model, naming how many battles it got.
    """
    names = world.model_names
    if model not in names:
        raise ValueError(f"model {model!r} is not in the world; models: {list(names)[:10]}")
    code = names.index(model)
    n_sim = math.ceil(1.3 * n * len(names) / 2) + 64
    for _ in range(max_tries):
        sim = simulate(world, n_sim, rng=copy.deepcopy(rng))
        b = sim.battles
        keep = np.flatnonzero((b.model_a == code) | (b.model_b == code))[:n]
        if len(keep) == n:
            return sim, keep
        n_sim *= 2
    raise ValueError(f"model {model!r} got only {len(keep)} of {n} battles in {n_sim // 2} "
                     "simulated votes; the world's sampling policy rarely picks it")


def _str_dtype():
    return pd.Series(["x"], dtype="str").dtype


def _str_column(values, codes: np.ndarray) -> pd.Series:
    """Build a ``str`` column from a small value table and integer codes.

    An Arrow ``take``: no Python string per row.
    """
    import pyarrow as pa

    arr = values if isinstance(values, pa.Array) else pa.array(list(values), type=pa.string())
    taken = arr.take(pa.array(np.asarray(codes, dtype=np.int64)))
    return pd.Series(_str_dtype().__from_arrow__(taken), copy=False)


@functools.lru_cache(maxsize=8)
def _id_strings(prefix: str, n: int):
    """``prefix`` + zero-padded index, for ``0..n-1``, as an Arrow string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    width = max(1, len(str(max(n - 1, 0))))
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), width=width,
                          padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


class SimResult:
    """The result of :func:`simulate`.

    Attributes
    ----------
    world : World
    battles : Battles
        The raw arrays.
    seed
        The recorded seed (see module docstring).
    votes : pandas.DataFrame
        The canonical vote table (built on first access): ``model_a``, ``model_b``, ``winner``,
        ``voter_id``, ``rater_type`` (``crowd``), ``timestamp`` (UTC), ``prompt_id``,
        ``category``, ``language`` (of the prompt), ``country``, ``age_band``, ``education``,
        ``profession`` (of the voter), ``position`` (side shown first) and the style counts.
        It passes :func:`sealvalid.data.validate_votes` unchanged.
    truth : pandas.DataFrame
        :func:`sealvalid.sim.true_ratings` of the world (cached per world).
    voters : pandas.DataFrame
        The voter pool: ``voter_id``, ``kind`` (honest, low_effort, malicious), demographics,
        ``attentiveness``, ``n_votes``.
    """

    def __init__(self, world: World, battles: Battles, voter_arrays: VoterArrays, *,
                 seed=None) -> None:
        self.world = world
        self.battles = battles
        self.voter_arrays = voter_arrays
        self.seed = seed

    def __repr__(self) -> str:
        return (f"SimResult(world={self.world.name!r}, n_votes={len(self.battles)}, "
                f"n_models={len(self.world.models)}, seed={self.seed!r})")

    def __len__(self) -> int:
        return len(self.battles)

    @functools.cached_property
    def truth(self) -> pd.DataFrame:
        """True ratings of the world (see :func:`sealvalid.sim.true_ratings`)."""
        from sealvalid.sim.truth import true_ratings

        return true_ratings(self.world)

    def _model_dtype(self) -> tuple[pd.CategoricalDtype, np.ndarray | None]:
        b = self.battles
        k = len(self.world.models)
        used = (np.bincount(b.model_a, minlength=k) + np.bincount(b.model_b, minlength=k)) > 0
        names = np.array(compile_world(self.world).names)
        if used.all():
            return pd.CategoricalDtype(list(names)), None
        remap = (np.cumsum(used) - 1).astype(np.int16)
        return pd.CategoricalDtype(list(names[used])), remap

    def core_votes(self, *, position: bool = False) -> pd.DataFrame:
        """Return only ``model_a``, ``model_b``, ``winner`` (and ``position``).

        The cheapest canonical frame, for fast rating in replicate loops.
        """
        b = self.battles
        dtype, remap = self._model_dtype()
        ca = b.model_a if remap is None else remap[b.model_a]
        cb = b.model_b if remap is None else remap[b.model_b]
        cols = {
            "model_a": pd.Categorical.from_codes(ca, dtype=dtype),
            "model_b": pd.Categorical.from_codes(cb, dtype=dtype),
            "winner": pd.Categorical.from_codes(b.winner, categories=list(WINNER_LABELS)),
        }
        if position:
            cols["position"] = pd.Categorical.from_codes(
                np.where(b.first_a, 0, 1).astype(np.int8), categories=list(POSITION_LABELS))
        return pd.DataFrame(cols)

    @functools.cached_property
    def votes(self) -> pd.DataFrame:
        """The canonical vote table (see class docstring)."""
        return self.to_frame()

    def to_frame(self, *, strings: str = "str") -> pd.DataFrame:
        """Build the vote table.

        Parameters
        ----------
        strings : {"str", "category"}
            ``"str"``: the canonical table (string columns as ``str``, what :attr:`votes`
            holds); ``"category"``: the same values with the string columns as categoricals
            built from the simulator's codes (no per-row strings: cheaper to build and to write
            as dictionary-encoded Parquet; :func:`sealvalid.data.validate_votes` turns them
            back into the canonical table).
        """
        if strings not in ("str", "category"):
            raise ValueError(f"strings={strings!r} unknown; allowed: ['str', 'category']")
        b = self.battles
        cw = compile_world(self.world)
        va = self.voter_arrays
        n = len(b)
        dtype, remap = self._model_dtype()

        def column(values, codes):
            if strings == "str":
                return _str_column(values, codes)
            if not isinstance(values, tuple):  # an Arrow array of ids
                values = values.to_numpy(zero_copy_only=False)
            return pd.Categorical.from_codes(np.asarray(codes), categories=list(values))

        def categorical(codes, labels):
            return pd.Categorical.from_codes(np.asarray(codes), categories=list(labels))

        start = np.datetime64(self.world.start, "ns").astype(np.int64)
        ns = start + np.round(b.day * 86_400e9).astype(np.int64)
        vcodes = {col: np.take(va.codes[col], b.voter)
                  for col in ("country", "age_band", "education", "profession")}
        cols = {
            "model_a": pd.Categorical.from_codes(
                b.model_a if remap is None else remap[b.model_a], dtype=dtype),
            "model_b": pd.Categorical.from_codes(
                b.model_b if remap is None else remap[b.model_b], dtype=dtype),
            "winner": categorical(b.winner, WINNER_LABELS),
            "voter_id": column(_id_strings("v", len(va)), b.voter),
            "rater_type": categorical(np.zeros(n, np.int8), RATER_TYPES),
            "timestamp": pd.DatetimeIndex(pd.to_datetime(ns, unit="ns", utc=True)),
            "prompt_id": column(_id_strings("p", int(cw.prompt_size.sum())), b.prompt),
            "category": column(cw.categories, b.category),
            "language": column(cw.languages, b.language),
            **{col: column(cw.demo_values[col], vcodes[col]) for col in vcodes},
            "position": categorical(np.where(b.first_a, 0, 1).astype(np.int8),
                                    POSITION_LABELS),
        }
        for m, feat in enumerate(STYLE_FEATURES):
            cols[f"style_{feat}_a"] = b.style_a[m].astype(np.float64)
            cols[f"style_{feat}_b"] = b.style_b[m].astype(np.float64)
        frame = pd.DataFrame(cols, copy=False)
        frame.attrs = {"generator": "sealvalid.sim.simulate", "world": self.world.name,
                       "seed": self.seed, "n_votes": n}
        return frame

    def write(self, path) -> None:
        """Write the votes to ``.parquet`` (dictionary-encoded strings) or ``.csv``."""
        from pathlib import Path

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".parquet", ".csv"):
            raise ValueError(f"{str(path)!r}: unknown table extension {suffix!r}; allowed: "
                             "'.csv', '.parquet'")
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".parquet":
            self.to_frame(strings="category").to_parquet(path, index=False)
        else:
            self.votes.to_csv(path, index=False)

    @functools.cached_property
    def voters(self) -> pd.DataFrame:
        """The voter pool with kinds and demographics (see class docstring)."""
        cw = compile_world(self.world)
        va = self.voter_arrays
        out = pd.DataFrame({"voter_id": _str_column(_id_strings("v", len(va)),
                                                    np.arange(len(va)))})
        out["kind"] = pd.Categorical.from_codes(va.kind, categories=list(VOTER_KINDS))
        for col in VOTER_COLUMNS:
            out[col] = _str_column(cw.demo_values[col], va.codes[col])
        out["attentiveness"] = va.attn
        out["n_votes"] = np.bincount(self.battles.voter, minlength=len(va))
        return out
