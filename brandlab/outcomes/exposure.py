"""Campaign exposure series, from the workspace posts table or an external index CSV, with adstock.

:func:`exposure_from_posts` turns posts into one row per (city, campaign, period): posts, plays,
reads, engagement (likes + comments + shares + collects) and share of voice against the other
cities in the mapping. A city is linked to its campaigns by ``campaign_city`` (campaign -> city);
posts are found by their ``campaign`` column or, with ``campaign_hashtags``, by hashtag;
``city_keywords`` optionally also attributes posts whose text names the city (for comparison
cities without a tagged campaign). :func:`read_exposure_mapping` reads all of this from YAML.

:func:`read_index_csv` reads a search-index export (e.g. Baidu index: a date column and one column
per keyword) into the same long shape. :func:`adstock` applies geometric carry-over:
``a_t = x_t + decay · a_{t-1}`` with ``decay = 0.5 ** (1 / half_life)`` — after ``half_life``
periods, half of a period's exposure still acts. :func:`exposure_rows` and :func:`index_rows`
give the rows of the ``exposure_series`` table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brandlab.config import TIMEZONE
from brandlab.errors import ExportFormatError, InsufficientDataError, format_message
from brandlab.outcomes.panel import parse_period, parse_value
from brandlab.schema import EXPOSURE_SERIES, validate

_PANDAS_FREQ = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "A": "Y"}  # W-SUN: weeks Monday..Sunday
ENGAGEMENT = ("like_count", "comment_count", "share_count", "collect_count")
#: platforms whose exporters put read counts (阅读量) in play_count
READ_PLATFORMS = ("wechat", "weibo")
#: the campaign label of a city's total exposure (each post once)
ALL_CAMPAIGNS = "all"


def period_start(times: pd.Series, freq: str) -> pd.Series:
    """The start date (naive, local calendar) of the period each time falls in."""
    if freq not in _PANDAS_FREQ:
        raise ValueError(f"freq {freq!r}: expected one of {list(_PANDAS_FREQ)}")
    t = pd.to_datetime(times)
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        t = t.dt.tz_convert(TIMEZONE).dt.tz_localize(None)
    return t.dt.to_period(_PANDAS_FREQ[freq]).dt.start_time.dt.normalize()


def adstock(x: Sequence[float], half_life: float) -> np.ndarray:
    """Geometric adstock; ``half_life`` in periods (0 = no carry-over)."""
    values = np.nan_to_num(np.asarray(x, dtype=float))
    if half_life < 0:
        raise ValueError(f"half_life must be >= 0, got {half_life}")
    if half_life == 0:
        return values.copy()
    decay = 0.5 ** (1.0 / half_life)
    out = np.empty_like(values)
    carry = 0.0
    for i, v in enumerate(values):
        carry = v + decay * carry
        out[i] = carry
    return out


def _complete(df: pd.DataFrame, keys: list[str], freq: str, columns: list[str]) -> pd.DataFrame:
    """One row per key and period from the first to the last period, zeros where nothing happened."""
    df = df.assign(period=df["period"].astype("datetime64[ns]"))
    full = pd.date_range(df["period"].min(), df["period"].max(), freq={"D": "D", "W": "W-MON", "M": "MS",
                                                                      "Q": "QS", "A": "YS"}[freq])
    grid = df[keys].drop_duplicates().merge(pd.DataFrame({"period": full.astype("datetime64[ns]")}), how="cross")
    out = grid.merge(df[[*keys, "period", *columns]], on=[*keys, "period"], how="left")
    out[columns] = out[columns].fillna(0.0)
    return out


def _post_keys(p: pd.DataFrame) -> pd.Series:
    if {"platform", "post_id"} <= set(p.columns):
        return p["platform"].astype(str) + ":" + p["post_id"].astype(str)
    return pd.Series(p.index.astype(str), index=p.index)


def attribute_posts(posts: pd.DataFrame, campaign_city: Mapping[str, str], *,
                    campaign_hashtags: Mapping[str, Sequence[str]] | None = None,
                    city_keywords: Mapping[str, Sequence[str]] | None = None,
                    kinds: Sequence[str] = ("post",)) -> pd.DataFrame:
    """One row per post and campaign it belongs to, with ``city``, ``campaign`` and ``post_key``.

    A post belongs to a campaign when its ``campaign`` column names it or (with ``campaign_hashtags``)
    it carries one of the campaign's hashtags — a post with two campaign hashtags counts in both.
    Posts in no campaign whose title or text names a city of ``city_keywords`` are attributed to
    that city as campaign ``mentions:<city>`` (their own campaign kept when they have one).
    """
    p = posts[posts["kind"].astype(str).isin(kinds)].reset_index(drop=True)
    p = p.assign(post_key=_post_keys(p))
    tagged = p["campaign"].astype("string") if "campaign" in p.columns else pd.Series(pd.NA, index=p.index,
                                                                                      dtype="string")
    tags_long = p["hashtags"].explode() if "hashtags" in p.columns and campaign_hashtags else None
    parts = []
    for campaign, city in campaign_city.items():
        hit = (tagged == campaign).fillna(False).to_numpy(bool)
        tags = set((campaign_hashtags or {}).get(campaign, ()))
        if tags and tags_long is not None:
            hit |= p.index.isin(tags_long.index[tags_long.isin(tags)])
        parts.append(p[hit].assign(city=city, campaign=campaign))
    got = pd.concat(parts, ignore_index=True) if parts else p.iloc[:0].assign(city="", campaign="")
    if city_keywords:
        rest = p[~p["post_key"].isin(got["post_key"])]
        text = rest["text"].fillna("").astype(str)
        for extra in ("title", "hashtags"):
            if extra in rest.columns:
                text = text + " " + rest[extra].map(lambda v: " ".join(v) if isinstance(v, (list, np.ndarray))
                                                    else ("" if pd.isna(v) else str(v)))
        for city, words in city_keywords.items():
            hit = text.str.contains("|".join(re.escape(w) for w in words), regex=True)
            own = rest["campaign"].astype("string") if "campaign" in rest.columns else pd.Series(
                pd.NA, index=rest.index, dtype="string")
            got = pd.concat([got, rest[hit].assign(city=city, campaign=own[hit].fillna(f"mentions:{city}"))],
                            ignore_index=True)
            rest, text = rest[~hit], text[~hit]
    got = got[got["published_at"].notna()]
    if got.empty:
        raise InsufficientDataError(format_message(
            "no posts for the campaigns in the mapping",
            expected=f"posts with campaign in {list(campaign_city)[:8]}"
                     + (f" or hashtags {sorted({t for v in campaign_hashtags.values() for t in v})[:8]}"
                        if campaign_hashtags else ""),
            fix="check the campaign names and hashtags (brandlab ingest --campaign) or pass city_keywords"))
    return got.reset_index(drop=True)


def _measure(a: pd.DataFrame, freq: str) -> pd.DataFrame:
    a = a.assign(period=period_start(a["published_at"], freq))
    count = pd.to_numeric(a["play_count"], errors="coerce").astype(float).fillna(0.0)
    is_read = (a["platform"].astype(str).isin(READ_PLATFORMS) if "platform" in a.columns
               else pd.Series(False, index=a.index))
    a["plays"] = count.where(~is_read, 0.0)
    a["reads"] = count.where(is_read, 0.0)
    a["engagement"] = sum(pd.to_numeric(a[c], errors="coerce").astype(float).fillna(0.0) for c in ENGAGEMENT)
    a["posts"] = 1.0
    return a


def exposure_from_posts(posts: pd.DataFrame, campaign_city: Mapping[str, str], *, freq: str = "W",
                        city_keywords: Mapping[str, Sequence[str]] | None = None, half_life: float = 0.0,
                        kinds: Sequence[str] = ("post",),
                        campaign_hashtags: Mapping[str, Sequence[str]] | None = None,
                        totals: bool = False) -> pd.DataFrame:
    """Exposure per city, campaign and period, with share of voice and optional adstock columns.

    ``plays`` counts play_count on video platforms, ``reads`` on WeChat/Weibo (where exporters give
    read counts). Share of voice is the row's posts (engagement) over all cities' posts in the
    period, each post counted once per city. ``totals`` adds a campaign ``all`` row per city and
    period in which each post of the city counts once (however many campaigns it belongs to).
    """
    a = _measure(attribute_posts(posts, campaign_city, campaign_hashtags=campaign_hashtags,
                                 city_keywords=city_keywords, kinds=kinds), freq)
    cols = ["posts", "plays", "reads", "engagement"]
    g = a.groupby(["city", "campaign", "period"], as_index=False)[cols].sum()
    city_total = a.drop_duplicates(["city", "post_key"]).groupby(["city", "period"], as_index=False)[cols].sum()
    if totals:
        g = pd.concat([g, city_total.assign(campaign=ALL_CAMPAIGNS)], ignore_index=True)
    g["city"], g["campaign"] = g["city"].astype(str), g["campaign"].astype(str)
    g = _complete(g, ["city", "campaign"], freq, cols)
    denom = city_total.groupby("period")[["posts", "engagement"]].sum()
    denom.index = denom.index.astype("datetime64[ns]")
    for col in ("posts", "engagement"):
        total = g["period"].map(denom[col]).fillna(0.0)
        g[f"sov_{col}"] = np.where(total > 0, g[col] / total.where(total > 0, 1.0), np.nan)
    if half_life:
        g = g.sort_values(["city", "campaign", "period"])
        for col in ("posts", "plays", "engagement"):
            g[f"{col}_adstock"] = g.groupby(["city", "campaign"])[col].transform(lambda s: adstock(s, half_life))
    g.insert(3, "freq", freq)
    return g.sort_values(["city", "campaign", "period"]).reset_index(drop=True)


def _long_rows(df: pd.DataFrame, half_life: float, source: str) -> pd.DataFrame:
    df = df.sort_values(["city", "campaign", "metric", "freq", "period"]).reset_index(drop=True)
    df["adstocked"] = df.groupby(["city", "campaign", "metric", "freq"])["value"].transform(
        lambda s: adstock(s.to_numpy(float), half_life)).astype(float)
    df["adstocked"] = df["adstocked"].where(df["value"].notna() | (df["metric"] != "share_of_voice"))
    df["half_life"] = float(half_life)
    df["source"] = source
    return validate(df[EXPOSURE_SERIES.names], EXPOSURE_SERIES)


def exposure_rows(wide: pd.DataFrame, *, half_life: float = 0.0, source: str = "workspace posts") -> pd.DataFrame:
    """The ``exposure_series`` rows of an :func:`exposure_from_posts` frame, adstocked per metric.

    share_of_voice is ``sov_posts``. A flow metric without any data in the whole frame (e.g. reads
    when no WeChat/Weibo post was attributed) is not stored.
    """
    w = wide.rename(columns={"sov_posts": "share_of_voice"})
    metrics = [m for m in ("posts", "plays", "reads", "engagement") if w[m].sum() > 0] + ["share_of_voice"]
    long = w.melt(id_vars=["city", "campaign", "period", "freq"], value_vars=metrics, var_name="metric",
                  value_name="value")
    return _long_rows(long, half_life, source)


def index_rows(index: pd.DataFrame, keyword_city: Mapping[str, str], *, half_life: float = 0.0,
               source: str = "search index") -> pd.DataFrame:
    """The ``exposure_series`` rows (metric ``search_index``, campaign = keyword) of a :func:`read_index_csv` frame."""
    unmapped = sorted(set(index["keyword"]) - set(keyword_city))
    if unmapped:
        raise InsufficientDataError(format_message(
            f"{source}: no city for index keyword(s) {unmapped}", expected="a city for every keyword column",
            found=f"mapping {dict(keyword_city)}", fix="pass KEYWORD=CITY for each (--keyword 成都旅游=成都)"))
    long = index.assign(city=index["keyword"].map(dict(keyword_city)), campaign=index["keyword"],
                        metric="search_index")
    return _long_rows(long[["city", "campaign", "period", "freq", "metric", "value"]], half_life, source)


@dataclass(frozen=True)
class ExposureMapping:
    """Which city each campaign is about, how to find its posts, and the series' frequency and half-life."""

    campaign_city: dict[str, str]
    campaign_hashtags: dict[str, list[str]] = field(default_factory=dict)
    city_keywords: dict[str, list[str]] = field(default_factory=dict)
    freq: str = "D"
    half_life: float = 0.0
    kinds: tuple[str, ...] = ("post",)
    link: dict[str, Any] = field(default_factory=dict)


def read_exposure_mapping(path: str | Path) -> ExposureMapping:
    """A YAML mapping: ``campaigns: {name: {city: 成都, hashtags: [...]}}``, ``city_keywords``, ``freq``, ``half_life``."""
    import yaml

    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    camps = data.get("campaigns")
    if not isinstance(camps, dict) or not camps:
        raise ExportFormatError(format_message(
            f"{path.name}: no 'campaigns' mapping", expected="campaigns: {name: {city: 成都, hashtags: [成都好young]}}",
            found=str(data)[:80], fix="add a campaigns section"), path=str(path))
    city, tags = {}, {}
    for name, spec in camps.items():
        spec = {"city": spec} if isinstance(spec, str) else (spec or {})
        if not spec.get("city"):
            raise ExportFormatError(format_message(
                f"{path.name}: campaign {name!r} has no city", expected="city: <city name>", found=spec,
                fix=f"add 'city:' under campaign {name}"), path=str(path), column="city")
        city[str(name)] = str(spec["city"])
        tags[str(name)] = [str(t).strip("#") for t in spec.get("hashtags", [])]
    freq = str(data.get("freq", "D"))
    if freq not in _PANDAS_FREQ:
        raise ExportFormatError(format_message(f"{path.name}: unknown freq {freq!r}", expected=str(list(_PANDAS_FREQ)),
                                               fix="write freq: D, W or M"), path=str(path), column="freq")
    return ExposureMapping(city, tags, {str(k): [str(w) for w in v] for k, v in (data.get("city_keywords") or {}).items()},
                           freq, float(data.get("half_life", 0.0)), tuple(data.get("kinds", ("post",))),
                           dict(data.get("link") or {}))


def read_index_csv(path: str | Path, *, freq: str = "D", agg: str = "mean", half_life: float = 0.0,
                   date_column: str | None = None) -> pd.DataFrame:
    """A search-index export (date + one column per keyword) as keyword, period, value[, value_adstock]."""
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    raw.columns = [str(c).strip() for c in raw.columns]
    date_col = date_column or next((c for c in raw.columns if c.lower() in ("date", "日期", "时间", "day")), None)
    if date_col is None:
        raise ExportFormatError(format_message(
            f"{path.name}: no date column", expected="a column named date/日期/时间", found=list(raw.columns)[:6],
            fix="rename the date column or pass date_column="), path=str(path))
    rows = []
    for i, r in raw.iterrows():
        try:
            day = parse_period(r[date_col])[0]
        except (ValueError, TypeError) as err:
            raise ExportFormatError(format_message(
                f"{path.name} row {i + 2} column {date_col!r}: unreadable date", expected="e.g. 2023-04-01",
                found=r[date_col], fix="correct the date"), path=str(path), row=int(i) + 2, column=date_col) from err
        for kw in (c for c in raw.columns if c != date_col):
            try:
                rows.append({"keyword": kw, "day": day, "value": parse_value(r[kw])})
            except ValueError as err:
                raise ExportFormatError(format_message(
                    f"{path.name} row {i + 2} column {kw!r}: non-numeric index value", expected="a number",
                    found=r[kw], fix="correct the cell or leave it blank"), path=str(path), row=int(i) + 2,
                    column=kw) from err
    long = pd.DataFrame(rows)
    long["period"] = period_start(long["day"], freq)
    out = long.groupby(["keyword", "period"], as_index=False)["value"].agg(agg)
    if half_life:
        out["value_adstock"] = out.groupby("keyword")["value"].transform(lambda s: adstock(s, half_life))
    out.insert(2, "freq", freq)
    return out
