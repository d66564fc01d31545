"""Campaign exposure series, from the workspace posts table or an external index CSV, with adstock.

:func:`exposure_from_posts` turns posts into one row per (city, campaign, period): posts, plays (or
reads), engagement (likes + comments + shares + collects) and share of voice against the other
cities in the mapping. A city is linked to its campaigns by ``campaign_city`` (campaign -> city);
``city_keywords`` optionally also attributes posts whose text names the city (for comparison
cities without a tagged campaign).

:func:`read_index_csv` reads a search-index export (e.g. Baidu index: a date column and one column
per keyword) into the same long shape. :func:`adstock` applies geometric carry-over:
``a_t = x_t + decay · a_{t-1}`` with ``decay = 0.5 ** (1 / half_life)`` — after ``half_life``
periods, half of a period's exposure still acts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from brandlab.config import TIMEZONE
from brandlab.errors import ExportFormatError, InsufficientDataError, format_message
from brandlab.outcomes.panel import parse_period, parse_value

_PANDAS_FREQ = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "A": "Y"}  # W-SUN: weeks Monday..Sunday
ENGAGEMENT = ("like_count", "comment_count", "share_count", "collect_count")


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


def exposure_from_posts(posts: pd.DataFrame, campaign_city: Mapping[str, str], *, freq: str = "W",
                        city_keywords: Mapping[str, Sequence[str]] | None = None, half_life: float = 0.0,
                        kinds: Sequence[str] = ("post",)) -> pd.DataFrame:
    """Exposure per city, campaign and period, with share of voice and optional adstock columns."""
    p = posts[posts["kind"].astype(str).isin(kinds)].copy()
    p["city"] = p["campaign"].map(dict(campaign_city)).astype("string")
    if city_keywords:
        text = (p.get("title", pd.Series("", index=p.index)).fillna("").astype(str) + " "
                + p["text"].fillna("").astype(str))
        for city, words in city_keywords.items():
            hit = p["city"].isna() & text.apply(lambda s, ws=tuple(words): any(w in s for w in ws))
            p.loc[hit, "city"] = city
            p.loc[hit, "campaign"] = p.loc[hit, "campaign"].fillna(f"mentions:{city}")
    p = p[p["city"].notna() & p["published_at"].notna()]
    if p.empty:
        raise InsufficientDataError(format_message(
            "no posts for the campaigns in the mapping", expected=f"posts with campaign in {list(campaign_city)[:8]}",
            fix="check the campaign names (brandlab ingest --campaign) or pass city_keywords"))
    p["period"] = period_start(p["published_at"], freq)
    p["plays"] = pd.to_numeric(p["play_count"], errors="coerce").astype(float).fillna(0.0)
    p["engagement"] = sum(pd.to_numeric(p[c], errors="coerce").astype(float).fillna(0.0) for c in ENGAGEMENT)
    p["posts"] = 1.0
    g = p.groupby(["city", "campaign", "period"], as_index=False)[["posts", "plays", "engagement"]].sum()
    g["city"], g["campaign"] = g["city"].astype(str), g["campaign"].astype(str)
    g = _complete(g, ["city", "campaign"], freq, ["posts", "plays", "engagement"])
    for col in ("posts", "engagement"):
        total = g.groupby("period")[col].transform("sum")
        g[f"sov_{col}"] = np.where(total > 0, g[col] / total.where(total > 0, 1.0), np.nan)
    if half_life:
        g = g.sort_values(["city", "campaign", "period"])
        for col in ("posts", "plays", "engagement"):
            g[f"{col}_adstock"] = g.groupby(["city", "campaign"])[col].transform(lambda s: adstock(s, half_life))
    g.insert(3, "freq", freq)
    return g.sort_values(["city", "campaign", "period"]).reset_index(drop=True)


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
