"""Exposure stored (exposure_series), aligned to outcomes, lag-correlated; index CLI; XLSX event sheets."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from brandlab.cli import main
from brandlab.errors import ExportFormatError, FitWarning, InsufficientDataError
from brandlab.outcomes.api import demo_exposure, link_exposure, store, store_exposure, workspace_exposure
from brandlab.outcomes.exposure import (
    ExposureMapping,
    exposure_from_posts,
    exposure_rows,
    index_rows,
    read_exposure_mapping,
    read_index_csv,
)
from brandlab.outcomes.linkage import align_exposure, lag_correlation, link_series, suggest_treatment
from brandlab.outcomes.panel import read_events
from brandlab.outcomes.summit import read_event_sheet, red_lines
from brandlab.workspace import Workspace

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def daily_posts(days: pd.DatetimeIndex, per_day: list[int], *, hashtag: str = "成都好young",
                platform: str = "douyin") -> pd.DataFrame:
    """``per_day[i]`` posts on ``days[i]`` (at 23:30 Shanghai time, the day's last half hour), with a hashtag."""
    rows = []
    for d, k in zip(days, per_day, strict=True):
        for j in range(k):
            rows.append({"platform": platform, "post_id": f"{d:%Y%m%d}-{j}", "kind": "post", "campaign": None,
                         "published_at": pd.Timestamp(d).tz_localize("Asia/Shanghai") + pd.Timedelta("23h30min"),
                         "text": "好玩", "hashtags": [hashtag], "play_count": 10, "like_count": 1,
                         "comment_count": 0, "share_count": 0, "collect_count": 0})
    return pd.DataFrame(rows)


def monthly_outcome(city: str, start: str, values: list[float], metric: str = "tourist_arrivals") -> pd.DataFrame:
    return pd.DataFrame({"city": city, "period": pd.date_range(start, periods=len(values), freq="MS"), "freq": "M",
                         "metric": metric, "value": values, "source": "test"})


# ------------------------------------------------------------------------------------------ storage


def test_hashtag_attribution_and_city_total() -> None:
    days = pd.date_range("2023-04-03", periods=2)
    a = daily_posts(days, [2, 1])
    both = a.iloc[[0]].assign(post_id="both", hashtags=[["成都好young", "雪山下的公园城市"]])
    other = a.iloc[[0]].assign(post_id="cq", hashtags=[["重庆"]], text="重庆火锅")
    posts = pd.concat([a, both, other], ignore_index=True)
    e = exposure_from_posts(posts, {"hy": "成都", "gy": "成都"}, freq="D", totals=True,
                            campaign_hashtags={"hy": ["成都好young"], "gy": ["雪山下的公园城市"]},
                            city_keywords={"重庆": ["重庆"]}).set_index(["city", "campaign", "period"])
    d0 = pd.Timestamp("2023-04-03")
    assert e.loc[("成都", "hy", d0), "posts"] == 3            # two plus the post with both hashtags
    assert e.loc[("成都", "gy", d0), "posts"] == 1
    assert e.loc[("成都", "all", d0), "posts"] == 3           # the shared post counts once for the city
    assert e.loc[("重庆", "mentions:重庆", d0), "posts"] == 1
    assert e.loc[("成都", "all", d0), "sov_posts"] == pytest.approx(3 / 4)   # city totals: 成都 3, 重庆 1


def test_reads_from_wechat_plays_from_video() -> None:
    days = pd.date_range("2023-04-03", periods=1)
    posts = pd.concat([daily_posts(days, [1]), daily_posts(days, [2], platform="wechat")], ignore_index=True)
    posts["post_id"] = [f"p{i}" for i in range(len(posts))]
    rows = exposure_rows(exposure_from_posts(posts, {"hy": "成都"}, freq="D",
                                             campaign_hashtags={"hy": ["成都好young"]}))
    got = rows.set_index("metric")["value"]
    assert got["plays"] == 10 and got["reads"] == 20 and got["posts"] == 3


def test_store_exposure_round_trip_and_idempotence(ws: Workspace) -> None:
    days = pd.date_range("2023-04-01", periods=20)
    posts = daily_posts(days, [i % 3 for i in range(20)])
    rows = exposure_rows(exposure_from_posts(posts, {"hy": "成都"}, freq="D", totals=True,
                                             campaign_hashtags={"hy": ["成都好young"]}), half_life=2)
    assert store_exposure(ws, rows) == {"exposure_series": len(rows)}
    first = ws.read("exposure_series").sort_values(["campaign", "metric", "period"]).reset_index(drop=True)
    store_exposure(ws, rows)
    again = ws.read("exposure_series").sort_values(["campaign", "metric", "period"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(first, again)
    expect = rows.sort_values(["campaign", "metric", "period"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(first[expect.columns], expect, check_dtype=False)
    posts_day = first[(first["metric"] == "posts") & (first["campaign"] == "all")].set_index("period")
    assert posts_day.index.min() == pd.Timestamp("2023-04-02")          # the first day with a post
    assert posts_day.loc["2023-04-03", "adstocked"] == pytest.approx(2 + 0.5 ** 0.5 * 1)   # half-life 2 days
    assert posts_day.loc["2023-04-04", "adstocked"] == pytest.approx(0 + 0.5 ** 0.5 * (2 + 0.5 ** 0.5))
    # a recomputation over a shorter range leaves no stale periods behind
    short = rows[rows["period"] < pd.Timestamp("2023-04-10")]
    store_exposure(ws, short)
    assert ws.read("exposure_series")["period"].max() == pd.Timestamp("2023-04-09")


def test_index_rows_and_unmapped_keyword(fixtures_dir: Path) -> None:
    idx = read_index_csv(fixtures_dir / "outcomes" / "baidu_index.csv", freq="W")
    rows = index_rows(idx, {"成都旅游": "成都", "重庆旅游": "重庆"}, half_life=1, source="baidu_index.csv")
    assert set(rows["metric"]) == {"search_index"} and set(rows["campaign"]) == {"成都旅游", "重庆旅游"}
    with pytest.raises(InsufficientDataError, match=r"重庆旅游.*--keyword"):
        index_rows(idx, {"成都旅游": "成都"})


def test_cli_baidu_index_into_workspace(tmp_path: Path, fixtures_dir: Path) -> None:
    wsp, out = tmp_path / "w.duckdb", tmp_path / "exposure.csv"
    args = ["-w", str(wsp), "outcomes", "exposure", "--index", str(fixtures_dir / "outcomes" / "baidu_index.csv"),
            "--keyword", "成都旅游=成都", "--keyword", "重庆旅游=重庆", "--freq", "W", "--half-life", "1",
            "--out", str(out)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "exposure_series: 4 rows" in res.output
    with Workspace(wsp, read_only=True) as ws:
        got = ws.read("exposure_series").set_index(["campaign", "period"])
    assert got.loc[("成都旅游", pd.Timestamp("2023-04-03")), "value"] == 1250
    assert got.loc[("成都旅游", pd.Timestamp("2023-04-10")), "adstocked"] == pytest.approx(900 + 625)
    assert (got["source"] == "baidu_index.csv").all() and (got["half_life"] == 1).all()
    assert len(pd.read_csv(out)) == 4
    assert CliRunner().invoke(main, args).exit_code == 0       # rerun: same rows, no duplicates
    with Workspace(wsp, read_only=True) as ws:
        assert ws.count("exposure_series") == 4


def test_cli_index_bad_cell_and_missing_keyword(tmp_path: Path, fixtures_dir: Path) -> None:
    base = ["-w", str(tmp_path / "w.duckdb"), "outcomes", "exposure", "--index"]
    res = CliRunner().invoke(main, [*base, str(fixtures_dir / "outcomes" / "baidu_index_bad.csv"),
                                    "--keyword", "成都旅游=成都"])
    assert res.exit_code != 0 and "row 3 column '成都旅游'" in res.output
    res = CliRunner().invoke(main, [*base, str(fixtures_dir / "outcomes" / "baidu_index.csv"),
                                    "--keyword", "成都旅游=成都"])
    assert res.exit_code != 0 and "重庆旅游" in res.output


# ------------------------------------------------------------------------------------ XLSX sheets


def test_xlsx_policy_events_and_event_sheet(tmp_path: Path) -> None:
    ev = tmp_path / "events.xlsx"
    pd.DataFrame({"city": ["成都", "西安"], "date": [pd.Timestamp("2023-04-01"), "2021-07"],
                  "kind": ["talent_subsidy", "hukou_reform"], "description": ["补贴", None]}).to_excel(ev, index=False)
    e = read_events(ev)
    assert e["date"].tolist() == [pd.Timestamp("2023-04-01"), pd.Timestamp("2021-07-01")]
    sheet = tmp_path / "summit.xlsx"
    pd.DataFrame({"event": ["games"], "city": ["成都"], "date": [pd.Timestamp("2023-07-28")],
                  "induced_spending": ["120亿"], "public_cost": [3e9], "local_companies": [45],
                  "participating_companies": [120], "venue_vacancy": ["35%"]}).to_excel(sheet, index=False)
    lines = red_lines(read_event_sheet(sheet)).set_index("red_line")
    assert lines.loc["roi", "value"] == pytest.approx(4.0) and not lines.loc["roi", "breached"]
    assert lines.loc["local_share", "value"] == pytest.approx(0.375)
    assert lines.loc["venue_vacancy", "value"] == pytest.approx(0.35)


def test_xlsx_event_sheet_bad_date_names_row(tmp_path: Path) -> None:
    ev = tmp_path / "events.xlsx"
    pd.DataFrame({"city": ["成都", "西安"], "date": ["2023-04-01", "去年"], "kind": ["a", "b"]}).to_excel(ev, index=False)
    with pytest.raises(ExportFormatError, match=r"events.xlsx row 3 column 'date'.*去年"):
        read_events(ev)


# -------------------------------------------------------------------------------------- alignment


@pytest.fixture
def stored_daily(ws: Workspace) -> Workspace:
    """Posts on 2023-01-15..2023-03-31: k posts on day k of each month (so sums are known by hand)."""
    days = pd.date_range("2023-01-15", "2023-03-31")
    store_exposure(ws, exposure_rows(exposure_from_posts(daily_posts(days, [d.day for d in days]), {"hy": "成都"},
                                                         freq="D", totals=True,
                                                         campaign_hashtags={"hy": ["成都好young"]})))
    return ws


def test_align_daily_posts_to_monthly_outcomes(stored_daily: Workspace) -> None:
    exposure = stored_daily.read("exposure_series")
    panel = monthly_outcome("成都", "2022-12", [1, 2, 3, 4, 5])
    a = align_exposure(exposure, panel, city="成都", metric="tourist_arrivals").set_index("period")
    assert a.loc["2023-02-01", "exposure"] == sum(range(1, 29)) and a.loc["2023-02-01", "coverage"] == 1
    assert a.loc["2023-01-01", "exposure"] == sum(range(15, 32))
    assert a.loc["2023-01-01", "coverage"] == pytest.approx(17 / 31)
    assert np.isnan(a.loc["2022-12-01", "exposure"]) and a.loc["2023-04-01", "coverage"] == 0
    assert a["outcome"].tolist() == [1, 2, 3, 4, 5] and (a["freq"] == "M").all()
    sov = align_exposure(exposure, panel, city="成都", metric="tourist_arrivals", exposure_metric="share_of_voice")
    assert sov.set_index("period").loc["2023-02-01", "exposure"] == 1.0          # a ratio is averaged, not summed


def test_align_weekly_to_monthly_and_coarser_refused(ws: Workspace) -> None:
    days = pd.date_range("2023-01-02", "2023-02-26")                 # Monday 2 Jan .. Sunday 26 Feb: 8 weeks
    rows = exposure_rows(exposure_from_posts(daily_posts(days, [1] * len(days)), {"hy": "成都"}, freq="W",
                                             totals=True, campaign_hashtags={"hy": ["成都好young"]}))
    a = align_exposure(rows, monthly_outcome("成都", "2023-01", [1, 2]), city="成都",
                       metric="tourist_arrivals").set_index("period")
    # a week belongs to the month of its Monday: January has the weeks of 2, 9, 16, 23 and 30 Jan
    assert a.loc["2023-01-01", "exposure"] == 35 and a.loc["2023-01-01", "coverage"] == 1
    # February: weeks of 6, 13 and 20 Feb stored; the week of 27 Feb is not -> 3 of 4
    assert a.loc["2023-02-01", "exposure"] == 21 and a.loc["2023-02-01", "coverage"] == pytest.approx(3 / 4)
    daily = monthly_outcome("成都", "2023-01", [1]).assign(freq="D")
    with pytest.raises(InsufficientDataError, match="coarser than the outcome"):
        align_exposure(rows, daily, city="成都", metric="tourist_arrivals")
    with pytest.raises(InsufficientDataError, match="campaign 'nope'"):
        align_exposure(rows, daily, city="成都", metric="tourist_arrivals", campaign="nope")


# -------------------------------------------------------------------------------------- linkage


def simulate_lead(seed: int, *, k: int, n: int = 72, beta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Bursty exposure x; outcome y_t = trend + beta · x_(t-k) + noise (beta = 0: no relation)."""
    rng = np.random.default_rng(seed)
    x = rng.gamma(0.7, 10, n + k)
    y = 100 + 0.5 * np.arange(n) + beta * x[:n] + rng.normal(0, 4, n)
    return x[k:], y


@pytest.mark.parametrize("k", [0, 2, 3])
def test_lag_recovered_when_exposure_leads(k: int) -> None:
    x, y = simulate_lead(11 + k, k=k)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitWarning)      # 71 periods, diff: nothing to warn about
        s = lag_correlation(x, y, max_lag=6, n_perm=999, seed=1)
    assert s.best_lag == k
    b = s.best
    assert b["lo"] > 0 and b["r"] > 0.5 and s.p_family < 0.01
    assert "not an effect" in s.statement()


def test_no_relation_interval_covers_zero() -> None:
    x, y = simulate_lead(5, k=0, beta=0.0)
    s = lag_correlation(x, y, max_lag=6, n_perm=999, seed=1)
    assert s.best["lo"] < 0 < s.best["hi"] and s.p_family > 0.05


@pytest.mark.slow
def test_no_relation_false_positive_rate() -> None:
    """Over 40 seeded no-relation series the best lag's interval excludes 0 in at most 5 (nominal 5 %: 2 expected;
    P(more than 5) is about 2 % for a calibrated interval). Also the permutation p-value."""
    runs = [lag_correlation(*simulate_lead(100 + i, k=0, beta=0.0), max_lag=6, n_perm=499, seed=i)
            for i in range(40)]
    assert sum(bool(s.best["lo"] > 0 or s.best["hi"] < 0) for s in runs) <= 5
    assert sum(s.p_family < 0.05 for s in runs) <= 5


def test_short_series_warns_and_level_warns() -> None:
    x, y = simulate_lead(1, k=1, n=12)
    with pytest.warns(FitWarning, match="only 11 periods"):
        s = lag_correlation(x, y, max_lag=3, n_perm=199)
    assert any("cannot tell a campaign" in w for w in s.warnings)
    with pytest.warns(FitWarning, match="levels correlated"):
        lag_correlation(*simulate_lead(1, k=1, n=40), transform="level", n_perm=99)
    with pytest.raises(InsufficientDataError, match="only 3"):
        lag_correlation([1, 2, 3, 4], [2, 3, 1, 5], n_perm=9)


def test_link_uses_covered_periods_and_suggests_treatment(stored_daily: Workspace) -> None:
    a = align_exposure(stored_daily.read("exposure_series"), monthly_outcome("成都", "2022-12", [1, 2, 3, 4, 5]),
                       city="成都", metric="tourist_arrivals")
    with pytest.raises(InsufficientDataError, match="only 1"):   # Feb and Mar fully covered: 1 difference
        link_series(a, n_perm=9)
    x = np.r_[np.full(6, 10.0), 40, 80, 120, 60, 30]
    aligned = pd.DataFrame({"city": "成都", "campaign": "all", "exposure_metric": "posts", "freq": "M",
                            "period": pd.date_range("2023-01", periods=11, freq="MS"), "exposure": x,
                            "exposure_adstocked": x, "coverage": 1.0})
    s = suggest_treatment(aligned)
    assert s.period == pd.Timestamp("2023-07-01") and s.peak == pd.Timestamp("2023-09-01")  # 40 >= 10 + 0.25 * 110
    assert "25%" in s.reason and "suggestion" in s.reason


def test_link_exposure_stores_aligned_and_lags(ws: Workspace) -> None:
    x, y = simulate_lead(3, k=2, n=48)
    months = pd.date_range("2019-01", periods=48, freq="MS")
    rows = pd.DataFrame({"city": "成都", "campaign": "all", "period": months, "freq": "M", "metric": "posts",
                         "value": x})
    store_exposure(ws, exposure_rows_like(rows))
    store(ws, monthly_outcome("成都", "2019-01", list(y)))
    link = link_exposure(ws, city="成都", metric="tourist_arrivals", max_lag=4, n_perm=499)
    assert link.summary is not None and link.summary.best_lag == 2
    lags = ws.read("exposure_lags").sort_values("lag")
    assert lags["lag"].tolist() == [0, 1, 2, 3, 4] and lags["best"].tolist() == [False, False, True, False, False]
    assert ws.count("exposure_outcome") == 48
    link_exposure(ws, city="成都", metric="tourist_arrivals", max_lag=2, n_perm=99)   # replaces, no stale lags
    assert ws.read("exposure_lags")["lag"].max() == 2 and ws.count("exposure_outcome") == 48


def exposure_rows_like(rows: pd.DataFrame) -> pd.DataFrame:
    """exposure_series rows from a hand-made long frame (no adstock)."""
    from brandlab.outcomes.exposure import _long_rows

    return _long_rows(rows, 0.0, "test")


def test_cli_link_prints_summary_and_suggestion(tmp_path: Path) -> None:
    wsp = tmp_path / "w.duckdb"
    x, y = simulate_lead(4, k=1, n=36)
    with Workspace(wsp) as ws:
        store_exposure(ws, exposure_rows_like(pd.DataFrame({
            "city": "成都", "campaign": "all", "period": pd.date_range("2020-01", periods=36, freq="MS"), "freq": "M",
            "metric": "posts", "value": x})))
    panel = tmp_path / "panel.csv"
    monthly_outcome("成都", "2020-01", list(y)).assign(period=lambda d: d["period"].dt.strftime("%Y-%m")).to_csv(
        panel, index=False)
    res = CliRunner().invoke(main, ["-w", str(wsp), "outcomes", "link", str(panel), "--city", "成都", "--metric",
                                    "tourist_arrivals", "--max-lag", "3", "--n-perm", "199", "--suggest-treatment"])
    assert res.exit_code == 0, res.output
    assert "Largest association at lag 1" in res.output and "not an effect" in res.output
    assert "suggested treatment: " in res.output and "exposure_lags: 4 rows" in res.output


# ----------------------------------------------------------------------------------------- demo


def test_demo_mapping_matches_campaigns_yaml() -> None:
    m = read_exposure_mapping(DEMO / "outcomes" / "exposure_mapping.yaml")
    cfg = yaml.safe_load((DEMO / "campaigns.yaml").read_text(encoding="utf-8"))
    assert {c["name"]: [c["hashtag"]] for c in cfg["campaigns"]} == m.campaign_hashtags
    assert set(m.campaign_city.values()) == {cfg["city"]}


def test_demo_exposure_on_small_workspace(ws: Workspace, tmp_path: Path) -> None:
    """demo_exposure from posts carrying the demo hashtags: stored, linked, warned about few months."""
    days = pd.date_range("2023-01-01", "2023-09-30")
    per_day = [(1 if d.month < 4 else 3) for d in days]
    posts = daily_posts(days, per_day)
    posts.loc[posts.index % 4 == 0, "hashtags"] = pd.Series([["雪山下的公园城市"]] * len(posts)).loc[
        posts.index % 4 == 0]
    ws.upsert(posts, "posts")
    store(ws, monthly_outcome("成都", "2022-01", list(np.linspace(100, 200, 24))))
    written = demo_exposure(ws, DEMO, seed=0)
    assert written["exposure_series"] > 0 and written["exposure_outcome"] == 24
    lags = ws.read("exposure_lags")
    assert len(lags) == 4 and all(any("only 8 periods" in w for w in ws_) for ws_ in lags["warnings"])
    assert set(ws.read("exposure_series")["campaign"]) == {"haoyoung", "gongyuan", "all"}
    assert demo_exposure(ws, DEMO, seed=0) == written     # idempotent


def test_cli_exposure_mapping_from_workspace(tmp_path: Path) -> None:
    wsp = tmp_path / "w.duckdb"
    with Workspace(wsp) as ws:
        ws.upsert(daily_posts(pd.date_range("2023-04-03", periods=14), [1] * 14), "posts")
    res = CliRunner().invoke(main, ["-w", str(wsp), "outcomes", "exposure", "--mapping",
                                    str(DEMO / "outcomes" / "exposure_mapping.yaml"), "--freq", "W"])
    assert res.exit_code == 0, res.output
    assert "成都 / all: 2 periods (W), engagement 14, plays 140, posts 14" in res.output
    with Workspace(wsp, read_only=True) as ws:
        got = ws.read("exposure_series")
    assert set(got["freq"]) == {"W"} and (got["half_life"] == 7).all()


def test_mapping_errors(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text("campaigns:\n  hy: {hashtags: [x]}\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match="campaign 'hy' has no city"):
        read_exposure_mapping(f)
    with pytest.raises(InsufficientDataError, match="no posts for the campaigns"):
        workspace_exposure(Workspace(), ExposureMapping({"hy": "成都"}))


@pytest.mark.slow
def test_demo_workspace_has_exposure(demo_workspace: Path) -> None:
    # not read_only: app tests in this process may hold the same file open read-write, and DuckDB
    # refuses a second connection to one file with a different configuration
    with Workspace(demo_workspace) as ws:
        assert ws.count("exposure_series") > 0
        link = ws.read("exposure_outcome", where="outcome_metric = 'tourist_arrivals' AND exposure IS NOT NULL")
    assert len(link) >= 9 and (link["city"] == "成都").all()
