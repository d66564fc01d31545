"""Scale: a million-post workspace, built in DuckDB (INSERT ... SELECT from range()), renders the
Overview page in AppTest within a generous bound, because every aggregate is computed in DuckDB."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

N_POSTS = 1_000_000
BOUND_S = 120.0  # generous: 2 shared cores; measured well below this (see the test's output)


def build_million(path: Path, n: int = N_POSTS) -> None:
    """``n`` synthetic posts over 3 platforms, 3 kinds, 50k authors, 270 days and 6 hashtags."""
    from brandlab.schema import POST
    from brandlab.workspace import Workspace

    with Workspace(path) as ws:
        ws.ensure_table(POST)
        ws.con.execute(f"""
            INSERT INTO posts (platform, post_id, kind, parent_id, root_id, author_id, author_name, published_at,
                               text, hashtags, like_count, comment_count, share_count, play_count)
            SELECT ['douyin', 'xhs', 'weibo'][1 + (i % 3)::INT], 'p' || i,
                   CASE WHEN i % 10 < 6 THEN 'post' WHEN i % 10 < 9 THEN 'comment' ELSE 'repost' END,
                   CASE WHEN i % 10 < 6 THEN NULL ELSE 'p' || (i - i % 10) END,
                   CASE WHEN i % 10 < 6 THEN NULL ELSE 'p' || (i - i % 10) END,
                   'a' || (hash(i) % 50000), 'n' || (hash(i) % 50000),
                   TIMESTAMPTZ '2023-01-01 00:00:00+08' + to_seconds((i * 23) % (270 * 86400)),
                   '成都 第' || i || ' 条',
                   [['成都好young', '雪山下的公园城市', '成都', '成都美食', '蓉漂', '大运会'][1 + (i % 6)::INT]],
                   (hash(i) % 1000)::BIGINT, (hash(i + 1) % 100)::BIGINT, (hash(i + 2) % 50)::BIGINT,
                   (hash(i + 3) % 100000)::BIGINT
            FROM range({n}) t(i)""")
        assert ws.count("posts") == n


@pytest.mark.slow
def test_overview_of_a_million_posts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "million.duckdb"
    t0 = time.perf_counter()
    build_million(path)
    built = time.perf_counter() - t0
    monkeypatch.setenv("BRANDLAB_WORKSPACE", str(path))
    at = AppTest.from_string("from brandlab.app import pages\npages.render_overview()", default_timeout=BOUND_S)
    t1 = time.perf_counter()
    at.run()
    rendered = time.perf_counter() - t1
    print(f"built {N_POSTS:,} posts in {built:.1f}s; Overview rendered in {rendered:.1f}s")
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["帖子"] == "60万" and metrics["评论"] == "30万" and metrics["转发"] == "10万"  # compact cards
    assert {m.label: m.help for m in at.metric}["帖子"] == f"精确值：{600_000:,}"
    assert rendered < BOUND_S
