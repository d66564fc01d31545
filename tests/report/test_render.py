"""Report aggregates, the self-contained HTML report and formula-safe, pseudonymised exports."""

from __future__ import annotations

import io
import re
from datetime import date

import pandas as pd
import pytest

from brandlab.config import Settings
from brandlab.report import queries as Q
from brandlab.report.labels import LABELS, t
from brandlab.report.render import posts_csv, render_report, summary_xlsx


def test_demo_ingests_every_file_without_quarantine(demo_ws) -> None:
    log = Q.ingest_log(demo_ws)
    q = Q.quarantine(demo_ws)  # only the SYNTHETIC survey's three planted bad birth years
    assert log["rows_quarantined"].sum() == 0 and set(q["source_format"]) == {"wjx.xlsx.text"} and len(q) == 3
    assert {"mediacrawler.douyin.jsonl", "mediacrawler.xhs.jsonl", "weibo-crawler.csv"} <= set(log["source_format"])
    counts = demo_ws.sql("SELECT platform, kind, count(*) AS n FROM posts GROUP BY ALL")
    n = {(p, k): int(v) for p, k, v in counts.itertuples(index=False)}
    assert n[("douyin", "comment")] == 1250 and n[("xhs", "post")] == 380
    assert n[("weibo", "post")] == 520 and n[("weibo", "repost")] == 638
    assert demo_ws.count("audience_segments") > 0


def test_kpis_match_a_direct_count(demo_ws) -> None:
    k = Q.kpis(demo_ws, Q.Filters())
    direct = demo_ws.sql("SELECT count(*) AS n FROM posts WHERE kind = 'post'")["n"].iloc[0]
    assert k["posts"] == direct and k["reposts"] == 638


def test_filters_narrow_the_numbers(demo_ws) -> None:
    all_ = Q.kpis(demo_ws, Q.Filters())["posts"]
    tag = Q.kpis(demo_ws, Q.Filters(hashtag="成都好young"))["posts"]
    weibo = Q.kpis(demo_ws, Q.Filters(platforms=("weibo",)))["posts"]
    before = Q.kpis(demo_ws, Q.Filters(hashtag="成都好young", end=date(2023, 3, 31)))["posts"]
    assert 0 < tag < all_ and weibo == 520 and before == 0


def test_share_of_voice_sums_to_one_per_period(demo_ws) -> None:
    sov = Q.share_of_voice(demo_ws, Q.Filters(), Q.campaign_hashtags(demo_ws))
    assert set(sov["hashtag"]) == {"成都好young", "雪山下的公园城市"}
    sums = sov.groupby("period")["share"].sum()
    assert ((sums - 1).abs() < 1e-9).all()


def test_report_is_self_contained_escaped_and_marked_synthetic(demo_ws_rw) -> None:
    demo_ws = demo_ws_rw
    demo_ws.con.execute("UPDATE posts SET text = '<script>alert(1)</script>' WHERE post_id = "
                        "(SELECT post_id FROM posts WHERE kind = 'post' ORDER BY like_count DESC NULLS LAST LIMIT 1)")
    html = render_report(demo_ws, Settings())
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"<script[^>]*\bsrc=", html) and not re.search(r"<link[^>]+href=\"http", html)
    assert t("synthetic_banner", "zh") in html
    top = Q.top_posts(demo_ws, Q.Filters(), 15)
    body = html.split("</script>")[-1]
    names = {n for n in top["author_name"].dropna() if not top["text"].str.contains(n, regex=False).any()}
    assert re.search(r"<td>n_[0-9a-f]{8}</td>", body) and not any(n in body for n in names)  # pseudonymised
    assert not any(str(a) in body for a in top["author_id"].dropna())
    assert "en" in render_report(demo_ws, Settings(), lang="en")[:200]


def test_exports_are_pseudonymised_and_formula_safe(demo_ws_rw) -> None:
    demo_ws = demo_ws_rw
    demo_ws.con.execute("UPDATE posts SET text = '=HYPERLINK(\"http://x\")' WHERE post_id = "
                        "(SELECT min(post_id) FROM posts)")
    df = pd.read_csv(io.BytesIO(posts_csv(demo_ws, Settings())), dtype=str, encoding="utf-8-sig")
    assert not df["text"].str.startswith("=").any() and df["text"].str.startswith("'=").any()
    assert df["author_name"].dropna().str.startswith("n_").all() and not (df["author_name"] == "成都发布").any()
    sheets = pd.read_excel(io.BytesIO(summary_xlsx(demo_ws, Settings())), sheet_name=None)
    assert {"kpis", "volume", "share_of_voice", "top_posts"} <= set(sheets)


@pytest.mark.parametrize("key", sorted(LABELS))
def test_every_label_has_both_languages(key: str) -> None:
    assert t(key, "zh") and t(key, "en") != t(key, "zh") or key in ("app_title",)
