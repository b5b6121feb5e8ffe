"""Teaching to the test: optimising for arena appeal instead of substance, and the data loop.

Source: Singh et al., *The Leaderboard Illusion* (arXiv 2504.20879), section 5. A lab can spend
its optimisation effort on what the arena's voters reward rather than on substance: longer,
more heavily formatted answers (style), a pleasing tone or sycophancy (latent appeal) and skill
moved toward the arena's prompt mix (distribution). And providers that get many battles get
much arena data: in the paper's fine-tuning experiment, mixing arena data into training raised
the win rate on an arena-distribution test (ArenaHard) from 23.5% to 49.9% (+112%) while a
general benchmark (MMLU) stayed flat.

Model
-----
The lab plays for one model ``m`` of the world. Its optimisation budget ``effort`` (Arena
points) is split into three channels, each *calibrated* so that a channel given ``x`` points
raises ``m``'s true ``overall`` rating (the infinite-vote board of the honest crowd,
:func:`sealvalid.sim.true_ratings`) by ``x`` points relative to the other models:

``style``
    Every style count of ``m`` (tokens, headers, lists, bold) is multiplied by one factor
    (capped at 8x). Voters reward it through their style coefficients; style control sees it.
``appeal``
    ``m``'s latent appeal rises (sycophancy, tone): voters reward it like style, but no style
    column records it, so style control cannot remove it.
``distribution``
    Substance is moved between categories and language groups along ``arena share - real-world
    share`` (unit-norm directions, zero-sum over categories and over groups): the model gets
    better where the arena asks and worse where real users ask.

``substance_cost`` (share of ``effort``) is taken from ``m``'s quality.

Data-access loop: there are ``rounds`` data periods of ``period_days`` before the scored release
period. In each period the arena serves ``n_votes`` battles; the prompts of ``m``'s battles are
the lab's arena data, which reach the lab ``data_delay_days`` after the period ends (the
no-release-window rule). The version released at the start of period ``t`` is tuned on the
``D`` battles of data available by then and answers the prompts it has *seen* better by a
memorised gain ``gain_max * (1 - exp(-D / data_scale))`` Arena points; unseen prompts get
nothing, and neither does real-world quality. The arena's prompt pool (the world's
``n_prompts`` prompts; battles carry a pool index) has a share ``prompt_rotation`` of its
prompts replaced at each period boundary (the fresh-prompts rule), so memorised prompts drop
out of the pool. Implementation: on the release battles of ``m`` on seen prompts judged by
attentive voters (not low-effort, not malicious), the logit of the simulated expected score
``p_a`` is moved by ``gain / F`` toward ``m`` and the outcome is redrawn from this strategy's
own stream with the voter's tie propensity (the simulator's tie rule).

Measurement: the board is fitted from the release period's ``n_votes`` votes (plus
``fresh_votes`` battles of ``m`` from the following period, after one more rotation), through
the safeguards in force. The *counterfactual* board of an honest release (``m`` unchanged, no
data loop) is simulated from the same random stream (common random numbers) and published
through the same safeguards. Gains are ratings of ``m`` minus the mean of the other board
models:

* ``board_gain`` — gamed board minus counterfactual board;
* ``real_gain`` — ``real_world`` truth of the tuned model minus that of the original (exact);
* ``arena_gain`` — ``overall`` truth of the tuned model minus the original's (no memorisation);
* ``goodhart_gap`` = ``board_gain - real_gain``, the headline output.

``score_shift`` and ``rank_shift`` are taken against the ``real_world`` truth of the world with
the tuned model (how far the board places each model above what it is worth in real use).

Assumptions: effort is priced in honest-crowd rating points, so a channel that voters do not
reward buys nothing (style capped at 8x; appeal or distribution can buy nothing when voters
ignore appeal or the arena mix equals the real mix); memorisation is exact recall of seen
prompts with one gain for all of them; the lab sees only its own model's battles; the arena's
vote flow is the same every period; the model set and sampling policy do not change between
periods.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sealvalid.defenses.base import ArenaLog, Safeguards
from sealvalid.sim import simulate, true_ratings
from sealvalid.sim.engine import Battles, _outcomes, simulate_battles_of
from sealvalid.sim.world import F, Model, World, compile_world
from sealvalid.strategies.base import Play, Strategy, register

__all__ = ["TeachingToTheTest", "CHANNELS", "channel_gain", "arena_win_rate"]

#: effort channels, in the order of :class:`TeachingToTheTest`'s shares
CHANNELS: tuple[str, ...] = ("style", "appeal", "distribution")

_STYLE_CAP = math.log(8.0)   # style factor at most 8x
_CAL_TOL = 0.02              # calibration tolerance, Arena points
_CAL_ITER = 40


# ---------------------------------------------------------------------------------- helpers
def _check_num(name: str, value, lo: float, hi: float, *, lo_open: bool = False) -> None:
    ok = (not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)
          and math.isfinite(value) and (value > lo if lo_open else value >= lo) and value <= hi)
    if not ok:
        left = "(" if lo_open else "["
        raise ValueError(f"TeachingToTheTest.{name} must be a finite number in {left}{lo}, "
                         f"{hi}], got {value!r}")


def _check_int(name: str, value, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise ValueError(f"TeachingToTheTest.{name} must be an integer in [{lo}, {hi}], "
                         f"got {value!r}")


def _rel(ratings: pd.Series, name: str) -> float:
    """Rating of ``name`` minus the mean rating of the other models."""
    return float(ratings[name] - ratings.drop(name).mean())


def _truth_world(world: World) -> World:
    """Drop segment truths (only ``overall`` and ``real_world`` are needed)."""
    return world.replace(truth_by=()) if world.truth_by else world


def _scope(world: World, scope: str) -> pd.Series:
    t = true_ratings(_truth_world(world))
    return t[t["scope"] == scope].set_index("model")["true_rating"]


def _directions(world: World) -> tuple[dict[str, float], dict[str, float]]:
    """Unit-norm, zero-sum shifts toward the arena mix: per category and per language group."""
    cw = compile_world(world)
    d_cat = cw.arena_p - cw.real_world_p
    arena_g = np.bincount(cw.lang_group, weights=cw.plang_p, minlength=len(cw.groups))
    d_grp = arena_g / arena_g.sum() - cw.real_world_group_p
    out = []
    for d, labels in ((d_cat, cw.categories), (d_grp, cw.groups)):
        norm = float(np.linalg.norm(d))
        out.append({lab: float(v / norm) for lab, v in zip(labels, d, strict=True)}
                   if norm > 1e-12 else {})
    return out[0], out[1]


def _apply(world: World, base: Model, channel: str, knob: float) -> Model:
    """Return the model after spending ``knob`` (channel units) on one channel."""
    if knob == 0.0:
        return base
    if channel == "style":
        f = math.exp(knob)
        return dataclasses.replace(base, tokens=base.tokens * f, headers=base.headers * f,
                                   lists=base.lists * f, bold=base.bold * f)
    if channel == "appeal":
        return dataclasses.replace(base, appeal=base.appeal + knob)
    d_cat, d_grp = _directions(world)
    cs, ls = dict(base.category_skill), dict(base.language_skill)
    for c, v in d_cat.items():
        cs[c] = cs.get(c, 0.0) + knob * v
    for g, v in d_grp.items():
        ls[g] = ls.get(g, 0.0) + knob * v
    return dataclasses.replace(base, category_skill=cs, language_skill=ls)


def _gain(world: World, base: Model, channel: str, knob: float) -> float:
    """Overall-truth gain of ``base`` (relative to the other models) from one channel."""
    before = _rel(_scope(world, "overall"), base.name)
    after = _scope(world.with_models(_apply(world, base, channel, knob)), "overall")
    return _rel(after, base.name) - before


@functools.lru_cache(maxsize=512)
def _calibrate(world: World, name: str, channel: str, points: float) -> tuple[float, float]:
    """Channel setting that buys ``points`` of overall-truth gain, and the gain it buys.

    Bracketing then regula falsi (Illinois) on the monotone gain; a channel whose gain cannot
    reach ``points`` (style at its cap, or voters who ignore the channel) returns its cap.
    """
    base = world.model(name)
    if points <= 0:
        return 0.0, 0.0
    cap = _STYLE_CAP if channel == "style" else 64.0 * points
    hi = min(cap, 0.25 if channel == "style" else points)
    g_hi = _gain(world, base, channel, hi)
    while g_hi < points and hi < cap:
        hi = min(cap, 2.0 * hi)
        g_hi = _gain(world, base, channel, hi)
    if g_hi <= 0:
        return 0.0, 0.0
    if g_hi < points:
        return hi, g_hi
    lo, g_lo = 0.0, 0.0
    side = 0
    x, g = hi, g_hi
    for _ in range(_CAL_ITER):
        if abs(g - points) < _CAL_TOL:
            break
        x = (lo * (g_hi - points) - hi * (g_lo - points)) / (g_hi - g_lo)
        g = _gain(world, base, channel, x)
        if g < points:
            lo, g_lo = x, g
            if side == -1:
                g_hi = points + (g_hi - points) / 2
            side = -1
        else:
            hi, g_hi = x, g
            if side == 1:
                g_lo = points + (g_lo - points) / 2
            side = 1
    return float(x), float(g)


def channel_gain(world: World, model: str, channel: str, points: float) -> float:
    """Overall-truth gain that ``points`` of effort on one channel actually buys.

    Parameters
    ----------
    world : sealvalid.sim.World
        The arena.
    model : str
        The model the lab tunes.
    channel : {"style", "appeal", "distribution"}
        The effort channel.
    points : float
        Effort, Arena points (>= 0).

    Returns
    -------
    float
        Gain in the model's true ``overall`` rating relative to the other models: ``points``
        up to the calibration tolerance (0.02), less when the channel saturates (style at 8x
        the counts) or the voters do not reward it.
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel {channel!r} unknown; allowed: {list(CHANNELS)}")
    if (isinstance(points, bool) or not isinstance(points, int | float | np.integer | np.floating)
            or not math.isfinite(points) or not 0 <= points <= 1000):
        raise ValueError(f"channel_gain points must be a finite number in [0, 1000], "
                         f"got {points!r}")
    world.model(model)
    return _calibrate(world, model, channel, float(points))[1]


def _rotate(gen: np.ndarray, share: float, rng: np.random.Generator) -> None:
    """Replace a share of the prompt pool: the replaced slots get a new generation."""
    m = int(round(share * len(gen)))
    if m >= len(gen):
        gen += 1
    elif m > 0:
        gen[rng.choice(len(gen), m, replace=False)] += 1


def _seen(gen: np.ndarray, data: list) -> np.ndarray:
    """Pool slots whose current prompt appears in the lab's available data."""
    seen = np.zeros(len(gen), dtype=bool)
    for slots, gens in data:
        ok = gens == gen[slots]
        seen[slots[ok]] = True
    return seen


@dataclass(frozen=True)
class _Release:
    """State of the data loop at the scored release."""

    gen: np.ndarray          # prompt generation per pool slot, at release
    data: list               # [(slots, generations)] available to the lab at release
    data_battles: int
    gain: float              # memorised gain on seen prompts, Arena points


def _memorise(b: Battles, sim, code: int, seen: np.ndarray, gain: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Winners after the memorised gain, and the mask of the lab's battles on seen prompts.

    The logit of ``p_a`` moves by ``gain / F`` toward the lab's model on its battles on seen
    prompts judged by attentive voters; those outcomes are redrawn with uniforms from ``rng``.
    """
    va = sim.voter_arrays
    lab_a = b.model_a == code
    lab = lab_a | (b.model_b == code)
    hit = lab & seen[b.prompt]
    winner = np.asarray(b.winner).copy()
    u = rng.random(len(b))
    judged = hit & (va.kind[b.voter] == 0)
    if gain > 0 and judged.any():
        p = np.clip(b.p_a[judged], 1e-12, 1.0 - 1e-12)
        eta = np.log(p / (1.0 - p)) + np.where(lab_a[judged], 1.0, -1.0) * gain / F
        p_new = 1.0 / (1.0 + np.exp(-eta))
        winner[judged] = _outcomes(p_new, va.tie[b.voter[judged]],
                                   sim.world.voters.bothbad_share, u[judged])
    return winner, hit[lab]


# ---------------------------------------------------------------------------------- strategy
@register("teaching-to-the-test")
@dataclass(frozen=True, kw_only=True)
class TeachingToTheTest(Strategy):
    """Spend optimisation effort on arena appeal, and feed arena data back into training.

    Parameters
    ----------
    effort : float
        Optimisation budget, Arena points of potential honest-crowd gain (in [0, 1000]).
    style, appeal, distribution : float
        Shares of ``effort`` spent on each channel (each in [0, 1], summing to 1; see the
        module docstring).
    substance_cost : float
        Real quality lost per point of effort (in [0, 1]): the effort is taken from substance.
    rounds : int
        Data periods before the scored release (in [0, 100]; 0: no data loop).
    period_days : float
        Length of a release period, days (in (0, 3650]).
    gain_max : float
        Memorised gain on seen prompts with unlimited data, Arena points (in [0, 1000]).
    data_scale : float
        Battles of arena data that buy ``1 - 1/e`` of ``gain_max`` (in (0, 10**9]).
    model : str, optional
        The model the lab plays for (default: the model of median quality).
    fresh_votes : int
        Battles of the model from the period after release added before scoring (in [0,
        10**7]; 0: measured at release).
    """

    effort: float = 100.0
    style: float = 0.5
    appeal: float = 0.25
    distribution: float = 0.25
    substance_cost: float = 0.0
    rounds: int = 0
    period_days: float = 30.0
    gain_max: float = 100.0
    data_scale: float = 2000.0
    model: str | None = None
    fresh_votes: int = 0

    def __post_init__(self) -> None:
        _check_num("effort", self.effort, 0.0, 1000.0)
        for name in (*CHANNELS, "substance_cost"):
            _check_num(name, getattr(self, name), 0.0, 1.0)
        total = self.style + self.appeal + self.distribution
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"TeachingToTheTest shares style + appeal + distribution must sum "
                             f"to 1, got {self.style} + {self.appeal} + {self.distribution} = "
                             f"{total:.6g}")
        _check_int("rounds", self.rounds, 0, 100)
        _check_num("period_days", self.period_days, 0.0, 3650.0, lo_open=True)
        _check_num("gain_max", self.gain_max, 0.0, 1000.0)
        _check_num("data_scale", self.data_scale, 0.0, 1e9, lo_open=True)
        _check_int("fresh_votes", self.fresh_votes, 0, 10**7)
        if self.model is not None and (not isinstance(self.model, str) or not self.model):
            raise ValueError(f"TeachingToTheTest.model must be a model name or None, got "
                             f"{self.model!r}")

    # ------------------------------------------------------------------ pieces
    def base_model(self, world: World) -> Model:
        """Return the model the lab plays for, as the world holds it."""
        if self.model is None:
            ranked = sorted(world.models, key=lambda m: (m.quality, m.name))
            return ranked[(len(ranked) - 1) // 2]
        if self.model not in world.model_names:
            raise ValueError(f"TeachingToTheTest.model {self.model!r} is not in the world; "
                             f"models: {list(world.model_names)[:10]}")
        return world.model(self.model)

    def tuned_model(self, world: World) -> Model:
        """Return the model after the effort is spent (no memorisation; same name).

        Parameters
        ----------
        world : sealvalid.sim.World
            The arena the effort is calibrated on.

        Returns
        -------
        sealvalid.sim.Model
        """
        base = self.base_model(world)
        model = base
        for ch in CHANNELS:
            knob, _ = _calibrate(world, base.name, ch, float(self.effort * getattr(self, ch)))
            model = _apply(world, model, ch, knob)
        if self.substance_cost > 0:
            model = dataclasses.replace(
                model, quality=model.quality - self.substance_cost * self.effort)
        return model

    def _loop(self, world: World, gamed: World, n_votes: int, code: int, streams,
              delay: float, rotation: float) -> _Release:
        """Run the data periods and return the state at the scored release."""
        cw = compile_world(world)
        gen = np.zeros(int(cw.prompt_size.sum()), dtype=np.int64)
        rot = streams[0]
        collected = []  # (day available, slots, generations)
        for t in range(self.rounds):
            if t > 0:
                _rotate(gen, rotation, rot)
            b = simulate(gamed, n_votes, rng=streams[1 + t]).battles
            lab = (b.model_a == code) | (b.model_b == code)
            slots = np.asarray(b.prompt[lab], dtype=np.int64)
            collected.append(((t + 1) * self.period_days + delay, slots, gen[slots].copy()))
        if self.rounds > 0:
            _rotate(gen, rotation, rot)
        release = self.rounds * self.period_days
        data = [(s, g) for day, s, g in collected if day <= release + 1e-9]
        n_data = int(sum(len(s) for s, _ in data))
        gain = self.gain_max * -math.expm1(-n_data / self.data_scale) if n_data else 0.0
        return _Release(gen=gen, data=data, data_battles=n_data, gain=float(gain))

    def play(self, world, n_votes: int, rng: np.random.Generator, *,
             safeguards: Safeguards) -> Play:
        """Run one teaching-to-the-test release: tune, collect data, release, measure.

        Parameters
        ----------
        world : sealvalid.sim.World
            The honest arena.
        n_votes : int
            Arena votes per period (all models); the board is fitted from the release
            period's votes.
        rng : numpy.random.Generator
            The replicate's stream.
        safeguards : sealvalid.defenses.Safeguards
            Rules obeyed: ``data_delay_days`` (arena data reach the lab that many days after
            the period) and ``prompt_rotation`` (share of the prompt pool replaced per
            period); screens and rating hooks act on both the gamed and the counterfactual
            board.

        Returns
        -------
        Play
            The gamed board, the ``real_world`` truth of the world with the tuned model, and
            the Goodhart gap of the model. Extras, in order: ``rounds``, ``fresh_votes``,
            ``data_battles`` (lab battles of arena data available at release),
            ``seen_share`` (share of the model's scored battles on seen prompts),
            ``memorised_gain``, ``board_gain``, ``real_gain``, ``arena_gain``,
            ``honest_err_arena`` and ``honest_err_real`` (RMS distance, Arena points, of the
            counterfactual honest board from the ``overall`` and ``real_world`` truths: what
            the safeguards cost an honest arena), then the screening costs of the gamed board.
        """
        world = safeguards.world(world)
        base = self.base_model(world)
        tuned = self.tuned_model(world)
        gamed = world.with_models(tuned)
        names = list(world.model_names)
        code = names.index(base.name)
        delay = float(safeguards.rule("data_delay_days"))
        rotation = float(safeguards.rule("prompt_rotation"))
        streams = rng.spawn(self.rounds + 5)
        rel = self._loop(world, gamed, n_votes, code, streams, delay, rotation)
        r = self.rounds
        period = self.period_days

        def add(sim_g, rows_g, sim_h, rows_h, gen, mem_rng, t) -> None:
            bg, bh = sim_g.battles.take(rows_g), sim_h.battles.take(rows_h)
            winner, hit = _memorise(bg, sim_g, code, _seen(gen, rel.data), rel.gain, mem_rng)
            bg = dataclasses.replace(bg, winner=winner.astype(np.int8))
            for b, dest in ((bg, logs_g), (bh, logs_h)):
                lg = ArenaLog.from_battles(b, names, voter_offset=(t + 1) << 32)
                dest.append(dataclasses.replace(
                    lg, day=t * period + lg.day * (period / world.days)))
            hits.append(hit)

        logs_g, logs_h, hits = [], [], []
        sim_g = simulate(gamed, n_votes, rng=copy.deepcopy(streams[r + 1]))
        sim_h = simulate(world, n_votes, rng=copy.deepcopy(streams[r + 1]))
        every = np.arange(n_votes)
        add(sim_g, every, sim_h, every, rel.gen, streams[r + 2], r)
        if self.fresh_votes:
            gen = rel.gen.copy()
            _rotate(gen, rotation, streams[0])
            sim_g, rows_g = simulate_battles_of(gamed, base.name, self.fresh_votes,
                                                rng=streams[r + 3])
            sim_h, rows_h = simulate_battles_of(world, base.name, self.fresh_votes,
                                                rng=streams[r + 3])
            add(sim_g, rows_g, sim_h, rows_h, gen, streams[r + 4], r + 1)
        pub_g = safeguards.publish(ArenaLog.concat(logs_g))
        pub_h = safeguards.publish(ArenaLog.concat(logs_h))
        board, honest = pub_g.board, pub_h.board
        if base.name not in board.index or base.name not in honest.index:
            raise ValueError(f"model {base.name!r} has no rating on the published board; "
                             "give it more votes (n_votes) or a sampling policy that picks it")
        common = board.index.intersection(honest.index)
        ov0, ov1 = _scope(world, "overall"), _scope(gamed, "overall")
        rw0, rw1 = _scope(world, "real_world"), _scope(gamed, "real_world")
        b_idx = board.index
        board_gain = _rel(board[common], base.name) - _rel(honest[common], base.name)
        real_gain = _rel(rw1[b_idx], base.name) - _rel(rw0[b_idx], base.name)
        arena_gain = _rel(ov1[b_idx], base.name) - _rel(ov0[b_idx], base.name)

        def rms(x: pd.Series, truth: pd.Series) -> float:
            d = x.to_numpy(float) - truth.reindex(x.index).to_numpy(float)
            return float(np.sqrt(np.mean((d - d.mean()) ** 2)))

        seen_all = np.concatenate(hits)
        extra = {"rounds": r, "fresh_votes": self.fresh_votes, "data_battles": rel.data_battles,
                 "seen_share": float(seen_all.mean()) if len(seen_all) else 0.0,
                 "memorised_gain": rel.gain, "board_gain": board_gain, "real_gain": real_gain,
                 "arena_gain": arena_gain, "honest_err_arena": rms(honest, ov0),
                 "honest_err_real": rms(honest, rw0), **pub_g.costs}
        return Play(board=board, truth=pd.Series(rw1.reindex(b_idx).to_numpy(), index=b_idx),
                    gamed=(base.name,),
                    goodhart_gap=pd.Series({base.name: board_gain - real_gain}), extra=extra)


# ---------------------------------------------------------------------------------- LI check
def arena_win_rate(world: World, strategy: TeachingToTheTest, *, reference: str,
                   n_votes: int, n_test: int = 4000, rng=None, defenses=()) -> pd.DataFrame:
    """Win rate against a reference on arena-distribution prompts, before and after tuning.

    The setting of the *Leaderboard Illusion*'s fine-tuning experiment (arXiv 2504.20879): the
    lab's model is tested against a fixed reference on prompts drawn from the arena's pool (an
    ArenaHard-like, arena-distribution test, judged by the arena's voters), and a general score
    is read from the ``real_world`` truth (an MMLU-like measure of substance).

    Parameters
    ----------
    world : sealvalid.sim.World
        The arena.
    strategy : TeachingToTheTest
        The lab's strategy; its data loop (``rounds``, ``gain_max``, ``data_scale``) and effort
        are applied; ``fresh_votes`` is ignored.
    reference : str
        The reference model (not the lab's).
    n_votes : int
        Arena votes per data period (all models; the lab's data are its model's battles).
    n_test : int
        Test battles per version (>= 1).
    rng
        Anything :func:`numpy.random.default_rng` accepts.
    defenses : Defense, iterable of Defense or Safeguards
        Safeguards whose rules the data loop obeys.

    Returns
    -------
    pandas.DataFrame
        Two rows (``version`` = ``"original"``, ``"tuned"``): ``data_battles``,
        ``memorised_gain``, ``seen_share``, ``win_rate`` (the lab model's mean score, ties
        half), ``win_rate_se``, ``real_world`` and ``overall`` (true ratings relative to the
        reference, Arena points).
    """
    if not isinstance(strategy, TeachingToTheTest):
        raise ValueError(f"strategy must be a TeachingToTheTest, got {strategy!r}")
    for label, value in (("n_votes", n_votes), ("n_test", n_test)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    guards = defenses if isinstance(defenses, Safeguards) else Safeguards(defenses)
    world = guards.world(world)
    base = strategy.base_model(world)
    if reference == base.name or reference not in world.model_names:
        raise ValueError(f"reference {reference!r} must be a model of the world other than "
                         f"the lab's {base.name!r}")
    tuned = strategy.tuned_model(world)
    rng = np.random.default_rng(rng)
    streams = rng.spawn(strategy.rounds + 5)
    names = list(world.model_names)
    code = names.index(base.name)
    gamed = world.with_models(tuned)
    rel = strategy._loop(world, gamed, int(n_votes), code, streams,
                         float(guards.rule("data_delay_days")),
                         float(guards.rule("prompt_rotation")))
    seen = _seen(rel.gen, rel.data)
    rows = []
    for version, model, gain in (("original", base, 0.0), ("tuned", tuned, rel.gain)):
        duel = world.replace(models=(model, world.model(reference)), truth_by=())
        sim = simulate(duel, n_test, rng=copy.deepcopy(streams[-1]))
        b = sim.battles
        lab_code = list(duel.model_names).index(base.name)
        winner, hit = _memorise(b, sim, lab_code, seen, gain, copy.deepcopy(streams[-2]))
        score_a = np.array([1.0, 0.0, 0.5, 0.5])[winner]
        score = np.where(b.model_a == lab_code, score_a, 1.0 - score_a)
        ov, rw = _scope(duel, "overall"), _scope(duel, "real_world")
        rows.append({"version": version, "data_battles": rel.data_battles if gain else 0,
                     "memorised_gain": gain, "seen_share": float(hit.mean()) if gain else 0.0,
                     "win_rate": float(score.mean()),
                     "win_rate_se": float(score.std(ddof=1) / math.sqrt(len(score))),
                     "real_world": float(rw[base.name] - rw[reference]),
                     "overall": float(ov[base.name] - ov[reference])})
    return pd.DataFrame(rows)
