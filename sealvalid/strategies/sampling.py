"""Sampling and deprecation asymmetry: some providers battle more, others silently vanish.

Source: Singh et al., *The Leaderboard Illusion* (arXiv 2504.20879). On Chatbot Arena two
proprietary providers received about 20 % of all battle data each while 83 open-weight models
together received about 30 %, and most models were silently deprecated (they stopped being
sampled, without notice) — open-weight models more often. The paper argues three consequences:
the favoured providers get far more arena data (prompts and preferences they can train on);
ratings of deprecated models become unreliable, because Bradley–Terry assumes every model is
compared against a stable set of opponents under one stable distribution, which deprecation
breaks once the opponents and the crowd change; and a sparse comparison graph leaves many pairs
of the board ordered by extrapolation only, with head-to-head results that may contradict the
board.

Model
-----
The arena operator (with or for a favoured provider) changes the sampling policy of a world:

* **sampling boost** — every model of the ``favoured`` providers gets a per-model sampling
  rate ``boost`` (others 1; open-weight models ``open_weights_factor``), and pair ``(i, j)``
  weight ``r_i r_j`` times the base policy's weight (FastChat's per-model sampling weights);
* **silent deprecation** — a share ``deprecate_share`` of the competitors (models of other
  providers; open-weight ones only when ``deprecate_open_only``), drawn at random each
  replicate, stop battling ``deprecate_after`` days after they entered; they stay on the board
  with the rating their old votes give them.

The base policy is uniform pairs by default (``base="uniform"``: with ``boost=1`` and no
deprecation the strategy is a fair arena, the natural baseline), the world's own policy
(``"world"``) or the Chatbot Arena paper's active sampling (``"active"``).

Measured for each model (:func:`sampling_table`): battle share, rating error and rank shift
against the truth, the width of its 95 % interval (sandwich) and, for deprecated models, the
drift of its rating after it stopped battling (:func:`deprecation_drift`); for the board
(:meth:`SamplingAsymmetry.play` extras): the favoured and open-weight battle shares, rating error
of deprecated and other models, interval widths, and transitivity — the share of model pairs
never compared directly, the share of well-observed pairs whose head-to-head majority
contradicts the board order, and the share of well-observed model triples whose head-to-head
majorities form a cycle.

Assumptions: the favoured providers' models are no better than the world says (the strategy
changes what is *measured*, not the models); the board is a joint Bradley–Terry fit of all
votes (as LMArena's), so deprecation changes a model's rating only through the votes it no
longer gets and the opponents it never meets; the truth is the world's infinite-vote board
with every pair compared equally often (:func:`sealvalid.sim.true_ratings`), so a rating error
includes both noise (fewer votes) and the bias of an unrepresentative opponent set under a
heterogeneous crowd. Safeguards act after the operator's policy is set: a defense's ``world``
hook (e.g. :class:`sealvalid.defenses.fair_sampling.FairSampling`) may replace it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from sealvalid.defenses.base import ArenaLog, Safeguards
from sealvalid.rating import BradleyTerry
from sealvalid.sim import ActiveSampling, Deprecate, UniformPairs, simulate, true_ratings
from sealvalid.sim.policies import PolicyContext, SamplingPolicy
from sealvalid.strategies.base import Play, Strategy, cells_from_codes, register

__all__ = ["SamplingAsymmetry", "SamplingRun", "sampling_table", "board_consistency",
           "deprecation_drift", "TABLE_COLUMNS"]

#: columns of :func:`sampling_table` (one row per replicate and board model)
TABLE_COLUMNS = ["replicate", "model", "provider", "favoured", "open_weights", "deprecated",
                 "deprecated_day", "battles", "battle_share", "board", "truth", "score_shift",
                 "rank_shift", "ci_width", "drift"]

_BASES = ("uniform", "world", "active")
_Z95 = 1.959963984540054


# ---------------------------------------------------------------------------------- policy
@dataclass(frozen=True, kw_only=True)
class _Boosted:
    """Base policy weights times ``r_i r_j`` (per-model rates)."""

    base: SamplingPolicy
    rates: tuple = ()  # ((model, rate), ...)

    @property
    def adaptive(self) -> bool:
        return self.base.adaptive

    def pair_weights(self, ctx: PolicyContext) -> np.ndarray:
        w = np.asarray(self.base.pair_weights(ctx), dtype=float)
        rate = dict(self.rates)
        r = np.array([rate.get(m, 1.0) for m in ctx.models])
        return w * np.outer(r, r)

    def check(self, world) -> None:
        bad = sorted({m for m, _ in self.rates} - set(world.model_names))
        if bad:
            raise ValueError(f"sampling boost names unknown models {bad}")
        self.base.check(world)


# ---------------------------------------------------------------------------------- checks
def _check_number(name: str, value, lo: float, hi: float, *, lo_open: bool = False,
                  allow_inf: bool = False) -> None:
    ok = (not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)
          and not math.isnan(value) and (allow_inf or math.isfinite(value)))
    if ok:
        ok = (value > lo if lo_open else value >= lo) and value <= hi
    if not ok:
        left = "(" if lo_open else "["
        raise ValueError(f"SamplingAsymmetry.{name} must be a number in {left}{lo}, {hi}], "
                         f"got {value!r}")


def _providers(spec: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in spec.split(",") if p.strip())


# ---------------------------------------------------------------------------------- metrics
def _pair_table(log: ArenaLog) -> tuple[np.ndarray, np.ndarray]:
    """Battles ``n`` and score of the row model ``y`` (win 1, tie 1/2) per ordered pair."""
    k = len(log.names)
    score_a = np.array([1.0, 0.0, 0.5, 0.5])[log.winner]
    n = np.bincount(log.a * k + log.b, minlength=k * k).reshape(k, k).astype(float)
    ya = np.bincount(log.a * k + log.b, score_a, minlength=k * k).reshape(k, k)
    n = n + n.T
    y = ya + (np.bincount(log.a * k + log.b, 1.0 - score_a, minlength=k * k)
              .reshape(k, k)).T
    return n, y


def board_consistency(log: ArenaLog, board: pd.Series, *, min_pair_votes: int = 20) -> dict:
    """How far a board's order agrees with the head-to-head results it was fitted from.

    Parameters
    ----------
    log : ArenaLog
        The votes behind the board.
    board : pandas.Series
        Rating per model (index: model names; models of the log without a rating are ignored).
    min_pair_votes : int
        A pair counts as *well observed* with at least this many direct battles (>= 1).

    Returns
    -------
    dict
        ``pair_coverage``: share of the board's model pairs with at least one direct battle;
        ``h2h_contradiction``: among well-observed pairs with a head-to-head majority (score
        share not exactly 1/2), the share whose majority contradicts the board order;
        ``cycle_share``: among model triples whose three pairs are all well observed (with a
        majority), the share whose head-to-head majorities form a cycle (intransitive);
        ``n_pairs``, ``n_triples``: the well-observed pairs and triples behind the two shares
        (NaN shares when there are none).
    """
    if isinstance(min_pair_votes, bool) or not isinstance(min_pair_votes, int) \
            or min_pair_votes < 1:
        raise ValueError(f"min_pair_votes must be an integer >= 1, got {min_pair_votes!r}")
    n, y = _pair_table(log)
    names = list(log.names)
    on = np.array([m in board.index for m in names])
    idx = np.flatnonzero(on)
    n = n[np.ix_(idx, idx)]
    y = y[np.ix_(idx, idx)]
    r = board.reindex([names[i] for i in idx]).to_numpy(float)
    k = len(idx)
    iu, ju = np.triu_indices(k, 1)
    coverage = float((n[iu, ju] > 0).mean()) if len(iu) else math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        share = y / n
    major = np.sign(np.nan_to_num(share - 0.5))  # +1: row model wins the head-to-head
    good = (n >= min_pair_votes) & (major != 0)
    gi, gj = iu[good[iu, ju]], ju[good[iu, ju]]
    order = np.sign(r[gi] - r[gj])
    contra = float((order * major[gi, gj] < 0).mean()) if len(gi) else math.nan
    cyc = tri = 0
    beats = (major > 0) & good
    for a, b, c in combinations(range(k), 3):
        if good[a, b] and good[b, c] and good[a, c]:
            tri += 1
            out = beats[a, b] + beats[a, c], beats[b, a] + beats[b, c]
            if out == (1, 1):  # each of a, b (hence c) beats exactly one: a cycle
                cyc += 1
    return {"pair_coverage": coverage, "h2h_contradiction": contra,
            "cycle_share": cyc / tri if tri else math.nan, "n_pairs": int(len(gi)),
            "n_triples": int(tri)}


def _interval_width(log: ArenaLog) -> pd.Series:
    """Width of the 95 % sandwich interval per model of a plain Bradley–Terry fit (points)."""
    cells = cells_from_codes(log.names, log.a, log.b, log.winner)
    bt = BradleyTerry().fit_cells(cells)
    se = np.sqrt(np.clip(np.diag(bt.covariance().to_numpy()), 0, None))
    return pd.Series(2 * _Z95 * se, index=list(log.names))


def _main_component(log: ArenaLog) -> ArenaLog:
    """Return the votes of the largest connected component of the comparison graph."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    k = len(log.names)
    graph = coo_matrix((np.ones(len(log)), (log.a, log.b)), shape=(k, k))
    n_comp, label = connected_components(graph, directed=False)
    if n_comp == 1:
        return log
    main = np.argmax(np.bincount(label))
    return log.subset(label[log.a] == main).compact()


def deprecation_drift(log: ArenaLog, board: pd.Series, schedule: dict) -> pd.Series:
    """How far each deprecated model's rating moved after it stopped battling.

    For a model deprecated on day ``d``, the board fitted on the votes before ``d`` is aligned
    to the final board on the models both rate (equal means), and the drift is the final
    rating minus the aligned rating at deprecation. The model's own votes are the same in both
    fits: the drift comes only from how its old opponents are rated once the comparison set
    has changed. The early fit uses the largest connected part of the comparison graph (a model
    that had just entered may not be connected yet); a deprecated model outside it gets no
    drift.

    Parameters
    ----------
    log : ArenaLog
        The votes behind the final board.
    board : pandas.Series
        The final board (Arena points).
    schedule : dict
        Model -> day it stopped battling.

    Returns
    -------
    pandas.Series
        Drift per deprecated model on the board (Arena points).
    """
    out = {}
    for day in sorted(set(schedule.values())):
        models = [m for m, d in schedule.items() if d == day and m in board.index]
        early = log.subset(log.day < day)
        if not models or len(early) == 0:
            continue
        early = _main_component(early.compact())
        r = early.fit()
        common = [m for m in r.index if m in board.index]
        offset = board[common].mean() - r[common].mean()
        for m in models:
            if m in r.index:
                out[m] = float(board[m] - (r[m] + offset))
    return pd.Series(out, dtype=float)


# ---------------------------------------------------------------------------------- strategy
@dataclass(frozen=True)
class SamplingRun:
    """One replicate of :class:`SamplingAsymmetry`, with the per-model detail.

    Attributes
    ----------
    play : Play
        What :meth:`SamplingAsymmetry.play` returns.
    table : pandas.DataFrame
        One row per board model: :data:`TABLE_COLUMNS` without ``replicate``.
    """

    play: Play
    table: pd.DataFrame = field(repr=False)


@register("sampling-asymmetry")
@dataclass(frozen=True, kw_only=True)
class SamplingAsymmetry(Strategy):
    """Favour some providers' sampling and silently deprecate competitors.

    Parameters
    ----------
    favoured : str
        Comma-separated favoured providers; empty (default): the ``n_favoured`` proprietary
        providers with the most models (ties by name).
    n_favoured : int
        Providers favoured when ``favoured`` is empty (in [1, 100]).
    boost : float
        Sampling rate of each favoured model relative to 1 for the others (in [1, 1000]; 1: no
        boost). With the defaults on the 32-model ``lmarena-like`` world (``boost=2.5`` on the
        two providers, open-weight competitors deprecated after 120 days) each favoured
        provider gets about 23 % of battle data and the 15 open-weight models together about
        25 %, near the *Leaderboard Illusion* figures (~20 % each, ~30 %).
    open_weights_factor : float
        Sampling rate multiplier of open-weight models (in (0, 1]; 1: none).
    deprecate_after : float
        Days after entry at which a deprecated competitor stops battling (> 0; ``inf``: no
        deprecation).
    deprecate_share : float
        Share of the eligible competitors deprecated, drawn at random per replicate (in [0, 1]).
    deprecate_open_only : bool
        Only open-weight competitors are eligible (the paper found them deprecated more).
    base : str
        Sampling the asymmetry is layered on: ``"uniform"`` pairs (default), the ``"world"``'s
        own policy, or ``"active"`` sampling (Chiang et al.).
    truth : str
        ``"overall"`` (the arena estimand) or ``"real_world"``.
    min_pair_votes : int
        Direct battles for a pair to count in the transitivity measures (>= 1).

    Notes
    -----
    ``gamed`` marks the favoured providers' models.
    """

    favoured: str = ""
    n_favoured: int = 2
    boost: float = 2.5
    open_weights_factor: float = 1.0
    deprecate_after: float = 120.0
    deprecate_share: float = 1.0
    deprecate_open_only: bool = True
    base: str = "uniform"
    truth: str = "overall"
    min_pair_votes: int = 20

    def __post_init__(self) -> None:
        if not isinstance(self.favoured, str):
            raise ValueError(f"SamplingAsymmetry.favoured must be a comma-separated string of "
                             f"providers, got {self.favoured!r}")
        for name, lo, hi in (("n_favoured", 1, 100), ("min_pair_votes", 1, 10**7)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not lo <= v <= hi:
                raise ValueError(f"SamplingAsymmetry.{name} must be an integer in [{lo}, {hi}], "
                                 f"got {v!r}")
        _check_number("boost", self.boost, 1.0, 1000.0)
        _check_number("open_weights_factor", self.open_weights_factor, 0.0, 1.0, lo_open=True)
        _check_number("deprecate_after", self.deprecate_after, 0.0, math.inf, lo_open=True,
                      allow_inf=True)
        _check_number("deprecate_share", self.deprecate_share, 0.0, 1.0)
        if not isinstance(self.deprecate_open_only, bool):
            raise ValueError(f"SamplingAsymmetry.deprecate_open_only must be a bool, got "
                             f"{self.deprecate_open_only!r}")
        if self.base not in _BASES:
            raise ValueError(f"SamplingAsymmetry.base must be one of {list(_BASES)}, got "
                             f"{self.base!r}")
        if self.truth not in ("overall", "real_world"):
            raise ValueError(f"SamplingAsymmetry.truth must be 'overall' or 'real_world', got "
                             f"{self.truth!r}")

    # ------------------------------------------------------------------ world
    def favoured_providers(self, world) -> tuple[str, ...]:
        """Return the favoured providers of a world (checked against it)."""
        named = _providers(self.favoured)
        if named:
            bad = sorted(set(named) - set(world.providers))
            if bad:
                raise ValueError(f"SamplingAsymmetry.favoured names unknown providers {bad}; "
                                 f"allowed: {list(world.providers)}")
            return named
        counts: dict[str, int] = {}
        for m in world.models:
            if not m.open_weights:
                counts[m.provider] = counts.get(m.provider, 0) + 1
        ranked = sorted(counts, key=lambda p: (-counts[p], p))
        if len(ranked) < self.n_favoured:
            raise ValueError(f"SamplingAsymmetry.n_favoured={self.n_favoured} but the world has "
                             f"only {len(ranked)} proprietary providers {ranked}; name them "
                             "in `favoured`")
        return tuple(ranked[: self.n_favoured])

    def rig(self, world, rng=None):
        """Return the world with the asymmetric policy, and the deprecation schedule.

        Parameters
        ----------
        world : sealvalid.sim.World
        rng
            Draws which eligible competitors are deprecated (anything
            :func:`numpy.random.default_rng` accepts).

        Returns
        -------
        (World, dict)
            The rigged world and ``{model: day it stops battling}``.
        """
        rng = np.random.default_rng(rng)
        fav = set(self.favoured_providers(world))
        base = {"uniform": UniformPairs(), "world": world.policy,
                "active": ActiveSampling(uniform_mix=0.1)}[self.base]
        rates = []
        for m in world.models:
            r = self.boost if m.provider in fav else 1.0
            if m.open_weights:
                r *= self.open_weights_factor
            if r != 1.0:
                rates.append((m.name, float(r)))
        policy = _Boosted(base=base, rates=tuple(sorted(rates))) if rates else base
        schedule: dict[str, float] = {}
        if math.isfinite(self.deprecate_after) and self.deprecate_share > 0:
            eligible = sorted(m.name for m in world.models if m.provider not in fav
                              and (m.open_weights or not self.deprecate_open_only))
            n_dep = round(self.deprecate_share * len(eligible))
            chosen = rng.permutation(len(eligible))[:n_dep] if n_dep else []
            for c in sorted(int(x) for x in chosen):
                m = world.model(eligible[c])
                day = m.entry + float(self.deprecate_after)
                if day < min(m.retire, world.days):
                    schedule[m.name] = day
        if schedule:
            policy = Deprecate(base=policy, schedule=schedule)
        return world.replace(policy=policy), schedule

    # ------------------------------------------------------------------ play
    def observe(self, world, n_votes: int, rng: np.random.Generator, *,
                safeguards: Safeguards) -> SamplingRun:
        """Run one replicate and keep the per-model detail.

        Parameters
        ----------
        world : sealvalid.sim.World
            The honest arena.
        n_votes : int
            Votes on the board.
        rng : numpy.random.Generator
            The replicate's stream.
        safeguards : sealvalid.defenses.Safeguards
            Their ``world`` hooks act on the rigged arena (so a defense can replace the
            operator's policy); screens and rating hooks act on the published log.

        Returns
        -------
        SamplingRun
        """
        streams = rng.spawn(2)
        rigged, schedule = self.rig(world, streams[0])
        played = safeguards.world(rigged)
        names = played.model_names
        battles = simulate(played, n_votes, rng=streams[1]).battles
        log = ArenaLog.from_battles(battles, names)
        published = safeguards.publish(log)
        board = published.board
        kept = log.subset(published.kept)
        # the truth does not depend on the sampling policy: normalise it so the cache hits
        truth_all = true_ratings(played.replace(policy=UniformPairs()))
        t = truth_all[truth_all["scope"] == self.truth].set_index("model")["true_rating"]
        truth = pd.Series(t.reindex(board.index).to_numpy(), index=board.index)
        k = len(names)
        battles_per = (np.bincount(log.a, minlength=k) + np.bincount(log.b, minlength=k))
        battles_per = pd.Series(battles_per, index=list(names)).reindex(board.index)
        share = battles_per / (2.0 * len(log))
        width = _interval_width(kept.compact()).reindex(board.index)
        drift = deprecation_drift(kept, board, schedule).reindex(board.index)
        fav = set(self.favoured_providers(world))
        info = {m.name: m for m in played.models}
        provider = np.array([info[m].provider for m in board.index])
        favoured = np.isin(provider, list(fav))
        open_w = np.array([info[m].open_weights for m in board.index])
        deprecated = np.array([m in schedule for m in board.index])
        b_c = board.to_numpy(float) - board.mean()
        t_c = truth.to_numpy(float) - truth.mean()
        shift = b_c - t_c
        rank_t = pd.Series(t_c).rank(ascending=False, method="min").to_numpy()
        rank_b = pd.Series(b_c).rank(ascending=False, method="min").to_numpy()
        table = pd.DataFrame({
            "model": list(board.index), "provider": provider, "favoured": favoured,
            "open_weights": open_w, "deprecated": deprecated,
            "deprecated_day": [schedule.get(m, math.inf) for m in board.index],
            "battles": battles_per.to_numpy(np.int64), "battle_share": share.to_numpy(float),
            "board": board.to_numpy(float), "truth": truth.to_numpy(float),
            "score_shift": shift, "rank_shift": (rank_t - rank_b).astype(np.int64),
            "ci_width": width.to_numpy(float), "drift": drift.to_numpy(float)})
        err = np.abs(shift)

        def mean_of(mask, values):
            return float(values[mask].mean()) if mask.any() else math.nan

        extra = {
            "favoured_share": float(share.to_numpy()[favoured].sum()),
            "open_share": float(share.to_numpy()[open_w].sum()),
            "n_deprecated": int(deprecated.sum()),
            "deprecated_abs_error": mean_of(deprecated, err),
            "other_abs_error": mean_of(~deprecated & ~favoured, err),
            "favoured_abs_error": mean_of(favoured, err),
            "favoured_ci_width": mean_of(favoured, table["ci_width"].to_numpy()),
            "other_ci_width": mean_of(~favoured, table["ci_width"].to_numpy()),
            "deprecated_abs_drift": mean_of(deprecated & np.isfinite(drift.to_numpy()),
                                            np.abs(drift.to_numpy(float))),
            **board_consistency(kept, board, min_pair_votes=self.min_pair_votes),
            **published.costs,
        }
        play = Play(board=board, truth=truth, gamed=tuple(board.index[favoured]), extra=extra)
        return SamplingRun(play=play, table=table)

    def play(self, world, n_votes: int, rng: np.random.Generator, *,
             safeguards: Safeguards) -> Play:
        """Run the rigged arena once and publish its board.

        Parameters
        ----------
        world : sealvalid.sim.World
            The honest arena.
        n_votes : int
            Votes on the board.
        rng : numpy.random.Generator
            The replicate's stream.
        safeguards : sealvalid.defenses.Safeguards
            See :meth:`observe`.

        Returns
        -------
        Play
            Gamed: the favoured providers' models. Extras: ``favoured_share`` and
            ``open_share`` (battle-data shares), ``n_deprecated``, mean absolute rating error of
            the deprecated, other-competitor and favoured models (``deprecated_abs_error``,
            ``other_abs_error``, ``favoured_abs_error``; Arena points, centred), mean 95 %
            interval widths (``favoured_ci_width``, ``other_ci_width``), the mean absolute
            :func:`deprecation_drift` of the deprecated models (``deprecated_abs_drift``), the
            :func:`board_consistency` figures and the screening costs.
        """
        return self.observe(world, n_votes, rng, safeguards=safeguards).play


def sampling_table(world, strategy: SamplingAsymmetry, *, n_votes: int, n_replicates: int,
                   rng=None, defenses=()) -> pd.DataFrame:
    """Per-model detail of :class:`SamplingAsymmetry` over replicates.

    Replicate ``r`` uses the same stream as in :func:`sealvalid.strategies.run_strategy` with the
    same ``rng``, so the two outputs describe the same boards.

    Parameters
    ----------
    world : sealvalid.sim.World
    strategy : SamplingAsymmetry
    n_votes, n_replicates : int
        Votes per board and replicates (>= 1).
    rng
        Anything :func:`numpy.random.default_rng` accepts.
    defenses : Defense, iterable of Defense or Safeguards

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS`, one row per replicate and board model. ``battle_share`` is the
        model's share of battle appearances (sums to 1 per replicate); ``score_shift`` and
        ``rank_shift`` as in :data:`sealvalid.strategies.SHIFT_COLUMNS`; ``ci_width`` the width
        of the 95 % sandwich interval of a plain Bradley–Terry fit of the published votes;
        ``drift`` (deprecated models only, else NaN) from :func:`deprecation_drift`.
    """
    if not isinstance(strategy, SamplingAsymmetry):
        raise ValueError(f"strategy must be a SamplingAsymmetry, got {strategy!r}")
    for label, value in (("n_votes", n_votes), ("n_replicates", n_replicates)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    guards = defenses if isinstance(defenses, Safeguards) else Safeguards(defenses)
    root = np.random.default_rng(rng)
    frames = []
    for r, s in enumerate(root.spawn(int(n_replicates))):
        t = strategy.observe(world, int(n_votes), s, safeguards=guards).table
        t.insert(0, "replicate", r)
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]
    out.attrs = {"strategy": strategy.name, "params": strategy.params(),
                 "defenses": {d.name: d.params() for d in guards.defenses},
                 "world": getattr(world, "name", None), "n_votes": int(n_votes)}
    return out
