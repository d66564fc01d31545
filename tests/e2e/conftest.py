"""End-to-end fixtures: a copy of the session's demo workspace (``demo_workspace`` in tests/conftest.py,
so a run that also has the app tests builds the demo once), one ``streamlit run app.py`` server and one headless Chromium
per session, all on 127.0.0.1. Every request that would leave 127.0.0.1 is aborted and recorded; a test
that caused one fails at teardown.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (never ``playwright install``);
tests skip with a reason when it is absent. Screenshots go to ``./artifacts/e2e/`` (gitignored), and the
README screenshots to ``docs/screenshots/`` when ``BRANDLAB_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("BRANDLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("BRANDLAB_E2E_ARTIFACTS", ROOT / "artifacts" / "e2e"))
DOCS_SHOTS = ROOT / "docs" / "screenshots"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
LOCAL_HOSTS = {"127.0.0.1"}
VIEWPORT = {"width": 1400, "height": 1000}
START_TIMEOUT_S = 120
RUN_TIMEOUT_MS = 90_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser; skip them all (with the reason) without Chromium."""
    here = Path(__file__).parent
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent (apt-get install chromium fonts-noto-cjk; .ci/run does this under CI)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -e '.[dev]')"
    for item in items:
        if here in Path(str(item.fspath)).parents:
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


#: the comparison the Compare-form test runs: side A is the first suggested hashtag, side B this keyword,
#: on this platform, with the form's default period and metric
COMPARE_B_KEYWORD = "火锅"


@dataclass(frozen=True)
class Expected:
    """What the pages should show, read from the workspace with the library before the server opens it."""

    kpis: dict[str, int]
    tables: dict[str, int]
    synthetic: bool
    rows: dict[str, int]                # rows of the page tables (role mix, top accounts, top cascades)
    raw_author_ids: frozenset[str]      # cascade root authors: never shown in the browser
    campaign: str                       # the triad campaign the pages show first
    evidence: dict[tuple[str, str], int]   # (part, component) -> posts behind that score, for ``campaign``
    brand_profile_posts: frozenset[str]    # "platform:post_id" the Brand page's "profile" evidence expander lists
    brand_profile_rows: int                # its rows (a post can be evidence for several labels)
    compare_a: str                      # side A of the form's default (first suggested hashtag)
    compare_b: str                      # the keyword the test types for side B
    compare: tuple[str, int]            # (comparison_id, verdict rows) the library gives for the form's run


def _read_expected(path: Path) -> Expected:
    import warnings

    from brandlab.app.widgets import EVIDENCE_LIMIT
    from brandlab.compare.api import METRICS, compare_sides
    from brandlab.compare.sides import Filters
    from brandlab.config import Settings
    from brandlab.report import evidence as E
    from brandlab.report import queries as Q
    from brandlab.report import results as R
    from brandlab.workspace import Workspace

    names = ("triad_scores", "graph_edges", "cascade_metrics", "outcome_estimates", "comparison_verdict",
             "survey_verdicts", "ingest_log")
    with Workspace(path) as ws:
        tables = {n: int(ws.sql(f"SELECT count(*) AS n FROM {n}")["n"].iloc[0]) for n in names if ws.has_table(n)}
        cascades = R.top_cascades(ws, 200)
        campaign = str(R.triad_campaigns(ws)[0])
        ids = E.triad_evidence_ids(ws)
        ids = ids[ids["campaign"] == campaign]
        profile = E.triad_posts(ws, campaign, "brand", "profile", EVIDENCE_LIMIT)
        a = str(R.top_hashtags(ws, 12)[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # small-sample warnings are part of the verdict
            comp = compare_sides(ws, f"#{a}#", f"kw:{COMPARE_B_KEYWORD}", settings=Settings.from_env(),
                                 filters=Filters(), metric=next(iter(METRICS)))
        return Expected(
            kpis=Q.kpis(ws, Q.Filters()), tables=tables, synthetic=Q.is_synthetic(ws),
            rows={"role_mix": len(R.role_counts(ws)), "top_accounts": len(R.top_accounts(ws, 20)),
                  "top_cascades": len(cascades)},
            raw_author_ids=frozenset(cascades["root_author_id"].dropna().astype(str)), campaign=campaign,
            evidence={(r.part, r.component): int(r.n_evidence) for r in ids.itertuples()},
            brand_profile_posts=frozenset(profile[["platform", "post_id"]].astype(str).agg(":".join, axis=1)),
            brand_profile_rows=len(profile),
            compare_a=a, compare_b=COMPARE_B_KEYWORD, compare=(str(comp.comparison_id), len(comp.verdict)))


@dataclass
class Server:
    url: str
    workspace: Path
    expected: Expected
    how: str
    mutated: list[str] = field(default_factory=list)  # tests that changed the workspace (uploads)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"streamlit not healthy after {START_TIMEOUT_S}s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory, demo_workspace: Path) -> Iterator[Server]:
    """A copy of the session's demo workspace (tests/conftest.py ``demo_workspace``, built once per session)
    served by ``streamlit run app.py`` on a free 127.0.0.1 port, torn down after the session. The upload
    tests write to the copy, never to the shared workspace."""
    d = tmp_path_factory.mktemp("e2e")
    ws = d / "demo.duckdb"
    shutil.copy2(demo_workspace, ws)
    how = f"copied the session demo workspace {demo_workspace}"
    expected = _read_expected(ws)
    port = _free_port()
    log = d / "streamlit.log"
    env = {**os.environ, "BRANDLAB_WORKSPACE": str(ws), "PYTHONUNBUFFERED": "1"}
    exe = Path(sys.executable).with_name("streamlit")
    cmd = [str(exe) if exe.exists() else "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield Server(url, ws, expected, how)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(log, ARTIFACTS / "streamlit.log")


@dataclass
class Browser:
    context: Any
    external: list[str] = field(default_factory=list)  # requests aborted because they left 127.0.0.1


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """One headless Chromium (fresh user-data-dir) whose every request outside 127.0.0.1 is aborted and recorded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            headless=True, viewport=VIEWPORT, accept_downloads=True, locale="zh-CN", timezone_id="Asia/Shanghai")
        b = Browser(ctx)

        def route(r: Any) -> None:
            url = r.request.url
            if urlsplit(url).hostname in LOCAL_HOSTS or url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                b.external.append(url)
                r.abort()

        ctx.route("**/*", route)
        # without the File System Access API, st.dataframe's "Download as CSV" is a plain download
        # (Playwright's expect_download) rather than a native save dialog that headless cannot answer
        ctx.add_init_script("delete Window.prototype.showSaveFilePicker; delete window.showSaveFilePicker;")
        try:
            yield b
        finally:
            ctx.close()


class AppPage:
    """A browser tab on the app, with the waits Streamlit needs."""

    def __init__(self, page: Any, server: Server) -> None:
        self.page = page
        self.server = server
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.set_default_timeout(RUN_TIMEOUT_MS)

    def wait_idle(self) -> None:
        """The script run is over and every plotly chart has drawn its SVG."""
        self.page.wait_for_selector(IDLE, timeout=RUN_TIMEOUT_MS)
        self.page.wait_for_function(
            """() => !document.querySelector('[data-testid="stSkeleton"]')
                     && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                        .every(c => c.querySelector('.main-svg'))""", timeout=RUN_TIMEOUT_MS)

    def open(self, path: str, heading: str) -> None:
        """Load ``/path`` and wait until its ``h1`` reads ``heading`` and the run is over."""
        self.page.goto(f"{self.server.url}/{path}")
        self.wait_heading(heading)

    def nav(self, link_text: str, heading: str) -> None:
        """Go to a page through the sidebar (same Streamlit session, no reload)."""
        self.page.locator('[data-testid="stSidebarNavLink"]', has_text=link_text).click()
        self.wait_heading(heading)

    def wait_heading(self, heading: str) -> None:
        self.page.locator("h1", has_text=heading).first.wait_for(timeout=RUN_TIMEOUT_MS)
        self.wait_idle()

    def scroll_top(self) -> None:
        self.page.evaluate("""() => { window.scrollTo(0, 0);
            document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')
                    .forEach(e => { e.scrollTop = 0; }); }""")

    def exceptions(self) -> list[str]:
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def screenshot(self, name: str, *, docs: bool = False) -> Path:
        """Save to the artifacts folder; also to docs/screenshots when BRANDLAB_UPDATE_SCREENSHOTS=1 and ``docs``."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        out = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(out))
        if docs and os.environ.get("BRANDLAB_UPDATE_SCREENSHOTS") == "1":
            assert not self.server.mutated, f"workspace changed by {self.server.mutated}; README shots need the demo"
            DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy2(out, DOCS_SHOTS / f"{name}.png")
        return out


def _check_clean(tab: AppPage, browser: Browser, seen: int) -> None:
    assert browser.external[seen:] == [], f"requests left 127.0.0.1: {browser.external[seen:]}"
    assert tab.dialogs == [], f"a dialog opened (script from data ran?): {tab.dialogs}"


@pytest.fixture
def app(app_server: Server, browser: Browser) -> Iterator[AppPage]:
    """A fresh tab (a new Streamlit session); fails at teardown if it reached beyond 127.0.0.1 or opened a dialog."""
    seen = len(browser.external)
    page = browser.context.new_page()
    tab = AppPage(page, app_server)
    try:
        yield tab
    finally:
        page.close()
    _check_clean(tab, browser, seen)


@pytest.fixture(scope="module")
def tour(app_server: Server, browser: Browser) -> Iterator[AppPage]:
    """One tab shared by the page tour, moving between pages through the sidebar like a user."""
    seen = len(browser.external)
    page = browser.context.new_page()
    tab = AppPage(page, app_server)
    try:
        yield tab
    finally:
        page.close()
    _check_clean(tab, browser, seen)
