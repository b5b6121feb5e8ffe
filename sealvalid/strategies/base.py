"""Strategy protocol, registry, and shift metrics against the known truth.

A strategy is a frozen, keyword-only dataclass of parameters (checked on construction) with one
method, :meth:`Strategy.play`, which runs the strategy once on a world and returns the board it
produced (:class:`Play`). :func:`run_strategy` repeats it over replicates, each on its own
spawned random stream, and scores every board against the truth (:func:`shift_frame`).

A new strategy is one module with one ``@register("name")`` line; :data:`STRATEGIES` maps names
to classes.

Column contract
---------------
:data:`SHIFT_COLUMNS`, then ``gamed`` and ``goodhart_gap``:

``replicate``, ``strategy``, ``model``
    Replicate index, registry name, model on the board.
``true_rank``, ``board_rank``
    Rank (1 = best, ties share the best rank) by the true overall rating and by the board
    rating, among the models on the board.
``rank_shift``
    ``true_rank - board_rank``: positive when the board places the model higher than it
    deserves.
``score_shift``
    Board rating minus true overall rating, Arena points, both re-centred to mean zero over the
    models on the board (so shifts sum to zero within a replicate).
``gamed``
    The model is the one the strategy plays for.
``goodhart_gap``
    Board gain minus real-world gain, Arena points, where the strategy defines it (else NaN).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from sealvalid.defenses.base import Safeguards
from sealvalid.rating import BradleyTerry
from sealvalid.rating.cells import Cells

__all__ = [
    "SHIFT_COLUMNS",
    "RESULT_COLUMNS",
    "STRATEGIES",
    "Play",
    "Strategy",
    "register",
    "cells_from_codes",
    "fit_codes",
    "shift_frame",
    "run_strategy",
]

#: per replicate and model: the shift of the board from the truth
SHIFT_COLUMNS = ["replicate", "strategy", "model", "true_rank", "board_rank", "rank_shift",
                 "score_shift"]
#: the full result frame of :func:`run_strategy`
RESULT_COLUMNS = [*SHIFT_COLUMNS, "gamed", "goodhart_gap"]

#: registry name -> strategy class
STRATEGIES: dict[str, type[Strategy]] = {}


def register(name: str) -> Callable[[type[Strategy]], type[Strategy]]:
    """Register a strategy class in :data:`STRATEGIES` under ``name`` (class decorator).

    Parameters
    ----------
    name : str
        Registry name (non-empty, unique); also stored as the class's ``name``.

    Returns
    -------
    callable
        The decorator; it returns the class unchanged apart from ``name``.

    Raises
    ------
    ValueError
        If ``name`` is empty or already registered.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"strategy name must be a non-empty string, got {name!r}")

    def deco(cls: type[Strategy]) -> type[Strategy]:
        if name in STRATEGIES:
            raise ValueError(f"strategy {name!r} is already registered (by "
                             f"{STRATEGIES[name].__qualname__}); names must be unique")
        cls.name = name
        STRATEGIES[name] = cls
        return cls

    return deco


@dataclass(frozen=True)
class Play:
    """One run of a strategy: the board it produced and what to measure it against.

    Attributes
    ----------
    board : pandas.Series
        Board score per model (index: model names): Arena rating for arena strategies, the
        reported score for static benchmarks.
    truth : pandas.Series
        True score of the same models (for Arena ratings any offset; re-centred when scored).
    gamed : tuple of str
        The models the strategy plays for.
    goodhart_gap : pandas.Series, optional
        Board gain minus real-world gain per gamed model (index: model names).
    centre : bool
        Re-centre board and truth to mean zero before the shift is taken (Arena ratings, whose
        offset is arbitrary); ``False`` for scores on an absolute scale (accuracies).
    extra : dict
        Replicate-level figures (str -> float), appended as columns in the order given: what
        the safeguards cost (``honest_dropped``, ``attack_dropped``, ...), the attacker's
        spend, when the board was measured, and so on.
    """

    board: pd.Series
    truth: pd.Series
    gamed: tuple[str, ...] = ()
    goodhart_gap: pd.Series | None = None
    centre: bool = True
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Strategy(ABC):
    """Base of all strategies: parameters as frozen keyword-only fields, and :meth:`play`.

    Subclasses add their parameters as fields, check them in ``__post_init__`` and register
    with :func:`register`. ``setting`` says where the strategy plays: ``"arena"`` (a
    :class:`sealvalid.sim.World`, with public votes) or ``"static"`` (a
    :class:`sealvalid.sim.StaticWorld`, whose sizes are the strategy's own parameters).
    """

    name: ClassVar[str] = "strategy"
    setting: ClassVar[str] = "arena"

    @abstractmethod
    def play(self, world, n_votes: int | None, rng: np.random.Generator, *,
             safeguards: Safeguards) -> Play:
        """Run the strategy once.

        Parameters
        ----------
        world : sealvalid.sim.World or sealvalid.sim.StaticWorld
            The honest arena (or static benchmark).
        n_votes : int or None
            Votes of the public board (the strategy may add its own on top); ``None`` for
            static strategies.
        rng : numpy.random.Generator
            The replicate's stream.
        safeguards : sealvalid.defenses.Safeguards
            The defenses in force: the strategy plays in ``safeguards.world(world)``, obeys
            ``safeguards.rule(...)`` and publishes through ``safeguards.publish``.

        Returns
        -------
        Play
        """

    def params(self) -> dict:
        """Return the parameters as a plain dict (recorded in results)."""
        return asdict(self)


def cells_from_codes(names, a: np.ndarray, b: np.ndarray, winner: np.ndarray) -> Cells:
    """Aggregate integer-coded battles into Bradley–Terry cells (one per unordered pair).

    Parameters
    ----------
    names : sequence of str
        Model names; codes index them.
    a, b : ndarray of int
        Model codes of the two sides.
    winner : ndarray of int
        ``0`` a wins, ``1`` b wins, ``2`` tie, ``3`` tie (both bad).

    Returns
    -------
    sealvalid.rating.cells.Cells
    """
    k = len(names)
    swap = a > b
    i = np.where(swap, b, a)
    j = np.where(swap, a, b)
    w = np.where(swap & (winner < 2), 1 - winner, winner)
    key = (i * k + j) * 4 + w
    counts = np.bincount(key, minlength=k * k * 4).reshape(k * k, 4).astype(float)
    cell = np.flatnonzero(counts.sum(axis=1) > 0)
    counts = counts[cell]
    return Cells(models=pd.Index(list(names)), i=cell // k, j=cell % k, counts=counts,
                 sq=counts, x=None, n_votes=len(a))


def fit_codes(names, a: np.ndarray, b: np.ndarray, winner: np.ndarray) -> pd.Series:
    """Fit Bradley–Terry (ties as half wins) on integer-coded battles.

    Parameters
    ----------
    names : sequence of str
        Model names; codes index them. Every model must have battles.
    a, b : ndarray of int
        Model codes of the two sides.
    winner : ndarray of int
        ``0`` a wins, ``1`` b wins, ``2`` tie, ``3`` tie (both bad).

    Returns
    -------
    pandas.Series
        Ratings (Arena scale, mean 1000) indexed by model name.
    """
    return BradleyTerry().fit_cells(cells_from_codes(names, a, b, winner)).ratings_


def _rank(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).rank(ascending=False, method="min").to_numpy(np.int64)


def shift_frame(play: Play, *, replicate: int, strategy: str) -> pd.DataFrame:
    """Score one board against the truth.

    Parameters
    ----------
    play : Play
        The board and the truth.
    replicate : int
        Replicate index.
    strategy : str
        Strategy name.

    Returns
    -------
    pandas.DataFrame
        One row per model on the board, columns :data:`RESULT_COLUMNS` (see the module
        docstring), then the keys of ``play.extra``.
    """
    models = list(play.board.index)
    missing = sorted(set(models) - set(play.truth.index))
    if missing:
        raise ValueError(f"board models {missing[:5]} have no true rating; the truth must "
                         "cover every model on the board")
    board = play.board.to_numpy(float)
    truth = play.truth.reindex(models).to_numpy(float)
    if play.centre:
        board = board - board.mean()
        truth = truth - truth.mean()
    true_rank = _rank(truth)
    board_rank = _rank(board)
    gap = np.full(len(models), np.nan)
    if play.goodhart_gap is not None:
        gap = play.goodhart_gap.reindex(models).to_numpy(float)
    out = pd.DataFrame({
        "replicate": np.full(len(models), replicate, dtype=np.int64),
        "strategy": strategy,
        "model": models,
        "true_rank": true_rank,
        "board_rank": board_rank,
        "rank_shift": true_rank - board_rank,
        "score_shift": board - truth,
        "gamed": np.isin(models, list(play.gamed)),
        "goodhart_gap": gap,
    })
    for key, value in play.extra.items():
        if key in out.columns:
            raise ValueError(f"Play.extra key {key!r} clashes with a result column")
        out[key] = value
    return out


def run_strategy(world, strategy: Strategy, *, n_votes: int | None = None, n_replicates: int,
                 rng=None, defenses=(), progress: bool = False) -> pd.DataFrame:
    """Run a strategy over replicates and measure how far it shifts the board.

    Parameters
    ----------
    world : sealvalid.sim.World or sealvalid.sim.StaticWorld
        The honest arena (static strategies: the benchmark world).
    strategy : Strategy
        A registered strategy instance.
    n_votes : int, optional
        Public votes per replicate (>= 1); required for arena strategies, must be ``None`` for
        static ones.
    n_replicates : int
        Replicates (>= 1); each gets its own stream from
        ``np.random.default_rng(rng).spawn(n_replicates)``, so replicate ``r`` is the same
        whatever the defenses (common random numbers for attack × defense comparisons).
    rng
        Anything :func:`numpy.random.default_rng` accepts.
    defenses : Defense, iterable of Defense or Safeguards
        Safeguards in force (default: none).
    progress : bool
        Show a progress bar over replicates.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULT_COLUMNS` then the strategy's replicate-level extras, one row per
        replicate and board model. ``attrs``: ``strategy``, ``params``, ``defenses``, ``world``,
        ``n_votes``, ``n_replicates``, ``seed`` (the entropy of the root seed sequence).
    """
    if not isinstance(strategy, Strategy):
        raise ValueError(f"strategy must be a Strategy instance, got {strategy!r}; "
                         f"registered: {sorted(STRATEGIES)}")
    checks = [("n_replicates", n_replicates)]
    if strategy.setting == "static":
        if n_votes is not None:
            raise ValueError(f"strategy {strategy.name!r} plays on a static benchmark and takes "
                             f"no public votes (n_votes=None); got n_votes={n_votes!r}")
    else:
        checks.append(("n_votes", n_votes))
    for label, value in checks:
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    guards = defenses if isinstance(defenses, Safeguards) else Safeguards(defenses)
    for d in guards.defenses:
        if d.setting != strategy.setting:
            raise ValueError(f"defense {d.name!r} guards {d.setting} leaderboards but strategy "
                             f"{strategy.name!r} plays on a {strategy.setting} one")
    root = np.random.default_rng(rng)
    seed = getattr(root.bit_generator.seed_seq, "entropy", None)
    streams = root.spawn(int(n_replicates))
    votes = None if n_votes is None else int(n_votes)
    if progress:
        from tqdm.auto import tqdm

        streams = tqdm(streams, desc=strategy.name, unit="replicate")
    frames = [shift_frame(strategy.play(world, votes, s, safeguards=guards), replicate=r,
                          strategy=strategy.name) for r, s in enumerate(streams)]
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {"strategy": strategy.name, "params": strategy.params(),
                 "defenses": {d.name: d.params() for d in guards.defenses},
                 "world": getattr(world, "name", None), "n_votes": votes,
                 "n_replicates": int(n_replicates), "seed": seed}
    return out
