"""The report's analysis sections and the evidence queries: every number traceable to posts,
personal data pseudonymised by default and shown only with --no-pseudonymise."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from brandlab.config import Settings
from brandlab.report import evidence as E
from brandlab.report import queries as Q
from brandlab.report import results as R
from brandlab.report.render import csv_bytes, mask_mentions, private_frame, render_report
from brandlab.report.sections import analysis_sections


@pytest.fixture
def sections(demo_ws):
    s = Settings()
    return {x.slug: x for x in analysis_sections(demo_ws, s, "zh", lambda df: private_frame(df, s))}


def test_report_has_every_analysis_section(sections) -> None:
    assert {"triad", "top_cascades", "top_accounts", "sentiment_generation", "sentiment_platform",
            "keywords_generation", "outcomes", "survey_verdicts"} <= set(sections)
    assert any(k.startswith("compare_") for k in sections) and any(k.startswith("cf_") for k in sections)


def test_triad_evidence_ids_are_real_evidence_posts(demo_ws, sections) -> None:
    tri = sections["triad"].table
    assert tri is not None and (tri["n_evidence"] > 0).all()
    keys = {k for ids in tri["evidence_post_ids"].dropna() for k in ids.split(" ")}
    ev = demo_ws.sql("SELECT platform || ':' || post_id AS k FROM triad_evidence")
    posts = demo_ws.sql("SELECT platform || ':' || post_id AS k FROM posts")
    assert keys and keys <= set(ev["k"]) and keys <= set(posts["k"])


def test_diffusion_sections_are_pseudonymised(demo_ws, sections) -> None:
    acc, casc = sections["top_accounts"].table, sections["top_cascades"].table
    assert acc["node_id"].str.fullmatch(r"u_[0-9a-f]{8}").all()
    assert acc["nickname"].dropna().str.fullmatch(r"n_[0-9a-f]{8}").all()
    assert casc["root_author_id"].dropna().str.fullmatch(r"u_[0-9a-f]{8}").all()
    raw = R.top_accounts(demo_ws, 15)
    assert list(raw["pagerank"]) == list(acc["pagerank"]) and raw["pagerank"].is_monotonic_decreasing
    top = demo_ws.sql("SELECT max(size) AS m FROM cascade_metrics")["m"].iloc[0]
    assert casc["size"].iloc[0] == top


def test_outcomes_show_the_naive_number_and_warnings(sections) -> None:
    est = sections["outcomes"].table
    assert est["naive_effect"].notna().all() and est["warnings"].str.contains("policy event").any()


def test_sentiment_sections_are_the_stage_aggregates(demo_ws, sections) -> None:
    gen = sections["sentiment_generation"].table
    stored = demo_ws.sql("SELECT \"group\", label, share FROM sentiment_aggregates WHERE group_kind = 'generation' "
                         "AND label <> 'net' ORDER BY 1, 2")
    assert gen[["group", "label", "share"]].reset_index(drop=True).equals(stored)


def test_html_report_hides_real_ids_unless_asked(demo_ws) -> None:
    acc = R.top_accounts(demo_ws, 15)
    names = [n for n in acc["nickname"].dropna() if len(n) >= 3]
    html = render_report(demo_ws, Settings()).split("</script>")[-1]
    assert names and not any(f"<td>{n}</td>" in html for n in names)
    assert not any(f"<td>{i}</td>" in html for i in acc["node_id"])
    raw = render_report(demo_ws, Settings(pseudonymise=False)).split("</script>")[-1]
    assert any(f"<td>{i}</td>" in raw for i in acc["node_id"])


def test_evidence_queries_return_the_posts_behind_each_claim(demo_ws) -> None:
    tri = E.triad_posts(demo_ws, "(all)", "brand", "profile", 50)
    assert 0 < len(tri) <= 50 and tri["engagement"].is_monotonic_decreasing
    f = Q.Filters(platforms=("xhs",))
    tag = E.tag_posts(demo_ws, f, "trait", "ecology", 30)
    assert len(tag) and (tag["platform"] == "xhs").all()
    n = R.tag_shares(demo_ws, f, "trait").set_index("label").loc["ecology", "n_posts"]
    assert len(E.tag_posts(demo_ws, f, "trait", "ecology", 10_000)) == n
    kw = E.keyword_posts(demo_ws, Q.Filters(), "火锅", 20)
    assert len(kw) and kw["text"].str.contains("火锅").all()
    by_id = E.posts_by_ids(demo_ws, list(tri["platform"]), list(tri["post_id"]))
    assert set(by_id["post_id"]) == set(tri["post_id"])
    root = R.top_cascades(demo_ws, 1).iloc[0]
    casc = E.cascade_posts(demo_ws, root["platform"], root["root_id"])
    assert len(casc) == root["size"] and casc["depth"].is_monotonic_increasing


def test_mentions_in_text_are_masked() -> None:
    s = Settings()
    out = private_frame(pd.DataFrame({"author_name": ["小王"], "text": ["转发 //@成都发布: 好 @小李 你好"]}), s)
    assert "成都发布" not in out["text"].iloc[0] and "小李" not in out["text"].iloc[0]
    assert re.fullmatch(r"转发 //@n_[0-9a-f]{8}: 好 @n_[0-9a-f]{8} 你好", out["text"].iloc[0])
    assert mask_mentions("no mention", "x") == "no mention"


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x"])
def test_chart_csv_cells_cannot_start_a_formula(cell: str) -> None:
    body = csv_bytes(pd.DataFrame({"term": [cell], "n": [1]}), Settings()).decode("utf-8-sig")
    assert body.splitlines()[1].startswith("'")
