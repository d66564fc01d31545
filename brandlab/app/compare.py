"""对比 Compare: pick side A and B (hashtag / keyword / campaign), optional filters, run and store
:func:`brandlab.compare.api.compare_sides`; show the verdict, keywords, mix, sentiment and notes of
any stored comparison, with its CSV/XLSX (pseudonymised, formula-safe)."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd
import streamlit as st

from brandlab.app import state as S
from brandlab.app import widgets as W
from brandlab.config import TIMEZONE
from brandlab.errors import BrandlabError, SmallSampleWarning
from brandlab.report import queries as Q

KINDS = ("tag", "kw", "campaign")
VERDICT_COLUMNS = ["section", "test", "effect", "a_value", "b_value", "estimate", "lo", "hi", "p_value", "p_adjusted",
                   "significant", "n_a", "n_b", "warning"]


def side_spec(kind: str, value: str) -> str:
    """The :class:`~brandlab.compare.sides.Side` spec of a form choice ('#话题#', 'kw:火锅', 'campaign:x')."""
    v = value.strip().strip("#").strip()
    if not v:
        return ""
    return f"#{v}#" if kind == "tag" else f"{kind}:{v}"


def _kind(which: str) -> str:
    """The kind of a side (outside the form, so that switching it changes the value widget at once)."""
    return str(st.radio(f"{S.tr('compare_side_' + which)} · {S.tr('compare_kind')}", KINDS, horizontal=True,
                        key=f"cmp_{which}_kind", format_func=lambda k: S.tr(f"kind_{k}")))


def _side(which: str, kind: str, suggestions: list[str], default: int) -> str:
    st.markdown(f"**{S.tr('compare_side_' + which)}**")
    if kind == "tag" and suggestions:
        value = st.selectbox(S.tr("compare_value"), suggestions, index=min(default, len(suggestions) - 1),
                             key=f"cmp_{which}_tag", accept_new_options=True)
    else:
        value = st.text_input(S.tr("compare_value"), key=f"cmp_{which}_text")
    return side_spec(str(kind), str(value or ""))


def _filters() -> tuple[object, str]:
    from brandlab.compare.sides import Filters

    ws = S.workspace()
    with st.expander(S.tr("compare_filters")):
        plats = st.multiselect(S.tr("platform"), Q.platforms(ws), key="cmp_platforms",
                               placeholder=S.tr("choose_options"))
        since = until = None
        rng = Q.date_range(ws)
        if rng:  # the whole range (the default) restricts nothing
            picked = st.date_input(S.tr("period"), value=rng, min_value=rng[0], max_value=rng[1], key="cmp_period")
            if isinstance(picked, (tuple, list)) and len(picked) == 2 and tuple(picked) != tuple(rng):
                since = pd.Timestamp(picked[0], tz=TIMEZONE).isoformat()
                until = (pd.Timestamp(picked[1], tz=TIMEZONE) + pd.Timedelta(days=1)).isoformat()
        gens = st.multiselect(S.tr("generation"), ["X", "Y", "Z", "unknown"], key="cmp_generations",
                              placeholder=S.tr("choose_options")) if Q.generation_table(ws) else []
    from brandlab.compare.api import METRICS

    metric = st.selectbox(S.tr("compare_metric"), list(METRICS), key="cmp_metric")
    return Filters(platforms=tuple(plats), since=since, until=until, generations=tuple(gens)), str(metric)


def _run(a: str, b: str, filters: object, metric: str) -> None:
    from brandlab.compare.api import compare_sides
    from brandlab.compare.store import store_comparison

    if a == b:
        st.error(S.tr("compare_same"))
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)  # shown in the verdict's warning column and notes
            comp = compare_sides(S.workspace(), a, b, settings=S.settings(), filters=filters,  # type: ignore[arg-type]
                                 metric=metric)
        store_comparison(S.workspace(), comp)
    except (BrandlabError, ValueError) as err:
        st.error(str(err))
        return
    S.bump()
    st.session_state["cmp_pick"] = comp.comparison_id
    st.success(S.tr("compare_done", cid=comp.comparison_id))


def export_bytes(comp: object) -> tuple[bytes, bytes]:
    """(verdict CSV, full XLSX) of a comparison through :func:`export_comparison` (pseudonymised, formula-safe)."""
    from brandlab.compare.store import export_comparison

    s = S.settings()
    with tempfile.TemporaryDirectory() as d:
        paths = export_comparison(comp, Path(d), pseudonymised=s.pseudonymise, salt=s.pseudonym_salt)  # type: ignore[arg-type]
        by_name = {p.name: p.read_bytes() for p in paths}
    xlsx = next(v for k, v in by_name.items() if k.endswith(".xlsx"))
    return by_name["verdict.csv"], xlsx


def _show(cid: str) -> None:
    from brandlab.compare.store import load_comparison

    comp = load_comparison(S.workspace(), cid)
    st.text(f"A = {comp.side_a}    B = {comp.side_b}    ({cid})")
    st.subheader(S.tr("compare_verdict"))
    W.table(comp.verdict[[c for c in VERDICT_COLUMNS if c in comp.verdict.columns]], private=False)
    csv, xlsx = export_bytes(comp)
    c1, c2 = st.columns(2)
    c1.download_button(S.tr("compare_download_csv"), csv, file_name=f"comparison_{cid}.csv", mime="text/csv",
                       key="dl_compare_csv")
    c2.download_button(S.tr("compare_download_xlsx"), xlsx, file_name=f"comparison_{cid}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="dl_compare_xlsx")
    if comp.notes:
        st.subheader(S.tr("compare_notes"))
        for note in comp.notes:
            st.text(note)
    d = comp.details
    for name, key in (("engagement_summary", "compare_engagement"), ("sentiment_shares", "compare_sentiment"),
                      ("diffusion_summary", "compare_diffusion")):
        if name in d and len(d[name]):
            st.subheader(S.tr(key))
            W.table(d[name], f"compare_{name}")
    mixes = [m for m in ("platform_mix", "generation_mix") if m in d and len(d[m])]
    if mixes:
        st.subheader(S.tr("compare_mix"))
        for m in mixes:
            W.table(d[m], f"compare_{m}")
    if "keywords" in d and len(d["keywords"]):
        st.subheader(S.tr("compare_keywords"))
        W.table(d["keywords"], "compare_keywords")
        terms = [str(x) for x in d["keywords"]["term"]] if "term" in d["keywords"].columns else []
        if terms:
            term = st.selectbox(S.tr("keyword_pick"), terms, key="cmp_term")
            W.evidence("E.keyword_posts", term, key=f"cmp_kw_{term}", use_filters=False)


def render_compare() -> None:
    if not W.head("page_compare"):
        return
    suggestions = S.query("R.top_hashtags", 12, use_filters=False)
    ka, kb = st.columns(2)
    with ka:
        kind_a = _kind("a")
    with kb:
        kind_b = _kind("b")
    with st.form("compare_form"):
        ca, cb = st.columns(2)
        with ca:
            a = _side("a", kind_a, suggestions, 0)
        with cb:
            b = _side("b", kind_b, suggestions, 1)
        filters, metric = _filters()
        submitted = st.form_submit_button(S.tr("compare_run"), key="cmp_run", type="primary")
    if submitted:
        with st.spinner(S.tr("compare_run")):
            _run(a, b, filters, metric)
    stored = S.query("R.comparisons", use_filters=False)
    if not len(stored):
        W.missing("compare (brandlab compare A B)")
        return
    st.subheader(S.tr("compare_stored"))
    ids = list(stored["comparison_id"])
    labels = {r.comparison_id: f"{r.side_a}  vs  {r.side_b}  ({r.comparison_id})" for r in stored.itertuples()}
    if st.session_state.get("cmp_pick") not in ids:
        st.session_state["cmp_pick"] = ids[0]
    cid = st.selectbox(S.tr("compare_stored"), ids, key="cmp_pick", format_func=lambda i: labels.get(i, i))
    _show(str(cid))
