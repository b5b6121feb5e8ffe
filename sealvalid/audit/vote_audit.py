"""Fragility of a board from its votes: drop-k, add-k and random drops for every adjacent pair.

:class:`FragilityAudit` fits the board (Bradley–Terry, the conventions of
:class:`sealvalid.rating.BradleyTerry`) and answers, for the top spot and each adjacent pair of the
rating order:

* **drop-k** — the fewest votes whose removal flips the pair (worst case, found by influence and
  verified by an exact refit; :mod:`sealvalid.audit.dropk`), with the votes themselves;
* **add-k** — the fewest added votes that flip it (the rigging distance;
  :mod:`sealvalid.audit.addk`);
* **random drops** of the same number of votes — the typical case, with its Monte Carlo error.

:func:`fragility` is the one-call form.

Column contract of :attr:`FragilityResult.table` (:data:`FRAGILITY_COLUMNS`)
----------------------------------------------------------------------------
``kind``: ``"top_spot"`` (the fewest votes that dethrone the #1 model: the minimum of drop-k over
its closest challengers) or ``"adjacent"``; ``rank``: rank of ``model_above`` in the rating order;
``gap`` and ``se_gap``: rating difference and its sandwich standard error (Arena points);
``p_correct_order``: ``Φ(gap / se_gap)``; ``n_pair_votes``: direct votes between the two;
``drop_k`` (nullable int; 0 for a pair tied at the fit), ``drop_share`` (of the votes in the
fit), ``drop_verified``, ``drop_k_first_order`` and ``first_order_held`` (did the first-order
claim survive its refit), ``gap_after_drop`` (Arena points, negative when flipped);
``add_k``, ``add_share``, ``add_verified``; ``random_k`` (= ``drop_k``), ``random_flip_rate``
with ``random_flip_se`` and the one-sided 95% upper bound ``random_flip_upper95``,
``random_gap_change`` (mean change of the gap, Arena points) and ``n_random`` draws.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.linalg import cho_factor, cho_solve
from scipy.special import expit, ndtr

from sealvalid.audit.addk import ADD_PAIRS, all_pair_cells, greedy_add
from sealvalid.audit.dropk import (
    FLIP_TOL,
    Flip,
    drop_curve,
    drop_influence,
    greedy_drop,
    random_drops,
)
from sealvalid.audit.groups import Refitter, rating_factor, vote_groups
from sealvalid.data.schema import validate_votes
from sealvalid.rating.solver import bt_hessian

__all__ = ["FRAGILITY_COLUMNS", "REMOVED_COLUMNS", "ADDED_COLUMNS", "FragilityAudit",
           "FragilityResult", "fragility"]

FRAGILITY_COLUMNS = [
    "kind", "rank", "model_above", "model_below", "rating_above", "rating_below", "gap",
    "se_gap", "p_correct_order", "n_pair_votes",
    "drop_k", "drop_share", "drop_verified", "drop_k_first_order", "first_order_held",
    "gap_after_drop",
    "add_k", "add_share", "add_verified",
    "random_k", "random_flip_rate", "random_flip_se", "random_flip_upper95", "random_gap_change",
    "n_random",
]
#: the removed votes of every verified drop-k flip: ``row`` is the position in the audited table
REMOVED_COLUMNS = ["kind", "rank", "model_above", "model_below", "row", "model_a", "model_b",
                   "winner"]
#: the added votes of every verified add-k flip
ADDED_COLUMNS = ["kind", "rank", "model_above", "model_below", "winner_model", "loser_model",
                 "n_votes"]
#: identifying columns copied next to removed votes when the table has them
_ID_COLUMNS = ("voter_id", "prompt_id", "rater_type", "category", "language", "timestamp")


@dataclass
class FragilityResult:
    """Fragility of one board.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per audited pair, :data:`FRAGILITY_COLUMNS`.
    removed : pandas.DataFrame
        The votes of each verified drop-k flip (:data:`REMOVED_COLUMNS` plus identifying columns
        present in the table); ``row`` indexes the audited vote table by position.
    added : pandas.DataFrame
        The votes of each verified add-k flip, as counts per winner/loser (:data:`ADDED_COLUMNS`).
    board : pandas.DataFrame
        The fitted board: ``model, rating, se, n_battles`` sorted by rating.
    curve : pandas.DataFrame or None
        Worst-case against random gap after dropping ``k`` votes for the top pair (Arena points).
    config : dict
        Conventions, budgets, seed, vote counts and timings.
    """

    table: pd.DataFrame
    removed: pd.DataFrame
    added: pd.DataFrame
    board: pd.DataFrame
    curve: pd.DataFrame | None = None
    config: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """Headline figures of the audit.

        Votes in the fit, the top-spot drop-k and its share, adjacent pairs flipped by at most 1%
        of the votes (or by one vote), the median adjacent drop-k.
        """
        t = self.table
        adj = t[t["kind"] == "adjacent"]
        top = t[t["kind"] == "top_spot"]
        n = self.config["n_votes_used"]
        dk = adj["drop_k"].astype("Float64")
        return {
            "n_votes": n,
            "n_models": len(self.board),
            "top_model": top["model_above"].iloc[0] if len(top) else None,
            "top_spot_drop_k": (None if not len(top) or pd.isna(top["drop_k"].iloc[0])
                                else int(top["drop_k"].iloc[0])),
            "top_spot_share": float(top["drop_share"].iloc[0]) if len(top) else math.nan,
            "top_spot_challenger": top["model_below"].iloc[0] if len(top) else None,
            "n_adjacent": len(adj),
            "n_adjacent_flip_1pct": int((dk <= 0.01 * n).fillna(False).sum()),
            "n_adjacent_flip_1vote": int((dk <= 1).fillna(False).sum()),
            "median_adjacent_drop_k": float(dk.median()) if dk.notna().any() else math.nan,
        }


class FragilityAudit:
    """Worst-case and typical fragility of a Bradley–Terry board, from its votes.

    Parameters
    ----------
    ties : {"half", "drop"}
        Ties half a win each way (LMArena) or left out.
    bothbad : {"tie", "drop"}
        ``tie_bothbad`` as a tie or left out.
    max_share : float
        Drop-k budget as a share of the votes in the fit: beyond it the search stops and reports
        no flip (``drop_k`` missing, "more than this share").
    add : bool
        Also search add-k.
    add_pairs : {"observed", "all"}
        Model pairs that may receive added votes (see :mod:`sealvalid.audit.addk`).
    max_add_share : float
        Add-k budget as a share of the votes in the fit.
    n_random : int
        Random-drop draws per pair (0: no random baseline).
    top_challengers : int
        How many of the next-best models are tried for the top spot.
    curve_points : int
        Points of the worst-case-against-random curve of the top pair (0: none).
    scale, base, init_rating : float
        Arena scale of the reported ratings.
    separation_sd : float
        Prior sd when a model never lost or never won (as :class:`~sealvalid.rating.BradleyTerry`).
    tol : float
        Refit convergence (largest Newton step, natural units).

    Attributes
    ----------
    groups_ : VoteGroups
    refitter_ : Refitter
    ratings_ : pandas.Series
        Ratings by model (Arena scale), in model-index order.
    order_ : ndarray of int
        Model indices from best to worst.
    cov_ : ndarray
        Sandwich covariance of the natural-scale strengths.
    votes_ : pandas.DataFrame
        The audited (canonical) vote table.
    """

    def __init__(self, *, ties: str = "half", bothbad: str = "tie", max_share: float = 0.25,
                 add: bool = True, add_pairs: str = "observed", max_add_share: float = 1.0,
                 n_random: int = 100, top_challengers: int = 5, curve_points: int = 12,
                 scale: float = 400.0, base: float = 10.0, init_rating: float = 1000.0,
                 separation_sd: float = 4.0, tol: float = 1e-10) -> None:
        self.ties = ties
        self.bothbad = bothbad
        self.max_share = max_share
        self.add = add
        self.add_pairs = add_pairs
        self.max_add_share = max_add_share
        self.n_random = n_random
        self.top_challengers = top_challengers
        self.curve_points = curve_points
        self.scale = scale
        self.base = base
        self.init_rating = init_rating
        self.separation_sd = separation_sd
        self.tol = tol

    def _check(self) -> None:
        if not 0 < self.max_share <= 1:
            raise ValueError(f"max_share must be in (0, 1], got {self.max_share}")
        if not 0 < self.max_add_share:
            raise ValueError(f"max_add_share must be > 0, got {self.max_add_share}")
        if self.add_pairs not in ADD_PAIRS:
            raise ValueError(f"add_pairs={self.add_pairs!r} unknown; allowed: {list(ADD_PAIRS)}")
        if self.n_random < 0 or self.top_challengers < 1 or self.curve_points < 0:
            raise ValueError(
                f"need n_random >= 0, top_challengers >= 1, curve_points >= 0; got "
                f"{self.n_random}, {self.top_challengers}, {self.curve_points}")

    @property
    def factor(self) -> float:
        """Rating points per natural-scale unit."""
        return rating_factor(self.scale, self.base)

    # ------------------------------------------------------------------ fit
    def fit(self, votes: pd.DataFrame) -> FragilityAudit:
        """Group the votes and fit the board (the base of every refit)."""
        self._check()
        if not all(isinstance(votes[c].dtype, pd.CategoricalDtype)
                   for c in ("model_a", "model_b", "winner") if c in votes.columns):
            votes = validate_votes(votes)
        self.votes_ = votes
        g = vote_groups(votes, ties=self.ties, bothbad=self.bothbad)
        self.groups_ = g
        y0, n0 = g.cell_totals()
        self.refitter_ = Refitter(g.i, g.j, y0, n0, g.n_models, separation_sd=self.separation_sd,
                                  tol=self.tol)
        theta = self.refitter_.theta0
        self.ratings_ = pd.Series(self.init_rating + self.factor * theta, index=g.models,
                                  name="rating")
        self.order_ = np.lexsort((np.arange(g.n_models), -theta))
        self.cov_ = self._sandwich()
        raw = g.count
        nb = (np.bincount(g.i[g.cell], raw, minlength=g.n_models)
              + np.bincount(g.j[g.cell], raw, minlength=g.n_models))
        self.n_battles_ = pd.Series(nb.astype(np.int64), index=g.models, name="n_battles")
        return self

    def _sandwich(self) -> np.ndarray:
        g, rf = self.groups_, self.refitter_
        theta = rf.theta0
        k = g.n_models
        p = expit(theta[g.i] - theta[g.j])
        h = rf.hessian(theta, rf.n0)
        meat_w = np.bincount(g.cell, g.weight**2 * g.count * (g.score - p[g.cell]) ** 2,
                             minlength=g.n_cells)
        meat = bt_hessian(meat_w, g.i, g.j, None, k)
        if rf.l2_base == 0.0:
            h_pinv = cho_solve(cho_factor(h + 1.0), np.eye(k)) - 1.0 / k**2
        else:
            h_pinv = np.linalg.inv(h)
        return h_pinv @ meat @ h_pinv

    def _fitted(self) -> None:
        if not hasattr(self, "refitter_"):
            from sealvalid.rating.bt import NotFittedError

            raise NotFittedError("this FragilityAudit is not fitted yet; call fit(votes) first")

    def _index(self, model) -> int:
        models = self.groups_.models
        if isinstance(model, int | np.integer):
            return int(model)
        if model not in models:
            raise ValueError(f"model {model!r} is not among the {len(models)} audited models")
        return int(models.get_loc(model))

    def _ordered(self, above, below) -> tuple[int, int]:
        a, b = self._index(above), self._index(below)
        th = self.refitter_.theta0
        if not th[a] > th[b]:
            raise ValueError(
                f"{self.groups_.models[a]!r} ({self.ratings_.iloc[a]:.1f}) is not rated above "
                f"{self.groups_.models[b]!r} ({self.ratings_.iloc[b]:.1f}); pass the higher "
                "model first")
        return a, b

    # ------------------------------------------------------------------ single pairs
    def influence(self, above, below) -> pd.DataFrame:
        """First-order effect on the gap of removing one vote, per (pair, outcome, weight) group.

        Returns
        -------
        pandas.DataFrame
            ``model_i, model_j, outcome, weight, n_votes, influence`` (Arena points of gap change
            per removed vote; negative narrows the gap) and ``total`` (all votes of the group),
            sorted by ``influence``.
        """
        self._fitted()
        a, b = self._ordered(above, below)
        rf = self.refitter_
        infl = drop_influence(self.groups_, rf, rf.theta0, rf.n0, a, b) * self.factor
        out = self.groups_.describe()
        out["influence"] = infl
        out["total"] = infl * out["n_votes"]
        return out.sort_values("influence", kind="stable").reset_index(drop=True)

    def refit_without(self, rows) -> pd.Series:
        """Exact refit without the given rows (positions in the audited table): ratings.

        Raises
        ------
        ValueError
            When the removal disconnects the comparison graph or the fit does not converge.
        """
        self._fitted()
        g = self.groups_
        rows = np.asarray(rows, dtype=np.int64)
        grp = g.group_of[rows]
        change = -np.bincount(grp[grp >= 0], minlength=g.n_groups)
        y, n = g.cell_totals(change)
        theta, ok = self.refitter_.refit(y, n)
        if not ok:
            raise ValueError("the refit without these rows is not identified (the comparison "
                             "graph disconnects) or did not converge")
        return pd.Series(self.init_rating + self.factor * theta, index=g.models, name="rating")

    def drop_k(self, above, below) -> Flip:
        """Worst-case drop-k of one pair (see :func:`sealvalid.audit.dropk.greedy_drop`)."""
        self._fitted()
        a, b = self._ordered(above, below)
        return greedy_drop(self.groups_, self.refitter_, a, b, max_votes=self._drop_budget())

    def add_k(self, above, below) -> Flip:
        """Add-k of one pair (see :func:`sealvalid.audit.addk.greedy_add`)."""
        self._fitted()
        a, b = self._ordered(above, below)
        return greedy_add(self._add_refitter(), a, b, max_votes=self._add_budget())

    def random_drops(self, above, below, k: int, *, n_draws: int | None = None, rng=None):
        """Random removals of ``k`` votes (see :func:`sealvalid.audit.dropk.random_drops`)."""
        self._fitted()
        a, b = self._ordered(above, below)
        return random_drops(self.groups_, self.refitter_, a, b, k,
                            n_draws=n_draws or max(self.n_random, 1), rng=rng)

    def drop_curve(self, above, below, ks, *, n_draws: int = 50, rng=None) -> pd.DataFrame:
        """Gap after dropping ``k`` votes, worst case against random, in Arena points."""
        self._fitted()
        a, b = self._ordered(above, below)
        c = drop_curve(self.groups_, self.refitter_, a, b, ks, n_draws=n_draws, rng=rng)
        for col in c.columns:
            if col.startswith("gap"):
                c[col] = c[col] * self.factor
        return c

    def _drop_budget(self) -> int:
        return max(1, int(self.max_share * self.groups_.n_used))

    def _add_budget(self) -> int:
        return max(1, int(self.max_add_share * self.groups_.n_used))

    def _add_refitter(self) -> Refitter:
        if not hasattr(self, "_add_rf"):
            rf = self.refitter_
            if self.add_pairs == "all":
                i, j, y, n = all_pair_cells(rf.i, rf.j, rf.y0, rf.n0, rf.k)
                self._add_rf = Refitter(i, j, y, n, rf.k, separation_sd=self.separation_sd,
                                        tol=self.tol)
            else:
                self._add_rf = rf
        return self._add_rf

    # ------------------------------------------------------------------ the whole board
    def pairs(self) -> list[tuple[str, int, int, int]]:
        """Adjacent pairs audited by :meth:`run`: ``(kind, rank_of_above, above, below)``.

        The top spot is tried against the next ``top_challengers`` models and reported once.
        """
        o = self.order_
        return [("adjacent", r + 1, int(o[r]), int(o[r + 1])) for r in range(len(o) - 1)]

    def run(self, *, rng=None) -> FragilityResult:
        """Audit the top spot and every adjacent pair.

        Parameters
        ----------
        rng : numpy.random.Generator, int or None
            Randomness of the random-drop baseline and the curve (one spawned stream per pair).

        Returns
        -------
        FragilityResult
        """
        self._fitted()
        t_start = time.perf_counter()
        g, rf = self.groups_, self.refitter_
        root = np.random.default_rng(rng)
        seed_info = rng if isinstance(rng, int | np.integer) else None
        pairs = self.pairs()
        o = self.order_
        challengers = [int(c) for c in o[1: 1 + self.top_challengers]]
        above = np.array([p[2] for p in pairs] + [int(o[0])] * len(challengers), dtype=np.intp)
        below = np.array([p[3] for p in pairs] + challengers, dtype=np.intp)
        streams = root.spawn(len(pairs) + 2)
        timings = {}
        t0 = time.perf_counter()
        usable = rf.theta0[above] - rf.theta0[below] > FLIP_TOL  # exact ties cannot be flipped
        infl = (drop_influence(g, rf, rf.theta0, rf.n0, above[usable], below[usable])
                if usable.any() else None)
        col = np.cumsum(usable) - 1
        budget = self._drop_budget()
        drops: list[Flip | None] = []
        for x in range(len(above)):
            if not usable[x]:  # tied at the fit: no vote is needed to undo the order
                drops.append(_tied("drop", above[x], below[x], rf, g.n_groups, budget))
                continue
            fi = infl if infl.ndim == 1 else infl[:, col[x]]
            drops.append(greedy_drop(g, rf, int(above[x]), int(below[x]), max_votes=budget,
                                     first_influence=fi))
        timings["drop_k_s"] = time.perf_counter() - t0
        # the top spot: the challenger that needs the fewest removals
        top_x = list(range(len(pairs), len(above)))
        if not top_x:
            top_x = [0]
        found = [x for x in top_x if drops[x] is not None and drops[x].k is not None]
        best_top = min(found, key=lambda x: (drops[x].k, x)) if found else top_x[0]
        adds: dict[int, Flip] = {}
        t0 = time.perf_counter()
        if self.add:
            arf = self._add_refitter()
            for x in [best_top, *range(len(pairs))]:
                if x in adds:
                    continue
                adds[x] = (greedy_add(arf, int(above[x]), int(below[x]),
                                      max_votes=self._add_budget()) if usable[x] else
                           _tied("add", above[x], below[x], arf, (len(arf.i), 2),
                                 self._add_budget()))
        timings["add_k_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        randoms = {}
        if self.n_random:
            for x in [best_top, *range(len(pairs))]:
                d = drops[x]
                if d is not None and d.k and x not in randoms:
                    stream = streams[x] if x < len(pairs) else streams[len(pairs)]
                    randoms[x] = random_drops(g, rf, int(above[x]), int(below[x]), d.k,
                                              n_draws=self.n_random, rng=stream)
        timings["random_s"] = time.perf_counter() - t0
        curve = None
        if self.curve_points and len(pairs) and drops[0] is not None and drops[0].k is not None:
            t0 = time.perf_counter()
            kmax = max(2 * drops[0].k, 4)
            ks = np.unique(np.round(np.linspace(0, kmax, self.curve_points)).astype(int))
            curve = self.drop_curve(int(above[0]), int(below[0]), ks,
                                    n_draws=max(20, min(self.n_random, 50)),
                                    rng=streams[len(pairs) + 1])
            timings["curve_s"] = time.perf_counter() - t0
        rows = [self._row("top_spot", 1, best_top, above, below, drops, adds, randoms)]
        rows += [self._row("adjacent", p[1], x, above, below, drops, adds, randoms)
                 for x, p in enumerate(pairs)]
        table = pd.DataFrame(rows, columns=FRAGILITY_COLUMNS)
        for c in ("drop_k", "drop_k_first_order", "add_k", "random_k", "n_random"):
            table[c] = table[c].astype("Int64")
        for c in ("drop_verified", "add_verified"):
            table[c] = table[c].astype(bool)
        table["first_order_held"] = table["first_order_held"].astype("boolean")
        for c in ("kind", "model_above", "model_below"):
            table[c] = table[c].astype("str")
        removed = self._removed(rows, best_top, drops)
        added = self._added(rows, best_top, adds)
        board = pd.DataFrame({
            "model": pd.Series(list(g.models[o]), dtype="str"),
            "rating": self.ratings_.to_numpy()[o],
            "se": np.sqrt(np.clip(np.diag(self.cov_), 0, None))[o] * self.factor,
            "n_battles": self.n_battles_.to_numpy()[o],
        })
        timings["total_s"] = time.perf_counter() - t_start
        config = {
            "method": "bradley_terry", "ties": self.ties, "bothbad": self.bothbad,
            "scale": self.scale, "base": self.base, "init_rating": self.init_rating,
            "max_share": self.max_share, "drop_budget_votes": budget,
            "add": self.add, "add_pairs": self.add_pairs, "max_add_share": self.max_add_share,
            "n_random": self.n_random, "top_challengers": self.top_challengers,
            "seed": None if seed_info is None else int(seed_info),
            "n_votes_table": g.n_votes, "n_votes_used": g.n_used, "excluded": g.excluded,
            "n_models": g.n_models, "separated_models": [str(m) for m in
                                                         g.models[rf.separated0]],
            "regularization": ("none (exact MLE)" if rf.l2_base == 0 else
                               f"separation prior N(0, {self.separation_sd}^2)"),
            "n_refits": rf.n_refits + (self._add_rf.n_refits if hasattr(self, "_add_rf")
                                       and self._add_rf is not rf else 0),
            "timings_s": timings,
        }
        return FragilityResult(table=table, removed=removed, added=added, board=board,
                               curve=curve, config=config)

    def _row(self, kind, rank, x, above, below, drops, adds, randoms) -> dict:
        g, rf, f = self.groups_, self.refitter_, self.factor
        a, b = int(above[x]), int(below[x])
        th = rf.theta0
        gap = (th[a] - th[b]) * f
        var = self.cov_[a, a] + self.cov_[b, b] - 2 * self.cov_[a, b]
        se = math.sqrt(max(var, 0.0)) * f
        cell = np.flatnonzero((g.i == min(a, b)) & (g.j == max(a, b)))
        n_pair = int(g.count[np.isin(g.cell, cell)].sum())
        d = drops[x]
        ad = adds.get(x)
        rd = randoms.get(x)
        n = g.n_used
        return {
            "kind": kind, "rank": rank, "model_above": str(g.models[a]),
            "model_below": str(g.models[b]), "rating_above": self.ratings_.iloc[a],
            "rating_below": self.ratings_.iloc[b], "gap": gap, "se_gap": se,
            "p_correct_order": float(ndtr(gap / se)) if se > 0 else math.nan,
            "n_pair_votes": n_pair,
            "drop_k": None if d is None else d.k,
            "drop_share": math.nan if d is None or d.k is None else d.k / n,
            "drop_verified": bool(d is not None and d.verified),
            "drop_k_first_order": None if d is None else d.k_first_order,
            "first_order_held": None if d is None else d.first_order_held,
            "gap_after_drop": math.nan if d is None or d.k is None else d.gap_after * f,
            "add_k": None if ad is None else ad.k,
            "add_share": math.nan if ad is None or ad.k is None else ad.k / n,
            "add_verified": bool(ad is not None and ad.verified),
            "random_k": None if rd is None else rd.k,
            "random_flip_rate": math.nan if rd is None else rd.flip_rate,
            "random_flip_se": math.nan if rd is None else rd.flip_se,
            "random_flip_upper95": math.nan if rd is None else rd.flip_upper95,
            "random_gap_change": (math.nan if rd is None or not len(rd.gap_change)
                                  else float(rd.gap_change.mean()) * f),
            "n_random": None if rd is None else rd.n_draws,
        }

    def _removed(self, rows, best_top, drops) -> pd.DataFrame:
        g = self.groups_
        votes = self.votes_
        extra = [c for c in _ID_COLUMNS if c in votes.columns]
        parts = []
        xs = [best_top, *range(len(rows) - 1)]
        for row, x in zip(rows, xs, strict=True):
            d = drops[x]
            if d is None or d.k is None:
                continue
            pos = g.rows_of(d.change)
            part = votes.iloc[pos][["model_a", "model_b", "winner", *extra]].copy()
            for c in ("model_a", "model_b", "winner"):
                part[c] = part[c].astype("str")
            part.insert(0, "row", pos)
            for c in ("model_below", "model_above", "rank", "kind"):
                part.insert(0, c, row[c])
            parts.append(part.reset_index(drop=True))
        if not parts:
            return pd.DataFrame(columns=REMOVED_COLUMNS + extra)
        return pd.concat(parts, ignore_index=True)

    def _added(self, rows, best_top, adds) -> pd.DataFrame:
        models = self.groups_.models
        out = []
        xs = [best_top, *range(len(rows) - 1)]
        arf = getattr(self, "_add_rf", None)
        for row, x in zip(rows, xs, strict=True):
            ad = adds.get(x)
            if ad is None or ad.k is None:
                continue
            for c, side in zip(*np.nonzero(ad.change), strict=True):
                w, lo = (arf.i[c], arf.j[c]) if side == 0 else (arf.j[c], arf.i[c])
                out.append({"kind": row["kind"], "rank": row["rank"],
                            "model_above": row["model_above"], "model_below": row["model_below"],
                            "winner_model": str(models[w]), "loser_model": str(models[lo]),
                            "n_votes": int(ad.change[c, side])})
        frame = pd.DataFrame(out, columns=ADDED_COLUMNS)
        for c in ("kind", "model_above", "model_below", "winner_model", "loser_model"):
            frame[c] = frame[c].astype("str")
        return frame


def _tied(kind: str, above, below, rf: Refitter, shape, budget: int) -> Flip:
    """Describe a pair tied at the fit: zero votes, nothing to verify beyond the fit."""
    gap = float(rf.theta0[above] - rf.theta0[below])
    return Flip(kind, int(above), int(below), gap, 0, True, gap, math.nan, 0, True,
                np.zeros(shape, dtype=np.int64), 0, budget)


def fragility(votes: pd.DataFrame, *, rng=None, **params) -> FragilityResult:
    """Audit a board from its votes: ``FragilityAudit(**params).fit(votes).run(rng=rng)``.

    Parameters
    ----------
    votes : pandas.DataFrame
        Canonical vote table.
    rng : numpy.random.Generator, int or None
        Randomness of the random-drop baseline (the seed is recorded in ``config``).
    **params
        See :class:`FragilityAudit`.

    Returns
    -------
    FragilityResult

    Examples
    --------
    >>> from sealvalid.sim import ToyArena, toy_votes
    >>> votes, _ = toy_votes(ToyArena(n_models=5), 3000, rng=1)
    >>> res = fragility(votes, rng=2, n_random=20)
    >>> bool(res.table["drop_verified"].all())
    True
    """
    return FragilityAudit(**params).fit(votes).run(rng=rng)

