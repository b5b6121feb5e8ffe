"""A self-contained HTML report: headings, text, key figures, tables and embedded PNG figures.

One file, no scripts, no external links or assets: figures are base64-encoded PNGs inside the page
and the style sheet is inline, so a report can be mailed or archived as it is.

Example
-------
>>> import pandas as pd
>>> r = Report("Board audit")
>>> _ = r.add_heading("At a glance").add_metrics([("votes", "8,931", "in the fit")])
>>> _ = r.add_text("Two models are **tied** at the top.")
>>> _ = r.add_table(pd.DataFrame({"model": ["a", "b"], "rating": [1010.0, 990.0]}))
>>> html = r.to_html()
>>> "<table" in html and "http" not in html
True
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Report", "figure_png"]

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;
 background:#f6f7f9;color:#1d2430;line-height:1.45;font-size:15px}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px;background:#fff;
 box-shadow:0 0 12px rgba(0,0,0,.06)}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:34px 0 8px;
 border-bottom:2px solid #e3e6ea;padding-bottom:4px}h3{font-size:16px;margin:22px 0 6px}
.subtitle{color:#5b6675;margin:0 0 14px}
p{margin:8px 0}code{background:#f0f2f5;padding:1px 4px;border-radius:3px;font-size:90%}
.metrics{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0 6px}
.metric{flex:1 1 170px;border:1px solid #e3e6ea;border-radius:8px;padding:10px 12px;
 background:#fbfcfd}
.metric .v{font-size:22px;font-weight:700}.metric .l{font-size:12.5px;color:#5b6675}
.metric.bad{border-left:5px solid #c0392b}.metric.warn{border-left:5px solid #e67e22}
.metric.good{border-left:5px solid #27ae60}
.callout{border-left:5px solid #2c6fbb;background:#f2f6fb;padding:10px 14px;margin:12px 0;
 border-radius:4px}.callout.bad{border-color:#c0392b;background:#fbf1f0}
.callout.warn{border-color:#e67e22;background:#fdf6ee}.callout.good{border-color:#27ae60;
 background:#eff8f2}
.note{color:#5b6675;font-size:13px}
figure{margin:14px 0}figure img{max-width:100%;height:auto;border:1px solid #eef0f3}
figcaption{font-size:13px;color:#5b6675;margin-top:4px}
table.t{border-collapse:collapse;font-size:12.5px;margin:8px 0;width:auto}
table.t th{background:#f0f2f5;text-align:left;padding:4px 8px;border-bottom:1px solid #d5d9df;
 position:sticky;top:0}
table.t td{padding:3px 8px;border-bottom:1px solid #eef0f3;white-space:nowrap}
table.t tr:hover td{background:#fafbfc}.tablewrap{max-height:520px;overflow:auto;
 border:1px solid #eef0f3;display:inline-block;max-width:100%}
.caption{font-size:13px;color:#5b6675;margin:10px 0 2px}
ul{margin:6px 0 6px 22px;padding:0}li{margin:3px 0}
details{margin:10px 0}summary{cursor:pointer;color:#2c6fbb}
"""

_INLINE = [
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"`(.+?)`"), r"<code>\1</code>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
]
_KINDS = ("info", "good", "warn", "bad")


def _inline(text: str) -> str:
    out = html.escape(str(text), quote=False)
    for pat, rep in _INLINE:
        out = pat.sub(rep, out)
    return out


def _blocks(text: str) -> str:
    """Paragraphs (blank-line separated) and ``- `` bullet lists, with **bold**, *em*, `code`."""
    parts = []
    for block in re.split(r"\n\s*\n", str(text).strip()):
        lines = [ln.rstrip() for ln in block.splitlines() if ln.strip()]
        if lines and all(ln.lstrip().startswith(("- ", "* ")) for ln in lines):
            items = "".join(f"<li>{_inline(ln.lstrip()[2:])}</li>" for ln in lines)
            parts.append(f"<ul>{items}</ul>")
        elif lines:
            parts.append(f"<p>{_inline(' '.join(ln.strip() for ln in lines))}</p>")
    return "\n".join(parts)


def figure_png(fig, *, dpi: int = 110) -> bytes:
    """PNG bytes of a Matplotlib figure (or of the figure of an Axes)."""
    fig = getattr(fig, "figure", fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def _fmt_value(v, fmt: str | None) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return "–"
    if fmt is not None:
        try:
            return format(v, fmt)
        except (TypeError, ValueError):
            return str(v)
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        if np.isinf(v):
            return "∞"
        a = abs(v)
        if a >= 1000:
            return f"{v:,.0f}"
        if a >= 10:
            return f"{v:.1f}"
        if a >= 0.01 or a == 0:
            return f"{v:.3g}"
        return f"{v:.2e}"
    if isinstance(v, pd.Timestamp):
        return str(v.date())
    return str(v)


class Report:
    """A self-contained HTML report built section by section.

    Every ``add_*`` method returns the report, so calls chain. Text is escaped; a light markup is
    understood in :meth:`add_text`: blank lines separate paragraphs, lines starting ``- `` form a
    list, ``**bold**``, ``*emphasis*`` and ```code```.

    Parameters
    ----------
    title : str
        Page title and first heading.
    subtitle : str, optional
        A line under the title (data source, date, command).
    dpi : int
        Resolution of embedded figures.
    """

    def __init__(self, title: str, *, subtitle: str | None = None, dpi: int = 110) -> None:
        self.title = title
        self.subtitle = subtitle
        self.dpi = dpi
        self._parts: list[str] = []
        self._n_figures = 0

    @property
    def n_figures(self) -> int:
        """Figures embedded so far."""
        return self._n_figures

    def add_heading(self, text: str, *, level: int = 2) -> Report:
        """Add a section heading (``level`` 2 or 3)."""
        if level not in (2, 3):
            raise ValueError(f"heading level must be 2 or 3, got {level}")
        slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
        self._parts.append(f'<h{level} id="{slug}">{_inline(text)}</h{level}>')
        return self

    def add_text(self, text: str, *, kind: str | None = None) -> Report:
        """Add paragraphs.

        ``kind`` ("info", "good", "warn", "bad") puts them in a coloured box, and
        ``kind="note"`` sets them small and grey.
        """
        body = _blocks(text)
        if kind is None:
            self._parts.append(body)
        elif kind == "note":
            self._parts.append(f'<div class="note">{body}</div>')
        elif kind in _KINDS:
            self._parts.append(f'<div class="callout {kind}">{body}</div>')
        else:
            raise ValueError(f"kind={kind!r} unknown; allowed: {[*_KINDS, 'note', None]}")
        return self

    def add_list(self, items: Iterable[str]) -> Report:
        """Add a bullet list (each item with the light inline markup)."""
        self._parts.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        return self

    def add_metrics(self, items: Iterable) -> Report:
        """Add key figures as cards.

        Each item is ``(value, label)``, ``(value, label, kind)`` with kind one of "good",
        "warn", "bad", or a mapping with keys ``value``, ``label``, ``kind``.
        """
        cards = []
        for it in items:
            if isinstance(it, Mapping):
                value, label, kind = it["value"], it.get("label", ""), it.get("kind")
            else:
                value, label, kind = (*it, None)[:3]
            cls = f"metric {kind}" if kind in ("good", "warn", "bad") else "metric"
            cards.append(f'<div class="{cls}"><div class="v">{_inline(value)}</div>'
                         f'<div class="l">{_inline(label)}</div></div>')
        self._parts.append('<div class="metrics">' + "".join(cards) + "</div>")
        return self

    def add_table(self, df: pd.DataFrame, *, caption: str | None = None,
                  max_rows: int | None = 60, formats: Mapping[str, str] | None = None,
                  columns: Mapping[str, str] | None = None) -> Report:
        """Add a table, numbers formatted readably.

        ``formats`` maps a column to a format spec, e.g. ``{"share": ".2%"}``; ``columns``
        renames headers. Longer tables are cut at ``max_rows`` with a note.
        """
        formats = dict(formats or {})
        shown = df if max_rows is None else df.head(max_rows)
        heads = [columns.get(c, c) if columns else c for c in shown.columns]
        rows = []
        for rec in shown.itertuples(index=False, name=None):
            cells = "".join(
                f"<td>{html.escape(_fmt_value(v, formats.get(c)))}</td>"
                for c, v in zip(shown.columns, rec, strict=True))
            rows.append(f"<tr>{cells}</tr>")
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in heads)
        out = []
        if caption:
            out.append(f'<div class="caption">{_inline(caption)}</div>')
        out.append(f'<div class="tablewrap"><table class="t"><thead><tr>{head}</tr></thead>'
                   f'<tbody>{"".join(rows)}</tbody></table></div>')
        if max_rows is not None and len(df) > max_rows:
            out.append(f'<div class="note">first {max_rows} of {len(df):,} rows shown</div>')
        self._parts.append("\n".join(out))
        return self

    def add_figure(self, fig, *, caption: str | None = None, width: int | None = None,
                   close: bool = True) -> Report:
        """Embed a Matplotlib figure (or the figure of an Axes) as a base64 PNG.

        Parameters
        ----------
        fig : matplotlib.figure.Figure or matplotlib.axes.Axes
        caption : str, optional
        width : int, optional
            Display width in pixels (default: the natural size, at most the page width).
        close : bool
            Close the figure afterwards (frees its memory).
        """
        figure = getattr(fig, "figure", fig)
        data = base64.b64encode(figure_png(figure, dpi=self.dpi)).decode("ascii")
        if close:
            import matplotlib.pyplot as plt

            plt.close(figure)
        style = f' style="width:{int(width)}px"' if width else ""
        alt = html.escape(caption or f"figure {self._n_figures + 1}")
        cap = f"<figcaption>{_inline(caption)}</figcaption>" if caption else ""
        self._parts.append(f'<figure><img alt="{alt}"{style} '
                           f'src="data:image/png;base64,{data}">{cap}</figure>')
        self._n_figures += 1
        return self

    def add_details(self, summary: str, build) -> Report:
        """Add a collapsible block.

        ``build`` is called with a fresh :class:`Report` whose parts go inside (e.g. long
        tables).
        """
        inner = Report(self.title, dpi=self.dpi)
        build(inner)
        self._n_figures += inner.n_figures
        self._parts.append(f"<details><summary>{_inline(summary)}</summary>"
                           + "\n".join(inner._parts) + "</details>")
        return self

    def to_html(self) -> str:
        """Render the whole page."""
        sub = f'<p class="subtitle">{_inline(self.subtitle)}</p>' if self.subtitle else ""
        body = "\n".join(self._parts)
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head>"
                f"<body><main><h1>{_inline(self.title)}</h1>{sub}\n{body}\n</main></body></html>\n")

    def write(self, path) -> Path:
        """Write the page (UTF-8); returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_html(), encoding="utf-8")
        return path
