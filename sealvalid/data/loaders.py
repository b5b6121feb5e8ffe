"""Read pairwise vote files of many public formats into the canonical vote table.

One entry point, :func:`read_votes`, turns a file into a frame that passed
:func:`~sealvalid.data.schema.validate_votes`. The source format is named with ``format=`` or
sniffed from the file's columns (:func:`sniff_vote_format`). Each format is one converter in a
registry (:data:`VOTE_FORMATS` lists them in sniffing order); adding a format is one function plus
one registry line.

Reading
-------
Files are read by extension: ``.json`` (a JSON array of objects, or JSON lines), ``.jsonl``,
``.csv`` (every cell read as text, so labels keep their source spelling) and ``.parquet``. Pickle
files (``.pkl``, ``.pickle``) are refused: unpickling runs arbitrary code.

The loaders return votes, not conversations: bulky text fields (conversations, prompts, responses,
code, judge explanations) are not carried into the vote table.

Formats and conventions
-----------------------
``fastchat``
    FastChat / LMArena ``clean_battle_*.json``: ``model_a``, ``model_b``, ``winner`` in
    {``model_a``, ``model_b``, ``tie``, ``tie (bothbad)``}, ``judge`` -> ``voter_id``, ``tstamp``
    (Unix seconds) -> ``timestamp``, ``language``, ``conv_metadata`` -> style columns. Kept extras:
    ``question_id`` (a conversation id, not a prompt id, so ``prompt_id`` stays unset), ``turn``,
    ``anony`` (bool), ``is_code``, ``is_refusal``. ``rater_type`` = ``crowd``.
``arena_hp_55k``
    lmsys arena-human-preference-55k (Kaggle / HF ``train.csv``): the one-hot columns
    ``winner_model_a``, ``winner_model_b``, ``winner_tie`` give the winner (a row without exactly
    one 1 is invalid); ``id`` is kept as an extra column; ``rater_type`` = ``crowd``. The source
    has no both-bad label, so its ties are ``tie``.
``arena_hp_100k``
    lmarena-ai/arena-human-preference-100k: as ``fastchat`` but the voter is ``judge_hash``.
    Published columns: question_id, model_a, model_b, winner, conversation_a, conversation_b, turn,
    anony, language, tstamp, conv_metadata, is_code, is_refusal, dedup_tag, category_tag,
    judge_hash. Assumption: its winner labels are FastChat's (``tie (bothbad)``).
``arena_hp_140k``
    lmarena-ai/arena-human-preference-140k: id, model_a, model_b, winner (``both_bad`` for both
    bad), evaluation_session_id, evaluation_order, conversation_a/_b, full_conversation,
    conv_metadata, category_tag, language, is_code, timestamp (ISO 8601, read as UTC when it has no
    zone). There is no voter id (a session is not a voter), so ``voter_id`` stays unset; ``id``,
    ``evaluation_session_id``, ``evaluation_order`` and ``is_code`` are kept.
``mtbench``
    MT-Bench pairwise judgments (``lmsys/mt_bench_human_judgments``, human and gpt4_pair splits):
    question_id -> ``prompt_id``, model_a, model_b, winner in {``model_a``, ``model_b``, ``tie``}
    (anything else, such as ``error``, is invalid), judge -> ``voter_id`` (a list judge such as
    ``["gpt-4", "pair-v2"]`` becomes ``"gpt-4/pair-v2"``), ``turn`` kept. ``rater_type`` is
    ``expert`` for human judges (``author_*``, ``expert_*``), ``llm_judge`` for list judges or names
    of a model family (gpt, claude, ...); any other judge is an invalid row.
``llmfao``
    LLMFAO comparisons (``crowd-comparisons.csv``, ``gpt4-comparisons.csv`` ...): left ->
    ``model_a``, right -> ``model_b``, winner {left, right, tie}, prompt -> ``prompt_id``, worker
    -> ``voter_id``. A file with a ``worker`` column is ``crowd``; one without is an LLM judge
    (``voter_id`` ``gpt-4`` / ``gpt-3.5`` from a ``gpt4``/``gpt3`` file-name prefix). ``id``,
    ``model_x``, ``model_y`` kept.
``pandalm``
    PandaLM test set. ``testset-v1.json`` gives one vote per annotator (three rows per item,
    ``voter_id`` ``annotator1``..``annotator3``, labels 0 tie / 1 / 2) with ``rater_type`` =
    ``expert``: the three annotators are a fixed, trained panel with reported pairwise Cohen's
    kappa of 0.85-0.88 on a curated item set, not an open crowd. The judge files
    (``gpt-3.5-turbo-testset-v1.json``: "1", "2", "Tie", and "garbage" which is invalid;
    ``pandalm-7b-testset-v1.json``: 0/1/2) are ``llm_judge`` and take their model names from
    ``testset-v1.json`` in the same folder (joined on ``idx``). ``cmp_key`` "<m1>_<m2>" gives
    ``model_a`` = response1's model. ``idx`` -> ``prompt_id``, ``motivation_app`` -> ``category``.
``prd``
    PRD Vicuna80 ratings: ``pairwise_ratings_compact.csv`` (reviewer, model_1, model_2,
    question_id, score, line_index, source_file) or one raw
    ``ratings-<reviewer>/answer_<m1>-vs-answer_<m2>-<reviewer>-reviewer*.jsonl`` file. Score 1 =
    model_1 (Assistant 1, shown first) better, 2 = model_2 better, 3 = tie. Each pair is put in
    sorted name order (``model_a`` < ``model_b``) and ``position`` records which of them was
    shown first, so position bias is ``mean(winner == position)``. Human rows have no annotator
    id (``voter_id`` unset) and ``rater_type`` = ``crowd`` (assumption: the Vicuna80 human
    pairwise labels come from the QLoRA/Guanaco crowd evaluation, several raters per question);
    LLM reviewers are ``llm_judge`` with ``voter_id`` = reviewer. ``reviewer``, ``source_file``
    and ``line_index`` are kept. Both gpt35 runs of gpt35-vs-gpt4 (files ``answer_...`` and
    ``answer-...``) are kept; filter on ``source_file`` to use one.
``copilot_arena``
    Copilot Arena examples: acceptedIndex 0 -> ``model_a`` wins, 1 -> ``model_b``; an empty
    acceptedIndex is invalid. The code (prefix, suffix, completions) is left out. ``crowd``.
``arena_hard``
    Arena-Hard-Auto battle log (exactly question_id, model_a, model_b, winner): question_id ->
    ``prompt_id``, ``rater_type`` = ``llm_judge``.
``canonical``
    A table already in canonical column names and labels (e.g. a saved :func:`read_votes` result).
``mapped``
    Any table, with ``mapping`` (canonical column -> source column) and ``winner_labels``; never
    sniffed.

``position`` is set to ``model_a`` where the source documents that ``model_a`` is the side shown
first (the Arena's left panel, LLMFAO's left system, PandaLM's response 1), varies for ``prd``, and
is left unset where the order is unknown or mixed (mtbench, copilot_arena, arena_hard).

The arena formats (fastchat, 100k, 140k) accept both ``tie (bothbad)`` and ``both_bad`` for
``tie_bothbad``. Every format also accepts the canonical labels themselves where they are text.
"""

from __future__ import annotations

import ast
import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sealvalid.data.schema import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    STYLE_COLUMNS,
    WINNER_LABELS,
    VoteTableError,
    validate_votes,
)

__all__ = ["VOTE_FORMATS", "ON_INVALID", "read_votes", "sniff_vote_format"]

#: Allowed values of ``read_votes(on_invalid=...)``.
ON_INVALID: tuple[str, ...] = ("raise", "drop")

_EXTENSIONS = (".json", ".jsonl", ".csv", ".parquet")
_PICKLE_EXTENSIONS = (".pkl", ".pickle")

_IDENTITY = {lab: lab for lab in WINNER_LABELS}
_ARENA_WINNERS = {
    **_IDENTITY,
    "tie (bothbad)": "tie_bothbad",
    "both_bad": "tie_bothbad",
}
_TRIPLE_WINNERS = {"model_a": "model_a", "model_b": "model_b", "tie": "tie"}
_LLMFAO_WINNERS = {"left": "model_a", "right": "model_b", "tie": "tie"}
_PANDALM_CODES = {"0": "tie", "1": "model_a", "2": "model_b"}
_PANDALM_GPT = {"1": "model_a", "2": "model_b", "Tie": "tie"}
_PRD_SCORES = {"1": "model_a", "2": "model_b", "3": "tie"}
_COPILOT_INDEX = {"0": "model_a", "1": "model_b"}
_ONEHOT_COLUMNS = ("winner_model_a", "winner_model_b", "winner_tie")
_ONEHOT_WINNERS = {"winner_model_a": "model_a", "winner_model_b": "model_b", "winner_tie": "tie"}

#: Columns only a canonical table carries (no source format uses these names).
_CANONICAL_MARKERS = frozenset(
    {"voter_id", "rater_type", "prompt_id", "position", "weight", *STYLE_COLUMNS}
)
_STYLE_SOURCES = {
    "tokens": "sum_assistant_{side}_tokens",
    "headers": "header_count_{side}",
    "lists": "list_count_{side}",
    "bold": "bold_count_{side}",
}
_HUMAN_JUDGE = re.compile(r"^(author|expert)([_\-\s]?\w*)$", re.IGNORECASE)
_LLM_JUDGE = re.compile(
    r"gpt|claude|llama|palm|gemini|bard|mistral|qwen|vicuna|judge|pair", re.IGNORECASE
)
_INTEGRAL_TEXT = re.compile(r"^(-?\d+)\.0+$")


# --------------------------------------------------------------------------------------------
# reading files
# --------------------------------------------------------------------------------------------


class _RawFile:
    """A vote file on disk: its column names (cheap) and its table (parsed once)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ext = path.suffix.lower()
        self._records: list | None = None
        self._keys: list[str] | None = None

    def _json_records(self) -> list:
        if self._records is None:
            text = self.path.read_text(encoding="utf-8")
            if self.ext == ".json":
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    if not exc.msg.startswith("Extra data"):
                        raise VoteTableError(f"{self.path.name} is not valid JSON: {exc}") from exc
                    obj = _json_lines(text, self.path)
            else:
                obj = _json_lines(text, self.path)
            if not isinstance(obj, list):
                raise VoteTableError(
                    f"{self.path.name} holds a JSON {type(obj).__name__}; expected a JSON array "
                    "of vote objects (one per row) or JSON lines"
                )
            self._records = obj
        return self._records

    def _json_keys(self) -> list[str]:
        if self._keys is None:
            seen: dict = {}
            for i, rec in enumerate(self._json_records()):
                if not isinstance(rec, dict):
                    raise VoteTableError(
                        f"{self.path.name}: element {i} is a {type(rec).__name__}; expected a "
                        "JSON array of vote objects (one per row) or JSON lines"
                    )
                seen.update(rec)  # C-level; only the keys are used
            self._keys = list(seen)
        return self._keys

    @property
    def columns(self) -> list[str]:
        """Column names (for JSON: every key of every record, in first-seen order)."""
        if self.ext == ".parquet":
            return list(pq.read_schema(self.path).names)
        if self.ext == ".csv":
            return list(pd.read_csv(self.path, nrows=0).columns)
        return self._json_keys()

    def frame(self, usecols: frozenset[str] | None) -> pd.DataFrame:
        """Return the table, restricted to ``usecols`` when given (absent names are ignored)."""
        if self.ext == ".parquet":
            cols = None
            if usecols is not None:
                cols = [c for c in self.columns if c in usecols]
            # string columns of few distinct values (models, labels) are read dictionary-
            # encoded: categoricals cost a fraction of the memory of millions of strings
            dict_cols = [f.name for f in pq.read_schema(self.path)
                         if (cols is None or f.name in cols)
                         and f.name in _DICTIONARY_COLUMNS
                         and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))]
            table = pq.read_table(self.path, columns=cols, read_dictionary=dict_cols)
            # structs (Arena conv_metadata) stay Arrow-backed: style sums are then vectorised
            return table.to_pandas(
                types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_struct(t) else None
            )
        if self.ext == ".csv":
            return pd.read_csv(
                self.path,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                usecols=None if usecols is None else (lambda c: c in usecols),
            )
        records = self._json_records()
        keys = [k for k in self._json_keys() if usecols is None or k in usecols]
        # one list per wanted key: cheaper than building every (nested, bulky) column
        return pd.DataFrame({k: [r.get(k) for r in records] for k in keys}, index=None)


def _json_lines(text: str, path: Path) -> list:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    try:
        # one C-level parse of the whole file instead of one json.loads per line
        return json.loads("[" + ",".join(lines) + "]")
    except json.JSONDecodeError:
        for i, ln in enumerate(lines, start=1):
            try:
                json.loads(ln)
            except json.JSONDecodeError as exc:
                raise VoteTableError(
                    f"{path.name}: non-empty line {i} is not valid JSON ({exc.msg})"
                ) from exc
        raise


def _check_path(path: str | os.PathLike) -> Path:
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    if any(s in _PICKLE_EXTENSIONS for s in suffixes):
        raise VoteTableError(
            f"refusing to read {p.name}: pickle files are never loaded (unpickling can run "
            f"arbitrary code); convert the votes to one of {list(_EXTENSIONS)}"
        )
    if p.suffix.lower() not in _EXTENSIONS:
        raise VoteTableError(
            f"cannot read {p.name}: unsupported file extension {p.suffix!r}; "
            f"allowed: {list(_EXTENSIONS)}"
        )
    if not p.is_file():
        raise FileNotFoundError(f"vote file not found: {p}")
    return p


# --------------------------------------------------------------------------------------------
# value helpers
# --------------------------------------------------------------------------------------------


def _scalar_text(v: object) -> object:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return str(int(v)) if float(v).is_integer() else str(float(v))
    return str(v)


_DICTIONARY_COLUMNS = frozenset({"model_a", "model_b", "winner", "language", "category",
                                 "country", "age_band", "education", "profession", "rater_type",
                                 "position", "judge"})


def _as_text(s: pd.Series) -> pd.Series:
    """Return stripped text (object dtype, None when missing); integral numbers lose ``.0``."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        # dictionary-encoded input: convert the categories once, then gather by code
        cats = _as_text(pd.Series(s.cat.categories)).to_numpy(dtype=object)
        codes = s.cat.codes.to_numpy()
        txt = np.empty(len(s), dtype=object)
        known = codes >= 0
        txt[known] = cats[codes[known]]
        return pd.Series(txt, index=s.index, dtype=object)
    missing = s.isna().to_numpy()
    if pd.api.types.is_bool_dtype(s.dtype):
        txt = s.astype(object).map(_scalar_text).to_numpy(dtype=object)
    elif pd.api.types.is_numeric_dtype(s.dtype):
        x = s.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(x) & (np.mod(x, 1.0) == 0)
        txt = np.where(
            integral, np.where(integral, x, 0).astype(np.int64).astype(str), x.astype(str)
        ).astype(object)
    else:
        if isinstance(s.dtype, pd.StringDtype):
            t = s
        else:
            t = s.astype(object).map(_scalar_text).astype("str")
        t = t.str.strip().str.replace(_INTEGRAL_TEXT.pattern, r"\1", regex=True)
        txt = t.to_numpy(dtype=object, na_value=None)
    txt = np.asarray(txt, dtype=object)
    txt[missing] = None
    txt[txt == ""] = None
    return pd.Series(txt, index=s.index, dtype=object)


def _parse_mapping(v: object) -> object:
    """Return a metadata cell as a dict (parsing JSON / Python-literal text), or None."""
    if isinstance(v, Mapping):
        return dict(v)
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return {}
    if isinstance(v, str):
        if not v.strip():
            return {}
        try:
            out = json.loads(v)
        except json.JSONDecodeError:
            try:
                out = ast.literal_eval(v)  # pandas writes dict cells with Python repr
            except (ValueError, SyntaxError):
                return None
        return out if isinstance(out, dict) else None
    return None


def _judge_text(v: object) -> tuple[object, bool]:
    """(voter id text, is a list judge) for an MT-Bench judge cell."""
    if isinstance(v, str) and v.strip().startswith("["):
        try:
            v = ast.literal_eval(v.strip())
        except (ValueError, SyntaxError):
            v = v.strip()  # not a Python literal: the text itself is the judge id
    if isinstance(v, list | tuple | np.ndarray):
        return "/".join(str(x) for x in v), True
    return _scalar_text(v), False


# --------------------------------------------------------------------------------------------
# conversion context: label mapping and invalid-row bookkeeping
# --------------------------------------------------------------------------------------------


@dataclass
class _Issue:
    column: str
    reason: str
    mask: np.ndarray
    examples: list
    allowed: str


@dataclass
class _Context:
    path: Path
    winner_labels: dict[str, str]
    mapping: dict[str, str] | None
    issues: list[_Issue] = field(default_factory=list)

    def flag(
        self, mask: np.ndarray, *, column: str, reason: str, values: Iterable, allowed: str
    ) -> None:
        """Record rows (``mask``) that cannot be mapped, with example source values."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            ex = list(dict.fromkeys(_scalar_text(v) for v in values))[:5]
            self.issues.append(_Issue(column, reason, mask, ex, allowed))

    def labels(
        self,
        raw: pd.Series | np.ndarray,
        table: Mapping[str, str],
        *,
        column: str = "winner",
        flag_missing: bool = True,
    ) -> pd.Series:
        """Map source winner labels to canonical ones (user ``winner_labels`` take precedence).

        Unknown and missing labels become missing values and are flagged; nothing is defaulted.
        """
        raw = _as_text(pd.Series(raw) if not isinstance(raw, pd.Series) else raw)
        merged = {**table, **self.winner_labels}
        mapped = raw.map(merged)
        missing = raw.isna().to_numpy()
        unknown = mapped.isna().to_numpy() & ~missing
        allowed = f"source labels {list(merged)}"
        self.flag(
            unknown, column=column, reason="unknown label", values=raw[unknown], allowed=allowed
        )
        if flag_missing:
            self.flag(
                missing, column=column, reason="missing label", values=[None], allowed=allowed
            )
        return mapped.astype(object)


# --------------------------------------------------------------------------------------------
# shared converter pieces
# --------------------------------------------------------------------------------------------


class _NotNumeric(Exception):
    """A metadata leaf that is not a number (the Arrow fast path hands over to Python)."""


def _arrow_sum(arr: pa.Array) -> np.ndarray:
    """Float values of a numeric Arrow array, or row sums of a struct's numeric leaves.

    Nulls are NaN; a struct row whose leaves are all null is NaN.
    """
    if pa.types.is_null(arr.type):
        return np.full(len(arr), np.nan)
    if pa.types.is_struct(arr.type):
        parts = [_arrow_sum(child) for child in arr.flatten()]  # flatten applies parent nulls
        if not parts:
            return np.full(len(arr), np.nan)
        stacked = np.vstack(parts)
        known = ~np.isnan(stacked)
        return np.where(known.any(axis=0), np.where(known, stacked, 0.0).sum(axis=0), np.nan)
    if not (pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type)):
        raise _NotNumeric(str(arr.type))
    return arr.to_numpy(zero_copy_only=False).astype(float)


def _python_sum(v: object) -> float:
    """Like :func:`_arrow_sum` for one cell; raises ``ValueError``/``TypeError`` when malformed."""
    if v is None:
        return np.nan
    if isinstance(v, Mapping):
        xs = [x for x in (_python_sum(u) for u in v.values()) if not np.isnan(x)]
        return float(sum(xs)) if xs else np.nan
    if isinstance(v, bool | str):
        raise TypeError(f"not a count: {v!r}")
    return float(v)


def _struct_sums(arr: pa.Array, keys: dict[str, str]) -> dict[str, np.ndarray]:
    """Style columns (``keys``: output column -> metadata field) from an Arrow struct array."""
    fields = {}
    if pa.types.is_struct(arr.type):
        fields = dict(zip([f.name for f in arr.type], arr.flatten(), strict=True))
    elif not pa.types.is_null(arr.type):
        raise _NotNumeric(str(arr.type))
    return {
        col: _arrow_sum(fields[key]) if key in fields else np.full(len(arr), np.nan)
        for col, key in keys.items()
    }


def _style_columns(meta: pd.Series, ctx: _Context) -> dict[str, np.ndarray]:
    """Style features from an Arena ``conv_metadata`` column (dicts, JSON text or Python repr).

    ``sum_assistant_{a,b}_tokens`` -> ``style_tokens_*``; the per-level counts in
    ``header_count_*``, ``list_count_*`` and ``bold_count_*`` are summed. Rows without metadata get
    NaN; unparseable or non-numeric metadata is an invalid row.
    """
    keys = {
        f"style_{feat}_{side}": key.format(side=side)
        for feat, key in _STYLE_SOURCES.items()
        for side in ("a", "b")
    }
    if isinstance(meta.dtype, pd.ArrowDtype) and pa.types.is_struct(meta.dtype.pyarrow_dtype):
        arr = pa.array(meta.array)  # a Parquet struct column: no Python objects at all
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        try:
            return _struct_sums(arr, keys)
        except _NotNumeric:
            arr = None  # a non-numeric leaf: fall through to the per-row Python path
    values = meta.tolist()
    parsed = [v if isinstance(v, dict) else _parse_mapping(v) for v in values]
    bad = np.fromiter((p is None for p in parsed), dtype=bool, count=len(parsed))
    records = [p or None for p in parsed]  # {} and unparseable -> null
    try:  # fast path: one Arrow struct array, vectorised sums
        out = _struct_sums(pa.array(records), keys)
    except (pa.ArrowInvalid, pa.ArrowTypeError, _NotNumeric):  # irregular metadata: per row
        table = np.full((len(records), len(keys)), np.nan)
        for i, rec in enumerate(records):
            if rec is None:
                continue
            try:
                table[i] = [_python_sum(rec.get(key)) for key in keys.values()]
            except (TypeError, ValueError):
                bad[i] = True
        out = {col: table[:, j].copy() for j, col in enumerate(keys)}
        for col in out:
            out[col][bad] = np.nan
    ctx.flag(
        bad,
        column="conv_metadata",
        reason="unparseable or non-numeric metadata",
        values=[str(v)[:40] for v, b in zip(values, bad, strict=True) if b],
        allowed="a dict (or its JSON text) of numeric counts",
    )
    return out


def _numeric(s: pd.Series, ctx: _Context, column: str) -> np.ndarray:
    x = pd.to_numeric(s, errors="coerce")
    bad = (x.isna() & s.notna()).to_numpy()
    ctx.flag(bad, column=column, reason="not a number", values=s[bad], allowed="numbers")
    return x.to_numpy(dtype=float, na_value=np.nan)


def _booleans(s: pd.Series, ctx: _Context, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    txt = _as_text(s).str.lower() if len(s) else s.astype(object)
    table = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    out = txt.map(table)
    bad = (out.isna() & txt.notna()).to_numpy()
    ctx.flag(bad, column=column, reason="not a boolean", values=s[bad], allowed="true/false")
    return out.astype("boolean")


def _keep(raw: pd.DataFrame, out: pd.DataFrame, columns: Iterable[str]) -> None:
    for c in columns:
        if c in raw.columns:
            out[c] = raw[c].to_numpy()


def _datetimes(s: pd.Series, ctx: _Context, column: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s
    t = pd.to_datetime(s, utc=True, errors="coerce", format="ISO8601")
    bad = (t.isna() & s.notna()).to_numpy()
    ctx.flag(
        bad,
        column=column,
        reason="not an ISO-8601 datetime",
        values=s[bad],
        allowed="ISO-8601 datetimes",
    )
    return t


# --------------------------------------------------------------------------------------------
# converters, one per format: (source frame, context) -> canonical-named frame
# --------------------------------------------------------------------------------------------


def _arena(raw: pd.DataFrame, ctx: _Context, *, voter: str | None) -> pd.DataFrame:
    out = pd.DataFrame(index=raw.index)
    out["model_a"] = raw["model_a"].to_numpy()
    out["model_b"] = raw["model_b"].to_numpy()
    out["winner"] = ctx.labels(raw["winner"], _ARENA_WINNERS).to_numpy()
    if voter is not None and voter in raw.columns:
        out["voter_id"] = _as_text(raw[voter]).to_numpy()
    out["rater_type"] = "crowd"
    if "tstamp" in raw.columns:
        out["timestamp"] = _numeric(raw["tstamp"], ctx, "tstamp")
    elif "timestamp" in raw.columns:
        out["timestamp"] = _datetimes(raw["timestamp"], ctx, "timestamp")
    if "language" in raw.columns:
        out["language"] = raw["language"].to_numpy()
    out["position"] = "model_a"  # model_a is the Arena's left panel
    if "conv_metadata" in raw.columns:
        for col, x in _style_columns(raw["conv_metadata"], ctx).items():
            out[col] = x
    _keep(raw, out, ("id", "question_id", "evaluation_session_id", "evaluation_order", "turn"))
    if "anony" in raw.columns:
        out["anony"] = _booleans(raw["anony"], ctx, "anony").to_numpy()
    for col in ("is_code", "is_refusal"):
        if col in raw.columns:
            out[col] = _booleans(raw[col], ctx, col).to_numpy()
    return out


def _convert_fastchat(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    return _arena(raw, ctx, voter="judge")


def _convert_hp100k(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    return _arena(raw, ctx, voter="judge_hash")


def _convert_hp140k(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    return _arena(raw, ctx, voter=None)


def _convert_hp55k(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    hot = raw[list(_ONEHOT_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    onehot = (hot.isin([0, 1]).all(axis=1) & (hot.sum(axis=1) == 1)).to_numpy()
    source = np.where(onehot, hot.fillna(-1).idxmax(axis=1).to_numpy(dtype=object), None)
    examples = [tuple(r) for r in raw.loc[~onehot, list(_ONEHOT_COLUMNS)].itertuples(index=False)]
    ctx.flag(
        ~onehot,
        column="/".join(_ONEHOT_COLUMNS),
        reason="not one-hot",
        values=[str(e) for e in examples],
        allowed="exactly one 1 and two 0s per row",
    )
    out = pd.DataFrame(index=raw.index)
    out["model_a"] = raw["model_a"].to_numpy()
    out["model_b"] = raw["model_b"].to_numpy()
    out["winner"] = ctx.labels(
        pd.Series(source, index=raw.index), _ONEHOT_WINNERS, flag_missing=False
    ).to_numpy()
    out["rater_type"] = "crowd"
    out["position"] = "model_a"
    _keep(raw, out, ("id",))
    return out


def _convert_mtbench(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    out = pd.DataFrame(index=raw.index)
    out["model_a"] = raw["model_a"].to_numpy()
    out["model_b"] = raw["model_b"].to_numpy()
    out["winner"] = ctx.labels(raw["winner"], _TRIPLE_WINNERS).to_numpy()
    judged = [_judge_text(v) for v in raw["judge"].tolist()]
    voter = np.array([j[0] for j in judged], dtype=object)
    kind = np.array(
        [
            None
            if t is None
            else "expert"
            if (not is_list and _HUMAN_JUDGE.match(t))
            else "llm_judge"
            if (is_list or _LLM_JUDGE.search(t))
            else None
            for t, is_list in judged
        ],
        dtype=object,
    )
    bad = pd.isna(kind)
    ctx.flag(
        bad,
        column="judge",
        reason="unknown judge kind",
        values=voter[bad],
        allowed="human judges author_*/expert_*, or an LLM judge (a list like "
        "['gpt-4', 'pair-v2'] or a model name)",
    )
    out["voter_id"] = voter
    out["rater_type"] = kind
    out["prompt_id"] = _as_text(raw["question_id"]).to_numpy()
    _keep(raw, out, ("turn",))
    return out


def _convert_llmfao(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    out = pd.DataFrame(index=raw.index)
    out["model_a"] = raw["left"].to_numpy()
    out["model_b"] = raw["right"].to_numpy()
    out["winner"] = ctx.labels(raw["winner"], _LLMFAO_WINNERS).to_numpy()
    if "worker" in raw.columns:
        out["voter_id"] = _as_text(raw["worker"]).to_numpy()
        out["rater_type"] = "crowd"
    else:
        name = ctx.path.name.lower()
        judge = {"gpt4": "gpt-4", "gpt3": "gpt-3.5"}.get(name[:4])
        out["voter_id"] = judge
        out["rater_type"] = "llm_judge"
    if "prompt" in raw.columns:
        out["prompt_id"] = _as_text(raw["prompt"]).to_numpy()
    out["position"] = "model_a"  # LLMFAO's left system is model_x = model_a
    _keep(raw, out, ("id", "model_x", "model_y"))
    return out


def _pandalm_models(cmp_key: pd.Series, ctx: _Context) -> tuple[np.ndarray, np.ndarray]:
    """Split ``cmp_key`` "<model1>_<model2>"; a missing key gives missing names (flagged later)."""
    text = _as_text(cmp_key)
    parts = text.str.split("_")
    ok = parts.map(lambda p: isinstance(p, list) and len(p) == 2).to_numpy(dtype=bool)
    ctx.flag(
        ~ok & text.notna().to_numpy(),
        column="cmp_key",
        reason="not '<model1>_<model2>'",
        values=cmp_key[~ok],
        allowed="'<model1>_<model2>' with one underscore",
    )
    a = np.array([p[0] if k else None for p, k in zip(parts, ok, strict=True)], dtype=object)
    b = np.array([p[1] if k else None for p, k in zip(parts, ok, strict=True)], dtype=object)
    return a, b


def _convert_pandalm(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    cols = set(raw.columns)
    if {"annotator1", "cmp_key"} <= cols:
        ann = [c for c in ("annotator1", "annotator2", "annotator3") if c in cols]
        k = len(ann)
        a, b = _pandalm_models(pd.Series(np.repeat(raw["cmp_key"].to_numpy(dtype=object), k)), ctx)
        out = pd.DataFrame({"model_a": a, "model_b": b})
        codes = raw[ann].to_numpy(dtype=object).reshape(-1)  # item-major: item 0's raters first
        out["winner"] = ctx.labels(pd.Series(codes), _PANDALM_CODES).to_numpy()
        out["voter_id"] = np.tile(np.array(ann, dtype=object), len(raw))
        out["rater_type"] = "expert"
        out["prompt_id"] = np.repeat(_as_text(raw["idx"]).to_numpy(), k)
        if "motivation_app" in cols:
            out["category"] = np.repeat(raw["motivation_app"].to_numpy(dtype=object), k)
        out["position"] = "model_a"
        return out

    if "gpt_result" in cols:
        result, table, default = "gpt_result", _PANDALM_GPT, "gpt-3.5-turbo"
    else:
        result, table, default = "pandalm_result", _PANDALM_CODES, "pandalm-7b"
    test_path = ctx.path.parent / "testset-v1.json"
    if not test_path.is_file():
        raise VoteTableError(
            f"PandaLM judge file {ctx.path.name} holds no model names; they come from "
            f"testset-v1.json in the same folder, which was not found at {test_path}"
        )
    test = _RawFile(test_path).frame(frozenset({"idx", "cmp_key", "motivation_app"}))
    test = test.assign(_key=_as_text(test["idx"]))
    left = pd.DataFrame({"_key": _as_text(raw["idx"]), result: raw[result].to_numpy()})
    joined = left.merge(test, on="_key", how="left", validate="many_to_one")
    absent = joined["cmp_key"].isna().to_numpy()
    ctx.flag(
        absent,
        column="idx",
        reason="not in testset-v1.json",
        values=joined["_key"][absent],
        allowed="idx values of testset-v1.json",
    )
    a, b = _pandalm_models(joined["cmp_key"], ctx)
    out = pd.DataFrame({"model_a": a, "model_b": b})
    out["winner"] = ctx.labels(joined[result], table).to_numpy()
    stem = ctx.path.name.split("-testset")[0] if "-testset" in ctx.path.name else default
    out["voter_id"] = stem
    out["rater_type"] = "llm_judge"
    out["prompt_id"] = joined["_key"].to_numpy()
    if "motivation_app" in joined.columns:
        out["category"] = joined["motivation_app"].to_numpy(dtype=object)
    out["position"] = "model_a"
    return out


_PRD_RAW = re.compile(r"^answer[_-](?P<m1>.+)-vs-answer[_-](?P<m2>.+)$")


def _prd_raw_models(path: Path) -> tuple[str, str, str] | None:
    """(model_1, model_2, reviewer) from a raw PRD file path, or None."""
    parent = path.parent.name
    if not parent.startswith("ratings-"):
        return None
    reviewer = parent[len("ratings-") :]
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    tail = re.search(rf"-{re.escape(reviewer)}-reviewer([_-]threeclass)?$", stem)
    if tail is None:
        return None
    m = _PRD_RAW.match(stem[: tail.start()])
    if m is None:
        return None
    return m["m1"], m["m2"], reviewer


def _convert_prd(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    if "reviewer" not in raw.columns:  # one raw ratings-<reviewer>/answer_... file
        parsed = _prd_raw_models(ctx.path)
        if parsed is None:
            raise VoteTableError(
                f"{ctx.path.name}: a raw PRD file must be named "
                "ratings-<reviewer>/answer_<m1>-vs-answer_<m2>-<reviewer>-reviewer[_threeclass]"
                ".jsonl (the models and reviewer come from the name)"
            )
        m1, m2, reviewer = parsed
        raw = pd.DataFrame(
            {
                "reviewer": reviewer,
                "model_1": m1,
                "model_2": m2,
                "question_id": raw["question_id"].to_numpy(),
                "score": raw["score"].to_numpy(),
                "line_index": np.arange(len(raw)),
                "source_file": f"{ctx.path.parent.name}/{ctx.path.name}",
            }
        )
    m1 = _as_text(raw["model_1"]).to_numpy()
    m2 = _as_text(raw["model_2"]).to_numpy()
    first_wins = ctx.labels(raw["score"], _PRD_SCORES).to_numpy()  # model_1 orientation
    # canonical orientation: model_a < model_b by name; position = side shown first
    known = ~(pd.isna(m1) | pd.isna(m2))
    swap = np.zeros(len(raw), dtype=bool)
    swap[known] = m1[known].astype(str) > m2[known].astype(str)
    winner = first_wins.copy()
    winner[swap & (first_wins == "model_a")] = "model_b"
    winner[swap & (first_wins == "model_b")] = "model_a"
    reviewer = _as_text(raw["reviewer"]).to_numpy()
    human = reviewer == "human"
    out = pd.DataFrame(
        {
            "model_a": np.where(swap, m2, m1),
            "model_b": np.where(swap, m1, m2),
            "winner": winner,
            "voter_id": np.where(human, None, reviewer),
            "rater_type": np.where(human, "crowd", "llm_judge"),
            "prompt_id": _as_text(raw["question_id"]).to_numpy(),
            "position": np.where(swap, "model_b", "model_a"),
        }
    )
    _keep(raw.reset_index(drop=True), out, ("reviewer", "source_file", "line_index"))
    return out


def _convert_copilot(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    out = pd.DataFrame(index=raw.index)
    out["model_a"] = raw["model_a"].to_numpy()
    out["model_b"] = raw["model_b"].to_numpy()
    out["winner"] = ctx.labels(
        raw["acceptedIndex"], _COPILOT_INDEX, column="acceptedIndex"
    ).to_numpy()
    out["rater_type"] = "crowd"
    return out


def _convert_arena_hard(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    out = pd.DataFrame(index=raw.index)
    out["model_a"] = raw["model_a"].to_numpy()
    out["model_b"] = raw["model_b"].to_numpy()
    out["winner"] = ctx.labels(raw["winner"], _TRIPLE_WINNERS).to_numpy()
    out["rater_type"] = "llm_judge"
    out["prompt_id"] = _as_text(raw["question_id"]).to_numpy()
    return out


def _convert_canonical(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    out = raw.copy()
    out["winner"] = ctx.labels(raw["winner"], _IDENTITY).to_numpy()
    if "timestamp" in out.columns and not pd.api.types.is_datetime64_any_dtype(out["timestamp"]):
        ts = out["timestamp"]
        num = pd.to_numeric(ts, errors="coerce")
        if ts.notna().any() and (num.notna() | ts.isna()).all():
            out["timestamp"] = num.to_numpy(dtype=float, na_value=np.nan)  # Unix seconds
    return out


def _convert_mapped(raw: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    mapping = ctx.mapping or {}
    absent = sorted({src for src in mapping.values() if src not in raw.columns})
    if absent:
        raise VoteTableError(
            f"mapping names source column(s) {absent} that {ctx.path.name} does not have; "
            f"it has {list(raw.columns)[:20]}"
        )
    out = pd.DataFrame({dst: raw[src].to_numpy() for dst, src in mapping.items()}, index=raw.index)
    used = set(mapping.values())
    for c in raw.columns:  # unmapped source columns pass through unless they clash
        if c not in used and c not in out.columns:
            out[c] = raw[c].to_numpy()
    return _convert_canonical(out, ctx)


# --------------------------------------------------------------------------------------------
# the registry: sniffing order = definition order
# --------------------------------------------------------------------------------------------

_WHO = frozenset(REQUIRED_COLUMNS)


@dataclass(frozen=True, kw_only=True)
class _Format:
    name: str
    convert: Callable[[pd.DataFrame, _Context], pd.DataFrame]
    sniff: Callable[[frozenset[str], Path], bool] | None  # None: never sniffed
    required: frozenset[str]  # columns the converter cannot do without
    usecols: frozenset[str] | None = None  # read only these (None: everything)


def _has(*cols: str) -> Callable[[frozenset[str], Path], bool]:
    need = frozenset(cols)
    return lambda c, p: need <= c


_FORMAT_LIST: tuple[_Format, ...] = (
    _Format(
        name="arena_hp_55k",
        convert=_convert_hp55k,
        sniff=_has(*_ONEHOT_COLUMNS, "model_a", "model_b"),
        required=frozenset({"model_a", "model_b", *_ONEHOT_COLUMNS}),
        usecols=frozenset({"id", "model_a", "model_b", *_ONEHOT_COLUMNS}),
    ),
    _Format(
        name="arena_hp_140k",
        convert=_convert_hp140k,
        sniff=lambda c, p: _WHO <= c and bool({"evaluation_session_id", "evaluation_order"} & c),
        required=_WHO,
        usecols=frozenset(
            {
                *_WHO,
                "id",
                "evaluation_session_id",
                "evaluation_order",
                "conv_metadata",
                "language",
                "is_code",
                "timestamp",
            }
        ),
    ),
    _Format(
        name="arena_hp_100k",
        convert=_convert_hp100k,
        sniff=_has(*_WHO, "judge_hash"),
        required=_WHO,
        usecols=frozenset(
            {
                *_WHO,
                "question_id",
                "judge_hash",
                "turn",
                "anony",
                "language",
                "tstamp",
                "conv_metadata",
                "is_code",
                "is_refusal",
            }
        ),
    ),
    _Format(
        name="fastchat",
        convert=_convert_fastchat,
        sniff=lambda c, p: (
            _WHO <= c and "judge_hash" not in c and ("tstamp" in c or {"judge", "anony"} <= c)
        ),
        required=_WHO,
        usecols=frozenset(
            {
                *_WHO,
                "question_id",
                "judge",
                "turn",
                "anony",
                "language",
                "tstamp",
                "conv_metadata",
                "is_code",
                "is_refusal",
            }
        ),
    ),
    _Format(
        name="mtbench",
        convert=_convert_mtbench,
        sniff=lambda c, p: (
            _WHO <= c and {"judge", "question_id"} <= c and not {"tstamp", "anony"} & c
        ),
        required=frozenset({*_WHO, "judge", "question_id"}),
        usecols=frozenset({*_WHO, "judge", "question_id", "turn"}),
    ),
    _Format(
        name="llmfao",
        convert=_convert_llmfao,
        sniff=lambda c, p: {"left", "right", "winner"} <= c and bool({"model_x", "prompt"} & c),
        required=frozenset({"left", "right", "winner"}),
        usecols=frozenset(
            {"id", "prompt", "model_x", "model_y", "worker", "winner", "left", "right"}
        ),
    ),
    _Format(
        name="pandalm",
        convert=_convert_pandalm,
        sniff=lambda c, p: (
            "idx" in c
            and ({"cmp_key", "annotator1"} <= c or bool({"gpt_result", "pandalm_result"} & c))
        ),
        required=frozenset({"idx"}),
        usecols=frozenset(
            {
                "idx",
                "cmp_key",
                "motivation_app",
                "annotator1",
                "annotator2",
                "annotator3",
                "gpt_result",
                "pandalm_result",
            }
        ),
    ),
    _Format(
        name="prd",
        convert=_convert_prd,
        sniff=lambda c, p: (
            {"reviewer", "model_1", "model_2", "question_id", "score"} <= c
            or ({"question_id", "score"} <= c and _prd_raw_models(p) is not None)
        ),
        required=frozenset({"question_id", "score"}),
        usecols=frozenset(
            {"reviewer", "model_1", "model_2", "question_id", "score", "line_index", "source_file"}
        ),
    ),
    _Format(
        name="copilot_arena",
        convert=_convert_copilot,
        sniff=_has("acceptedIndex", "model_a", "model_b"),
        required=frozenset({"acceptedIndex", "model_a", "model_b"}),
        usecols=frozenset({"acceptedIndex", "model_a", "model_b"}),
    ),
    _Format(
        name="arena_hard",
        convert=_convert_arena_hard,
        sniff=lambda c, p: c == {*_WHO, "question_id"},
        required=frozenset({*_WHO, "question_id"}),
    ),
    _Format(
        name="canonical",
        convert=_convert_canonical,
        sniff=lambda c, p: _WHO <= c,
        required=_WHO,
    ),
    _Format(
        name="mapped",
        convert=_convert_mapped,
        sniff=None,
        required=frozenset(),
    ),
)
_FORMATS: dict[str, _Format] = {f.name: f for f in _FORMAT_LIST}

#: Names accepted by ``read_votes(format=...)``, in sniffing order (``mapped`` is never sniffed).
VOTE_FORMATS: tuple[str, ...] = tuple(_FORMATS)


def _sniff(raw: _RawFile) -> str:
    cols = frozenset(raw.columns)
    if _WHO <= cols and cols & _CANONICAL_MARKERS:
        return "canonical"
    for fmt in _FORMAT_LIST:
        if fmt.sniff is not None and fmt.sniff(cols, raw.path):
            return fmt.name
    raise VoteTableError(
        f"cannot tell the vote format of {raw.path.name}: its columns "
        f"{sorted(cols)[:20]} match none of the known formats {list(VOTE_FORMATS)}; "
        "name one with format=..., or use format='mapped' with mapping={canonical: source}"
    )


def sniff_vote_format(path: str | os.PathLike) -> str:
    """Name the vote format of a file from its columns (and, for raw PRD files, its name).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.json``, ``.jsonl``, ``.csv`` or ``.parquet`` file.

    Returns
    -------
    str
        One of :data:`VOTE_FORMATS` (never ``"mapped"``).

    Raises
    ------
    VoteTableError
        When the file matches no known format (the message lists them), has an unsupported
        extension, or is a pickle file (never read).
    FileNotFoundError
        When the file does not exist.
    """
    return _sniff(_RawFile(_check_path(path)))


# --------------------------------------------------------------------------------------------
# the entry point
# --------------------------------------------------------------------------------------------


def _check_winner_labels(winner_labels: Mapping[str, str] | None) -> dict[str, str]:
    if winner_labels is None:
        return {}
    if not isinstance(winner_labels, Mapping):
        raise ValueError(
            f"winner_labels must be a mapping source label -> canonical label, "
            f"got {type(winner_labels).__name__}"
        )
    out = {}
    for src, dst in winner_labels.items():
        if dst not in WINNER_LABELS:
            raise ValueError(
                f"winner_labels maps {src!r} to {dst!r}; allowed targets: {list(WINNER_LABELS)}"
            )
        key = _scalar_text(src)
        key = _INTEGRAL_TEXT.sub(r"\1", key.strip()) if isinstance(key, str) else key
        out[key] = dst
    return out


def _check_mapping(mapping: Mapping[str, str] | None, fmt: str) -> dict[str, str] | None:
    if fmt != "mapped":
        if mapping is not None:
            raise ValueError(
                f"mapping is only used with format='mapped' (got format={fmt!r}); "
                "drop it or pass format='mapped'"
            )
        return None
    if not isinstance(mapping, Mapping) or not mapping:
        raise ValueError(
            "format='mapped' needs mapping={canonical column: source column}, with at least "
            f"{list(REQUIRED_COLUMNS)}; optional canonical columns: {list(OPTIONAL_COLUMNS)}"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping]
    if missing:
        raise ValueError(
            f"mapping lacks required canonical column(s) {missing}; it must map "
            f"{list(REQUIRED_COLUMNS)} to source columns"
        )
    bad = [k for k, v in mapping.items() if not isinstance(v, str)]
    if bad:
        raise ValueError(f"mapping values must be source column names (str); bad keys: {bad}")
    return dict(mapping)


def _generic_issues(out: pd.DataFrame, ctx: _Context) -> list[_Issue]:
    """Rows with a missing/empty model name or a model battling itself."""
    before = ctx.issues
    ctx.issues = []
    names = {}
    for col in ("model_a", "model_b"):
        txt = _as_text(out[col])
        missing = txt.isna().to_numpy()
        ctx.flag(
            missing,
            column=col,
            reason="missing model name",
            values=[None],
            allowed="non-empty model names",
        )
        names[col] = txt.to_numpy()
    both = ~(pd.isna(names["model_a"]) | pd.isna(names["model_b"]))
    same = np.zeros(len(out), dtype=bool)
    same[both] = names["model_a"][both] == names["model_b"][both]
    ctx.flag(
        same,
        column="model_a/model_b",
        reason="model battles itself",
        values=names["model_a"][same],
        allowed="two different models per vote",
    )
    generic, ctx.issues = ctx.issues, before
    return generic


def _message(issue: _Issue, n: int) -> str:
    return (
        f"column {issue.column!r} has {int(issue.mask.sum())} of {n} rows: {issue.reason} "
        f"(e.g. {issue.examples}); allowed: {issue.allowed}"
    )


def read_votes(
    path: str | os.PathLike,
    format: str | None = None,
    *,
    on_invalid: str = "raise",
    mapping: Mapping[str, str] | None = None,
    winner_labels: Mapping[str, str] | None = None,
    anonymous_only: bool = False,
) -> pd.DataFrame:
    """Read a pairwise vote file into the canonical vote table.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.json`` (array or JSON lines), ``.jsonl``, ``.csv`` or ``.parquet`` file. Pickle files
        are refused.
    format : str, optional
        The source format, one of :data:`VOTE_FORMATS`: ``fastchat``, ``arena_hp_55k``,
        ``arena_hp_100k``, ``arena_hp_140k``, ``mtbench``, ``llmfao``, ``pandalm``, ``prd``,
        ``copilot_arena``, ``arena_hard``, ``canonical``, ``mapped``. When omitted it is sniffed
        from the columns (see :func:`sniff_vote_format`). The conventions of each format (labels,
        ``rater_type``, ``voter_id``, ``position``, kept extras) are in the module docstring.
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with rows that cannot be mapped to a vote (unknown or missing winner label,
        missing model name, a model battling itself, an unknown judge kind, unparseable
        metadata ...). ``"raise"`` raises :class:`VoteTableError` naming the column, the number
        of rows, examples and what is allowed. ``"drop"`` drops them and emits one
        ``UserWarning`` saying how many and why. No label is ever defaulted to a tie.
    mapping : mapping of str to str, optional
        Only with ``format="mapped"``: canonical column -> source column, at least
        ``model_a``, ``model_b`` and ``winner``; any optional canonical column (``voter_id``,
        ``timestamp``, ``rater_type`` ...) may be mapped too. Unmapped source columns are kept
        as extras unless their name clashes with a mapped one.
    winner_labels : mapping of str to str, optional
        Source winner label -> canonical label (one of ``model_a``, ``model_b``, ``tie``,
        ``tie_bothbad``), merged over the format's own label table and taking precedence. With
        ``format="mapped"`` or ``"canonical"`` the table is just the canonical labels, so e.g.
        ``{"left": "model_a", "right": "model_b", "draw": "tie"}`` maps a custom encoding. For
        coded sources the keys are the source codes as text: PandaLM ``"0"``/``"1"``/``"2"``,
        ``"Tie"``, ``"garbage"``; PRD ``"1"``/``"2"``/``"3"``; Copilot Arena ``"0"``/``"1"``;
        arena-55k the hot column name (``"winner_tie"`` ...). Numbers are compared without a
        trailing ``.0``.
    anonymous_only : bool, default False
        Keep only battles whose ``anony`` flag is true (``fastchat``, ``arena_hp_100k``); a
        format without that flag raises ``ValueError``.

    Returns
    -------
    pandas.DataFrame
        A frame that passed :func:`~sealvalid.data.schema.validate_votes`, with ``attrs``:
        ``source_format``, ``source_path`` (absolute), ``n_dropped`` (int, 0 unless
        ``on_invalid="drop"`` dropped rows), ``drop_reasons`` (dict ``"column: reason"`` ->
        count; each dropped row counted once, under its first problem) and, with
        ``anonymous_only``, ``n_non_anonymous`` (rows filtered out).

    Raises
    ------
    VoteTableError
        Unsniffable or malformed files, pickle files, unsupported extensions, missing columns,
        invalid rows with ``on_invalid="raise"``, or a result that breaks the contract.
    ValueError
        An unknown ``format`` name or ``on_invalid`` value, a bad ``mapping`` or
        ``winner_labels``, or ``anonymous_only`` on a format without an ``anony`` flag.
    FileNotFoundError
        When ``path`` does not exist.

    Examples
    --------
    >>> votes = read_votes("clean_battle_20240814_public.json")  # doctest: +SKIP
    >>> votes = read_votes(  # doctest: +SKIP
    ...     "my_votes.csv", format="mapped",
    ...     mapping={"model_a": "left", "model_b": "right", "winner": "choice",
    ...              "voter_id": "annotator"},
    ...     winner_labels={"left": "model_a", "right": "model_b", "draw": "tie"},
    ... )
    """
    if on_invalid not in ON_INVALID:
        raise ValueError(f"on_invalid={on_invalid!r} is not allowed; allowed: {list(ON_INVALID)}")
    if format is not None and format not in _FORMATS:
        raise ValueError(f"unknown vote format {format!r}; known formats: {list(VOTE_FORMATS)}")
    labels = _check_winner_labels(winner_labels)
    p = _check_path(path)
    raw_file = _RawFile(p)
    name = format if format is not None else _sniff(raw_file)
    fmt = _FORMATS[name]
    mapping_ = _check_mapping(mapping, name)

    cols = frozenset(raw_file.columns)
    missing = sorted(fmt.required - cols)
    if missing:
        raise VoteTableError(
            f"{p.name} read as format {name!r} lacks column(s) {missing}; it has "
            f"{sorted(cols)[:20]}; that format needs {sorted(fmt.required)}"
        )
    raw = raw_file.frame(fmt.usecols).reset_index(drop=True)
    if len(raw) == 0:
        raise VoteTableError(f"{p.name} holds no rows; at least one vote is required")
    if (name == "canonical" and on_invalid == "raise" and not labels and not anonymous_only
            and all(isinstance(raw[c].dtype, pd.CategoricalDtype)
                    for c in ("model_a", "model_b", "winner"))):
        # dictionary-encoded canonical table (a Parquet file sealvalid wrote): validate_votes
        # runs every row check vectorised on the codes and raises with the same detail
        votes = validate_votes(raw)
        votes.attrs = {"source_format": name, "source_path": str(p.resolve()), "n_dropped": 0,
                       "drop_reasons": {}}
        return votes

    ctx = _Context(path=p, winner_labels=labels, mapping=mapping_)
    out = fmt.convert(raw, ctx).reset_index(drop=True)

    keep = np.ones(len(out), dtype=bool)
    n_non_anon = None
    if anonymous_only:
        if "anony" not in out.columns:
            raise ValueError(
                f"anonymous_only=True needs an 'anony' flag, which {p.name} read as format "
                f"{name!r} does not carry; it comes with 'fastchat' and 'arena_hp_100k' files "
                "(or a canonical/mapped table with an 'anony' column)"
            )
        out["anony"] = _booleans(out["anony"], ctx, "anony")
        keep = out["anony"].fillna(False).to_numpy(dtype=bool)
        n_non_anon = int((~keep).sum())

    issues = [
        _Issue(i.column, i.reason, i.mask & keep, i.examples, i.allowed)
        for i in ctx.issues + _generic_issues(out, ctx)  # specific reasons first
    ]
    issues = [i for i in issues if i.mask.any()]
    n_kept = int(keep.sum())
    reasons: dict[str, int] = {}
    if issues:
        if on_invalid == "raise":
            detail = "; ".join(_message(i, n_kept) for i in issues)
            raise VoteTableError(
                f"{p.name} (format {name!r}): {detail}. Pass on_invalid='drop' "
                "(CLI: --on-invalid drop) to drop such rows"
                + (
                    ", or winner_labels={source: canonical} to map a label"
                    if any(i.reason == "unknown label" for i in issues)
                    else ""
                )
            )
        taken = np.zeros(len(out), dtype=bool)
        for i in issues:
            new = i.mask & ~taken
            if new.any():
                reasons[f"{i.column}: {i.reason}"] = int(new.sum())
            taken |= i.mask
        keep &= ~taken
        n_drop = int(taken.sum())
        warnings.warn(
            f"read_votes dropped {n_drop} of {n_kept} rows of {p.name} (format {name!r}): "
            + ", ".join(f"{k} ({v})" for k, v in reasons.items()),
            UserWarning,
            stacklevel=2,
        )

    out = out[keep].reset_index(drop=True)
    attrs = {
        "source_format": name,
        "source_path": str(p.resolve()),
        "n_dropped": int(sum(reasons.values())),
        "drop_reasons": reasons,
    }
    if n_non_anon is not None:
        attrs["n_non_anonymous"] = n_non_anon
    out.attrs = attrs
    votes = validate_votes(out)
    votes.attrs = dict(attrs)
    return votes
