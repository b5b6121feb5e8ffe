"""Sampling with nutpie: settings, seeds, a cache of compiled models, provenance, fast mode.

Every model in :mod:`sealvalid.bayes` is a PyMC model whose data enter through ``pm.Data``
containers, compiled by ``nutpie.compile_pymc_model`` (numba backend) and sampled by
``nutpie.sample``. Compilation dominates small fits (seconds to tens of seconds), so compiled
models are cached per process, keyed by the model's structure and parameter shapes; a later fit
with the same structure swaps its data in with ``CompiledModel.with_data`` and samples at once.

Randomness: a fit takes ``seed`` (``None``, an int or a ``numpy.random.Generator``) and resolves
it once to the integer given to nutpie (:func:`resolve_seed`); that integer is recorded in the
result, and the same integer gives the same draws.

Fast mode (``SEALVALID_FAST=1``, for notebooks and CI) shrinks the data and the model
(:func:`fast_limits`), never the draws: the sampler settings are the same in both modes, and
:class:`SamplerConfig` refuses settings that cannot reach the ESS gate.
"""

from __future__ import annotations

import json
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass

import numpy as np

from sealvalid.bayes.diagnostics import Gates

__all__ = [
    "FAST_ENV",
    "SamplerConfig",
    "fast_mode",
    "fast_limits",
    "resolve_seed",
    "sample_compiled",
    "sampler_label",
    "hdi",
    "clear_compiled_cache",
    "provenance",
]

FAST_ENV = "SEALVALID_FAST"
_CACHE_SIZE = 12
_COMPILED: OrderedDict[Hashable, object] = OrderedDict()


def fast_mode() -> bool:
    """Tell whether fast mode is on (environment variable ``SEALVALID_FAST=1``)."""
    return os.environ.get(FAST_ENV, "") == "1"


def fast_limits() -> dict:
    """Return the data and model limits of fast mode (draws are never reduced).

    Returns
    -------
    dict
        ``max_models`` (the most-voted models kept), ``max_votes`` per vote set (a seeded
        random subset), ``max_levels`` per segment dimension (the largest levels kept, the rest
        pooled into ``"other"``), ``max_voters`` (the most active voters kept, the rest pooled).
    """
    return {"max_models": 10, "max_votes": 20_000, "max_levels": 4, "max_voters": 20}


@dataclass(frozen=True, kw_only=True)
class SamplerConfig:
    """nutpie NUTS settings.

    Parameters
    ----------
    chains : int
        Number of chains (>= 2: R-hat needs several).
    draws, tune : int
        Draws kept and warm-up iterations per chain.
    cores : int, optional
        Chains run in parallel (default: ``min(chains, os.cpu_count())``).
    target_accept : float
        Step-size adaptation target (0.5-0.999).
    maxdepth : int
        Largest tree depth.
    adaptation : {"diag", "draw_diag", "low_rank"}
        nutpie's mass-matrix adaptation.
    """

    chains: int = 4
    draws: int = 1000
    tune: int = 1000
    cores: int | None = None
    target_accept: float = 0.8
    maxdepth: int = 10
    adaptation: str = "diag"

    def __post_init__(self) -> None:
        if self.chains < 2:
            raise ValueError(f"chains must be >= 2 (R-hat needs several chains), got {self.chains}")
        if self.draws < 10 or self.tune < 10:
            raise ValueError(f"draws and tune must be >= 10, got {self.draws}, {self.tune}")
        if not 0.5 <= self.target_accept < 1.0:
            raise ValueError(f"target_accept must be in [0.5, 1), got {self.target_accept}")
        if self.adaptation not in ("diag", "draw_diag", "low_rank"):
            raise ValueError(f"adaptation {self.adaptation!r} unknown; allowed: "
                             "['diag', 'draw_diag', 'low_rank']")
        if self.cores is not None and self.cores < 1:
            raise ValueError(f"cores must be >= 1, got {self.cores}")

    def check_reachable(self, gates: Gates) -> None:
        """Raise ``ValueError`` when ``chains * draws`` cannot reach the ESS gate.

        Parameters
        ----------
        gates : Gates
            The gates the fit will be held to.
        """
        total = self.chains * self.draws
        if total < gates.min_ess_bulk:
            raise ValueError(
                f"chains x draws = {total} < the ESS gate {gates.min_ess_bulk:g}: such a fit "
                "can never pass; raise draws (fast mode never lowers them)"
            )

    def as_dict(self) -> dict:
        """Return the settings as a dictionary (cores resolved)."""
        d = asdict(self)
        d["cores"] = self.resolved_cores()
        return d

    def resolved_cores(self) -> int:
        """Cores used: ``cores`` or ``min(chains, os.cpu_count())``."""
        return self.cores or min(self.chains, os.cpu_count() or 1)


def resolve_seed(seed=None) -> int:
    """Resolve a seed to the integer given to nutpie.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        ``None`` draws fresh entropy; an int is used as is (>= 0); a Generator gives one draw.

    Returns
    -------
    int
        In ``[0, 2**63)``; record it to reproduce the draws.
    """
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        return int(seed) % 2**63
    raise ValueError(f"seed must be None, a non-negative int or a numpy Generator, got {seed!r}")


def sampler_label() -> str:
    """Name and version of the sampler, e.g. ``"nutpie 0.16.11 (NUTS)"``."""
    import nutpie

    return f"nutpie {nutpie.__version__} (NUTS)"


def clear_compiled_cache() -> None:
    """Forget the compiled models of this process."""
    _COMPILED.clear()


def sample_compiled(
    build: Callable[[], object],
    key: Hashable,
    data: dict[str, np.ndarray],
    config: SamplerConfig,
    seed: int,
) -> tuple[object, dict]:
    """Compile (or reuse) a PyMC model and sample it with nutpie.

    Parameters
    ----------
    build : callable
        Returns the ``pymc.Model``; its data must be ``pm.Data`` containers named as in
        ``data``.
    key : hashable
        Structure and parameter shapes of the model: fits with equal keys share one compiled
        model.
    data : dict of str to ndarray
        Values of the model's data containers for this fit.
    config : SamplerConfig
        Sampler settings.
    seed : int
        nutpie's seed.

    Returns
    -------
    idata : xarray.DataTree
        nutpie's output (``posterior``, ``sample_stats``; no warm-up groups).
    timing : dict
        ``compile_seconds`` (0 when cached), ``sampling_seconds``, ``compiled_from_cache``.
    """
    import nutpie

    t0 = time.perf_counter()
    cached = key in _COMPILED
    if cached:
        compiled = _COMPILED[key]
        _COMPILED.move_to_end(key)
    else:
        model = build()
        compiled = nutpie.compile_pymc_model(model)
        _COMPILED[key] = compiled
        while len(_COMPILED) > _CACHE_SIZE:
            _COMPILED.popitem(last=False)
    known = {var.name for var in getattr(compiled, "shared_var_keys", {})}
    compiled = compiled.with_data(**{k: v for k, v in data.items() if k in known})
    t1 = time.perf_counter()
    idata = nutpie.sample(
        compiled, draws=config.draws, tune=config.tune, chains=config.chains,
        cores=config.resolved_cores(), seed=seed, save_warmup=False, progress_bar=False,
        target_accept=config.target_accept, maxdepth=config.maxdepth,
        adaptation=config.adaptation,
    )
    t2 = time.perf_counter()
    return idata, {"compile_seconds": 0.0 if cached else t1 - t0,
                   "sampling_seconds": t2 - t1, "compiled_from_cache": cached}


def hdi(samples: np.ndarray, prob: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Highest-density interval of each column (draws along axis 0).

    Parameters
    ----------
    samples : ndarray, shape (n_draws, ...)
        Posterior draws.
    prob : float
        Probability mass of the interval.

    Returns
    -------
    lower, upper : ndarray
        Shape ``samples.shape[1:]``.
    """
    x = np.sort(np.asarray(samples, dtype=float), axis=0)
    n = x.shape[0]
    k = max(1, min(n - 1, int(np.floor(prob * n))))
    width = x[k:] - x[: n - k]
    lo = np.argmin(width, axis=0)
    lower = np.take_along_axis(x, lo[None, ...], axis=0)[0]
    upper = np.take_along_axis(x, (lo + k)[None, ...], axis=0)[0]
    return lower, upper


def provenance(*, model: str, config: dict, seed: int, sampler: SamplerConfig,
               timing: dict, report) -> dict:
    """Root attributes of a result's DataTree (netCDF-safe: str / int / float)."""
    import arviz
    import nutpie
    import pymc

    import sealvalid

    return {
        "sealvalid_model": model,
        "sealvalid_version": sealvalid.__version__,
        "config": json.dumps(config, default=str),
        "seed": int(seed),
        "sampler": sampler_label(),
        "sampler_settings": json.dumps(sampler.as_dict()),
        "chains": sampler.chains,
        "draws": sampler.draws,
        "tune": sampler.tune,
        "pymc_version": pymc.__version__,
        "nutpie_version": nutpie.__version__,
        "arviz_version": arviz.__version__,
        "compile_seconds": float(timing.get("compile_seconds", 0.0)),
        "sampling_seconds": float(timing.get("sampling_seconds", 0.0)),
        "compiled_from_cache": int(bool(timing.get("compiled_from_cache", False))),
        "converged": int(report.passed),
        "status": report.status,
        "convergence": json.dumps(report.as_dict()),
        "fast_mode": int(fast_mode()),
    }
