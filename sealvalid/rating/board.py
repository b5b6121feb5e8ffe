"""The ``Leaderboard`` result and the :func:`rate` entry point."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import chdtri, ndtri

from sealvalid import __version__
from sealvalid.rating.bt import BradleyTerry, parse_anchor

__all__ = ["Leaderboard", "BOARD_COLUMNS", "INTERVAL_METHODS", "COMPAT_MODES", "rate",
           "rank_from_intervals", "ranks_from_bootstrap", "inverse_pair_weights"]

#: compatibility modes of :func:`rate` (see its docstring)
COMPAT_MODES = ("lmarena", "arena_rank")
LMARENA_ANCHOR = ("mixtral-8x7b-instruct-v0.1", 1114.0)
LMARENA_MIN_BATTLES = 300
ARENA_RANK_RIDGE = 1e-5

#: the tidy column contract of a leaderboard (segment boards add ``segment`` columns in front)
BOARD_COLUMNS = ["model", "rating", "lower", "upper", "rank", "rank_lower", "rank_upper",
                 "n_battles"]
INTERVAL_METHODS = ("sandwich", "bootstrap", "none")


def rank_from_intervals(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                         np.ndarray]:
    """LMArena's rank and the rank range implied by intervals.

    ``rank = 1 + #{j: lower_j > upper_i}`` (models whose interval lies wholly above);
    ``rank_lower`` (best plausible) equals ``rank``; ``rank_upper`` (worst plausible) is
    ``K - #{j: upper_j < lower_i}``.
    """
    lower = np.asarray(lower, float)
    upper = np.asarray(upper, float)
    above = (lower[None, :] > upper[:, None]).sum(axis=1)
    below = (upper[None, :] < lower[:, None]).sum(axis=1)
    rank = 1 + above
    return rank, rank.copy(), len(lower) - below


def ranks_from_bootstrap(boot: pd.DataFrame, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of each model's rank over bootstrap rounds (1 = best)."""
    ranks = (-boot.to_numpy()).argsort(axis=1).argsort(axis=1) + 1
    lo = np.quantile(ranks, alpha / 2, axis=0, method="inverted_cdf")
    hi = np.quantile(ranks, 1 - alpha / 2, axis=0, method="inverted_cdf")
    return lo.astype(int), hi.astype(int)


@dataclass
class Leaderboard:
    """A rated board: the tidy table plus how it was made.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model (per segment for segment boards) with :data:`BOARD_COLUMNS`
        (``rank_lower`` is the best plausible rank, ``rank_upper`` the worst), sorted by rating;
        extra columns: ``separated`` (rating under the separation prior), ``component``.
    config : dict
        Method, scale, anchor, tie convention, interval method, alpha, seed, regularisation.
    bootstrap : pandas.DataFrame or None
        Bootstrap ratings (rounds x models) when intervals came from the bootstrap.
    style : pandas.DataFrame or None
        Style coefficients with intervals (style-controlled boards).
    """

    table: pd.DataFrame
    config: dict = field(default_factory=dict)
    bootstrap: pd.DataFrame | None = None
    style: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"Leaderboard({len(self.table)} rows; {self.config.get('intervals')})\n" + \
            self.table.head(20).to_string(index=False)

    def plot(self, *, ax=None, top: int | None = 30):
        """Forest plot of ratings with intervals (see :func:`sealvalid.plots.plot_leaderboard`)."""
        from sealvalid.plots import plot_leaderboard

        return plot_leaderboard(self, ax=ax, top=top)


def _finish_table(models, ratings, lower, upper, n_battles, separated, component,
                  rank_lo=None, rank_hi=None) -> pd.DataFrame:
    rank, r_lo, r_hi = rank_from_intervals(lower, upper)
    if rank_lo is not None:
        r_lo, r_hi = rank_lo, rank_hi
    table = pd.DataFrame({
        "model": pd.Series(list(models), dtype="str"),
        "rating": ratings,
        "lower": lower,
        "upper": upper,
        "rank": rank.astype(np.int64),
        "rank_lower": np.asarray(r_lo, dtype=np.int64),
        "rank_upper": np.asarray(r_hi, dtype=np.int64),
        "n_battles": np.asarray(n_battles, dtype=np.int64),
        "separated": np.asarray(separated, dtype=bool),
        "component": np.asarray(component, dtype=np.int64),
    })
    return table.sort_values(["rating", "model"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)


def board_from_fit(
    bt: BradleyTerry,
    *,
    intervals: str = "sandwich",
    alpha: float = 0.05,
    simultaneous: bool = False,
    n_rounds: int = 1000,
    rng=None,
    bootstrap_method: str = "multinomial",
    ridge: float = 0.0,
    covariance: pd.DataFrame | None = None,
) -> Leaderboard:
    """Build a :class:`Leaderboard` from a fitted :class:`BradleyTerry`.

    Parameters
    ----------
    intervals : {"sandwich", "bootstrap", "none"}
        Sandwich (robust, analytic) or percentile-bootstrap intervals.
    alpha : float
        ``1 - alpha`` coverage.
    simultaneous : bool
        Uniform simultaneous set of the Chatbot Arena paper: each interval is the projection of
        the ``chi2(1 - alpha, K - 1)`` confidence ellipsoid, ``rating +- sqrt(q) * se``
        (sandwich), or a max-|z| calibrated band (bootstrap), so that all intervals hold at once.
    covariance : pandas.DataFrame, optional
        Rating covariance to use for sandwich intervals instead of the fit's own (e.g. the
        voter-clustered sandwich of :func:`sealvalid.rating.cluster.cluster_covariance`).
    """
    if intervals not in INTERVAL_METHODS:
        raise ValueError(f"intervals={intervals!r} unknown; allowed: {list(INTERVAL_METHODS)}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    ratings = bt.ratings_.to_numpy()
    k = len(ratings)
    boot = None
    rank_lo = rank_hi = None
    if covariance is not None and intervals != "sandwich":
        raise ValueError(f"a given covariance makes sandwich intervals; intervals={intervals!r}")
    if intervals == "sandwich":
        cov = bt.covariance(ridge=ridge) if covariance is None else covariance
        se = np.sqrt(np.clip(np.diag(cov.reindex(index=bt.ratings_.index,
                                                 columns=bt.ratings_.index).to_numpy()), 0, None))
        # chdtri(df, alpha) is the (1 - alpha) quantile of chi2(df); ndtri the normal quantile
        q = np.sqrt(chdtri(max(k - 1, 1), alpha)) if simultaneous else ndtri(1 - alpha / 2)
        lower, upper = ratings - q * se, ratings + q * se
    elif intervals == "bootstrap":
        boot = bt.bootstrap(n_rounds, rng=rng, method=bootstrap_method)
        b = boot.to_numpy()
        if simultaneous:
            centre = b.mean(axis=0)
            sd = b.std(axis=0, ddof=1)
            sd = np.where(sd > 0, sd, 1.0)
            zmax = np.max(np.abs(b - centre) / sd, axis=1)
            q = np.quantile(zmax, 1 - alpha)
            lower, upper = ratings - q * sd, ratings + q * sd
        else:
            lower = np.quantile(b, alpha / 2, axis=0)
            upper = np.quantile(b, 1 - alpha / 2, axis=0)
        rank_lo, rank_hi = ranks_from_bootstrap(boot, alpha)
    else:
        lower = upper = ratings
    table = _finish_table(bt.ratings_.index, ratings, lower, upper, bt.n_battles_.to_numpy(),
                          bt.separated_.to_numpy(), bt.component_.to_numpy(), rank_lo, rank_hi)
    if intervals == "none":
        table["rank_lower"] = table["rank"]
        table["rank_upper"] = table["rank"]
    config = {
        "sealvalid": __version__,
        "method": "bradley_terry",
        "ties": bt.ties,
        "bothbad": bt.bothbad,
        "scale": bt.scale,
        "base": bt.base,
        "init_rating": bt.init_rating,
        "anchor": None if bt.anchor is None else list(parse_anchor(bt.anchor)),
        "intervals": intervals,
        "alpha": alpha,
        "simultaneous": simultaneous,
        "regularization": bt.regularization_,
        "converged": bt.converged_,
        "n_votes": bt.cells_.n_votes,
    }
    if bt.position:
        config["position_coef"] = bt.position_coef_ * bt.factor
    if bt.tie_param_ is not None:
        config["tie_param"] = bt.tie_param_
    if boot is not None:
        config["bootstrap"] = boot.attrs["bootstrap"]
    return Leaderboard(table=table, config=config, bootstrap=boot)


def inverse_pair_weights(votes: pd.DataFrame, *, min_pair_count: int = 50) -> np.ndarray:
    """Compute LMArena's inverse-propensity pair weights, normalised to mean 1.

    Each vote gets ``1 / max(n_pair, min_pair_count)`` (``n_pair`` counts the votes of its
    unordered pair), then the weights are divided by their mean.
    """
    from sealvalid.rating.cells import vote_codes

    a, b, _, _ = vote_codes(votes)
    k = len(votes["model_a"].cat.categories)
    key = np.minimum(a, b) * k + np.maximum(a, b)
    _, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
    w = 1.0 / np.maximum(cnt[inv], min_pair_count)
    return w / w.mean()


def _apply_compat(votes: pd.DataFrame, compat: str | None, anchor, min_battles: int,
                  notes: list[str]):
    """Votes, anchor, display cut and sandwich ridge under a compatibility mode."""
    ridge = 0.0
    if compat is None:
        return votes, anchor, min_battles, ridge
    if compat not in COMPAT_MODES:
        raise ValueError(f"compat={compat!r} unknown; allowed: {list(COMPAT_MODES)}")
    if compat == "lmarena":
        if "anony" in votes.columns:
            keep = votes["anony"].astype(bool).to_numpy()
            notes.append(f"lmarena: kept {int(keep.sum())} anonymous of {len(votes)} votes")
            from sealvalid.data.schema import validate_votes

            votes = validate_votes(votes[keep])
        else:
            notes.append("lmarena: no 'anony' column, so all votes were used")
        if anchor is None:
            name, value = LMARENA_ANCHOR
            models = set(votes["model_a"].cat.categories)
            if name in models:
                anchor = f"{name}={value}"
            else:
                notes.append(f"lmarena: anchor model {name!r} absent, ratings average 1000")
        if min_battles == 0:
            min_battles = LMARENA_MIN_BATTLES
    else:  # arena_rank
        n = len(votes)
        ridge = ARENA_RANK_RIDGE * n if "weight" not in votes.columns else ARENA_RANK_RIDGE
        notes.append(f"arena_rank: sandwich Hessian ridge {ridge:g}")
    return votes, anchor, min_battles, ridge


def rate(
    votes: pd.DataFrame,
    *,
    compat: str | None = None,
    intervals: str | None = None,
    bootstrap: int = 0,
    alpha: float = 0.05,
    simultaneous: bool = False,
    anchor=None,
    style_control: bool = False,
    min_battles: int = 0,
    rng=None,
    bootstrap_method: str = "multinomial",
    cluster: str | None = None,
    **bt_params,
) -> Leaderboard:
    """Rate models from a vote table: Bradley–Terry with intervals, as a :class:`Leaderboard`.

    Parameters
    ----------
    votes : pandas.DataFrame
        Canonical vote table.
    intervals : {"sandwich", "bootstrap", "none"}, optional
        Default: ``"bootstrap"`` when ``bootstrap > 0``, else ``"sandwich"``.
    bootstrap : int
        Bootstrap rounds.
    alpha, simultaneous
        See :func:`board_from_fit`.
    anchor
        Pin one model's rating (``"model=1114"``).
    style_control : bool
        Fit with style covariates (see :func:`sealvalid.rating.style.style_control`).
    min_battles : int
        Drop models with fewer battles from the displayed table (after fitting on all votes),
        as LMArena's display cut does.
    rng
        Randomness for the bootstrap.
    compat : {"lmarena", "arena_rank"}, optional
        ``"lmarena"``: LMArena/FastChat conventions — anonymous battles only (when an ``anony``
        column exists), anchor ``mixtral-8x7b-instruct-v0.1 = 1114`` when that model is rated,
        a 300-battle display cut; ranks are LMArena's rule (the default here anyway).
        ``"arena_rank"``: arena-rank's sandwich, with a ridge of ``1e-5 * N`` on the Hessian
        before inversion. What a mode changed is listed in ``config["compat_notes"]``. Known
        anchor faults are not copied: unknown winner labels still raise.
    cluster : str, optional
        Column of voter (or other cluster) ids: sandwich intervals from the cluster-robust
        covariance (:func:`sealvalid.rating.cluster.cluster_covariance`), which accounts for
        votes of one voter sharing that voter's tastes; the ordinary sandwich treats every vote
        as independent and is too narrow when voters vote many times. Sandwich intervals only,
        no anchor, position or style terms.
    **bt_params
        Passed to :class:`BradleyTerry` (``ties``, ``bothbad``, ``position``, ``l2``, ...).
    """
    if not isinstance(votes["model_a"].dtype, pd.CategoricalDtype):
        from sealvalid.data.schema import validate_votes

        votes = validate_votes(votes)
    notes: list[str] = []
    votes, anchor, min_battles, ridge = _apply_compat(votes, compat, anchor, min_battles, notes)
    if intervals is None:
        intervals = "bootstrap" if bootstrap > 0 else "sandwich"
    if cluster is not None and (intervals != "sandwich" or style_control):
        raise ValueError(f"cluster={cluster!r} gives cluster-robust sandwich intervals; it "
                         f"cannot be combined with intervals={intervals!r}"
                         + (" or style control" if style_control else ""))
    if style_control:
        from sealvalid.rating.style import style_control as _style

        board = _style(votes, intervals=intervals, n_rounds=bootstrap or 1000, alpha=alpha,
                       anchor=anchor, rng=rng, **bt_params)
    else:
        bt = BradleyTerry(anchor=anchor, **bt_params).fit(votes)
        cov = None
        if cluster is not None:
            from sealvalid.rating.cluster import cluster_covariance

            cov = cluster_covariance(bt, votes, cluster)
        board = board_from_fit(bt, intervals=intervals, alpha=alpha, simultaneous=simultaneous,
                               n_rounds=bootstrap or 1000, rng=rng,
                               bootstrap_method=bootstrap_method, ridge=ridge, covariance=cov)
        if cluster is not None:
            board.config["covariance"] = "voter-clustered sandwich"
            board.config["cluster"] = cluster
            board.config["n_clusters"] = int(votes[cluster].nunique(dropna=True)
                                             + votes[cluster].isna().sum())
    if compat is not None:
        board.config["compat"] = compat
        board.config["compat_notes"] = notes
    if min_battles > 0:
        board.table = board.table[board.table["n_battles"] >= min_battles].reset_index(drop=True)
        board.config["min_battles"] = min_battles
    return board
