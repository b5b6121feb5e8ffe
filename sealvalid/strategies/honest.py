"""The honest baseline: nobody games; the public board as the arena publishes it.

It exists so that every safeguard can be run on an honest world: what a defense costs honest
models and voters (votes dropped, ranking accuracy lost) is measured on exactly the same votes
as its benefit against an attack. ``gamed`` is empty, so the shift columns describe estimation
error only (they average to zero on a correctly specified board).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sealvalid.defenses.base import ArenaLog, Safeguards
from sealvalid.sim import simulate, true_ratings
from sealvalid.strategies.base import Play, Strategy, register

__all__ = ["Honest"]


@register("honest")
@dataclass(frozen=True, kw_only=True)
class Honest(Strategy):
    """No strategy: the arena's own votes, screened and fitted as the safeguards say.

    Parameters
    ----------
    truth : str
        ``"overall"`` (the board's estimand: the honest crowd's infinite-vote board) or
        ``"real_world"`` (ideal judges on the real-world prompt mix).
    """

    truth: str = "overall"

    def __post_init__(self) -> None:
        if self.truth not in ("overall", "real_world"):
            raise ValueError(f"Honest.truth must be 'overall' or 'real_world', got "
                             f"{self.truth!r}")

    def play(self, world, n_votes: int, rng: np.random.Generator, *,
             safeguards: Safeguards) -> Play:
        """Simulate ``n_votes`` honest votes and publish them through the safeguards.

        Returns
        -------
        Play
            No gamed model; extras: the screening costs.
        """
        world = safeguards.world(world)
        battles = simulate(world, n_votes, rng=rng).battles
        published = safeguards.publish(ArenaLog.from_battles(battles, world.model_names))
        board = published.board
        truth = true_ratings(world)
        t = truth[truth["scope"] == self.truth].set_index("model")["true_rating"]
        return Play(board=board, truth=pd.Series(t.reindex(board.index).to_numpy(),
                                                 index=board.index),
                    extra=dict(published.costs))
