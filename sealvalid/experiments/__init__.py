"""Experiments: configured studies written to disk with a manifest.

* :mod:`sealvalid.experiments.config` — TOML configs and their hash;
* :mod:`sealvalid.experiments.runner` — resumable sweeps on local processes or Dask;
* :mod:`sealvalid.experiments.tasks`, :mod:`sealvalid.experiments.studies` — the registered
  tasks (rating recovery; strategies, attack × defense, segments, construct validity,
  fragility);
* :mod:`sealvalid.experiments.outputs` — tables (CSV/LaTeX/Markdown) and figures (PNG/SVG/PDF)
  with provenance;
* :mod:`sealvalid.experiments.demo` — the end-to-end demo.
"""

from sealvalid.experiments.config import ExperimentConfig, load_config
from sealvalid.experiments.runner import run_experiment

__all__ = ["ExperimentConfig", "load_config", "run_experiment"]
