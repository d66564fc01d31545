"""MediaCrawler adapters over the committed fixtures (every platform and storage mode) and the real sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from brandlab.ingest import detect, ingest_file, ingest_paths
from brandlab.ingest.base import ReadContext
from brandlab.ingest.mediacrawler import SPECS, parse_records

TZ = "Asia/Shanghai"


@pytest.fixture
def mc(fixtures_dir: Path) -> Path:
    return fixtures_dir / "exports" / "mediacrawler"


@pytest.mark.parametrize("rel, fmt", [
    ("douyin/jsonl/search_contents_2025-11-02.jsonl", "mediacrawler.douyin.jsonl"),
    ("douyin/csv/search_contents_2025-11-02.csv", "mediacrawler.douyin.csv"),
    ("douyin/csv/search_comments_2025-11-03.csv", "mediacrawler.douyin.csv"),
    ("douyin/jsonl/search_contents_2026-07-15.jsonl", "mediacrawler.douyin.jsonl"),
    ("xhs/json/search_contents_2025-11-02.json", "mediacrawler.xhs.json"),
    ("xhs/jsonl/creator_creators_2025-11-02.jsonl", "mediacrawler.xhs.jsonl"),
    ("weibo/csv/search_contents_2025-11-02.csv", "mediacrawler.weibo.csv"),
    ("bili/csv/search_videos_2025-11-02.csv", "mediacrawler.bilibili.csv"),
    ("kuaishou/jsonl/search_contents_2025-11-02.jsonl", "mediacrawler.kuaishou.jsonl"),
    ("excel/douyin_search_20251102_160000.xlsx", "mediacrawler.douyin.excel"),
    ("sqlite/sqlite_tables.db", "mediacrawler.sqlite"),
])
def test_detects_format_from_headers(mc: Path, rel: str, fmt: str) -> None:
    assert detect(mc / rel).name == fmt


def test_detection_ignores_column_order(mc: Path, tmp_path: Path) -> None:
    df = pd.read_csv(mc / "weibo/csv/search_contents_2025-11-02.csv", dtype=str, encoding="utf-8-sig")
    p = tmp_path / "x.csv"
    df[list(reversed(df.columns))].to_csv(p, index=False)
    assert detect(p).name == "mediacrawler.weibo.csv"


def _post(ws, platform: str, post_id: str) -> pd.Series:
    df = ws.read("posts", where="platform = ? AND post_id = ?", params=[platform, post_id])
    assert len(df) == 1, (platform, post_id)
    return df.iloc[0]


def test_douyin_two_crawl_days_newest_wins(ws, mc: Path) -> None:
    ingest_file(ws, mc / "douyin/csv/search_contents_2025-11-02.csv")
    r = ingest_file(ws, mc / "douyin/csv/search_contents_2025-11-03.csv")
    assert (r.tables["posts"].read, r.tables["posts"].accepted, r.tables["posts"].quarantined) == (4, 3, 1)
    post = _post(ws, "douyin", "7432100000000000001")
    assert post["like_count"] == 106001                      # newer crawl, and the older same-file duplicate lost
    assert post["published_at"] == pd.Timestamp("2024-11-02 16:00", tz=TZ)
    assert post["hashtags"] == ["淄博烧烤", "进淄赶烤"] and post["mentions"] == ["文旅淄博"]
    assert _post(ws, "douyin", "7432100000000000002")["post_id"] == "7432100000000000002"  # trailing tab stripped
    q = ws.read("quarantine")
    assert q["reason"].str.contains("ragged row").any()
    # an older re-crawl does not overwrite the newer one
    ingest_file(ws, mc / "douyin/csv/search_contents_2025-11-02.csv")
    assert _post(ws, "douyin", "7432100000000000001")["like_count"] == 106001


def test_comment_reply_tree_and_edges(ws, mc: Path) -> None:
    ingest_file(ws, mc / "douyin/csv/search_contents_2025-11-02.csv")
    r = ingest_file(ws, mc / "douyin/csv/search_comments_2025-11-03.csv")
    c3 = _post(ws, "douyin", "7432200000000000013")
    assert c3["kind"] == "comment"
    assert c3["parent_id"] == "7432200000000000012" and c3["root_id"] == "7432100000000000001"
    c1 = _post(ws, "douyin", "7432200000000000011")
    assert c1["parent_id"] == "7432100000000000001"          # parent_comment_id "0" -> the video
    edges = ws.read("edges")
    assert r.tables["edges"].accepted == 4
    pairs = set(zip(edges["src_author_id"], edges["dst_author_id"], edges["post_id"], strict=True))
    assert ("1001", "2001", "7432200000000000011") in pairs  # video author -> top-level commenter
    assert ("2002", "2001", "7432200000000000013") in pairs  # reply to a reply
    assert set(edges["kind"]) == {"reply"}


def test_xhs_display_counts_and_tags(ws, mc: Path) -> None:
    ingest_file(ws, mc / "xhs/json/search_contents_2025-11-02.json")
    a = _post(ws, "xhs", "6727642f000000001b02b3a1")
    assert (a["like_count"], a["collect_count"], a["share_count"]) == (12000, 25000, 10000)
    assert a["hashtags"] == ["淄博", "淄博烧烤"] and a["mentions"] == ["小红薯"]
    assert a["published_at"] == pd.Timestamp("2024-11-03 19:53:19", tz=TZ)
    b = _post(ws, "xhs", "6727642f000000001b02b3a2")
    assert b["like_count"] == 100000 and bool(b["counts_capped"]) and b["collect_count"] == 3000


def test_weibo_bilibili_kuaishou(ws, mc: Path) -> None:
    ingest_paths(ws, [mc / "weibo", mc / "bili", mc / "kuaishou"])
    w = _post(ws, "weibo", "5106001984359073")
    assert w["share_count"] == 1_000_000 and bool(w["counts_capped"]) and w["hashtags"] == ["淄博烧烤"]
    rp = _post(ws, "weibo", "5106001984359074")
    assert rp["repost_chain"].startswith("冲！//@淄博发布:") and rp["ip_location"] == "北京"
    b = _post(ws, "bilibili", "113412345678901")
    assert b["play_count"] == 230145 and b["comment_count"] == 321
    k = _post(ws, "kuaishou", "3xet8vhefke3cg2")
    assert k["play_count"] == 222000 and k["published_at"] == pd.Timestamp(1730620000000, unit="ms", tz=TZ)


def test_creators_and_anonymised_era(ws, mc: Path) -> None:
    ingest_file(ws, mc / "douyin/jsonl/search_contents_2026-07-15.jsonl")
    anon = _post(ws, "douyin", "7432100000000000009")
    assert anon["author_id"] == "9f86d081884c7d65" and anon["author_name"] == "美***家"
    ingest_file(ws, mc / "xhs/jsonl/creator_creators_2025-11-02.jsonl")
    a = ws.read("authors", where="platform = 'xhs'").iloc[0]
    assert (a["follower_count"], a["gender"], a["region"]) == (12000, "f", "山东")


def test_excel_and_sqlite_modes(ws, mc: Path) -> None:
    r = ingest_file(ws, mc / "excel/douyin_search_20251102_160000.xlsx")
    assert r.tables["posts"].accepted == 3 and r.tables["authors"].read >= 1
    creator = ws.read("authors", where="author_id = '1001'").iloc[0]
    assert creator["follower_count"] == 35000 and creator["bio"] == "00后 烧烤博主"
    r = ingest_file(ws, mc / "sqlite/sqlite_tables.db")
    assert r.tables["posts"].accepted == 4
    assert _post(ws, "xhs", "672764aa000000001b02c001")["like_count"] == 11000


def test_parse_is_pure_on_plain_dicts() -> None:
    recs = [{"note_id": "n1", "desc": "#成都[话题]#", "time": 1730634799000, "liked_count": "1.2万",
             "user_id": "u1", "last_modify_ts": 1730634799000}]
    before = [dict(r) for r in recs]
    parsed = parse_records(recs, SPECS[("xhs", "contents")], ReadContext("mem.jsonl"))
    assert recs == before
    posts = parsed.tables["posts"]
    assert posts["like_count"].tolist() == [12000] and posts["hashtags"].tolist() == [["成都"]]


@pytest.mark.samples
def test_real_xhs_sample(ws, samples_dir: Path) -> None:
    r = ingest_file(ws, samples_dir / "mediacrawler_xhs_search_contents.jsonl")
    assert r.source_format == "mediacrawler.xhs.jsonl" and r.tables["posts"].accepted == 3
    note = _post(ws, "xhs", "6727642f000000001b02b3ab")
    assert (note["like_count"], note["collect_count"], note["comment_count"]) == (22000, 17000, 1711)
    assert note["published_at"] == pd.Timestamp("2024-11-03 19:53:19", tz=TZ)
    assert "副业" in note["hashtags"]
