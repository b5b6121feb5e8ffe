"""Simulated crowd-vote logs from known Bradley–Terry strengths (benchmarks and golden fixtures).

Standalone on purpose: it needs only numpy and pandas, so it runs both in the package
environment (``.venv``) and in the anchors environment (``.venv-anchors``) that has no sealvalid.

The returned frame already has the canonical vote-table shape of ``sealvalid.data.schema``:
``model_a``/``model_b`` share one categorical dtype whose categories are the sorted model names,
``winner`` is categorical over ``("model_a", "model_b", "tie", "tie_bothbad")`` and the style
columns ``style_{tokens,headers,lists,bold}_{a,b}`` are float64 counts.

Generative model
----------------
* true strengths ``theta`` (natural-log BT scale) ~ Normal(0, ``spread`` Arena points),
  Arena rating of model i = ``1000 + 400 / ln(10) * (theta_i - mean(theta))``;
* each vote draws an unordered pair uniformly among the ``n_models * (n_models - 1) / 2`` pairs
  and a random side assignment;
* style counts: tokens ~ Poisson(exp(N(log verbosity_m, 0.5))) + 1, headers / lists / bold ~
  Poisson(model rate); ``verbosity_m`` and the rates are drawn once per model;
* with probability ``tie_rate`` the vote is a tie (a quarter of them ``tie_bothbad``);
  otherwise ``model_a`` wins with probability
  ``sigmoid(theta_a - theta_b + style_coef * (tok_a - tok_b) / (tok_a + tok_b))``.

Run as a script to (re)write the committed fixture ``tests/fixtures/sim_votes_small.csv``::

    python benchmarks/simulate_log.py --fixture
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["WINNER_LABELS", "STYLE_COLUMNS", "simulate_log", "true_ratings", "FIXTURE_SEED"]

WINNER_LABELS = ("model_a", "model_b", "tie", "tie_bothbad")
STYLE_FEATURES = ("tokens", "headers", "lists", "bold")
STYLE_COLUMNS = tuple(f"style_{f}_{s}" for f in STYLE_FEATURES for s in ("a", "b"))
ARENA_ALPHA = 400.0 / math.log(10.0)  # Arena points per natural-log unit of strength
FIXTURE_SEED = 20261204
REPO = Path(__file__).resolve().parents[1]


def _model_names(n_models: int) -> list[str]:
    width = max(2, len(str(n_models - 1)))
    return [f"model_{i:0{width}d}" for i in range(n_models)]


def true_ratings(n_models: int, spread: float = 100.0, seed=FIXTURE_SEED) -> pd.Series:
    """The true Arena-scale ratings that :func:`simulate_log` uses for the same arguments."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, spread / ARENA_ALPHA, n_models)
    return pd.Series(1000.0 + ARENA_ALPHA * (theta - theta.mean()), index=_model_names(n_models),
                     name="true_rating")


def simulate_log(
    n_votes: int,
    n_models: int,
    tie_rate: float = 0.2,
    seed=FIXTURE_SEED,
    *,
    spread: float = 100.0,
    style: bool = True,
    style_coef: float = 0.5,
) -> pd.DataFrame:
    """Simulate ``n_votes`` pairwise votes among ``n_models`` models with known BT strengths.

    Parameters
    ----------
    n_votes : int
        Number of votes (rows), >= 1.
    n_models : int
        Number of models, >= 2.
    tie_rate : float
        Probability in [0, 1) that a vote is a tie (``tie`` or, one time in four, ``tie_bothbad``).
    seed : int, numpy.random.Generator or None
        Passed to :func:`numpy.random.default_rng`; the strengths are drawn first from this stream,
        so ``true_ratings(n_models, spread, seed)`` returns them for an integer seed.
    spread : float
        Standard deviation of the true ratings in Arena points.
    style : bool
        Add the eight style count columns (and let token length affect the outcome).
    style_coef : float
        Effect on the log-odds of the relative token difference ``(a - b) / (a + b)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``model_a, model_b, winner`` (+ style columns). ``attrs`` records the
        generator settings and the true ratings.
    """
    if n_votes < 1:
        raise ValueError(f"n_votes must be >= 1, got {n_votes}")
    if n_models < 2:
        raise ValueError(f"n_models must be >= 2, got {n_models}")
    if not 0.0 <= tie_rate < 1.0:
        raise ValueError(f"tie_rate must be in [0, 1), got {tie_rate}")
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, spread / ARENA_ALPHA, n_models)
    names = _model_names(n_models)

    # uniform unordered pair, random side: draw i, then j != i uniformly
    i = rng.integers(0, n_models, n_votes)
    j = rng.integers(0, n_models - 1, n_votes)
    j = j + (j >= i)
    idx_dtype = np.int16 if n_models < 2**15 else np.int32
    a = i.astype(idx_dtype)
    b = j.astype(idx_dtype)
    del i, j

    logit = theta[a] - theta[b]
    cols: dict[str, np.ndarray] = {}
    if style:
        verbosity = rng.normal(math.log(400.0), 0.4, n_models)
        rates = rng.gamma(2.0, 1.5, (3, n_models))  # headers, lists, bold per model
        for side, m in (("a", a), ("b", b)):
            lam = np.exp(verbosity[m] + rng.normal(0.0, 0.5, n_votes))
            cols[f"style_tokens_{side}"] = (rng.poisson(lam) + 1).astype(np.float64)
            for k, feat in enumerate(("headers", "lists", "bold")):
                cols[f"style_{feat}_{side}"] = rng.poisson(rates[k][m]).astype(np.float64)
        ta, tb = cols["style_tokens_a"], cols["style_tokens_b"]
        logit = logit + style_coef * (ta - tb) / (ta + tb)

    u = rng.random(n_votes)
    win_a = rng.random(n_votes) < 1.0 / (1.0 + np.exp(-logit))
    del logit
    codes = np.where(win_a, 0, 1).astype(np.int8)
    tie = u < tie_rate
    codes[tie] = np.where(u[tie] < 0.75 * tie_rate, 2, 3)
    del u, win_a, tie

    model_dtype = pd.CategoricalDtype(names)  # names are zero-padded, so already sorted
    out = pd.DataFrame(
        {
            "model_a": pd.Categorical.from_codes(a, dtype=model_dtype),
            "model_b": pd.Categorical.from_codes(b, dtype=model_dtype),
            "winner": pd.Categorical.from_codes(codes, categories=list(WINNER_LABELS)),
        }
    )
    for c in STYLE_COLUMNS if style else ():
        out[c] = cols[c]
    ratings = 1000.0 + ARENA_ALPHA * (theta - theta.mean())
    out.attrs = {
        "generator": "benchmarks/simulate_log.py",
        "n_votes": int(n_votes),
        "n_models": int(n_models),
        "tie_rate": float(tie_rate),
        "seed": seed if isinstance(seed, int) else None,
        "spread": float(spread),
        "style_coef": float(style_coef) if style else 0.0,
        "true_ratings": dict(zip(names, ratings.round(6).tolist(), strict=True)),
    }
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixture", action="store_true",
                   help="write tests/fixtures/sim_votes_small.csv (5000 votes, 12 models)")
    p.add_argument("--n-votes", type=int, default=5000)
    p.add_argument("--n-models", type=int, default=12)
    p.add_argument("--tie-rate", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=FIXTURE_SEED)
    p.add_argument("--out", type=Path, default=None, help="write CSV or Parquet here")
    args = p.parse_args(argv)
    out = args.out
    if args.fixture:
        out = REPO / "tests" / "fixtures" / "sim_votes_small.csv"
    votes = simulate_log(args.n_votes, args.n_models, args.tie_rate, args.seed)
    if out is None:
        print(votes.head())
        print(votes["winner"].value_counts())
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        votes.to_parquet(out, index=False)
    else:
        frame = votes.copy()
        for c in STYLE_COLUMNS:
            if c in frame:
                frame[c] = frame[c].astype(np.int64)  # integral counts: keep the CSV exact
        frame.to_csv(out, index=False, lineterminator="\n")
    print(f"wrote {out} ({len(votes)} votes, {args.n_models} models)")


if __name__ == "__main__":
    main()
