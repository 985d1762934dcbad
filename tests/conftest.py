"""Shared fixtures: the real-world spreadsheets beside the clone, and tidy figures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALWORLD = Path(os.environ.get("INFOVIEW_REALWORLD", ROOT.parent / "shared" / "realworld"))


@pytest.fixture(scope="session")
def realworld() -> Path:
    """The folder of real trackers from public repositories (not copied into this project)."""
    if not REALWORLD.is_dir():
        pytest.skip(
            f"real-world spreadsheets not found at {REALWORLD}; put the shared/ folder beside "
            "the clone or set INFOVIEW_REALWORLD to its realworld/ folder"
        )
    return REALWORLD


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test left open (without importing pyplot for tests that don't)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="session")
def cohort_log():
    """The bundled 60-student sample cohort, loaded once (tests must not change it)."""
    from infoview_analytics.load import load_log
    from infoview_analytics.sample import SAMPLE_COHORT_FOLDER

    return load_log(SAMPLE_COHORT_FOLDER)
