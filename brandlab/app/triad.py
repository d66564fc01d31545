"""品牌 Brand, 内容 Content, 渠道 Channel: the triad parts with the posts behind every score and share."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from brandlab.app import state as S
from brandlab.app import widgets as W
from brandlab.report import figures as F
from brandlab.report import results as R
from brandlab.report.labels import label_or_key

#: which triad parts each page shows
PARTS = {"brand": ("brand", "coherence"), "content": ("content",), "channel": ("channel",)}


def _campaign() -> str | None:
    campaigns = S.query("R.triad_campaigns", use_filters=False)
    if not campaigns:
        return None
    return str(st.selectbox(S.tr("triad_campaign"), campaigns, key="triad_campaign"))


def _scores(page: str) -> None:
    """The page's triad components for the chosen campaign: chart, then one metric + evidence each."""
    campaign = _campaign()
    if campaign is None:
        W.missing("triad")
        return
    scores = S.query("R.triad_scores", campaign, use_filters=False)
    mine = scores[scores["part"].isin(PARTS[page])]
    W.chart(F.triad_figure(mine, S.lang()), mine.drop(columns=["detail"]), f"triad_{page}")
    ids = S.query("E.triad_evidence_ids", use_filters=False)
    counts = {(r.part, r.component): int(r.n_evidence) for r in ids[ids["campaign"] == campaign].itertuples()}
    for row in mine.itertuples(index=False):
        st.metric(f"{row.part} · {row.component}", f"{row.score:.2f}",
                  help=f"value = {row.value:.4g}, n_posts = {row.n_posts}")
        detail = R.detail(row.detail)
        if detail:
            with st.expander(S.tr("triad_detail")):
                st.json(detail)
        W.evidence("E.triad_posts", campaign, str(row.part), str(row.component),
                   key=f"triad_{row.part}_{row.component}", n=counts.get((row.part, row.component), 0))


def _label_shares(facet: str, title_key: str) -> None:
    shares = S.query("R.tag_shares", facet)
    if not len(shares):
        W.missing("text")
        return
    W.chart(F.label_share_figure(shares, S.tr(title_key), S.lang()), shares, f"{facet}_shares")
    label = st.selectbox(S.tr("label_pick"), list(shares["label"]), key=f"{facet}_label",
                         format_func=lambda v: label_or_key(str(v), S.lang()))
    n = int(shares.loc[shares["label"] == label, "n_posts"].iloc[0]) if label is not None else 0
    W.evidence("E.tag_posts", facet, str(label), key=f"{facet}_{label}", use_filters=True, n=n)


def _keywords() -> None:
    kw = S.query("R.keywords_by", "generation", "tfidf", 10, use_filters=False)
    if not len(kw):
        return
    st.subheader(S.tr("keywords_by_generation"))
    wide = kw.groupby("group", sort=True)["term"].agg(" · ".join).reset_index()
    W.table(pd.DataFrame({S.tr("generation"): wide["group"], S.tr("keywords_top"): wide["term"]}), private=False)
    S.download(kw, "keywords_generation")
    terms = sorted(set(kw["term"]))
    term = st.selectbox(S.tr("keyword_pick"), terms, key="keyword_term")
    W.evidence("E.keyword_posts", str(term), key=f"kw_{term}", use_filters=True)


def render_brand() -> None:
    if not W.head("page_brand"):
        return
    _scores("brand")
    st.subheader(S.tr("trait_shares"))
    _label_shares("trait", "trait_shares")


def render_content() -> None:
    if not W.head("page_content"):
        return
    _scores("content")
    st.subheader(S.tr("dimension_shares"))
    _label_shares("dimension", "dimension_shares")
    _keywords()


def render_channel() -> None:
    if not W.head("page_channel"):
        return
    _scores("channel")
    roles = S.query("R.role_counts", use_filters=False)
    if len(roles):
        st.subheader(S.tr("role_mix"))
        W.table(roles, "role_mix")
    acc = S.query("R.top_accounts", 20, use_filters=False)
    if len(acc):
        st.subheader(S.tr("top_accounts"))
        st.caption(S.tr("note_accounts"))
        W.table(acc, "top_accounts")
