"""Style control: Bradley–Terry with style covariates, as LMArena does it.

For each style feature (``tokens``, ``headers``, ``lists``, ``bold`` by default) the covariate of
a vote is the normalised difference ``(a - b) / (a + b + 1)`` of model_a's and model_b's counts
(LMSYS's style-control features), standardised to mean 0 and standard deviation 1 over the votes
(so a coefficient is the effect of one standard deviation of the normalised difference). The model
is ``logit P(a wins) = theta_a - theta_b + x @ gamma``. The style-controlled board is ``theta``;
the coefficients ``gamma`` are reported with intervals.

Unlike arena-rank's default (a ridge of 1.0 on a *mean* loss, which shrinks the style
coefficients about tenfold), the coefficients here are unpenalised unless ``style_l2 > 0`` is
asked for, and the regularisation used is recorded in the board's config.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtri

from sealvalid import __version__
from sealvalid.data.schema import STYLE_FEATURES, VoteTableError, validate_votes
from sealvalid.rating.board import Leaderboard, _finish_table, ranks_from_bootstrap
from sealvalid.rating.bootstrap import bootstrap_params
from sealvalid.rating.bt import BradleyTerry, parse_anchor
from sealvalid.rating.cells import Cells, vote_codes
from sealvalid.rating.solver import bt_hessian, newton_bt

__all__ = ["style_features", "style_control", "StyleBT"]


def style_features(
    votes: pd.DataFrame, features=STYLE_FEATURES, *, standardize: bool = True
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Style covariates of each vote.

    Returns
    -------
    x : ndarray, shape (n_usable, n_features)
        Normalised (and standardised) differences for votes with complete style counts.
    usable : ndarray of bool, shape (n_votes,)
        Votes with all style counts present.
    info : dict
        Per feature: mean and sd used for standardisation; the number of votes dropped.
    """
    cols = [f"style_{f}_{s}" for f in features for s in ("a", "b")]
    missing = [c for c in cols if c not in votes.columns]
    if missing:
        raise VoteTableError(
            f"style control needs columns {missing}; the table has none of them "
            f"(style features allowed: {list(STYLE_FEATURES)})"
        )
    a = np.column_stack([votes[f"style_{f}_a"].to_numpy(float) for f in features])
    b = np.column_stack([votes[f"style_{f}_b"].to_numpy(float) for f in features])
    usable = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    if usable.sum() < 2:
        raise VoteTableError(
            f"style control: only {int(usable.sum())} of {len(votes)} votes have all style "
            f"counts {cols}; at least 2 are required"
        )
    x = (a[usable] - b[usable]) / (a[usable] + b[usable] + 1.0)
    mean = x.mean(axis=0)
    sd = x.std(axis=0)
    if standardize:
        const = sd == 0
        if const.any():
            raise VoteTableError(
                f"style feature(s) {[f for f, c in zip(features, const, strict=True) if c]} are "
                "constant over the votes; drop them from `features`"
            )
        x = (x - mean) / sd
    info = {"features": list(features), "mean": mean.tolist(), "sd": sd.tolist(),
            "standardized": standardize, "n_dropped": int((~usable).sum())}
    return x, usable, info


class StyleBT(BradleyTerry):
    """Bradley–Terry with style covariates, one cell per vote (see module docstring).

    Extra parameters: ``features`` (style features), ``style_l2`` (ridge on the style
    coefficients, natural scale; 0 = unshrunk) and ``standardize``.
    """

    def __init__(self, *, features=STYLE_FEATURES, style_l2: float = 0.0,
                 standardize: bool = True, **params) -> None:
        super().__init__(**params)
        self.features = tuple(features)
        self.style_l2 = style_l2
        self.standardize = standardize

    def fit(self, votes: pd.DataFrame) -> StyleBT:
        """Fit on a vote table with style columns."""
        self._check_params()
        if self.ties not in ("half", "drop"):
            raise ValueError(f"style control supports ties 'half' or 'drop', got {self.ties!r}")
        if not isinstance(votes["model_a"].dtype, pd.CategoricalDtype):
            votes = validate_votes(votes)
        x, usable, info = style_features(votes, self.features, standardize=self.standardize)
        self.style_info_ = info
        a, b, w, weights = vote_codes(votes)
        a, b, w = a[usable], b[usable], w[usable]
        weights = np.ones(len(a)) if weights is None else weights[usable]
        counts = np.zeros((len(a), 4))
        counts[np.arange(len(a)), w] = weights
        models = pd.Index(votes["model_a"].cat.categories, name="model")
        used = np.zeros(len(models), dtype=bool)
        used[a] = used[b] = True
        remap = np.cumsum(used) - 1
        cells = Cells(models=models[used], i=remap[a], j=remap[b], counts=counts,
                      sq=counts * weights[:, None], x=x, n_votes=int(usable.sum()),
                      raw=(counts > 0).astype(float))
        return self.fit_cells(cells)

    def _fit_connected(self, cells):
        # same as the base class but with a ridge on the style block
        from sealvalid.rating.bt import _Fit
        from sealvalid.rating.graph import separated_models

        k = cells.n_models
        y, n = cells.outcome_yn("drop" if self.ties == "drop" else "half", self.bothbad)
        flagged = separated_models(cells.i, cells.j, y, n, k)
        l2 = self.l2 if not (flagged.any() and self.l2 == 0) else 1.0 / self.separation_sd**2
        res = newton_bt(cells.i, cells.j, y, n, k, x=cells.x, l2_theta=l2,
                        l2_gamma=self.style_l2, tol=self.tol, max_iter=self.max_iter)
        return _Fit(res.theta, res.gamma, res.hessian, res.converged, res.n_iter, None,
                    l2), flagged

    def style_covariance(self) -> np.ndarray:
        """Sandwich covariance of the style coefficients (natural scale)."""
        (members, cells, fit), = self._fits.values()
        k = cells.n_models
        p = cells.x.shape[1]
        h = fit.hessian
        e = np.concatenate([np.ones(k), np.zeros(p)])
        h_pinv = (np.linalg.inv(h + np.outer(e, e)) - np.outer(e, e) / k**2
                  if fit.l2_theta == 0 else np.linalg.inv(h))
        eta = fit.theta[cells.i] - fit.theta[cells.j] + cells.x @ fit.gamma
        prob = 1.0 / (1.0 + np.exp(-eta))
        sq = cells.sq
        s2 = sq[:, 0] * (1 - prob) ** 2 + sq[:, 1] * prob**2
        if self.ties != "drop":
            s2 = s2 + (sq[:, 2] + (sq[:, 3] if self.bothbad == "tie" else 0)) * (0.5 - prob) ** 2
        meat = bt_hessian(s2, cells.i, cells.j, cells.x, k)
        return (h_pinv @ meat @ h_pinv)[k:, k:]


def style_control(
    votes: pd.DataFrame,
    *,
    features=STYLE_FEATURES,
    intervals: str = "sandwich",
    n_rounds: int = 1000,
    alpha: float = 0.05,
    anchor=None,
    style_l2: float = 0.0,
    rng=None,
    **bt_params,
) -> Leaderboard:
    """Style-controlled leaderboard with style coefficients and their intervals.

    Returns
    -------
    Leaderboard
        ``table``: the style-controlled board; ``style``: one row per feature with
        ``coef`` (natural scale, per standard deviation of the normalised difference),
        ``coef_rating`` (rating points), ``se``, ``lower``, ``upper``; ``config["style"]`` records
        the normalisation and the regularisation used.
    """
    if components_multi := bt_params.pop("disconnected", None):
        if components_multi != "raise":
            raise ValueError("style control needs a connected comparison graph")
    bt = StyleBT(features=features, style_l2=style_l2, anchor=anchor, **bt_params).fit(votes)
    if len(bt._fits) > 1:  # pragma: no cover - guarded by disconnected='raise'
        raise ValueError("style control needs a connected comparison graph")
    (members, cells, fit), = bt._fits.values()
    z = ndtri(1 - alpha / 2)
    ratings = bt.ratings_.to_numpy()
    boot = None
    rank_lo = rank_hi = None
    if intervals == "bootstrap":
        rng = np.random.default_rng(rng)
        params, info = bootstrap_params(cells, fit.theta, fit.gamma, fit.hessian,
                                        n_rounds=n_rounds, rng=rng, ties=bt.ties,
                                        bothbad=bt.bothbad, l2_theta=fit.l2_theta,
                                        l2_gamma=style_l2)
        k = cells.n_models
        boot = pd.DataFrame(bt._to_ratings(params[:, :k]), columns=bt.ratings_.index)
        boot.attrs["bootstrap"] = info
        lower = np.quantile(boot.to_numpy(), alpha / 2, axis=0)
        upper = np.quantile(boot.to_numpy(), 1 - alpha / 2, axis=0)
        rank_lo, rank_hi = ranks_from_bootstrap(boot, alpha)
        g = params[:, k:]
        g_lo = np.quantile(g, alpha / 2, axis=0)
        g_hi = np.quantile(g, 1 - alpha / 2, axis=0)
        g_se = g.std(axis=0, ddof=1)
    elif intervals == "sandwich":
        se = np.sqrt(np.clip(np.diag(bt.covariance().to_numpy()), 0, None))
        lower, upper = ratings - z * se, ratings + z * se
        g_se = np.sqrt(np.clip(np.diag(bt.style_covariance()), 0, None))
        g_lo, g_hi = fit.gamma - z * g_se, fit.gamma + z * g_se
    else:
        raise ValueError(f"intervals={intervals!r} unknown; allowed: ['sandwich', 'bootstrap']")
    table = _finish_table(bt.ratings_.index, ratings, lower, upper, bt.n_battles_.to_numpy(),
                          bt.separated_.to_numpy(), bt.component_.to_numpy(), rank_lo, rank_hi)
    style = pd.DataFrame({
        "feature": pd.Series(list(bt.features), dtype="str"),
        "coef": fit.gamma,
        "coef_rating": fit.gamma * bt.factor,
        "se": g_se,
        "lower": g_lo,
        "upper": g_hi,
    })
    config = {
        "sealvalid": __version__,
        "method": "bradley_terry_style_control",
        "ties": bt.ties,
        "bothbad": bt.bothbad,
        "scale": bt.scale,
        "base": bt.base,
        "init_rating": bt.init_rating,
        "anchor": None if anchor is None else list(parse_anchor(anchor)),
        "intervals": intervals,
        "alpha": alpha,
        "regularization": bt.regularization_,
        "style": {**bt.style_info_, "style_l2": style_l2,
                  "normalisation": "(a - b) / (a + b + 1), then standardised"
                  if bt.standardize else "(a - b) / (a + b + 1)"},
        "converged": bt.converged_,
        "n_votes": cells.n_votes,
    }
    if boot is not None:
        config["bootstrap"] = boot.attrs["bootstrap"]
    return Leaderboard(table=table, config=config, bootstrap=boot, style=style)
