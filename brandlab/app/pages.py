"""The analysis pages. Each ``render_*`` calls library functions only (aggregates come from
:mod:`brandlab.report.queries` through the cache in :mod:`brandlab.app.state`); a page whose stage
has not run shows an ``st.info``. Post text is shown through dataframes and ``st.text`` (escaped)."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from brandlab.app import state as S
from brandlab.report import figures as F


def _head(title_key: str) -> bool:
    """Sidebar, title and banner; False (with an info box) when the workspace has no posts."""
    S.sidebar()
    st.title(S.tr(title_key))
    S.banner()
    if not S.query("kpis"):
        st.info(S.tr("no_data"))
        return False
    return True


def _missing(stage: str) -> None:
    st.info(S.tr("stage_missing", stage=stage))


def _chart(fig, df: pd.DataFrame, name: str) -> None:  # type: ignore[no-untyped-def]
    st.plotly_chart(fig, use_container_width=True, key=f"chart_{name}")
    S.download(df, name)


def render_overview() -> None:
    if not _head("page_overview"):
        return
    k = S.query("kpis")
    cols = st.columns(len(k))
    for col, (key, value) in zip(cols, k.items(), strict=True):
        col.metric(S.tr(f"kpi_{key}"), f"{value:,}")
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
    st.subheader(S.tr("top_posts"))
    top = S.query("top_posts", 20)
    from brandlab.privacy import pseudonymise

    st.dataframe(pseudonymise(top, salt=S.settings().pseudonym_salt) if S.settings().pseudonymise else top,
                 hide_index=True, use_container_width=True,
                 column_config={"url": st.column_config.LinkColumn("url")})


def _triad(part: str, title_key: str) -> None:
    if not _head(title_key):
        return
    scores = S.query("table", "triad_scores", use_filters=False)
    if not len(scores):
        _missing("triad")
        return
    mine = scores[scores["part"] == part] if part != "all" else scores
    _chart(F.triad_figure(mine, S.lang()), mine.drop(columns=["detail"], errors="ignore"), f"triad_{part}")
    st.subheader(S.tr("triad_evidence"))
    ev = S.query("table", "triad_evidence", use_filters=False)
    if len(ev):
        ev = ev[ev["part"] == part] if part != "all" else ev
        st.dataframe(ev, hide_index=True, use_container_width=True)


def render_brand() -> None:
    _triad("brand", "page_brand")


def render_content() -> None:
    _triad("content", "page_content")


def render_channel() -> None:
    _triad("channel", "page_channel")


def _layout(edges: pd.DataFrame, max_nodes: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A deterministic spring layout of the busiest nodes (networkx), for an offline plotly network."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_edges_from(zip(edges["src"], edges["dst"], strict=True))
    keep = sorted(g.degree, key=lambda kv: (-kv[1], str(kv[0])))[:max_nodes]
    sub = g.subgraph([n for n, _ in keep])
    pos = nx.spring_layout(sub, seed=7)
    nodes = pd.DataFrame([{"node": n, "x": xy[0], "y": xy[1], "size": 4 + 3 * math.sqrt(sub.degree(n)),
                           "label": f"{n} ({sub.degree(n)})"} for n, xy in pos.items()])
    return nodes, edges[edges["src"].isin(pos) & edges["dst"].isin(pos)]


def render_diffusion() -> None:
    if not _head("page_diffusion"):
        return
    ws = S.workspace()
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

    salt = S.settings().pseudonym_salt
    e = edges[["src", "dst"]].astype(str)
    if S.settings().pseudonymise:
        e = e.apply(lambda s: s.map(lambda v: pseudonym(v, salt)))
    nodes, shown = _layout(e)
    _chart(F.network_figure(nodes, shown, S.lang()), nodes, "network_nodes")
    st.subheader(S.tr("cascades"))
    cm = S.query("table", "cascade_metrics", use_filters=False)
    if not len(cm):
        _missing("network")
        return
    cm = cm.sort_values(["size", "root_id"], ascending=[False, True]).head(200)
    st.dataframe(cm.drop(columns=["repairs"], errors="ignore"), hide_index=True, use_container_width=True)
    root = st.selectbox(S.tr("cascade_pick"), list(cm["root_id"]), key="cascade_root")
    nodes_tbl = ws.sql("SELECT post_id, parent_id, author_id, depth, subtree_size, elapsed_s FROM cascade_nodes "
                       "WHERE root_id = ? ORDER BY depth, elapsed_s", [root]) if ws.has_table("cascade_nodes") \
        else pd.DataFrame()
    if len(nodes_tbl):
        st.dataframe(nodes_tbl, hide_index=True, use_container_width=True)


def render_compare() -> None:
    if not _head("page_compare"):
        return
    v = S.query("table", "comparison_verdict", use_filters=False)
    if not len(v):
        _missing("compare (brandlab compare A B)")
        return
    st.subheader(S.tr("compare_verdict"))
    st.dataframe(v, hide_index=True, use_container_width=True)
    S.download(v, "comparison_verdict")


def render_outcomes() -> None:
    if not _head("page_outcomes"):
        return
    est = S.query("table", "outcome_estimates", use_filters=False)
    panel = S.query("table", "outcome_panel", 200_000, use_filters=False)
    if not len(est) and not len(panel):
        _missing("outcomes")
        return
    if len(est):
        st.subheader(S.tr("outcome_estimates"))
        show = est.drop(columns=["details"], errors="ignore")
        st.dataframe(show, hide_index=True, use_container_width=True)
        S.download(show, "outcome_estimates")
        for w in sorted({w for ws_ in est["warnings"] for w in (list(ws_) if ws_ is not None else [])}):
            st.warning(w)
        series = S.query("table", "outcome_series", 200_000, use_filters=False)
        for (estimator, metric), g in series.groupby(["estimator", "metric"], sort=True) if len(series) else []:
            st.markdown(f"**{estimator} · {metric}**")
            _chart(F.counterfactual_figure(g, S.lang()), g, f"cf_{estimator}_{metric}")
    if len(panel):
        st.subheader(S.tr("outcome_panel"))
        st.dataframe(panel.head(2000), hide_index=True, use_container_width=True)


def render_reproduce() -> None:
    if not _head("page_reproduce"):
        return
    v = S.query("table", "survey_verdicts", use_filters=False)
    if not len(v):
        _missing("reproduce (brandlab reproduce SURVEY)")
        return
    st.subheader(S.tr("reproduce_results"))
    st.dataframe(v, hide_index=True, use_container_width=True)
    S.download(v, "survey_verdicts")


def render_report() -> None:
    if not _head("page_report"):
        return
    from brandlab.report.render import posts_csv, summary_xlsx
    from brandlab.report.render import render_report as html_report

    ws, s, f = S.workspace(), S.settings(), S.filters()
    st.download_button(S.tr("report_html"), html_report(ws, s, filters=f, lang=S.lang()).encode("utf-8"),
                       file_name="brandlab-report.html", mime="text/html", key="dl_report_html")
    st.download_button(S.tr("report_csv"), posts_csv(ws, s, f), file_name="posts.csv", mime="text/csv",
                       key="dl_report_csv")
    st.download_button(S.tr("report_xlsx"), summary_xlsx(ws, s, f), file_name="brandlab-summary.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="dl_report_xlsx")
