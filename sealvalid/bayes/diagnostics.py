"""Convergence gates checked on every Bayesian fit, and the "not converged" mark.

Every fit in :mod:`sealvalid.bayes` ends with :func:`check_convergence` on all posterior
variables (sampled and derived): the largest rank-normalised split R-hat (ArviZ's default: the
larger of the bulk and the folded R-hat) must be at most ``max_rhat``, the smallest bulk effective
sample size at least ``min_ess_bulk``, and the number of divergent transitions after warm-up at
most ``max_divergences``. A fit that fails raises :class:`ConvergenceError` naming the worst
quantities, unless the caller passed ``accept_unconverged=True``; then a
:class:`NotConvergedWarning` is emitted and every output (table column ``status``, DataTree
attributes, figure titles, CLI summary) carries :data:`NOT_CONVERGED`.

Entries whose draws are constant over all chains (a sum-to-zero axis of length one, say) have no
R-hat; they are skipped and counted in ``n_constant``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "NOT_CONVERGED",
    "CONVERGED",
    "Gates",
    "ConvergenceError",
    "NotConvergedWarning",
    "ConvergenceReport",
    "check_convergence",
    "enforce_gates",
    "status_label",
    "mark_table",
    "rhat_ess",
]

#: the mark every output of an accepted unconverged fit carries
NOT_CONVERGED = "NOT CONVERGED"
CONVERGED = "converged"


@dataclass(frozen=True, kw_only=True)
class Gates:
    """Convergence gates.

    Parameters
    ----------
    max_rhat : float
        Largest allowed rank-normalised split R-hat (bulk and folded), default 1.01.
    min_ess_bulk : float
        Smallest allowed bulk effective sample size, default 400.
    max_divergences : int
        Largest allowed number of divergent transitions after warm-up, default 0.
    """

    max_rhat: float = 1.01
    min_ess_bulk: float = 400.0
    max_divergences: int = 0

    def __post_init__(self) -> None:
        if not self.max_rhat >= 1.0:
            raise ValueError(f"max_rhat must be >= 1, got {self.max_rhat}")
        if not self.min_ess_bulk > 0:
            raise ValueError(f"min_ess_bulk must be > 0, got {self.min_ess_bulk}")
        if self.max_divergences < 0:
            raise ValueError(f"max_divergences must be >= 0, got {self.max_divergences}")


class ConvergenceError(RuntimeError):
    """A fit failed the convergence gates (and the caller did not accept that)."""

    def __init__(self, report: ConvergenceReport) -> None:
        self.report = report
        super().__init__(report.message())


class NotConvergedWarning(UserWarning):
    """An unconverged fit was accepted; its outputs are marked :data:`NOT_CONVERGED`."""


@dataclass(frozen=True)
class ConvergenceReport:
    """Outcome of the convergence gates on one fit.

    Attributes
    ----------
    passed : bool
        All gates met.
    max_rhat, worst_rhat : float, str
        Largest R-hat and the quantity it belongs to (``name[coord, ...]``).
    min_ess_bulk, worst_ess : float, str
        Smallest bulk ESS and its quantity.
    n_divergent : int
        Divergent transitions after warm-up.
    n_chains, n_draws : int
        Chains and draws per chain.
    n_checked, n_constant : int
        Scalar quantities checked; constant ones skipped.
    gates : Gates
        The thresholds applied.
    failures : tuple of str
        One sentence per failed gate.
    """

    passed: bool
    max_rhat: float
    worst_rhat: str
    min_ess_bulk: float
    worst_ess: str
    n_divergent: int
    n_chains: int
    n_draws: int
    n_checked: int
    n_constant: int
    gates: Gates = field(default_factory=Gates)
    failures: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """``"converged"`` or :data:`NOT_CONVERGED`."""
        return status_label(self.passed)

    def message(self) -> str:
        """One line: what failed, by how much, and how to proceed."""
        if self.passed:
            return (f"converged: max R-hat {self.max_rhat:.4f}, min bulk ESS "
                    f"{self.min_ess_bulk:.0f}, {self.n_divergent} divergences "
                    f"({self.n_chains} chains x {self.n_draws} draws)")
        return ("fit failed the convergence gates: " + "; ".join(self.failures)
                + f" ({self.n_chains} chains x {self.n_draws} draws). Sample longer "
                "(more draws/tune), reparametrise, or pass accept_unconverged=True "
                "(--accept-unconverged) to keep it marked 'NOT CONVERGED'")

    def as_dict(self) -> dict:
        """JSON-friendly dictionary."""
        d = asdict(self)
        d["gates"] = asdict(self.gates)
        d["failures"] = list(self.failures)
        d["status"] = self.status
        return d


def status_label(converged: bool) -> str:
    """``"converged"`` when True, else :data:`NOT_CONVERGED`."""
    return CONVERGED if converged else NOT_CONVERGED


def _label(name: str, da, flat_index: int) -> str:
    dims = [d for d in da.dims if d not in ("chain", "draw")]
    if not dims:
        return name
    idx = np.unravel_index(flat_index, [da.sizes[d] for d in dims])
    parts = [str(da[d].values[k]) if d in da.coords else str(k)
             for d, k in zip(dims, idx, strict=True)]
    return f"{name}[{', '.join(parts)}]"


def check_convergence(idata, gates: Gates | None = None, *,
                      var_names: list[str] | None = None, stats=None) -> ConvergenceReport:
    """Apply the convergence gates to a posterior.

    Parameters
    ----------
    idata : xarray.DataTree
        With ``posterior`` (chain, draw, ...) and ``sample_stats.diverging`` groups.
    gates : Gates, optional
        Thresholds (default :class:`Gates`).
    var_names : list of str, optional
        Posterior variables to check (default: all).
    stats : tuple of Dataset, optional
        Precomputed ``(rhat, ess_bulk)`` of the posterior (:func:`rhat_ess`).

    Returns
    -------
    ConvergenceReport
    """
    import arviz_stats as azs

    gates = gates or Gates()
    post = idata["posterior"].to_dataset()
    if var_names is not None:
        post = post[var_names]
    n_chains, n_draws = int(post.sizes["chain"]), int(post.sizes["draw"])
    varying = [v for v in post.data_vars if np.ptp(post[v].values) > 0]
    if stats is not None:
        rh, es = stats
        rh = rh if n_chains >= 2 else None
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            # entries constant over all draws give 0/0 (they are skipped below)
            rh = azs.rhat(post[varying]) if n_chains >= 2 and varying else None
            es = azs.ess(post[varying], method="bulk") if varying else None
    max_rhat, worst_rhat = -np.inf, ""
    min_ess, worst_ess = np.inf, ""
    n_checked = n_constant = 0
    for name in post.data_vars:
        x = post[name]
        values = x.values.reshape(n_chains * n_draws, -1)
        constant = np.ptp(values, axis=0) == 0
        n_constant += int(constant.sum())
        n_checked += int((~constant).sum())
        if constant.all() or name not in varying:
            continue
        e = np.asarray(es[name].values, dtype=float).ravel()
        e = np.where(constant, np.inf, e)
        k = int(np.nanargmin(e))
        if e[k] < min_ess:
            min_ess, worst_ess = float(e[k]), _label(name, x, k)
        if rh is not None:
            r = np.asarray(rh[name].values, dtype=float).ravel()
            r = np.where(constant, -np.inf, np.where(np.isnan(r), np.inf, r))
            k = int(np.argmax(r))
            if r[k] > max_rhat:
                max_rhat, worst_rhat = float(r[k]), _label(name, x, k)
    if n_chains < 2:
        max_rhat, worst_rhat = np.inf, "(a single chain has no R-hat)"
    div = 0
    if "sample_stats" in idata.children and "diverging" in idata["sample_stats"].data_vars:
        div = int(np.asarray(idata["sample_stats"]["diverging"].values).sum())
    failures = []
    if not max_rhat <= gates.max_rhat:
        failures.append(f"max R-hat {max_rhat:.4f} ({worst_rhat}) > {gates.max_rhat}")
    if not min_ess >= gates.min_ess_bulk:
        failures.append(f"min bulk ESS {min_ess:.0f} ({worst_ess}) < {gates.min_ess_bulk:g}")
    if div > gates.max_divergences:
        failures.append(f"{div} divergent transitions > {gates.max_divergences}")
    return ConvergenceReport(
        passed=not failures, max_rhat=float(max_rhat), worst_rhat=worst_rhat,
        min_ess_bulk=float(min_ess), worst_ess=worst_ess, n_divergent=div,
        n_chains=n_chains, n_draws=n_draws, n_checked=n_checked, n_constant=n_constant,
        gates=gates, failures=tuple(failures),
    )


def rhat_ess(post):
    """R-hat and bulk ESS of every posterior variable (0/0 of constant entries silenced: NaN)."""
    import arviz_stats as azs

    with np.errstate(divide="ignore", invalid="ignore"):
        return azs.rhat(post), azs.ess(post, method="bulk")


def enforce_gates(report: ConvergenceReport, *, accept_unconverged: bool) -> None:
    """Raise :class:`ConvergenceError` for a failed report unless the caller accepts it.

    An accepted failure emits :class:`NotConvergedWarning`; the caller marks the outputs.
    """
    if report.passed:
        return
    if not accept_unconverged:
        raise ConvergenceError(report)
    warnings.warn(f"{NOT_CONVERGED}: " + "; ".join(report.failures)
                  + " (accepted: outputs are marked)", NotConvergedWarning, stacklevel=3)


def mark_table(table: pd.DataFrame, report: ConvergenceReport) -> pd.DataFrame:
    """Add the ``converged`` (bool) and ``status`` columns and the report to ``attrs``."""
    out = table.copy()
    out["converged"] = report.passed
    out["status"] = pd.Series([report.status] * len(out), index=out.index, dtype="str")
    out.attrs["convergence"] = json.dumps(report.as_dict())
    return out
