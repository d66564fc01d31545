"""Outcome panels and policy events: read CSV/XLSX/YAML into the OutcomePanel and PolicyEvent tables.

Three layouts are recognised, by their header:

* long      ``city, period, metric, value[, source][, freq]`` — one number per row;
* wide      ``city, period, <metric>, <metric>, ...`` — one column per metric;
* by period ``city[, metric], <period>, <period>, ...`` — one column per period (pass ``metric=``
  when the file has no metric column).

Periods may be written ``2019``, ``2019Q1``/``2019-Q1``/``2019年第1季度``, ``2019-01``/``2019/1``/
``2019年1月``, ``2019-W05`` or as full dates; a period becomes its start date plus a frequency
(A/Q/M/W/D). Full dates are refined per metric: month starts a month or more apart are monthly,
and so on. Values accept thousands separators and the 万/亿 suffixes.

Every problem is reported with file, row (spreadsheet row, header = row 1), column and a fix:
non-numeric values, unreadable periods, duplicated periods, mixed frequencies within a metric.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brandlab.errors import ExportFormatError, format_message
from brandlab.schema import OUTCOME_PANEL, POLICY_EVENT, validate

_YEAR = re.compile(r"^(\d{4})(?:\.0)?$")
_QUARTER = re.compile(r"^(\d{4})\s*(?:[-_ ]?[Qq]|年第?)\s*([1-4])(?:季度)?$")
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_UNITS = {"万": 1e4, "亿": 1e8}


def parse_period(value: Any) -> tuple[pd.Timestamp, str]:
    """A period's start date and frequency; ``ValueError`` when unreadable."""
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year") and hasattr(value, "month"):
        return pd.Timestamp(value).normalize(), "D"
    text = str(value).strip()
    if m := _YEAR.match(text):
        return pd.Timestamp(int(m[1]), 1, 1), "A"
    if m := _QUARTER.match(text):
        return pd.Timestamp(int(m[1]), 3 * int(m[2]) - 2, 1), "Q"
    if m := _MONTH.match(text):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} out of range")
        return pd.Timestamp(int(m[1]), month, 1), "M"
    if m := _WEEK.match(text):
        return pd.Timestamp.fromisocalendar(int(m[1]), int(m[2]), 1), "W"
    ts = pd.to_datetime(text, errors="raise")
    if isinstance(ts, pd.Timestamp) and ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return pd.Timestamp(ts).normalize(), "D"


def parse_value(value: Any) -> float:
    """A number from a cell: ``1,234``, ``1.2万``, ``3亿``, blanks are NaN; ``ValueError`` otherwise."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return float("nan")
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    if text in ("", "-", "—", "NA", "NaN", "nan"):
        return float("nan")
    scale = 1.0
    if text and text[-1] in _UNITS:
        scale, text = _UNITS[text[-1]], text[:-1]
    if not _NUMBER.match(text):
        raise ValueError(f"not a number: {value!r}")
    return float(text) * scale


def refine_freq(dates: pd.Series) -> str:
    """The frequency of a metric's full dates: A, Q, M, W or D from their spacing and alignment."""
    d = pd.Series(sorted(pd.to_datetime(dates).unique()))
    if len(d) < 2:
        return "D"
    gaps = d.diff().dropna().dt.days
    if (d.dt.day == 1).all():
        if (d.dt.month == 1).all() and gaps.min() >= 365:
            return "A"
        if d.dt.month.isin([1, 4, 7, 10]).all() and gaps.min() >= 89:
            return "Q"
        if gaps.min() >= 28:
            return "M"
    if (gaps % 7 == 0).all() and d.dt.day_of_week.nunique() == 1:
        return "W"
    return "D"


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(f"outcome file {str(path)!r} does not exist")
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype=object)
    return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)


def _fail(path: Path, row: int | None, column: str | None, what: str, expected: str, found: Any,
          fix: str) -> ExportFormatError:
    where = f"{path.name}" + (f" row {row}" if row is not None else "") + (f" column {column!r}" if column else "")
    return ExportFormatError(format_message(f"{where}: {what}", expected=expected, found=found, fix=fix),
                             path=str(path), row=row, column=column)


def _melt(raw: pd.DataFrame, path: Path, metric: str | None) -> pd.DataFrame:
    """Bring any of the three layouts to long form with a ``src_row`` (spreadsheet row) and ``src_col``."""
    raw = raw.rename(columns=lambda c: str(c).strip())
    raw["src_row"] = np.arange(len(raw)) + 2
    cols = [c for c in raw.columns if c != "src_row"]
    if "city" not in cols:
        raise _fail(path, None, None, "no 'city' column", "a header with city and period (or period columns)",
                    cols[:8], "rename the city column to 'city'")
    if {"period", "metric", "value"} <= set(cols):
        long = raw.assign(src_col="value")
    elif "period" in cols:
        metrics = [c for c in cols if c not in ("city", "period", "source", "freq")]
        long = raw.melt(id_vars=["city", "period", "src_row", *[c for c in ("source",) if c in cols]],
                        value_vars=metrics, var_name="metric", value_name="value")
        long["src_col"] = long["metric"]
    else:
        period_cols = []
        for c in cols:
            try:
                parse_period(c)
                period_cols.append(c)
            except (ValueError, TypeError):
                pass
        if not period_cols:
            raise _fail(path, None, None, "cannot tell the layout", "long (city, period, metric, value), wide "
                        "(city, period, <metrics>) or by period (city, metric, <periods>)", cols[:8],
                        "rename the columns to one of these layouts")
        ids = ["city", "src_row", *[c for c in ("metric", "source") if c in cols]]
        if "metric" not in cols:
            if metric is None:
                raise _fail(path, None, None, "period columns but no 'metric' column", "a metric column or "
                            "metric=... (--metric-name)", cols[:8], "add a metric column or pass metric=")
            raw = raw.assign(metric=metric)
            ids.append("metric")
        long = raw.melt(id_vars=ids, value_vars=period_cols, var_name="period", value_name="value")
        long["src_col"] = long["period"]
    if "source" not in long.columns:
        long["source"] = path.name
    return long


def parse_panel(raw: pd.DataFrame, path: Path, *, metric: str | None = None, freq: str | None = None,
                source: str | None = None) -> pd.DataFrame:
    """Normalise a raw frame read from ``path`` to a validated OutcomePanel table."""
    long = _melt(raw, path, metric)
    starts, freqs, values = [], [], []
    for r in long.itertuples(index=False):
        col = "period" if r.src_col == "value" or r.src_col == r.metric else r.src_col
        try:
            start, f = parse_period(r.period)
        except (ValueError, TypeError) as err:
            raise _fail(path, r.src_row, col, "unreadable period", "2019, 2019Q1, 2019-01, 2019-W05 or a date",
                        r.period, "write periods in one of these forms") from err
        try:
            v = parse_value(r.value)
        except ValueError as err:
            raise _fail(path, r.src_row, str(r.src_col), "non-numeric value",
                        "a number such as 1234, 1,234 or 1.2万", r.value,
                        "correct the cell or leave it blank for a missing value") from err
        starts.append(start)
        freqs.append(f)
        values.append(v)
    long = long.assign(period=starts, freq=freqs, value=values)
    long["city"] = long["city"].astype(str).str.strip()
    long["metric"] = long["metric"].astype(str).str.strip()
    if freq is not None:
        long["freq"] = freq
    else:
        for _, g in long.groupby("metric"):
            if (g["freq"] == "D").all():
                long.loc[g.index, "freq"] = refine_freq(g["period"])
    mixed = long.groupby("metric")["freq"].nunique()
    for m in mixed[mixed > 1].index:
        g = long[long["metric"] == m]
        ex = g.drop_duplicates("freq")[["src_row", "freq", "period"]].values.tolist()
        raise _fail(path, int(ex[1][0]), "period", f"mixed frequencies within metric {m!r}",
                    "one frequency per metric", f"{[(f, str(p.date())) for _, f, p in ex]} at rows "
                    f"{[int(r) for r, _, _ in ex]}", "split the metric by frequency or aggregate it to one frequency")
    dup = long.duplicated(["city", "metric", "period"], keep=False)
    if dup.any():
        d = long[dup].sort_values(["city", "metric", "period", "src_row"])
        first = d.iloc[0]
        rows = d[(d["city"] == first["city"]) & (d["metric"] == first["metric"])
                 & (d["period"] == first["period"])]["src_row"].astype(int).tolist()
        raise _fail(path, rows[1], "period", f"duplicated period for {first['city']} / {first['metric']}",
                    "one value per city, metric and period",
                    f"{str(first['period'].date())} at rows {rows} ({int(dup.sum())} duplicated rows in all)",
                    "keep one row per period (or give the series different metric names)")
    if source is not None:
        long["source"] = source
    out = long[["city", "period", "freq", "metric", "value", "source"]].reset_index(drop=True)
    return validate(out, OUTCOME_PANEL)


def read_panel(path: str | Path, *, metric: str | None = None, freq: str | None = None) -> pd.DataFrame:
    """Read an outcome panel file (CSV/XLSX; long, wide or by-period; or the census CSV)."""
    path = Path(path)
    raw = _read_table(path)
    if "popu_2010" in raw.columns and "popu_2020" in raw.columns:
        return read_census(path, raw=raw)
    return parse_panel(raw, path, metric=metric, freq=freq)


#: census columns read by :func:`read_census`: metric name -> column stem
CENSUS_METRICS = {"resident_population": "popu", "urban_population": "popu_urban",
                  "rural_population": "popu_rural", "share_age_15_59": "age_15_59", "share_age_60": "age_60"}


def read_census(path: str | Path, *, raw: pd.DataFrame | None = None) -> pd.DataFrame:
    """The 2010/2020 census city file as a two-point annual panel (city names without the 市 suffix)."""
    path = Path(path)
    raw = _read_table(path) if raw is None else raw
    rows = []
    for metric, stem in CENSUS_METRICS.items():
        for year in (2010, 2020):
            col = f"{stem}_{year}"
            if col not in raw.columns:
                continue
            for i, (city, v) in enumerate(zip(raw["city"], raw[col], strict=True)):
                try:
                    value = parse_value(v)
                except ValueError as err:
                    raise _fail(path, i + 2, col, "non-numeric value", "a number", v, "correct the cell") from err
                rows.append({"city": re.sub(r"市$", "", str(city).strip()), "period": pd.Timestamp(year, 1, 1),
                             "freq": "A", "metric": metric, "value": value, "source": f"census {year} ({path.name})"})
    out = pd.DataFrame(rows).drop_duplicates(["city", "metric", "period"], keep="first")
    return validate(out, OUTCOME_PANEL)


def read_events(path: str | Path) -> pd.DataFrame:
    """A policy-event sheet (CSV/XLSX/YAML list) with city, date, kind[, description, source]."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or []
        raw = pd.DataFrame(data.get("events", data) if isinstance(data, dict) else data).astype(object)
    else:
        raw = _read_table(path)
    missing = [c for c in ("city", "date", "kind") if c not in raw.columns]
    if missing:
        raise _fail(path, None, None, f"missing columns {missing}", "city, date, kind[, description, source]",
                    list(raw.columns)[:8], "add the columns to the event sheet")
    dates = []
    for i, v in enumerate(raw["date"]):
        try:
            dates.append(parse_period(v)[0])
        except (ValueError, TypeError) as err:
            raise _fail(path, i + 2, "date", "unreadable date", "a date such as 2023-04-01 or 2023-04", v,
                        "correct the date") from err
    out = pd.DataFrame({"city": raw["city"].astype(str).str.strip(), "date": dates,
                        "kind": raw["kind"].astype(str).str.strip(),
                        "description": raw["description"].astype("string") if "description" in raw else pd.NA,
                        "source": raw["source"].astype("string") if "source" in raw else path.name})
    return validate(out, POLICY_EVENT)


def panel_wide(panel: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric as a periods x cities frame (NaN where a city lacks a period)."""
    sub = panel[panel["metric"] == metric]
    return sub.pivot_table(index="period", columns="city", values="value", aggfunc="first", dropna=False).sort_index()
