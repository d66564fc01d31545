"""Event and summit review: the three windows of an event's effect, and three red lines.

Windows, measured from the event date, each compared with the pre-event baseline (the mean over
the ``baseline_months`` before the event-shock window opens):

* ``event_shock``      3 months before to 1 month after — the event itself;
* ``brand_shock``      1 to 3 years after — whether the city's image carried the visitors on;
* ``ecosystem_shock``  3 to 10 years after — whether firms, talent and residents followed.

A window the panel does not fully cover is flagged (``covered`` False, with its coverage share),
never silently averaged over what happens to be there.

Red lines, from an event sheet (CSV/XLSX/YAML; one row per event):

* induced-spending ROI below 1:3 — ``induced_spending / public_cost`` (or a ``roi`` column) < 3;
* local-company participation below 30 % — ``local_companies / participating_companies``
  (or ``local_share``) < 0.30;
* post-event venue vacancy above 50 % — ``venue_vacancy`` > 0.50 (a share or a percentage).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.offsets import DateOffset

from brandlab.errors import ExportFormatError, InsufficientDataError, format_message
from brandlab.outcomes.panel import parse_period, parse_value

#: window name -> (start offset, end offset) from the event date
WINDOWS: dict[str, tuple[DateOffset, DateOffset]] = {
    "event_shock": (DateOffset(months=-3), DateOffset(months=1)),
    "brand_shock": (DateOffset(years=1), DateOffset(years=3)),
    "ecosystem_shock": (DateOffset(years=3), DateOffset(years=10)),
}
RED_LINES = {"roi": ("induced-spending ROI", 3.0, "below"),
             "local_share": ("local-company participation", 0.30, "below"),
             "venue_vacancy": ("post-event venue vacancy", 0.50, "above")}
_STEP = {"A": "YS", "Q": "QS", "M": "MS", "W": "W-MON", "D": "D"}


def _expected(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    first = pd.Timestamp(start).to_period({"A": "Y", "W": "W-SUN"}.get(freq, freq)).start_time.normalize()
    return pd.date_range(first, end, freq=_STEP[freq])


def summit_windows(panel: pd.DataFrame, city: str, event_date: Any, *, metrics: list[str] | None = None,
                   baseline_months: int = 12) -> pd.DataFrame:
    """Per metric and window: mean, change vs the pre-event baseline, and whether data cover it."""
    day = parse_period(event_date)[0]
    sub = panel[panel["city"] == city]
    if sub.empty:
        raise InsufficientDataError(format_message(
            f"no outcome data for {city!r}", expected=f"one of {sorted(panel['city'].unique())[:12]}",
            fix="check the city name or load its panel"))
    rows = []
    for metric in metrics or sorted(sub["metric"].unique()):
        s = sub[sub["metric"] == metric].set_index("period")["value"].sort_index()
        freq = str(sub.loc[sub["metric"] == metric, "freq"].iloc[0])
        open_ = day + WINDOWS["event_shock"][0]
        base = s[(s.index >= open_ - DateOffset(months=baseline_months)) & (s.index < open_)].dropna()
        if freq == "A" and base.empty:  # annual data: the last year before the window
            base = s[s.index < open_].dropna().tail(1)
        baseline = float(base.mean()) if len(base) else float("nan")
        for name, (a, b) in WINDOWS.items():
            start, end = day + a, day + b
            expected = _expected(start, end, freq)
            have = s[(s.index >= expected.min()) & (s.index <= end)].dropna() if len(expected) else s.iloc[:0]
            coverage = len(have) / len(expected) if len(expected) else 0.0
            mean = float(have.mean()) if len(have) else float("nan")
            notes = []
            if coverage < 1:
                notes.append(f"data cover {coverage:.0%} of the window")
            if not len(base):
                notes.append("no pre-event baseline")
            rows.append({"city": city, "metric": metric, "window": name, "start": start.normalize(),
                         "end": end.normalize(), "baseline": baseline, "mean": mean, "change": mean - baseline,
                         "change_pct": (mean - baseline) / baseline if baseline else float("nan"),
                         "coverage": coverage, "covered": coverage >= 1 and bool(len(base)),
                         "note": "; ".join(notes)})
    return pd.DataFrame(rows)


def read_event_sheet(path: str | Path) -> pd.DataFrame:
    """The summit/event sheet (CSV, XLSX or YAML list of events)."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or []
        raw = pd.DataFrame(data.get("events", data) if isinstance(data, dict) else data)
    elif path.suffix.lower() in (".xlsx", ".xls"):
        raw = pd.read_excel(path, dtype=object)
    else:
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    missing = [c for c in ("event", "city", "date") if c not in raw.columns]
    if missing:
        raise ExportFormatError(format_message(
            f"{path.name}: event sheet is missing columns {missing}", expected="event, city, date and the red-line "
            "inputs (induced_spending, public_cost, local_companies, participating_companies, venue_vacancy)",
            found=list(raw.columns)[:8], fix="add the columns"), path=str(path))
    raw.attrs["path"] = str(path)
    return raw


def _num(sheet: pd.DataFrame, row: int, col: str, *, share: bool = False) -> float:
    if col not in sheet.columns:
        return float("nan")
    v = sheet[col].iloc[row]
    text = str(v).strip() if v is not None else ""
    pct = text.endswith("%")
    try:
        x = parse_value(text[:-1] if pct else v)
    except ValueError as err:
        path = sheet.attrs.get("path", "event sheet")
        raise ExportFormatError(format_message(
            f"{Path(path).name} row {row + 2} column {col!r}: non-numeric value", expected="a number or a percentage",
            found=v, fix="correct the cell"), path=path, row=row + 2, column=col) from err
    if pct or (share and x > 1):
        x /= 100.0
    return x


def red_lines(sheet: pd.DataFrame) -> pd.DataFrame:
    """One row per event and red line: value, threshold, breached (NA where the sheet lacks inputs)."""
    rows = []
    for i in range(len(sheet)):
        roi = _num(sheet, i, "roi")
        if np.isnan(roi):
            spend, cost = _num(sheet, i, "induced_spending"), _num(sheet, i, "public_cost")
            roi = spend / cost if cost else float("nan")
        local = _num(sheet, i, "local_share", share=True)
        if np.isnan(local):
            n_local, n_all = _num(sheet, i, "local_companies"), _num(sheet, i, "participating_companies")
            local = n_local / n_all if n_all else float("nan")
        values = {"roi": roi, "local_share": local, "venue_vacancy": _num(sheet, i, "venue_vacancy", share=True)}
        need = {"roi": "induced_spending and public_cost (or roi)",
                "local_share": "local_companies and participating_companies (or local_share)",
                "venue_vacancy": "venue_vacancy"}
        for key, (label, threshold, side) in RED_LINES.items():
            v = values[key]
            breached = pd.NA if np.isnan(v) else bool(v < threshold if side == "below" else v > threshold)
            rows.append({"event": str(sheet["event"].iloc[i]), "city": str(sheet["city"].iloc[i]),
                         "date": parse_period(sheet["date"].iloc[i])[0], "red_line": key, "label": label,
                         "value": v, "threshold": threshold, "side": side, "breached": breached,
                         "note": f"not in the sheet: add {need[key]}" if np.isnan(v) else ""})
    out = pd.DataFrame(rows)
    out["breached"] = out["breached"].astype("boolean")
    return out
