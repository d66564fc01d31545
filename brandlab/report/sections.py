"""The report's analysis sections: triad with evidence ids, diffusion, sentiment and keywords by
generation, outcomes beside the naive before/after, the stored comparisons and the survey.

Each builder returns zero or more :class:`Section` objects from DuckDB aggregates
(:mod:`brandlab.report.results`), pseudonymised by default; a stage that has not run adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from brandlab.config import Settings
from brandlab.report import evidence as E
from brandlab.report import figures as F
from brandlab.report import queries as Q
from brandlab.report import results as R
from brandlab.report.labels import t
from brandlab.workspace import Workspace

TEXT_CHARS = 80


@dataclass
class Section:
    title: str
    figure: str = ""
    data: pd.DataFrame | None = None
    table: pd.DataFrame | None = None
    note: str = ""
    slug: str = "data"
    extra: dict[str, Any] = field(default_factory=dict)


Private = Callable[[pd.DataFrame], pd.DataFrame]


def fig_html(fig: go.Figure) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}))


def _short(df: pd.DataFrame, col: str = "text") -> pd.DataFrame:
    if col not in df.columns:
        return df
    return df.assign(**{col: df[col].fillna("").astype(str).str.slice(0, TEXT_CHARS)})


def triad_sections(ws: Workspace, lang: str) -> list[Section]:
    scores = R.triad_scores(ws)
    if not len(scores):
        return []
    ids = E.triad_evidence_ids(ws)
    table = scores.drop(columns=["detail"]).merge(ids, on=["campaign", "part", "component"], how="left")
    table["n_evidence"] = table["n_evidence"].fillna(0).astype(int)
    shown = {"(all)", *(f"#{h}#" for h in Q.campaign_hashtags(ws))}
    fig = F.triad_figure(scores[scores["campaign"].isin(shown)], lang)
    main = table[table["campaign"].isin(shown)]  # the CSV holds every campaign
    return [Section(t("triad_scores", lang), fig_html(fig), table, table=main if len(main) else table,
                    note=t("note_triad_evidence", lang), slug="triad")]


def diffusion_sections(ws: Workspace, lang: str, private: Private) -> list[Section]:
    out = []
    casc = R.top_cascades(ws, 15)
    if len(casc):
        casc = _short(private(casc))
        out.append(Section(t("top_cascades", lang), data=casc, table=casc, note=t("note_cascades", lang),
                           slug="top_cascades"))
    acc = R.top_accounts(ws, 15)
    if len(acc):
        acc = private(acc)
        out.append(Section(t("top_accounts", lang), data=acc, table=acc, note=t("note_accounts", lang),
                           slug="top_accounts"))
    return out


def sentiment_sections(ws: Workspace, lang: str) -> list[Section]:
    out = []
    for kind in ("generation", "platform"):
        df = R.sentiment_groups(ws, kind)
        if len(df):
            fig = F.group_share_figure(df, t(f"sentiment_by_{kind}", lang), lang)
            out.append(Section(t(f"sentiment_by_{kind}", lang), fig_html(fig), df, table=df,
                               note=t("note_sentiment_ci", lang), slug=f"sentiment_{kind}"))
    return out


def keyword_sections(ws: Workspace, lang: str) -> list[Section]:
    kw = R.keywords_by(ws, "generation", "tfidf", top=10)
    if not len(kw):
        return []
    wide = kw.groupby("group", sort=True)["term"].agg(" · ".join).reset_index()
    wide.columns = [t("generation", lang), t("keywords_top", lang)]
    return [Section(t("keywords_by_generation", lang), data=kw, table=wide, note=t("note_keywords", lang),
                    slug="keywords_generation")]


def outcome_sections(ws: Workspace, lang: str) -> list[Section]:
    est = R.outcome_estimates(ws)
    if not len(est):
        return []
    keep = est[["estimator", "metric", "treated", "treatment_time", "effect", "lo", "hi", "p_value", "naive_effect",
                "relative_effect", "naive_relative", "warnings"]]
    out = [Section(t("outcome_estimates", lang), data=keep, table=keep, note=t("note_naive", lang), slug="outcomes")]
    for (estimator, metric), _ in est.groupby(["estimator", "metric"], sort=True):
        series = R.outcome_series(ws, str(estimator), str(metric))
        if len(series):
            fig = F.counterfactual_figure(series, lang, title=f"{estimator} · {metric}")
            out.append(Section(f"{t('counterfactual', lang)}: {estimator} · {metric}", fig_html(fig), series,
                               slug=f"cf_{estimator}_{metric}"))
    return out


def comparison_sections(ws: Workspace, lang: str, limit: int = 3) -> list[Section]:
    from brandlab.compare.store import load_comparison

    out = []
    for cid in R.comparisons(ws)["comparison_id"].head(limit):
        comp = load_comparison(ws, str(cid))
        v = comp.verdict[["section", "test", "effect", "a_value", "b_value", "estimate", "lo", "hi", "p_value",
                          "p_adjusted", "significant", "n_a", "n_b", "warning"]]
        out.append(Section(f"{t('compare_verdict', lang)}: A = {comp.side_a} · B = {comp.side_b}", data=v, table=v,
                           note=" ".join(comp.notes), slug=f"compare_{cid}"))
    return out


def survey_sections(ws: Workspace, lang: str) -> list[Section]:
    v = R.survey_verdicts(ws)
    if not len(v):
        return []
    keep = v[["finding_id", "concept", "generation", "published", "observed", "n", "verdict", "reason"]]
    return [Section(t("reproduce_results", lang), data=v, table=keep, slug="survey_verdicts")]


def analysis_sections(ws: Workspace, settings: Settings, lang: str, private: Private) -> list[Section]:
    """Every analysis section the workspace's tables allow, in reading order."""
    return [*triad_sections(ws, lang), *diffusion_sections(ws, lang, private), *sentiment_sections(ws, lang),
            *keyword_sections(ws, lang), *outcome_sections(ws, lang), *comparison_sections(ws, lang),
            *survey_sections(ws, lang)]
