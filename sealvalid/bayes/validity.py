"""Construct validity of crowd votes: a latent-variable (one-factor) model across measurements.

Each model ``m`` has a latent *quality* ``q[m]`` (standard normal across models) that drives the
independent judgments; the crowd's latent strength is correlated with it by ``rho``, the
**validity coefficient**. Every measurement has its own scale and noise:

=================  ===========================================================  ==============
measurement        latent column ``x_p`` (one value per model)                   its noise
=================  ===========================================================  ==============
crowd votes        strengths ``theta_crowd``: loadings ``s_c * (rho, sqrt(1 -     vote sampling:
                   rho^2))`` on (quality, crowd-specific factor)                 BT cells
crowd rating       the standardised published rating, same loadings              taken as exact
judge votes        strengths ``theta_k``: loading ``beta_k`` on quality plus the  vote sampling:
(experts, LLMs)    judge's own taste ``psi_k``                                   BT cells
benchmark scores   standardised scores: loading ``beta_k``, specific ``psi_k``   in ``psi_k``
=================  ===========================================================  ==============

so each model's row of latent columns is ``Normal(0, Sigma)`` with ``Sigma = L L^T + diag(0,
psi^2)``. Quality and the specific factors are integrated out analytically: the vote sets'
strengths are sampled directly (centred, zero-sum over models, tightly pinned by their cells) with
the factor model as their joint prior, the potential ``-tr(Sigma^-1 X^T X) / 2 - (K - 1)/2 log
|Sigma|`` of the zero-sum matrix ``X`` (models x measurements). This marginal form has no
latent factor scores, hence none of the funnels between factor scores, loadings and ``rho`` that
stalled the sampler in trials of the explicit form. Posterior draws of ``q`` come afterwards from
its Gaussian conditional given ``X`` (seeded).

Priors: ``(rho + 1) / 2 ~ Beta(2, 2)`` (the LKJ(2) marginal of one correlation, fading at
+-1 where the covariance turns singular); ``s_c, beta_k ~ HalfNormal``; ``psi_k ~ Gamma(2, 2 /
specific_sd)`` (zero-avoiding: factor analysis' Heywood cases); crowd segment deviations,
voter discrimination, position, style and Davidson / Rao–Kupper tie terms as in
:class:`~sealvalid.bayes.hierarchical.HierarchicalBT`; each vote set has its own tie and
position parameters. Benchmarks enter as complete columns: only models with every benchmark
score are kept. The model needs more models than measurements plus one (``K - 1 >
measurements``): with fewer, the zero-sum columns cannot have a full-rank covariance.

Identification. The sign of ``q`` is fixed by ``beta_k > 0`` (higher scores and more wins are
better); ``rho`` keeps its sign free. With two or more independent measurements the specific
terms ``psi_k`` are identified (the crowd and two judgments form a one-factor triad) and ``rho``
is disattenuated for every measurement's noise. With a single independent measurement ``psi`` is
not separable from quality and is fixed at 0: quality is then that judgment's latent strength and
``rho`` is disattenuated for the sampling noise of the vote sets but not for the judge's own
taste, hence a conservative (attenuated) value; the table's ``note`` says so.

Parametrization. The vote sets' strengths are centred (pinned by their cells); the crowd's
segment and voter blocks are centred or non-centred by the rule of
:func:`~sealvalid.bayes.hierarchical.choose_parametrization` (recorded in
``config["parametrization"]``).

Derived, per posterior draw (so each comes with a posterior and an interval):

``validity``
    ``rho`` (population correlation);
``validity_finite``
    correlation across the models at hand of the crowd's strength and ``q``;
``segment_validity``
    the same with the crowd strength of each segment level (``theta_crowd + dev_d[:, level]``):
    whether crowds in each demographic cell measure the same construct (measurement
    invariance);
``style_share``
    with style covariates, each model's style advantage ``a[m]`` (its mean style logit over its
    crowd votes) against the style-blind strength ``theta_crowd + a``:
    ``cov(a, theta_crowd + a) / var(theta_crowd + a)``, the share of the crowd signal that is
    style; ``validity_style_blind`` is ``corr(theta_crowd + a, q)``;
``measure_validity``
    each independent measurement's correlation with ``q``, ``beta / sqrt(beta^2 + psi^2)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from sealvalid.bayes.hierarchical import _zsn, choose_parametrization
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
from sealvalid.data.schema import VoteTableError

__all__ = [
    "ConstructValidity",
    "ValidityPriors",
    "ValidityResult",
    "VALIDITY_COLUMNS",
    "MODEL_COLUMNS",
    "benchmark_scores",
    "DEFAULT_SAMPLER",
]

#: default sampler: a high acceptance target and nutpie's low-rank mass matrix, since the factor
#: covariance nears singularity when the crowd and the judgments agree closely (diagonal
#: adaptation left divergences at rho ~ 0.99 on LLMFAO; low-rank removed them)
DEFAULT_SAMPLER = SamplerConfig(target_accept=0.95, adaptation="low_rank")

#: one row per reported quantity
VALIDITY_COLUMNS = [
    "quantity", "measure", "dimension", "segment", "mean", "sd", "lower", "upper", "p_gt_0",
    "n_models", "r_hat", "ess_bulk", "note", "sampler", "converged", "status",
]
#: one row per model
MODEL_COLUMNS = [
    "model", "crowd_rating", "crowd_lower", "crowd_upper", "quality", "quality_lower",
    "quality_upper", "crowd_rank", "quality_rank", "n_crowd_votes", "converged", "status",
]


@dataclass(frozen=True, kw_only=True)
class ValidityPriors:
    """Prior scales of the construct-validity model.

    Parameters
    ----------
    scale_sd : float
        HalfNormal scale of the crowd's strength spread ``s_c`` (natural units).
    loading_sd : float
        HalfNormal scale of each loading ``beta_k`` (natural units for vote sets, standard
        deviations for scores).
    specific_sd : float
        HalfNormal scale of each specific term ``psi_k``.
    intercept_sd : float
        Normal scale of score intercepts ``mu_k``.
    dev_sd, voter_sd, position_sd, style_sd, tie_mu, tie_sd : float
        As in :class:`~sealvalid.bayes.hierarchical.HierarchicalPriors`.
    """

    scale_sd: float = 1.0
    loading_sd: float = 1.0
    specific_sd: float = 0.5
    intercept_sd: float = 1.0
    dev_sd: float = 0.5
    voter_sd: float = 0.5
    position_sd: float = 1.0
    style_sd: float = 1.0
    tie_mu: float = -1.0
    tie_sd: float = 1.5

    def __post_init__(self) -> None:
        for name, v in asdict(self).items():
            if name != "tie_mu" and not v > 0:
                raise ValueError(f"prior scale {name} must be > 0, got {v}")


@dataclass(frozen=True)
class ValidityResult:
    """Construct-validity fit.

    Attributes
    ----------
    table : pandas.DataFrame
        :data:`VALIDITY_COLUMNS`, one row per quantity (validity overall and per segment, style
        share, loadings, noise scales ...).
    models : pandas.DataFrame
        :data:`MODEL_COLUMNS`.
    idata : xarray.DataTree
        Posterior with the derived quantities, ``observed_data``; root ``attrs`` with
        ``config``, ``seed``, ``sampler``, ``status``.
    diagnostics : ConvergenceReport
    ppc : pandas.DataFrame or None
        Posterior predictive checks (:data:`sealvalid.bayes.ppc.PPC_COLUMNS`).
    """

    table: pd.DataFrame
    models: pd.DataFrame
    idata: object
    diagnostics: ConvergenceReport
    ppc: pd.DataFrame | None = None
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
    def seed(self) -> int:
        """The sampler seed."""
        return int(self.idata.attrs["seed"])

    @property
    def sampler(self) -> str:
        """Sampler name and version."""
        return str(self.idata.attrs["sampler"])

    def validity(self, quantity: str = "validity") -> pd.Series:
        """Return the row of one quantity (default the overall validity coefficient)."""
        rows = self.table[self.table["quantity"] == quantity]
        if rows.empty:
            raise KeyError(f"no quantity {quantity!r}; have {sorted(set(self.table['quantity']))}")
        return rows.iloc[0]

    def to_netcdf(self, path) -> None:
        """Write the DataTree to netCDF (h5netcdf)."""
        self.idata.to_netcdf(path, engine="h5netcdf")


def benchmark_scores(board: pd.DataFrame, metric: str, *, date=None, board_name: str | None = None,
                     category: str = "overall", source: str | None = None) -> pd.Series:
    """One metric of a tidy leaderboard table at one date, as a Series by model.

    Parameters
    ----------
    board : pandas.DataFrame
        A table from :func:`sealvalid.data.boards.read_leaderboard` (columns ``source, board,
        category, model, date, metric, value``).
    metric : str
        Metric name (``rating``, ``mt_bench``, ``mmlu`` ...).
    date : date-like, optional
        Snapshot date; required when the metric has several dates.
    board_name, category, source : str, optional
        Further selection when the table holds several boards / categories / sources.

    Returns
    -------
    pandas.Series
        Values by model (float), named ``metric``; ``attrs`` record the selection.

    Raises
    ------
    ValueError
        When the selection is empty or ambiguous (the message lists what is available).
    """
    t = board[board["metric"] == metric]
    if t.empty:
        raise ValueError(f"metric {metric!r} not in the table; available: "
                         f"{sorted(set(board['metric']))}")
    t = t[t["category"] == category]
    if source is not None:
        t = t[t["source"] == source]
    if board_name is not None:
        t = t[t["board"] == board_name]
    if date is not None:
        when = pd.Timestamp(date)
        t = t[t["date"] == when]
    if t.empty:
        raise ValueError(f"metric {metric!r}: nothing for category={category!r}, date={date!r}, "
                         f"board={board_name!r}; dates available: "
                         f"{sorted({str(d.date()) for d in board['date'].dropna()})[:20]}")
    for col in ("date", "board", "source"):
        vals = t[col].dropna().unique()
        if len(vals) > 1:
            raise ValueError(f"metric {metric!r} has {len(vals)} values of {col!r} "
                             f"({[str(v) for v in vals[:8]]}); select one (date=, board_name=, "
                             "source=)")
    s = t.drop_duplicates("model").set_index("model")["value"].astype(float)
    s.index = pd.Index(s.index.astype(str), name="model")
    s.name = metric
    s.attrs = {"metric": metric, "date": str(t["date"].iloc[0]), "board": str(t["board"].iloc[0]),
               "source": str(t["source"].iloc[0])}
    return s


def _zscore(s: pd.Series) -> pd.Series:
    sd = float(s.std(ddof=1))
    if not sd > 0:
        raise ValueError(f"scores {s.name!r} are constant over the models; no correlation exists")
    return (s - s.mean()) / sd


def _vote_models(votes: pd.DataFrame) -> set[str]:
    return set(votes["model_a"].astype(str)) | set(votes["model_b"].astype(str))


def _has_position(votes: pd.DataFrame) -> bool:
    return "position" in votes.columns and votes["position"].notna().any()


@dataclass
class _Source:
    name: str
    kind: str  # "votes" | "score"
    cells: PairCells | None = None
    scores: pd.Series | None = None  # standardised, by model (index subset of the model index)
    raw_scores: pd.Series | None = None
    position: bool = False


class ConstructValidity(ScaledModel):
    """Bayesian construct-validity model of crowd votes (see the module docstring).

    Parameters
    ----------
    by : str or sequence of str
        Segment dimensions of the crowd votes (validity per segment).
    ties : {"davidson", "rao_kupper", "drop", "half"}
        Tie model of every vote set.
    bothbad : {"tie", "drop"}
        ``tie_bothbad`` handling.
    position : {"auto", True, False}
        Position bias per vote set; ``"auto"`` when the set has a ``position`` column.
    voter_effects : bool
        Crowd voter discrimination (needs ``voter_id``).
    style : bool or sequence of str
        Crowd style covariates and the style share of the crowd signal.
    style_resolution : float or None
        Rounding grid of style covariates (standard deviations).
    parametrization : {"auto", "centred", "non_centred"}
        Form of the crowd's segment and voter blocks (the factor terms are non-centred).
    missing : {"error", "drop", "level"}
        Crowd votes with a missing segment value.
    priors : ValidityPriors
    sampler : SamplerConfig
        Default :data:`DEFAULT_SAMPLER` (4 chains x 1000 draws, target_accept 0.95, low-rank
        mass matrix).
    gates : Gates
    accept_unconverged : bool
        Keep an unconverged fit (marked ``NOT CONVERGED``) instead of raising.
    fast : bool, optional
        Fast mode (default ``SEALVALID_FAST``): fewer models and votes, never fewer draws.
    min_models : int
        Fewest models in common between the crowd and the judgments.
    hdi_prob : float
        Probability of the reported intervals (highest density).
    ppc : bool
        Run posterior predictive checks after the fit.

    Attributes
    ----------
    result_ : ValidityResult
    models_ : pandas.Index
    sources_ : list
        The measurements used (crowd first).
    seed_ : int
    """

    def __init__(
        self,
        *,
        by: str | Sequence[str] = (),
        ties: str = "davidson",
        bothbad: str = "tie",
        position: str | bool = "auto",
        voter_effects: bool = False,
        style: bool | Sequence[str] = False,
        style_resolution: float | None = 0.25,
        parametrization: str = "auto",
        missing: str = "error",
        priors: ValidityPriors | None = None,
        sampler: SamplerConfig | None = None,
        gates: Gates | None = None,
        accept_unconverged: bool = False,
        fast: bool | None = None,
        min_models: int = 4,
        hdi_prob: float = 0.95,
        ppc: bool = True,
        scale: float = 400.0,
        base: float = 10.0,
        init_rating: float = 1000.0,
    ) -> None:
        self.by = by
        self.ties = ties
        self.bothbad = bothbad
        self.position = position
        self.voter_effects = voter_effects
        self.style = style
        self.style_resolution = style_resolution
        self.parametrization = parametrization
        self.missing = missing
        self.priors = priors
        self.sampler = sampler
        self.gates = gates
        self.accept_unconverged = accept_unconverged
        self.fast = fast
        self.min_models = min_models
        self.hdi_prob = hdi_prob
        self.ppc = ppc
        self.scale = scale
        self.base = base
        self.init_rating = init_rating

    def get_config(self) -> dict:
        """Return the constructor parameters (JSON-friendly)."""
        return {
            "by": list(self._by()), "ties": self.ties, "bothbad": self.bothbad,
            "position": self.position, "voter_effects": self.voter_effects,
            "style": self.style if isinstance(self.style, bool) else list(self.style),
            "style_resolution": self.style_resolution, "parametrization": self.parametrization,
            "missing": self.missing, "priors": asdict(self.priors or ValidityPriors()),
            "sampler": asdict(self.sampler or DEFAULT_SAMPLER),
            "gates": asdict(self.gates or Gates()), "accept_unconverged": self.accept_unconverged,
            "fast": self.fast, "min_models": self.min_models, "hdi_prob": self.hdi_prob,
            "ppc": self.ppc, "scale": self.scale, "base": self.base,
            "init_rating": self.init_rating,
        }

    # ------------------------------------------------------------------ inputs
    def _inputs(self, crowd, judges, benchmarks, seed: int, fast: bool):
        if judges is None:
            judges = {}
        elif not isinstance(judges, Mapping):
            named = {}
            for k, v in enumerate(judges):
                ids = v["voter_id"].dropna().unique() if "voter_id" in v.columns else []
                name = str(ids[0]) if len(ids) == 1 else f"judge{k + 1}"
                while name in named:
                    name += "'"
                named[name] = v
            judges = named
        benchmarks = dict(benchmarks or {})
        if not judges and not benchmarks:
            raise ValueError("construct validity needs at least one independent judgment: "
                             "judges= (vote tables) or benchmarks= (scores by model)")
        names = list(judges) + list(benchmarks)
        if len(set(names)) != len(names) or "crowd" in names:
            raise ValueError(f"measurement names must be distinct and not 'crowd': {names}")
        crowd_votes = isinstance(crowd, pd.DataFrame)
        if crowd_votes:
            if "model_a" not in crowd.columns:
                raise VoteTableError("crowd must be a vote table (model_a, model_b, winner) or a "
                                     "Series of published ratings by model")
            crowd_models = _vote_models(crowd)
        elif isinstance(crowd, pd.Series):
            crowd = crowd.dropna().astype(float)
            crowd.index = crowd.index.astype(str)
            crowd_models = set(crowd.index)
        else:
            raise ValueError("crowd must be a vote table (DataFrame) or a Series of ratings")
        indep_models: set[str] = set()
        for v in judges.values():
            indep_models |= _vote_models(v)
        clean_bench = {}
        for name, s in benchmarks.items():
            s = pd.Series(s).dropna().astype(float)
            s.index = s.index.astype(str)
            clean_bench[name] = s
            indep_models |= set(s.index)
        common = crowd_models & indep_models
        for sc in clean_bench.values():  # scores enter as complete columns
            common &= set(sc.index)
        if not crowd_votes:
            common &= crowd_models
        limits = fast_limits() if fast else {}
        rng = np.random.default_rng(seed)
        if crowd_votes:
            sub = crowd[crowd["model_a"].astype(str).isin(common)
                        & crowd["model_b"].astype(str).isin(common)]
            counts = pd.concat([sub["model_a"].astype(str), sub["model_b"].astype(str)])
            counts = counts.value_counts()
            common = {m for m in common if counts.get(m, 0) > 0}
        if fast and len(common) > limits["max_models"]:
            if crowd_votes:
                order = counts.reindex(sorted(common)).sort_values(ascending=False, kind="stable")
                common = set(order.index[: limits["max_models"]])
            else:
                common = set(sorted(common)[: limits["max_models"]])
        models = pd.Index(sorted(common), name="model")
        if len(models) < self.min_models:
            raise ValueError(
                f"only {len(models)} model(s) in common between the crowd and the independent "
                f"judgments ({sorted(models)[:10]}); at least {self.min_models} are needed for a "
                "correlation across models (check model names, or use an AliasRegistry)"
            )
        n_measures = 1 + len(judges) + len(clean_bench)
        if len(models) - 1 <= n_measures:
            raise ValueError(
                f"{len(models)} models for {n_measures} measurements (crowd + "
                f"{n_measures - 1} independent): the factor model needs more models than "
                f"measurements plus one (the zero-sum columns have {len(models) - 1} degrees of "
                "freedom); use fewer judges or benchmarks"
            )
        by = self._by()
        sources: list[_Source] = []
        if crowd_votes:
            cv = crowd
            if fast:
                cv = shrink_votes(cv, max_models=len(models), max_votes=limits["max_votes"],
                                  rng=rng, models=list(models))
            pos = _has_position(cv) if self.position == "auto" else bool(self.position)
            cells = build_cells(cv, by=by, ties=self.ties, bothbad=self.bothbad,
                                voter=self.voter_effects, position=pos, style=self.style,
                                style_resolution=self.style_resolution, models=list(models),
                                missing=self.missing, max_levels=limits.get("max_levels"),
                                max_voters=limits.get("max_voters"))
            for d, lev in zip(cells.dims, cells.levels, strict=True):
                if len(lev) < 2:
                    raise ValueError(f"crowd dimension {d!r} has {len(lev)} level(s); need >= 2")
            sources.append(_Source("crowd", "votes", cells=cells, position=pos))
        else:
            if by:
                raise ValueError("by= needs crowd votes; a published rating has no segments")
            z = _zscore(crowd.reindex(models))
            sources.append(_Source("crowd", "score", scores=z, raw_scores=crowd.reindex(models)))
        for name, v in judges.items():
            if fast:
                v = shrink_votes(v, max_models=len(models), max_votes=limits["max_votes"],
                                 rng=rng, models=[m for m in models if m in _vote_models(v)])
            pos = _has_position(v) if self.position == "auto" else bool(self.position)
            cells = build_cells(v, ties=self.ties, bothbad=self.bothbad, position=pos,
                                models=list(models))
            sources.append(_Source(name, "votes", cells=cells, position=pos))
        for name, s in clean_bench.items():
            s = s.reindex(models).dropna()
            if len(s) < 3:
                raise ValueError(f"benchmark {name!r} has only {len(s)} of the {len(models)} "
                                 "models; need >= 3")
            sources.append(_Source(name, "score", scores=_zscore(s), raw_scores=s))
        return models, sources, limits

    # ------------------------------------------------------------------ fit
    def fit(self, crowd, *, judges=None, benchmarks=None, seed=None) -> ConstructValidity:
        """Fit the model.

        Parameters
        ----------
        crowd : pandas.DataFrame or pandas.Series
            Crowd votes (canonical vote table), or published crowd ratings by model.
        judges : mapping of str to DataFrame, or sequence of DataFrame, optional
            Independent pairwise votes (experts, annotators, LLM judges), one table each.
        benchmarks : mapping of str to Series, optional
            Independent scores by model (higher is better).
        seed : None, int or numpy.random.Generator
            Sampler seed (recorded).

        Returns
        -------
        ConstructValidity
            ``self`` with ``result_``.

        Raises
        ------
        ConvergenceError
            When the fit fails the gates and ``accept_unconverged`` is False.
        """
        from sealvalid.bayes.cells import TIE_MODELS

        if self.ties not in TIE_MODELS:
            raise ValueError(f"ties={self.ties!r} unknown; allowed: {list(TIE_MODELS)}")
        sampler = self.sampler or DEFAULT_SAMPLER
        gates = self.gates or Gates()
        sampler.check_reachable(gates)
        seed_ = resolve_seed(seed)
        fast = fast_mode() if self.fast is None else self.fast
        models, sources, limits = self._inputs(crowd, judges, benchmarks, seed_, fast)
        crowd_src = sources[0]
        forms = {}
        if crowd_src.kind == "votes":
            forms = choose_parametrization(crowd_src.cells, self.ties)
            if self.parametrization != "auto":
                forms = {k: {**v, "form": self.parametrization} for k, v in forms.items()}
        priors = self.priors or ValidityPriors()
        key, data, build, layout = _validity_spec(models, sources, self.ties, forms, priors)
        idata, timing = sample_compiled(build, key, data, sampler, seed_)
        self.models_, self.sources_, self.seed_, self.forms_ = models, sources, seed_, forms
        self.layout_ = layout
        idata = self._relabel(idata)
        idata = self._derive(idata)
        stats = rhat_ess(idata["posterior"].to_dataset())
        report = check_convergence(idata, gates, stats=stats)
        enforce_gates(report, accept_unconverged=self.accept_unconverged)
        config = {
            "estimator": self.get_config(), "parametrization": forms, "fast_limits": limits,
            "identification": layout["identification"],
            "measurements": [
                {"name": s.name, "kind": s.kind,
                 "n_votes": None if s.cells is None else s.cells.n_votes,
                 "n_cells": None if s.cells is None else s.cells.n_cells,
                 "n_models": None if s.scores is None else len(s.scores),
                 "position": s.position} for s in sources],
            "models": list(models),
        }
        idata.attrs.update(provenance(model="construct_validity", config=config, seed=seed_,
                                      sampler=sampler, timing=timing, report=report))
        self._observed(idata)
        table, model_table = self._tables(idata, report, stats)
        ppc = None
        if self.ppc:
            ppc = mark_table(self.posterior_predictive(idata), report)
        self.result_ = ValidityResult(table=table, models=model_table, idata=idata,
                                      diagnostics=report, ppc=ppc)
        return self

    # ------------------------------------------------------------------ posterior handling
    def _relabel(self, idata):
        post = idata["posterior"].to_dataset()
        names = {}
        for p, s in enumerate(self.sources_[1:], start=1):
            for base in ("theta", "tie_log", "position"):
                if f"{base}_m{p}" in post:
                    names[f"{base}_m{p}"] = f"{base}_{s.name}"
        post = post.rename_vars(names)
        coords = {"model": np.asarray(self.models_, dtype=str)}
        crowd = self.sources_[0]
        if crowd.cells is not None:
            for d, lev in zip(crowd.cells.dims, crowd.cells.levels, strict=True):
                coords[d] = np.asarray(lev, dtype=str)
            if crowd.cells.voters is not None:
                coords["voter"] = np.asarray(crowd.cells.voters, dtype=str)
            style = [n[6:] for n in crowd.cells.x_names if n.startswith("style_")]
            if style:
                coords["feature"] = np.asarray(style, dtype=str)
        coords["measure"] = np.asarray([s.name for s in self.sources_[1:]], dtype=str)
        post = post.assign_coords({k: v for k, v in coords.items() if k in post.dims})
        idata["posterior"] = post
        return idata

    def _draws(self, post, name):
        v = post[name].values
        return v.reshape(v.shape[0] * v.shape[1], *v.shape[2:])

    def _columns(self, post) -> np.ndarray:
        """Stack the factor model's columns (centred): (draws, models, measurements)."""
        cols = []
        score_k = 0
        z = None
        for p, s in enumerate(self.sources_):
            label = "crowd" if p == 0 else s.name
            if s.kind == "score":
                if z is None:
                    z = np.column_stack([x.scores.reindex(self.models_).to_numpy(float)
                                         for x in self.sources_ if x.kind == "score"])
                    z = z - z.mean(axis=0, keepdims=True)
                cols.append(None)
                score_k += 1
                continue
            th = self._draws(post, f"theta_{label}")
            cols.append(th - th.mean(axis=1, keepdims=True))
        n = next(c.shape[0] for c in cols if c is not None) if any(
            c is not None for c in cols) else post.sizes["chain"] * post.sizes["draw"]
        out, score_k = [], 0
        for c in cols:
            if c is None:
                out.append(np.broadcast_to(z[:, score_k], (n, z.shape[0])))
                score_k += 1
            else:
                out.append(c)
        return np.stack(out, axis=2)

    def _quality_draws(self, post) -> np.ndarray:
        """Draws of quality ``q`` (draws, models) from its conditional given the columns."""
        rho = self._draws(post, "rho")
        s_c = self._draws(post, "crowd_scale")
        beta = self._draws(post, "loading")
        n_ind = beta.shape[1]
        psi2 = (self._draws(post, "specific") ** 2 if "specific" in post
                else np.zeros_like(beta))
        lam_q = np.column_stack([s_c * rho, beta])
        lam_e = np.column_stack([s_c * np.sqrt(1 - rho**2), np.zeros((len(rho), n_ind))])
        sigma = (lam_q[:, :, None] * lam_q[:, None, :] + lam_e[:, :, None] * lam_e[:, None, :])
        idx = np.arange(1, n_ind + 1)
        sigma[:, idx, idx] += psi2
        x = self._columns(post)  # (S, K, P)
        w = np.linalg.solve(sigma, lam_q[:, :, None])[:, :, 0]  # Sigma^-1 lam_q, (S, P)
        mean = np.einsum("skp,sp->sk", x, w)
        var = np.clip(1.0 - (lam_q * w).sum(axis=1), 0.0, None)
        rng = np.random.default_rng(self.seed_)
        return mean + np.sqrt(var)[:, None] * rng.standard_normal(mean.shape)

    def _derive(self, idata):
        import xarray as xr

        post = idata["posterior"].to_dataset()
        nc, nd = post.sizes["chain"], post.sizes["draw"]
        q = self._quality_draws(post)
        crowd = self.sources_[0]
        new = {}

        def corr(a, b):
            a = a - a.mean(axis=1, keepdims=True)
            b = b - b.mean(axis=1, keepdims=True)
            return (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))

        def shaped(x, dims=()):
            return (("chain", "draw") + dims, x.reshape(nc, nd, *x.shape[1:]))

        new["q"] = shaped(q, ("model",))
        new["validity"] = shaped(self._draws(post, "rho"))
        th = self._columns(post)[:, :, 0]
        if crowd.kind == "votes":
            new["crowd_rating"] = shaped(self.init_rating + self.factor * th, ("model",))
        new["validity_finite"] = shaped(corr(th, q))
        if crowd.kind == "votes":
            cells = crowd.cells
            for d in cells.dims:
                dev = self._draws(post, f"dev_{d}")  # (S, K, L)
                seg = np.stack([corr(th + dev[:, :, li], q) for li in range(dev.shape[2])],
                               axis=1)
                new[f"segment_validity_{d}"] = shaped(seg, (d,))
            if "style_coef" in post:
                a = self._style_advantage(self._draws(post, "style_coef"), cells)
                total = th + a
                tc = total - total.mean(axis=1, keepdims=True)
                ac = a - a.mean(axis=1, keepdims=True)
                new["style_share"] = shaped((ac * tc).sum(axis=1) / (tc * tc).sum(axis=1))
                new["validity_style_blind"] = shaped(corr(total, q))
        beta = self._draws(post, "loading")
        psi = self._draws(post, "specific") if "specific" in post else np.zeros_like(beta)
        new["measure_validity"] = shaped(beta / np.sqrt(beta**2 + psi**2), ("measure",))
        for name, (dims, x) in new.items():
            post[name] = xr.DataArray(x, dims=dims)
        idata["posterior"] = post
        return idata

    def _style_advantage(self, gamma: np.ndarray, cells: PairCells) -> np.ndarray:
        """Mean style logit of each model over its crowd votes, per draw (S, K)."""
        k0 = 1 if "position" in cells.x_names else 0
        xs = cells.x[:, k0:]
        n = cells.raw.sum(axis=1)
        k = cells.n_models
        # per model: sum over its cells of n * (+x for i, -x for j), then / votes
        agg = np.zeros((k, xs.shape[1]))
        np.add.at(agg, cells.i, n[:, None] * xs)
        np.add.at(agg, cells.j, -n[:, None] * xs)
        nm = np.bincount(cells.i, n, minlength=k) + np.bincount(cells.j, n, minlength=k)
        return gamma @ (agg / np.clip(nm, 1, None)[:, None]).T

    # ------------------------------------------------------------------ tables
    def _tables(self, idata, report: ConvergenceReport, stats):
        post = idata["posterior"].to_dataset()
        rh, es = stats
        sampler = str(idata.attrs["sampler"])
        ident = self.layout_["identification"]
        k = len(self.models_)
        rows = []

        def add(quantity, name, measure="crowd", dimension="overall", segment="all", sel=None,
                note="", transform=None):
            da = post[name] if sel is None else post[name].sel(sel)
            x = self._draws(da.to_dataset(name="v"), "v")
            if transform is not None:
                x = transform(x)
            lo, hi = hdi(x, self.hdi_prob)
            r = rh[name] if sel is None else rh[name].sel(sel)
            e = es[name] if sel is None else es[name].sel(sel)
            rows.append({"quantity": quantity, "measure": measure, "dimension": dimension,
                         "segment": segment, "mean": float(x.mean()), "sd": float(x.std(ddof=1)),
                         "lower": float(lo), "upper": float(hi), "p_gt_0": float((x > 0).mean()),
                         "n_models": k, "r_hat": float(r.values), "ess_bulk": float(e.values),
                         "note": note})

        add("validity", "validity", note=ident["note"])
        add("validity_finite", "validity_finite",
            note="correlation across the models at hand of crowd strength and quality")
        crowd = self.sources_[0]
        if crowd.kind == "votes":
            for d, lev in zip(crowd.cells.dims, crowd.cells.levels, strict=True):
                nv = crowd.cells.votes_per_model_level(crowd.cells.dims.index(d)).sum(axis=0)
                for li, name in enumerate(np.asarray(lev, dtype=str)):
                    add("segment_validity", f"segment_validity_{d}", dimension=d,
                        segment=name, sel={d: name},
                        note=f"crowd strength of this level vs quality ({int(nv[li] / 2)} votes)")
            if "style_share" in post:
                add("style_share", "style_share",
                    note="share of the crowd's between-model variance that is style")
                add("validity_style_blind", "validity_style_blind",
                    note="validity of the crowd strength without style control")
            add("crowd_scale", "crowd_scale", note="sd of crowd strengths, natural units")
            if "tie_log_crowd" in post:
                add("tie_param", "tie_log_crowd", transform=np.exp,
                    note=f"{self.ties} tie parameter")
            if "position_crowd" in post:
                add("position_coef", "position_crowd", note="first-position logit advantage")
            if "style_coef" in post:
                for f in np.asarray(post["style_coef"]["feature"].values, dtype=str):
                    add("style_coef", "style_coef", segment=f, sel={"feature": f},
                        note="logit per sd of the normalised style difference")
            for d in crowd.cells.dims:
                add("segment_sd", f"sigma_{d}", dimension=d, note="sd of segment deviations")
        for s in self.sources_[1:]:
            sel = {"measure": s.name}
            add("measure_validity", "measure_validity", measure=s.name, sel=sel,
                note="correlation of this measurement's latent with quality")
            add("loading", "loading", measure=s.name, sel=sel)
            if "specific" in post:
                add("specific_sd", "specific", measure=s.name, sel=sel,
                    note="measurement-specific spread (own taste / noise)")
            if f"tie_log_{s.name}" in post:
                add("tie_param", f"tie_log_{s.name}", measure=s.name, transform=np.exp)
            if f"position_{s.name}" in post:
                add("position_coef", f"position_{s.name}", measure=s.name)
        table = pd.DataFrame(rows)
        table["sampler"] = sampler
        for c in ("quantity", "measure", "dimension", "segment", "note", "sampler"):
            table[c] = table[c].astype("str")
        table = mark_table(table, report)[VALIDITY_COLUMNS]

        q = self._draws(post, "q")
        qlo, qhi = hdi(q, self.hdi_prob)
        qrank = 1 + np.argsort(np.argsort(-q, axis=1, kind="stable"), axis=1)
        mt = pd.DataFrame({"model": pd.Series(np.asarray(self.models_, dtype=str), dtype="str"),
                           "quality": q.mean(axis=0), "quality_lower": qlo,
                           "quality_upper": qhi, "quality_rank": np.median(qrank, axis=0)})
        if crowd.kind == "votes":
            c = self._draws(post, "crowd_rating")
            clo, chi = hdi(c, self.hdi_prob)
            crank = 1 + np.argsort(np.argsort(-c, axis=1, kind="stable"), axis=1)
            mt["crowd_rating"] = c.mean(axis=0)
            mt["crowd_lower"], mt["crowd_upper"] = clo, chi
            mt["crowd_rank"] = np.median(crank, axis=0)
            mt["n_crowd_votes"] = crowd.cells.votes_per_model().astype(int)
        else:
            raw = crowd.raw_scores.to_numpy()
            mt["crowd_rating"] = raw
            mt["crowd_lower"] = mt["crowd_upper"] = raw
            mt["crowd_rank"] = pd.Series(raw).rank(ascending=False, method="min").to_numpy()
            mt["n_crowd_votes"] = 0
        mt = mark_table(mt, report)[MODEL_COLUMNS]
        return table, mt

    def _observed(self, idata) -> None:
        import xarray as xr

        from sealvalid.bayes.hierarchical import _add_observed

        groups = {}
        for s in self.sources_:
            if s.cells is not None:
                tmp = xr.DataTree()
                _add_observed(tmp, s.cells)
                ds = tmp["observed_data"].to_dataset()
                ds = ds.rename({v: f"{s.name}__{v}" for v in ds.data_vars})
                ds = ds.rename_dims({"cell": f"{s.name}__cell"}).drop_vars("cell")
                groups.update(ds.data_vars)
                groups.update({k: v for k, v in ds.coords.items() if k == "outcome"})
            else:
                groups[f"{s.name}__score"] = xr.DataArray(
                    s.raw_scores.to_numpy(), dims=(f"{s.name}__model",),
                    coords={f"{s.name}__model": np.asarray(s.raw_scores.index, dtype=str)})
        idata["observed_data"] = xr.DataTree(xr.Dataset(groups))

    # ------------------------------------------------------------------ checks
    def posterior_predictive(self, idata=None, *, n_draws: int = 300) -> pd.DataFrame:
        """Posterior predictive checks of every measurement (vote cells and scores)."""
        from sealvalid.bayes.ppc import PPC_COLUMNS, ppc_cells, ppc_scores

        idata = idata if idata is not None else self.result_.idata
        post = idata["posterior"].to_dataset()
        rng = np.random.default_rng(self.seed_)
        total = post.sizes["chain"] * post.sizes["draw"]
        pick = np.sort(rng.choice(total, size=min(n_draws, total), replace=False))

        def dr(name):
            return self._draws(post, name)[pick]

        frames = []
        q = dr("q")
        for p, s in enumerate(self.sources_):
            label = "crowd" if p == 0 else s.name
            if s.kind == "votes":
                cells = s.cells
                th = dr(f"theta_{label}")
                si, sj = th[:, cells.i], th[:, cells.j]
                if p == 0:
                    for dd, d in enumerate(cells.dims):
                        dev = dr(f"dev_{d}")
                        si = si + dev[:, cells.i, cells.seg[:, dd]]
                        sj = sj + dev[:, cells.j, cells.seg[:, dd]]
                diff = si - sj
                if p == 0 and cells.voter is not None:
                    diff = diff * np.exp(dr("log_disc"))[:, cells.voter]
                if f"position_{label}" in post:
                    diff = diff + dr(f"position_{label}")[:, None] * cells.x[:, [0]].T
                if p == 0 and "style_coef" in post:
                    k0 = 1 if "position" in cells.x_names else 0
                    diff = diff + dr("style_coef") @ cells.x[:, k0:].T
                kappa = dr(f"tie_log_{label}")[:, None] if f"tie_log_{label}" in post else None
                probs = outcome_probs(diff, self.ties, kappa)
                frames.append(ppc_cells(cells, probs, ties=self.ties, source=label, rng=rng))
            elif p > 0:
                kk = p - 1
                z = s.scores.reindex(self.models_)
                z = z - z.mean()
                mean = dr("loading")[:, [kk]] * q
                sd = dr("specific")[:, kk] if "specific" in post else np.full(len(pick), 1e-9)
                frames.append(ppc_scores(z, mean, sd, source=label, rng=rng))
        if not frames:
            return pd.DataFrame(columns=PPC_COLUMNS)
        return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- PyMC model
def _validity_spec(models: pd.Index, sources: list, ties: str, forms: dict,
                   priors: ValidityPriors):
    """(cache key, data, builder, layout) of the marginal factor model."""
    k = len(models)
    crowd = sources[0]
    indep = sources[1:]
    n_ind = len(indep)
    single = n_ind == 1
    if single and indep[0].kind == "score":
        note = ("single benchmark: quality is its latent standardised score (no room for a "
                "benchmark-specific term); rho is disattenuated for the crowd's vote noise only")
    elif single:
        note = ("single independent measurement: its own taste is not separable from quality "
                "(psi = 0), so rho is attenuated by it (a conservative value)")
    else:
        note = (f"{n_ind} independent measurements: one-factor model, rho disattenuated for "
                "every measurement's noise and taste")
    identification = {"n_independent": n_ind, "psi_fixed_zero": single, "note": note}
    data: dict[str, np.ndarray] = {}
    shape_key = []
    score_cols = [p for p, s in enumerate(sources) if s.kind == "score"]
    if score_cols:
        z = np.column_stack([sources[p].scores.reindex(models).to_numpy(dtype=float)
                             for p in score_cols])
        data["scores"] = z - z.mean(axis=0, keepdims=True)

    def vote_data(prefix, cells: PairCells, with_dims: bool):
        w = cells.counts
        data[f"{prefix}_ci"] = cells.i.astype(np.int64)
        data[f"{prefix}_cj"] = cells.j.astype(np.int64)
        data[f"{prefix}_wi"] = w[:, 0].copy()
        data[f"{prefix}_wj"] = w[:, 1].copy()
        data[f"{prefix}_wt"] = w[:, 2].copy()
        if "position" in cells.x_names:
            data[f"{prefix}_xpos"] = cells.x[:, 0].copy()
        if with_dims:
            for dd, (d, lev) in enumerate(zip(cells.dims, cells.levels, strict=True)):
                data[f"{prefix}_fi_{d}"] = (cells.i * len(lev) + cells.seg[:, dd]).astype(np.int64)
                data[f"{prefix}_fj_{d}"] = (cells.j * len(lev) + cells.seg[:, dd]).astype(np.int64)
            if cells.voter is not None:
                data[f"{prefix}_voter"] = cells.voter.astype(np.int64)
            ns = sum(n.startswith("style_") for n in cells.x_names)
            if ns:
                k0 = int("position" in cells.x_names)
                data[f"{prefix}_xstyle"] = np.ascontiguousarray(cells.x[:, k0:])

    for p, s in enumerate(sources):
        if s.kind == "votes":
            c = s.cells
            vote_data("c" if p == 0 else f"j{p - 1}", c, p == 0)
            shape_key.append(("votes", c.dims, tuple(len(v) for v in c.levels),
                              0 if c.voters is None else len(c.voters), "position" in c.x_names,
                              sum(n.startswith("style_") for n in c.x_names)))
        else:
            shape_key.append(("score",))
    key = ("construct_validity", k, tuple(shape_key), ties,
           tuple(sorted((b, v["form"]) for b, v in forms.items())),
           tuple(sorted(asdict(priors).items())))

    def build():
        import pymc as pm
        import pytensor.tensor as pt
        from pytensor.tensor.linalg import inv, slogdet

        coords = {"model": np.arange(k), "measure": np.arange(n_ind)}
        if crowd.kind == "votes":
            for d, lev in zip(crowd.cells.dims, crowd.cells.levels, strict=True):
                coords[d] = np.arange(len(lev))
            if crowd.cells.voters is not None:
                coords["voter"] = np.arange(len(crowd.cells.voters))
            ns = sum(n.startswith("style_") for n in crowd.cells.x_names)
            if ns:
                coords["feature"] = np.arange(ns)
        with pm.Model(coords=coords) as model:
            D = {name: pm.Data(name, value) for name, value in data.items()}
            # LKJ(2) marginal for one correlation: (rho + 1) / 2 ~ Beta(2, 2); it fades at +-1,
            # where the factor covariance turns singular (and the sampler diverged in trials)
            rho_b = pm.Beta("rho_beta", 2.0, 2.0)
            rho = pm.Deterministic("rho", 2.0 * rho_b - 1.0)
            s_c = pm.HalfNormal("crowd_scale", priors.scale_sd)
            beta = pm.HalfNormal("loading", priors.loading_sd, dims="measure")
            if single:
                psi2 = pt.zeros(1)
            else:
                # zero-avoiding Gamma(2, 2 / specific_sd): mean specific_sd, mode half of it
                # (keeps the sampler off the psi = 0 boundary, factor analysis' Heywood cases)
                psi = pm.Gamma("specific", alpha=2.0, beta=2.0 / priors.specific_sd,
                               dims="measure")
                psi2 = psi**2
            # loadings on (quality, crowd-specific factor); covariance of one model's row
            lam_q = pt.concatenate([pt.stack([s_c * rho]), beta])
            lam_e = pt.concatenate([pt.stack([s_c * pt.sqrt(1.0 - rho**2)]), pt.zeros(n_ind)])
            sigma = (pt.outer(lam_q, lam_q) + pt.outer(lam_e, lam_e)
                     + pt.diag(pt.concatenate([pt.zeros(1), psi2])))
            columns = []
            score_k = 0
            for p, s in enumerate(sources):
                prefix = "c" if p == 0 else f"j{p - 1}"
                # variables are named by position (the compiled model is shared by every fit of
                # the same structure); _relabel gives them the measurement names
                label = "crowd" if p == 0 else f"m{p}"
                if s.kind == "score":
                    columns.append(D["scores"][:, score_k])
                    score_k += 1
                    continue
                # centred, zero-sum strengths; the factor model below is their prior (the weak
                # ZeroSumNormal(10) only keeps them proper)
                th = pm.ZeroSumNormal(f"theta_{label}", sigma=10.0, dims="model")
                columns.append(th)
                cells = s.cells
                s_i, s_j = th[D[f"{prefix}_ci"]], th[D[f"{prefix}_cj"]]
                if p == 0:
                    for d in cells.dims:
                        sig = pm.HalfNormal(f"sigma_{d}", priors.dev_sd)
                        dev = _zsn(f"dev_{d}", sig, ("model", d), forms[f"dev_{d}"]["form"])
                        flat = dev.ravel()
                        s_i = s_i + flat[D[f"c_fi_{d}"]]
                        s_j = s_j + flat[D[f"c_fj_{d}"]]
                diff = s_i - s_j
                if p == 0 and cells.voter is not None:
                    sv = pm.HalfNormal("sigma_voter", priors.voter_sd)
                    log_disc = _zsn("log_disc", sv, ("voter",), forms["voter"]["form"])
                    diff = diff * pt.exp(log_disc)[D["c_voter"]]
                if "position" in cells.x_names:
                    diff = diff + pm.Normal(f"position_{label}", 0.0,
                                            priors.position_sd) * D[f"{prefix}_xpos"]
                if p == 0 and "c_xstyle" in D:
                    gamma = pm.Normal("style_coef", 0.0, priors.style_sd, dims="feature")
                    diff = diff + pt.dot(D["c_xstyle"], gamma)
                kappa = None
                if ties in ("davidson", "rao_kupper"):
                    kappa = pm.Normal(f"tie_log_{label}", priors.tie_mu, priors.tie_sd)
                pm.Potential(f"loglik_{label}", cell_loglik(
                    diff, D[f"{prefix}_wi"], D[f"{prefix}_wj"], D[f"{prefix}_wt"], ties, kappa))
            x = pt.stack(columns, axis=1)  # (models, measurements), every column zero-sum
            _, logdet = slogdet(sigma)
            pm.Potential("factor_model", -0.5 * pt.sum(inv(sigma) * (x.T @ x))
                         - 0.5 * (k - 1) * logdet)
        return model

    return key, data, build, {"identification": identification}
