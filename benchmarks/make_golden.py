"""Golden reference ratings from the anchor engines (arena-rank, choix, evalica, FastChat re-impl).

Runs in the anchors environment only (no sealvalid import)::

    bash benchmarks/anchors/setup.sh && .venv-anchors/bin/python benchmarks/make_golden.py

Writes, under ``tests/golden/``:

* ``<dataset>.csv`` — columns ``dataset, engine, setting, model, rating, lower, upper``
  (Arena scale; ``lower``/``upper`` empty where the engine gives no interval);
* ``style_coefficients.csv`` — ``dataset, engine, setting, feature, coef, coef_rating``;
* ``manifest.json`` — versions, settings, optimiser diagnostics, how each dataset was parsed.

The conventions of every engine and setting are documented in
``benchmarks/anchors/CONVENTIONS.md``; the parsing of each dataset in ``tests/golden/README.md``.
Real logs are read from ``$SEALVALID_DATA`` (default ``../shared/data`` beside the repository);
nothing from there is copied into the repository, only derived ratings.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import math
import multiprocessing as mp
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"
FIXTURE = REPO / "tests" / "fixtures" / "sim_votes_small.csv"
ARENA_ALPHA = 400.0 / math.log(10.0)
STYLE_FEATURES = ("tokens", "headers", "lists", "bold")
#: tight optimiser settings for arena-rank: stop on the gradient only, so the result is the MLE
TIGHT = {"gtol": 1e-12, "ftol": 0.0, "max_iter": 1000}
GOLDEN_COLUMNS = ["dataset", "engine", "setting", "model", "rating", "lower", "upper"]

sys.path.insert(0, str(REPO / "benchmarks" / "anchors"))


def data_root() -> Path:
    env = os.environ.get("SEALVALID_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


# ------------------------------------------------------------------------------------ datasets
LEFT_RIGHT = {"left": "model_a", "right": "model_b", "tie": "tie"}


def _left_right(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    bad = ~df["winner"].isin(list(LEFT_RIGHT))
    if bad.any():
        raise ValueError(f"{path}: {int(bad.sum())} rows with winner not in {list(LEFT_RIGHT)}")
    return pd.DataFrame({"model_a": df["left"], "model_b": df["right"],
                         "winner": df["winner"].map(LEFT_RIGHT)})


def load_dataset(name: str, root: Path) -> pd.DataFrame:
    """Votes as plain columns model_a, model_b, winner (canonical labels), in file order."""
    if name == "llmfao_crowd":
        return _left_right(root / "llmfao-crowd-vs-gpt-judge" / "crowd-comparisons.csv")
    if name == "evalica_food":
        return _left_right(root / "evalica-golden" / "food.csv")
    if name == "evalica_simple":
        return _left_right(root / "evalica-golden" / "simple.csv")
    if name == "arena_hard_judge":
        df = pd.read_json(root / "arena-hard-auto-scores" /
                          "arena_hard_battles_llm_judge_20240908.jsonl", lines=True)
        return df[["model_a", "model_b", "winner"]].astype(str).reset_index(drop=True)
    if name == "prd_vicuna80_human":
        df = pd.read_csv(root / "prd-vicuna80-human-vs-llm-reviewers" /
                         "pairwise_ratings_compact.csv")
        df = df[df["reviewer"] == "human"]
        return pd.DataFrame({
            "model_a": df["model_1"].astype(str).to_numpy(),
            "model_b": df["model_2"].astype(str).to_numpy(),
            "winner": df["score"].map({1: "model_a", 2: "model_b", 3: "tie"}).to_numpy(),
        })
    if name == "sim_small":
        return pd.read_csv(FIXTURE)
    raise KeyError(name)


DATASETS = ("llmfao_crowd", "arena_hard_judge", "prd_vicuna80_human", "sim_small",
            "evalica_food", "evalica_simple")
BOOTSTRAP_DATASETS = ("llmfao_crowd", "prd_vicuna80_human", "sim_small")


def _rows(dataset, engine, setting, models, rating, lower=None, upper=None) -> pd.DataFrame:
    out = pd.DataFrame({
        "dataset": dataset, "engine": engine, "setting": setting,
        "model": [str(m) for m in models],
        "rating": np.asarray(rating, dtype=float),
        "lower": np.nan if lower is None else np.asarray(lower, dtype=float),
        "upper": np.nan if upper is None else np.asarray(upper, dtype=float),
    })
    return out[GOLDEN_COLUMNS]


# ------------------------------------------------------------------------------------ engines
def run_arena_rank(dataset: str, votes: pd.DataFrame, diag: dict) -> list[pd.DataFrame]:
    from arena_rank.models.bradley_terry import BradleyTerry
    from arena_rank.utils.data_utils import PairDataset

    out = []
    for setting, ds_kw, bt_kw in (
        ("default", {}, {}),
        ("tight", {}, TIGHT),
        ("reweighted_tight", {"reweighted": True}, TIGHT),
    ):
        ds = PairDataset.from_pandas(votes, **ds_kw)
        model = BradleyTerry(n_competitors=len(ds.competitors), **bt_kw)
        res = model.compute_ratings_and_cis(ds, significance_level=0.05)
        out.append(_rows(dataset, "arena-rank", setting, res["competitors"], res["ratings"],
                         res["rating_lower"], res["rating_upper"]))
        ratings = np.asarray(model.params["ratings"])
        diag[f"arena-rank/{setting}"] = {"mean_theta": float(ratings.mean()),
                                         "n_cells": int(ds.n_pairs)}
    return out


def run_arena_rank_bootstrap(dataset: str, votes: pd.DataFrame, n_boot: int) -> pd.DataFrame:
    """arena-rank's own bootstrap (multinomial over cells, jax PRNGKey(42)), spawn start method."""
    from arena_rank.models.bradley_terry import BradleyTerry
    from arena_rank.utils.data_utils import PairDataset

    ds = PairDataset.from_pandas(votes)
    model = BradleyTerry(n_competitors=len(ds.competitors))
    res = model.compute_ratings_and_cis(ds, ci_method="bootstrap", num_bootstrap=n_boot,
                                        seed=42, n_jobs=2)
    return _rows(dataset, "arena-rank", f"bootstrap{n_boot}_seed42", res["competitors"],
                 res["ratings"], res["rating_lower"], res["rating_upper"])


def style_frame(votes: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Raw style covariates: ``fastchat`` = (a-b)/(a+b+1); ``lmarena`` = (a-b)/(a+b), 0/0 -> 0."""
    v = votes[["model_a", "model_b", "winner"]].copy()
    for f in STYLE_FEATURES:
        a = votes[f"style_{f}_a"].astype(float)
        b = votes[f"style_{f}_b"].astype(float)
        if kind == "fastchat":
            v[f] = (a - b) / (a + b + 1.0)
        else:  # arena-rank examples/example_utils.py add_style_feature_cols
            raw = (a - b) / (a + b).replace(0, 1)
            v[f] = (raw - raw.mean()) / raw.std()
    return v


def run_arena_rank_style(dataset: str, votes: pd.DataFrame, diag: dict):
    from arena_rank.models.contextual_bradley_terry import ContextualBradleyTerry
    from arena_rank.utils.data_utils import ContextualPairDataset

    feats = list(STYLE_FEATURES)
    rows, coefs = [], []
    for setting, kind, ds_kw, bt_kw in (
        ("style_noreg_tight", "fastchat", {"reweighted": False}, {"reg": 0.0, **TIGHT}),
        ("style_reg1_tight", "fastchat", {"reweighted": False}, {"reg": 1.0, **TIGHT}),
        ("style_lmarena_default", "lmarena", {}, {}),
    ):
        v = style_frame(votes, kind)
        ds = ContextualPairDataset.from_pandas(v, feature_cols=feats, **ds_kw)
        model = ContextualBradleyTerry(n_competitors=len(ds.competitors), n_features=len(feats),
                                       **bt_kw)
        res = model.compute_ratings_and_cis(ds, significance_level=0.05)
        rows.append(_rows(dataset, "arena-rank", setting, res["competitors"], res["ratings"],
                          res["rating_lower"], res["rating_upper"]))
        c = np.asarray(res["coeffs"], dtype=float)
        coefs.append(pd.DataFrame({"dataset": dataset, "engine": "arena-rank",
                                   "setting": setting, "feature": feats, "coef": c,
                                   "coef_rating": c * ARENA_ALPHA}))
        diag[f"arena-rank/{setting}"] = {"n_votes": int(ds.pairs.shape[0]),
                                         "features": kind,
                                         "reweighted": bool(ds_kw.get("reweighted", True)),
                                         "reg": float(bt_kw.get("reg", 1.0))}
    return rows, coefs


def comparison_matrix(votes: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """``M[i, j]`` = wins of i over j, a tie adding 0.5 to both directions."""
    models = sorted(set(votes["model_a"]).union(votes["model_b"]))
    pos = {m: k for k, m in enumerate(models)}
    i = votes["model_a"].map(pos).to_numpy()
    j = votes["model_b"].map(pos).to_numpy()
    w = votes["winner"].to_numpy()
    m = np.zeros((len(models), len(models)))
    np.add.at(m, (i[w == "model_a"], j[w == "model_a"]), 1.0)
    np.add.at(m, (j[w == "model_b"], i[w == "model_b"]), 1.0)
    tie = np.isin(w, ["tie", "tie_bothbad"])
    np.add.at(m, (i[tie], j[tie]), 0.5)
    np.add.at(m, (j[tie], i[tie]), 0.5)
    return m, models


def run_choix(dataset: str, votes: pd.DataFrame, diag: dict) -> list[pd.DataFrame]:
    import choix

    m, models = comparison_matrix(votes)
    params = choix.ilsr_pairwise_dense(m)  # alpha=0, tol=1e-8, max_iter=100
    diag["choix/ilsr_pairwise_dense"] = {"mean_param": float(params.mean())}
    return [_rows(dataset, "choix", "ilsr_pairwise_dense", models,
                  1000.0 + ARENA_ALPHA * (params - params.mean()))]


def _evalica_winners(votes: pd.DataFrame):
    import evalica

    code = {"model_a": evalica.Winner.X, "model_b": evalica.Winner.Y,
            "tie": evalica.Winner.Draw, "tie_bothbad": evalica.Winner.Draw}
    return [code[w] for w in votes["winner"]]


def run_evalica(dataset: str, votes: pd.DataFrame, diag: dict) -> list[pd.DataFrame]:
    import evalica

    xs, ys = votes["model_a"].tolist(), votes["model_b"].tolist()
    w = _evalica_winners(votes)
    bt = evalica.bradley_terry(xs, ys, w)  # tie_weight 0.5, tolerance 1e-6, limit 100
    logs = np.log10(bt.scores.to_numpy())
    elo_bt = 1000.0 + 400.0 * (logs - logs.mean())
    el = evalica.elo(xs, ys, w)  # initial 1000, base 10, scale 400, k 4, tie 0.5, file order
    diag["evalica/bradley_terry"] = {"iterations": int(bt.iterations), "limit": bt.limit,
                                     "tolerance": bt.tolerance, "solver": bt.solver}
    return [_rows(dataset, "evalica", "bradley_terry", bt.scores.index, elo_bt),
            _rows(dataset, "evalica", "elo_k4", el.scores.index, el.scores.to_numpy())]


def run_fastchat(dataset: str, votes: pd.DataFrame, diag: dict) -> list[pd.DataFrame]:
    import fastchat_reimpl as fc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn convergence chatter on tiny sets
        newest = fc.newest_rate(votes)
        original = fc.original_fit(votes)
    return [_rows(dataset, "fastchat-reimpl", "newest_compute_bt", newest.index, newest),
            _rows(dataset, "fastchat-reimpl", "original_compute_mle_elo", original.index,
                  original)]


def versions() -> dict:
    out = {}
    for name in ("arena-rank", "evalica", "choix", "scikit-learn", "jax", "optax", "numpy",
                 "scipy", "pandas"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    out["python"] = platform.python_version()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    p.add_argument("--n-boot", type=int, default=100, help="arena-rank bootstrap rounds")
    p.add_argument("--no-bootstrap", action="store_true", help="skip arena-rank's bootstrap")
    p.add_argument("--out", type=Path, default=GOLDEN)
    args = p.parse_args(argv)
    # arena-rank's bootstrap uses multiprocessing.Pool; under the default fork start method the
    # multithreaded JAX runtime deadlocks, so spawn is required
    mp.set_start_method("spawn", force=True)
    root = data_root()
    args.out.mkdir(parents=True, exist_ok=True)
    manifest_path = args.out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest.setdefault("datasets", {})
    all_coefs = []
    for name in args.datasets:
        t0 = time.perf_counter()
        votes = load_dataset(name, root)
        diag: dict = {}
        frames = []
        frames += run_arena_rank(name, votes, diag)
        if not args.no_bootstrap and name in BOOTSTRAP_DATASETS:
            frames.append(run_arena_rank_bootstrap(name, votes, args.n_boot))
        if name == "sim_small":
            rows, coefs = run_arena_rank_style(name, votes, diag)
            frames += rows
            all_coefs += coefs
        frames += run_choix(name, votes, diag)
        frames += run_evalica(name, votes, diag)
        frames += run_fastchat(name, votes, diag)
        table = pd.concat(frames, ignore_index=True)
        previous = args.out / f"{name}.csv"
        if args.no_bootstrap and name in BOOTSTRAP_DATASETS and previous.exists():
            # keep the previously computed bootstrap rows when skipping the bootstrap
            old = pd.read_csv(previous)
            table = pd.concat([table, old[old["setting"].str.startswith("bootstrap")]],
                              ignore_index=True)
        table.to_csv(args.out / f"{name}.csv", index=False, float_format="%.10f",
                     lineterminator="\n")
        counts = votes["winner"].value_counts().to_dict()
        manifest["datasets"][name] = {
            "n_votes": len(votes),
            "n_models": int(pd.concat([votes["model_a"], votes["model_b"]]).nunique()),
            "winner_counts": {k: int(v) for k, v in sorted(counts.items())},
            "diagnostics": diag,
        }
        print(f"{name}: {len(votes)} votes, {len(table)} golden rows "
              f"({time.perf_counter() - t0:.1f}s)", flush=True)
    if all_coefs:
        pd.concat(all_coefs, ignore_index=True).to_csv(
            args.out / "style_coefficients.csv", index=False, float_format="%.10f",
            lineterminator="\n")
    manifest["versions"] = versions()
    manifest["tight_settings"] = TIGHT
    manifest["command"] = ("bash benchmarks/anchors/setup.sh && "
                           ".venv-anchors/bin/python benchmarks/make_golden.py")
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
