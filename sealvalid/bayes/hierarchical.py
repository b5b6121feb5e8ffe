"""Hierarchical Bradley–Terry: global strengths plus partially pooled segment deviations.

Model (natural scale; ratings are ``init_rating + scale / ln(base) * strength``)::

    sigma_theta ~ HalfNormal(priors.theta_sd)
    theta       ~ ZeroSumNormal(sigma_theta)                       over models
    sigma_d     ~ HalfNormal(priors.dev_sd)                        one per dimension d in ``by``
    dev_d       ~ ZeroSumNormal(sigma_d), zero sum over models AND levels  (models x levels of d)
    s[m, cell]  = theta[m] + sum_d dev_d[m, level_d(cell)]
    logit       = disc[voter] * (s[i] - s[j]) + position_coef * x_pos + x_style @ style_coef
    counts      ~ Davidson / Rao–Kupper (tie parameter kappa ~ Normal(priors.tie_mu,
                  priors.tie_sd)) or binomial (ties dropped / halved)
    log disc    ~ ZeroSumNormal(sigma_voter) over voters, sigma_voter ~ HalfNormal(priors.voter_sd)
    position_coef ~ Normal(0, priors.position_sd); style_coef ~ Normal(0, priors.style_sd)

The likelihood is over aggregated cells (:func:`sealvalid.bayes.cells.build_cells`), not votes.

Identification. Bradley–Terry identifies strength differences only, so ``theta`` sums to zero.
Each ``dev_d`` sums to zero over models (a segment shifts no overall level) *and* over levels
(so ``theta`` is the unweighted mean of the segment strengths). With the zero sum over models
alone, a deviation common to all levels trades off against ``theta`` and chains mix badly; with
both constraints no direction of the posterior is flat. Several dimensions (``by=["country",
"language"]``) add their deviations; a segment's rating in one dimension averages over the
others.

Centred or non-centred. Each pooled block (``theta``, every ``dev_d``, the voter effects) is
centred (``dev ~ ZSN(sigma)``) when the cells are informative about its entries, non-centred
(``dev = sigma * z``, ``z ~ ZSN(1)``) otherwise. The rule (:func:`choose_parametrization`): from
the global maximum-likelihood fit, each entry's Fisher information ``I`` (``sum n p (1 - p)``
over its cells) and a one-step estimate of the entry give a moment estimate ``s2`` of the block's
variance (``mean(estimate^2) - mean(1/I)``); the block is centred when ``median(I) * s2 >= 1``,
i.e. when a typical entry's likelihood is narrower than the population it is pooled toward.
The choice and its numbers are recorded in ``config["parametrization"]``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from sealvalid.bayes.base import ScaledModel
from sealvalid.bayes.cells import PairCells, build_cells, shrink_votes
from sealvalid.bayes.diagnostics import (
    ConvergenceReport,
    Gates,
    check_convergence,
    enforce_gates,
    mark_table,
    rhat_ess,
)
from sealvalid.bayes.likelihood import cell_loglik, outcome_probs
from sealvalid.bayes.sampling import (
    SamplerConfig,
    fast_limits,
    fast_mode,
    hdi,
    provenance,
    resolve_seed,
    sample_compiled,
)

__all__ = [
    "HierarchicalBT",
    "HierarchicalPriors",
    "BayesResult",
    "TABLE_COLUMNS",
    "PARAM_COLUMNS",
    "PARAMETRIZATIONS",
    "choose_parametrization",
    "load_result",
]

PARAMETRIZATIONS = ("auto", "centred", "non_centred")

#: one row per (dimension, segment, model); ``dimension == "overall"`` rows are the global board
TABLE_COLUMNS = [
    "dimension", "segment", "model", "rating", "rating_sd", "lower", "upper", "deviation",
    "deviation_lower", "deviation_upper", "rank", "rank_lower", "rank_upper", "n_votes",
    "r_hat", "ess_bulk", "converged", "status",
]
#: one row per scalar parameter (or vector entry)
PARAM_COLUMNS = ["parameter", "mean", "sd", "lower", "upper", "r_hat", "ess_bulk", "unit",
                 "converged", "status"]


@dataclass(frozen=True, kw_only=True)
class HierarchicalPriors:
    """Prior scales (natural scale: one unit is ``400 / ln 10 ~ 174`` Arena points).

    Parameters
    ----------
    theta_sd : float
        HalfNormal scale of ``sigma_theta``, the spread of global strengths.
    dev_sd : float
        HalfNormal scale of each ``sigma_d``, the spread of segment deviations.
    tie_mu, tie_sd : float
        Normal prior of the log tie parameter (Davidson ``log nu``; Rao–Kupper ``log h``).
    voter_sd : float
        HalfNormal scale of ``sigma_voter``, the spread of log discriminations.
    position_sd, style_sd : float
        Normal scales of the position and style coefficients.
    """

    theta_sd: float = 1.0
    dev_sd: float = 0.5
    tie_mu: float = -1.0
    tie_sd: float = 1.5
    voter_sd: float = 0.5
    position_sd: float = 1.0
    style_sd: float = 1.0

    def __post_init__(self) -> None:
        for name, v in asdict(self).items():
            if name != "tie_mu" and not v > 0:
                raise ValueError(f"prior scale {name} must be > 0, got {v}")


@dataclass(frozen=True)
class BayesResult:
    """A Bayesian fit: tidy tables plus the posterior.

    Attributes
    ----------
    table : pandas.DataFrame
        Main table (columns documented by the producing model).
    params : pandas.DataFrame
        Scalar parameters (:data:`PARAM_COLUMNS`).
    idata : xarray.DataTree
        ``posterior``, ``sample_stats``, ``observed_data`` (the cells); root ``attrs`` carry
        ``config``, ``seed``, ``sampler``, ``status`` and the convergence report.
    diagnostics : ConvergenceReport
        The convergence gates' outcome.
    extra : dict of str to DataFrame
        Further tables (``voters``, ``models``, ``ppc`` ...).
    """

    table: pd.DataFrame
    params: pd.DataFrame
    idata: object
    diagnostics: ConvergenceReport
    extra: dict = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        """Whether the fit passed the convergence gates."""
        return self.diagnostics.passed

    @property
    def status(self) -> str:
        """``"converged"`` or ``"NOT CONVERGED"``."""
        return self.diagnostics.status

    @property
    def config(self) -> dict:
        """The fit's configuration (estimator parameters, parametrization, fast-mode limits)."""
        return json.loads(self.idata.attrs["config"])

    @property
    def seed(self) -> int:
        """The sampler seed."""
        return int(self.idata.attrs["seed"])

    @property
    def sampler(self) -> str:
        """Sampler name and version."""
        return str(self.idata.attrs["sampler"])

    def to_netcdf(self, path) -> None:
        """Write the DataTree (posterior and provenance) to a netCDF file (h5netcdf)."""
        self.idata.to_netcdf(path, engine="h5netcdf")


def load_result(path):
    """Read a DataTree written by :meth:`BayesResult.to_netcdf` (config in ``attrs``)."""
    import xarray as xr

    tree = xr.open_datatree(path, engine="h5netcdf")
    return tree.load()


# --------------------------------------------------------------------------- parametrization
def _mle(cells: PairCells, ties: str) -> np.ndarray:
    from sealvalid.rating.solver import newton_bt

    w = cells.counts
    y = w[:, 0] + 0.5 * w[:, 2]
    n = w.sum(axis=1)
    res = newton_bt(cells.i, cells.j, y, n, cells.n_models, l2_theta=1e-2)
    return res.theta


def _block_rule(info: np.ndarray, score: np.ndarray) -> dict:
    ok = info > 1e-9
    if not ok.any():
        return {"form": "non_centred", "median_info": 0.0, "sigma_hat": float("nan"),
                "ratio": 0.0}
    est = score[ok] / info[ok]
    s2 = max(float(np.mean(est**2) - np.mean(1.0 / info[ok])), 0.0)
    med = float(np.median(info))  # zeros included: entries without data pull toward non-centred
    ratio = med * s2
    return {"form": "centred" if ratio >= 1.0 else "non_centred", "median_info": med,
            "sigma_hat": math.sqrt(s2), "ratio": ratio}


def choose_parametrization(cells: PairCells, ties: str = "half") -> dict:
    """Centred or non-centred form for each pooled block, from the cells' informativeness.

    Parameters
    ----------
    cells : PairCells
        The aggregated votes.
    ties : str
        Tie convention (only used to count ties as half wins in the pilot fit).

    Returns
    -------
    dict
        Block name (``theta``, ``dev_<dim>``, ``voter``) -> ``{"form", "median_info",
        "sigma_hat", "ratio"}`` (see the module docstring for the rule).
    """
    theta = _mle(cells, ties)
    d = theta[cells.i] - theta[cells.j]
    p = 1.0 / (1.0 + np.exp(-d))
    w = cells.counts
    n = w.sum(axis=1)
    r = w[:, 0] + 0.5 * w[:, 2] - n * p  # score residual oriented to i
    fi = n * p * (1 - p)
    k = cells.n_models
    out = {}
    info_m = np.bincount(cells.i, fi, minlength=k) + np.bincount(cells.j, fi, minlength=k)
    # global strengths: the pilot MLE itself, with its variance 1/I
    ok = info_m > 0
    s2 = max(float(np.var(theta[ok]) - np.mean(1.0 / info_m[ok])), 1e-12) if ok.any() else 0.0
    med = float(np.median(info_m))
    out["theta"] = {"form": "centred" if med * s2 >= 1 else "non_centred", "median_info": med,
                    "sigma_hat": math.sqrt(s2), "ratio": med * s2}
    for dd, dim in enumerate(cells.dims):
        lev = len(cells.levels[dd])
        s = cells.seg[:, dd]
        fi_idx, fj_idx = cells.i * lev + s, cells.j * lev + s
        info = (np.bincount(fi_idx, fi, minlength=k * lev)
                + np.bincount(fj_idx, fi, minlength=k * lev))
        score = (np.bincount(fi_idx, r, minlength=k * lev)
                 - np.bincount(fj_idx, r, minlength=k * lev))
        out[f"dev_{dim}"] = _block_rule(info, score)
    if cells.voter is not None:
        nv = len(cells.voters)
        info = np.bincount(cells.voter, fi * d**2, minlength=nv)
        score = np.bincount(cells.voter, r * d, minlength=nv)
        out["voter"] = _block_rule(info, score)
    return out


# --------------------------------------------------------------------------- the estimator
class HierarchicalBT(ScaledModel):
    """Hierarchical Bradley–Terry fitted by NUTS (nutpie) on aggregated cells.

    Parameters
    ----------
    by : str or sequence of str
        Segment dimensions (e.g. ``["country", "language"]``); empty for a plain Bayesian BT.
    ties : {"davidson", "rao_kupper", "drop", "half"}
        Tie model (``"half"`` is LMArena's convention, a quasi-likelihood).
    bothbad : {"tie", "drop"}
        ``tie_bothbad`` as a tie or dropped.
    voter_effects : bool
        Voter discrimination ``disc_v`` multiplying strength differences (needs ``voter_id``).
    position : bool
        First-position advantage (needs ``position``).
    style : bool or sequence of str
        Style covariates (needs the ``style_*`` columns).
    style_resolution : float or None
        Grid (standard deviations) the style covariates are rounded to so cells merge.
    parametrization : {"auto", "centred", "non_centred"} or dict
        Form of each pooled block; ``"auto"`` applies :func:`choose_parametrization`; a dict
        maps block names (``theta``, ``dev_<dim>``, ``voter``) to a form.
    missing : {"error", "drop", "level"}
        Votes with a missing segment value.
    priors : HierarchicalPriors
        Prior scales.
    sampler : SamplerConfig
        nutpie settings.
    gates : Gates
        Convergence gates.
    accept_unconverged : bool
        Keep a fit that fails the gates (outputs marked ``NOT CONVERGED``) instead of raising.
    fast : bool, optional
        Fast mode (default: ``SEALVALID_FAST``): fewer models, votes, levels and voters; never
        fewer draws.
    hdi_prob : float
        Probability of the reported highest-density intervals.
    scale, base, init_rating : float
        Arena scale.

    Attributes
    ----------
    result_ : BayesResult
        ``table`` (:data:`TABLE_COLUMNS`), ``params``, ``idata``, ``diagnostics``,
        ``extra["voters"]`` with voter effects.
    cells_ : PairCells
    parametrization_ : dict
    seed_ : int
    """

    def __init__(
        self,
        *,
        by: str | Sequence[str] = (),
        ties: str = "davidson",
        bothbad: str = "tie",
        voter_effects: bool = False,
        position: bool = False,
        style: bool | Sequence[str] = False,
        style_resolution: float | None = 0.25,
        parametrization: str | dict = "auto",
        missing: str = "error",
        priors: HierarchicalPriors | None = None,
        sampler: SamplerConfig | None = None,
        gates: Gates | None = None,
        accept_unconverged: bool = False,
        fast: bool | None = None,
        hdi_prob: float = 0.95,
        scale: float = 400.0,
        base: float = 10.0,
        init_rating: float = 1000.0,
    ) -> None:
        self.by = by
        self.ties = ties
        self.bothbad = bothbad
        self.voter_effects = voter_effects
        self.position = position
        self.style = style
        self.style_resolution = style_resolution
        self.parametrization = parametrization
        self.missing = missing
        self.priors = priors
        self.sampler = sampler
        self.gates = gates
        self.accept_unconverged = accept_unconverged
        self.fast = fast
        self.hdi_prob = hdi_prob
        self.scale = scale
        self.base = base
        self.init_rating = init_rating

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Return the constructor parameters as a JSON-friendly dict (see :meth:`from_config`)."""
        return {
            "by": list(self._by()), "ties": self.ties, "bothbad": self.bothbad,
            "voter_effects": self.voter_effects, "position": self.position,
            "style": self.style if isinstance(self.style, bool) else list(self.style),
            "style_resolution": self.style_resolution,
            "parametrization": self.parametrization, "missing": self.missing,
            "priors": asdict(self.priors or HierarchicalPriors()),
            "sampler": asdict(self.sampler or SamplerConfig()),
            "gates": asdict(self.gates or Gates()),
            "accept_unconverged": self.accept_unconverged, "fast": self.fast,
            "hdi_prob": self.hdi_prob, "scale": self.scale, "base": self.base,
            "init_rating": self.init_rating,
        }

    @classmethod
    def from_config(cls, config: dict) -> HierarchicalBT:
        """Rebuild an estimator from :meth:`get_config` (e.g. ``result.config["estimator"]``)."""
        c = dict(config)
        c["priors"] = HierarchicalPriors(**c["priors"])
        c["sampler"] = SamplerConfig(**c["sampler"])
        c["gates"] = Gates(**c["gates"])
        return cls(**c)

    def _check(self) -> None:
        from sealvalid.bayes.cells import TIE_MODELS

        if self.ties not in TIE_MODELS:
            raise ValueError(f"ties={self.ties!r} unknown; allowed: {list(TIE_MODELS)}")
        if isinstance(self.parametrization, str) and self.parametrization not in PARAMETRIZATIONS:
            raise ValueError(f"parametrization={self.parametrization!r} unknown; allowed: "
                             f"{list(PARAMETRIZATIONS)} or a dict of block -> form")
        if not 0 < self.hdi_prob < 1:
            raise ValueError(f"hdi_prob must be in (0, 1), got {self.hdi_prob}")
        by = self._by()
        if len(set(by)) != len(by):
            raise ValueError(f"by has repeated columns: {list(by)}")

    # ------------------------------------------------------------------ fit
    def fit(self, votes: pd.DataFrame, *, seed=None) -> HierarchicalBT:
        """Fit on a canonical vote table.

        Parameters
        ----------
        votes : pandas.DataFrame
            Canonical vote table (with the ``by``, ``voter_id``, ``position``, style columns
            the options need).
        seed : None, int or numpy.random.Generator
            Seed of the sampler (and of the fast-mode subsample); recorded in the result.

        Returns
        -------
        HierarchicalBT
            ``self``, with ``result_`` set.

        Raises
        ------
        ConvergenceError
            When the fit fails the gates and ``accept_unconverged`` is False.
        """
        self._check()
        sampler = self.sampler or SamplerConfig()
        gates = self.gates or Gates()
        sampler.check_reachable(gates)
        seed_ = resolve_seed(seed)
        fast = fast_mode() if self.fast is None else self.fast
        limits = fast_limits() if fast else {}
        if fast:
            votes = shrink_votes(votes, max_models=limits["max_models"],
                                 max_votes=limits["max_votes"], rng=seed_)
        cells = build_cells(
            votes, by=self._by(), ties=self.ties, bothbad=self.bothbad,
            voter=self.voter_effects, position=self.position, style=self.style,
            style_resolution=self.style_resolution, missing=self.missing,
            max_levels=limits.get("max_levels"), max_voters=limits.get("max_voters"),
        )
        for d, lev in zip(cells.dims, cells.levels, strict=True):
            if len(lev) < 2:
                raise ValueError(f"dimension {d!r} has {len(lev)} level(s) {list(lev)}; "
                                 "segment deviations need at least 2")
        if cells.n_models < 2:
            raise ValueError(f"need at least 2 models, got {cells.n_models}")
        if cells.voter is not None and len(cells.voters) < 2:
            raise ValueError("voter effects need at least 2 voters")
        param = self._forms(cells)
        key, data, build = _model_spec(cells, self.ties, param, self.priors or HierarchicalPriors())
        idata, timing = sample_compiled(build, key, data, sampler, seed_)
        self.cells_, self.parametrization_, self.seed_ = cells, param, seed_
        idata = self._derive(self._relabel(idata, cells), cells)
        stats = rhat_ess(idata["posterior"].to_dataset())
        report = check_convergence(idata, gates, stats=stats)
        enforce_gates(report, accept_unconverged=self.accept_unconverged)
        config = {"estimator": self.get_config(), "parametrization": param,
                  "fast_limits": limits, "cells": {"n_cells": cells.n_cells,
                                                   "n_votes": cells.n_votes,
                                                   "dropped": cells.info["dropped"]}}
        idata.attrs.update(provenance(model="hierarchical_bt", config=config, seed=seed_,
                                      sampler=sampler, timing=timing, report=report))
        _add_observed(idata, cells)
        table, params, extra = self._tables(idata, cells, report, stats)
        self.result_ = BayesResult(table=table, params=params, idata=idata,
                                   diagnostics=report, extra=extra)
        return self

    def _forms(self, cells: PairCells) -> dict:
        auto = choose_parametrization(cells, self.ties)
        if self.parametrization == "auto":
            return auto
        if isinstance(self.parametrization, str):
            return {k: {**v, "form": self.parametrization} for k, v in auto.items()}
        out = {k: dict(v) for k, v in auto.items()}
        for k, form in self.parametrization.items():
            if k not in out or form not in PARAMETRIZATIONS[1:]:
                raise ValueError(f"parametrization[{k!r}]={form!r}: blocks {sorted(out)}, "
                                 f"forms {list(PARAMETRIZATIONS[1:])}")
            out[k]["form"] = form
        return out

    def _relabel(self, idata, cells: PairCells):
        coords = {"model": cells.models.to_numpy(dtype=object).astype(str)}
        for d, lev in zip(cells.dims, cells.levels, strict=True):
            coords[d] = lev.to_numpy(dtype=object).astype(str)
        if cells.voters is not None:
            coords["voter"] = cells.voters.to_numpy(dtype=object).astype(str)
        if cells.x_names:
            style = [n for n in cells.x_names if n.startswith("style_")]
            if style:
                coords["feature"] = np.array([n[len("style_"):] for n in style], dtype=str)
        post = idata["posterior"].to_dataset()
        post = post.assign_coords({k: v for k, v in coords.items() if k in post.dims})
        idata["posterior"] = post
        return idata

    def _derive(self, idata, cells: PairCells):
        """Ratings on the Arena scale (posterior variables)."""
        post = idata["posterior"].to_dataset()
        f, init = self.factor, self.init_rating
        post["rating"] = init + f * post["theta"]
        for d in cells.dims:
            post[f"rating_{d}"] = init + f * (post["theta"] + post[f"dev_{d}"])
        idata["posterior"] = post
        return idata

    # ------------------------------------------------------------------ tables
    def _tables(self, idata, cells: PairCells, report: ConvergenceReport, stats):
        post = idata["posterior"].to_dataset()
        rh, es = stats
        f = self.factor
        rows = []
        models = cells.models.astype(str)

        def flat(da):
            return da.values.reshape(-1, *da.shape[2:])

        def block(dim_name, seg_name, rating_da, dev_da, n_votes, rh_da, es_da):
            r = flat(rating_da)
            lo, hi = hdi(r, self.hdi_prob)
            ranks = 1 + np.argsort(np.argsort(-r, axis=1, kind="stable"), axis=1)
            if dev_da is not None:
                dv = flat(dev_da) * f
                dlo, dhi = hdi(dv, self.hdi_prob)
                dmean = dv.mean(axis=0)
            else:
                dmean = dlo = dhi = np.full(r.shape[1], np.nan)
            for m, name in enumerate(models):
                rows.append({
                    "dimension": dim_name, "segment": seg_name, "model": name,
                    "rating": r[:, m].mean(), "rating_sd": r[:, m].std(ddof=1),
                    "lower": lo[m], "upper": hi[m], "deviation": dmean[m],
                    "deviation_lower": dlo[m], "deviation_upper": dhi[m],
                    "rank": float(np.median(ranks[:, m])),
                    "rank_lower": float(np.quantile(ranks[:, m], (1 - self.hdi_prob) / 2)),
                    "rank_upper": float(np.quantile(ranks[:, m], (1 + self.hdi_prob) / 2)),
                    "n_votes": int(n_votes[m]), "r_hat": float(rh_da.values[m]),
                    "ess_bulk": float(es_da.values[m]),
                })

        block("overall", "all", post["rating"], None, cells.votes_per_model(),
              rh["rating"], es["rating"])
        for dd, d in enumerate(cells.dims):
            nv = cells.votes_per_model_level(dd)
            for li, lev in enumerate(cells.levels[dd].astype(str)):
                sel = {d: lev}
                block(d, lev, post[f"rating_{d}"].sel(sel), post[f"dev_{d}"].sel(sel),
                      nv[:, li], rh[f"rating_{d}"].sel(sel), es[f"rating_{d}"].sel(sel))
        table = pd.DataFrame(rows)
        for c in ("dimension", "segment", "model"):
            table[c] = table[c].astype("str")
        table = mark_table(table, report)[TABLE_COLUMNS]

        prow = []

        def add(name, da, unit, rh_da, es_da, transform=None):
            x = flat(da)
            if transform is not None:
                x = transform(x)
            x = x.reshape(x.shape[0], -1)
            lo, hi = hdi(x, self.hdi_prob)
            labels = [name] if x.shape[1] == 1 else [
                f"{name}[{c}]" for c in np.asarray(da[da.dims[-1]].values).astype(str)]
            for k, lab in enumerate(labels):
                prow.append({"parameter": lab, "mean": x[:, k].mean(), "sd": x[:, k].std(ddof=1),
                             "lower": lo[k], "upper": hi[k],
                             "r_hat": float(np.ravel(rh_da.values)[k]),
                             "ess_bulk": float(np.ravel(es_da.values)[k]), "unit": unit})

        add("sigma_theta", post["sigma_theta"], "natural", rh["sigma_theta"], es["sigma_theta"])
        for d in cells.dims:
            add(f"sigma_{d}", post[f"sigma_{d}"], "natural", rh[f"sigma_{d}"], es[f"sigma_{d}"])
        if self.ties in ("davidson", "rao_kupper"):
            name = "tie_nu" if self.ties == "davidson" else "tie_h"
            add(name, post["tie_log"], "tie parameter", rh["tie_log"], es["tie_log"],
                transform=np.exp)
        if "position_coef" in post:
            add("position_coef", post["position_coef"], "natural", rh["position_coef"],
                es["position_coef"])
        if "style_coef" in post:
            add("style_coef", post["style_coef"], "natural per sd", rh["style_coef"],
                es["style_coef"])
        if "sigma_voter" in post:
            add("sigma_voter", post["sigma_voter"], "log discrimination", rh["sigma_voter"],
                es["sigma_voter"])
        params = mark_table(pd.DataFrame(prow), report)[PARAM_COLUMNS]
        params["parameter"] = params["parameter"].astype("str")
        params["unit"] = params["unit"].astype("str")
        extra = {}
        if cells.voter is not None:
            disc = np.exp(flat(post["log_disc"]))
            lo, hi = hdi(disc, self.hdi_prob)
            tot = cells.raw.sum(axis=1)
            nv = np.bincount(cells.voter, tot, minlength=len(cells.voters))
            extra["voters"] = mark_table(pd.DataFrame({
                "voter": pd.Series(cells.voters.astype(str), dtype="str"),
                "discrimination": disc.mean(axis=0), "lower": lo, "upper": hi,
                "n_votes": nv.astype(int)}), report)
        return table, params, extra

    # ------------------------------------------------------------------ checks
    def posterior_predictive(self, *, n_draws: int = 400, seed=None) -> pd.DataFrame:
        """Posterior predictive checks of the fitted model (see :mod:`sealvalid.bayes.ppc`)."""
        from sealvalid.bayes.ppc import ppc_cells

        res = self.result_
        probs = self.cell_probabilities(n_draws=n_draws, seed=seed)
        out = ppc_cells(self.cells_, probs, ties=self.ties, source="votes",
                        rng=np.random.default_rng(seed if seed is not None else self.seed_))
        return mark_table(out, res.diagnostics)

    def cell_probabilities(self, *, n_draws: int = 400, seed=None) -> np.ndarray:
        """Outcome probabilities of every cell under posterior draws, shape (draws, cells, 3)."""
        post = self.result_.idata["posterior"].to_dataset()
        cells = self.cells_
        rng = np.random.default_rng(seed if seed is not None else self.seed_)
        total = post.sizes["chain"] * post.sizes["draw"]
        pick = np.sort(rng.choice(total, size=min(n_draws, total), replace=False))

        def draws(name):
            v = post[name].values
            return v.reshape(total, *v.shape[2:])[pick]

        s_i = draws("theta")[:, cells.i]
        s_j = draws("theta")[:, cells.j]
        for dd, d in enumerate(cells.dims):
            dev = draws(f"dev_{d}")
            s_i = s_i + dev[:, cells.i, cells.seg[:, dd]]
            s_j = s_j + dev[:, cells.j, cells.seg[:, dd]]
        diff = s_i - s_j
        if cells.voter is not None:
            diff = diff * np.exp(draws("log_disc"))[:, cells.voter]
        if "position" in cells.x_names:
            diff = diff + draws("position_coef")[:, None] * cells.x[:, [0]].T
        if "style_coef" in post:
            k0 = 1 if "position" in cells.x_names else 0
            diff = diff + draws("style_coef") @ cells.x[:, k0:].T
        kappa = draws("tie_log")[:, None] if "tie_log" in post else None
        return outcome_probs(diff, self.ties, kappa)


# --------------------------------------------------------------------------- PyMC model
def _model_spec(cells: PairCells, ties: str, forms: dict, priors: HierarchicalPriors):
    """(cache key, data, builder) of the hierarchical model for these cells."""
    k = cells.n_models
    dims = cells.dims
    nlev = tuple(len(lev) for lev in cells.levels)
    has_pos = "position" in cells.x_names
    n_style = sum(n.startswith("style_") for n in cells.x_names)
    n_voters = 0 if cells.voters is None else len(cells.voters)
    form_key = tuple(sorted((b, v["form"]) for b, v in forms.items()))
    key = ("hierarchical_bt", k, dims, nlev, ties, has_pos, n_style, n_voters, form_key,
           tuple(sorted(asdict(priors).items())))
    w = cells.counts
    data = {"ci": cells.i.astype(np.int64), "cj": cells.j.astype(np.int64),
            "wi": w[:, 0].copy(), "wj": w[:, 1].copy(), "wt": w[:, 2].copy()}
    for dd, (d, lev) in enumerate(zip(dims, nlev, strict=True)):
        data[f"fi_{d}"] = (cells.i * lev + cells.seg[:, dd]).astype(np.int64)
        data[f"fj_{d}"] = (cells.j * lev + cells.seg[:, dd]).astype(np.int64)
    if n_voters:
        data["voter_idx"] = cells.voter.astype(np.int64)
    if has_pos:
        data["x_pos"] = cells.x[:, 0].copy()
    if n_style:
        data["x_style"] = np.ascontiguousarray(cells.x[:, int(has_pos):])

    def build():
        import pymc as pm
        import pytensor.tensor as pt

        coords = {"model": np.arange(k)}
        for d, lev in zip(dims, nlev, strict=True):
            coords[d] = np.arange(lev)
        if n_voters:
            coords["voter"] = np.arange(n_voters)
        if n_style:
            coords["feature"] = np.arange(n_style)
        with pm.Model(coords=coords) as model:
            D = {name: pm.Data(name, value) for name, value in data.items()}
            sigma_theta = pm.HalfNormal("sigma_theta", priors.theta_sd)
            theta = _zsn("theta", sigma_theta, ("model",), forms["theta"]["form"])
            s_i = theta[D["ci"]]
            s_j = theta[D["cj"]]
            for d in dims:
                sigma_d = pm.HalfNormal(f"sigma_{d}", priors.dev_sd)
                dev = _zsn(f"dev_{d}", sigma_d, ("model", d), forms[f"dev_{d}"]["form"])
                flat_dev = dev.ravel()
                s_i = s_i + flat_dev[D[f"fi_{d}"]]
                s_j = s_j + flat_dev[D[f"fj_{d}"]]
            diff = s_i - s_j
            if n_voters:
                sigma_v = pm.HalfNormal("sigma_voter", priors.voter_sd)
                log_disc = _zsn("log_disc", sigma_v, ("voter",), forms["voter"]["form"])
                diff = diff * pt.exp(log_disc)[D["voter_idx"]]
            if has_pos:
                beta = pm.Normal("position_coef", 0.0, priors.position_sd)
                diff = diff + beta * D["x_pos"]
            if n_style:
                gamma = pm.Normal("style_coef", 0.0, priors.style_sd, dims="feature")
                diff = diff + pt.dot(D["x_style"], gamma)
            kappa = None
            if ties in ("davidson", "rao_kupper"):
                kappa = pm.Normal("tie_log", priors.tie_mu, priors.tie_sd)
            pm.Potential("loglik", cell_loglik(diff, D["wi"], D["wj"], D["wt"], ties, kappa))
        return model

    return key, data, build


def _zsn(name: str, sigma, dims: tuple[str, ...], form: str):
    """Declare a zero-sum normal block, centred or non-centred (``name_z`` then scaled)."""
    import pymc as pm

    n_axes = len(dims)
    if form == "centred":
        return pm.ZeroSumNormal(name, sigma=sigma, dims=dims, n_zerosum_axes=n_axes)
    z = pm.ZeroSumNormal(f"{name}_z", sigma=1.0, dims=dims, n_zerosum_axes=n_axes)
    return pm.Deterministic(name, sigma * z, dims=dims)


def _add_observed(idata, cells: PairCells) -> None:
    """Attach the cells as the ``observed_data`` group."""
    import xarray as xr

    ds = xr.Dataset(
        {"counts": (("cell", "outcome"), cells.counts),
         "model_i": ("cell", cells.models.to_numpy(dtype=object).astype(str)[cells.i]),
         "model_j": ("cell", cells.models.to_numpy(dtype=object).astype(str)[cells.j])},
        coords={"cell": np.arange(cells.n_cells), "outcome": ["win_i", "win_j", "tie"]},
    )
    for dd, d in enumerate(cells.dims):
        ds[f"segment_{d}"] = ("cell", cells.levels[dd].to_numpy(dtype=object).astype(str)[
            cells.seg[:, dd]])
    if cells.voter is not None:
        ds["voter_id"] = ("cell", cells.voters.to_numpy(dtype=object).astype(str)[cells.voter])
    for k, name in enumerate(cells.x_names):
        ds[name] = ("cell", cells.x[:, k])
    idata["observed_data"] = xr.DataTree(ds)
