"""Best-of-N private variants with selective disclosure.

Source: Singh et al., *The Leaderboard Illusion* (arXiv 2504.20879), section 4: a provider
tests ``N`` private variants of one model on the arena, each collecting ``n`` votes, publishes
only the variant with the best (noisy) board rating and retracts the others. With identical
variants (``spread=0``) the gain is pure noise harvesting: the published score is the maximum of
``N`` noisy estimates of one rating, inflated by about ``E[max of N standard normals]`` times the
per-variant rating sd. With a true spread the provider also picks up some real quality, but the
board still overstates it (the winner's curse).

Measured at disclosure (``fresh_votes=0``) or after ``fresh_votes`` post-release votes of the
published variant, added to the board before it is scored. Safeguards it obeys: provisional
scores (LMArena's 2025 policy: a family that tested more than 10 variants is scored only after
2,000 fresh votes) and disclosure of every variant (:mod:`sealvalid.defenses.disclosure`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sealvalid.defenses.base import ArenaLog, Safeguards
from sealvalid.sim import make_variants, simulate, true_ratings
from sealvalid.sim.engine import simulate_battles_of
from sealvalid.strategies.base import Play, Strategy, register

__all__ = ["BestOfN"]



def _check_int(name: str, value, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise ValueError(f"BestOfN.{name} must be an integer in [{lo}, {hi}], got {value!r}")


def _variant_battles(world, variant, base_name: str, n: int, index: dict[str, int],
                     rng: np.random.Generator):
    """Return ``n`` battles of ``variant`` against the public models, and the code map.

    Returns
    -------
    (Battles, ndarray)
        The battles (in the codes of the variant's own simulated arena) and the map from those
        codes to ``index``.
    """
    sub = world.with_models(variant, drop=(base_name,))
    sim, rows = simulate_battles_of(sub, variant.name, n, rng=rng)
    return sim.battles.take(rows), np.array([index[m] for m in sub.model_names])


@register("best-of-n")
@dataclass(frozen=True, kw_only=True)
class BestOfN(Strategy):
    """Test ``n_variants`` private variants, publish the best, retract the rest.

    Parameters
    ----------
    n_variants : int
        Private variants tested (``N``, in [1, 1000]); ``1`` is an honest single release.
    votes_per_variant : int
        Battles each variant gets against the public models before disclosure (in [1, 10**7]).
    spread : float
        Sd of true quality between variants, Arena points (>= 0; 0: identical variants, pure
        noise harvesting).
    model : str, optional
        The model whose family plays (it is replaced on the board by the published variant);
        default: the model of median quality.
    fresh_votes : int
        Post-release battles of the published variant added before scoring (>= 0; 0: measured
        at disclosure).

    Notes
    -----
    Variants battle the public models only (never each other), each in its own simulated
    arena in which it replaces ``model``, so the world's voters and sampling policy apply.
    Selection uses a joint Bradley–Terry fit of the public votes and every variant's votes; the
    board is then refitted without the retracted variants. The truth is the overall true
    rating (:func:`sealvalid.sim.true_ratings`) of the world holding all ``N`` variants,
    restricted to the board.
    """

    n_variants: int = 10
    votes_per_variant: int = 500
    spread: float = 0.0
    model: str | None = None
    fresh_votes: int = 0

    def __post_init__(self) -> None:
        _check_int("n_variants", self.n_variants, 1, 1000)
        _check_int("votes_per_variant", self.votes_per_variant, 1, 10**7)
        _check_int("fresh_votes", self.fresh_votes, 0, 10**7)
        s = self.spread
        if (isinstance(s, bool) or not isinstance(s, int | float | np.integer | np.floating)
                or not math.isfinite(s) or s < 0):
            raise ValueError(f"BestOfN.spread must be a finite number >= 0 (Arena points), "
                             f"got {s!r}")
        if self.model is not None and (not isinstance(self.model, str) or not self.model):
            raise ValueError(f"BestOfN.model must be a model name or None, got {self.model!r}")

    def _base(self, world):
        if self.model is None:
            ranked = sorted(world.models, key=lambda m: (m.quality, m.name))
            return ranked[(len(ranked) - 1) // 2]
        if self.model not in world.model_names:
            raise ValueError(f"BestOfN.model {self.model!r} is not in the world; models: "
                             f"{list(world.model_names)[:10]}")
        return world.model(self.model)

    def play(self, world, n_votes: int, rng: np.random.Generator, *,
             safeguards: Safeguards) -> Play:
        """Run one best-of-N round: test, select, retract, publish.

        Parameters
        ----------
        world : sealvalid.sim.World
            The honest arena.
        n_votes : int
            Votes among the public models (the other models of the world).
        rng : numpy.random.Generator
            The replicate's stream.
        safeguards : sealvalid.defenses.Safeguards
            Rules obeyed: ``disclose_all`` (every variant stays on the board),
            ``provisional_variants`` / ``provisional_votes`` (a family that tested more variants
            is scored only after that many fresh votes of its published model); screens and
            rating hooks act on the published log.

        Returns
        -------
        Play
            The board after disclosure (public models and the published variant, or every
            variant under ``disclose_all``, when all of them count as gamed: the family's
            published scores, whose mean carries no selection bias; its best variant still
            carries the winner's curse, in plain view). Extras: ``fresh_votes``
            (post-release votes in the board), ``provisional`` (1 if the provisional rule
            held the score back), and the screening costs of
            :meth:`sealvalid.defenses.Safeguards.publish`.
        """
        world = safeguards.world(world)
        base = self._base(world)
        streams = rng.spawn(self.n_variants + 3)
        variants = make_variants(base, self.n_variants, spread=float(self.spread),
                                 rng=streams[0])
        public = world.with_models(drop=(base.name,))
        pub_names = list(public.model_names)
        names = pub_names + [v.name for v in variants]
        index = {m: k for k, m in enumerate(names)}
        core = simulate(public, n_votes, rng=streams[1]).battles
        honest_logs = [ArenaLog.from_battles(core, names)]
        variant_logs = []
        for k, (v, s) in enumerate(zip(variants, streams[3:], strict=True)):
            b, remap = _variant_battles(world, v, base.name, self.votes_per_variant, index, s)
            # each simulated arena has its own voter pool: keep their ids apart
            variant_logs.append(ArenaLog.from_battles(b, names, remap=remap,
                                                      voter_offset=(k + 1) << 32))
        private = ArenaLog.concat(honest_logs + variant_logs).fit()
        best = int(np.argmax(private.to_numpy()[len(pub_names):]))
        chosen = variants[best]
        limit = safeguards.rule("provisional_variants")
        provisional = limit is not None and self.n_variants > limit
        fresh = max(self.fresh_votes, safeguards.rule("provisional_votes")) if provisional \
            else self.fresh_votes
        if safeguards.rule("disclose_all"):
            shown = list(range(self.n_variants))
        else:
            shown = [best]
        board_names = pub_names + [variants[k].name for k in shown]
        code = {m: k for k, m in enumerate(board_names)}
        remap = np.array([code.get(m, -1) for m in names])
        logs = [ArenaLog.from_battles(core, board_names)]
        for k in shown:
            lg = variant_logs[k]
            logs.append(ArenaLog(names=tuple(board_names), a=remap[lg.a], b=remap[lg.b],
                                 winner=lg.winner, voter=lg.voter, honest=lg.honest,
                                 day=lg.day, style_a=lg.style_a, style_b=lg.style_b))
        if fresh:
            b, fr = _variant_battles(world, chosen, base.name, fresh, code, streams[2])
            logs.append(ArenaLog.from_battles(b, board_names, remap=fr,
                                              voter_offset=(self.n_variants + 1) << 32))
        published = safeguards.publish(ArenaLog.concat(logs))
        board = published.board
        truth = true_ratings(world.with_models(*variants, drop=(base.name,)))
        overall = truth[truth["scope"] == "overall"].set_index("model")["true_rating"]
        return Play(board=board, truth=pd.Series(overall.reindex(board.index).to_numpy(),
                                                 index=board.index),
                    gamed=tuple(variants[k].name for k in shown),
                    extra={"fresh_votes": fresh, "provisional": int(provisional),
                           **published.costs})
