"""Re-implementation of FastChat's two Bradley–Terry pipelines — FOR TIMING AND CROSS-CHECKS ONLY.

This is NOT FastChat's code and not part of sealvalid. It was written from a reading of
``fastchat/serve/monitor/elo_analysis.py`` and ``fastchat/serve/monitor/rating_systems.py``
(lm-sys/FastChat) and follows their algorithms step by step, so that ``benchmarks/bench_rating.py``
can time them on the same data as sealvalid without installing FastChat (which pulls in a web
stack). Only the algorithmic choices that matter for speed and numbers are kept:

(a) ``original``: the 2023–mid-2024 method (``compute_mle_elo`` + ``get_bootstrap_result``)
    * every battle is duplicated; a design matrix ``X`` (2N x M, dense float64) holds
      ``+ln(base)`` in the model_a column and ``-ln(base)`` in the model_b column;
    * ``Y = 1`` for a model_a win (both copies), ``0`` for a model_b win; a tie (``tie`` or
      ``tie (bothbad)``) gets ``Y = 1`` in the first copy and ``0`` in the second
      ("one tie => one A win + one B win"), so a tie is half a win after the duplication;
    * ``sklearn.linear_model.LogisticRegression(fit_intercept=False, penalty=None, tol=1e-8)``
      (solver lbfgs, max_iter=100) on (X, Y) — here spelled ``C=inf``, the same unpenalised fit,
      because scikit-learn >= 1.8 deprecates ``penalty=None``; rating = ``400 * coef + 1000``;
      then shifted so that ``mixtral-8x7b-instruct-v0.1`` = 1114 when present;
    * bootstrap: ``battles.sample(frac=1.0, replace=True)`` and a full refit per round
      (FastChat seeded the global ``np.random`` with 42; here an explicit ``rng`` is used).

(b) ``newest``: the method of FastChat PR #3523 (``rating_systems.compute_bt`` /
    ``compute_bootstrap_bt``)
    * ``preprocess_for_bt``: an (N, 3) int32 schedule ``[a, b, outcome]`` with outcome 2 for a
      model_a win, 0 for a model_b win and 1 (the pre-fill) for ANYTHING ELSE — an unknown
      winner label silently becomes a tie — reduced with ``np.unique(axis=0, return_counts)``
      to unique (ordered pair, outcome) rows with their counts;
    * loss: ``-sum_r w_r [y_r log s(l_r) + (1 - y_r) log(1 - s(l_r))]`` with
      ``l_r = ln(base) * (theta_a - theta_b)``, ``y_r in {1, 0.5, 0}``, ``w_r`` = count (point
      fit, a SUM loss) or ``count_boot / N`` (bootstrap, a MEAN loss); gradient aggregated with
      ``np.add.at``;
    * ``scipy.optimize.minimize(method="L-BFGS-B", x0=0, jac=True,
      options={"maxiter": 100, "gtol": 1e-6})``; rating = ``400 * theta + 1000`` (theta in
      log10 units), anchored as in (a);
    * bootstrap: ``default_rng(0).multinomial(N, counts / N, size=num_round)``, each round a
      refit with weights ``boot_counts / N`` on a ``multiprocessing.Pool(os.cpu_count())``
      (``imap_unordered``).

Command line (whole-process timing)::

    python fastchat_reimpl.py newest VOTES.parquet --bootstrap 1000 --out board.csv
    python fastchat_reimpl.py original VOTES.parquet --bootstrap 3 --out board.csv  # needs sklearn

The ``original`` method needs scikit-learn (only in ``.venv-anchors``); ``newest`` needs only
numpy, scipy and pandas.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit

__all__ = [
    "ANCHOR",
    "TIE_LABELS",
    "original_fit",
    "original_bootstrap",
    "newest_preprocess",
    "newest_loss_and_grad",
    "newest_fit",
    "newest_rate",
    "newest_bootstrap",
    "leaderboard",
]

#: FastChat's published anchor: this model, when present, is shifted to this rating.
ANCHOR = ("mixtral-8x7b-instruct-v0.1", 1114.0)
#: Labels FastChat treats as ties ("tie_bothbad" is sealvalid's canonical spelling).
TIE_LABELS = ("tie", "tie (bothbad)", "tie_bothbad")


def _as_str(s: pd.Series) -> pd.Series:
    return s.astype(str) if isinstance(s.dtype, pd.CategoricalDtype) else s


def _anchor(scaled: np.ndarray, models: list[str], anchor) -> np.ndarray:
    if anchor is not None and anchor[0] in models:
        k = models.index(anchor[0])
        scaled = scaled + (anchor[1] - scaled[..., [k]])
    return scaled


# --------------------------------------------------------------------------------------------
# (a) original: one-hot logistic regression on duplicated battles, row-resampling bootstrap
# --------------------------------------------------------------------------------------------
def original_fit(
    battles: pd.DataFrame,
    scale: float = 400.0,
    base: float = 10.0,
    init_rating: float = 1000.0,
    anchor=ANCHOR,
) -> pd.Series:
    """FastChat ``compute_mle_elo``: ratings (sorted, descending) from one LogisticRegression."""
    from sklearn.linear_model import LogisticRegression

    a = _as_str(battles["model_a"]).to_numpy()
    b = _as_str(battles["model_b"]).to_numpy()
    w = _as_str(battles["winner"]).to_numpy()
    models = list(pd.unique(np.concatenate([a, b])))  # order of first appearance
    pos = {m: k for k, m in enumerate(models)}
    n = len(a)
    ia = np.fromiter((pos[x] for x in a), dtype=np.int64, count=n)
    ib = np.fromiter((pos[x] for x in b), dtype=np.int64, count=n)
    ia2, ib2 = np.concatenate([ia, ia]), np.concatenate([ib, ib])  # the duplicated battles
    rows = np.arange(2 * n)
    x = np.zeros((2 * n, len(models)))
    x[rows, ia2] = math.log(base)
    x[rows, ib2] = -math.log(base)
    y = np.zeros(2 * n)
    y[np.concatenate([w == "model_a", w == "model_a"])] = 1.0
    tie = np.isin(w, TIE_LABELS)
    y[:n][tie] = 1.0  # first copy of a tie: an A win; second copy stays a B win
    # FastChat: LogisticRegression(fit_intercept=False, penalty=None, tol=1e-8); scikit-learn >= 1.8
    # deprecates penalty=None in favour of C=inf (the same unpenalised objective)
    lr = LogisticRegression(fit_intercept=False, C=np.inf, tol=1e-8)
    lr.fit(x, y)
    scaled = _anchor(scale * lr.coef_[0] + init_rating, models, anchor)
    return pd.Series(scaled, index=models).sort_values(ascending=False)


def original_bootstrap(
    battles: pd.DataFrame, num_round: int, rng=None, **fit_kwargs
) -> pd.DataFrame:
    """FastChat ``get_bootstrap_result``: resample battle rows with replacement and refit."""
    rng = np.random.default_rng(rng)
    rows = []
    for _ in range(num_round):
        sample = battles.sample(frac=1.0, replace=True, random_state=rng)
        rows.append(original_fit(sample, **fit_kwargs))
    df = pd.DataFrame(rows)
    return df[df.median().sort_values(ascending=False).index]


# --------------------------------------------------------------------------------------------
# (b) newest: unique (pair, outcome) rows + counts, scipy L-BFGS-B, multinomial bootstrap
# --------------------------------------------------------------------------------------------
def newest_preprocess(battles: pd.DataFrame):
    """FastChat ``preprocess_for_bt``: unique (a, b, outcome) rows, outcomes and counts."""
    n = len(battles)
    codes, uniques = pd.factorize(
        pd.concat([_as_str(battles["model_a"]), _as_str(battles["model_b"])], ignore_index=True)
    )
    schedule = np.full((n, 3), 1, dtype=np.int32)  # outcome pre-filled with 1 = tie
    schedule[:, 0] = codes[:n]
    schedule[:, 1] = codes[n:]
    w = _as_str(battles["winner"]).to_numpy()
    schedule[w == "model_a", 2] = 2
    schedule[w == "model_b", 2] = 0
    cells, counts = np.unique(schedule, return_counts=True, axis=0)
    matchups = cells[:, :2]
    outcomes = cells[:, 2].astype(np.float64) / 2.0
    return matchups, outcomes, list(uniques), counts.astype(np.float64)


_SIGNS = np.array([1.0, -1.0])


def newest_loss_and_grad(theta, matchups, outcomes, weights, alpha=1.0):
    """BT negative log-likelihood (weighted sum over cells) and its gradient."""
    d = theta[matchups]
    p = expit(alpha * (d[:, 0] - d[:, 1]))
    loss = -((np.log(p) * outcomes + np.log(1.0 - p) * (1.0 - outcomes)) * weights).sum()
    g_cell = -alpha * (outcomes - p) * weights
    grad = np.zeros_like(theta)
    np.add.at(grad, matchups, g_cell[:, None] * _SIGNS)
    return loss, grad


def newest_fit(matchups, outcomes, weights, n_models, alpha, tol=1e-6):
    """FastChat ``fit_bt``: L-BFGS-B from zeros, maxiter 100, gtol ``tol``."""
    res = minimize(
        newest_loss_and_grad,
        np.zeros(n_models),
        args=(matchups, outcomes, weights, alpha),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 100, "gtol": tol},  # FastChat also passes disp=False (a no-op)
    )
    return res.x


def newest_rate(battles, base=10.0, scale=400.0, init_rating=1000.0, tol=1e-6, anchor=ANCHOR):
    """FastChat ``compute_bt``: point ratings (sorted, descending)."""
    matchups, outcomes, models, counts = newest_preprocess(battles)
    theta = newest_fit(matchups, outcomes, counts, len(models), math.log(base), tol)
    scaled = _anchor(theta * scale + init_rating, models, anchor)
    return pd.Series(scaled, index=models).sort_values(ascending=False)


def newest_bootstrap(
    battles,
    num_round,
    base=10.0,
    scale=400.0,
    init_rating=1000.0,
    tol=1e-6,
    num_cpu=None,
    seed=0,
    anchor=ANCHOR,
) -> pd.DataFrame:
    """FastChat ``compute_bootstrap_bt``: multinomial count resampling, one refit per round."""
    matchups, outcomes, models, counts = newest_preprocess(battles)
    n = len(battles)
    rng = np.random.default_rng(seed)
    boot = rng.multinomial(n=n, pvals=counts / counts.sum(), size=num_round)
    boot_weights = boot.astype(np.float64) / n
    fit = partial(newest_fit, matchups, outcomes, n_models=len(models), alpha=math.log(base),
                  tol=tol)
    with mp.Pool(num_cpu or os.cpu_count()) as pool:
        thetas = list(pool.imap_unordered(fit, boot_weights))
    scaled = _anchor(np.array(thetas) * scale + init_rating, models, anchor)
    df = pd.DataFrame(scaled, columns=models)
    return df[df.median().sort_values(ascending=False).index]


def leaderboard(point: pd.Series, boot: pd.DataFrame) -> pd.DataFrame:
    """Rating with FastChat's 2.5 % / 97.5 % bootstrap quantiles, best first."""
    return pd.DataFrame(
        {"rating": point, "lower": boot.quantile(0.025), "upper": boot.quantile(0.975)}
    ).rename_axis("model").sort_values("rating", ascending=False)


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path, columns=["model_a", "model_b", "winner"])
    return pd.read_csv(path, usecols=["model_a", "model_b", "winner"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="FastChat BT re-implementation (timing only)")
    p.add_argument("method", choices=["newest", "original"])
    p.add_argument("votes", type=Path, help="vote table (.parquet or .csv)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap rounds")
    p.add_argument("--out", type=Path, default=None, help="leaderboard CSV")
    p.add_argument("--num-cpu", type=int, default=None, help="pool size (newest)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timings", action="store_true", help="print stage timings to stderr")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    battles = _read(args.votes)
    t1 = time.perf_counter()
    if args.method == "newest":
        point = newest_rate(battles)
        t2 = time.perf_counter()
        boot = newest_bootstrap(battles, args.bootstrap, num_cpu=args.num_cpu, seed=args.seed)
    else:
        point = original_fit(battles)
        t2 = time.perf_counter()
        boot = original_bootstrap(battles, args.bootstrap, rng=args.seed)
    t3 = time.perf_counter()
    board = leaderboard(point, boot)
    if args.out is not None:
        board.to_csv(args.out)
    if args.timings:
        print(f"read {t1 - t0:.3f}s fit {t2 - t1:.3f}s bootstrap({args.bootstrap}) {t3 - t2:.3f}s",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
