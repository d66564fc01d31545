"""Pure DataFrame -> plotly Figure functions shared by the HTML report and the app.

No I/O and no workspace access here: the inputs are the aggregates of
:mod:`brandlab.report.queries`. Figures use a CJK-capable font stack.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from brandlab.report.labels import label_or_key, t

#: CJK-capable font stack (first found wins): Linux, Adobe, Windows, macOS, then the browser default
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title=title, font={"family": FONT}, template="plotly_white", height=360,
                      margin={"l": 40, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.2})
    return fig


def volume_figure(df: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Stacked bars of items per period and platform."""
    fig = go.Figure()
    if len(df):
        per = df.groupby(["period", "platform"], as_index=False)["n"].sum()
        for platform, g in per.groupby("platform", sort=True):
            fig.add_bar(x=g["period"], y=g["n"], name=label_or_key(str(platform), lang))
    fig.update_layout(barmode="stack")
    return _layout(fig, t("chart_volume", lang))


def engagement_figure(df: pd.DataFrame, lang: str = "zh") -> go.Figure:
    fig = go.Figure()
    if len(df):
        d = df.copy()
        d["engagement"] = d[["likes", "comments", "shares"]].fillna(0).sum(axis=1)
        for platform, g in d.groupby("platform", sort=True):
            fig.add_scatter(x=g["period"], y=g["engagement"], mode="lines+markers",
                            name=label_or_key(str(platform), lang))
    return _layout(fig, t("chart_engagement", lang))


def share_of_voice_figure(df: pd.DataFrame, lang: str = "zh") -> go.Figure:
    fig = go.Figure()
    for tag, g in df.groupby("hashtag", sort=True) if len(df) else []:
        fig.add_scatter(x=g["period"], y=g["n"], stackgroup="one", groupnorm="percent", name=f"#{tag}#")
    return _layout(fig, t("chart_sov", lang))


def sentiment_figure(df: pd.DataFrame, lang: str = "zh") -> go.Figure:
    fig = go.Figure()
    colors = {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}
    for label, g in df.groupby("label", sort=True) if len(df) else []:
        fig.add_bar(x=g["period"], y=g["share"], name=label_or_key(str(label), lang),
                    marker_color=colors.get(str(label)))
    fig.update_layout(barmode="stack", yaxis_tickformat=".0%")
    return _layout(fig, t("chart_sentiment", lang))


def platform_figure(df: pd.DataFrame, lang: str = "zh") -> go.Figure:
    fig = go.Figure()
    if len(df):
        fig.add_pie(labels=[label_or_key(str(p), lang) for p in df["platform"]],
                    values=(df["posts"].fillna(0) + df["comments"].fillna(0) + df["reposts"].fillna(0)), hole=0.4)
    return _layout(fig, t("chart_platform", lang))


def triad_figure(df: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Scores in [0, 1] per component, one bar group per campaign."""
    fig = go.Figure()
    if len(df):
        d = df.assign(name=df["part"].astype(str) + " · " + df["component"].astype(str))
        for campaign, g in d.groupby("campaign", sort=True):
            fig.add_bar(y=g["name"], x=g["score"], orientation="h", name=str(campaign))
    fig.update_layout(xaxis_range=[0, 1], barmode="group", height=max(360, 24 * len(df)))
    return _layout(fig, t("triad_scores", lang))


def counterfactual_figure(df: pd.DataFrame, lang: str = "zh", title: str | None = None) -> go.Figure:
    """Actual vs counterfactual with its interval (columns of ``outcome_series``)."""
    fig = go.Figure()
    if len(df):
        d = df.sort_values("period")
        if d["hi"].notna().any():
            fig.add_scatter(x=d["period"], y=d["hi"], line={"width": 0}, showlegend=False, hoverinfo="skip")
            fig.add_scatter(x=d["period"], y=d["lo"], line={"width": 0}, fill="tonexty",
                            fillcolor="rgba(100,100,200,0.2)", name="95%")
        fig.add_scatter(x=d["period"], y=d["counterfactual"], name=t("counterfactual", lang), line={"dash": "dash"})
        fig.add_scatter(x=d["period"], y=d["actual"], name=t("actual", lang))
    return _layout(fig, title or t("outcome_estimates", lang))


def group_share_figure(df: pd.DataFrame, title: str, lang: str = "zh") -> go.Figure:
    """Shares with their interval per group and label (columns group, label, share, lo, hi)."""
    fig = go.Figure()
    for label, g in df.groupby("label", sort=True) if len(df) else []:
        fig.add_bar(x=g["group"].astype(str), y=g["share"], name=label_or_key(str(label), lang),
                    error_y={"type": "data", "symmetric": False, "array": (g["hi"] - g["share"]).clip(lower=0),
                             "arrayminus": (g["share"] - g["lo"]).clip(lower=0)})
    fig.update_layout(barmode="group", yaxis_tickformat=".0%")
    return _layout(fig, title)


def label_share_figure(df: pd.DataFrame, title: str, lang: str = "zh") -> go.Figure:
    """Horizontal bars of the share of posts per label (columns label, share, n_posts)."""
    fig = go.Figure()
    if len(df):
        d = df.sort_values("share")
        fig.add_bar(y=[label_or_key(str(v), lang) for v in d["label"]], x=d["share"], orientation="h",
                    text=d["n_posts"], hovertemplate="%{y}: %{x:.1%} (n=%{text})<extra></extra>")
    fig.update_layout(xaxis_tickformat=".0%", height=max(300, 28 * len(df)))
    return _layout(fig, title)


def exposure_figure(exposure: pd.DataFrame, outcome: pd.DataFrame, outcome_name: str, lang: str = "zh") -> go.Figure:
    """Campaign exposure (posts per month, bars) beside an outcome series (line, right axis)."""
    fig = go.Figure()
    if len(exposure):
        fig.add_bar(x=exposure["period"], y=exposure["posts"], name=t("exposure_posts", lang), opacity=0.6)
    if len(outcome):
        fig.add_scatter(x=outcome["period"], y=outcome["value"], name=outcome_name, yaxis="y2", mode="lines")
    fig.update_layout(yaxis={"title": t("exposure_posts", lang)},
                      yaxis2={"title": outcome_name, "overlaying": "y", "side": "right"})
    return _layout(fig, t("exposure_vs_outcome", lang))


def network_figure(nodes: pd.DataFrame, edges: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """An offline network plot: ``nodes`` (node, x, y, size, label), ``edges`` (src, dst)."""
    fig = go.Figure()
    if len(nodes):
        pos = nodes.set_index("node")[["x", "y"]]
        xs: list[float | None] = []
        ys: list[float | None] = []
        for s, d in zip(edges["src"], edges["dst"], strict=False):
            if s in pos.index and d in pos.index:
                xs += [pos.at[s, "x"], pos.at[d, "x"], None]
                ys += [pos.at[s, "y"], pos.at[d, "y"], None]
        fig.add_scatter(x=xs, y=ys, mode="lines", line={"width": 0.5, "color": "#aaa"}, hoverinfo="skip",
                        showlegend=False)
        fig.add_scatter(x=nodes["x"], y=nodes["y"], mode="markers", text=nodes["label"], hoverinfo="text",
                        marker={"size": nodes["size"], "color": nodes.get("color", "#1f77b4")}, showlegend=False)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, t("network", lang))
