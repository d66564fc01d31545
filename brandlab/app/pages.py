"""The analysis pages. Each ``render_*`` calls library functions only (aggregates come from
:mod:`brandlab.report.queries` through the cache in :mod:`brandlab.app.state`); a page whose stage
has not run shows an ``st.info``. Post text is shown through dataframes and ``st.text`` (escaped)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import streamlit as st

from brandlab.app import state as S
from brandlab.app import widgets as W
from brandlab.app.compare import render_compare
from brandlab.app.outcomes import render_outcomes, render_reproduce
from brandlab.app.triad import render_brand, render_channel, render_content
from brandlab.report import figures as F
from brandlab.report.labels import compact_number

__all__ = ["render_brand", "render_channel", "render_compare", "render_content", "render_diffusion",
           "render_outcomes", "render_overview", "render_report", "render_reproduce"]


#: KPI cards per row
KPI_COLUMNS = 3

_head = W.head
_missing = W.missing
_chart = W.chart


def render_overview() -> None:
    if not _head("page_overview"):
        return
    k = S.query("kpis")
    items = list(k.items())
    for start in range(0, len(items), KPI_COLUMNS):  # rows of three: long numbers are not cut off
        row = items[start:start + KPI_COLUMNS]
        for col, (key, value) in zip(st.columns(KPI_COLUMNS), row, strict=False):
            col.metric(S.tr(f"kpi_{key}"), compact_number(value, S.lang()), help=S.tr("exact_value", v=f"{value:,}"))
    lang = S.lang()
    _chart(F.volume_figure(S.query("volume"), lang), S.query("volume"), "volume")
    _chart(F.engagement_figure(S.query("engagement"), lang), S.query("engagement"), "engagement")
    from brandlab.report.queries import campaign_hashtags

    sov = S.query("share_of_voice", campaign_hashtags(S.workspace()))
    _chart(F.share_of_voice_figure(sov, lang), sov, "share_of_voice")
    sent = S.query("sentiment")
    if len(sent):
        _chart(F.sentiment_figure(sent, lang), sent, "sentiment")
    else:
        _missing("sentiment")
    plat = S.query("by_platform")
    _chart(F.platform_figure(plat, lang), plat, "platforms")
    if len(sent):
        label = st.selectbox(S.tr("sentiment_pick"), ["positive", "neutral", "negative"], key="sentiment_label",
                             format_func=lambda v: S.tr(v))
        W.evidence("E.sentiment_posts", label, key=f"sentiment_{label}", use_filters=True)
    st.subheader(S.tr("top_posts"))
    W.table(S.query("top_posts", 20), "top_posts")


def network_layout(edges: pd.DataFrame, shown: Callable[[str], str], *, max_nodes: int = 300,
                   seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded spring layout of the busiest nodes of ``edges`` (src, dst: raw ids), for an offline plotly
    network. Nodes enter the graph in (degree desc, raw id) order and edges in sorted order, so the picture
    depends only on the edges and the seed: not on the order DuckDB returned them nor on the pseudonym salt.
    ``node`` keeps the raw id (never sent to the browser; pseudonymised by the CSV download); ``label``,
    the hover text, is ``shown(id)``: the pseudonym when pseudonymisation is on."""
    import networkx as nx

    e = edges[["src", "dst"]].astype(str).drop_duplicates().sort_values(["src", "dst"], kind="stable")
    g = nx.DiGraph()
    g.add_edges_from(zip(e["src"], e["dst"], strict=True))
    keep = [n for n, _ in sorted(g.degree, key=lambda kv: (-kv[1], kv[0]))[:max_nodes]]
    sub = nx.DiGraph()
    sub.add_nodes_from(keep)
    sub.add_edges_from((s, d) for s, d in zip(e["src"], e["dst"], strict=True) if s in sub and d in sub)
    pos = nx.spring_layout(sub, seed=seed)
    nodes = pd.DataFrame([{"node": n, "x": float(pos[n][0]), "y": float(pos[n][1]),
                           "size": 4 + 3 * math.sqrt(sub.degree(n)), "label": f"{shown(n)} ({sub.degree(n)})"}
                          for n in keep])
    return nodes, e[e["src"].isin(pos) & e["dst"].isin(pos)]


def render_diffusion() -> None:
    if not _head("page_diffusion"):
        return
    edges = S.query("table", "graph_edges", 20_000, use_filters=False)
    if not len(edges):
        edges = S.query("table", "edges", 20_000, use_filters=False)
        edges = edges.rename(columns={"src_author_id": "src", "dst_author_id": "dst"})
        st.caption(S.tr("stage_missing", stage="network"))
    else:
        edges = edges.rename(columns={"src_id": "src", "dst_id": "dst"})
    if not len(edges):
        _missing("network")
        return
    from brandlab.privacy import pseudonym

    s = S.settings()
    nodes, shown = network_layout(edges, (lambda v: str(pseudonym(v, s.pseudonym_salt))) if s.pseudonymise else str)
    _chart(F.network_figure(nodes, shown, S.lang()), nodes, "network_nodes")
    st.subheader(S.tr("top_cascades"))
    cm = S.query("R.top_cascades", 200, use_filters=False)
    if not len(cm):
        _missing("network")
        return
    st.caption(S.tr("note_cascades"))
    W.table(cm, "top_cascades")
    st.subheader(S.tr("cascades"))
    keys = list(zip(cm["platform"].astype(str), cm["root_id"].astype(str), strict=True))
    platform, root = st.selectbox(S.tr("cascade_pick"), keys, key="cascade_root",
                                  format_func=lambda k: f"{k[0]} · {k[1]}")
    st.markdown(f"**{S.tr('cascade_posts')}**")
    W.table(S.query("E.cascade_posts", platform, root, 500, use_filters=False), f"cascade_{platform}_{root}")
    acc = S.query("R.top_accounts", 20, use_filters=False)
    if len(acc):
        st.subheader(S.tr("top_accounts"))
        st.caption(S.tr("note_accounts"))
        W.table(acc, "diffusion_top_accounts")


def render_report() -> None:
    if not _head("page_report"):
        return
    from brandlab.report.render import posts_csv, summary_xlsx

    ws, s, f = S.workspace(), S.settings(), S.filters()
    st.download_button(S.tr("report_html"), S.report_html(), file_name="brandlab-report.html", mime="text/html",
                       key="dl_report_html")
    st.download_button(S.tr("report_csv"), posts_csv(ws, s, f), file_name="posts.csv", mime="text/csv",
                       key="dl_report_csv")
    st.download_button(S.tr("report_xlsx"), summary_xlsx(ws, s, f), file_name="brandlab-summary.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="dl_report_xlsx")
