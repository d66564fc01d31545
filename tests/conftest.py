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


#: the workspace `brandlab demo --no-browser` (README command 1, run by .ci/run) builds
CI_DEMO = ROOT / ".brandlab" / "demo.duckdb"


def _demo_is_fresh(path: Path) -> bool:
    """``path`` exists, is closed (no WAL) and is newer than every demo fixture and library source."""
    if not path.is_file() or path.with_name(path.name + ".wal").exists():
        return False
    sources = [*(FIXTURES / "demo").rglob("*"), *(FIXTURES / "survey").rglob("*"), *(ROOT / "brandlab").rglob("*.py")]
    return path.stat().st_mtime > max(p.stat().st_mtime for p in sources if p.is_file())


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The path of a full demo workspace (ingest, analysis, outcomes, survey, comparison), built once
    per test session. A copy of $BRANDLAB_TEST_DEMO, else of the CI demo workspace when it is newer
    than the demo fixtures and the library, else built here with ``build_demo``. Treat it as
    read-only; a test that writes should copy the file first."""
    import os
    import shutil
    import warnings

    dest = tmp_path_factory.mktemp("demo_workspace") / "demo.duckdb"
    given = os.environ.get("BRANDLAB_TEST_DEMO")
    if given:
        shutil.copy2(given, dest)
    elif os.environ.get("BRANDLAB_TEST_DEMO_REBUILD") != "1" and _demo_is_fresh(CI_DEMO):
        shutil.copy2(CI_DEMO, dest)
    else:
        from brandlab.config import Settings
        from brandlab.demo.run import build_demo

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the demo's estimator warnings are part of its output tables
            build_demo(Settings().with_(workspace=dest), workspace=dest, report=dest.with_name("report.html"))
    return dest


@pytest.fixture
def ws(tmp_path: Path):
    from brandlab.workspace import Workspace

    w = Workspace(tmp_path / "ws.duckdb")
    yield w
    w.close()
