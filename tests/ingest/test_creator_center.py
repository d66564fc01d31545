"""Douyin / Xiaohongshu creator-centre adapters and the audience portrait, on fixtures and the real sample."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from brandlab.errors import ExportFormatError
from brandlab.ingest import detect, ingest_file
from brandlab.ingest.base import ReadContext
from brandlab.ingest.creator_center import DouyinAudiencePortrait, douyin_hashtags
from brandlab.ingest.generic import synth_id

TZ = "Asia/Shanghai"
SAMPLE = "douyin_creator_center_daily.xlsx"


@pytest.fixture
def cc(fixtures_dir: Path) -> Path:
    return fixtures_dir / "exports" / "creator_center"


def _by_title(ws, title: str) -> pd.Series:
    df = ws.read("posts", where="title = ?", params=[title])
    assert len(df) == 1, title
    return df.iloc[0]


def _metrics(ws, post_id: str) -> dict[str, float]:
    m = ws.read("post_metrics", where="post_id = ?", params=[post_id])
    return dict(zip(m["metric"], m["value"], strict=True))


def _counts(ws) -> dict[str, int]:
    return {t: ws.count(t) for t in ("posts", "authors", "post_metrics", "audience_segments", "quarantine")}


@pytest.mark.parametrize("rel, fmt", [
    ("douyin/data.xlsx", "douyin-creator.posts"),
    ("douyin/touga_list_2025-03-10.csv", "douyin-creator.posts"),
    ("douyin/portrait_2025-03-10.json", "douyin-creator.portrait"),
    ("xhs/笔记列表明细表_2025-03-31.xlsx", "xhs-creator.notes"),
])
def test_detects_creator_formats(cc: Path, rel: str, fmt: str) -> None:
    assert detect(cc / rel).name == fmt


def test_douyin_hashtags() -> None:
    assert douyin_hashtags("山城夜景 #遇见山城 #重庆旅游") == ["遇见山城", "重庆旅游"]
    assert douyin_hashtags(None) == []


def test_douyin_export_serial_dates_rates_and_quarantine(ws, cc: Path) -> None:
    path = cc / "douyin/data.xlsx"
    cells = list(openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    report = ingest_file(ws, path)
    assert report.tables["posts"].read == 4 and report.tables["posts"].quarantined == 1
    first = _by_title(ws, cells[0][0])
    assert first["published_at"] == pd.Timestamp("2025-03-04 15:00:00", tz=TZ)   # Excel serial 45720.625
    assert first["play_count"] == cells[0][4] and first["like_count"] == cells[0][10]
    assert first["hashtags"] == ["遇见山城", "重庆旅游"] and first["platform"] == "douyin"
    assert first["post_id"] == synth_id("douyin", cells[0][0], first["published_at"].isoformat())
    assert _by_title(ws, cells[1][0])["published_at"] == pd.Timestamp("2025-03-05 20:00:00", tz=TZ)  # a date cell
    m = _metrics(ws, first["post_id"])
    assert m["plays"] == cells[0][4] and m["completion_rate"] == pytest.approx(cells[0][5])
    assert "cover_ctr" not in m                                   # '-' = unavailable, not zero
    q = ws.read("quarantine")
    assert q["column"].tolist() == ["发布时间"] and "needs an anchor" in q["reason"].iloc[0]


def test_douyin_relative_time_anchored_by_as_of(ws, cc: Path) -> None:
    report = ingest_file(ws, cc / "douyin/data.xlsx", as_of="2025-03-10 12:00")
    assert report.tables["posts"].quarantined == 0
    assert _by_title(ws, "昨天发的一条")["published_at"] == pd.Timestamp("2025-03-09 18:00", tz=TZ)


def test_douyin_gb18030_hand_saved_csv(ws, cc: Path) -> None:
    raw = (cc / "douyin/touga_list_2025-03-10.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    ingest_file(ws, cc / "douyin/touga_list_2025-03-10.csv")
    p = _by_title(ws, "山城夜景一分钟 #遇见山城 #重庆旅游")
    assert (p["play_count"], p["like_count"]) == (15000, 1200)   # '1.5w'
    assert p["published_at"] == pd.Timestamp("2025-03-04 12:00", tz=TZ)
    m = ws.read("post_metrics", where="metric = 'plays'")
    assert m["date"].tolist() == [pd.Timestamp("2025-03-10")]   # crawl date from the file name


def test_audience_portrait(ws, cc: Path) -> None:
    report = ingest_file(ws, cc / "douyin/portrait_2025-03-10.json")
    assert report.tables["audience_segments"].quarantined == 1   # 广东 share 1.7
    seg = ws.read("audience_segments")
    assert set(seg["scope"]) == {"post"} and set(seg["scope_id"]) == {"7400000000000000001"}
    shares = {(d, b): s for d, b, s in zip(seg["dimension"], seg["bucket"], seg["share"], strict=True)}
    assert shares[("age", "<18")] == 0.05 and shares[("age", "50+")] == 0.04
    assert shares[("gender", "f")] == 0.58 and shares[("region", "重庆")] == 0.36
    age = seg[seg["dimension"] == "age"]["share"].sum()
    assert age == pytest.approx(1.0)


def test_portrait_without_id_is_scoped_to_the_account_named_by_the_file() -> None:
    doc = {"gender": {"ratio_list": [{"key": "male", "value": 0.5}, {"key": "female", "value": 0.5}]}}
    parsed = DouyinAudiencePortrait().parse(doc, ReadContext("acct_1000000001.json"))
    seg = parsed.tables["audience_segments"]
    assert set(seg["scope"]) == {"account"} and set(seg["scope_id"]) == {"acct_1000000001"}


def test_xhs_notes_title_row_and_chinese_dates(ws, cc: Path) -> None:
    report = ingest_file(ws, cc / "xhs/笔记列表明细表_2025-03-31.xlsx")
    assert report.tables["posts"].quarantined == 1               # 2025年13月40日
    p = _by_title(ws, "山城春日citywalk路线")
    assert p["platform"] == "xhs"
    assert p["published_at"] == pd.Timestamp("2025-03-04 18:30:00", tz=TZ)
    assert (p["play_count"], p["like_count"], p["collect_count"], p["comment_count"]) == (12000, 860, 1020, 45)
    m = _metrics(ws, p["post_id"])
    assert m["impressions"] == 32000 and m["cover_ctr"] == pytest.approx(0.085)
    assert ws.read("post_metrics")["date"].unique().tolist() == [pd.Timestamp("2025-03-31")]


def test_missing_required_column(tmp_path: Path, ws) -> None:
    p = tmp_path / "data.csv"
    p.write_text("作品名称,体裁,播放量\nx,图文,1\n", encoding="utf-8-sig")
    with pytest.raises(ExportFormatError) as err:
        ingest_file(ws, p, fmt="douyin-creator.posts")
    assert "data.csv" in str(err.value) and "发布时间" in str(err.value) and "--format generic" in str(err.value)
    assert ws.count("posts") == 0


@pytest.mark.parametrize("rel", ["douyin/data.xlsx", "douyin/touga_list_2025-03-10.csv",
                                 "douyin/portrait_2025-03-10.json", "xhs/笔记列表明细表_2025-03-31.xlsx"])
def test_reingest_changes_nothing(ws, cc: Path, rel: str) -> None:
    ingest_file(ws, cc / rel)
    first = _counts(ws)
    ingest_file(ws, cc / rel)
    assert _counts(ws) == first


@pytest.mark.samples
def test_real_douyin_creator_sample(ws, samples_dir: Path) -> None:
    src = samples_dir / SAMPLE
    assert detect(src).name == "douyin-creator.posts"
    report = ingest_file(ws, src)
    assert report.tables["posts"].read == 233 and report.tables["posts"].quarantined == 0
    title = "欢迎收看拍摄现场：专业团队在线吃瓜 #婚纱照花絮 #我们拍婚纱了 #旅拍 #铂爵旅拍婚纱照"
    p = _by_title(ws, title)
    assert p["published_at"] == pd.Timestamp("2025-03-17 18:18:33", tz=TZ)   # serial 45733.76288194444
    assert p["hashtags"] == ["婚纱照花絮", "我们拍婚纱了", "旅拍", "铂爵旅拍婚纱照"]
    assert pd.isna(p["play_count"])          # a dated (per-day) sheet: figures go to post_metrics only
    m = ws.read("post_metrics", where="post_id = ?", params=[p["post_id"]])
    assert set(m["date"]) == {pd.Timestamp("2025-03-17")}
    vals = dict(zip(m["metric"], m["value"], strict=True))
    assert vals["plays"] == 324 and vals["likes"] == 2
    assert vals["completion_rate"] == pytest.approx(0.019293) and vals["avg_watch_seconds"] == pytest.approx(4.179104)
    assert "cover_ctr" not in vals
    n = _counts(ws)
    ingest_file(ws, src)
    assert _counts(ws) == n
