"""Execute every methodology notebook (jupytext percent-format ``notebooks/*.py``) in fast mode.

A broken notebook breaks the build. Each notebook is converted with jupytext and run by nbclient
in the ``python3`` kernel of this environment, with ``SEALVALID_FAST=1`` and the repository root
as working directory; any cell error fails the test. Notebooks that read real data (they mention
``SEALVALID_DATA``) take the ``shared_data`` fixture, so they skip, or fail under
``SEALVALID_REQUIRE_DATA=1``, like the other real-data tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_fast_mode(path, request, monkeypatch):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")

    if "SEALVALID_DATA" in path.read_text(encoding="utf-8"):
        data = request.getfixturevalue("shared_data")
        monkeypatch.setenv("SEALVALID_DATA", str(data))
    monkeypatch.setenv("SEALVALID_FAST", "1")  # inherited by the kernel process

    nb = jupytext.read(path)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(REPO)}})
    client.execute()  # raises CellExecutionError naming the failing cell
