"""Experiment tasks for the headline questions: strategies, safeguards, segments, real data.

Tasks (registered in :data:`sealvalid.experiments.tasks.TASKS`; one call = one replicate):

``strategy_shift``
    One strategy in one world, optionally under defenses. Parameters: ``world`` (an arena
    preset such as ``"lmarena-like"``, or a static preset ``"ladder"`` / ``"flawed-agentic"``),
    ``n_models`` (arena presets), ``strategy`` (registry name), ``n_votes`` (arena strategies),
    ``defenses`` (list of registry names, default none), strategy parameters as flat keys
    ``"strategy.<param>"`` and defense parameters as ``"defense.<name>.<param>"`` — flat, so
    that the grid can sweep them. Rows: the shift frame of :func:`sealvalid.strategies.
    run_strategy`.
``attack_defense``
    Every attack × every defense on common random numbers (:mod:`sealvalid.defenses.evaluate`).
    Parameters: ``attacks`` (a table: label -> ``{strategy, world, n_models, n_votes, metric,
    params, control}``; ``control`` lists the parameters that turn the attack off, e.g.
    ``{budget = 0}``, and makes the cell's shift the paired difference attack − control) and
    ``defenses`` (label -> ``{defenses = [names], params = {name: {...}}}``).
    Rows: one per attack and defense (the raw evaluation columns).
``segments``
    Segment leaderboards of a simulated arena against the segment truths: ``world``,
    ``n_models``, ``n_votes``, ``by`` (a segment column), ``min_votes``.
``construct_validity``
    The Bayesian construct-validity model on real data (``dataset``: ``"llmfao"``, read from
    ``SEALVALID_DATA``), with sampler settings; rows: the validity table.
``fragility_audit``
    The drop-k / add-k fragility audit of real vote logs (``datasets``: names of
    :data:`REAL_LOGS`); rows: one per data set with the headline figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from sealvalid.experiments.tasks import register_task

__all__ = ["build_strategy", "build_safeguards", "build_world", "data_root", "REAL_LOGS"]

#: strategy parameters that measure a budget (the x axis of the shift figure when swept)
_BUDGET_KEYS = ("n_variants", "budget", "effort", "n_queries", "flawed_share", "boost")
_WORLD_KEYS = {"n_models", "n_prompts", "policy", "n_items"}
_ARENA_KEYS = {"world", "strategy", "n_votes", "defenses", *_WORLD_KEYS}

#: real vote logs the fragility study knows: name -> (folder, file)
REAL_LOGS: dict[str, tuple[str, str]] = {
    "llmfao-crowd": ("llmfao-crowd-vs-gpt-judge", "crowd-comparisons.csv"),
    "llmfao-gpt4": ("llmfao-crowd-vs-gpt-judge", "gpt4-comparisons.csv"),
    "llmfao-gpt35": ("llmfao-crowd-vs-gpt-judge", "gpt3-comparisons.csv"),
    "pandalm-annotators": ("pandalm-testset-3annotators-vs-llm-judges", "testset-v1.json"),
    "copilot-arena": ("copilot-arena-examples", "copilot_arena_examples_v1.csv"),
}


def data_root() -> Path:
    """Return the real-data folder: ``SEALVALID_DATA``, else ``../shared/data``."""
    root = Path(os.environ.get("SEALVALID_DATA", "../shared/data"))
    if not root.is_dir():
        raise ValueError(f"real data folder {str(root)!r} not found; set SEALVALID_DATA to the "
                         "folder holding the shared data sets")
    return root


def build_world(name: str, n_models: int | None = None, *, n_prompts: int | None = None,
                policy: str | None = None, n_items: int | None = None):
    """Build an arena preset or a static benchmark preset by name, with a few overrides.

    Parameters
    ----------
    name : str
        Arena preset (:data:`sealvalid.sim.PRESETS`) or static preset
        (:data:`sealvalid.sim.static.STATIC_PRESETS`).
    n_models : int, optional
        Arena presets: number of models.
    n_prompts : int, optional
        Arena presets: size of the prompt pool (smaller pools make arena prompts recur).
    policy : {"uniform"}, optional
        Arena presets: replace the sampling policy by uniform pairs.
    n_items : int, optional
        Static presets: number of holdout items.
    """
    import dataclasses

    from sealvalid.sim import PRESETS, preset
    from sealvalid.sim.policies import UniformPairs
    from sealvalid.sim.static import STATIC_PRESETS, static_preset

    if name in STATIC_PRESETS:
        for label, v in (("n_models", n_models), ("n_prompts", n_prompts), ("policy", policy)):
            if v is not None:
                raise ValueError(f"static preset {name!r} takes no {label}")
        world = static_preset(name)
        return world if n_items is None else dataclasses.replace(world, n_items=int(n_items))
    if name not in PRESETS:
        raise ValueError(f"world {name!r} unknown; arena presets: {sorted(PRESETS)}, static "
                         f"presets: {sorted(STATIC_PRESETS)}")
    if n_items is not None:
        raise ValueError(f"arena preset {name!r} takes no n_items")
    world = preset(name, n_models=None if n_models is None else int(n_models))
    if n_prompts is not None:
        world = world.replace(prompts=dataclasses.replace(world.prompts,
                                                          n_prompts=int(n_prompts)))
    if policy is not None:
        if policy != "uniform":
            raise ValueError(f"policy override {policy!r} unknown; allowed: ['uniform']")
        world = world.replace(policy=UniformPairs())
    return world


def build_strategy(name: str, params: dict):
    """Build a registered strategy from plain parameters."""
    from sealvalid.strategies import STRATEGIES

    if name not in STRATEGIES:
        raise ValueError(f"strategy {name!r} unknown; registered: {sorted(STRATEGIES)}")
    try:
        return STRATEGIES[name](**params)
    except TypeError as exc:
        raise ValueError(f"strategy {name!r}: {exc}") from exc


def build_safeguards(names, params: dict | None = None):
    """Build :class:`sealvalid.defenses.Safeguards` from registry names and parameters."""
    from sealvalid.defenses import DEFENSES, Safeguards

    params = params or {}
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ValueError(f"parameters given for defenses {unknown} that are not in use "
                         f"({list(names)})")
    out = []
    for n in names:
        if n not in DEFENSES:
            raise ValueError(f"defense {n!r} unknown; registered: {sorted(DEFENSES)}")
        try:
            out.append(DEFENSES[n](**params.get(n, {})))
        except TypeError as exc:
            raise ValueError(f"defense {n!r}: {exc}") from exc
    return Safeguards(out)


def _split_flat(params: dict) -> tuple[dict, dict, dict]:
    strat, defs, rest = {}, {}, {}
    for k, v in params.items():
        if k.startswith("strategy."):
            strat[k[len("strategy."):]] = v
        elif k.startswith("defense."):
            name, _, key = k[len("defense."):].rpartition(".")
            if not name:
                raise ValueError(f"defense parameter {k!r} must read 'defense.<name>.<param>'")
            defs.setdefault(name, {})[key] = v
        else:
            rest[k] = v
    return strat, defs, rest


# ---------------------------------------------------------------------------------- strategy
def _summarize_shift(results: pd.DataFrame, out_dir, meta) -> None:
    import matplotlib.pyplot as plt

    from sealvalid.experiments.outputs import save_figure, save_table

    keys = [c for c in results.columns if c.startswith("grid.")]
    gamed = results[results["gamed"]]
    groups = gamed.groupby(keys, dropna=False) if keys else gamed.groupby(lambda _: "all")
    per_rep = groups.apply(lambda g: g.groupby("replicate")[
        ["score_shift", "rank_shift", "goodhart_gap"]].mean(), include_groups=False)
    top = gamed.groupby([*keys, "replicate"])["board_rank"].min()
    lvl = list(range(len(keys))) if keys else None
    table = per_rep.groupby(level=lvl).agg(["mean", "std", "count"]) if keys else \
        per_rep.agg(["mean", "std", "count"]).unstack()
    flat = pd.DataFrame({
        "replicates": table[("score_shift", "count")],
        "score_shift": table[("score_shift", "mean")],
        "score_shift_se": table[("score_shift", "std")] / np.sqrt(table[("score_shift", "count")]),
        "rank_shift": table[("rank_shift", "mean")],
        "goodhart_gap": table[("goodhart_gap", "mean")],
    })
    if keys:
        flat["p_top1"] = (top == 1).groupby(level=lvl).mean()
        flat["p_top3"] = (top <= 3).groupby(level=lvl).mean()
    flat = flat.reset_index()
    save_table(flat, out_dir / "tables" / "shift", meta)
    metrics = [("score_shift", "score shift of the gamed model(s)\n(board − truth)"),
               ("rank_shift", "places gained by the gamed model(s)\n(true rank − board rank)")]
    if flat["goodhart_gap"].notna().any():
        metrics[0] = ("goodhart_gap", "Goodhart gap\n(board gain − real-world gain)")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for ax, (col, label) in zip(axes, metrics, strict=True):
        err = 2 * flat["score_shift_se"] if col == "score_shift" else None
        if keys:
            # the budget axis when there is one (variants, rigged battles, effort)
            budget = [k for k in keys if k.rsplit(".", 1)[-1] in _BUDGET_KEYS]
            x = budget[0] if budget else keys[0]
            others = [k for k in keys if k != x]
            for lab_value, part in (flat.groupby(others) if others else [((), flat)]):
                lab = ", ".join(f"{k[5:]}={v}" for k, v in zip(
                    others, np.atleast_1d(lab_value), strict=False)) or None
                xs = part[x].astype(str) if part[x].dtype == object else part[x]
                ax.errorbar(xs, part[col], yerr=None if err is None else err[part.index],
                            marker="o", capsize=3, label=lab)
            ax.set_xlabel(x[5:])
            if others and ax is axes[0]:
                ax.legend(fontsize=7)
        else:
            ax.bar(["gamed"], flat[col], yerr=err)
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set_ylabel(label)
    fig.suptitle(f"{meta.get('experiment', '')}: mean over replicates (score shift ±2 MC se)")
    save_figure(fig, out_dir / "figures" / "shift", meta)
    plt.close(fig)


@register_task("strategy_shift", summarize=_summarize_shift)
def strategy_shift(params: dict, rng: np.random.Generator) -> pd.DataFrame:
    """One replicate of a strategy in a world (see the module docstring for parameters)."""
    from sealvalid.strategies import run_strategy

    strat_params, def_params, rest = _split_flat(params)
    unknown = sorted(set(rest) - _ARENA_KEYS)
    if unknown:
        raise ValueError(f"strategy_shift: unknown parameter(s) {unknown}; allowed: "
                         f"{sorted(_ARENA_KEYS)} and 'strategy.<param>', "
                         "'defense.<name>.<param>'")
    for req in ("world", "strategy"):
        if req not in rest:
            raise ValueError(f"strategy_shift needs parameter {req!r}")
    world = build_world(rest["world"], **{k: rest[k] for k in _WORLD_KEYS if k in rest})
    strategy = build_strategy(rest["strategy"], strat_params)
    guards = build_safeguards(list(rest.get("defenses", [])), def_params)
    n_votes = rest.get("n_votes")
    frame = run_strategy(world, strategy, n_votes=None if n_votes is None else int(n_votes),
                         n_replicates=1, rng=rng, defenses=guards)
    frame = frame.drop(columns="replicate")
    frame.insert(0, "defenses", "+".join(guards.names) or "none")
    return frame


# ---------------------------------------------------------------------------------- matrix
def _attacks(spec: dict):
    from sealvalid.defenses import Attack

    if not isinstance(spec, dict) or not spec:
        raise ValueError("attack_defense needs a non-empty 'attacks' table: label -> "
                         "{strategy, world, n_models, n_votes, metric, params}")
    out = []
    for label, a in spec.items():
        allowed = {"strategy", "world", "n_votes", "metric", "params", "control", *_WORLD_KEYS}
        bad = sorted(set(a) - allowed)
        if bad:
            raise ValueError(f"attacks.{label}: unknown key(s) {bad}; allowed: {sorted(allowed)}")
        world = build_world(a["world"], **{k: a[k] for k in _WORLD_KEYS if k in a})
        params = dict(a.get("params", {}))
        control = None
        if "control" in a:  # the same strategy with these parameters changed (no budget)
            control = build_strategy(a["strategy"], {**params, **dict(a["control"])})
        out.append(Attack(label, build_strategy(a["strategy"], params), world,
                          a.get("n_votes"), a.get("metric", "score_shift"), control))
    return out


def _summarize_matrix(results: pd.DataFrame, out_dir, meta) -> None:
    import matplotlib.pyplot as plt

    from sealvalid.defenses import defense_table
    from sealvalid.experiments.outputs import save_figure, save_table
    from sealvalid.plots.defenses import plot_attack_defense

    table = defense_table(results)
    save_table(table, out_dir / "tables" / "attack_defense", meta)
    for value in ("removed", "tau_loss"):
        ax = plot_attack_defense(table, value=value)
        save_figure(ax.figure, out_dir / "figures" / f"attack_defense_{value}", meta)
        plt.close(ax.figure)


@register_task("attack_defense", summarize=_summarize_matrix)
def attack_defense(params: dict, rng: np.random.Generator) -> pd.DataFrame:
    """One replicate of every attack under every defense (common random numbers)."""
    from sealvalid.defenses.evaluate import evaluate_replicate

    bad = sorted(set(params) - {"attacks", "defenses"})
    if bad:
        raise ValueError(f"attack_defense: unknown parameter(s) {bad}; allowed: "
                         "['attacks', 'defenses']")
    attacks = _attacks(params.get("attacks", {}))
    guards = {}
    for label, d in params.get("defenses", {}).items():
        extra = sorted(set(d) - {"defenses", "params"})
        if extra:
            raise ValueError(f"defenses.{label}: unknown key(s) {extra}; allowed: "
                             "['defenses', 'params']")
        guards[label] = build_safeguards(list(d["defenses"]), dict(d.get("params", {})))
    return evaluate_replicate(attacks, guards, rng=rng)


# ---------------------------------------------------------------------------------- segments
def _summarize_segments(results: pd.DataFrame, out_dir, meta) -> None:
    import matplotlib.pyplot as plt

    from sealvalid.experiments.outputs import save_figure, save_table

    keys = [c for c in results.columns if c.startswith("grid.")]
    by = [*keys, "segment"]
    t = results.groupby(by).agg(coverage=("covered", "mean"),
                                spearman_truth=("spearman_truth", "mean"),
                                spearman_overall=("spearman_overall", "mean"),
                                rmse=("sq_error", lambda s: float(np.sqrt(s.mean())))).reset_index()
    save_table(t, out_dir / "tables" / "segments", meta)
    fig, ax = plt.subplots(figsize=(6.4, 4), layout="constrained")
    seg = t.groupby("segment")[["spearman_truth", "spearman_overall"]].mean()
    x = np.arange(len(seg))
    ax.bar(x - 0.2, seg["spearman_truth"], 0.4, label="segment board vs segment truth")
    ax.bar(x + 0.2, seg["spearman_overall"], 0.4, label="segment board vs overall truth")
    ax.set_xticks(x, seg.index, rotation=30, ha="right")
    ax.set_ylabel("Spearman correlation")
    ax.set_ylim(min(0, float(seg.min().min())) - 0.05, 1.02)
    ax.legend(fontsize=8)
    ax.set_title("Do segment boards measure their own segment?")
    save_figure(fig, out_dir / "figures" / "segments", meta)
    plt.close(fig)


@register_task("segments", summarize=_summarize_segments)
def segments(params: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Segment boards of one simulated arena against its segment truths."""
    from scipy import stats

    from sealvalid.rating.segments import segment_boards
    from sealvalid.sim import simulate

    allowed = {"world", "n_votes", "by", "min_votes", "defenses", *_WORLD_KEYS}
    bad = sorted(set(params) - allowed)
    if bad:
        raise ValueError(f"segments: unknown parameter(s) {bad}; allowed: {sorted(allowed)}")
    world = build_world(params.get("world", "multilingual"),
                        **{k: params[k] for k in _WORLD_KEYS if k in params})
    guards = build_safeguards(list(params.get("defenses", [])))
    world = guards.world(world)
    by = params.get("by", "language")
    res = simulate(world, int(params.get("n_votes", 50_000)), rng=rng)
    boards = segment_boards(res.votes, by, min_votes=int(params.get("min_votes", 300)))
    truth = res.truth
    overall = truth[truth["scope"] == "overall"].set_index("model")["true_rating"]
    seg_truth = truth[(truth["scope"] == "segment") & (truth["segment_column"] == by)]
    rows = []
    table = boards.table
    for value, part in table.groupby(by, observed=True):
        t = seg_truth[seg_truth["segment_value"] == value].set_index("model")["true_rating"]
        part = part.set_index("model")
        common = part.index.intersection(t.index)
        if len(common) < 3:
            continue
        board = part.loc[common, "rating"]
        tt = t.loc[common] - t.loc[common].mean() + board.mean()
        rho_t = stats.spearmanr(board, t.loc[common]).statistic
        rho_o = stats.spearmanr(board, overall.loc[common]).statistic
        for m in common:
            rows.append({"segment": str(value), "model": m, "rating": board[m],
                         "true_rating": tt[m], "sq_error": (board[m] - tt[m]) ** 2,
                         "covered": bool(part.loc[m, "lower"] <= tt[m] <= part.loc[m, "upper"]),
                         "spearman_truth": rho_t, "spearman_overall": rho_o})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- real data
def _summarize_validity(results: pd.DataFrame, out_dir, meta) -> None:
    import matplotlib.pyplot as plt

    from sealvalid.experiments.outputs import save_figure, save_table
    from sealvalid.plots.validity import plot_validity

    cols = [c for c in results.columns if c not in ("grid_point", "replicate")]
    save_table(results[cols], out_dir / "tables" / "validity", meta)
    ax = plot_validity(results[cols])
    save_figure(ax.figure, out_dir / "figures" / "validity", meta)
    plt.close(ax.figure)


@register_task("construct_validity", summarize=_summarize_validity)
def construct_validity(params: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Construct validity of LLMFAO crowd votes against GPT-4 and GPT-3.5 judges.

    Parameters: ``judges`` (subset of ``["gpt4", "gpt35"]``), ``chains``, ``draws``, ``tune``,
    ``ties`` (default ``"davidson"``). Rows: the validity table of
    :class:`sealvalid.bayes.ConstructValidity`, with ``converged``; the posterior DataTree
    goes to ``posteriors/`` as netCDF.
    """
    from sealvalid.bayes.sampling import SamplerConfig
    from sealvalid.bayes.validity import ConstructValidity
    from sealvalid.data import read_votes

    allowed = {"judges", "chains", "draws", "tune", "ties"}
    bad = sorted(set(params) - allowed)
    if bad:
        raise ValueError(f"construct_validity: unknown parameter(s) {bad}; allowed: "
                         f"{sorted(allowed)}")
    folder = data_root() / "llmfao-crowd-vs-gpt-judge"
    files = {"gpt4": "gpt4-comparisons.csv", "gpt35": "gpt3-comparisons.csv"}
    names = list(params.get("judges", ["gpt4", "gpt35"]))
    unknown = sorted(set(names) - set(files))
    if unknown:
        raise ValueError(f"construct_validity: judges {unknown} unknown; allowed: {sorted(files)}")
    crowd = read_votes(folder / "crowd-comparisons.csv")
    judges = {n: read_votes(folder / files[n]) for n in names}
    est = ConstructValidity(ties=params.get("ties", "davidson"), sampler=SamplerConfig(
        chains=int(params.get("chains", 2)), draws=int(params.get("draws", 1000)),
        tune=int(params.get("tune", 1000))))
    est.fit(crowd, judges=judges, seed=int(rng.integers(2**31)))
    out = est.result_.table.copy()
    out["converged"] = bool(est.result_.converged)
    out.attrs["posterior"] = est.result_.idata  # the runner writes it to posteriors/*.nc
    return out


def _summarize_fragility(results: pd.DataFrame, out_dir, meta) -> None:
    import matplotlib.pyplot as plt

    from sealvalid.experiments.outputs import save_figure, save_table

    cols = [c for c in results.columns if c not in ("grid_point", "replicate")]
    save_table(results[cols], out_dir / "tables" / "fragility", meta)
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    share = results.set_index("dataset")["top_spot_share"].astype(float) * 100
    ax.barh(share.index, share.to_numpy())
    ax.set_xscale("log")
    ax.set_xlabel("votes that flip the top spot when dropped (% of the votes, log scale)")
    ax.set_title("How few votes decide the top spot")
    save_figure(fig, out_dir / "figures" / "fragility", meta)
    plt.close(fig)


@register_task("fragility_audit", summarize=_summarize_fragility)
def fragility_audit(params: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Drop-k / add-k fragility of real vote logs: one row per data set.

    Parameters: ``datasets`` (names of :data:`REAL_LOGS`), ``n_random`` (random-drop draws per
    pair, default 20), ``max_share`` (default 0.25).
    """
    from sealvalid.audit import fragility
    from sealvalid.data import read_votes

    allowed = {"datasets", "n_random", "max_share"}
    bad = sorted(set(params) - allowed)
    if bad:
        raise ValueError(f"fragility_audit: unknown parameter(s) {bad}; allowed: {sorted(allowed)}")
    names = list(params.get("datasets", list(REAL_LOGS)))
    unknown = sorted(set(names) - set(REAL_LOGS))
    if unknown:
        raise ValueError(f"fragility_audit: datasets {unknown} unknown; allowed: "
                         f"{sorted(REAL_LOGS)}")
    root = data_root()
    rows = []
    for name, stream in zip(names, rng.spawn(len(names)), strict=True):
        folder, file = REAL_LOGS[name]
        # the Copilot Arena sample has one truncated row: dropped, and counted in the attrs
        votes = read_votes(root / folder / file, on_invalid="drop")
        res = fragility(votes, rng=stream, n_random=int(params.get("n_random", 20)),
                        max_share=float(params.get("max_share", 0.25)), curve_points=0)
        rows.append({"dataset": name, **res.summary()})
    return pd.DataFrame(rows)
