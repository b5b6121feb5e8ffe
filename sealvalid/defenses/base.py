"""Defense protocol, registry, the arena log defenses act on, and publication of a board.

A safeguard is a frozen, keyword-only dataclass of parameters with up to five hooks, each a
no-op unless the defense overrides it, at the points where an arena operator can act:

``world(world)``
    Change the arena itself before anything is played: who votes (a stratified voter base),
    which prompts are served.
``rules()``
    Policy knobs that strategies read and must obey (:data:`RULES`): a no-release window for
    arena data, provisional scores for families that tested many variants, disclosure of all
    variants, a rate limit and a verification cost per voting account, prompt rotation.
``screen(log)``
    Drop votes before the board is fitted (anomalous voters, implausible upsets); returns the
    mask of votes kept.
``rate(log)``
    Fit the board another way (style control); at most one defense may do this.
``holdout(world)``
    For static-holdout leaderboards: the mechanism that turns a submission into the score the
    leaderboard reports (the Ladder).

:class:`Safeguards` combines any number of defenses (conflicting rules or two ``rate`` hooks
raise); strategies receive one and call :meth:`Safeguards.publish` to turn their
:class:`ArenaLog` into the published board, which records what the screens cost honest voters
and the attacker.

A new defense is one module with one ``@register("name")`` line; :data:`DEFENSES` maps names to
classes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

__all__ = [
    "RULES",
    "DEFENSES",
    "ArenaLog",
    "Defense",
    "Safeguards",
    "Published",
    "register",
]

#: rule name -> (default, meaning). Strategies read rules through :meth:`Safeguards.rule`.
RULES: dict[str, tuple[object, str]] = {
    "data_delay_days": (0.0, "days before arena battle data reaches the labs (no-release "
                             "window); 0: immediately"),
    "provisional_variants": (None, "a family that tested more than this many private variants "
                                   "stays provisional (None: no such rule)"),
    "provisional_votes": (0, "fresh post-release votes a provisional model needs before its "
                             "score is final"),
    "disclose_all": (False, "every tested variant is published, not only the best"),
    "votes_per_account": (math.inf, "votes one account may cast over the period (rate limit)"),
    "account_cost": (0.0, "cost of one verified voting account (CAPTCHAs, phone, payment), in "
                          "the attacker's cost units"),
    "prompt_rotation": (0.0, "share of the arena's prompt pool replaced by fresh prompts per "
                             "released data period (0: a static pool)"),
}

#: registry name -> defense class
DEFENSES: dict[str, type[Defense]] = {}


def register(name: str) -> Callable[[type[Defense]], type[Defense]]:
    """Register a defense class in :data:`DEFENSES` under ``name`` (class decorator).

    Raises
    ------
    ValueError
        If ``name`` is empty or already registered.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"defense name must be a non-empty string, got {name!r}")

    def deco(cls: type[Defense]) -> type[Defense]:
        if name in DEFENSES:
            raise ValueError(f"defense {name!r} is already registered (by "
                             f"{DEFENSES[name].__qualname__}); names must be unique")
        cls.name = name
        DEFENSES[name] = cls
        return cls

    return deco


# ---------------------------------------------------------------------------------- the log
@dataclass(frozen=True, eq=False)
class ArenaLog:
    """The votes a board is fitted from, with who cast them.

    Attributes
    ----------
    names : tuple of str
        Model names; ``a`` and ``b`` index them.
    a, b : ndarray of int
        Model codes of the two sides.
    winner : ndarray of int
        ``0`` a wins, ``1`` b wins, ``2`` tie, ``3`` tie (both bad).
    voter : ndarray of int64
        Voting account; attacker accounts must not share ids with honest voters.
    honest : ndarray of bool
        ``False`` for votes the attacker cast (known to the simulation, never to a defense).
    day : ndarray of float
        Day of the vote.
    style_a, style_b : ndarray of float, shape (4, n), optional
        Style counts (tokens, headers, lists, bold) of the two responses.
    """

    names: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray
    winner: np.ndarray
    voter: np.ndarray
    honest: np.ndarray
    day: np.ndarray
    style_a: np.ndarray | None = None
    style_b: np.ndarray | None = None

    def __post_init__(self) -> None:
        names = tuple(self.names)
        object.__setattr__(self, "names", names)
        n = len(self.winner)
        for f in ("a", "b", "voter", "honest", "day"):
            if len(getattr(self, f)) != n:
                raise ValueError(f"ArenaLog.{f} has {len(getattr(self, f))} rows, winner has {n}")
        if (self.style_a is None) != (self.style_b is None):
            raise ValueError("ArenaLog needs both style_a and style_b, or neither")
        if self.style_a is not None and (self.style_a.shape != (4, n)
                                         or self.style_b.shape != (4, n)):
            raise ValueError(f"ArenaLog style arrays must have shape (4, {n}), got "
                             f"{self.style_a.shape} and {self.style_b.shape}")
        k = len(names)
        if n and (min(self.a.min(), self.b.min()) < 0 or max(self.a.max(), self.b.max()) >= k):
            raise ValueError(f"ArenaLog model codes must lie in [0, {k}) for {k} names")
        if n and not np.isin(self.winner, (0, 1, 2, 3)).all():
            raise ValueError("ArenaLog.winner codes must be 0 (a), 1 (b), 2 (tie) or 3 "
                             "(tie, both bad)")

    def __len__(self) -> int:
        return len(self.winner)

    @property
    def has_style(self) -> bool:
        """The log carries style counts."""
        return self.style_a is not None

    @classmethod
    def from_battles(cls, battles, names, *, remap: np.ndarray | None = None,
                     honest: bool = True, voter_offset: int = 0) -> ArenaLog:
        """Build a log from simulated :class:`sealvalid.sim.engine.Battles`.

        Parameters
        ----------
        battles : Battles
        names : sequence of str
            The log's model names.
        remap : ndarray of int, optional
            Battle model code -> log model code (default: identity).
        honest : bool
            Whether these votes are honest.
        voter_offset : int
            Added to the voter ids (keeps separate voter pools apart).
        """
        a = np.asarray(battles.model_a, np.intp)
        b = np.asarray(battles.model_b, np.intp)
        if remap is not None:
            a, b = remap[a], remap[b]
        n = len(battles)
        return cls(names=tuple(names), a=a, b=b, winner=np.asarray(battles.winner, np.int8),
                   voter=np.asarray(battles.voter, np.int64) + voter_offset,
                   honest=np.full(n, bool(honest)), day=np.asarray(battles.day, float),
                   style_a=np.asarray(battles.style_a, float),
                   style_b=np.asarray(battles.style_b, float))

    @staticmethod
    def concat(logs) -> ArenaLog:
        """Concatenate logs over the same model names (style kept only if all carry it)."""
        logs = list(logs)
        if not logs:
            raise ValueError("ArenaLog.concat needs at least one log")
        names = logs[0].names
        for lg in logs[1:]:
            if lg.names != names:
                raise ValueError("ArenaLog.concat needs logs over the same model names")
        style = all(lg.has_style for lg in logs)
        cat = {f: np.concatenate([getattr(lg, f) for lg in logs])
               for f in ("a", "b", "winner", "voter", "honest", "day")}
        if style:
            cat["style_a"] = np.concatenate([lg.style_a for lg in logs], axis=1)
            cat["style_b"] = np.concatenate([lg.style_b for lg in logs], axis=1)
        return ArenaLog(names=names, **cat)

    def subset(self, mask: np.ndarray) -> ArenaLog:
        """Return the votes where ``mask`` is true."""
        mask = np.asarray(mask)
        kw = {f: getattr(self, f)[mask] for f in ("a", "b", "winner", "voter", "honest", "day")}
        if self.has_style:
            kw["style_a"] = self.style_a[:, mask]
            kw["style_b"] = self.style_b[:, mask]
        return ArenaLog(names=self.names, **kw)

    def compact(self) -> ArenaLog:
        """Return the log restricted to the models that have votes in it (codes renumbered)."""
        used = np.zeros(len(self.names), dtype=bool)
        used[self.a] = used[self.b] = True
        if used.all():
            return self
        code = np.cumsum(used) - 1
        return ArenaLog(names=tuple(np.asarray(self.names)[used]), a=code[self.a],
                        b=code[self.b], winner=self.winner, voter=self.voter,
                        honest=self.honest, day=self.day, style_a=self.style_a,
                        style_b=self.style_b)

    def fit(self) -> pd.Series:
        """Plain Bradley–Terry board (ties as half wins), Arena scale."""
        from sealvalid.strategies.base import fit_codes

        return fit_codes(self.names, self.a, self.b, self.winner)

    def to_votes(self) -> pd.DataFrame:
        """Return the log as a canonical vote table (``voter_id``; ``style_*_a/b`` if present)."""
        from sealvalid.data.schema import STYLE_FEATURES, WINNER_LABELS

        cat = pd.CategoricalDtype(list(self.names))
        frame = {
            "model_a": pd.Categorical.from_codes(self.a, dtype=cat),
            "model_b": pd.Categorical.from_codes(self.b, dtype=cat),
            "winner": pd.Categorical.from_codes(self.winner.astype(np.int8),
                                                categories=list(WINNER_LABELS)),
            "voter_id": self.voter.astype(str),
        }
        if self.has_style:
            for k, f in enumerate(STYLE_FEATURES):
                frame[f"style_{f}_a"] = self.style_a[k]
                frame[f"style_{f}_b"] = self.style_b[k]
        return pd.DataFrame(frame)


# ---------------------------------------------------------------------------------- defenses
@dataclass(frozen=True, kw_only=True)
class Defense:
    """Base of all safeguards: parameters as frozen keyword-only fields, and hooks.

    Class attributes
    ----------------
    name : str
        Registry name (set by :func:`register`).
    setting : str
        ``"arena"`` (crowd-vote leaderboards) or ``"static"`` (fixed-holdout benchmarks).
    targets : tuple of str
        Registry names of the strategies the defense is designed against (documentation and
        the default attack × defense pairing; a defense applies to every strategy of its
        setting).
    """

    name: ClassVar[str] = "defense"
    setting: ClassVar[str] = "arena"
    targets: ClassVar[tuple[str, ...]] = ()

    def world(self, world):
        """Return the arena as the defense changes it (default: unchanged)."""
        return world

    def rules(self) -> Mapping[str, object]:
        """Return the rules the defense imposes (keys of :data:`RULES`; default: none)."""
        return {}

    def screen(self, log: ArenaLog) -> np.ndarray | None:
        """Return the mask of votes kept (``None``: keep all, the default)."""
        return None

    def rate(self, log: ArenaLog) -> pd.Series | None:
        """Return the board fitted the defense's way (``None``: plain Bradley–Terry)."""
        return None

    def holdout(self, world):
        """Return the static leaderboard's reporting mechanism (``None``: report as scored)."""
        return None

    def params(self) -> dict:
        """Return the parameters as a plain dict (recorded in results)."""
        return asdict(self)

    def _overrides(self, hook: str) -> bool:
        return getattr(type(self), hook) is not getattr(Defense, hook)


@dataclass(frozen=True)
class Published:
    """A board as published, with what the screens cost.

    Attributes
    ----------
    board : pandas.Series
        Board rating per model (Arena scale).
    kept : ndarray of bool
        Votes of the log that the board was fitted from.
    costs : dict
        ``honest_votes``, ``attack_votes``, ``honest_dropped``, ``attack_dropped`` (counts).
    """

    board: pd.Series
    kept: np.ndarray
    costs: dict = field(default_factory=dict)


class Safeguards:
    """A set of defenses acting together.

    Parameters
    ----------
    defenses : iterable of Defense
        Any number (none: an undefended arena). Their rules must not conflict and at most one
        may fit the board its own way.
    """

    def __init__(self, defenses=()) -> None:
        if isinstance(defenses, Defense):
            defenses = (defenses,)
        defenses = tuple(defenses)
        for d in defenses:
            if not isinstance(d, Defense):
                raise ValueError(f"safeguards must be Defense instances, got {d!r}; "
                                 f"registered: {sorted(DEFENSES)}")
        rules: dict[str, object] = {}
        source: dict[str, str] = {}
        for d in defenses:
            for key, value in d.rules().items():
                if key not in RULES:
                    raise ValueError(f"defense {d.name!r} sets unknown rule {key!r}; known "
                                     f"rules: {sorted(RULES)}")
                if key in rules and rules[key] != value:
                    raise ValueError(f"defenses {source[key]!r} and {d.name!r} set rule "
                                     f"{key!r} to {rules[key]!r} and {value!r}")
                rules[key], source[key] = value, d.name
        raters = [d.name for d in defenses if d._overrides("rate")]
        if len(raters) > 1:
            raise ValueError(f"defenses {raters} each fit the board their own way; combine at "
                             "most one of them")
        holders = [d.name for d in defenses if d._overrides("holdout")]
        if len(holders) > 1:
            raise ValueError(f"defenses {holders} each wrap the holdout; combine at most one")
        self.defenses = defenses
        self._rules = rules

    def __repr__(self) -> str:
        return f"Safeguards({', '.join(d.name for d in self.defenses) or 'none'})"

    def __bool__(self) -> bool:
        return bool(self.defenses)

    @property
    def names(self) -> tuple[str, ...]:
        """Registry names of the defenses."""
        return tuple(d.name for d in self.defenses)

    def rule(self, key: str):
        """Return a rule's value (its default from :data:`RULES` when no defense sets it)."""
        if key not in RULES:
            raise ValueError(f"unknown rule {key!r}; known rules: {sorted(RULES)}")
        return self._rules.get(key, RULES[key][0])

    def world(self, world):
        """Apply every defense's change to the world, in order."""
        for d in self.defenses:
            world = d.world(world)
        return world

    def holdout(self, world):
        """Return the static leaderboard's reporting mechanism, or ``None``."""
        for d in self.defenses:
            if d._overrides("holdout"):
                return d.holdout(world)
        return None

    def screen(self, log: ArenaLog) -> np.ndarray:
        """Mask of votes every screen keeps."""
        keep = np.ones(len(log), dtype=bool)
        for d in self.defenses:
            m = d.screen(log)
            if m is not None:
                m = np.asarray(m, dtype=bool)
                if m.shape != keep.shape:
                    raise ValueError(f"defense {d.name!r} returned a screen of shape "
                                     f"{m.shape} for {len(log)} votes")
                keep &= m
        return keep

    def publish(self, log: ArenaLog) -> Published:
        """Screen the log and fit the board as the defenses say.

        Models that lose every vote to the screens keep no rating and leave the board.
        """
        keep = self.screen(log)
        kept = (log if keep.all() else log.subset(keep)).compact()
        board = None
        for d in self.defenses:
            if d._overrides("rate"):
                board = d.rate(kept)
        if board is None:
            board = kept.fit()
        honest = log.honest
        costs = {"honest_votes": int(honest.sum()), "attack_votes": int((~honest).sum()),
                 "honest_dropped": int((honest & ~keep).sum()),
                 "attack_dropped": int((~honest & ~keep).sum())}
        return Published(board=board, kept=keep, costs=costs)
