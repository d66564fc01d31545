"""Round-trip and idempotence tests of the DuckDB workspace."""

from __future__ import annotations

import pandas as pd
import pytest

from brandlab.errors import SchemaViolation
from brandlab.schema import AUTHOR, POST, validate
from brandlab.workspace import Workspace


def _posts(n: int = 3, crawled: str = "2024-03-01 10:00", likes: int = 5) -> pd.DataFrame:
    return pd.DataFrame({
        "platform": ["weibo"] * n,
        "post_id": [f"51060019843590{i:02d}" for i in range(n)],
        "kind": ["post"] * n,
        "author_id": ["2334162530"] * n,
        "published_at": pd.to_datetime(["2024-02-01 08:00"] * n).tz_localize("Asia/Shanghai"),
        "text": ["#遇见365爱上开化# 好地方", "test", None][:n],
        "hashtags": [["遇见365爱上开化"], [], []][:n],
        "mentions": [[], ["1818黄金眼"], []][:n],
        "like_count": [likes] * n,
        "counts_capped": [False] * n,
        "crawled_at": pd.to_datetime([crawled] * n).tz_localize("Asia/Shanghai"),
        "source_row": list(range(1, n + 1)),
    })


def test_roundtrip_keeps_types_and_values(ws: Workspace) -> None:
    ws.upsert(_posts(), POST)
    back = ws.read("posts").sort_values("post_id").reset_index(drop=True)
    assert back["post_id"].tolist() == [f"51060019843590{i:02d}" for i in range(3)]
    assert str(back["published_at"].dt.tz) == "Asia/Shanghai"
    assert back.loc[0, "published_at"] == pd.Timestamp("2024-02-01 08:00", tz="Asia/Shanghai")
    assert back.loc[0, "hashtags"] == ["遇见365爱上开化"]
    assert back.loc[2, "hashtags"] == []
    assert back["like_count"].dtype == "Int64"
    assert back.loc[0, "text"] == "#遇见365爱上开化# 好地方"
    validate(back, POST)


def test_reupsert_is_idempotent_and_newest_crawl_wins(ws: Workspace) -> None:
    ws.upsert(_posts(crawled="2024-03-01", likes=5), POST)
    ws.upsert(_posts(crawled="2024-03-01", likes=5), POST)
    assert ws.count("posts") == 3
    ws.upsert(_posts(crawled="2024-03-05", likes=9), POST)
    ws.upsert(_posts(crawled="2024-03-02", likes=7), POST)  # older crawl: ignored
    back = ws.read("posts")
    assert ws.count("posts") == 3
    assert set(back["like_count"]) == {9}


def test_duplicate_keys_in_one_frame_are_refused() -> None:
    a = _posts(1, crawled="2024-03-01", likes=1)
    b = _posts(1, crawled="2024-03-03", likes=3)
    with pytest.raises(SchemaViolation, match="unique key"):
        validate(pd.concat([b, a], ignore_index=True), POST)


def test_failed_transaction_leaves_workspace_unchanged(ws: Workspace) -> None:
    ws.upsert(_posts(), POST)
    with pytest.raises(RuntimeError):
        with ws.transaction():
            ws.upsert(_posts(crawled="2024-05-01", likes=99), POST)
            raise RuntimeError("boom")
    assert set(ws.read("posts")["like_count"]) == {5}


def test_validate_collects_every_failure() -> None:
    bad = _posts()
    bad.loc[0, "platform"] = "tiktok"
    bad["like_count"] = [-1, 2, 3]
    bad.loc[1, "post_id"] = None
    with pytest.raises(SchemaViolation) as exc:
        validate(bad, POST)
    checks = set(exc.value.failures["column"])
    assert {"platform", "like_count", "post_id"} <= checks


def test_float_ids_are_refused() -> None:
    df = pd.DataFrame({"platform": ["weibo"], "author_id": [2334162530.0]})
    with pytest.raises(SchemaViolation, match="author_id"):
        validate(df, AUTHOR)
