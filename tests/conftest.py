"""Shared test fixtures.

Real-data tests take the ``shared_data`` fixture: it is the folder named by ``SEALVALID_DATA``
(default ``../shared/data`` from the repository root). When that folder is missing the test is
skipped with the reason, unless ``SEALVALID_REQUIRE_DATA=1`` (set by ``.ci/run``), which turns the
skip into a failure so CI always runs them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def data_root() -> Path:
    """The real-data folder: ``$SEALVALID_DATA`` or ``../shared/data`` beside the repository."""
    env = os.environ.get("SEALVALID_DATA")
    return Path(env) if env else (REPO.parent / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = data_root()
    if not root.is_dir():
        reason = (
            f"real data folder {root} not found; set SEALVALID_DATA to the shared/data folder"
        )
        if os.environ.get("SEALVALID_REQUIRE_DATA") == "1":
            pytest.fail(f"SEALVALID_REQUIRE_DATA=1 but {reason}")
        pytest.skip(reason)
    return root


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261204)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return Path(__file__).resolve().parent / "fixtures"
