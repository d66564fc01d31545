"""Every st.cache_* wrapper of the app lives here, plus the session state (language, filters)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from brandlab.config import Settings
from brandlab.report import evidence as E
from brandlab.report import queries as Q
from brandlab.report import results as R
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


def upload_folder() -> Path:
    """Where uploads are saved: ``uploads/`` next to the workspace file, never elsewhere."""
    return Path(str(workspace().path)).resolve().parent / "uploads"


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


MODULES = {"Q": Q, "R": R, "E": E}


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, f: Q.Filters, version: int, path: str, *args: Any) -> Any:
    module, _, fn_name = name.rpartition(".")
    fn = getattr(MODULES[module or "Q"], fn_name)
    return fn(_workspace(path), f, *args) if f is not None else fn(_workspace(path), *args)


def query(name: str, *args: Any, use_filters: bool = True) -> Any:
    """A cached aggregate under the current filters: ``name`` is a function of
    :mod:`brandlab.report.queries` (``"kpis"``), of :mod:`~brandlab.report.results` (``"R.top_cascades"``)
    or of :mod:`~brandlab.report.evidence` (``"E.triad_posts"``); all compute in DuckDB."""
    ws = workspace()
    return _cached(name, filters() if use_filters else None, _version(), str(ws.path), *args)


@st.cache_data(show_spinner=False, max_entries=16)
def _social_shares(version: int, path: str, facet: str, n_boot: int, seed: int, min_group: int) -> pd.DataFrame:
    from brandlab.survey.social import post_frames, post_generation_shares

    posts, tags, gens = post_frames(_workspace(path))
    return post_generation_shares(posts, tags, gens, facet, n_boot=n_boot, seed=seed, min_group_size=min_group)


@st.cache_data(show_spinner=False, max_entries=8)
def _report_html(version: int, path: str, f: Q.Filters, lang_: str, pseudonymise: bool) -> bytes:
    from brandlab.report.render import render_report

    return render_report(_workspace(path), settings().with_(pseudonymise=pseudonymise), filters=f,
                         lang=lang_).encode("utf-8")


def report_html() -> bytes:
    """The self-contained HTML report under the current filters and language (cached)."""
    return _report_html(_version(), str(workspace().path), filters(), lang(), settings().pseudonymise)


def social_shares(facet: str) -> pd.DataFrame:
    """The social-data analogue of the survey (post shares per author generation), cached per facet."""
    s = settings()
    return _social_shares(_version(), str(workspace().path), facet, s.n_boot, s.seed, s.min_group_size)


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
        plats = st.multiselect(tr("platform"), Q.platforms(ws), key="f_platforms", placeholder=tr("choose_options"),
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


def private(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with author ids and nicknames pseudonymised (unless the settings turn that off)."""
    from brandlab.report.render import private_frame

    return private_frame(df, settings())


def download(df: pd.DataFrame, name: str, label_key: str = "download_csv") -> None:
    """A CSV download of a chart's or table's numbers (pseudonymised, formula-safe)."""
    from brandlab.report.render import csv_bytes

    st.download_button(tr(label_key), csv_bytes(df, settings()), file_name=f"{name}.csv", mime="text/csv",
                       key=f"dl_{name}")
