"""成效 Outcomes (exposure beside outcomes, counterfactuals with intervals, the naive before/after,
policy events and warnings, summit windows and red lines) and 复现 Reproduce (survey verdicts and
the social-data analogue with what posts can and cannot tell)."""

from __future__ import annotations

import warnings

import pandas as pd
import streamlit as st

from brandlab.app import state as S
from brandlab.app import widgets as W
from brandlab.errors import BrandlabError, SmallSampleWarning
from brandlab.report import figures as F


def _exposure(metrics: list[str]) -> None:
    city = S.query("R.treated_city", use_filters=False)
    if not city or not metrics:
        return
    st.subheader(S.tr("exposure_vs_outcome"))
    metric = st.selectbox(S.tr("outcome_metric"), metrics, key="outcome_metric")
    panel = S.query("R.outcome_panel", city, use_filters=False)
    series = panel[panel["metric"] == metric][["period", "value"]]
    series = series.assign(period=pd.to_datetime(series["period"]))
    exposure = S.query("R.exposure_monthly")
    exposure = exposure.assign(period=pd.to_datetime(exposure["period"]))
    both = exposure.merge(series.rename(columns={"value": metric}), on="period", how="outer")
    W.chart(F.exposure_figure(exposure, series, f"{city} · {metric}", S.lang()), both.sort_values("period"),
            "exposure_outcome")


def _estimates(est: pd.DataFrame) -> None:
    st.subheader(S.tr("outcome_estimates"))
    st.caption(S.tr("note_naive"))
    W.table(est, "outcome_estimates", private=False)
    msgs = sorted({w for text in est["warnings"].dropna() for w in str(text).split(" | ") if w})
    if msgs:
        st.subheader(S.tr("estimate_warnings"))
        for m in msgs:
            st.warning(m, icon="⚠️")
    for (estimator, metric), _ in est.groupby(["estimator", "metric"], sort=True):
        series = S.query("R.outcome_series", str(estimator), str(metric), use_filters=False)
        if len(series):
            W.chart(F.counterfactual_figure(series, S.lang(), title=f"{estimator} · {metric}"), series,
                    f"cf_{estimator}_{metric}")


def _summit(city: str | None) -> None:
    from brandlab.outcomes.summit import red_lines, summit_windows

    events = S.query("R.event_dates", use_filters=False)
    panel = S.query("R.outcome_panel", None, use_filters=False)
    if city and events and len(panel):
        st.subheader(S.tr("summit_windows"))
        name, day = st.selectbox(S.tr("summit_event"), events, key="summit_event",
                                 format_func=lambda e: f"{e[0]} ({e[1]})")
        try:
            win = summit_windows(panel, city, day)
        except BrandlabError as err:
            st.error(str(err))
        else:
            W.table(win, "summit_windows", private=False)
    st.subheader(S.tr("red_lines"))
    sheet = S.query("R.event_sheet", use_filters=False)
    up = st.file_uploader(S.tr("event_sheet_upload"), type=["csv", "xlsx", "yaml", "yml"], key="event_sheet")
    if up is not None:
        from brandlab.app.uploads import save_upload
        from brandlab.outcomes.summit import read_event_sheet

        try:
            path = save_upload(S.upload_folder(), up.name, up.getvalue(), S.MAX_UPLOAD_MB)
            sheet = read_event_sheet(path)
        except (BrandlabError, ValueError) as err:
            st.error(str(err))
    if not len(sheet):
        st.info(S.tr("no_event_sheet"))
        return
    try:
        W.table(red_lines(sheet), "red_lines", private=False)
    except BrandlabError as err:
        st.error(str(err))


def render_outcomes() -> None:
    if not W.head("page_outcomes"):
        return
    est = S.query("R.outcome_estimates", use_filters=False)
    panel = S.query("R.outcome_panel", None, use_filters=False)
    if not len(est) and not len(panel):
        W.missing("outcomes")
        return
    _exposure(sorted(set(est["metric"])) or sorted(set(panel["metric"])))
    if len(est):
        _estimates(est)
    events = S.query("R.policy_events", use_filters=False)
    if len(events):
        st.subheader(S.tr("policy_events"))
        W.table(events, "policy_events", private=False)
    _summit(S.query("R.treated_city", use_filters=False))


def _social() -> None:
    from brandlab.survey.social import WHAT_POSTS_TELL

    st.subheader(S.tr("social_analogue"))
    st.info(S.tr("what_posts_tell", what=WHAT_POSTS_TELL))
    facet = st.radio(S.tr("social_facet"), ["dimension", "trait"], horizontal=True, key="social_facet",
                     format_func=lambda f: S.tr("dimension_shares" if f == "dimension" else "trait_shares"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)  # small groups are flagged in the table
            shares = S.social_shares(str(facet))
    except BrandlabError as err:
        st.info(str(err))
        return
    gen = shares[shares["generation"] != "all"] if "generation" in shares.columns else shares
    fig_df = gen.rename(columns={"generation": "group", "ci_low": "lo", "ci_high": "hi"})
    W.chart(F.group_share_figure(fig_df[["group", "label", "share", "lo", "hi"]], S.tr("social_analogue"), S.lang()),
            shares, f"social_{facet}")
    survey = S.query("R.survey_shares", use_filters=False)
    concept = "attention" if facet == "dimension" else "city_image_traits"
    if len(survey) and concept in set(survey["concept"]):
        from brandlab.survey.social import side_by_side

        st.subheader(S.tr("side_by_side"))
        W.table(side_by_side(survey, shares, concept), f"side_by_side_{facet}", private=False)


def render_reproduce() -> None:
    if not W.head("page_reproduce"):
        return
    v = S.query("R.survey_verdicts", use_filters=False)
    if len(v):
        st.subheader(S.tr("survey_verdicts"))
        W.table(v, "survey_verdicts", private=False)
    else:
        W.missing("reproduce (brandlab reproduce SURVEY --workspace WS)")
    _social()
