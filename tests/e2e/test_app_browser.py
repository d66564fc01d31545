"""The app in headless Chromium against ``streamlit run app.py`` on 127.0.0.1 (the demo workspace).

Order matters and is kept by pytest (definition order): the page tour and the README screenshots run on
the pristine demo workspace first; the upload tests then change the workspace.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from brandlab.report.labels import compact_number

pytestmark = pytest.mark.browser

FIXTURE_XHS = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "mediacrawler-SYNTHETIC" / "data" / "xhs" \
    / "jsonl" / "search_contents_2026-04-20.jsonl"
SAMPLE = "mediacrawler_xhs_search_contents.jsonl"
PAYLOAD = '<script>window.__brandlab_pwned=1</script><img src="http://evil.example/x.png" onerror="alert(1)">'
HOSTILE_TEXT = "=HYPERLINK(\"http://evil.example\")" + PAYLOAD


@dataclass(frozen=True)
class PageSpec:
    slug: str    # url path ("" is the default page)
    link: str    # sidebar link text
    zh: str      # h1 in Chinese
    docs: bool   # also a README screenshot


PAGES = [
    PageSpec("", "总览 Overview", "总览", True),
    PageSpec("data", "数据 Data", "数据", False),
    PageSpec("brand", "品牌 Brand", "品牌", True),
    PageSpec("content", "内容 Content", "内容", False),
    PageSpec("channel", "渠道 Channel", "渠道", False),
    PageSpec("diffusion", "传播 Diffusion", "传播", True),
    PageSpec("compare", "对比 Compare", "对比", True),
    PageSpec("outcomes", "成效 Outcomes", "成效", True),
    PageSpec("reproduce", "复现 Reproduce", "复现", False),
    PageSpec("report", "报告 Report", "报告", False),
]


def _grid(app, column: str):  # type: ignore[no-untyped-def]
    """The first visible st.dataframe with a ``column`` header (glide renders only the columns in view, so
    ``column`` must be near the left)."""
    for frame in app.page.locator('[data-testid="stDataFrame"]').all():
        if not frame.is_visible():
            continue  # inside a collapsed expander
        frame.scroll_into_view_if_needed()  # glide draws its grid once it is on screen
        grid = frame.locator('table[role="grid"]')
        grid.wait_for(state="attached")
        if column in grid.locator("th").all_inner_texts():
            return frame
    app.scroll_top()
    heads = [f.locator("th").all_inner_texts() for f in app.page.locator('[data-testid="stDataFrame"]').all()]
    raise AssertionError(f"no table with a {column!r} column on {app.page.url}; headers: {heads}")


def _rows(frame) -> int:  # type: ignore[no-untyped-def]
    """Data rows of an st.dataframe (glide's accessible grid; aria-rowcount counts the header row)."""
    frame.scroll_into_view_if_needed()
    grid = frame.locator('table[role="grid"]')
    grid.wait_for(state="attached")
    return int(grid.get_attribute("aria-rowcount")) - 1


def _grid_rows(app, column: str) -> int:  # type: ignore[no-untyped-def]
    """Data rows of the visible st.dataframe that has ``column``."""
    n = _rows(_grid(app, column))
    app.scroll_top()
    return n


def _clipped_metrics(app) -> list[str]:  # type: ignore[no-untyped-def]
    """KPI values whose text does not fit their card (cut off with an ellipsis)."""
    return list(app.page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
        .filter(m => [m, ...m.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
        .map(m => m.innerText)"""))


def _charts(app) -> int:  # type: ignore[no-untyped-def]
    """Plotly charts on the page (wait_idle has already waited for each one's SVG)."""
    return int(app.page.locator('[data-testid="stPlotlyChart"]').count())


def _has(app, key: str) -> bool:  # type: ignore[no-untyped-def]
    """A widget with this Streamlit key is on the page (st-key-<key> class)."""
    return bool(app.page.locator(f".st-key-{key}").count())


def _check_page(app, spec: PageSpec) -> None:  # type: ignore[no-untyped-def]
    """The key content of each page, checked against what the library reads from the same workspace."""
    exp = app.server.expected
    page = app.page
    tables = exp.tables
    if exp.synthetic:
        assert page.locator('[data-testid="stAlert"]', has_text="演示数据为合成数据（SYNTHETIC）").count() == 1
    if spec.slug == "":
        shown = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        assert shown == [compact_number(v, "zh") for v in exp.kpis.values()]
        assert exp.kpis["posts"] > 0
        assert _clipped_metrics(app) == []
        box = page.locator(".st-key-f_platforms")
        sidebar_platforms = f'{box.inner_text()} {box.locator("input").get_attribute("placeholder")}'
        assert "请选择" in sidebar_platforms and "Choose" not in sidebar_platforms, sidebar_platforms
        assert _charts(app) >= 4  # volume, engagement, share of voice, platforms (+ sentiment)
        assert _grid_rows(app, "post_id") == min(20, exp.kpis["posts"])  # top posts
    elif spec.slug == "data":
        assert page.locator('[data-testid="stFileUploader"]').count() >= 1
        assert _grid_rows(app, "source_file") == tables["ingest_log"]
    elif spec.slug in ("brand", "content", "channel"):
        assert tables.get("triad_scores", 0) > 0, "the demo should have run the triad stage"
        assert _charts(app) == (1 if spec.slug == "channel" else 2)  # triad scores (+ trait/dimension shares)
        if spec.slug == "channel":
            assert _grid_rows(app, "n_accounts") == exp.rows["role_mix"] > 0
            assert _grid_rows(app, "node_id") == exp.rows["top_accounts"] > 0
        else:  # evidence tables appear only once their expander is opened
            assert page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]').count() == 0
            assert page.locator('[class*="st-key-ev_triad_"]').count() >= 1
    elif spec.slug == "diffusion":
        assert tables.get("graph_edges", 0) > 0 and tables.get("cascade_metrics", 0) > 0
        assert page.locator('[data-testid="stPlotlyChart"] .scatterlayer path.point').count() >= 20
        assert _grid_rows(app, "root_id") == exp.rows["top_cascades"]
    elif spec.slug == "outcomes":
        assert tables.get("outcome_estimates", 0) > 0, "the demo should have estimated the outcomes"
        assert _charts(app) >= 1  # counterfactual plots
    elif spec.slug == "compare":
        if tables.get("comparison_verdict", 0):
            assert _has(app, "cmp_pick")  # the stored comparisons
        else:  # the page must say how to make one
            assert page.locator('[data-testid="stAlert"]', has_text="brandlab compare").count() == 1
        assert _has(app, "cmp_run")
    elif spec.slug == "reproduce":
        if tables.get("survey_verdicts", 0):
            assert _grid_rows(app, "finding_id") == tables["survey_verdicts"]
        else:
            assert page.locator('[data-testid="stAlert"]', has_text="brandlab reproduce").count() == 1
    elif spec.slug == "report":
        for name in ("dl_report_html", "dl_report_csv", "dl_report_xlsx"):
            assert page.locator(f".st-key-{name} button").count() == 1, name


@pytest.mark.parametrize("spec", PAGES, ids=[p.slug or "overview" for p in PAGES])
def test_page_renders(tour, spec: PageSpec) -> None:
    """Each page through the sidebar: no exception box, its heading, its key numbers; screenshot."""
    if tour.page.url == "about:blank":
        tour.open(spec.slug, spec.zh)
    else:
        tour.nav(spec.link, spec.zh)
    assert tour.exceptions() == []
    _check_page(tour, spec)
    assert tour.page_errors == []
    tour.screenshot(spec.slug or "overview", docs=spec.docs)


def test_language_switch(app) -> None:
    """zh → en: headings, metric labels and the banner turn English, and stay so on the next page."""
    app.open("", "总览")
    assert app.page.locator('[data-testid="stMetricLabel"]').first.inner_text() == "帖子"
    app.page.locator('[data-testid="stSidebar"] label', has_text="English").click()
    app.wait_heading("Overview")
    assert app.page.locator("h1").first.inner_text() == "Overview"
    assert app.page.locator('[data-testid="stMetricLabel"]').first.inner_text() == "Posts"
    if app.server.expected.synthetic:
        assert app.page.locator('[data-testid="stAlert"]', has_text="SYNTHETIC demo data").count() == 1
    app.nav("传播 Diffusion", "Diffusion")
    assert app.exceptions() == []
    app.screenshot("diffusion-en")


def test_diffusion_network_renders_offline(app, browser) -> None:
    """The interactive network draws its nodes with every request kept on 127.0.0.1 (no CDN)."""
    seen = len(browser.external)
    requests: list[str] = []
    app.page.on("request", lambda r: requests.append(r.url))
    app.open("diffusion", "传播")
    points = app.page.locator('[data-testid="stPlotlyChart"] .scatterlayer path.point')
    assert points.count() >= 20
    assert app.page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').count() >= 1
    assert requests, "the page made no requests at all: the route recorder is not attached"
    assert browser.external[seen:] == []
    assert all(r.startswith((app.server.url, "data:", "blob:")) for r in requests), \
        [r for r in requests if not r.startswith(app.server.url)]


def test_outside_requests_are_caught(app, browser) -> None:
    """The recorder the offline checks rely on does see (and abort) a request to another host."""
    app.open("reproduce", "复现")
    seen = len(browser.external)
    app.page.evaluate("() => fetch('https://cdn.example.invalid/plotly.min.js').catch(() => null)")
    assert browser.external[seen:] == ["https://cdn.example.invalid/plotly.min.js"]
    del browser.external[seen:]  # expected: do not fail this tab's teardown check


def test_overview_url_path(app) -> None:
    """``/overview`` (the Overview page's url_path) shows the Overview, not "Page not found"."""
    app.open("overview", "总览")
    assert app.page.get_by_text("Page not found").count() == 0
    assert app.page.locator('[data-testid="stMetricValue"]').count() == len(app.server.expected.kpis)


def _download_csv(app, frame) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The full table behind an st.dataframe, through its own 'Download as CSV' button (what the browser got)."""
    frame.evaluate("e => e.scrollIntoView({block: 'center'})")  # its toolbar clear of the sticky app header
    frame.hover()
    with app.page.expect_download() as dl:  # a DOM click: the grid and the sticky header can sit over the button
        frame.get_by_role("button", name="Download as CSV").dispatch_event("click")
    return pd.read_csv(dl.value.path(), dtype=str)


def test_diffusion_tables_show_only_pseudonyms(app) -> None:
    """The cascade table the browser receives names root authors by pseudonym, never by their raw id."""
    app.open("diffusion", "传播")
    cascades = _download_csv(app, _grid(app, "root_id"))
    assert len(cascades) == app.server.expected.rows["top_cascades"]
    authors = cascades["root_author_id"].dropna()
    assert len(authors) and authors.str.fullmatch(r"u_[0-9a-f]{8}").all(), authors.head()
    assert not set(authors) & app.server.expected.raw_author_ids
    assert app.server.expected.raw_author_ids, "no raw ids to look for: the check would be empty"


def test_brand_evidence_expander_lists_posts(app) -> None:
    """Opening the Brand page's 'profile' evidence expander lists the library's evidence posts, pseudonymised."""
    exp = app.server.expected
    app.open("brand", "品牌")
    box = app.page.locator(".st-key-ev_triad_brand_profile")
    assert box.locator('[data-testid="stDataFrame"]').count() == 0  # lazy: nothing until opened
    box.locator("summary").click()
    box.locator('[data-testid="stDataFrame"]').wait_for()
    app.wait_idle()
    frame = box.locator('[data-testid="stDataFrame"]')
    assert _rows(frame) == exp.brand_profile_rows == min(200, exp.evidence[("brand", "profile")]) > 0
    posts = _download_csv(app, frame)
    assert len(posts) == exp.brand_profile_rows
    assert set(posts["platform"] + ":" + posts["post_id"]) == exp.brand_profile_posts
    assert posts["text"].notna().all()
    assert posts["author_name"].dropna().str.fullmatch(r"n_[0-9a-f]{8}").all()
    assert app.exceptions() == []


def test_compare_form_runs_a_comparison(app) -> None:
    """Side B switched to a keyword, run: the verdict table the library computes. (Picking a platform in
    the filter dropdown timed out in the full-suite order; the filters are covered by AppTest.)"""
    exp = app.server.expected
    cid, n_rows = exp.compare
    app.open("compare", "对比")
    page = app.page
    page.locator(".st-key-cmp_b_kind label", has_text="关键词").click()
    app.wait_idle()
    page.locator(".st-key-cmp_b_text input").fill(exp.compare_b)
    side_a = page.locator(".st-key-cmp_a_tag")
    assert exp.compare_a in side_a.inner_text() + " " + (side_a.locator("input").first.get_attribute("value") or "")
    app.server.mutated.append(page.url)
    page.locator(".st-key-cmp_run button").click()
    page.locator('[data-testid="stAlert"]', has_text=f"对比已完成并保存：{cid}").wait_for()
    app.wait_idle()
    assert app.exceptions() == []
    assert page.get_by_text(f"#{exp.compare_a}#").count() >= 1 and page.get_by_text(f"({cid})").count() == 1
    assert _grid_rows(app, "section") == n_rows > 0
    app.screenshot("compare-after-run")


def _upload(app, files: list[Path], *, press_while_uploading: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Upload ``files`` on the Data page, press 导入 once every upload has finished, and wait for the result.

    The chips appear as soon as the files are chosen, while the browser is still sending them; pressing 导入
    then ran the page with no files, so nothing was ingested and no message came (the CI timeout). With
    ``press_while_uploading`` the uploads are held back, 导入 is pressed, and the page must say so."""
    app.open("data", "数据")
    held: list = []  # type: ignore[type-arg]
    if press_while_uploading:
        app.page.route("**/_stcore/upload_file/**", lambda route: held.append(route))
    app.page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files([str(f) for f in files])
    app.page.wait_for_function("n => document.querySelectorAll('[data-testid=\"stFileChip\"]').length === n",
                               arg=len(files))
    app.server.mutated.append(app.page.url)
    if press_while_uploading:
        while len(held) < len(files):
            app.page.wait_for_timeout(100)
        app.wait_idle()
        app.page.locator(".st-key-ingest_button button").click()
        app.page.locator('[data-testid="stAlert"]', has_text="没有可导入的文件").wait_for()
        for route in held:
            route.continue_()
        app.page.unroute("**/_stcore/upload_file/**")
    app.page.wait_for_function("""() => !document.querySelector('[data-testid="stFileChipIconSpinner"]')""")
    assert app.page.locator('[data-testid="stFileChipIconError"]').count() == 0
    app.wait_idle()
    app.page.locator(".st-key-ingest_button button").click()
    done = app.page.locator('[data-testid="stAlert"]', has_text="已导入")
    done.wait_for()
    app.wait_idle()
    assert app.exceptions() == []
    errors = app.page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    assert errors == [], errors
    assert done.inner_text().strip() == f"已导入 {len(files)} 个文件。"


def _download_grid_csv(app, index: int) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The full table behind the index-th st.dataframe, through its own 'Download as CSV' button."""
    return _download_csv(app, app.page.locator('[data-testid="stDataFrame"]').nth(index))


def test_upload_real_sample(app, samples_dir: Path) -> None:
    """A real MediaCrawler Xiaohongshu export uploaded in the browser lands in the ingest log and the KPIs."""
    sample = samples_dir / SAMPLE
    if not sample.exists():
        pytest.skip(f"{sample} is absent")
    app.open("", "总览")
    before = int(app.page.locator('[data-testid="stMetricValue"]').first.inner_text().replace(",", ""))
    _upload(app, [sample])
    log = _download_grid_csv(app, 0)
    assert not log["source_file"].astype(str).str.contains("/", regex=False).any()  # names, not server paths
    assert log["source_file"].iloc[0] == SAMPLE  # newest first
    mine = log[log["source_file"] == SAMPLE]
    assert set(mine["table_name"]) >= {"posts"}, log.head()
    posts = mine[mine["table_name"] == "posts"].iloc[0][["rows_accepted", "rows_quarantined"]].astype(int)
    assert posts["rows_accepted"] > 0 and posts["rows_quarantined"] == 0
    app.screenshot("data-after-upload")
    app.nav("总览 Overview", "总览")
    after = int(app.page.locator('[data-testid="stMetricValue"]').first.inner_text().replace(",", ""))
    assert after == before + posts["rows_accepted"]


def _hostile_export(folder: Path) -> Path:
    """A MediaCrawler XHS note (real field names, from the demo fixture) whose text is script and a formula."""
    record = json.loads(FIXTURE_XHS.read_text(encoding="utf-8").splitlines()[0])
    record.update(note_id="e2e0hostile0000000000001", desc=HOSTILE_TEXT, title=PAYLOAD, liked_count="999万",
                  note_url="https://www.xiaohongshu.com/explore/e2e0hostile0000000000001")
    out = folder / "search_contents_hostile.jsonl"
    out.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def test_report_download_escapes_post_text(app, tmp_path: Path) -> None:
    """A post whose text is HTML: the app never runs it, the HTML report shows it escaped beside the SYNTHETIC
    banner, and the CSV export cannot start a formula."""
    _upload(app, [_hostile_export(tmp_path)], press_while_uploading=True)
    app.nav("总览 Overview", "总览")  # the hostile post is now the top post
    assert app.page.evaluate("() => window.__brandlab_pwned") is None
    app.nav("报告 Report", "报告")
    with app.page.expect_download() as dl:
        app.page.locator(".st-key-dl_report_html button").click()
    assert dl.value.suggested_filename.endswith(".html")
    html = Path(dl.value.path()).read_text(encoding="utf-8")
    assert re.match(r"\s*<!doctype html>", html, re.I)
    if app.server.expected.synthetic:
        assert "SYNTHETIC" in html
    assert "window.__brandlab_pwned" in html, "the hostile post is not in the report; the check would be empty"
    assert "<script>window.__brandlab_pwned" not in html
    assert 'onerror="alert(1)"' not in html and "<img src=\"http://evil.example" not in html
    assert "&lt;script&gt;window.__brandlab_pwned" in html or "\\u003cscript\\u003ewindow.__brandlab_pwned" in html
    with app.page.expect_download() as dl_csv:
        app.page.locator(".st-key-dl_report_csv button").click()
    posts = pd.read_csv(io.BytesIO(Path(dl_csv.value.path()).read_bytes()), encoding="utf-8-sig", dtype=str)
    row = posts[posts["post_id"] == "e2e0hostile0000000000001"]
    assert len(row) == 1
    assert row["text"].iloc[0].startswith("'="), row["text"].iloc[0][:40]
    assert app.page.evaluate("() => window.__brandlab_pwned") is None
