"""AppTest of every page on the full demo workspace: no exception, key numbers present, claims linked
to their posts, the Compare form runs, user text never reaches markdown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages.render_overview", "data.render", "pages.render_brand", "pages.render_content",
         "pages.render_channel", "pages.render_diffusion", "pages.render_compare", "pages.render_outcomes",
         "pages.render_reproduce", "pages.render_report"]
EVIDENCE = re.compile(r"^查看证据帖子（(\d+) 条）$")


def _run(script: str, ws: Path, monkeypatch: pytest.MonkeyPatch, lang: str = "zh",
         open_: tuple[str, ...] = ()) -> AppTest:
    """Run a page; ``open_`` names evidence expanders (``ev_<key>``) to open, as a click in the browser would."""
    monkeypatch.setenv("BRANDLAB_WORKSPACE", str(ws))
    at = AppTest.from_string(script, default_timeout=180)
    at.session_state["lang"] = lang
    for key in open_:
        at.session_state[key] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _page(name: str) -> str:
    module, fn = name.split(".")
    return f"from brandlab.app import {module}\n{module}.{fn}()"


def _markdown_text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
                     + [t.value for t in at.title] + [i.value for i in at.info])


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page: str, demo_ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run(_page(page), demo_ws_path, monkeypatch)
    assert at.title and at.warning  # title + SYNTHETIC banner
    assert "合成数据" in at.warning[0].value


@pytest.mark.slow
def test_overview_shows_the_demo_numbers(demo_ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from brandlab.report import queries as Q
    from brandlab.workspace import Workspace

    with Workspace(demo_ws_path) as ws:
        k = Q.kpis(ws, Q.Filters())
    at = _run(_page("pages.render_overview"), demo_ws_path, monkeypatch)
    values = {m.label: m.value for m in at.metric}
    assert values["帖子"] == f"{k['posts']:,}" and values["转发"] == "638"
    assert len(at.get("plotly_chart")) == len(at.get("download_button")) - 1  # a CSV per chart, + top posts
    at_en = _run(_page("pages.render_overview"), demo_ws_path, monkeypatch, lang="en")
    assert {m.label for m in at_en.metric} >= {"Posts", "Reposts"}


@pytest.mark.slow
@pytest.mark.parametrize("page, part", [("pages.render_brand", "brand"), ("pages.render_content", "content"),
                                        ("pages.render_channel", "channel")])
def test_triad_scores_link_to_their_posts(page: str, part: str, demo_ws_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from brandlab.workspace import Workspace

    with Workspace(demo_ws_path) as ws:
        want = ws.sql("SELECT e.component, count(*) AS n FROM triad_evidence e JOIN posts p USING (platform, post_id) "
                      "WHERE e.campaign = '(all)' AND e.part = ? GROUP BY 1", [part])
        evidence_ids = set(ws.sql("SELECT post_id FROM triad_evidence WHERE campaign = '(all)' AND part = ?",
                                  [part])["post_id"])
    closed = _run(_page(page), demo_ws_path, monkeypatch)
    scores = [m for m in closed.metric if m.label.startswith(f"{part} · ")]
    assert {m.label.split(" · ")[1] for m in scores} >= set(want["component"])
    counts = [int(m.group(1)) for e in closed.expander if (m := EVIDENCE.match(e.label))]
    assert set(counts) >= set(want["n"])  # each score names how many posts are behind it
    assert not any(e.dataframe for e in closed.expander)  # lazy: nothing queried until opened
    at = _run(_page(page), demo_ws_path, monkeypatch,
              open_=tuple(f"ev_triad_{part}_{c}" for c in want["component"]))
    shown = [d.value for e in at.expander if EVIDENCE.match(e.label) for d in e.dataframe]
    assert len(shown) == len(want)
    assert sorted(len(df) for df in shown) == sorted(min(200, n) for n in want["n"])
    assert all(df["post_id"].isin(evidence_ids).all() and df["text"].notna().all() for df in shown)
    assert all(df["author_name"].dropna().str.fullmatch(r"n_[0-9a-f]{8}").all() for df in shown)


@pytest.mark.slow
def test_compare_form_runs_and_stores(demo_ws_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from brandlab.workspace import Workspace

    at = _run(_page("pages.render_compare"), demo_ws_copy, monkeypatch)
    at.radio(key="cmp_b_kind").set_value("kw").run()
    at.selectbox(key="cmp_a_tag").set_value("成都好young")
    at.text_input(key="cmp_b_text").input("火锅")
    at.multiselect(key="cmp_platforms").set_value(["douyin", "xhs", "weibo"])
    at.button(key="cmp_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("对比已完成" in s.value for s in at.success), [e.value for e in at.error]
    with Workspace(demo_ws_copy) as ws:
        stored = ws.sql("SELECT DISTINCT comparison_id, side_a, side_b FROM comparison_verdict")
    assert ("#成都好young#", "kw:火锅") in set(zip(stored["side_a"], stored["side_b"], strict=True))
    assert at.selectbox(key="cmp_pick").value in set(stored["comparison_id"])
    verdict = at.dataframe[0].value
    assert {"p_value", "p_adjusted", "lo", "hi", "warning"} <= set(verdict.columns)
    assert (verdict["p_adjusted"].dropna() >= verdict["p_value"].dropna() - 1e-12).all()


@pytest.mark.slow
def test_compare_without_stored_comparisons_says_so(demo_ws_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from brandlab.workspace import Workspace

    with Workspace(demo_ws_copy) as ws:
        ws.con.execute("DELETE FROM comparison_verdict")
    at = _run(_page("pages.render_compare"), demo_ws_copy, monkeypatch)
    assert any("brandlab compare" in i.value for i in at.info)
    assert at.button(key="cmp_run")


@pytest.mark.slow
def test_outcomes_page_shows_estimates_naive_warnings_windows_and_red_lines(
        demo_ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run(_page("pages.render_outcomes"), demo_ws_path, monkeypatch)
    frames = {tuple(d.value.columns[:3]): d.value for d in at.dataframe}
    est = next(v for v in frames.values() if "naive_effect" in v.columns)
    assert est["effect"].notna().all() and est["naive_effect"].notna().any() and {"lo", "hi"} <= set(est.columns)
    assert any("policy event" in w.value for w in at.warning)
    windows = next(v for v in frames.values() if "window" in v.columns)
    assert set(windows["window"]) == {"event_shock", "brand_shock", "ecosystem_shock"}
    red = next(v for v in frames.values() if "red_line" in v.columns)
    assert red["breached"].notna().all() and red["breached"].any()
    assert len(at.get("plotly_chart")) >= 1 + est[["estimator", "metric"]].drop_duplicates().shape[0]


@pytest.mark.slow
def test_reproduce_page_shows_verdicts_and_what_posts_tell(demo_ws_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run(_page("pages.render_reproduce"), demo_ws_path, monkeypatch)
    verdicts = at.dataframe[0].value
    assert "reproduced" in set(verdicts["verdict"])
    assert any("不能说明" in i.value for i in at.info)
    at_en = _run(_page("pages.render_reproduce"), demo_ws_path, monkeypatch, lang="en")
    assert any("cannot show how people" in i.value for i in at_en.info)
    assert any("survey_share" in d.value.columns and "post_share" in d.value.columns for d in at.dataframe)


@pytest.mark.slow
@pytest.mark.parametrize("page, open_", [("pages.render_overview", ("ev_sentiment_positive",)),
                                         ("pages.render_brand", ("ev_triad_brand_profile",)),
                                         ("pages.render_diffusion", ())])
def test_hostile_post_text_is_shown_escaped(page: str, open_: tuple[str, ...], demo_ws_copy: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Text planted in the most engaging posts appears in dataframes only, never in markdown."""
    from brandlab.workspace import Workspace

    evil = "<img src=x onerror=alert(1)> **bold** [link](javascript:alert(1))"
    with Workspace(demo_ws_copy) as ws:
        ws.con.execute("UPDATE posts SET text = ?, title = NULL WHERE kind = 'post'", [evil])
    at = _run(_page(page), demo_ws_copy, monkeypatch, open_=open_)
    assert "onerror" not in _markdown_text(at) and "javascript:" not in _markdown_text(at)
    assert any(d.value.astype(str).apply(lambda c: c.str.contains("onerror", regex=False)).any().any()
               for d in at.dataframe)


@pytest.mark.slow
def test_data_page_shows_ingest_log_and_no_quarantine(demo_ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run(_page("data.render"), demo_ws_path, monkeypatch)
    assert at.dataframe and at.get("file_uploader")


def test_entry_script_is_thin() -> None:
    assert len((ROOT / "app.py").read_text(encoding="utf-8").splitlines()) <= 25
