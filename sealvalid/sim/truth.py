"""What the board should say: the true ratings of a world.

Definitions (all on the Arena scale, ``1000 + (400 / ln 10) * theta`` with ``theta`` centred, so
true ratings average 1000 and compare directly with a board from
:func:`sealvalid.rating.rate`):

``overall`` — the arena estimand
    The Bradley–Terry rating a board (ties as half wins, no position or style term) converges
    to with infinitely many votes from the world's *honest* arena population (low-effort voters
    included, malicious voters excluded), on the *arena* prompt distribution, with every pair
    of models compared equally often (a design-free reference: as if all models co-existed and
    were sampled uniformly). Formally ``theta`` solves the population score equations
    ``sum_{j != i} (E[score_ij] - sigmoid(theta_i - theta_j)) = 0``, where ``E[score_ij]`` is the
    expected score of ``i`` against ``j`` (win 1, tie 1/2) averaged over voters, prompts,
    responses and the side shown first. It includes everything the crowd rewards: substance,
    style and latent appeal, shrunk by the crowd's noise, low effort and position bias. When
    voters are homogeneous and judge substance alone, it equals the configured quality.
``segment`` — the same estimand with the population restricted to one segment value
    (``segment_column`` / ``segment_value``: a demographic of the voter, the prompt
    ``language`` or the prompt ``category``), for values holding at least
    ``world.truth_min_share`` of arena votes.
``real_world`` — construct-valid quality
    The Bradley–Terry estimand of *ideal judges* (full attention, no style or appeal weight, no
    position bias, no low effort) on the *real-world* distribution of categories and language
    groups: ``E[score_ij] = sum_{c, g} P(c) P(g) sigmoid((Q_ic g - Q_jc g) / F)`` exactly. When
    substance does not vary by category or language it equals the configured quality.

``overall`` minus ``real_world`` is the world's built-in validity gap (style, prompt mix and
crowd noise); a strategy's *Goodhart gap* is its gain in ``overall`` (or on the board) minus its
gain in ``real_world``.

Computation: ``real_world`` is exact. ``overall`` and ``segment`` integrate the expectation by
Monte Carlo over ``world.truth_contexts`` battle contexts (segments: a quarter as many, at least
500), each context (a voter, a prompt and one response per model) evaluated on *every* pair
and both presentation orders (common random numbers across pairs); then the score equations
are solved by Newton. The contexts are stratified: the prompt language and category are drawn
from their exact distributions by Latin-hypercube sampling, the voter given the prompt
language, and every other uniform (voter traits, responses) is Latin-hypercube too. The stream
is fixed (:data:`TRUTH_SEED`), so the truth of a world is deterministic, and two worlds with the
same models share their contexts (a changed appeal or style is compared without fresh noise).
The Monte Carlo standard error, from 8 independent stratified designs, is reported in
``attrs["mc_se"]`` (one value per row): typically under half an Arena point overall and about
one point per segment.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from sealvalid.sim.engine import (
    STYLE_UNIFORMS,
    VOTER_UNIFORMS,
    _draw_index,
    draw_styles,
    draw_voters,
    first_logit,
    lhs_uniforms,
)
from sealvalid.sim.world import F, World, compile_world

__all__ = ["true_ratings", "TRUTH_COLUMNS", "SCOPES", "TRUTH_SEED", "segment_shares"]

TRUTH_COLUMNS = ["model", "scope", "segment_column", "segment_value", "true_rating",
                 "true_rank"]
SCOPES = ("overall", "segment", "real_world")
TRUTH_SEED = 0x5EA1_7247
_BATCHES = 8


def segment_shares(world: World, column: str) -> pd.Series:
    """Share of arena votes per value of a segment column (exact, honest population)."""
    cw = compile_world(world)
    if column == "country":
        p = cw.joint.sum(axis=1)
    elif column == "language":  # the prompt language
        p = cw.plang_p
    elif column == "category":
        p = cw.arena_p
    elif column in cw.demo_p:
        p = cw.demo_p[column]
    else:
        raise ValueError(f"column {column!r} has no segment truth; allowed: "
                         "['country', 'language', 'age_band', 'education', 'profession', "
                         "'category']")
    values = cw.categories if column == "category" else cw.demo_values[column]
    return pd.Series(np.asarray(p, float) / np.sum(p), index=list(values), name=column)


def _solve(y: np.ndarray, n: np.ndarray, i, j, k: int, theta0=None) -> np.ndarray:
    """Solve the BT score equations for scores ``y`` out of ``n`` per pair (centred theta)."""
    from sealvalid.rating.solver import newton_bt

    if theta0 is None:
        res = newton_bt(i, j, y, n, k, tol=1e-12)
    else:  # warm start (batch replicates of a solved scope)
        res = newton_bt(i, j, y, n, k, theta0=theta0, tol=1e-7, max_iter=20)
    return res.theta - res.theta.mean()


def _plang_p(joint: np.ndarray, en: int, share: float) -> np.ndarray:
    """Prompt-language distribution implied by a (country, voter language) distribution."""
    vl = joint.sum(axis=0)
    p = vl * (1.0 - share)
    p[en] = vl[en] + share * (vl.sum() - vl[en])
    return p


def _like(code: int, n_lang: int, en: int, share: float) -> np.ndarray:
    """P(prompt language = code | voter language), per voter language."""
    like = np.zeros(n_lang)
    if code == en:
        like[:] = share
        like[en] = 1.0
    else:
        like[code] = 1.0 - share
    return like


def _contexts(world: World, m: int, rng: np.random.Generator, condition=None):
    """Sum the expected scores of every pair (i < j) over battle contexts.

    One row per each of ``_BATCHES`` independent stratified designs of ``m // _BATCHES``
    contexts.

    Contexts are stratified: the prompt language and category come from their exact
    distributions by Latin-hypercube sampling, the voter is then drawn given the prompt
    language, and every other uniform (voter traits, each model's response) is
    Latin-hypercube too. This removes most of the Monte Carlo error of the main effects.
    """
    cw = compile_world(world)
    k = len(cw.names)
    iu, ju = np.triu_indices(k, 1)
    joint = cw.joint
    fixed = {}
    force_lang = force_cat = None
    if condition is not None:
        col, code = condition
        if col == "country":
            joint = np.zeros_like(cw.joint)
            joint[code] = cw.joint[code]
        elif col == "language":
            force_lang = code
        elif col == "category":
            force_cat = code
        else:
            fixed[col] = code
    n_lang = joint.shape[1]
    per = max(1, m // _BATCHES)
    m = per * _BATCHES
    # one Latin-hypercube design per batch (stratified within each block of ``per`` contexts)
    u = lhs_uniforms((VOTER_UNIFORMS + 2, _BATCHES, per), rng).reshape(VOTER_UNIFORMS + 2, m)
    if force_lang is None:
        lang = _draw_index(_plang_p(joint, cw.english, cw.en_share), u[-2])
    else:
        lang = np.full(m, force_lang)
    cl = np.empty(m, dtype=np.int64)
    for code in np.unique(lang):
        rows = np.flatnonzero(lang == code)
        cond = joint * _like(int(code), n_lang, cw.english, cw.en_share)[None, :]
        cl[rows] = _draw_index(cond.ravel(), u[0][rows])
    voters = draw_voters(cw, world, u[:VOTER_UNIFORMS], fixed=fixed, honest_only=True,
                         country_language=cl)
    cat = _draw_index(cw.arena_p, u[-1]) if force_cat is None else np.full(m, force_cat)
    group = cw.lang_group[lang]
    us = lhs_uniforms((STYLE_UNIFORMS, k, _BATCHES, per), rng).transpose(0, 2, 3, 1).reshape(
        STYLE_UNIFORMS, -1)
    styles = draw_styles(cw, world, np.tile(np.arange(k), m), us).reshape(m, k, 4)
    low = (voters.kind == 1) if world.voters.low_effort_fraction > 0 else None
    feats = np.flatnonzero(cw.gamma != 0)  # style features that matter to voters
    y = np.zeros((_BATCHES, len(iu)))
    chunk = max(1, 1_000_000 // (max(1, len(feats)) * len(iu)))
    for bidx in range(_BATCHES):
        for s in range(bidx * per, (bidx + 1) * per, chunk):
            c = np.arange(s, min(s + chunk, (bidx + 1) * per))
            if len(feats):
                st = styles[c][:, :, feats]
                sa = st[:, iu]
                sb = st[:, ju]
                xs = ((sa - sb) / (sa + sb + 1.0)) @ cw.gamma[feats]
            else:
                xs = 0.0
            eta = first_logit(cw, world, iu[None, :], ju[None, :], cat[c][:, None],
                              group[c][:, None], xs, voters, c[:, None])
            # both presentation orders: 0.5 * (sigmoid(eta + beta) + sigmoid(eta - beta))
            z = np.exp(-eta)
            eb = np.exp(voters.pos[c])[:, None]
            e = 0.5 / (1.0 + z / eb) + 0.5 / (1.0 + z * eb)
            if low is not None:
                e[low[c]] = 0.5
            y[bidx] += e.sum(axis=0)
    return y, np.full(_BATCHES, float(per)), iu, ju


def _scope_rows(world: World, y, n, iu, ju, scope, col, val) -> tuple[pd.DataFrame, np.ndarray]:
    k = len(world.models)
    names = compile_world(world).names
    theta = _solve(y.sum(axis=0), np.full(len(iu), n.sum()), iu, ju, k)
    reps = np.array([_solve(y[b], np.full(len(iu), n[b]), iu, ju, k, theta0=theta)
                     for b in range(len(y))])
    se = F * reps.std(axis=0, ddof=1) / np.sqrt(len(reps))
    frame = pd.DataFrame({"model": list(names), "scope": scope, "segment_column": col,
                          "segment_value": val, "true_rating": 1000.0 + F * theta})
    return frame, se


@functools.lru_cache(maxsize=32)
def _truth(world: World) -> tuple[pd.DataFrame, tuple]:
    cw = compile_world(world)
    k = len(cw.names)
    streams = np.random.default_rng(TRUTH_SEED).spawn(1 + len(world.truth_by))
    frames, ses = [], []
    y, n, iu, ju = _contexts(world, world.truth_contexts, streams[0])
    f, se = _scope_rows(world, y, n, iu, ju, "overall", None, None)
    frames.append(f)
    ses.append(se)
    m_seg = max(500, world.truth_contexts // 4)
    for col, stream in zip(world.truth_by, streams[1:], strict=True):
        shares = segment_shares(world, col)
        values = cw.categories if col == "category" else cw.demo_values[col]
        sub = stream.spawn(len(values))
        for code, (val, s) in enumerate(zip(values, sub, strict=True)):
            if shares[val] < world.truth_min_share or shares[val] == 0:
                continue
            y, n, iu, ju = _contexts(world, m_seg, s, (col, code))
            f, se = _scope_rows(world, y, n, iu, ju, "segment", col, val)
            frames.append(f)
            ses.append(se)
    # real world: ideal judges, exact expectation over categories x language groups
    iu, ju = np.triu_indices(k, 1)
    d = (cw.q[iu] - cw.q[ju]) / F  # (P, C, G)
    wgt = cw.real_world_p[:, None] * cw.real_world_group_p[None, :]
    e = (wgt[None] / (1.0 + np.exp(-d))).sum(axis=(1, 2))
    rating = 1000.0 + F * _solve(e, np.ones(len(iu)), iu, ju, k)
    frames.append(pd.DataFrame({"model": list(cw.names), "scope": "real_world",
                                "segment_column": None, "segment_value": None,
                                "true_rating": rating}))
    ses.append(np.zeros(k))
    truth = pd.concat(frames, ignore_index=True)
    for c in ("model", "scope", "segment_column", "segment_value"):
        truth[c] = truth[c].astype("str")
    keys = ["scope", "segment_column", "segment_value"]
    truth["true_rank"] = (truth.groupby(keys, dropna=False, sort=False)["true_rating"]
                          .rank(ascending=False, method="min").astype(np.int64))
    return truth[TRUTH_COLUMNS], tuple(float(v) for v in np.concatenate(ses))


def true_ratings(world: World) -> pd.DataFrame:
    """Compute the true ratings of a world, as a tidy frame.

    Parameters
    ----------
    world : World

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRUTH_COLUMNS`: ``model``, ``scope`` (``overall``, ``segment``,
        ``real_world``; see the module docstring for the definitions), ``segment_column`` and
        ``segment_value`` (missing outside ``segment``), ``true_rating`` (Arena scale, mean 1000
        within each scope and segment) and ``true_rank`` (1 = best, ties share the best rank).
        ``attrs``: ``definition``, ``contexts``, ``mc_se`` (Monte Carlo standard error per row,
        Arena points; 0 for the exact ``real_world`` rows).

    Notes
    -----
    Deterministic and cached per world (a copy is returned).
    """
    truth, se = _truth(world)
    out = truth.copy()
    out.attrs = {
        "definition": "sealvalid.sim.truth (overall: arena BT estimand of the honest "
                      "population, uniform pair design; real_world: ideal judges on the "
                      "real-world distribution)",
        "world": world.name,
        "contexts": world.truth_contexts,
        "mc_se": list(se),
    }
    return out
