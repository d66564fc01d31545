"""Summit windows and red lines; exposure series and adstock."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brandlab.errors import ExportFormatError
from brandlab.outcomes.exposure import adstock, exposure_from_posts, read_index_csv
from brandlab.outcomes.summit import read_event_sheet, red_lines, summit_windows


def monthly_panel(values: list[float], start: str = "2018-01") -> pd.DataFrame:
    periods = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"city": "成都", "period": periods, "freq": "M", "metric": "visits", "value": values,
                         "source": "test"})


def test_summit_windows_by_hand() -> None:
    # 2018-01..2021-12 (48 months): 10 until 2019-12, 30 from 2020-01 (event month 2020-03)
    panel = monthly_panel([10.0] * 24 + [30.0] * 24)
    w = summit_windows(panel, "成都", "2020-03-15").set_index("window")
    # baseline: the 12 months before 2019-12-15 -> 2018-12..2019-11, all 10
    assert (w["baseline"] == 10).all()
    ev = w.loc["event_shock"]        # 2019-12..2020-04: one 10 and four 30s
    assert ev["mean"] == pytest.approx((10 + 4 * 30) / 5) and ev["covered"]
    br = w.loc["brand_shock"]        # 2021-03..2023-03: only 2021-03..2021-12 present
    assert not br["covered"] and br["coverage"] == pytest.approx(10 / 25) and "cover 40%" in br["note"]
    assert w.loc["ecosystem_shock", "coverage"] == 0 and np.isnan(w.loc["ecosystem_shock", "mean"])


@pytest.mark.parametrize("row, breached", [
    ({"induced_spending": 2.9, "public_cost": 1, "local_companies": 30, "participating_companies": 100,
      "venue_vacancy": "50%"}, {"roi": True, "local_share": False, "venue_vacancy": False}),
    ({"roi": 3.0, "local_share": "29%", "venue_vacancy": 0.51}, {"roi": False, "local_share": True,
                                                                 "venue_vacancy": True}),
])
def test_red_lines_thresholds(row: dict, breached: dict) -> None:
    sheet = pd.DataFrame([{"event": "e", "city": "成都", "date": "2023-07-01", **row}])
    out = red_lines(sheet).set_index("red_line")["breached"]
    assert out.to_dict() == breached


def test_red_lines_missing_inputs_are_na(tmp_path: Path) -> None:
    f = tmp_path / "sheet.yaml"
    f.write_text("- {event: expo, city: 成都, date: 2021-05-01, venue_vacancy: 0.7}\n", encoding="utf-8")
    out = red_lines(read_event_sheet(f)).set_index("red_line")
    assert out.loc["venue_vacancy", "breached"]
    assert pd.isna(out.loc["roi", "breached"]) and "induced_spending" in out.loc["roi", "note"]


def test_adstock_half_life() -> None:
    a = adstock([1, 0, 0, 0, 0], half_life=2)
    assert a[2] == pytest.approx(0.5) and a[4] == pytest.approx(0.25)
    assert adstock([1, 2, 3], 0).tolist() == [1, 2, 3]
    assert adstock([1, 1, 1], 1).tolist() == [1, 1.5, 1.75]
    with pytest.raises(ValueError):
        adstock([1], -1)


def test_exposure_from_posts() -> None:
    t = pd.to_datetime(["2023-04-03 10:00", "2023-04-04 23:30", "2023-04-05 09:00", "2023-04-12 12:00",
                        "2023-04-05 12:00"]).tz_localize("Asia/Shanghai")
    posts = pd.DataFrame({
        "kind": ["post", "post", "post", "post", "comment"], "campaign": ["cd", "cd", "cq", "cd", "cd"],
        "published_at": t, "text": ["", "", "", "", ""], "play_count": [100, 50, 10, None, 999],
        "like_count": [1, 2, 3, 4, 5], "comment_count": [0, 1, 0, 0, 0], "share_count": [1, 0, 0, 0, 0],
        "collect_count": [0, 0, 1, 0, 0]})
    e = exposure_from_posts(posts, {"cd": "成都", "cq": "重庆"}, freq="W", half_life=1).set_index(["city", "period"])
    wk1, wk2 = pd.Timestamp("2023-04-03"), pd.Timestamp("2023-04-10")
    assert e.loc[("成都", wk1), ["posts", "plays", "engagement"]].tolist() == [2, 150, 5]
    assert e.loc[("重庆", wk2), "posts"] == 0            # filled week without posts
    assert e.loc[("成都", wk1), "sov_posts"] == pytest.approx(2 / 3)
    assert e.loc[("成都", wk2), "sov_posts"] == 1.0
    assert e.loc[("成都", wk2), "posts_adstock"] == pytest.approx(1 + 0.5 * 2)


def test_read_index_csv(fixtures_dir: Path) -> None:
    d = read_index_csv(fixtures_dir / "outcomes" / "baidu_index.csv", freq="W", half_life=1).set_index(
        ["keyword", "period"])
    assert d.loc[("成都旅游", pd.Timestamp("2023-04-03")), "value"] == 1250
    assert d.loc[("重庆旅游", pd.Timestamp("2023-04-03")), "value"] == 900      # blank cell skipped
    assert d.loc[("成都旅游", pd.Timestamp("2023-04-10")), "value_adstock"] == pytest.approx(900 + 625)


def test_read_index_csv_bad_cell(fixtures_dir: Path) -> None:
    with pytest.raises(ExportFormatError, match=r"row 3 column '成都旅游'.*很多"):
        read_index_csv(fixtures_dir / "outcomes" / "baidu_index_bad.csv")
