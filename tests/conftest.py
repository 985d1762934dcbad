"""Shared fixtures: the real-world spreadsheets beside the clone, and tidy figures."""

from __future__ import annotations

import os
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
