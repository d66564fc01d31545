"""Weibo adapters (weibo-crawler csv/json/sqlite/users, weibo-search, weiboSpider) on fixtures and the real sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brandlab.errors import ExportFormatError
from brandlab.ingest import detect, ingest_file
from brandlab.ingest.base import ReadContext
from brandlab.ingest.weibo_crawler import WeiboCrawlerCsv, birth_year, realign_live_photo
from brandlab.ingest.weibo_text import (
    bid_to_mid,
    chain_names,
    extract_hashtags,
    extract_mentions,
    split_list,
    split_repost_chain,
)

TZ = "Asia/Shanghai"
SAMPLE = "weibo_crawler_1818_2334162530.csv"


@pytest.fixture
def wb(fixtures_dir: Path) -> Path:
    return fixtures_dir / "exports" / "weibo"


def _post(ws, post_id: str) -> pd.Series:
    df = ws.read("posts", where="platform = 'weibo' AND post_id = ?", params=[post_id])
    assert len(df) == 1, post_id
    return df.iloc[0]


def _counts(ws) -> dict[str, int]:
    return {t: ws.count(t) for t in ("posts", "authors", "edges", "post_metrics", "audience_segments", "quarantine")}


# ------------------------------------------------------------------------------------ text helpers


@pytest.mark.parametrize("text, tags, mentions", [
    ("#遇见山城# 春天 #山城春日游#", ["遇见山城", "山城春日游"], []),
    ("周末去哪儿？@旅行博主阿青 推荐 #周末去哪儿#", ["周末去哪儿"], ["旅行博主阿青"]),
    ("#a# #a# @x @x", ["a"], ["x"]),
    ("", [], []),
])
def test_hashtags_and_mentions(text: str, tags: list[str], mentions: list[str]) -> None:
    assert extract_hashtags(text) == tags
    assert extract_mentions(text) == mentions


def test_repost_chain_split_keeps_raw_chain_and_names_leftmost_first() -> None:
    own, chain = split_repost_chain("太想去了//@旅行博主阿青:必须安排//@文旅小编 :春天来了")
    assert own == "太想去了"
    assert chain == "//@旅行博主阿青:必须安排//@文旅小编 :春天来了"
    assert chain_names(chain) == ["旅行博主阿青", "文旅小编"]
    assert split_repost_chain("没有转发链") == ("没有转发链", None)


def test_bid_to_mid_matches_weibo() -> None:
    assert bid_to_mid("z0JH2lOMb") == "3501756485200075"   # documented by nghuyong/WeiboSpider
    with pytest.raises(ValueError):
        bid_to_mid("not-a-bid!")


@given(st.integers(min_value=1, max_value=10**17))
def test_bid_to_mid_inverts_base62_encoding(mid: int) -> None:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    digits = str(mid)
    groups = []
    while digits:
        chunk, digits = digits[-7:], digits[:-7]
        n, enc = int(chunk), ""
        while n:
            n, r = divmod(n, 62)
            enc = alphabet[r] + enc
        groups.append(enc.rjust(4, "0") if digits else (enc or "0"))
    assert bid_to_mid("".join(reversed(groups))) == str(mid)


def test_split_list_and_birth_year() -> None:
    assert split_list("a,b,a, ,c") == ["a", "b", "c"]
    assert split_list("无") == []
    assert birth_year("1995-06-01 双子座") == 1995
    assert birth_year("摩羯座") is None
    assert birth_year("") is None


# ------------------------------------------------------------------------------------ weibo-crawler


@pytest.mark.parametrize("rel, fmt", [
    ("weibo-crawler/wenlv_demo/1000000001.csv", "weibo-crawler.csv"),
    ("weibo-crawler/livephoto_bug/1000000002.csv", "weibo-crawler.csv"),
    ("weibo-crawler/wenlv_demo/1000000001.json", "weibo-crawler.json"),
    ("weibo-crawler/users.csv", "weibo-crawler.users.csv"),
    ("weibo-crawler/weibodata.db", "weibo-crawler.sqlite"),
    ("weibo-search/yujian_shancheng/yujian_shancheng.csv", "weibo-search.csv"),
    ("weibospider/wenlv_demo/1000000003.csv", "weibospider.csv"),
])
def test_detects_weibo_formats(wb: Path, rel: str, fmt: str) -> None:
    assert detect(wb / rel).name == fmt


def test_weibo_crawler_csv_reposts_originals_and_quarantine(ws, wb: Path) -> None:
    report = ingest_file(ws, wb / "weibo-crawler/wenlv_demo/1000000001.csv")
    assert report.tables["posts"].read == 6          # the repeated header row is not a record
    assert report.tables["posts"].quarantined == 2   # 点赞数 'abc' and a row without id
    rep = _post(ws, "5100000000000003")
    assert rep["kind"] == "repost"
    assert rep["parent_id"] == rep["root_id"] == "5100000000000100"   # TAB stripped from 源微博id
    assert rep["repost_chain"] == "//@旅行博主阿青:必须安排#遇见山城#//@文旅小编:#遇见山城#春天来了"
    assert rep["author_id"] == "1000000001"                              # from the file name
    assert rep["mentions"] == ["旅行博主阿青", "文旅小编"]
    orig = _post(ws, "5100000000000100")                                  # emitted from the 源微博 columns
    assert (orig["kind"], orig["author_id"], orig["like_count"], orig["share_count"]) == ("post", "1000000009", 20480, 990)
    assert orig["published_at"] == pd.Timestamp("2025-03-01 10:00:00", tz=TZ)
    edges = ws.read("edges", where="kind = 'repost'")
    assert edges[["src_author_id", "dst_author_id", "post_id"]].values.tolist() == [
        ["1000000009", "1000000001", "5100000000000003"]]
    author = ws.read("authors", where="author_id = '1000000009'").iloc[0]
    assert author["nickname"] == "文旅小编"
    old = _post(ws, "5100000000000004")                                   # pre-2023 date-only 日期
    assert old["published_at"] == pd.Timestamp("2019-12-28", tz=TZ)
    q = ws.read("quarantine")
    assert set(q["reason"].str[:20]) == {"cannot read 'abc' as", "row has no id in col"}
    assert q.loc[q["column"] == "点赞数", "value"].tolist() == ["abc"]


def test_weibo_crawler_live_photo_shift_is_realigned(ws, wb: Path) -> None:
    ingest_file(ws, wb / "weibo-crawler/livephoto_bug/1000000002.csv")
    p = _post(ws, "5100000000000011")
    assert (p["like_count"], p["comment_count"], p["share_count"]) == (300, 40, 5)
    assert p["published_at"] == pd.Timestamp("2025-05-01 21:00:00", tz=TZ)
    rows = [["id", "视频url", "位置", "是否原创"], ["1", "", "live.mov", "北京", "True"]]
    assert realign_live_photo(rows)[1] == ["1", "", "北京", "True"]


def test_weibo_crawler_json_user_profile(ws, wb: Path) -> None:
    ingest_file(ws, wb / "weibo-crawler/wenlv_demo/1000000001.json")
    a = ws.read("authors", where="author_id = '1000000001'").iloc[0]
    assert (a["follower_count"], a["following_count"], a["post_count"]) == (125000, 310, 3200)
    assert (a["verified"], a["verified_type"], a["gender"], a["birth_year"]) == (True, "1", "f", 1995)
    assert a["bio"] == "95后文旅小编，带你逛山城" and a["region"] == "重庆 渝中区"
    rep = _post(ws, "5100000000000003")
    assert rep["root_id"] == "5100000000000100" and rep["author_name"] == "山城文旅示例号"
    assert _post(ws, "5100000000000100")["author_id"] == "1000000009"


def test_weibo_crawler_users_csv(ws, wb: Path) -> None:
    ingest_file(ws, wb / "weibo-crawler/users.csv")
    a = ws.read("authors").set_index("author_id")
    assert a.loc["1000000001", "follower_count"] == 125000
    assert pd.isna(a.loc["1000000009", "birth_year"])           # '摩羯座' gives no year
    assert pd.isna(a.loc["1000000009", "verified_type"])        # -1 = not verified
    assert not a.loc["1000000009", "verified"] and a.loc["1000000001", "verified"]


def test_weibo_crawler_sqlite_comments_reposts_and_users(ws, wb: Path) -> None:
    report = ingest_file(ws, wb / "weibo-crawler/weibodata.db")
    assert report.tables["posts"].quarantined == 1               # comment with created_at 'not a date'
    top, reply = _post(ws, "5200000000000001"), _post(ws, "5200000000000002")
    assert (top["kind"], top["parent_id"], top["root_id"]) == ("comment", "5100000000000100", "5100000000000100")
    assert (reply["parent_id"], reply["root_id"]) == ("5200000000000001", "5100000000000100")
    assert top["published_at"] == pd.Timestamp("2025-03-01 12:00:00", tz=TZ)
    rp = _post(ws, "5300000000000001")
    assert (rp["kind"], rp["parent_id"], rp["author_id"]) == ("repost", "5100000000000100", "1000000024")
    rep = _post(ws, "5100000000000003")
    assert rep["root_id"] == "5100000000000100" and rep["repost_chain"] == "//@文旅小编:#遇见山城#春天来了"
    edges = ws.read("edges")
    reposts = edges[edges["kind"] == "repost"].sort_values("post_id")
    assert reposts[["src_author_id", "dst_author_id"]].values.tolist() == [
        ["1000000009", "1000000001"], ["1000000009", "1000000024"]]
    replies = edges[edges["kind"] == "reply"].set_index("post_id")
    assert replies.loc["5200000000000002", "src_author_id"] == "1000000021"   # reply to the top comment
    assert ws.read("authors", where="author_id = '1000000001'").iloc[0]["bio"] == "95后文旅小编，带你逛山城"
    assert ws.read("quarantine")["column"].tolist() == ["comments.created_at"]


def test_weibo_search_counts_and_repost(ws, wb: Path) -> None:
    ingest_file(ws, wb / "weibo-search/yujian_shancheng/yujian_shancheng.csv")
    root = _post(ws, "5100000000000100")
    assert (root["share_count"], root["like_count"], bool(root["counts_capped"])) == (1_000_000, 20_000, True)
    plain = _post(ws, "5100000000000201")
    assert (plain["comment_count"], plain["like_count"], plain["ip_location"]) == (12_000, 8_000, "重庆")
    assert plain["published_at"] == pd.Timestamp("2025-03-07 12:15", tz=TZ)
    rep = _post(ws, "5100000000000003")
    assert (rep["kind"], rep["parent_id"], rep["root_id"]) == ("repost", "5100000000000100", "5100000000000100")
    assert rep["repost_chain"].startswith("//@旅行博主阿青:")
    e = ws.read("edges").iloc[0]
    assert (e["src_author_id"], e["dst_author_id"], e["kind"]) == ("1000000009", "1000000001", "repost")
    a = ws.read("authors").set_index("author_id")
    assert a.loc["1000000009", "verified_type"] == "蓝V" and bool(a.loc["1000000009", "verified"])


def test_weibospider_bids_missing_values_and_named_original(ws, wb: Path) -> None:
    report = ingest_file(ws, wb / "weibospider/wenlv_demo/1000000003.csv")
    assert report.tables["posts"].quarantined == 1               # 'not-a-bid!'
    p = _post(ws, bid_to_mid("IDdFbbRZn"))
    assert (p["like_count"], p["share_count"], p["comment_count"]) == (35, 2, 6)
    rep = _post(ws, bid_to_mid("IDdFbcAAa"))
    assert rep["kind"] == "repost"
    e = ws.read("edges").iloc[0]
    assert (e["src_author_id"], e["dst_author_id"], bool(e["resolved"])) == ("文旅小编", "1000000003", False)


def test_missing_required_columns_name_file_and_fix(tmp_path: Path, wb: Path, ws) -> None:
    df = pd.read_csv(wb / "weibo-crawler/users.csv", dtype=str, encoding="utf-8-sig")
    p = tmp_path / "users.csv"
    df.drop(columns=["用户id"]).to_csv(p, index=False, encoding="utf-8-sig")
    with pytest.raises(ExportFormatError) as err:
        ingest_file(ws, p, fmt="weibo-crawler.users.csv")
    msg = str(err.value)
    assert "users.csv" in msg and "用户id" in msg and "--format generic" in msg
    assert ws.count("authors") == 0


@pytest.mark.parametrize("rel", [
    "weibo-crawler/wenlv_demo/1000000001.csv", "weibo-crawler/wenlv_demo/1000000001.json", "weibo-crawler/users.csv",
    "weibo-crawler/weibodata.db", "weibo-search/yujian_shancheng/yujian_shancheng.csv",
    "weibospider/wenlv_demo/1000000003.csv",
])
def test_reingest_changes_nothing(ws, wb: Path, rel: str) -> None:
    ingest_file(ws, wb / rel)
    first = _counts(ws)
    posts = ws.read("posts").sort_values("post_id").reset_index(drop=True)
    ingest_file(ws, wb / rel)
    assert _counts(ws) == first
    again = ws.read("posts").sort_values("post_id").reset_index(drop=True)
    cols = ["post_id", "like_count", "comment_count", "share_count", "parent_id", "root_id", "published_at"]
    pd.testing.assert_frame_equal(posts[cols], again[cols])


def test_parse_is_pure_on_records() -> None:
    recs = [{"id": "51\t", "正文": "x//@a:y", "完整日期": "2025-01-02 03:04:05", "点赞数": "3", "是否原创": "False",
             "源微博id": "50", "源用户id": "9", "源微博正文": "y", "源微博完整日期": "2025-01-01 00:00:00"}]
    before = [dict(r) for r in recs]
    parsed = WeiboCrawlerCsv().parse(recs, ReadContext("1000000005.csv"))
    assert recs == before
    posts = parsed.tables["posts"].set_index("post_id")
    assert posts.loc["51", "root_id"] == "50" and posts.loc["50", "author_id"] == "9"
    assert parsed.tables["edges"]["dst_author_id"].tolist() == ["1000000005"]


def test_nghuyong_jsonl_tweets_reposts_comments(ws, wb: Path) -> None:
    path = wb / "nghuyong/tweet_by_keyword_20250310180000.jsonl"
    assert detect(path).name == "nghuyong-weibospider.jsonl"
    report = ingest_file(ws, path)
    assert report.tables["posts"].read == 4 and report.tables["posts"].quarantined == 1   # a cut last line
    rep = _post(ws, "5100000000000301")
    assert (rep["kind"], rep["parent_id"], rep["root_id"], rep["ip_location"]) == (
        "repost", "5100000000000100", "5100000000000100", "德国")
    assert rep["repost_chain"] == "//@旅行博主阿青 :必须安排"                # weibo.com text_raw: space before ':'
    assert rep["crawled_at"] == pd.Timestamp(1741600010, unit="s", tz="UTC").tz_convert(TZ)
    c = _post(ws, "5400000000000001")
    assert (c["kind"], c["parent_id"], c["like_count"], c["ip_location"]) == ("comment", "5400000000000000", 2, "河南")
    e = ws.read("edges").iloc[0]
    assert (e["src_author_id"], e["dst_author_id"]) == ("1000000009", "1000000031")
    a = ws.read("authors").set_index("author_id")
    assert (a.loc["1000000009", "follower_count"], a.loc["1000000009", "following_count"]) == (9800, 150)
    n = _counts(ws)
    ingest_file(ws, path)
    assert _counts(ws) == n


# ------------------------------------------------------------------------------------ the real sample


@pytest.mark.samples
def test_real_weibo_crawler_sample(ws, samples_dir: Path) -> None:
    src = samples_dir / SAMPLE
    assert detect(src).name == "weibo-crawler.csv"
    report = ingest_file(ws, src)
    assert report.tables["posts"].read == 186 and report.tables["posts"].quarantined == 0
    p = _post(ws, "5106001984359073")                       # the first post of the file
    assert (p["like_count"], p["comment_count"], p["share_count"]) == (650, 180, 17)
    assert p["published_at"] == pd.Timestamp("2024-11-29 11:00:01", tz=TZ)
    assert p["hashtags"] == ["垃圾从家中堆到过道女子说是收藏"] and p["author_id"] == "2334162530"
    reposts = ws.read("posts", where="kind = 'repost'")
    assert len(reposts) == 4
    chained = reposts[reposts["repost_chain"].fillna("").str.contains("//@1818黄金眼:", regex=False)]
    assert len(chained) == 1
    r = chained.iloc[0]
    assert r["post_id"] == "5103927605592209"
    assert r["parent_id"] == r["root_id"] == "5090851154298856"
    assert r["repost_chain"].startswith("//@1818黄金眼:#1818回音壁#10月19日")
    assert "1818黄金眼" in r["mentions"]
    root = _post(ws, "5090851154298856")                    # the original, from the 源微博 columns
    assert (root["like_count"], root["comment_count"], root["share_count"]) == (185, 81, 12)
    assert root["published_at"] == pd.Timestamp("2024-10-18 15:36:01", tz=TZ)
    assert ws.count("edges") == 4
    n = _counts(ws)
    ingest_file(ws, src)
    assert _counts(ws) == n


def test_partial_author_row_keeps_the_stored_profile(ws, wb: Path) -> None:
    """weibo-search gives id + nickname + verification only: it must not blank the users.csv profile,
    and its own non-null values (newest crawl) still win."""
    ingest_file(ws, wb / "weibo-crawler/users.csv")
    full = ws.read("authors").set_index("author_id").loc["1000000009"]
    assert full["follower_count"] == 9800 and full["region"] == "重庆"
    ingest_file(ws, wb / "weibo-search/yujian_shancheng/yujian_shancheng.csv")
    a = ws.read("authors").set_index("author_id").loc["1000000009"]
    assert (a["follower_count"], a["post_count"], a["region"]) == (9800, 880, "重庆")   # kept
    assert a["verified_type"] == "蓝V" and bool(a["verified"])                       # newer values win
    assert ws.count("authors") == ws.sql("SELECT count(DISTINCT (platform, author_id)) FROM authors").iat[0, 0]


def test_keep_known_upsert_merges_column_by_column(ws) -> None:
    from brandlab.schema import AUTHOR

    t0, t1 = pd.Timestamp("2025-03-01", tz=TZ), pd.Timestamp("2025-03-02", tz=TZ)
    full = pd.DataFrame({"platform": ["weibo"], "author_id": ["1"], "nickname": ["old"], "follower_count": [5],
                         "bio": ["bio"], "crawled_at": [t0]})
    thin = pd.DataFrame({"platform": ["weibo"], "author_id": ["1"], "nickname": ["new"], "crawled_at": [t1]})
    ws.upsert(full, AUTHOR, keep_known=True)
    ws.upsert(thin, AUTHOR, keep_known=True)
    a = ws.read("authors").iloc[0]
    assert (a["nickname"], a["follower_count"], a["bio"], a["crawled_at"]) == ("new", 5, "bio", t1)
    older = pd.DataFrame({"platform": ["weibo"], "author_id": ["1"], "nickname": ["older"], "region": ["重庆"],
                          "crawled_at": [t0 - pd.Timedelta(days=1)]})
    ws.upsert(older, AUTHOR, keep_known=True)           # an older row only fills gaps
    a = ws.read("authors").iloc[0]
    assert (a["nickname"], a["region"], a["crawled_at"], ws.count("authors")) == ("new", "重庆", t1, 1)
    ws.upsert(thin.assign(follower_count=None), AUTHOR)  # the plain upsert still replaces the whole row
    assert pd.isna(ws.read("authors").iloc[0]["follower_count"])
