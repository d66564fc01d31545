"""A demo workspace (ingest only: SYNTHETIC fixtures, no analysis stages) built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def demo_ws_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from brandlab.demo import run as R
    from brandlab.workspace import Workspace

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Workspace(path) as ws:
        R.ingest_demo(ws, R.DEMO_DIR, lambda msg: None)
        R.mark_synthetic(ws, R.DEMO_DIR)
    return path


@pytest.fixture
def demo_ws(demo_ws_path: Path):
    from brandlab.workspace import Workspace

    with Workspace(demo_ws_path) as ws:
        yield ws
