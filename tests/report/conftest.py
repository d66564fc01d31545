"""The report tests share the session's full demo workspace (tests/conftest.py ``demo_workspace``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def demo_ws(demo_workspace: Path):
    """The shared demo workspace, read-only."""
    from brandlab.workspace import Workspace

    with Workspace(demo_workspace) as ws:  # same config as the app's cached connection
        yield ws


@pytest.fixture
def demo_ws_rw(demo_workspace: Path, tmp_path: Path):
    """A private writable copy of the demo workspace (for tests that plant hostile text)."""
    from brandlab.workspace import Workspace

    dest = tmp_path / "demo.duckdb"
    shutil.copy2(demo_workspace, dest)
    with Workspace(dest) as ws:
        yield ws
