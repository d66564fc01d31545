"""WeChat official-account article statistics: monitoring sheets, mp backend sheets, datacube JSON."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from brandlab.errors import ExportFormatError
from brandlab.ingest import detect, ingest_file
from brandlab.ingest.base import ReadContext
from brandlab.ingest.wechat import WechatDatacube, article_ids

TZ = "Asia/Shanghai"


@pytest.fixture
def wx(fixtures_dir: Path) -> Path:
    return fixtures_dir / "exports" / "wechat"


def _post(ws, post_id: str) -> pd.Series:
    df = ws.read("posts", where="platform = 'wechat' AND post_id = ?", params=[post_id])
    assert len(df) == 1, post_id
    return df.iloc[0]


@pytest.mark.parametrize("url, expected", [
    ("https://mp.weixin.qq.com/s?__biz=MzA5&mid=2650000001&idx=2&sn=ab", ("2650000001_2", "MzA5")),
    ("https://mp.weixin.qq.com/s/AbCdEf123", ("AbCdEf123", None)),
    ("https://example.com/a", (None, None)),
    (None, (None, None)),
])
def test_article_ids(url: str | None, expected: tuple[str | None, str | None]) -> None:
    assert article_ids(url) == expected


@pytest.mark.parametrize("name, fmt", [
    ("article_monitor_2025-04-20.csv", "wechat.article-stats"),
    ("mp_backend_2025-04-20.xlsx", "wechat.article-stats"),
    ("getarticletotal_2025-03-04.json", "wechat.datacube"),
])
def test_detects_wechat_formats(wx: Path, name: str, fmt: str) -> None:
    assert detect(wx / name).name == fmt


def test_monitor_sheet_capped_reads(ws, wx: Path) -> None:
    ingest_file(ws, wx / "article_monitor_2025-04-20.csv")
    p = _post(ws, "2650000001_1")
    assert (p["play_count"], bool(p["counts_capped"]), p["like_count"]) == (100_000, True, 1520)
    assert (p["author_id"], p["author_name"]) == ("MzA5000000001", "山城文旅示例号")
    assert p["published_at"] == pd.Timestamp("2025-03-03 20:00", tz=TZ)
    short = _post(ws, "AbCdEf123")
    assert (short["play_count"], bool(short["counts_capped"]), pd.isna(short["like_count"])) == (11_000, False, True)
    m = ws.read("post_metrics", where="post_id = '2650000001_1'")
    assert dict(zip(m["metric"], m["value"], strict=True)) == {"reads": 100_000, "likes": 1520, "wow": 430}
    assert set(m["date"]) == {pd.Timestamp("2025-04-20")}


def test_backend_sheet_without_links_uses_stable_ids(ws, wx: Path) -> None:
    ingest_file(ws, wx / "mp_backend_2025-04-20.xlsx")
    posts = ws.read("posts").set_index("title")
    p = posts.loc["三月山城赏花地图"]
    assert (p["play_count"], p["share_count"], p["collect_count"]) == (120500, 4200, 950)
    assert p["published_at"] == pd.Timestamp("2025-03-03", tz=TZ)
    m = ws.read("post_metrics", where="post_id = ?", params=[p["post_id"]])
    vals = dict(zip(m["metric"], m["value"], strict=True))
    assert vals["delivered"] == 250000 and vals["read_users"] == 98000 and vals["reads"] == 120500


def test_datacube_daily_details(ws, wx: Path) -> None:
    ingest_file(ws, wx / "getarticletotal_2025-03-04.json")
    p = _post(ws, "2650000001_1")
    assert p["title"] == "三月山城赏花地图"
    m = ws.read("post_metrics", where="metric = 'reads'").sort_values("date")
    assert m["date"].tolist() == [pd.Timestamp("2025-03-03"), pd.Timestamp("2025-03-04")]
    assert m["value"].tolist() == [71000, 120500]


def test_datacube_article_without_msgid_is_quarantined() -> None:
    parsed = WechatDatacube().parse({"list": [{"title": "x"}, {"msgid": "1_1", "title": "y"}]}, ReadContext("c.json"))
    assert parsed.tables["posts"]["post_id"].tolist() == ["1_1"]
    q = parsed.quarantine
    assert q["source_row"].tolist() == [1] and "no id" in q["reason"].iloc[0]


def test_sheet_without_title_column_is_an_error(tmp_path: Path, ws) -> None:
    p = tmp_path / "stats.csv"
    p.write_text("发布时间,阅读量,点赞量,在看量\n2025-03-03,1,2,3\n", encoding="utf-8-sig")
    with pytest.raises(ExportFormatError, match="标题"):
        ingest_file(ws, p, fmt="wechat.article-stats")
    assert ws.count("posts") == 0


@pytest.mark.parametrize("name", ["article_monitor_2025-04-20.csv", "mp_backend_2025-04-20.xlsx",
                                  "getarticletotal_2025-03-04.json"])
def test_reingest_changes_nothing(ws, wx: Path, name: str) -> None:
    ingest_file(ws, wx / name)
    first = {t: ws.count(t) for t in ("posts", "authors", "post_metrics", "quarantine")}
    ingest_file(ws, wx / name)
    assert {t: ws.count(t) for t in ("posts", "authors", "post_metrics", "quarantine")} == first
