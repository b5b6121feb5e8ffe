"""Paper-ready outputs: tables as CSV, LaTeX and Markdown; figures as PNG, SVG and PDF.

Each comes with a JSON sidecar recording the seed, config hash and package version that made it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

__all__ = ["save_table", "save_figure", "markdown_table", "atomic_write_bytes"]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def markdown_table(df: pd.DataFrame, floatfmt: str = ".4g") -> str:
    """Format a frame as a GitHub-flavoured Markdown table (no third-party dependency)."""
    def cell(v):
        if isinstance(v, float):
            return format(v, floatfmt)
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows]) + "\n"


def _sidecar(stem: Path, meta: dict, files: list[str]) -> None:
    atomic_write_bytes(stem.with_suffix(".json"),
                       json.dumps({**meta, "files": files}, indent=2, default=str).encode())


def save_table(df: pd.DataFrame, stem: str | Path, meta: dict) -> list[Path]:
    """Write ``stem``.csv, .tex and .md (plus .json provenance)."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(stem.with_suffix(".csv"), df.to_csv(index=False).encode())
    latex = df.to_latex(index=False, float_format=lambda v: f"{v:.4g}", escape=True)
    atomic_write_bytes(stem.with_suffix(".tex"), latex.encode())
    atomic_write_bytes(stem.with_suffix(".md"), markdown_table(df).encode())
    files = [stem.with_suffix(s).name for s in (".csv", ".tex", ".md")]
    _sidecar(stem, meta, files)
    return [stem.with_suffix(s) for s in (".csv", ".tex", ".md")]


def save_figure(fig, stem: str | Path, meta: dict) -> list[Path]:
    """Write ``stem``.png, .svg and .pdf (plus .json provenance)."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for suffix in (".png", ".svg", ".pdf"):
        path = stem.with_suffix(suffix)
        fig.savefig(path, dpi=150, metadata={"Creator": f"sealvalid seed={meta.get('seed')} "
                                                        f"config={meta.get('config_hash')}"}
                    if suffix in (".png", ".pdf") else None)
        out.append(path)
    _sidecar(stem, meta, [p.name for p in out])
    return out
