"""Shared fixtures. Nothing here reaches the network."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """CI machines have 2 shared cores: multi-threaded OpenBLAS makes small SVDs ~100x slower
    under load (measured by the outcomes tests), so tests run BLAS single-threaded."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files from the current outputs (on purpose only)")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return SHARED


@pytest.fixture
def samples_dir(shared_dir: Path) -> Path:
    d = shared_dir / "samples"
    if not d.is_dir():
        pytest.skip("../shared/samples is absent")
    return d


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def ws(tmp_path: Path):
    from brandlab.workspace import Workspace

    w = Workspace(tmp_path / "ws.duckdb")
    yield w
    w.close()
