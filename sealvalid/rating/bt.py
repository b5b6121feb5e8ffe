"""Bradley–Terry on the Arena scale: the estimator object.

``rating_i = init_rating + (scale / ln(base)) * theta_i`` with natural-scale strengths ``theta``
summing to zero (ratings average ``init_rating``), or shifted so that a named anchor model sits at
a given rating (SEAL Showdown and LMArena pin one model). Defaults are the Arena scale: 400,
base 10, 1000.

Ties count as half a win each way (LMArena's convention) unless ``ties`` says otherwise;
``tie_bothbad`` is treated like a tie unless ``bothbad="drop"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sealvalid.data.schema import VoteTableError, validate_votes
from sealvalid.rating.bootstrap import bootstrap_params
from sealvalid.rating.cells import BOTHBAD_MODES, TIE_MODES, Cells, aggregate_pairs
from sealvalid.rating.graph import components, separated_models
from sealvalid.rating.solver import bt_hessian, newton_bt
from sealvalid.rating.ties import fit_tie_model

__all__ = ["BradleyTerry", "parse_anchor", "DisconnectedGraphError", "NotFittedError"]

DISCONNECTED_MODES = ("raise", "per_component")


class DisconnectedGraphError(VoteTableError):
    """The comparison graph has several components, so ratings across them are not identified."""


class NotFittedError(RuntimeError):
    """The estimator has not been fitted yet."""


def parse_anchor(anchor) -> tuple[str, float] | None:
    """Normalise an anchor to ``(model, rating)`` or None.

    Accepted: ``None``, ``("model", 1114)``, ``{"model": 1114}`` or ``"model=1114"``.
    """
    if anchor is None:
        return None
    if isinstance(anchor, str):
        name, sep, value = anchor.rpartition("=")
        if not sep or not name:
            raise ValueError(f"anchor {anchor!r} must look like MODEL=RATING, e.g. 'gpt-4=1200'")
        try:
            return name, float(value)
        except ValueError as exc:
            raise ValueError(f"anchor {anchor!r}: rating {value!r} is not a number") from exc
    if isinstance(anchor, dict):
        if len(anchor) != 1:
            raise ValueError(f"anchor dict must have exactly one entry, got {len(anchor)}")
        ((name, value),) = anchor.items()
        return str(name), float(value)
    name, value = anchor
    return str(name), float(value)


@dataclass(frozen=True)
class _Fit:
    theta: np.ndarray
    gamma: np.ndarray
    hessian: np.ndarray | None
    converged: bool
    n_iter: int
    tie_param: float | None
    l2_theta: float


class BradleyTerry:
    """Bradley–Terry maximum-likelihood ratings on aggregated pair counts.

    Parameters
    ----------
    scale, base, init_rating : float
        Arena scale: ``rating = init_rating + scale * log_base(strength)``.
    anchor : tuple, dict or str, optional
        Pin one model to a rating, e.g. ``("mixtral-8x7b-instruct-v0.1", 1114)`` or
        ``"gpt-4=1200"``. Otherwise ratings average ``init_rating``.
    ties : {"half", "drop", "davidson", "rao_kupper"}
        Tie handling: half a win each way (default), dropped, or a Davidson / Rao–Kupper model.
    bothbad : {"tie", "drop"}
        ``tie_bothbad`` votes as ties (default) or dropped.
    position : bool
        Add a first-position (presentation-order) advantage; needs a ``position`` column.
    l2 : float
        Ridge on natural-scale strengths (Gaussian prior precision); 0 for the MLE.
    separation_sd : float
        When the MLE does not exist (a model never lost, or never won) and ``l2 == 0``, a
        ``N(0, separation_sd^2)`` prior on natural-scale strengths is used instead, and the
        affected models are flagged in ``separated_``.
    disconnected : {"raise", "per_component"}
        A comparison graph with several components raises :class:`DisconnectedGraphError`
        naming them, or each component is fitted on its own (ratings then compare only within
        a component; see ``component_``).
    tol : float
        Newton convergence tolerance on the largest step (natural units).
    max_iter : int
        Iteration cap; ``converged_`` says whether the fit converged.

    Attributes
    ----------
    ratings_ : pandas.Series
        Ratings by model.
    theta_ : ndarray
        Natural-scale strengths.
    position_coef_ : float
        First-position advantage on the natural scale (``position=True`` only).
    tie_param_ : float or None
        Davidson ``nu`` or Rao–Kupper ``theta``.
    n_battles_ : pandas.Series
        Votes per model.
    separated_ : pandas.Series of bool
        Models whose MLE is infinite (rated under the separation prior).
    component_ : pandas.Series of int
        Comparison-graph component of each model.
    converged_ : bool
    """

    def __init__(
        self,
        *,
        scale: float = 400.0,
        base: float = 10.0,
        init_rating: float = 1000.0,
        anchor=None,
        ties: str = "half",
        bothbad: str = "tie",
        position: bool = False,
        l2: float = 0.0,
        separation_sd: float = 4.0,
        disconnected: str = "raise",
        tol: float = 1e-10,
        max_iter: int = 200,
    ) -> None:
        self.scale = scale
        self.base = base
        self.init_rating = init_rating
        self.anchor = anchor
        self.ties = ties
        self.bothbad = bothbad
        self.position = position
        self.l2 = l2
        self.separation_sd = separation_sd
        self.disconnected = disconnected
        self.tol = tol
        self.max_iter = max_iter

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        if self.ties not in TIE_MODES:
            raise ValueError(f"ties={self.ties!r} unknown; allowed: {list(TIE_MODES)}")
        if self.bothbad not in BOTHBAD_MODES:
            raise ValueError(f"bothbad={self.bothbad!r} unknown; allowed: {list(BOTHBAD_MODES)}")
        if self.disconnected not in DISCONNECTED_MODES:
            raise ValueError(
                f"disconnected={self.disconnected!r} unknown; allowed: {list(DISCONNECTED_MODES)}"
            )
        if not (self.scale > 0 and self.base > 1):
            raise ValueError(
                f"need scale > 0 and base > 1, got scale={self.scale}, base={self.base}"
            )
        if self.l2 < 0 or self.separation_sd <= 0:
            raise ValueError(
                f"need l2 >= 0 and separation_sd > 0, got {self.l2}, {self.separation_sd}"
            )
        if self.position and self.ties in ("davidson", "rao_kupper"):
            raise ValueError("position=True is supported with ties 'half' or 'drop'")

    @property
    def factor(self) -> float:
        """Rating points per natural-scale unit: ``scale / ln(base)``."""
        return self.scale / math.log(self.base)

    # ------------------------------------------------------------------ fitting
    def fit(self, votes: pd.DataFrame) -> BradleyTerry:
        """Fit on a vote table (validated first unless already canonical)."""
        self._check_params()
        if not all(isinstance(votes[c].dtype, pd.CategoricalDtype)
                   for c in ("model_a", "model_b", "winner") if c in votes.columns):
            votes = validate_votes(votes)
        try:
            cells = aggregate_pairs(votes, position=self.position)
        except KeyError as exc:  # pragma: no cover - validate_votes guarantees the columns
            raise VoteTableError(str(exc)) from exc
        return self.fit_cells(cells)

    def fit_cells(self, cells: Cells) -> BradleyTerry:
        """Fit on already aggregated cells."""
        self._check_params()
        self.cells_ = cells
        k = cells.n_models
        y, n = cells.outcome_yn("drop" if self.ties == "drop" else "half", self.bothbad)
        live = n > 0
        labels = components(cells.i[live], cells.j[live], k)
        n_comp = labels.max() + 1
        models = cells.models
        if n_comp > 1:
            groups = [sorted(models[labels == c].tolist()) for c in range(n_comp)]
            if self.disconnected == "raise":
                shown = "; ".join(
                    "{" + ", ".join(g[:6]) + (", ..." if len(g) > 6 else "") + f"}} ({len(g)})"
                    for g in sorted(groups, key=len, reverse=True)[:6])
                raise DisconnectedGraphError(
                    f"the comparison graph has {n_comp} disconnected components, so ratings "
                    f"across them are not identified: {shown}; pass disconnected='per_component' "
                    "to fit each on its own"
                )
        self.component_ = pd.Series(labels, index=models, name="component")
        sep = np.zeros(k, dtype=bool)
        fits = {}
        theta = np.zeros(k)
        gamma_parts = []
        for c in range(n_comp):
            members = np.flatnonzero(labels == c)
            keep = np.isin(cells.i, members) & np.isin(cells.j, members)
            remap = np.full(k, -1)
            remap[members] = np.arange(len(members))
            sub = Cells(models=models[members], i=remap[cells.i[keep]], j=remap[cells.j[keep]],
                        counts=cells.counts[keep], sq=cells.sq[keep],
                        x=None if cells.x is None else cells.x[keep], n_votes=cells.n_votes,
                        raw=None if cells.raw is None else cells.raw[keep])
            fit, flagged = self._fit_connected(sub)
            fits[c] = (members, sub, fit)
            theta[members] = fit.theta
            sep[members] = flagged
            gamma_parts.append(fit.gamma)
        self._fits = fits
        self.theta_ = theta
        self.gamma_ = gamma_parts[0] if n_comp == 1 else np.mean(gamma_parts, axis=0)
        self.position_coef_ = float(self.gamma_[0]) if self.position else None
        self.tie_param_ = fits[0][2].tie_param if n_comp == 1 else None
        self.converged_ = all(f[2].converged for f in fits.values())
        self.n_iter_ = max(f[2].n_iter for f in fits.values())
        self.separated_ = pd.Series(sep, index=models, name="separated")
        self.regularization_ = (
            f"ridge l2={self.l2} on natural-scale strengths" if self.l2 > 0 else
            (f"separation prior N(0, {self.separation_sd}^2) on natural-scale strengths "
             f"(MLE infinite for {int(sep.sum())} model(s))" if sep.any() else "none (exact MLE)")
        )
        raw = cells.raw_counts.sum(axis=1)
        nb = np.bincount(cells.i, raw, minlength=k) + np.bincount(cells.j, raw, minlength=k)
        if cells.x is not None:
            pass_ = nb  # ordered cells: each vote counted once per side already
            nb = pass_
        self.n_battles_ = pd.Series(nb.astype(np.int64), index=models, name="n_battles")
        self.ratings_ = pd.Series(self._to_ratings(theta[None, :])[0], index=models,
                                  name="rating")
        return self

    def _fit_connected(self, cells: Cells) -> tuple[_Fit, np.ndarray]:
        k = cells.n_models
        if k == 1:
            return _Fit(np.zeros(1), np.zeros(0 if cells.x is None else cells.x.shape[1]),
                        np.zeros((1, 1)), True, 0, None, self.l2), np.zeros(1, dtype=bool)
        y, n = cells.outcome_yn("drop" if self.ties == "drop" else "half", self.bothbad)
        flagged = separated_models(cells.i, cells.j, y, n, k)
        l2 = self.l2
        if flagged.any() and l2 == 0:
            l2 = 1.0 / self.separation_sd**2
        if self.ties in ("davidson", "rao_kupper"):
            tie = cells.tie_total(self.bothbad)
            theta, tie_param, conv, nit = fit_tie_model(
                self.ties, cells.i, cells.j, cells.counts[:, 0], cells.counts[:, 1], tie, k,
                l2=l2)
            return _Fit(theta, np.zeros(0), None, conv, nit, tie_param, l2), flagged
        res = newton_bt(cells.i, cells.j, y, n, k, x=cells.x, l2_theta=l2, tol=self.tol,
                        max_iter=self.max_iter)
        return _Fit(res.theta, res.gamma, res.hessian, res.converged, res.n_iter, None,
                    l2), flagged

    def _check_fitted(self) -> None:
        if not hasattr(self, "theta_"):
            raise NotFittedError("this BradleyTerry is not fitted yet; call fit(votes) first")

    # ------------------------------------------------------------------ scale
    def _anchor_index(self) -> tuple[int, float] | None:
        anchor = parse_anchor(self.anchor)
        if anchor is None:
            return None
        name, value = anchor
        models = self.cells_.models
        if name not in models:
            close = [m for m in models if name.lower()[:6] in m.lower()][:5]
            raise ValueError(
                f"anchor model {name!r} is not among the {len(models)} rated models"
                + (f" (similar: {close})" if close else "")
            )
        return int(models.get_loc(name)), value

    def _to_ratings(self, theta: np.ndarray) -> np.ndarray:
        """Natural-scale strengths (rows) to ratings, anchored or centred per component."""
        out = self.init_rating + self.factor * theta
        anchor = self._anchor_index()
        if anchor is not None:
            a, value = anchor
            comp = self.component_.to_numpy()
            same = comp == comp[a]
            out[:, same] += value - out[:, [a]]
        return out

    # ------------------------------------------------------------------ uncertainty
    def covariance(self, *, ridge: float = 0.0, kind: str = "sandwich") -> pd.DataFrame:
        """Covariance of the ratings (rating points squared), by the sandwich or the Hessian.

        Parameters
        ----------
        ridge : float
            Added to the Hessian diagonal before inversion (arena-rank uses ``1e-5 * N``).
        kind : {"sandwich", "hessian"}
            Robust (Huber–White) sandwich ``H^-1 M H^-1``, or the model-based inverse Hessian.

        Notes
        -----
        Without an anchor, ratings are centred, and the covariance is that of the centred
        strengths (``H^+`` on the sum-zero subspace). With an anchor, it is the covariance of
        differences from the anchor model (the anchor's own variance is zero).
        """
        self._check_fitted()
        if kind not in ("sandwich", "hessian"):
            raise ValueError(f"kind={kind!r} unknown; allowed: ['sandwich', 'hessian']")
        if self.ties in ("davidson", "rao_kupper"):
            raise ValueError(
                f"analytic covariance is available for ties 'half' or 'drop'; with "
                f"ties={self.ties!r} use bootstrap intervals"
            )
        k = self.cells_.n_models
        cov = np.zeros((k, k))
        for members, sub, fit in self._fits.values():
            cov_sub = self._component_cov(sub, fit, ridge, kind)
            cov[np.ix_(members, members)] = cov_sub
        f2 = self.factor**2
        anchor = self._anchor_index()
        if anchor is not None:
            a, _ = anchor
            comp = self.component_.to_numpy()
            m = np.flatnonzero(comp == comp[a])
            c = cov[np.ix_(m, m)]
            ai = int(np.flatnonzero(m == a)[0])
            c = c - c[:, [ai]] - c[[ai], :] + c[ai, ai]
            cov[np.ix_(m, m)] = c
        return pd.DataFrame(cov * f2, index=self.cells_.models, columns=self.cells_.models)

    def _component_cov(self, cells: Cells, fit: _Fit, ridge: float, kind: str) -> np.ndarray:
        k = cells.n_models
        if k == 1:
            return np.zeros((1, 1))
        x = cells.x
        p = 0 if x is None else x.shape[1]
        h = fit.hessian.copy()
        h[np.diag_indices_from(h)] += ridge
        e = np.concatenate([np.ones(k), np.zeros(p)])
        if fit.l2_theta == 0.0 and ridge == 0.0:
            h_pinv = np.linalg.inv(h + np.outer(e, e)) - np.outer(e, e) / k**2
        else:
            h_pinv = np.linalg.inv(h)
        if kind == "hessian":
            full = h_pinv
        else:
            eta = fit.theta[cells.i] - fit.theta[cells.j]
            if p:
                eta = eta + x @ fit.gamma
            prob = 1.0 / (1.0 + np.exp(-eta))
            sq = cells.sq
            tie_y = 0.5
            s2 = sq[:, 0] * (1 - prob) ** 2 + sq[:, 1] * prob**2
            if self.ties != "drop":
                s2 = s2 + sq[:, 2] * (tie_y - prob) ** 2
                if self.bothbad == "tie":
                    s2 = s2 + sq[:, 3] * (tie_y - prob) ** 2
            meat = bt_hessian(s2, cells.i, cells.j, x, k)
            full = h_pinv @ meat @ h_pinv
        return full[:k, :k]

    def bootstrap(self, n_rounds: int = 1000, *, rng=None, method: str = "multinomial",
                  n_jobs: int | None = None) -> pd.DataFrame:
        """Bootstrap ratings: a frame of ``n_rounds`` rows by model.

        See :mod:`sealvalid.rating.bootstrap` for the resampling scheme and solver. With a tie
        model (Davidson, Rao–Kupper) each round is refitted by L-BFGS from a warm start.
        ``attrs`` carries the method, seed-independent diagnostics and the number of rounds that
        needed the separation prior.
        """
        self._check_fitted()
        rng = np.random.default_rng(rng)
        k = self.cells_.n_models
        out = np.zeros((n_rounds, k))
        infos = []
        comp_rngs = rng.spawn(len(self._fits))
        for (members, sub, fit), crng in zip(self._fits.values(), comp_rngs, strict=True):
            if sub.n_models == 1:
                continue
            if self.ties in ("davidson", "rao_kupper"):
                th, info = self._bootstrap_tie_model(sub, fit, n_rounds, crng, method)
            else:
                params, info = bootstrap_params(
                    sub, fit.theta, fit.gamma, fit.hessian, n_rounds=n_rounds, rng=crng,
                    ties="drop" if self.ties == "drop" else "half", bothbad=self.bothbad,
                    l2_theta=fit.l2_theta, separation_l2=1.0 / self.separation_sd**2,
                    method=method, n_jobs=n_jobs)
                th = params[:, : sub.n_models]
            out[:, members] = th
            infos.append(info)
        frame = pd.DataFrame(self._to_ratings(out), columns=self.cells_.models)
        frame.index.name = "round"
        frame.attrs["bootstrap"] = {
            "method": method,
            "n_rounds": n_rounds,
            "n_rounds_separated": int(sum(i.get("n_rounds_separated", 0) for i in infos)),
            "n_rounds_newton": int(sum(i.get("n_rounds_newton", 0) for i in infos)),
        }
        return frame

    def _bootstrap_tie_model(self, cells, fit, n_rounds, rng, method):
        counts = cells.raw_counts.ravel()
        mean_w = np.divide(cells.counts.ravel(), counts, out=np.zeros_like(counts),
                           where=counts > 0)
        total = int(round(counts.sum()))
        streams = rng.spawn(n_rounds)
        k = cells.n_models
        out = np.zeros((n_rounds, k))
        n_fail = 0
        for r, g in enumerate(streams):
            if method == "multinomial":
                draw = g.multinomial(total, counts / counts.sum()).astype(float)
            else:
                draw = g.poisson(counts).astype(float)
            c = (draw * mean_w).reshape(-1, 4)
            tie = c[:, 2] + (c[:, 3] if self.bothbad == "tie" else 0.0)
            theta, _, conv, _ = fit_tie_model(self.ties, cells.i, cells.j, c[:, 0], c[:, 1], tie,
                                              k, l2=fit.l2_theta, theta0=fit.theta)
            n_fail += not conv
            out[r] = theta
        return out, {"method": method, "n_rounds": n_rounds, "n_rounds_not_converged": n_fail}
