"""Published leaderboard tables (not votes) as one tidy long frame.

Every loader here returns, and every audit accepts, a frame that passed
:func:`validate_board_table`: one row per published number.

Columns (:data:`BOARD_COLUMNS`)
-------------------------------
``source`` : str
    Where the table comes from (``lmsys_table``, ``lmarena_csv``, ``lmarena_category`` ...; see
    :data:`BOARD_FORMATS` for which format writes which source).
``board`` : str
    The leaderboard inside the source: ``text``, ``vision``, ``image``, ``text-style-control``,
    ``alpaca_eval_2``, ``arena_hard_v0.1`` ...
``category`` : str
    ``overall`` unless the source publishes segments (``coding``, ``english``, ``hard_6`` ...).
    LMArena's ``full`` category is the overall board and is written ``overall``.
``model`` : str
    The model name exactly as the source spells it (surrounding whitespace removed). Names are
    joined across sources with :class:`sealvalid.data.aliases.AliasRegistry`, never here.
``date`` : datetime64[ns]
    Tz-naive date of the snapshot; ``NaT`` only when neither the file nor its name carries one
    (pass ``date=`` to :func:`read_leaderboard` to supply it).
``metric`` : str
    One of :data:`METRICS` (a fixed vocabulary; the dict documents unit and meaning).
``value`` : float64
    Finite. A cell the source leaves missing (``-``, blank, ``N/A``) is a dropped row, not NaN.

The key ``(source, board, category, model, date, metric)`` is unique; :func:`board_wide` pivots
it to one row per ``(source, board, category, model, date)`` with one column per metric.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from sealvalid.data.schema import VoteTableError

__all__ = [
    "BOARD_COLUMNS",
    "KEY_COLUMNS",
    "METRICS",
    "MISSING_TOKENS",
    "OVERALL",
    "BOARD_FORMATS",
    "validate_board_table",
    "sniff_board_format",
    "read_leaderboard",
    "read_leaderboards",
    "board_wide",
]

BOARD_COLUMNS: tuple[str, ...] = ("source", "board", "category", "model", "date", "metric", "value")
#: The columns that identify one published number; unique in a valid board table.
KEY_COLUMNS: tuple[str, ...] = BOARD_COLUMNS[:-1]
_STRING_COLUMNS: tuple[str, ...] = ("source", "board", "category", "model", "metric")
#: The category of a board without segments.
OVERALL = "overall"
#: Cell contents (after strip, case-insensitive) that mean "no value": such cells become no row.
MISSING_TOKENS: frozenset[str] = frozenset({"", "-", "n/a", "na", "nan", "none", "null"})

#: The metric vocabulary: name -> unit and meaning. Percentages are on the 0-100 scale.
METRICS: dict[str, str] = {
    # --- crowd (Arena) ratings ---
    "rating": "Arena rating (online Elo for the earliest snapshots, Bradley-Terry MLE later), "
    "Arena points; higher is better",
    "rating_lower": "lower end of the published 95% interval of the rating (2.5% bootstrap "
    "quantile, or rating minus the published minus-delta of '+a/-b'), Arena points",
    "rating_upper": "upper end of the published 95% interval of the rating (97.5% bootstrap "
    "quantile, or rating plus the published plus-delta of '+a/-b'), Arena points",
    "rating_variance": "bootstrap variance of the rating, Arena points squared",
    "n_votes": "number of battles (votes) of the model on that board and category",
    "rank": "published rank, 1 = best (LMArena ranks by interval: 1 + number of models "
    "significantly better)",
    "rank_style_control": "published rank on the style-controlled board (LMArena "
    "'rank_stylectrl'), 1 = best",
    "rank_with_deprecated": "rank among all models including deprecated ones (LMArena "
    "'final_ranking_deprecated'), 1 = best",
    # --- LLM-judge benchmarks ---
    "mt_bench": "MT-bench score, 1-10 (GPT-4 judge, two turns)",
    "mt_bench_win_rate": "MT-bench pairwise win rate as published in the first LMSYS table, %",
    "arena_hard": "Arena-Hard-Auto score: win rate against the baseline gpt-4-0314 judged by "
    "GPT-4-Turbo, %",
    "arena_hard_lower": "2.5% bootstrap quantile of the Arena-Hard-Auto score, %",
    "arena_hard_upper": "97.5% bootstrap quantile of the Arena-Hard-Auto score, %",
    "avg_tokens": "average number of tokens of the model's answers (Arena-Hard-Auto)",
    "win_rate": "AlpacaEval win rate against the board's reference model (judge-probability "
    "weighted), %",
    "standard_error": "standard error of win_rate, percentage points",
    "discrete_win_rate": "AlpacaEval win rate counting each judgement as win / draw / loss, %",
    "lc_win_rate": "AlpacaEval length-controlled win rate, %",
    "lc_standard_error": "standard error of lc_win_rate, percentage points",
    "n_wins": "AlpacaEval instructions on which the model beat the reference",
    "n_wins_base": "AlpacaEval instructions on which the reference beat the model",
    "n_draws": "AlpacaEval instructions judged a draw",
    "n_total": "AlpacaEval instructions judged in total",
    "avg_length": "average answer length in characters (AlpacaEval)",
    "alpaca_eval_1": "AlpacaEval 1.0 win rate (reference text-davinci-003), %",
    "alpaca_eval_2": "AlpacaEval 2.0 win rate (reference GPT-4 Turbo), %",
    "alpaca_eval_lc": "length-controlled AlpacaEval 2.0 win rate, %",
    "wildbench": "WildBench score as tabulated by AlpacaEval (Elo-like scale)",
    # --- static benchmarks (accuracy, %) ---
    "mmlu": "MMLU accuracy (5-shot), %; LMSYS tables publish a fraction, scaled here by 100",
    "arc": "ARC-Challenge accuracy (25-shot), %",
    "hellaswag": "HellaSwag accuracy (10-shot), %",
    "truthfulqa": "TruthfulQA MC score (0-shot), %",
    "winogrande": "WinoGrande accuracy (5-shot), %",
    "gsm8k": "GSM8K accuracy (5-shot), %",
    "open_llm_v1_avg": "Open LLM Leaderboard v1 average (ARC, HellaSwag, MMLU, TruthfulQA, "
    "WinoGrande, GSM8K), %",
    "open_llm_v2_avg": "Open LLM Leaderboard v2 average of the six normalised scores",
    "ifeval_norm": "IFEval, Open LLM v2 normalised score (0 = random baseline, 100 = perfect)",
    "bbh_norm": "BBH, Open LLM v2 normalised score (0 = random baseline, 100 = perfect)",
    "math_lvl5_norm": "MATH level 5, Open LLM v2 normalised score (0 = random, 100 = perfect)",
    "gpqa_norm": "GPQA, Open LLM v2 normalised score (0 = random baseline, 100 = perfect)",
    "musr_norm": "MuSR, Open LLM v2 normalised score (0 = random baseline, 100 = perfect)",
    "mmlu_pro_norm": "MMLU-Pro, Open LLM v2 normalised score (0 = random, 100 = perfect)",
    "gpt4all_avg": "GPT4All benchmark suite average, %",
    "agieval_en": "AGIEval English subset accuracy, %",
    "helm_lite": "HELM Lite mean win rate, fraction 0-1",
    "bbh": "BIG-Bench Hard accuracy (chain of thought, 3-shot), %",
    "humaneval": "HumanEval pass@1, %",
    "mbpp": "MBPP pass@1, %",
    "llmonitor": "LLMonitor benchmark score, %",
    "opencompass_en": "OpenCompass English average, %",
}


def _examples(values: Iterable[object], k: int = 5) -> list:
    out: list = []
    for v in values:
        if v not in out:
            out.append(v)
        if len(out) >= k:
            break
    return out


# --------------------------------------------------------------------------------------------
# validation


def validate_board_table(df: pd.DataFrame) -> pd.DataFrame:
    """Check a leaderboard table against the board contract and return the canonical frame.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per published number with at least the columns of :data:`BOARD_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        A new frame with a fresh ``RangeIndex``: the contract columns first (string columns as
        ``str`` with surrounding whitespace removed, ``date`` as tz-naive ``datetime64[ns]``,
        ``value`` as ``float64``), other columns kept after them unchanged, ``attrs`` kept.

    Raises
    ------
    VoteTableError
        For a missing column, an empty table, missing or empty names, a metric outside
        :data:`METRICS`, an unparseable date, a non-numeric or non-finite value, or a key
        ``(source, board, category, model, date, metric)`` that appears more than once. The
        message names the column, how many rows are affected, examples and what is allowed.
    """
    if not isinstance(df, pd.DataFrame):
        raise VoteTableError(f"a board table must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in BOARD_COLUMNS if c not in df.columns]
    if missing:
        raise VoteTableError(
            f"board table is missing column(s) {missing}; it has {list(df.columns)[:12]}; "
            f"required: {list(BOARD_COLUMNS)}"
        )
    if df.columns.duplicated().any():
        dup = sorted(set(df.columns[df.columns.duplicated()]))
        raise VoteTableError(f"board table has duplicated column names {dup}")
    if len(df) == 0:
        raise VoteTableError(
            f"board table is empty (0 rows); at least one published value is required "
            f"(columns {list(BOARD_COLUMNS)})"
        )
    out = df.reset_index(drop=True).copy()
    n = len(out)

    for col in _STRING_COLUMNS:
        s = out[col]
        null = s.isna().to_numpy()
        if null.any():
            raise VoteTableError(
                f"column {col!r} has {int(null.sum())} of {n} rows missing; "
                "allowed: non-empty strings"
            )
        strs = s.astype("str").str.strip()
        empty = (strs == "").to_numpy()
        if empty.any():
            raise VoteTableError(
                f"column {col!r} has {int(empty.sum())} of {n} rows with empty strings; "
                "allowed: non-empty strings"
            )
        out[col] = strs

    unknown = ~out["metric"].isin(list(METRICS)).to_numpy()
    if unknown.any():
        ex = _examples(out.loc[unknown, "metric"].tolist())
        raise VoteTableError(
            f"column 'metric' has {int(unknown.sum())} of {n} rows with unknown metrics "
            f"(e.g. {ex}); allowed: {sorted(METRICS)}"
        )

    out["date"] = _date_column(out["date"], n)

    v = out["value"]
    if pd.api.types.is_bool_dtype(v.dtype) or not pd.api.types.is_numeric_dtype(v.dtype):
        x = pd.to_numeric(v, errors="coerce")
        bad = (x.isna() & v.notna()).to_numpy()
        if pd.api.types.is_bool_dtype(v.dtype):
            bad = np.ones(n, dtype=bool)
        if bad.any():
            raise VoteTableError(
                f"column 'value' has {int(bad.sum())} of {n} non-numeric rows "
                f"(e.g. {_examples(v[bad].tolist())}); allowed: finite numbers"
            )
        v = x
    values = v.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise VoteTableError(
            f"column 'value' has {int(bad.sum())} of {n} rows that are missing or non-finite "
            f"(e.g. {_examples(values[bad].tolist())}); allowed: finite numbers "
            "(a value the source leaves blank is a dropped row, not NaN)"
        )
    out["value"] = values

    dup = out.duplicated(list(KEY_COLUMNS), keep=False).to_numpy()
    if dup.any():
        keys = out.loc[dup, list(KEY_COLUMNS)].astype({"date": "str"})
        ex = _examples(keys.itertuples(index=False, name=None))
        raise VoteTableError(
            f"columns {list(KEY_COLUMNS)} repeat on {int(dup.sum())} of {n} rows (e.g. {ex}); "
            "allowed: each (source, board, category, model, date, metric) once"
        )

    rest = [c for c in out.columns if c not in BOARD_COLUMNS]
    out = out[list(BOARD_COLUMNS) + rest]
    out.attrs = dict(df.attrs)
    return out


def _date_column(s: pd.Series, n: int) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s
    else:
        try:
            out = pd.to_datetime(s, errors="coerce", format="mixed")
        except (ValueError, TypeError) as exc:  # e.g. mixed time zones
            raise VoteTableError(
                f"column 'date' cannot be read as dates ({exc}); allowed: tz-naive dates or "
                "missing"
            ) from exc
        bad = (out.isna() & s.notna()).to_numpy()
        if bad.any():
            raise VoteTableError(
                f"column 'date' has {int(bad.sum())} of {n} rows that are not dates "
                f"(e.g. {_examples(s[bad].tolist())}); allowed: dates (tz-naive) or missing"
            )
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out.astype("datetime64[ns]")


# --------------------------------------------------------------------------------------------
# parsing helpers (plain Python over small tables: faster than many small pandas calls)


class _Raw(dict):
    """Columns of a parsed file: name -> object array of stripped cells; ``n`` rows."""

    n: int = 0

    def take(self, rows: np.ndarray) -> _Raw:
        out = _Raw({k: v[rows] for k, v in self.items()})
        out.n = len(rows)
        return out


def _cells(values: object) -> np.ndarray:
    if isinstance(values, pd.Series):
        values = values.to_numpy(dtype=object, na_value=None)
    return np.asarray(values, dtype=object)


def _bad_cells(path: Path, column: str, bad: list, n: int, allowed: str) -> VoteTableError:
    return VoteTableError(
        f"{path.name}: column {column!r} has {len(bad)} of {n} cells that are not {allowed} "
        f"(e.g. {_examples(bad)}); missing markers {sorted(MISSING_TOKENS)} are dropped"
    )


def _numbers(values: object, *, column: str, path: Path, percent: bool = False,
             scale100: bool = False) -> np.ndarray:
    """Parse cells to float: a missing marker becomes NaN (no row), anything else is an error.

    ``percent`` strips a trailing ``%``; ``scale100`` multiplies by 100 exactly in decimal
    (``"0.864"`` -> ``86.4``, not ``86.39999999999999``).
    """
    if isinstance(values, pd.Series) and pd.api.types.is_float_dtype(values.dtype):
        x = values.to_numpy(dtype="float64", na_value=np.nan)
        return x * 100.0 if scale100 else x
    cells = _cells(values)
    out = np.full(len(cells), np.nan)
    bad = []
    for i, cell in enumerate(cells):
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            continue
        s = str(cell).strip()
        if percent:
            s = s.removesuffix("%").strip()
        if s.casefold() in MISSING_TOKENS:
            continue
        try:
            out[i] = float(Decimal(s).scaleb(2)) if scale100 else float(s)
        except (ValueError, InvalidOperation):
            bad.append(s)
    if bad:
        raise _bad_cells(path, column, bad, len(cells), "numbers")
    return out


_CI_RE = re.compile(r"^\+\s*(\d+(?:\.\d+)?)\s*/\s*-\s*(\d+(?:\.\d+)?)$")


def _plus_minus(values: object, *, column: str, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse LMArena ``"+3/-4"`` interval cells into (plus, minus) arrays."""
    cells = _cells(values)
    plus, minus = np.full(len(cells), np.nan), np.full(len(cells), np.nan)
    bad = []
    for i, cell in enumerate(cells):
        s = "" if cell is None else str(cell).strip()
        if s.casefold() in MISSING_TOKENS:
            continue
        m = _CI_RE.match(s)
        if m is None:
            bad.append(s)
        else:
            plus[i], minus[i] = float(m[1]), float(m[2])
    if bad:
        raise _bad_cells(path, column, bad, len(cells), "'+a/-b' intervals")
    return plus, minus


_NAME_DATE_RE = re.compile(r"(?<!\d)(20\d\d)[-_]?(\d\d)[-_]?(\d\d)(?!\d)")


def _date_from_name(path: Path) -> pd.Timestamp:
    """Return the first valid ``YYYYMMDD`` / ``YYYY-MM-DD`` date in the file name, else NaT."""
    for m in _NAME_DATE_RE.finditer(path.stem):
        try:
            return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
    return pd.NaT


def _dt64(date: object) -> np.datetime64:
    ts = pd.Timestamp(date) if date is not None else pd.NaT
    return np.datetime64("NaT", "ns") if ts is pd.NaT else ts.to_datetime64().astype("<M8[ns]")


def _dates(values: object, *, fmt: str, column: str, path: Path) -> np.ndarray:
    cells = pd.Series(_cells(values), dtype=object)
    out = pd.to_datetime(cells, format=fmt, errors="coerce")
    bad = (out.isna() & cells.notna()).to_numpy()
    if bad.any():
        raise _bad_cells(path, column, cells[bad].tolist(), len(cells), f"dates ({fmt})")
    return out.to_numpy(dtype="datetime64[ns]")


def _read_csv(path: Path) -> _Raw:
    """Parse a CSV into stripped string columns; short rows are padded as missing."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    if not rows:
        raise VoteTableError(f"{path.name}: empty file (no header)")
    header = [c.strip() for c in rows[0]]
    body = rows[1:]
    width = len(header)
    long = [i + 2 for i, r in enumerate(body) if len(r) > width]
    if long:
        raise VoteTableError(
            f"{path.name}: {len(long)} rows have more fields than the header's {width} "
            f"(rows {long[:5]})"
        )
    grid = np.array([[c.strip() for c in r] + [""] * (width - len(r)) for r in body],
                    dtype=object).reshape(len(body), width)
    raw = _Raw({name: grid[:, j] for j, name in enumerate(header)})
    raw.n = len(body)
    return raw


def _csv_header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        row = next(csv.reader(fh), [])
    return [c.strip() for c in row]


def _category(values: object) -> np.ndarray:
    return np.array(
        [OVERALL if str(c).strip().casefold() == "full" else str(c).strip()
         for c in _cells(values)],
        dtype=object,
    )


def _column(value: object, n: int) -> np.ndarray:
    if isinstance(value, str):
        return np.full(n, value, dtype=object)
    return _cells(value)


def _ids(n: int, *, source: str, board: object, model: object, date: object,
         category: object = OVERALL) -> dict[str, np.ndarray]:
    """Per-source-row identifiers (scalars are broadcast)."""
    if np.ndim(date) == 0:
        dates = np.full(n, _dt64(date), dtype="datetime64[ns]")
    else:
        dates = np.asarray(date, dtype="datetime64[ns]")
    return {
        "source": _column(source, n),
        "board": _column(board, n),
        "category": _column(category, n),
        "model": np.array(["" if m is None else str(m).strip() for m in _cells(model)],
                          dtype=object),
        "date": dates,
    }


def _assemble(ids: dict[str, np.ndarray], metrics: dict[str, np.ndarray], *,
              path: Path) -> pd.DataFrame:
    """Long frame: one row per (source row, metric) whose value is not NaN.

    Rows without a model name must carry no values (e.g. a trailing blank line); otherwise it
    is an error.
    """
    names = list(metrics)
    for m in names:
        if m not in METRICS:  # pragma: no cover - a programming error in a reader
            raise KeyError(f"reader produced unknown metric {m!r}")
    n = len(ids["model"])
    values = (np.column_stack([np.asarray(metrics[m], dtype="float64") for m in names])
              if names else np.empty((n, 0)))
    keep = ~np.isnan(values)
    orphan = keep.any(axis=1) & (ids["model"] == "")
    if orphan.any():
        raise VoteTableError(
            f"{path.name}: {int(orphan.sum())} rows carry values but no model name"
        )
    row, col = np.nonzero(keep)
    return pd.DataFrame({
        "source": ids["source"][row],
        "board": ids["board"][row],
        "category": ids["category"][row],
        "model": ids["model"][row],
        "date": ids["date"][row],
        "metric": np.asarray(names, dtype=object)[col],
        "value": values[row, col],
    })


# --------------------------------------------------------------------------------------------
# readers, one per format


def _read_lmsys_table(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    model_col = "key" if "key" in raw else "Model"
    ids = _ids(raw.n, source="lmsys_table", board="text", model=raw[model_col],
               date=_date_from_name(path))
    metrics: dict[str, np.ndarray] = {}
    if "Arena Elo rating" in raw:
        metrics["rating"] = _numbers(raw["Arena Elo rating"], column="Arena Elo rating",
                                     path=path)
    if "MT-bench (score)" in raw:
        metrics["mt_bench"] = _numbers(raw["MT-bench (score)"], column="MT-bench (score)",
                                       path=path)
    if "MT-bench (win rate %)" in raw:
        metrics["mt_bench_win_rate"] = _numbers(
            raw["MT-bench (win rate %)"], column="MT-bench (win rate %)", path=path, percent=True
        )
    if "MMLU" in raw:
        metrics["mmlu"] = _numbers(raw["MMLU"], column="MMLU", path=path, scale100=True)
    return _assemble(ids, metrics, path=path)


def _split_lmarena_category(name: str) -> tuple[str, str]:
    """Split ``text_hard_6_style_control`` into (``text-style-control``, ``hard_6``)."""
    family, _, rest = name.partition("_")
    board = family
    if rest.endswith("_style_control"):
        rest = rest.removesuffix("_style_control")
        board = f"{family}-style-control"
    return board, rest or OVERALL


def _read_lmsys_elo_data(path: Path) -> pd.DataFrame:
    data = _load_json(path)
    need = {"date", "category", "max_elo", "max_model"}
    if not isinstance(data, list) or not all(isinstance(r, dict) and need <= r.keys()
                                             for r in data):
        raise VoteTableError(
            f"{path.name}: expected a JSON list of objects with keys {sorted(need)}"
        )
    split = [_split_lmarena_category(str(r["category"])) for r in data]
    ids = _ids(
        len(data), source="lmsys_elo_data", board=[b for b, _ in split],
        category=_category([c for _, c in split]), model=[r["max_model"] for r in data],
        date=_dates([r["date"] for r in data], fmt="%Y-%m-%d", column="date", path=path),
    )
    rating = _numbers([r["max_elo"] for r in data], column="max_elo", path=path)
    return _assemble(ids, {"rating": rating}, path=path)


def _arena_metrics(raw: _Raw, path: Path) -> dict[str, np.ndarray]:
    """Parse the rating, interval, votes and rank columns shared by LMArena CSV exports."""
    rating_col = "arena_score" if "arena_score" in raw else "arena_elo"
    rating = _numbers(raw[rating_col], column=rating_col, path=path)
    metrics = {"rating": rating}
    if "95_pct_ci" in raw:
        plus, minus = _plus_minus(raw["95_pct_ci"], column="95_pct_ci", path=path)
        metrics["rating_lower"] = rating - minus
        metrics["rating_upper"] = rating + plus
    if "votes" in raw:
        metrics["n_votes"] = _numbers(raw["votes"], column="votes", path=path)
    if "rank" in raw:
        metrics["rank"] = _numbers(raw["rank"], column="rank", path=path)
    if "rank_stylectrl" in raw:
        metrics["rank_style_control"] = _numbers(raw["rank_stylectrl"], column="rank_stylectrl",
                                                 path=path)
    return metrics


def _read_lmarena_csv(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    m = re.match(r"lmarena_([a-z]+)", path.stem)
    board = m[1] if m else "text"  # lmsys.csv history is the text board
    ids = _ids(raw.n, source="lmarena_csv", board=board, model=raw["model"],
               date=_date_from_name(path))
    return _assemble(ids, _arena_metrics(raw, path), path=path)


_OPENLLM_V1 = {
    "average": "open_llm_v1_avg", "arc": "arc", "hellaswag": "hellaswag", "mmlu": "mmlu",
    "truthfulqa": "truthfulqa", "winogrande": "winogrande", "gsm8k": "gsm8k",
}
_OPENLLM_V2 = {
    "model_average_score": "open_llm_v2_avg",
    "evaluations_ifeval_normalized_score": "ifeval_norm",
    "evaluations_bbh_normalized_score": "bbh_norm",
    "evaluations_math_normalized_score": "math_lvl5_norm",
    "evaluations_gpqa_normalized_score": "gpqa_norm",
    "evaluations_musr_normalized_score": "musr_norm",
    "evaluations_mmlu_pro_normalized_score": "mmlu_pro_norm",
}


def _read_lmarena_openllm(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    if "model_average_score" in raw:
        board, bench, avg_col = "open_llm_v2", _OPENLLM_V2, "model_average_score"
    else:
        board, bench, avg_col = "open_llm_v1", _OPENLLM_V1, "average"
    # One arena model can match several Open LLM submissions (precisions, re-uploads, forks):
    # keep the official provider's submission when flagged, then the best average, then the
    # first in file order.
    avg = _numbers(raw[avg_col], column=avg_col, path=path)
    official = raw.get("features_is_official_provider", np.full(raw.n, "", dtype=object))
    best: dict[str, tuple] = {}
    for i, key in enumerate(raw["key"]):
        rank = (str(official[i]).upper() == "TRUE", -np.inf if np.isnan(avg[i]) else avg[i], -i)
        if key not in best or rank > best[key]:
            best[key] = rank
    raw = raw.take(np.sort([-r[2] for r in best.values()]))
    ids = _ids(raw.n, source="lmarena_openllm", board=board, model=raw["key"],
               date=_date_from_name(path))
    metrics = _arena_metrics(raw, path)
    for col, metric in bench.items():
        if col in raw:
            metrics[metric] = _numbers(raw[col], column=col, path=path)
    return _assemble(ids, metrics, path=path)


def _read_lmarena_category(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    style = np.array([s.casefold() for s in raw["style_control"]], dtype=object)
    bad = ~np.isin(style, ["true", "false"])
    if bad.any():
        raise _bad_cells(path, "style_control", list(raw["style_control"][bad]), raw.n,
                         "True / False")
    board = np.where(style == "true", "text-style-control", "text").astype(object)
    ids = _ids(raw.n, source="lmarena_category", board=board,
               category=_category(raw["category"]), model=raw["model_name"],
               date=_date_from_name(path))
    metrics = {
        "rating": _numbers(raw["rating"], column="rating", path=path),
        "rating_lower": _numbers(raw["rating_q025"], column="rating_q025", path=path),
        "rating_upper": _numbers(raw["rating_q975"], column="rating_q975", path=path),
    }
    if "variance" in raw:
        metrics["rating_variance"] = _numbers(raw["variance"], column="variance", path=path)
    if "num_battles" in raw:
        metrics["n_votes"] = _numbers(raw["num_battles"], column="num_battles", path=path)
    if "final_ranking" in raw:
        rank = _numbers(raw["final_ranking"], column="final_ranking", path=path)
        rank[rank <= 0] = np.nan  # 0 marks deprecated models, which the board does not rank
        metrics["rank"] = rank
    if "final_ranking_deprecated" in raw:
        metrics["rank_with_deprecated"] = _numbers(
            raw["final_ranking_deprecated"], column="final_ranking_deprecated", path=path
        )
    return _assemble(ids, metrics, path=path)


def _read_lmarena_category_history(path: Path) -> pd.DataFrame:
    metric_cols = ("rating", "rating_q025", "rating_q975")
    raw = pd.read_csv(
        path, encoding="utf-8-sig", keep_default_na=False,
        na_values={c: sorted(MISSING_TOKENS | {"-", "N/A", "NA", "NaN"}) for c in metric_cols},
        dtype={"snapshot_commit": object, "snapshot_date": object, "leaderboard": object,
               "category": object, "model": object},
    )
    # Several commits can share a date. The file lists snapshots newest first, so the first
    # commit of each (leaderboard, date) is that day's final board; the others are superseded.
    first = raw.groupby(["leaderboard", "snapshot_date"], sort=False)["snapshot_commit"]
    keep = (raw["snapshot_commit"] == first.transform("first")).to_numpy()
    superseded = sorted(set(
        raw.loc[~keep, ["leaderboard", "snapshot_date", "snapshot_commit"]]
        .itertuples(index=False, name=None)
    ))
    raw = raw.loc[keep].reset_index(drop=True)
    boards = [str(b).strip().removeprefix("leaderboard-") for b in raw["leaderboard"]]
    ids = _ids(
        len(raw), source="lmarena_category", board=np.array(boards, dtype=object),
        category=_category(raw["category"]), model=raw["model"],
        date=_dates(raw["snapshot_date"], fmt="%Y-%m-%d", column="snapshot_date", path=path),
    )
    out = _assemble(ids, {
        "rating": _numbers(raw["rating"], column="rating", path=path),
        "rating_lower": _numbers(raw["rating_q025"], column="rating_q025", path=path),
        "rating_upper": _numbers(raw["rating_q975"], column="rating_q975", path=path),
    }, path=path)
    out.attrs["superseded_snapshots"] = superseded
    return out


def _read_lmarena_category_json(path: Path) -> pd.DataFrame:
    data = _load_json(path)
    board = path.stem.removeprefix("leaderboard-")
    if not isinstance(data, dict):
        raise VoteTableError(f"{path.name}: expected a JSON object {{category: {{model: ...}}}}")
    rows: list[tuple[str, str, object, object, object]] = []
    for cat, models in data.items():
        if not isinstance(models, dict):
            raise VoteTableError(
                f"{path.name}: category {cat!r} holds {type(models).__name__}, expected an "
                "object {model: {rating, rating_q025, rating_q975}}"
            )
        for model, rec in models.items():
            if not isinstance(rec, dict) or "rating" not in rec:
                raise VoteTableError(
                    f"{path.name}: {cat!r}/{model!r} is not an object with a 'rating'"
                )
            rows.append((cat, model, rec.get("rating"), rec.get("rating_q025"),
                         rec.get("rating_q975")))
    cat, model, rating, lo, hi = (list(c) for c in zip(*rows, strict=True)) if rows else (
        [], [], [], [], [])
    ids = _ids(len(rows), source="lmarena_category", board=board, category=_category(cat),
               model=model, date=_date_from_name(path))
    return _assemble(ids, {
        "rating": _numbers(rating, column="rating", path=path),
        "rating_lower": _numbers(lo, column="rating_q025", path=path),
        "rating_upper": _numbers(hi, column="rating_q975", path=path),
    }, path=path)


def _read_arena_elo_history(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    ids = _ids(raw.n, source="arena_elo_history", board="text", model=raw["key"],
               date=_dates(raw["date"], fmt="%Y%m%d", column="date", path=path))
    return _assemble(ids, {"rating": _numbers(raw["rating"], column="rating", path=path)},
                     path=path)


_ALPACA_COLUMNS = {
    "win_rate": "win_rate", "standard_error": "standard_error", "n_wins": "n_wins",
    "n_wins_base": "n_wins_base", "n_draws": "n_draws", "n_total": "n_total",
    "discrete_win_rate": "discrete_win_rate", "avg_length": "avg_length",
    "length_controlled_winrate": "lc_win_rate", "lc_standard_error": "lc_standard_error",
}


def _read_alpaca_eval(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    model_col = "name" if "name" in raw else next(iter(raw))  # upstream leaves it unnamed
    m = re.search(r"alpaca_eval_?(\d)", path.stem)
    board = f"alpaca_eval_{m[1]}" if m else "alpaca_eval"
    ids = _ids(raw.n, source="alpaca_eval", board=board, model=raw[model_col],
               date=_date_from_name(path))
    metrics = {metric: _numbers(raw[col], column=col, path=path)
               for col, metric in _ALPACA_COLUMNS.items() if col in raw}
    return _assemble(ids, metrics, path=path)


_BENCH_HEADERS = {
    "lc alpacaeval 2.0": "alpaca_eval_lc",
    "alpacaeval 2.0": "alpaca_eval_2",
    "alpacaeval 1.0": "alpaca_eval_1",
    "mt-bench (multi-turn)": "mt_bench",
    "wildbench": "wildbench",
    "open llm (average)": "open_llm_v1_avg",
    "arc-c (25-shot)": "arc",
    "hellaswag (10-shot)": "hellaswag",
    "mmlu (5-shot)": "mmlu",
    "truthfulqa (0-shot)": "truthfulqa",
    "winogrande (5-shot)": "winogrande",
    "gsm-8k (5-shot)": "gsm8k",
    "gpt4all (average)": "gpt4all_avg",
    "agi eval (en)": "agieval_en",
    "helm lite": "helm_lite",
    "bbh, cot (3-shot)": "bbh",
    "humaneval (pass @1)": "humaneval",
    "llmonitor (01-10)": "llmonitor",
    "opencomp. (en, avg)": "opencompass_en",
    "mbpp (pass @1)": "mbpp",
    "output length": "avg_length",
}
_ARENA_ELO_HEADER = re.compile(r"^arena elo \[(?P<date>[^\]]+)\]$")


def _norm_header(cell: str) -> str:
    return " ".join(cell.split()).casefold()


def _read_alpaca_benchmarks(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)  # header cells span lines ("Arena Elo\n[Feb 2, 2024]"); csv copes
    header = list(raw)
    if _norm_header(header[0]) != "model":
        raise VoteTableError(f"{path.name}: first column must be 'Model', got {header[0]!r}")
    file_date = _date_from_name(path)
    pieces, unknown = [], []
    for col in header[1:]:
        name = _norm_header(col)
        m = _ARENA_ELO_HEADER.match(name)
        if m:
            try:
                date = pd.Timestamp(pd.to_datetime(m["date"], format="mixed"))
            except (ValueError, TypeError) as exc:
                raise VoteTableError(
                    f"{path.name}: Arena Elo column {col!r} has no readable date"
                ) from exc
            metric = "rating"  # the Arena rating on the date its header gives
        elif name in _BENCH_HEADERS:
            date, metric = file_date, _BENCH_HEADERS[name]
        else:
            unknown.append(col)
            continue
        ids = _ids(raw.n, source="alpaca_eval", board="benchmarks", model=raw[header[0]],
                   date=date)
        pieces.append(_assemble(ids, {metric: _numbers(raw[col], column=col, path=path)},
                                path=path))
    if unknown:
        raise VoteTableError(
            f"{path.name}: {len(unknown)} columns have no metric mapping (e.g. {unknown[:5]}); "
            f"known: 'Arena Elo [<date>]' and {sorted(_BENCH_HEADERS)}"
        )
    return pd.concat(pieces, ignore_index=True)


def _read_arena_hard(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    if "date" in raw:
        cells = [c or None for c in raw["date"]]
        date = _dates(cells, fmt="%Y-%m-%d", column="date", path=path)
        date[np.isnat(date)] = _dt64(_date_from_name(path))
    else:
        date = _date_from_name(path)
    m = re.search(r"v(\d+(?:\.\d+)*)", path.stem)
    board = f"arena_hard_v{m[1]}" if m else "arena_hard_v0.1"
    ids = _ids(raw.n, source="arena_hard", board=board, model=raw["model"], date=date)
    metrics = {
        "arena_hard": _numbers(raw["score"], column="score", path=path),
        "arena_hard_lower": _numbers(raw["rating_q025"], column="rating_q025", path=path),
        "arena_hard_upper": _numbers(raw["rating_q975"], column="rating_q975", path=path),
    }
    if "avg_tokens" in raw:
        metrics["avg_tokens"] = _numbers(raw["avg_tokens"], column="avg_tokens", path=path)
    return _assemble(ids, metrics, path=path)


def _arena_hard_board(title: str | None) -> str:
    title = title or ""
    m = re.search(r"v(\d+(?:\.\d+)*)", title)
    board = f"arena_hard_v{m[1]}" if m else "arena_hard_v0.1"
    if "style control" in title.casefold():
        board += "-style-control"
    return board


_MD_ROW = re.compile(
    r"^(?P<model>\S.*?)\s*\|\s*score:\s*(?P<score>-?[\d.]+)\s*\|\s*95% CI:\s*"
    r"\(\s*(?P<lo>[-+]?[\d.]+)\s*,\s*(?P<hi>[-+]?[\d.]+)\s*\)\s*\|\s*average #tokens:\s*"
    r"(?P<tok>[\d.]+)\s*$"
)


def _read_arena_hard_md(path: Path) -> pd.DataFrame:
    records = []
    title: str | None = None
    block_title: str | None = None
    in_block = False
    for line in path.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if s.startswith("```"):
            in_block = not in_block
            if in_block:  # a bold title labels the next code block only
                block_title, title = title, None
            continue
        if in_block:
            m = _MD_ROW.match(s)
            if m:
                records.append((_arena_hard_board(block_title), m["model"], float(m["score"]),
                                float(m["lo"]), float(m["hi"]), float(m["tok"])))
            elif s:
                raise VoteTableError(f"{path.name}: cannot parse leaderboard line {s[:80]!r}")
        elif s.startswith("**") and s.endswith("**"):
            title = s.strip("*").strip()
    if not records:
        raise VoteTableError(f"{path.name}: no 'model | score: ... | 95% CI: ...' lines found")
    board, model, score, lo, hi, tok = (np.array(c, dtype=object if i < 2 else float)
                                        for i, c in enumerate(zip(*records, strict=True)))
    ids = _ids(len(records), source="arena_hard", board=board, model=model,
               date=_date_from_name(path))
    return _assemble(ids, {"arena_hard": score, "arena_hard_lower": score + lo,
                           "arena_hard_upper": score + hi, "avg_tokens": tok}, path=path)


def _read_arena_hard_past_csv(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    seen: set[tuple[str, str]] = set()
    repeated = []
    for key in zip(raw["section"], raw["model"], strict=True):
        if key in seen:
            repeated.append(key[1])
        seen.add(key)
    if repeated:
        raise VoteTableError(
            f"{path.name}: {len(repeated)} models appear twice under one section "
            f"(e.g. {_examples(repeated)}): the derived table merged two markdown blocks under "
            "one title; read past_leaderboards.md instead"
        )
    ids = _ids(raw.n, source="arena_hard",
               board=[_arena_hard_board(t) for t in raw["section"]], model=raw["model"],
               date=_date_from_name(path))
    score = _numbers(raw["score"], column="score", path=path)
    lo = _numbers(raw["ci_lower_delta"], column="ci_lower_delta", path=path)
    hi = _numbers(raw["ci_upper_delta"], column="ci_upper_delta", path=path)
    return _assemble(ids, {
        "arena_hard": score, "arena_hard_lower": score + lo, "arena_hard_upper": score + hi,
        "avg_tokens": _numbers(raw["avg_tokens"], column="avg_tokens", path=path),
    }, path=path)


def _load_json(path: Path) -> object:
    with open(path, encoding="utf-8-sig") as fh:
        return json.load(fh)


# --------------------------------------------------------------------------------------------
# the format registry


@dataclass(frozen=True)
class _Format:
    description: str
    reader: Callable[[Path], pd.DataFrame]
    name: re.Pattern[str] | None = None  # matched against the file name
    header: Callable[[list[str]], bool] | None = None  # CSV header test
    json: Callable[[object], bool] | None = None  # parsed-JSON test
    suffixes: tuple[str, ...] = (".csv",)


def _has(*cols: str) -> Callable[[list[str]], bool]:
    return lambda header: set(cols) <= set(header)


def _is_elo_data(data: object) -> bool:
    return (isinstance(data, list) and bool(data) and isinstance(data[0], dict)
            and {"date", "category", "max_elo", "max_model"} <= data[0].keys())


def _is_category_json(data: object) -> bool:
    if not isinstance(data, dict) or not data:
        return False
    first = next(iter(data.values()))
    if not isinstance(first, dict) or not first:
        return False
    rec = next(iter(first.values()))
    return isinstance(rec, dict) and "rating" in rec


_FORMATS: dict[str, _Format] = {
    "lmsys_table": _Format(
        "LMSYS leaderboard_table_YYYYMMDD.csv (key,) Model, MT-bench (score), MMLU[, Arena Elo "
        "rating]; source 'lmsys_table', board 'text', date from the file name",
        _read_lmsys_table, re.compile(r"^leaderboard_table_\d{8}\.csv$"),
        _has("Model", "MT-bench (score)", "MMLU")),
    "lmsys_elo_data": _Format(
        "LMSYS mirror elo_data.json [{date, category, max_elo, max_model}] (top model per "
        "category); source 'lmsys_elo_data'",
        _read_lmsys_elo_data, re.compile(r"^elo_data\.json$"), None, _is_elo_data, (".json",)),
    "lmarena_openllm": _Format(
        "merged_openllm_v{1,2}_x_*.csv: LMArena rows joined with Open LLM Leaderboard scores; "
        "one submission per arena key; source 'lmarena_openllm', board 'open_llm_v1'/'_v2'",
        _read_lmarena_openllm, re.compile(r"^merged_openllm.*\.csv$"),
        lambda h: {"key", "95_pct_ci", "votes"} <= set(h)
        and bool({"arena_elo", "arena_score"} & set(h))),
    "lmarena_csv": _Format(
        "LMArena CSV export (lmsys_<date>_<commit>.csv, lmarena_{text,vision,image}.csv): rank, "
        "[rank_stylectrl,] model, arena_elo|arena_score, 95_pct_ci '+a/-b', votes; source "
        "'lmarena_csv'",
        _read_lmarena_csv, re.compile(r"^(lmsys|lmarena)_.*\.csv$"),
        lambda h: {"rank", "model", "95_pct_ci", "votes"} <= set(h) and "key" not in h
        and bool({"arena_elo", "arena_score"} & set(h))),
    "lmarena_category": _Format(
        "arena-catalog per-category CSV (model_name, rating, variance, rating_q025/q975, "
        "num_battles, final_ranking, category, style_control, ...); source 'lmarena_category'",
        _read_lmarena_category, None,
        _has("model_name", "rating", "rating_q025", "rating_q975", "category", "style_control")),
    "lmarena_category_history": _Format(
        "category_ratings_history_long.csv (snapshot_commit, snapshot_date, leaderboard, "
        "category, model, rating, rating_q025, rating_q975); newest commit per date kept; "
        "source 'lmarena_category'",
        _read_lmarena_category_history, re.compile(r"^category_ratings_history.*\.csv$"),
        _has("snapshot_commit", "snapshot_date", "leaderboard", "category", "model", "rating")),
    "lmarena_category_json": _Format(
        "arena-catalog leaderboard-<board>.json {category: {model: {rating, rating_q025, "
        "rating_q975}}}; source 'lmarena_category', date NaT unless given",
        _read_lmarena_category_json, re.compile(r"^leaderboard-[\w.-]+\.json$"), None,
        _is_category_json, (".json",)),
    "arena_elo_history": _Format(
        "chatbot-arena-history alltime.csv (key, Model, rating, License, Organization, date "
        "YYYYMMDD); source 'arena_elo_history', board 'text', model = key",
        _read_arena_elo_history, None, _has("key", "Model", "rating", "date")),
    "alpaca_eval": _Format(
        "AlpacaEval leaderboard CSV (name, win_rate, standard_error, n_wins, ..., "
        "length_controlled_winrate); source 'alpaca_eval', board 'alpaca_eval_1'/'_2'",
        _read_alpaca_eval, None, _has("win_rate", "standard_error", "n_total")),
    "alpaca_eval_benchmarks": _Format(
        "AlpacaEval notebooks/benchmarks.csv: Model, 'Arena Elo\\n[<date>]' columns (dated by "
        "their header), then ~20 benchmarks (dated by the file name); source 'alpaca_eval', "
        "board 'benchmarks'",
        _read_alpaca_benchmarks, None,
        lambda h: bool(h) and _norm_header(h[0]) == "model"
        and any(_ARENA_ELO_HEADER.match(_norm_header(c)) for c in h)),
    "arena_hard": _Format(
        "Arena-Hard-Auto leaderboard CSV (model, score, rating_q025, rating_q975, CI, "
        "avg_tokens[, date]); source 'arena_hard', board 'arena_hard_v0.1'",
        _read_arena_hard, None, _has("model", "score", "rating_q025", "rating_q975")),
    "arena_hard_md": _Format(
        "Arena-Hard-Auto past_leaderboards.md (console blocks 'model | score: | 95% CI: | "
        "average #tokens:'); a bold title labels the next block; date NaT unless given",
        _read_arena_hard_md, re.compile(r"^past_leaderboards.*\.md$"), None, None, (".md",)),
    "arena_hard_past_csv": _Format(
        "past_leaderboards_parsed.csv (section, model, score, ci_lower_delta, ci_upper_delta, "
        "avg_tokens); refused when a model repeats within a section",
        _read_arena_hard_past_csv, None,
        _has("section", "model", "score", "ci_lower_delta", "ci_upper_delta")),
}

#: Format name -> what it reads (file layout, source/board written, date convention).
BOARD_FORMATS: dict[str, str] = {name: f.description for name, f in _FORMATS.items()}

_PICKLE_SUFFIXES = (".pkl", ".pickle", ".pk", ".joblib", ".pt", ".pth", ".npy", ".npz")


def _format_list() -> str:
    return "; ".join(f"{k}: {v}" for k, v in BOARD_FORMATS.items())


@contextmanager
def _unreadable_as_error(path: Path) -> Iterator[None]:
    """Turn decoding errors (binary files, broken JSON / CSV) into a VoteTableError."""
    try:
        yield
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise VoteTableError(
            f"{path.name}: not a readable UTF-8 text table ({type(exc).__name__}: {exc}); "
            f"readable formats: {sorted(BOARD_FORMATS)}"
        ) from exc


def _refuse_pickle(path: Path) -> None:
    if path.suffix.casefold() in _PICKLE_SUFFIXES:
        raise VoteTableError(
            f"{path.name}: pickled files are never loaded (unpickling runs arbitrary code); "
            f"export the table to CSV or JSON. Readable formats: {sorted(BOARD_FORMATS)}"
        )


def sniff_board_format(path: str | Path) -> str:
    """Name the leaderboard format of a file from its name, then from its header or JSON shape.

    Parameters
    ----------
    path : str or pathlib.Path
        A leaderboard file.

    Returns
    -------
    str
        A key of :data:`BOARD_FORMATS`.

    Raises
    ------
    VoteTableError
        For pickles (never loaded) and for files matching no format; the message lists the
        formats and what each reads.
    """
    path = Path(path)
    _refuse_pickle(path)
    with _unreadable_as_error(path):
        return _sniff(path)


def _sniff(path: Path) -> str:
    suffix = path.suffix.casefold()
    header = _csv_header(path) if suffix == ".csv" else None
    for name, fmt in _FORMATS.items():
        if fmt.name is not None and fmt.name.search(path.name):
            if header is None or fmt.header is None or fmt.header(header):
                return name
    if header is not None:
        for name, fmt in _FORMATS.items():
            if fmt.header is not None and fmt.header(header):
                return name
        seen = f"header {header[:10]}"
    elif suffix == ".json":
        data = _load_json(path)
        for name, fmt in _FORMATS.items():
            if fmt.json is not None and fmt.json(data):
                return name
        seen = f"JSON {type(data).__name__}"
    else:
        seen = f"suffix {suffix!r}"
    raise VoteTableError(
        f"{path.name}: no leaderboard format matches ({seen}); pass format= one of: "
        f"{_format_list()}"
    )


def _read_format(path: Path, format: str) -> pd.DataFrame:
    fmt = _FORMATS[format]
    if path.suffix.casefold() not in fmt.suffixes:
        raise VoteTableError(
            f"{path.name}: format {format!r} reads {list(fmt.suffixes)} files, "
            f"not {path.suffix!r}"
        )
    if fmt.header is not None:
        header = _csv_header(path)
        if not fmt.header(header):
            raise VoteTableError(
                f"{path.name}: header {header[:10]} does not fit format {format!r} "
                f"({fmt.description})"
            )
    return fmt.reader(path)


def read_leaderboard(
    path: str | Path, format: str | None = None, *, date: object = None
) -> pd.DataFrame:
    """Read one published leaderboard file into the tidy board table.

    Parameters
    ----------
    path : str or pathlib.Path
        The file (CSV, JSON or markdown, see :data:`BOARD_FORMATS`). Pickles are never loaded.
    format : str, optional
        A key of :data:`BOARD_FORMATS`; sniffed from the file name, then the header or JSON
        shape, when omitted.
    date : date-like, optional
        Snapshot date for files that carry none (``latest/*.csv``, ``raw_latest/*.json``,
        AlpacaEval leaderboards, ``past_leaderboards.md``); an error if the file has dates.

    Returns
    -------
    pandas.DataFrame
        A frame that passed :func:`validate_board_table`, with
        ``attrs["source_path"]`` and ``attrs["source_format"]`` (plus
        ``attrs["duplicates_dropped"]``: rows repeating a key within the file, first kept; and
        for the category history ``attrs["superseded_snapshots"]``).

    Raises
    ------
    VoteTableError
        For an unknown format or file (the message lists the formats), a pickle, unparseable
        cells, or a table that breaks the board contract.
    FileNotFoundError
        When the file does not exist.
    """
    path = Path(path)
    _refuse_pickle(path)
    if not path.is_file():
        raise FileNotFoundError(f"leaderboard file {path} does not exist")
    if format is None:
        format = sniff_board_format(path)
    elif format not in _FORMATS:
        raise VoteTableError(
            f"unknown leaderboard format {format!r}; allowed: {_format_list()}"
        )
    with _unreadable_as_error(path):
        out = _read_format(path, format)
    attrs = dict(out.attrs)
    if date is not None:
        dated = out["date"].notna()
        if dated.any():
            raise VoteTableError(
                f"{path.name}: date={date!r} given but the file dates {int(dated.sum())} of "
                f"{len(out)} rows itself (e.g. {_examples(out.loc[dated, 'date'].astype(str))})"
                "; pass date only for files without dates"
            )
        try:
            out["date"] = pd.Timestamp(date)
        except (ValueError, TypeError) as exc:
            raise VoteTableError(f"date={date!r} is not a date") from exc
    # a model listed twice in one file (an upstream glitch): identical rows collapse, and when
    # the repeats differ (e.g. only in rank) the first row of the file is kept
    n0 = len(out)
    out = out.drop_duplicates(list(KEY_COLUMNS), keep="first")
    attrs["duplicates_dropped"] = n0 - len(out)
    out = validate_board_table(out)
    out.attrs = {**attrs, "source_path": str(path), "source_format": format}
    return out


def read_leaderboards(
    paths: Iterable[str | Path], format: str | None = None
) -> pd.DataFrame:
    """Read several leaderboard files into one board table.

    Parameters
    ----------
    paths : iterable of str or pathlib.Path
        Files, each read with :func:`read_leaderboard`.
    format : str, optional
        One format for all files; sniffed per file when omitted.

    Returns
    -------
    pandas.DataFrame
        The validated concatenation. Rows repeated exactly across files (the same number
        published in two copies of a table) are kept once; ``attrs["source_paths"]`` lists the
        files.

    Raises
    ------
    VoteTableError
        As :func:`read_leaderboard`, when no path is given, or when two files publish different
        values for the same key.
    """
    frames = [read_leaderboard(p, format) for p in paths]
    if not frames:
        raise VoteTableError("read_leaderboards needs at least one path")
    out = pd.concat(frames, ignore_index=True).drop_duplicates(list(BOARD_COLUMNS))
    out = validate_board_table(out)
    out.attrs = {"source_paths": [f.attrs["source_path"] for f in frames]}
    return out


def board_wide(
    df: pd.DataFrame, metrics: Sequence[str] | None = None, *, validate: bool = True
) -> pd.DataFrame:
    """Pivot a board table to one row per (source, board, category, model, date).

    Parameters
    ----------
    df : pandas.DataFrame
        A board table (see :func:`validate_board_table`).
    metrics : sequence of str, optional
        Metric columns to keep, in this order; default every metric present, in the order of
        :data:`METRICS`. Rows with none of the requested metrics are left out.
    validate : bool, default True
        Validate ``df`` first (skip only for a frame that already passed).

    Returns
    -------
    pandas.DataFrame
        Columns ``source, board, category, model, date`` then one float column per metric (NaN
        where the source publishes no value), sorted by the key columns, fresh ``RangeIndex``.

    Raises
    ------
    VoteTableError
        If ``df`` breaks the contract or ``metrics`` names a metric outside :data:`METRICS`.
    """
    if validate:
        df = validate_board_table(df)
    if metrics is not None:
        metrics = list(metrics)
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise VoteTableError(f"unknown metrics {unknown}; allowed: {sorted(METRICS)}")
        df = df[df["metric"].isin(metrics)]
    else:
        present = set(df["metric"])
        metrics = [m for m in METRICS if m in present]
    index = list(KEY_COLUMNS[:-1])
    wide = df.set_index(index + ["metric"])["value"].unstack("metric")
    wide = wide.reindex(columns=metrics).reset_index()
    wide.columns.name = None
    wide = wide.sort_values(index, kind="stable", na_position="last").reset_index(drop=True)
    return wide
