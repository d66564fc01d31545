"""Every st.cache_* wrapper of the app lives here, plus the session state (language, filters)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from brandlab.config import Settings
from brandlab.report import queries as Q
from brandlab.report.labels import t
from brandlab.workspace import Workspace

MAX_UPLOAD_MB = 200


def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner=False)
def _workspace(path: str) -> Workspace:
    return Workspace(path)


def workspace() -> Workspace:
    """The workspace named by $BRANDLAB_WORKSPACE (or the default), opened once per process."""
    return _workspace(str(Path(os.environ.get("BRANDLAB_WORKSPACE") or settings().workspace).resolve()))


def lang() -> str:
    return str(st.session_state.get("lang", "zh"))


def tr(key: str, **fmt: Any) -> str:
    return t(key, lang(), **fmt)


def filters() -> Q.Filters:
    f = st.session_state.get("filters")
    return f if isinstance(f, Q.Filters) else Q.Filters()


def _version() -> int:
    """Bumped after every write (ingest), so cached aggregates are recomputed."""
    return int(st.session_state.get("ws_version", 0))


def bump() -> None:
    st.session_state["ws_version"] = _version() + 1
    st.cache_data.clear()


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(name: str, f: Q.Filters, version: int, path: str, *args: Any) -> Any:
    fn = getattr(Q, name)
    return fn(_workspace(path), f, *args) if f is not None else fn(_workspace(path), *args)


def query(name: str, *args: Any, use_filters: bool = True) -> Any:
    """A cached :mod:`brandlab.report.queries` aggregate under the current filters."""
    ws = workspace()
    return _cached(name, filters() if use_filters else None, _version(), str(ws.path), *args)


def sidebar() -> None:
    """Language toggle and the global filters (campaign, platform, period, generation)."""
    ws = workspace()
    with st.sidebar:
        choice = st.radio(t("language", lang()), ["中文", "English"], index=0 if lang() == "zh" else 1,
                          horizontal=True, key="lang_choice")
        st.session_state["lang"] = "en" if choice == "English" else "zh"
        st.caption(f"{tr('workspace')}: {Path(str(ws.path)).name}")
        st.subheader(tr("filters"))
        tags = [tr("all")] + Q.campaign_hashtags(ws)
        tag = st.selectbox(tr("campaign"), tags, key="f_tag")
        plats = st.multiselect(tr("platform"), Q.platforms(ws), key="f_platforms",
                               format_func=lambda p: t(p, lang()) if p in ("douyin", "xhs", "weibo") else p)
        rng = Q.date_range(ws)
        start = end = None
        if rng:
            picked = st.date_input(tr("period"), value=rng, min_value=rng[0], max_value=rng[1], key="f_period")
            if isinstance(picked, (tuple, list)) and len(picked) == 2:
                start, end = picked
        gen = None
        if Q.generation_table(ws):
            g = st.selectbox(tr("generation"), [tr("all"), "X", "Y", "Z"], key="f_gen")
            gen = None if g == tr("all") else g
    st.session_state["filters"] = Q.Filters(
        hashtag=None if tag == tr("all") else tag, platforms=tuple(plats),
        start=start if isinstance(start, date) else None, end=end if isinstance(end, date) else None,
        generation=gen)


def banner() -> None:
    if Q.is_synthetic(workspace()):
        st.warning(tr("synthetic_banner"))


def download(df: pd.DataFrame, name: str) -> None:
    """A CSV download of a chart's numbers (pseudonymised, formula-safe)."""
    from brandlab.privacy import pseudonymise, safe_frame

    s = settings()
    out = pseudonymise(df, salt=s.pseudonym_salt) if s.pseudonymise else df
    st.download_button(tr("download_csv"), safe_frame(out).to_csv(index=False).encode("utf-8-sig"),
                       file_name=f"{name}.csv", mime="text/csv", key=f"dl_{name}")
