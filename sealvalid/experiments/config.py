"""Experiment configuration: ``experiments/<name>/config.toml``.

A config declares a task (a registered function), fixed parameters, a sweep grid, the number of
replicates and a root seed::

    [experiment]
    name = "rating-recovery"
    task = "rating_recovery"
    seed = 20251001
    replicates = 200
    chunk = 25              # replicates per result file (the unit of resumption)

    [params]                # passed to every replicate
    n_votes = 5000

    [grid]                  # swept: the cartesian product of the lists
    n_models = [8, 16, 32]
    tie_rate = [0.0, 0.2]

The *config hash* is the SHA-256 of the canonical JSON of everything above except ``name``: two
configs that would produce the same numbers share a hash, and results land in
``results/<name>/<hash>/``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ExperimentConfig", "load_config"]


@dataclass(frozen=True, kw_only=True)
class ExperimentConfig:
    """A validated experiment configuration."""

    name: str
    task: str
    seed: int
    replicates: int = 1
    chunk: int = 25
    params: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    source: str | None = None  # path of the TOML file it came from

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"experiment.name must be a non-empty string, got {self.name!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"experiment.seed must be an integer >= 0, got {self.seed!r}")
        if not isinstance(self.replicates, int) or self.replicates < 1:
            raise ValueError(f"experiment.replicates must be an integer >= 1, got "
                             f"{self.replicates!r}")
        if not isinstance(self.chunk, int) or self.chunk < 1:
            raise ValueError(f"experiment.chunk must be an integer >= 1, got {self.chunk!r}")
        for key, values in self.grid.items():
            if not isinstance(values, list) or not values:
                raise ValueError(f"grid.{key} must be a non-empty list, got {values!r}")
        overlap = sorted(set(self.grid) & set(self.params))
        if overlap:
            raise ValueError(f"parameters {overlap} appear in both [params] and [grid]")
        from sealvalid.experiments.tasks import TASKS

        if self.task not in TASKS:
            raise ValueError(f"experiment.task {self.task!r} unknown; allowed: {sorted(TASKS)}")

    def identity(self) -> dict:
        """Return what determines the numbers (not the name or the file it came from)."""
        return {"task": self.task, "seed": self.seed, "replicates": self.replicates,
                "chunk": self.chunk, "params": self.params, "grid": self.grid}

    @property
    def hash(self) -> str:
        """First 12 hex digits of the SHA-256 of the canonical JSON identity."""
        blob = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def grid_points(self) -> list[dict]:
        """Return the sweep: one dict of swept values per grid point, in a fixed order."""
        keys = sorted(self.grid)
        return [dict(zip(keys, combo, strict=True))
                for combo in itertools.product(*(self.grid[k] for k in keys))] or [{}]


_EXPERIMENT_KEYS = {"name", "task", "seed", "replicates", "chunk"}


def load_config(path: str | Path) -> ExperimentConfig:
    """Read ``config.toml`` (or a folder holding one) into an :class:`ExperimentConfig`."""
    p = Path(path)
    if p.is_dir():
        p = p / "config.toml"
    if not p.is_file():
        raise FileNotFoundError(f"no experiment config at {p}")
    with p.open("rb") as fh:
        try:
            raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{p}: not valid TOML: {exc}") from exc
    unknown = sorted(set(raw) - {"experiment", "params", "grid"})
    if unknown:
        raise ValueError(f"{p}: unknown table(s) {unknown}; allowed: experiment, params, grid")
    exp = raw.get("experiment")
    if not isinstance(exp, dict):
        raise ValueError(f"{p}: missing [experiment] table with name, task, seed")
    bad = sorted(set(exp) - _EXPERIMENT_KEYS)
    if bad:
        raise ValueError(f"{p}: unknown [experiment] key(s) {bad}; allowed: "
                         f"{sorted(_EXPERIMENT_KEYS)}")
    missing = sorted({"name", "task", "seed"} - set(exp))
    if missing:
        raise ValueError(f"{p}: [experiment] lacks {missing}")
    return ExperimentConfig(**exp, params=raw.get("params", {}), grid=raw.get("grid", {}),
                            source=str(p))
