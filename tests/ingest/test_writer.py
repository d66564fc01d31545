"""Placeholder authors derived from a file's posts: new authors only, whether or not ``authors`` already
holds rows of the platform (the anti-join is skipped only when it holds none)."""

from __future__ import annotations

from typing import Any

from brandlab.ingest.writer import derive_from_posts


def _post(ws: Any, platform: str, post_id: str, author: str, name: str, source: str, ts: str) -> None:
    ws.con.execute("INSERT INTO posts (platform, post_id, kind, author_id, author_name, crawled_at, source_file, "
                   "source_format) VALUES (?, ?, 'post', ?, ?, ?::TIMESTAMPTZ, ?, 'test')",
                   [platform, post_id, author, name, ts, source])


def _authors(ws: Any) -> list[tuple[Any, ...]]:
    return ws.con.execute("SELECT platform, author_id, nickname, follower_count, source_file FROM authors "
                          "ORDER BY ALL").fetchall()


def test_fresh_platform_gets_one_placeholder_per_author_newest_name(ws: Any) -> None:
    _post(ws, "weibo", "1", "a1", "旧名", "f1.csv", "2024-01-01 00:00:00+08")
    _post(ws, "weibo", "2", "a1", "新名", "f1.csv", "2024-01-02 00:00:00+08")
    _post(ws, "weibo", "3", "a2", "乙", "f1.csv", "2024-01-01 00:00:00+08")
    _post(ws, "weibo", "4", "a9", "别的文件", "f0.csv", "2024-01-01 00:00:00+08")
    assert derive_from_posts(ws, "f1.csv") == {"authors": 2}
    assert _authors(ws) == [("weibo", "a1", "新名", None, "f1.csv"), ("weibo", "a2", "乙", None, "f1.csv")]


def test_known_authors_of_the_platform_are_kept_and_not_repeated(ws: Any) -> None:
    ws.con.execute("INSERT INTO authors (platform, author_id, nickname, follower_count, source_file) VALUES "
                   "('weibo', 'a1', '创作者', 5000, 'creators.csv'), ('xhs', 'a3', '小红', 10, 'creators.csv')")
    _post(ws, "weibo", "1", "a1", "帖子里的名字", "f2.csv", "2024-01-01 00:00:00+08")
    _post(ws, "weibo", "2", "a3", "同号不同平台", "f2.csv", "2024-01-01 00:00:00+08")
    assert derive_from_posts(ws, "f2.csv") == {"authors": 1}
    assert _authors(ws) == [("weibo", "a1", "创作者", 5000, "creators.csv"),
                            ("weibo", "a3", "同号不同平台", None, "f2.csv"),
                            ("xhs", "a3", "小红", 10, "creators.csv")]
    assert derive_from_posts(ws, "f2.csv") == {}   # again: nothing new


def test_authors_of_another_platform_only_still_add_placeholders(ws: Any) -> None:
    ws.con.execute("INSERT INTO authors (platform, author_id, nickname, source_file) VALUES "
                   "('xhs', 'a1', '小红', 'c.csv')")
    _post(ws, "douyin", "1", "a1", "抖音号", "f3.csv", "2024-01-01 00:00:00+08")
    assert derive_from_posts(ws, "f3.csv") == {"authors": 1}
    assert ("douyin", "a1", "抖音号", None, "f3.csv") in _authors(ws)
