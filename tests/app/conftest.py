"""The app tests share the session's full demo workspace (tests/conftest.py ``demo_workspace``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def demo_ws_path(demo_workspace: Path) -> Path:
    return demo_workspace


@pytest.fixture
def demo_ws_copy(demo_workspace: Path, tmp_path: Path) -> Path:
    """A private copy for a test that writes to the workspace (uploads, new comparisons)."""
    dest = tmp_path / "demo.duckdb"
    shutil.copy2(demo_workspace, dest)
    return dest
