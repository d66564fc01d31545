"""The self-contained HTML report (jinja2, escaped text, plotly inlined: no CDN) and CSV/XLSX exports.

Nicknames and user ids are pseudonymised by default (``settings.pseudonymise``); exported cells
cannot start a spreadsheet formula (:func:`brandlab.privacy.safe_frame`).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import jinja2
import pandas as pd
from plotly.offline import get_plotlyjs

from brandlab import __version__
from brandlab.config import TIMEZONE, Settings
from brandlab.privacy import PERSONAL_COLUMNS, pseudonym, pseudonymise, safe_frame
from brandlab.report import figures as F
from brandlab.report import queries as Q
from brandlab.report.labels import t
from brandlab.report.results import personal_columns
from brandlab.report.sections import Section, analysis_sections, fig_html
from brandlab.workspace import Workspace

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"


_fig_html = fig_html


#: an @mention in post text (Weibo/Douyin nicknames end at whitespace, a colon or punctuation)
MENTION = re.compile(r"@([^\s:：,，。!！?？@/<>()（）]+)")


def mask_mentions(text: object, salt: str) -> object:
    """Replace every ``@nickname`` in a text with ``@n_xxxxxxxx`` (the nickname's pseudonym)."""
    if not isinstance(text, str) or "@" not in text:
        return text
    return MENTION.sub(lambda m: "@" + str(pseudonym(m.group(1), salt, "n")), text)


def private_frame(df: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """``df`` with every author id / nickname column pseudonymised and @mentions in ``text`` masked,
    unless ``settings.pseudonymise`` is off."""
    if not settings.pseudonymise or df.empty:
        return df
    cols = sorted(set(personal_columns(df)) | {c for c in df.columns if c in PERSONAL_COLUMNS})
    out = pseudonymise(df, columns=cols, salt=settings.pseudonym_salt)
    if "text" in out.columns:
        out["text"] = out["text"].map(lambda v: mask_mentions(v, settings.pseudonym_salt))
    return out


_private = private_frame


def cell_text(value: object) -> object:
    """A table cell for the HTML report: blanks for missing values, floats to 4 significant digits
    (the section's CSV keeps every digit)."""
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return value


def csv_bytes(df: pd.DataFrame, settings: Settings) -> bytes:
    """UTF-8 (BOM, for Excel) CSV of ``df``: pseudonymised by default, no cell can start a formula."""
    return str(safe_frame(private_frame(df, settings)).to_csv(index=False)).encode("utf-8-sig")


def build_sections(ws: Workspace, settings: Settings, f: Q.Filters, lang: str) -> tuple[dict[str, int], list[Section]]:
    """The report's KPIs and sections, from DuckDB aggregates (sections of stages not yet run are left out)."""
    kpis = Q.kpis(ws, f)
    sections: list[Section] = []
    vol = Q.volume(ws, f)
    sections.append(Section(t("chart_volume", lang), _fig_html(F.volume_figure(vol, lang)), vol, slug="volume"))
    eng = Q.engagement(ws, f)
    sections.append(Section(t("chart_engagement", lang), _fig_html(F.engagement_figure(eng, lang)), eng,
                            slug="engagement"))
    sov = Q.share_of_voice(ws, f, Q.campaign_hashtags(ws))
    if len(sov):
        sections.append(Section(t("chart_sov", lang), _fig_html(F.share_of_voice_figure(sov, lang)), sov,
                                slug="share_of_voice"))
    sent = Q.sentiment(ws, f)
    if len(sent):
        sections.append(Section(t("chart_sentiment", lang), _fig_html(F.sentiment_figure(sent, lang)), sent,
                                slug="sentiment"))
    plat = Q.by_platform(ws, f)
    sections.append(Section(t("chart_platform", lang), _fig_html(F.platform_figure(plat, lang)), plat,
                            table=plat, slug="platforms"))
    sections += analysis_sections(ws, settings, lang, lambda df: private_frame(df, settings))
    top = _private(Q.top_posts(ws, f, 15), settings)
    if len(top):
        top = top.drop(columns=["url"]).assign(text=top["text"].fillna("").astype(str).str.slice(0, 120))
        sections.append(Section(t("top_posts", lang), data=top, table=top, slug="top_posts"))
    return kpis, sections


def render_report(ws: Workspace, settings: Settings, *, filters: Q.Filters | None = None, lang: str = "zh") -> str:
    """The report as one HTML string: every script inline, every text escaped."""
    f = filters or Q.Filters()
    kpis, sections = build_sections(ws, settings, f, lang)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    kpi_keys = ("posts", "comments", "reposts", "authors", "engagement", "plays")
    ctx = {
        "lang": lang, "title": t("report_title", lang), "version": __version__,
        "synthetic": Q.is_synthetic(ws), "synthetic_text": t("synthetic_banner", lang),
        "generated_label": t("report_generated", lang),
        "generated": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "workspace": Path(str(ws.path)).name if ws.path else ":memory:",
        "pseudonymised": settings.pseudonymise, "pseudonymised_text": t("report_pseudonymised", lang),
        "download_label": t("download_csv", lang), "plotly_js": get_plotlyjs(),
        "kpis": [{"label": t(f"kpi_{k}", lang), "value": f"{kpis.get(k, 0):,}"} for k in kpi_keys if k in kpis],
        "sections": [{
            "title": s.title, "figure": s.figure, "note": s.note,
            "csv": quote(safe_frame(s.data).to_csv(index=False)) if s.data is not None else "",
            "csv_name": f"{s.slug}.csv",
            "columns": [str(c) for c in s.table.columns] if s.table is not None else [],
            "rows": [[cell_text(v) for v in r] for r in s.table.itertuples(index=False)]
            if s.table is not None else [],
        } for s in sections],
    }
    return env.get_template("report.html.j2").render(**ctx)


def write_report(ws: Workspace, settings: Settings, path: Path, *, filters: Q.Filters | None = None,
                 lang: str = "zh") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(ws, settings, filters=filters, lang=lang), encoding="utf-8")
    log.info("wrote report %s", path)
    return path


def export_frames(ws: Workspace, settings: Settings, filters: Q.Filters | None = None) -> dict[str, pd.DataFrame]:
    """The tables behind the report, pseudonymised (by default) and formula-safe, for CSV/XLSX export."""
    f = filters or Q.Filters()
    frames = {
        "kpis": pd.DataFrame([Q.kpis(ws, f)]),
        "volume": Q.volume(ws, f), "engagement": Q.engagement(ws, f),
        "share_of_voice": Q.share_of_voice(ws, f, Q.campaign_hashtags(ws)),
        "sentiment": Q.sentiment(ws, f), "platforms": Q.by_platform(ws, f), "top_posts": Q.top_posts(ws, f, 100),
    }
    for sec in analysis_sections(ws, settings, "en", lambda df: df):
        if sec.data is not None:
            frames[sec.slug] = sec.data
    out = {}
    for name, df in frames.items():
        if len(df):
            df = _private(df, settings)
            for c in df.columns:  # Excel cannot hold tz-aware times
                if isinstance(df[c].dtype, pd.DatetimeTZDtype):
                    df[c] = df[c].dt.tz_convert(TIMEZONE).dt.tz_localize(None)
            out[name] = safe_frame(df)
    return out


def posts_csv(ws: Workspace, settings: Settings, filters: Q.Filters | None = None, limit: int = 200_000) -> bytes:
    """Posts matching the filters as UTF-8 (BOM) CSV, pseudonymised and formula-safe."""
    f = filters or Q.Filters()
    cond, params = f.where(ws)
    df = ws.sql(f"""SELECT platform, post_id, kind, parent_id, root_id, author_id, author_name, published_at, text,
                           like_count, comment_count, share_count, collect_count, play_count, ip_location
                    FROM posts p WHERE {cond} ORDER BY published_at LIMIT ?""", params + [limit]) \
        if Q.has_table(ws, "posts") else pd.DataFrame()
    return str(safe_frame(_private(df, settings)).to_csv(index=False)).encode("utf-8-sig")


def summary_xlsx(ws: Workspace, settings: Settings, filters: Q.Filters | None = None) -> bytes:
    import io

    buf = io.BytesIO()
    frames = export_frames(ws, settings, filters)
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        for name, df in (frames or {"empty": pd.DataFrame()}).items():
            df.to_excel(xw, sheet_name=name[:31], index=False)
    return buf.getvalue()
