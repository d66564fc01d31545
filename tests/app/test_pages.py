"""AppTest smoke tests of every page on the demo workspace: no exception, key numbers present."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages.render_overview", "data.render", "pages.render_brand", "pages.render_content",
         "pages.render_channel", "pages.render_diffusion", "pages.render_compare", "pages.render_outcomes",
         "pages.render_reproduce", "pages.render_report"]


def _run(script: str, ws: Path, monkeypatch: pytest.MonkeyPatch, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("BRANDLAB_WORKSPACE", str(ws))
    at = AppTest.from_string(script, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page: str, demo_ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module, fn = page.split(".")
    at = _run(f"from brandlab.app import {module}\n{module}.{fn}()", demo_ws_path, monkeypatch)
    assert at.title and at.warning  # title + SYNTHETIC banner
    assert "合成数据" in at.warning[0].value


@pytest.mark.slow
def test_overview_shows_the_demo_numbers(demo_ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from brandlab.report import queries as Q
    from brandlab.workspace import Workspace

    with Workspace(demo_ws_path) as ws:
        k = Q.kpis(ws, Q.Filters())
    at = _run("from brandlab.app import pages\npages.render_overview()", demo_ws_path, monkeypatch)
    values = {m.label: m.value for m in at.metric}
    assert values["帖子"] == f"{k['posts']:,}" and values["转发"] == "638"
    at_en = _run("from brandlab.app import pages\npages.render_overview()", demo_ws_path, monkeypatch, lang="en")
    assert {m.label for m in at_en.metric} >= {"Posts", "Reposts"}


@pytest.mark.slow
def test_stage_not_run_shows_info(demo_ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run("from brandlab.app import pages\npages.render_compare()", demo_ws_path, monkeypatch)
    assert any("brandlab" in i.value for i in at.info)


@pytest.mark.slow
def test_data_page_shows_ingest_log_and_no_quarantine(demo_ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run("from brandlab.app import data\ndata.render()", demo_ws_path, monkeypatch)
    assert at.dataframe and any("没有被隔离" in i.value for i in at.info)


def test_entry_script_is_thin() -> None:
    assert len((ROOT / "app.py").read_text(encoding="utf-8").splitlines()) <= 25
