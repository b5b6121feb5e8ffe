"""Attack × defense evaluation: the shift each safeguard leaves, and what it costs.

For every attack (a strategy in its world) and every defense of the same setting, the strategy
is replayed over the same replicate streams with and without the defense (common random
numbers: replicate ``r`` sees the same honest votes either way, so differences are paired), and
three things are measured:

* **the shift that remains**: the attack's metric for the gamed model(s) (``score_shift`` by
  default: board minus truth; ``goodhart_gap`` or ``rank_shift`` where that is the headline),
  with a normal 95% interval over replicates, and the share of the undefended shift the defense
  takes back (a ratio of paired means, delta-method interval);
* **the cost to honest parties**: honest votes dropped by screens, the ranking accuracy of the
  honest models (Kendall's tau between board and truth over the models nobody gamed) lost
  against the undefended board, and delays (fresh votes a provisional model waits for);
* **the cost to the attacker**: whatever the strategy reports (``attack_cost``, ``attack_votes``,
  accounts, queries).

:func:`evaluate_defenses` returns the raw per-replicate frame; :func:`defense_table` the tidy
summary behind :func:`sealvalid.plots.defenses.plot_attack_defense`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtri

from sealvalid.defenses.base import Defense, Safeguards

__all__ = ["Attack", "evaluate_defenses", "evaluate_replicate", "defense_table", "RAW_COLUMNS",
           "TABLE_COLUMNS"]

#: leading columns of :func:`evaluate_defenses` (numeric strategy extras follow)
RAW_COLUMNS = ["attack", "defense", "replicate", "metric", "shift", "control_shift",
               "gamed_rank_shift",
               "honest_tau", "honest_rmse", "honest_votes", "honest_dropped", "attack_votes",
               "attack_dropped"]
#: columns of :func:`defense_table`
TABLE_COLUMNS = ["attack", "defense", "metric", "replicates", "shift", "shift_lower",
                 "shift_upper", "removed", "removed_lower", "removed_upper",
                 "gamed_rank_shift", "honest_dropped_share", "honest_tau", "tau_loss",
                 "tau_loss_se", "attack_dropped_share", "attack_cost", "fresh_votes"]

_BASE_EXTRAS = ("honest_votes", "honest_dropped", "attack_votes", "attack_dropped")


@dataclass(frozen=True)
class Attack:
    """One attack to defend against: a strategy, its world, its budget and its headline metric.

    Parameters
    ----------
    name : str
        Row label.
    strategy : sealvalid.strategies.Strategy
    world : sealvalid.sim.World or sealvalid.sim.StaticWorld
    n_votes : int, optional
        Public votes per replicate (arena strategies); ``None`` for static ones.
    metric : str
        Column of the strategy's result frame measuring the gain of the gamed model(s):
        ``"score_shift"`` (default), ``"goodhart_gap"``, ``"rank_shift"``, or a numeric
        replicate-level extra the strategy reports (e.g. ``"favoured_share"``, the battle share
        of the favoured providers: their data advantage).
    control : sealvalid.strategies.Strategy, optional
        The same strategy with no budget (e.g. one variant, no rigged votes). When given, the
        attack's effect is its metric minus the control's, paired on the same replicate and
        the same defense: a defense that changes what the board estimates (style control,
        another voter base) then moves both, and only what the attack adds is counted.
    """

    name: str
    strategy: object
    world: object
    n_votes: int | None = None
    metric: str = "score_shift"
    control: object = None

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or not self.metric or self.metric in (
                "replicate", "strategy", "model", "gamed", "true_rank", "board_rank"):
            raise ValueError(f"Attack.metric must name a shift column ('score_shift', "
                             f"'goodhart_gap', 'rank_shift') or a numeric extra of the "
                             f"strategy, got {self.metric!r}")
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Attack.name must be a non-empty string, got {self.name!r}")
        if self.control is not None and (
                getattr(self.control, "setting", None) != getattr(self.strategy, "setting", 0)):
            raise ValueError(f"Attack {self.name!r}: the control must be a strategy of the same "
                             "setting as the attack")


def _as_safeguards(name: str, value) -> Safeguards:
    if isinstance(value, Safeguards):
        return value
    if isinstance(value, Defense):
        return Safeguards((value,))
    if isinstance(value, Sequence) and not isinstance(value, str):
        return Safeguards(value)
    raise ValueError(f"defense {name!r} must be a Defense, a sequence of Defense or Safeguards, "
                     f"got {value!r}")


def _replicate_row(frame: pd.DataFrame, metric: str, attack: str = "") -> dict:
    from sealvalid.strategies.base import RESULT_COLUMNS

    if metric not in frame.columns or not pd.api.types.is_numeric_dtype(frame[metric]):
        extras = [c for c in frame.columns[len(RESULT_COLUMNS):]
                  if pd.api.types.is_numeric_dtype(frame[c])]
        raise ValueError(f"attack {attack!r}: metric {metric!r} is not a numeric column of the "
                         f"strategy's results; allowed: ['score_shift', 'goodhart_gap', "
                         f"'rank_shift'] and its extras {extras}")
    gamed = frame["gamed"].to_numpy()
    honest = ~gamed
    shift = frame.loc[gamed, metric].mean() if gamed.any() else np.nan
    rank = frame.loc[gamed, "rank_shift"].mean() if gamed.any() else np.nan
    h = frame.loc[honest]
    tau = (stats.kendalltau(h["board_rank"], h["true_rank"]).statistic
           if len(h) > 2 else np.nan)
    err = h["score_shift"].to_numpy(float)
    rmse = float(np.sqrt(np.mean((err - err.mean()) ** 2))) if len(err) else np.nan
    row = {"shift": float(shift), "gamed_rank_shift": float(rank), "honest_tau": float(tau),
           "honest_rmse": rmse}
    for col in frame.columns[len(RESULT_COLUMNS):]:  # the strategy's replicate extras
        if not pd.api.types.is_numeric_dtype(frame[col]):
            continue
        row[col] = float(frame[col].iloc[0])
    for col in _BASE_EXTRAS:
        row.setdefault(col, 0.0)
    return row


def evaluate_defenses(attacks: Sequence[Attack], defenses: Mapping[str, object], *,
                      n_replicates: int, rng=None, progress: bool = False) -> pd.DataFrame:
    """Replay every attack with and without every applicable defense.

    Parameters
    ----------
    attacks : sequence of Attack
        Unique names.
    defenses : mapping of str to Defense, sequence of Defense or Safeguards
        Defense label -> the safeguards in force. ``"none"`` (no defense) is added first; a
        defense whose ``setting`` differs from an attack's is skipped for that attack (reported
        as not applicable by :func:`defense_table`).
    n_replicates : int
        Replicates per (attack, defense), >= 2.
    rng
        Anything :func:`numpy.random.default_rng` accepts; each attack gets one root seed reused
        for every defense (common random numbers).
    progress : bool
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per attack, defense and replicate: :data:`RAW_COLUMNS`, then the strategy's
        numeric extras (e.g. ``attack_cost``, ``fresh_votes``). ``shift`` is the attack's
        metric, minus ``control_shift`` (the control's metric; NaN without a control).
    """
    if isinstance(n_replicates, bool) or not isinstance(n_replicates, int) or n_replicates < 2:
        raise ValueError(f"n_replicates must be an integer >= 2, got {n_replicates!r}")
    return _evaluate(attacks, defenses, n_replicates, rng, progress)


def evaluate_replicate(attacks: Sequence[Attack], defenses: Mapping[str, object], *,
                       rng=None) -> pd.DataFrame:
    """One replicate of :func:`evaluate_defenses` (for experiment runners).

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`evaluate_defenses` for one replicate, without ``replicate`` (the
        runner adds it).
    """
    return _evaluate(attacks, defenses, 1, rng, False).drop(columns="replicate")


def _evaluate(attacks, defenses, n_replicates, rng, progress) -> pd.DataFrame:
    from sealvalid.strategies.base import run_strategy

    attacks = list(attacks)
    if not attacks:
        raise ValueError("evaluate_defenses needs at least one Attack")
    names = [a.name for a in attacks]
    for a in attacks:
        if not isinstance(a, Attack):
            raise ValueError(f"attacks must be Attack instances, got {a!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"attack names must be unique, got {names}")
    if "none" in defenses:
        raise ValueError("'none' is the undefended baseline and is added automatically; "
                         "do not pass it")
    guards = {"none": Safeguards(())}
    guards.update({k: _as_safeguards(k, v) for k, v in defenses.items()})
    root = int(np.random.default_rng(rng).integers(2**63))
    jobs = [(i, a, label, g) for i, a in enumerate(attacks) for label, g in guards.items()
            if all(d.setting == a.strategy.setting for d in g.defenses)]
    rows = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc="attack x defense", unit="cell")
    for i, a, label, g in jobs:
        seed = np.random.SeedSequence([root, i])  # fresh object: same streams for every defense
        frame = run_strategy(a.world, a.strategy, n_votes=a.n_votes,
                             n_replicates=n_replicates, rng=np.random.default_rng(seed),
                             defenses=g)
        base = None
        if a.control is not None:
            ctrl = run_strategy(a.world, a.control, n_votes=a.n_votes,
                                n_replicates=n_replicates,
                                rng=np.random.default_rng(np.random.SeedSequence([root, i])),
                                defenses=g)
            base = {int(r): _replicate_row(p, a.metric, a.name)["shift"]
                    for r, p in ctrl.groupby("replicate", sort=True)}
            if any(not np.isfinite(v) for v in base.values()):
                raise ValueError(f"attack {a.name!r}: its control has no gamed model (or no "
                                 f"finite {a.metric!r}), so there is nothing to subtract; "
                                 "omit the control")
        for r, part in frame.groupby("replicate", sort=True):
            row = _replicate_row(part, a.metric, a.name)
            row["control_shift"] = math.nan if base is None else base[int(r)]
            if base is not None:
                row["shift"] = row["shift"] - base[int(r)]
            rows.append({"attack": a.name, "defense": label, "replicate": int(r),
                         "metric": a.metric, **row})
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    out = pd.DataFrame(rows)
    extras = [c for c in out.columns if c not in RAW_COLUMNS]
    out = out[RAW_COLUMNS + extras]
    out.attrs = {"n_replicates": n_replicates, "root_seed": root,
                 "attacks": {a.name: {"strategy": a.strategy.name, **a.strategy.params(),
                                      "world": getattr(a.world, "name", None),
                                      "n_votes": a.n_votes} for a in attacks},
                 "defenses": {k: {d.name: d.params() for d in g.defenses}
                              for k, g in guards.items()}}
    return out


def _ratio(d: np.ndarray, u: np.ndarray, z: float) -> tuple[float, float, float]:
    """1 - mean(d) / mean(u) with a delta-method interval for paired samples."""
    n = len(d)
    md, mu = d.mean(), u.mean()
    if n < 2 or mu == 0 or not np.isfinite(mu):
        return math.nan, math.nan, math.nan
    r = md / mu
    c = np.cov(d, u, ddof=1)
    var = (c[0, 0] - 2 * r * c[0, 1] + r**2 * c[1, 1]) / (n * mu**2)
    se = math.sqrt(max(var, 0.0))
    return 1 - r, 1 - r - z * se, 1 - r + z * se


def defense_table(raw: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Summarise :func:`evaluate_defenses`: one row per attack and defense.

    Parameters
    ----------
    raw : pandas.DataFrame
        The output of :func:`evaluate_defenses`.
    alpha : float
        1 - interval level.

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS`: ``shift`` (mean of the attack's metric) with its interval;
        ``removed`` = 1 - shift / undefended shift (paired; NaN when the undefended shift is
        zero, e.g. the honest baseline) with a delta-method interval; ``gamed_rank_shift``;
        ``honest_dropped_share`` (honest votes dropped / honest votes); ``honest_tau`` and
        ``tau_loss`` (undefended minus defended Kendall tau of the honest models, paired, with
        its standard error); ``attack_dropped_share``; ``attack_cost`` and ``fresh_votes``
        (means; NaN where the strategy does not report them).
    """
    missing = [c for c in RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"defense_table needs the columns of evaluate_defenses; missing "
                         f"{missing}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    z = float(ndtri(1 - alpha / 2))
    rows = []
    for attack, block in raw.groupby("attack", sort=False):
        base = block[block["defense"] == "none"].set_index("replicate")
        for defense, part in block.groupby("defense", sort=False):
            part = part.set_index("replicate")
            common = part.index.intersection(base.index)
            d = part.loc[common, "shift"].to_numpy(float)
            u = base.loc[common, "shift"].to_numpy(float)
            n = len(part)
            s = part["shift"].to_numpy(float)
            m = float(np.mean(s)) if n else math.nan
            se = float(np.std(s, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
            if defense == "none" or not np.isfinite(u).all() or not np.isfinite(d).all():
                removed = (0.0, 0.0, 0.0) if defense == "none" and np.isfinite(m) \
                    and m != 0 else (math.nan,) * 3
            else:
                removed = _ratio(d, u, z)
            dt = (base.loc[common, "honest_tau"] - part.loc[common, "honest_tau"]).to_numpy(float)
            hv = part["honest_votes"].to_numpy(float)
            av = part["attack_votes"].to_numpy(float)
            rows.append({
                "attack": attack, "defense": defense, "metric": part["metric"].iloc[0],
                "replicates": n, "shift": m, "shift_lower": m - z * se,
                "shift_upper": m + z * se, "removed": removed[0],
                "removed_lower": removed[1], "removed_upper": removed[2],
                "gamed_rank_shift": float(part["gamed_rank_shift"].mean()),
                "honest_dropped_share": float(part["honest_dropped"].sum() / hv.sum())
                if hv.sum() else 0.0,
                "honest_tau": float(part["honest_tau"].mean()),
                "tau_loss": float(np.nanmean(dt)) if len(dt) else math.nan,
                "tau_loss_se": float(np.nanstd(dt, ddof=1) / math.sqrt(len(dt)))
                if len(dt) > 1 else math.nan,
                "attack_dropped_share": float(part["attack_dropped"].sum() / av.sum())
                if av.sum() else math.nan,
                "attack_cost": float(part["attack_cost"].mean())
                if "attack_cost" in part else math.nan,
                "fresh_votes": float(part["fresh_votes"].mean())
                if "fresh_votes" in part else math.nan,
            })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)
