"""The self-contained HTML report builder."""

from __future__ import annotations

import base64
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sealvalid.plots.report import Report, figure_png  # noqa: E402


def test_report_is_self_contained(tmp_path):
    plt.close("all")  # figures other tests left open are not this test's concern
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    table = pd.DataFrame({"model": ["<b>x</b>", "y"], "rating": [1234.5678, 998.1],
                          "share": [0.00123, 0.5], "k": pd.array([3, None], dtype="Int64"),
                          "ok": [True, False]})
    r = (Report("Audit <of> board", subtitle="src.csv")
         .add_heading("At a glance")
         .add_metrics([("13", "votes"), {"value": "0.15%", "label": "share", "kind": "bad"}])
         .add_text("First **bold** and *em* and `code`.\n\n- one\n- two", kind="warn")
         .add_table(table, formats={"share": ".2%"}, columns={"k": "drop-k"}, caption="cap")
         .add_figure(ax, caption="a line")
         .add_list(["a", "b"]))
    assert r.n_figures == 1
    assert not plt.get_fignums()  # the figure was closed
    html = r.to_html()
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "&lt;of&gt;" in html and "&lt;b&gt;x&lt;/b&gt;" in html  # escaped
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html and "<code>code</code>" in html
    assert "<li>one</li>" in html and 'class="callout warn"' in html
    assert "0.12%" in html and "1,235" in html and "drop-k" in html and "–" in html
    m = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    png = base64.b64decode(m.group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    path = r.write(tmp_path / "sub" / "r.html")
    assert path.read_text(encoding="utf-8") == html


def test_report_long_table_and_details():
    df = pd.DataFrame({"x": np.arange(100)})
    r = Report("t").add_table(df, max_rows=10)
    assert "first 10 of 100 rows shown" in r.to_html()
    r.add_details("more", lambda inner: inner.add_table(df.head(3)))
    assert "<details><summary>more</summary>" in r.to_html()


def test_report_errors():
    r = Report("t")
    with pytest.raises(ValueError, match="heading level"):
        r.add_heading("x", level=1)
    with pytest.raises(ValueError, match="kind='loud' unknown"):
        r.add_text("x", kind="loud")


def test_figure_png_accepts_axes():
    fig, ax = plt.subplots()
    try:
        assert figure_png(ax)[:4] == b"\x89PNG"
    finally:
        plt.close(fig)
