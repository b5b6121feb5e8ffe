"""A model-name alias registry that joins leaderboards spelling the same model differently.

Sources name models two ways: a battle *key* (``gpt-4-0613``, ``claude-2.1``) and a *display*
name (``GPT-4-0613``, ``Claude 2.1``, ``ChatGPT-4o-latest (2024-08-08)``). The registry maps any
spelling to one canonical name in two steps:

1. :func:`normalize_name`: casefold, strip, and unify separators (whitespace, ``_``, brackets
   and repeated ``-`` all become one ``-``), so ``"Vicuna-13B"`` and ``"vicuna_13b"`` meet;
2. explicit aliases (``alias -> canonical``), followed transitively.

Canonical names are normalised keys (``gpt-4-1106-preview``). Explicit aliases come from the
hand-made package table ``aliases.csv`` (:data:`DEFAULT_ALIASES_PATH`: renamed keys, codenames,
other sources' spellings) and, with :meth:`AliasRegistry.from_sources`, from the key/display
pairs of tables that carry both. One alias mapping to two different canonicals is an
:class:`AliasConflictError` naming both.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from sealvalid.data.schema import VoteTableError

__all__ = [
    "ALIAS_COLUMNS",
    "DEFAULT_ALIASES_PATH",
    "AliasConflictError",
    "AliasRegistry",
    "normalize_name",
]

#: Columns of an alias table (``aliases.csv``): one alias and its canonical name per row.
ALIAS_COLUMNS: tuple[str, ...] = ("alias", "canonical")
#: The hand-made alias table shipped with the package.
DEFAULT_ALIASES_PATH = Path(__file__).with_name("aliases.csv")

_SEPARATORS = re.compile(r"[\s_()\[\]{}]+")
_DASHES = re.compile(r"-{2,}")


class AliasConflictError(VoteTableError):
    """One alias would map to two different canonical names; the message names both."""


def normalize_name(name: object) -> str:
    """Normalise a model name: casefold, strip, one ``-`` for any run of separators.

    Parameters
    ----------
    name : object
        A model name (converted with ``str``).

    Returns
    -------
    str
        The normalised name; whitespace, ``_``, brackets and repeated dashes become a single
        ``-``, and leading / trailing dashes are removed. Dots are kept (``llama-3.1``).

    Raises
    ------
    ValueError
        If the name is missing or normalises to the empty string.

    Examples
    --------
    >>> normalize_name("ChatGPT-4o-latest (2024-08-08)")
    'chatgpt-4o-latest-2024-08-08'
    >>> normalize_name(" Vicuna_13B ")
    'vicuna-13b'
    """
    if name is None or (isinstance(name, float) and name != name):
        raise ValueError("model name is missing; allowed: non-empty strings")
    s = _SEPARATORS.sub("-", str(name).strip().casefold())
    s = _DASHES.sub("-", s).strip("-")
    if not s:
        raise ValueError(f"model name {name!r} is empty after normalisation")
    return s


class AliasRegistry:
    """Map model-name spellings to canonical names.

    Build one with :meth:`default` (the package ``aliases.csv``), :meth:`from_csv`,
    :meth:`from_pairs` or :meth:`from_sources`, or start empty and :meth:`add`.

    Attributes
    ----------
    skipped_ : pandas.DataFrame
        Key/display pairs that :meth:`from_sources` did not register, with the reason
        (columns ``alias``, ``candidates``, ``reason``); empty for other constructors.

    Examples
    --------
    >>> reg = AliasRegistry()
    >>> _ = reg.add("GPT-4-Turbo", "gpt-4-1106-preview")
    >>> reg.canonical("gpt 4 turbo")
    'gpt-4-1106-preview'
    >>> reg.canonical("Claude-2.1")
    'claude-2.1'
    """

    def __init__(self) -> None:
        self._target: dict[str, str] = {}  # normalised alias -> normalised target
        self._origin: dict[str, str] = {}  # normalised alias -> where the alias came from
        self._known: set[str] = set()  # normalised names registered as models
        self.skipped_ = pd.DataFrame(columns=["alias", "candidates", "reason"])

    # ---------------------------------------------------------------- building

    def add(self, alias: str, canonical: str, *, origin: str = "add") -> AliasRegistry:
        """Declare ``alias`` another spelling of ``canonical``.

        Parameters
        ----------
        alias, canonical : str
            Model names, normalised with :func:`normalize_name`. If ``canonical`` is itself an
            alias, ``alias`` joins its canonical name.
        origin : str, default "add"
            Where the pair comes from, quoted in conflict messages.

        Returns
        -------
        AliasRegistry
            ``self``, so calls chain.

        Raises
        ------
        AliasConflictError
            If ``alias`` already maps to a different canonical name; the message names both
            canonicals and where the earlier mapping came from.
        """
        a = normalize_name(alias)
        target = self.canonical(canonical)
        self._known.add(target)
        if a == target:
            return self
        if a in self._target:
            current = self.canonical(a)
            if current != target:
                raise AliasConflictError(
                    f"alias {alias!r} (normalised {a!r}) already maps to {current!r} "
                    f"(from {self._origin[a]}); cannot also map it to {target!r} "
                    f"(from {origin}); allowed: one canonical name per alias"
                )
            return self
        self._target[a] = target
        self._origin[a] = origin
        return self

    def register(self, *names: str) -> AliasRegistry:
        """Declare model names known (canonical unless they are aliases); returns ``self``."""
        for name in names:
            self._known.add(normalize_name(name))
        return self

    def update(self, pairs: Iterable[tuple[str, str]] | Mapping[str, str], *,
               origin: str = "update") -> AliasRegistry:
        """Add many ``(alias, canonical)`` pairs (or a mapping); returns ``self``.

        Raises
        ------
        AliasConflictError
            As :meth:`add`.
        """
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        for alias, canonical in items:
            self.add(alias, canonical, origin=origin)
        return self

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]] | Mapping[str, str], *,
                   origin: str = "pairs") -> AliasRegistry:
        """Build a registry from ``(alias, canonical)`` pairs or an ``{alias: canonical}`` map.

        Raises
        ------
        AliasConflictError
            When two pairs give one alias different canonical names.
        """
        return cls().update(pairs, origin=origin)

    @classmethod
    def from_csv(cls, path: str | Path) -> AliasRegistry:
        """Read an alias table with columns :data:`ALIAS_COLUMNS` (``#`` lines are comments).

        Parameters
        ----------
        path : str or pathlib.Path
            A CSV file with header ``alias,canonical``.

        Returns
        -------
        AliasRegistry
            The registry of the file's pairs.

        Raises
        ------
        VoteTableError
            If the header is not ``alias,canonical`` or a row has an empty field.
        AliasConflictError
            If the file maps one alias to two canonical names (both rows are named).
        """
        return cls()._read_csv(Path(path))

    @classmethod
    def default(cls) -> AliasRegistry:
        """Build the registry of the hand-made package table (:data:`DEFAULT_ALIASES_PATH`)."""
        return cls.from_csv(DEFAULT_ALIASES_PATH)

    def _read_csv(self, path: Path) -> AliasRegistry:
        with open(path, newline="", encoding="utf-8") as fh:
            lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
        rows = list(csv.reader(lines))
        if not rows or [c.strip() for c in rows[0]] != list(ALIAS_COLUMNS):
            raise VoteTableError(
                f"{path.name}: header must be {list(ALIAS_COLUMNS)}, got {rows[0] if rows else []}"
            )
        for i, row in enumerate(rows[1:], start=2):
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise VoteTableError(
                    f"{path.name}: data row {i} is {row!r}; allowed: two non-empty fields "
                    f"{list(ALIAS_COLUMNS)}"
                )
            self.add(row[0], row[1], origin=f"{path.name} data row {i}")
        return self

    @classmethod
    def from_sources(cls, data_root: str | Path, *, include_default: bool = True) -> AliasRegistry:
        """Build a registry from the key/display-name pairs of tables that carry both.

        Reads, under ``data_root``: ``lmsys-leaderboard-tables/leaderboard_table_*.csv``
        (``key``, ``Model``), ``arena-elo-history/alltime.csv`` and
        ``arena-elo-history/key_to_model.csv``. Missing files are skipped.

        Every key is registered as a model. A display name becomes an alias of its key unless
        (a) it normalises to a key itself (``Gemma-2-27B-it`` shown for the codename
        ``late-june-chatbot`` stays ``gemma-2-27b-it``), (b) it is shown for keys with different
        canonical names (ambiguous), or (c) the hand-made table already maps it elsewhere (the
        hand-made table wins). Such pairs are listed in :attr:`skipped_`.

        Parameters
        ----------
        data_root : str or pathlib.Path
            The shared data folder.
        include_default : bool, default True
            Start from :meth:`default` (recommended: its renamed-key aliases settle most
            ambiguous display names).

        Returns
        -------
        AliasRegistry
            The registry, with :attr:`skipped_` filled.
        """
        root = Path(data_root)
        reg = cls.default() if include_default else cls()
        pairs: dict[str, dict[str, str]] = {}  # display -> {key: first origin}

        def take(path: Path, key_col: str = "key", name_col: str = "Model") -> None:
            if not path.is_file():
                return
            with open(path, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                if reader.fieldnames is None or not {key_col, name_col} <= set(reader.fieldnames):
                    return
                for row in reader:
                    key, name = (row[key_col] or "").strip(), (row[name_col] or "").strip()
                    if key and name:
                        reg.register(key)
                        pairs.setdefault(name, {}).setdefault(key, f"{path.name} key/Model")

        for path in sorted((root / "lmsys-leaderboard-tables").glob("leaderboard_table_*.csv")):
            take(path)
        take(root / "arena-elo-history" / "alltime.csv")
        take(root / "arena-elo-history" / "key_to_model.csv")

        keys = {normalize_name(k) for ks in pairs.values() for k in ks}
        skipped = []
        for name, by_key in pairs.items():
            d = normalize_name(name)
            targets = {reg.canonical(k) for k in by_key}
            if targets == {reg.canonical(d)}:
                continue  # already the same model
            if d in keys:
                skipped.append((name, sorted(targets), "display name is itself a key"))
            elif len(targets) > 1:
                skipped.append((name, sorted(targets), "shown for different models"))
            elif d in reg._target:
                skipped.append((name, sorted(targets),
                                f"hand-made alias maps it to {reg.canonical(d)!r}"))
            else:
                (target,) = targets
                key = next(k for k in by_key if reg.canonical(k) == target)
                reg.add(name, key, origin=by_key[key])
        reg.skipped_ = pd.DataFrame(skipped, columns=["alias", "candidates", "reason"])
        return reg

    # ---------------------------------------------------------------- lookup

    def canonical(self, name: str) -> str:
        """Return the canonical name of ``name`` (normalised, then explicit aliases followed).

        Parameters
        ----------
        name : str
            Any spelling.

        Returns
        -------
        str
            The canonical name; a name without an alias is returned normalised.
        """
        n = normalize_name(name)
        seen = {n}
        while n in self._target:
            n = self._target[n]
            if n in seen:  # pragma: no cover - add() never creates a cycle
                raise AliasConflictError(f"alias cycle through {sorted(seen)}")
            seen.add(n)
        return n

    def resolve(self, names: pd.Series | Iterable[str]) -> pd.Series:
        """Map many names to canonical names.

        Parameters
        ----------
        names : pandas.Series or iterable of str
            Model names (any dtype convertible to ``str``; missing values stay missing).

        Returns
        -------
        pandas.Series
            Canonical names (``str`` dtype) with the index of ``names`` when it is a Series.
        """
        s = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
        uniq = pd.unique(s.dropna())
        table = {u: self.canonical(u) for u in uniq}
        return s.map(table).astype("str").where(s.notna(), None).rename(s.name)

    def is_known(self, name: str) -> bool:
        """Tell whether ``name`` is a registered model or an alias of one."""
        n = normalize_name(name)
        return n in self._target or n in self._known

    def unresolved(self, names: Iterable[str]) -> list[str]:
        """List the names that are neither registered models nor aliases (sorted, unique).

        Parameters
        ----------
        names : iterable of str
            Model names, e.g. a board table's ``model`` column.

        Returns
        -------
        list of str
            The original spellings the registry knows nothing about.
        """
        return sorted({str(n) for n in pd.unique(pd.Series(list(names), dtype=object).dropna())
                       if not self.is_known(str(n))})

    @property
    def canonicals(self) -> frozenset[str]:
        """The canonical names of all registered models and aliases."""
        return frozenset(self.canonical(n) for n in self._known | set(self._target))

    def to_frame(self) -> pd.DataFrame:
        """Return the explicit aliases as a frame (``alias``, ``canonical``, ``origin``)."""
        rows = [(a, self.canonical(a), self._origin[a]) for a in sorted(self._target)]
        return pd.DataFrame(rows, columns=[*ALIAS_COLUMNS, "origin"])

    def __len__(self) -> int:
        return len(self._target)

    def __contains__(self, name: object) -> bool:
        try:
            return self.is_known(str(name))
        except ValueError:
            return False

    def __repr__(self) -> str:
        return (f"AliasRegistry({len(self._target)} aliases, "
                f"{len(self.canonicals)} canonical names)")
