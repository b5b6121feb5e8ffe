"""The canonical vote table: one pandas DataFrame contract used everywhere.

Every loader returns, and every analysis accepts, a frame that passed :func:`validate_votes`.

Required columns
----------------
``model_a``, ``model_b``
    Model names. Both columns share one categorical dtype whose categories are the sorted union of
    the names: the category code is the stable model index used by the rating engine.
``winner``
    Categorical with exactly the labels of :data:`WINNER_LABELS`: ``model_a``, ``model_b``, ``tie``
    (both good, or unspecified) and ``tie_bothbad``.

Optional columns (typed when present)
-------------------------------------
See :data:`OPTIONAL_COLUMNS`. Columns not named there are passed through unchanged, so a loader may
keep source-specific fields (``turn``, ``anony``, ``question_id`` ...).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "WINNER_LABELS",
    "RATER_TYPES",
    "POSITION_LABELS",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "STYLE_FEATURES",
    "STYLE_COLUMNS",
    "VoteTableError",
    "validate_votes",
    "model_index",
    "make_votes",
]

WINNER_LABELS: tuple[str, ...] = ("model_a", "model_b", "tie", "tie_bothbad")
RATER_TYPES: tuple[str, ...] = ("crowd", "expert", "llm_judge")
#: ``position`` names the side shown first (left / top) to the voter.
POSITION_LABELS: tuple[str, ...] = ("model_a", "model_b")
REQUIRED_COLUMNS: tuple[str, ...] = ("model_a", "model_b", "winner")
STYLE_FEATURES: tuple[str, ...] = ("tokens", "headers", "lists", "bold")
STYLE_COLUMNS: tuple[str, ...] = tuple(
    f"style_{feat}_{side}" for feat in STYLE_FEATURES for side in ("a", "b")
)

_STRING_COLUMNS = (
    "voter_id",
    "prompt_id",
    "category",
    "language",
    "country",
    "age_band",
    "education",
    "profession",
)

#: Optional column name -> kind: ``"string"``, ``"datetime"``, ``"nonneg_float"`` or a tuple of
#: allowed labels (stored as a categorical with exactly those categories).
OPTIONAL_COLUMNS: dict[str, object] = {
    "voter_id": "string",
    "rater_type": RATER_TYPES,
    "timestamp": "datetime",
    "prompt_id": "string",
    "category": "string",
    "language": "string",
    "country": "string",
    "age_band": "string",
    "education": "string",
    "profession": "string",
    "position": POSITION_LABELS,
    **{c: "nonneg_float" for c in STYLE_COLUMNS},
    "weight": "nonneg_float",
}


class VoteTableError(ValueError):
    """A vote table breaks the canonical contract; the message names column, count and allowed."""


def _examples(values: Iterable[object], k: int = 5) -> list:
    out = []
    for v in values:
        if v not in out:
            out.append(v)
        if len(out) >= k:
            break
    return out


def _codes_uniques(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return integer codes (-1 missing), distinct values, and which values occur.

    Codes come straight from a categorical (small ints), so millions of rows cost no string work.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        cats = np.asarray(s.cat.categories, dtype=object)
        used = np.bincount(codes[codes >= 0].astype(np.intp), minlength=len(cats)) > 0
        return codes, cats, used
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object), np.ones(len(uniques), dtype=bool)


def _label_column(df: pd.DataFrame, col: str, allowed: tuple[str, ...]) -> pd.Categorical:
    s = df[col]
    null = s.isna().to_numpy()
    if null.any():
        raise VoteTableError(
            f"column {col!r} has {int(null.sum())} of {len(s)} rows missing; "
            f"allowed labels: {list(allowed)}"
        )
    codes, uniques, _ = _codes_uniques(s)
    labels = [str(u) for u in uniques]
    lookup = np.array([allowed.index(u) if u in allowed else -1 for u in labels], dtype=np.int8)
    mapped = lookup[codes]
    bad = mapped < 0
    if bad.any():
        ex = _examples([labels[q] for q in codes[bad][:1000]])
        raise VoteTableError(
            f"column {col!r} has {int(bad.sum())} of {len(s)} rows with unknown labels "
            f"(e.g. {ex}); allowed labels: {list(allowed)}"
        )
    return pd.Categorical.from_codes(mapped, categories=list(allowed))


def _nonneg_float(df: pd.DataFrame, col: str) -> np.ndarray:
    s = df[col]
    try:
        x = pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        bad = pd.to_numeric(s, errors="coerce").isna() & s.notna()
        ex = _examples(s[bad].tolist())
        raise VoteTableError(
            f"column {col!r} has {int(bad.sum())} of {len(s)} non-numeric rows (e.g. {ex}); "
            "allowed: finite numbers >= 0"
        ) from exc
    bad = ~np.isfinite(x) | (x < 0)
    if col != "weight":
        # style counts may be unknown for some battles (NaN); infinite or negative never
        bad = np.isinf(x) | (x < 0)
    if bad.any():
        ex = _examples(x[bad].tolist())
        raise VoteTableError(
            f"column {col!r} has {int(bad.sum())} of {len(s)} rows that are negative or "
            f"non-finite (e.g. {ex}); allowed: finite numbers >= 0"
        )
    return x


def _datetime(df: pd.DataFrame, col: str) -> pd.Series:
    s = df[col]
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s
        if getattr(out.dt, "tz", None) is None:
            out = out.dt.tz_localize("UTC")
        return out.dt.tz_convert("UTC")
    if pd.api.types.is_numeric_dtype(s.dtype):
        # numeric timestamps are Unix epoch seconds (FastChat's ``tstamp``)
        x = s.to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(x).any():
            raise VoteTableError(
                f"column {col!r} has {int(np.isinf(x).sum())} of {len(s)} infinite rows; "
                "allowed: Unix seconds or ISO-8601 datetimes"
            )
        return pd.to_datetime(x, unit="s", utc=True).to_series(index=s.index)
    out = pd.to_datetime(s, utc=True, errors="coerce", format="mixed")
    bad = out.isna() & s.notna()
    if bad.any():
        raise VoteTableError(
            f"column {col!r} has {int(bad.sum())} of {len(s)} rows that are not datetimes "
            f"(e.g. {_examples(s[bad].tolist())}); allowed: Unix seconds or ISO-8601 datetimes"
        )
    return out


def validate_votes(df: pd.DataFrame) -> pd.DataFrame:
    """Check a vote table against the canonical contract and return the canonical frame.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per vote with at least ``model_a``, ``model_b`` and ``winner``.

    Returns
    -------
    pandas.DataFrame
        A new frame (the input is not modified) with a fresh ``RangeIndex``: the required columns
        first, model columns as one shared sorted categorical, ``winner`` (and ``rater_type``,
        ``position``) as categoricals with fixed categories, string columns as ``str``,
        ``timestamp`` as UTC datetimes, style columns and ``weight`` as float64. Other columns are
        kept as they are.

    Raises
    ------
    VoteTableError
        For a missing required column, an empty table, null or empty model names, a model battling
        itself, fewer than two models, unknown or missing winner labels, bad optional columns
        (unknown labels, negative or non-finite weights, unparseable timestamps). The message
        names the column, how many rows are affected, examples, and what is allowed.
    """
    if not isinstance(df, pd.DataFrame):
        raise VoteTableError(f"a vote table must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise VoteTableError(
            f"vote table is missing required column(s) {missing}; it has {list(df.columns)[:12]}; "
            f"required: {list(REQUIRED_COLUMNS)}"
        )
    if df.columns.duplicated().any():
        dup = sorted(set(df.columns[df.columns.duplicated()]))
        raise VoteTableError(f"vote table has duplicated column names {dup}")
    if len(df) == 0:
        raise VoteTableError("vote table is empty (0 rows); at least one vote is required")

    out = df.reset_index(drop=True).copy()
    n = len(out)

    names = {}
    for col in ("model_a", "model_b"):
        # checks and string clean-up run on the distinct names only
        codes, uniques, used = _codes_uniques(out[col])
        null = codes < 0
        if null.any():
            raise VoteTableError(
                f"column {col!r} has {int(null.sum())} of {n} rows with missing model names; "
                "allowed: non-empty strings"
            )
        clean = np.array([str(v).strip() for v in uniques], dtype=object)
        empty_u = clean == ""
        if (empty_u & used).any():
            n_empty = int(empty_u[codes].sum())
            raise VoteTableError(
                f"column {col!r} has {n_empty} of {n} rows with empty model names; "
                "allowed: non-empty strings"
            )
        names[col] = (codes, clean, used)
    models = sorted(set(names["model_a"][1][names["model_a"][2]])
                    .union(names["model_b"][1][names["model_b"][2]]))
    pos = {m: q for q, m in enumerate(models)}
    small = np.int16 if len(models) < 2**15 else np.int32

    def recode(codes, clean, used):
        lookup = np.array([pos[m] if u else -1 for m, u in zip(clean, used, strict=True)],
                          dtype=small)
        return lookup[codes]

    code_a = recode(*names["model_a"])
    code_b = recode(*names["model_b"])
    self_battle = code_a == code_b
    if self_battle.any():
        ex = _examples([models[q] for q in code_a[self_battle][:1000]])
        raise VoteTableError(
            f"columns 'model_a'/'model_b' have {int(self_battle.sum())} of {n} rows where a model "
            f"battles itself (e.g. {ex}); allowed: two different models per vote"
        )
    if len(models) < 2:
        raise VoteTableError(
            f"columns 'model_a'/'model_b' name only {len(models)} model ({models}); "
            "at least two models are required"
        )
    dtype = pd.CategoricalDtype(models, ordered=False)
    out["model_a"] = pd.Categorical.from_codes(code_a, dtype=dtype)
    out["model_b"] = pd.Categorical.from_codes(code_b, dtype=dtype)
    out["winner"] = _label_column(out, "winner", WINNER_LABELS)

    for col, kind in OPTIONAL_COLUMNS.items():
        if col not in out.columns:
            continue
        if isinstance(kind, tuple):
            if col == "position":
                # position may be unknown for some votes
                s = out[col]
                known = s.notna()
                bad = known & ~s.astype(str).isin(kind)
                if bad.any():
                    raise VoteTableError(
                        f"column 'position' has {int(bad.sum())} of {n} rows with unknown labels "
                        f"(e.g. {_examples(s[bad].tolist())}); allowed labels: {list(kind)} "
                        "(the side shown first) or missing"
                    )
                out[col] = pd.Categorical(s.where(known, None), categories=list(kind))
            else:
                out[col] = _label_column(out, col, kind)
        elif kind == "string":
            s = out[col]
            out[col] = s.astype("str").where(s.notna(), None).astype("str")
        elif kind == "datetime":
            out[col] = _datetime(out, col)
        elif kind == "nonneg_float":
            out[col] = _nonneg_float(out, col)

    if "weight" in out.columns and not (out["weight"].to_numpy() > 0).any():
        raise VoteTableError(
            f"column 'weight' is zero on all {n} rows; at least one vote needs a positive weight"
        )

    first = list(REQUIRED_COLUMNS)
    rest = [c for c in out.columns if c not in first]
    out = out[first + rest]
    out.attrs = dict(df.attrs)
    return out


def model_index(votes: pd.DataFrame) -> pd.Index:
    """Return the stable model index of a canonical vote table (sorted union of names)."""
    return pd.Index(votes["model_a"].cat.categories, name="model")


def make_votes(
    model_a: Iterable[str], model_b: Iterable[str], winner: Iterable[str], **columns: object
) -> pd.DataFrame:
    """Build and validate a canonical vote table from columns (a convenience for small tables)."""
    return validate_votes(
        pd.DataFrame({"model_a": list(model_a), "model_b": list(model_b), "winner": list(winner),
                      **columns})
    )
