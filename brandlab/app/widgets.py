"""Page building blocks: the page head, a chart with its CSV, and the evidence-posts expander.

User content (post text, nicknames, side labels) is shown only through ``st.dataframe`` and
``st.text``, which render it as text: never through markdown or HTML.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from brandlab.app import state as S

EVIDENCE_LIMIT = 200
#: evidence columns shown in the app, in this order (those present)
SHOWN = ["platform", "published_at", "author_name", "author_id", "text", "engagement", "like_count",
         "comment_count", "share_count", "label", "terms", "score", "post_id", "url"]


def head(title_key: str) -> bool:
    """Sidebar, title and banner; False (with an info box) when the workspace has no posts."""
    S.sidebar()
    st.title(S.tr(title_key))
    S.banner()
    if not S.query("kpis"):
        st.info(S.tr("no_data"))
        return False
    return True


def missing(stage: str) -> None:
    st.info(S.tr("stage_missing", stage=stage))


def chart(fig: Any, df: pd.DataFrame, name: str) -> None:
    """A plotly chart and, under it, the download of the numbers it shows."""
    st.plotly_chart(fig, width="stretch", key=f"chart_{name}")
    S.download(df, name)


def table(df: pd.DataFrame, name: str | None = None, *, private: bool = True) -> None:
    """A dataframe (pseudonymised unless ``private`` is False) and, with ``name``, its CSV download."""
    shown = S.private(df) if private else df
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"url": st.column_config.LinkColumn("url")} if "url" in shown.columns else None)
    if name:
        S.download(df, name)


def evidence(query: str, *args: Any, key: str, use_filters: bool = False, n: int | None = None) -> None:
    """An expander "查看证据帖子 / show evidence posts" listing the posts behind a claim.

    ``query`` names an evidence function (``"E.triad_posts"``); ``args`` follow the workspace (and
    the filters when ``use_filters``). The expander is lazy: the posts are queried only while it is
    open (its state is ``st.session_state["ev_" + key]``), then pseudonymised and shown escaped,
    with their CSV. ``n``, when known, is the number of posts behind the claim.
    """
    label = S.tr("show_evidence", n=n) if n is not None else S.tr("show_evidence_plain")
    with st.expander(label, key=f"ev_{key}", on_change="rerun") as box:
        if not box.open:
            return
        posts = S.query(query, *args, EVIDENCE_LIMIT, use_filters=use_filters)
        if not len(posts):
            st.text("—")
            return
        st.caption(S.tr("evidence_note", n=EVIDENCE_LIMIT))
        table(posts[[c for c in SHOWN if c in posts.columns]], f"evidence_{key}")
