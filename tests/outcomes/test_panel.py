"""Outcome panels and policy events: layouts, period forms, values and the errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from brandlab.errors import ExportFormatError, InsufficientDataError
from brandlab.outcomes.api import estimate
from brandlab.outcomes.panel import parse_period, parse_value, read_events, read_panel, refine_freq


@pytest.fixture
def odir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "outcomes"


@pytest.mark.parametrize("text, start, freq", [
    ("2019", "2019-01-01", "A"), ("2019Q3", "2019-07-01", "Q"), ("2019-Q1", "2019-01-01", "Q"),
    ("2019年第2季度", "2019-04-01", "Q"), ("2019-03", "2019-03-01", "M"), ("2019/3", "2019-03-01", "M"),
    ("2019年3月", "2019-03-01", "M"), ("2019-W02", "2019-01-07", "W"), ("2019-03-15", "2019-03-15", "D"),
])
def test_parse_period(text: str, start: str, freq: str) -> None:
    assert parse_period(text) == (pd.Timestamp(start), freq)


@pytest.mark.parametrize("text, value", [("1,234", 1234.0), ("1.2万", 12000.0), ("3亿", 3e8), ("-2.5", -2.5)])
def test_parse_value(text: str, value: float) -> None:
    assert parse_value(text) == value


@pytest.mark.parametrize("dates, freq", [
    (["2019-01-01", "2019-02-01", "2019-03-01"], "M"), (["2019-01-01", "2019-04-01"], "Q"),
    (["2019-01-01", "2020-01-01"], "A"), (["2019-01-07", "2019-01-14", "2019-01-21"], "W"),
    (["2019-01-01", "2019-01-02"], "D"),
])
def test_refine_freq(dates: list[str], freq: str) -> None:
    assert refine_freq(pd.Series(pd.to_datetime(dates))) == freq


def test_long_file_with_quirks(odir: Path) -> None:
    p = read_panel(odir / "long_quirks.csv")
    assert len(p) == 6
    v = p.set_index(["city", "metric", "period"])["value"]
    assert v[("成都", "tourist_arrivals", pd.Timestamp("2019-01-01"))] == 1234
    assert v[("成都", "tourist_arrivals", pd.Timestamp("2019-02-01"))] == 13000
    assert pd.isna(v[("重庆", "tourist_arrivals", pd.Timestamp("2019-02-01"))])
    assert v[("重庆", "tourism_revenue", pd.Timestamp("2019-01-01"))] == 40
    assert dict(p.groupby("metric")["freq"].first()) == {"tourism_revenue": "Q", "tourist_arrivals": "M"}


def test_wide_and_by_period_layouts_agree(odir: Path) -> None:
    wide = read_panel(odir / "wide_metrics.csv")
    byp = read_panel(odir / "by_period.csv")
    key = ["city", "metric", "period"]
    a = wide[wide["metric"] == "tourist_arrivals"].sort_values(key).reset_index(drop=True)
    b = byp.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[[*key, "value", "freq"]], b[[*key, "value", "freq"]])
    assert set(wide["metric"]) == {"tourist_arrivals", "tourism_revenue"}


def test_xlsx_reads_like_csv(odir: Path, tmp_path: Path) -> None:
    pd.read_csv(odir / "wide_metrics.csv", dtype=str).to_excel(tmp_path / "w.xlsx", index=False)
    a, b = read_panel(odir / "wide_metrics.csv"), read_panel(tmp_path / "w.xlsx")
    assert a[["city", "metric", "period", "value"]].equals(b[["city", "metric", "period", "value"]])


@pytest.mark.parametrize("name, row, column, words", [
    ("duplicated_period.csv", 5, "period", ["duplicated period", "成都", "rows [3, 5]", "keep one row"]),
    ("mixed_freq.csv", 4, "period", ["mixed frequencies", "tourist_arrivals", "one frequency per metric"]),
    ("non_numeric.csv", 3, "tourist_arrivals", ["non-numeric value", "约1300", "correct the cell"]),
])
def test_errors_name_file_row_column_and_fix(odir: Path, name: str, row: int, column: str,
                                             words: list[str]) -> None:
    with pytest.raises(ExportFormatError) as exc:
        read_panel(odir / name)
    err = exc.value
    assert (err.row, err.column) == (row, column)
    msg = str(err)
    assert name in msg and f"row {row}" in msg
    for w in words:
        assert w in msg


def test_missing_donor_data_is_an_error(odir: Path) -> None:
    panel = read_panel(odir / "missing_donor.csv")
    with pytest.raises(InsufficientDataError, match=r"missing donor data.*重庆.*2019-03-01.*donors="):
        estimate(panel, metric="visits", treated="成都", treatment="2019-05", estimators=["did"])


def test_unknown_treated_city_is_an_error(odir: Path) -> None:
    panel = read_panel(odir / "missing_donor.csv")
    with pytest.raises(InsufficientDataError, match="成都市"):
        estimate(panel, metric="visits", treated="成都市", treatment="2019-05")


def test_events_yaml(odir: Path) -> None:
    ev = read_events(odir / "policy_events.yaml")
    assert list(ev["city"]) == ["西安", "成都"]
    assert list(ev["date"]) == [pd.Timestamp("2019-03-01"), pd.Timestamp("2019-04-01")]
    assert ev["kind"].tolist() == ["hukou_reform", "talent_subsidy"]


def test_events_missing_columns(tmp_path: Path) -> None:
    f = tmp_path / "ev.csv"
    f.write_text("city,when,kind\n成都,2020-01-01,x\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match=r"missing columns \['date'\]"):
        read_events(f)
