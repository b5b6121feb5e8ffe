"""Run an experiment: grid x replicates, resumable, executor-independent.

Reproducibility
---------------
Replicate ``r`` of grid point ``g`` draws from ``SeedSequence(seed, spawn_key=(g, r))``: its
stream depends on nothing but the seed and its coordinates, so results do not depend on the order
of execution, the executor or the number of workers.

Resumption
----------
Replicates are grouped into *units* of ``chunk`` replicates of one grid point; each finished unit
is written atomically to ``parts/`` (temporary file, then rename). A run that is killed and
restarted skips the units already on disk and finishes with exactly the same results as an
uninterrupted run. The output folder is tied to the config hash: resuming into a folder made by
a different config is refused.
"""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sealvalid.experiments.config import ExperimentConfig, load_config
from sealvalid.experiments.outputs import atomic_write_bytes

__all__ = ["EXECUTORS", "run_experiment", "run_unit", "Unit", "replicate_rng"]

EXECUTORS = ("local", "serial", "dask")


@dataclass(frozen=True)
class Unit:
    """``chunk`` replicates of one grid point."""

    grid_point: int
    chunk_index: int
    replicates: tuple[int, ...]

    @property
    def filename(self) -> str:
        """File name of the unit's results under ``parts/``."""
        return f"g{self.grid_point:04d}_c{self.chunk_index:05d}.parquet"


def replicate_rng(seed: int, grid_point: int, replicate: int) -> np.random.Generator:
    """Return the random stream of one replicate (independent of execution order)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(grid_point, replicate)))


def units_of(config: ExperimentConfig) -> list[Unit]:
    """All units of a config, in canonical order."""
    out = []
    for g, _ in enumerate(config.grid_points()):
        reps = list(range(config.replicates))
        for c in range(0, len(reps), config.chunk):
            out.append(Unit(g, c // config.chunk, tuple(reps[c:c + config.chunk])))
    return out


def run_unit(identity: dict, unit: Unit, parts_dir: str) -> str:
    """Run one unit and write its rows atomically; returns the file name (idempotent)."""
    from sealvalid.experiments.tasks import TASKS

    target = Path(parts_dir) / unit.filename
    if target.exists():
        return unit.filename
    task = TASKS[identity["task"]]
    keys = sorted(identity["grid"])
    import itertools

    points = [dict(zip(keys, c, strict=True))
              for c in itertools.product(*(identity["grid"][k] for k in keys))] or [{}]
    point = points[unit.grid_point]
    frames = []
    for r in unit.replicates:
        rng = replicate_rng(identity["seed"], unit.grid_point, r)
        df = task({**identity["params"], **point}, rng)
        posterior = df.attrs.pop("posterior", None)
        if posterior is not None:  # a DataTree: written before the part, so a part implies it
            _write_posterior(posterior, Path(parts_dir).parent / "posteriors"
                             / f"g{unit.grid_point:04d}_r{r:05d}.nc")
        df.insert(0, "replicate", r)
        df.insert(0, "grid_point", unit.grid_point)
        for k in keys:
            v = point[k]  # a swept list (e.g. a set of judges) is recorded as "a+b"
            df[f"grid.{k}"] = ("+".join(map(str, v)) or "none") if isinstance(v, list) else v
        frames.append(df)
    table = pd.concat(frames, ignore_index=True)
    buf = io.BytesIO()
    table.to_parquet(buf, index=False)
    atomic_write_bytes(target, buf.getvalue())
    return unit.filename


def _write_posterior(tree, path: Path) -> None:
    """Write a posterior DataTree to netCDF atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tree.to_netcdf(tmp, engine="h5netcdf")
    os.replace(tmp, path)


def _git_sha() -> str | None:
    try:
        res = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout.strip() or None


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("sealvalid", "numpy", "scipy", "pandas", "pymc", "arviz", "dask", "distributed"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _execute(units, identity, parts_dir, executor, workers, scheduler, progress):
    from tqdm.auto import tqdm

    bar = tqdm(total=len(units), desc="units", disable=not progress)
    try:
        if executor == "serial" or not units:
            for u in units:
                run_unit(identity, u, str(parts_dir))
                bar.update()
        elif executor == "local":
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor, as_completed

            n = workers or min(len(units), os.cpu_count() or 1)
            with ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn")) as pool:
                futures = [pool.submit(run_unit, identity, u, str(parts_dir)) for u in units]
                for f in as_completed(futures):
                    f.result()
                    bar.update()
        else:  # dask
            try:
                from distributed import Client, LocalCluster, as_completed
            except ImportError as exc:  # pragma: no cover - the dask extra is installed in CI
                raise ValueError("--executor dask needs the 'dask' extra: "
                                 "pip install 'sealvalid[dask]'") from exc
            cluster = None
            if scheduler:
                client = Client(scheduler)
            else:
                cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1,
                                       processes=True, dashboard_address=None)
                client = Client(cluster)
            try:
                futures = client.map(run_unit, [identity] * len(units), units,
                                     [str(parts_dir)] * len(units), pure=False)
                for f in as_completed(futures):
                    f.result()
                    bar.update()
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    finally:
        bar.close()


def run_experiment(
    config: ExperimentConfig | str | Path,
    *,
    out: str | Path | None = None,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    summarize: bool = True,
) -> Path:
    """Run (or resume) an experiment and write its results.

    Parameters
    ----------
    config : ExperimentConfig or path
        The config, or ``experiments/<name>`` / its ``config.toml``.
    out : path, optional
        Output folder; default ``results/<name>/<config-hash>``.
    executor : {"local", "serial", "dask"}
        Local processes (default), in-process serial, or Dask (a local cluster, or the one at
        ``scheduler``).
    workers : int, optional
        Processes / Dask workers.
    progress : bool
        Show a progress bar.
    summarize : bool
        Write the task's tables and figures after the run.

    Returns
    -------
    pathlib.Path
        The output folder, holding ``results.parquet``, ``manifest.json``, ``parts/``,
        ``tables/`` and ``figures/``, and ``posteriors/`` (one netCDF DataTree per replicate)
        for tasks that return one.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor {executor!r} unknown; allowed: {list(EXECUTORS)}")
    if not isinstance(config, ExperimentConfig):
        config = load_config(config)
    out_dir = Path(out) if out is not None else Path("results") / config.name / config.hash
    parts_dir = out_dir / "parts"
    parts_dir.mkdir(parents=True, exist_ok=True)
    stamp = out_dir / "config.json"
    identity = config.identity()
    if stamp.exists():
        previous = json.loads(stamp.read_text())
        if previous.get("hash") != config.hash:
            raise ValueError(
                f"{out_dir} holds results of config {previous.get('hash')}, not {config.hash}; "
                "choose another --out or remove the folder"
            )
    else:
        atomic_write_bytes(stamp, json.dumps({"hash": config.hash, "name": config.name,
                                              **identity}, indent=2, default=str).encode())
    units = units_of(config)
    todo = [u for u in units if not (parts_dir / u.filename).exists()]
    t0 = time.perf_counter()
    _execute(todo, identity, parts_dir, executor, workers, scheduler, progress)
    elapsed = time.perf_counter() - t0
    frames = [pd.read_parquet(parts_dir / u.filename) for u in units]
    results = pd.concat(frames, ignore_index=True)
    buf = io.BytesIO()
    results.to_parquet(buf, index=False)
    atomic_write_bytes(out_dir / "results.parquet", buf.getvalue())
    meta = {"experiment": config.name, "config_hash": config.hash, "seed": config.seed,
            "sealvalid": _versions()["sealvalid"], **{k: v for k, v in config.params.items()
                                                      if k == "alpha"}}
    if summarize:
        from sealvalid.experiments.tasks import SUMMARIES

        if config.task in SUMMARIES:
            import matplotlib

            matplotlib.use("Agg")
            SUMMARIES[config.task](results, out_dir, meta)
    inputs = {}
    for value in {**config.params, **config.grid}.values():
        if isinstance(value, str) and Path(value).is_file():
            inputs[value] = _sha256(Path(value))  # input files named in the config
    manifest = {
        "experiment": config.name,
        "config": identity,
        "config_hash": config.hash,
        "config_file": config.source,
        "seed": config.seed,
        "n_units": len(units),
        "n_units_run_now": len(todo),
        "n_units_resumed": len(units) - len(todo),
        "executor": executor,
        "workers": workers,
        "timings_s": {"run": elapsed},
        "versions": _versions(),
        "python": platform.python_version(),
        "git_sha": _git_sha(),
        "inputs_sha256": inputs,
    }
    atomic_write_bytes(out_dir / "manifest.json",
                       json.dumps(manifest, indent=2, default=str).encode())
    return out_dir
