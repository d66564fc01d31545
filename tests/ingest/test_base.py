"""The driver: workspace round trip, idempotent re-ingest, folders, the quarantine helper."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from brandlab.ingest import ingest_file, ingest_paths, load_adapters
from brandlab.ingest.base import date_from_filename, quarantine_rows, read_head

TABLES = ("posts", "authors", "edges", "quarantine", "ingest_log")


def test_round_trip_and_idempotent_reingest(ws, fixtures_dir: Path) -> None:
    mc = fixtures_dir / "exports" / "mediacrawler"
    reports = ingest_paths(ws, [mc])
    assert len(reports) == 12 and not any(r.skipped for r in reports)
    first = {t: ws.count(t) for t in TABLES}
    posts = ws.read("posts").sort_values(["platform", "post_id"]).reset_index(drop=True)
    ingest_paths(ws, [mc])
    assert {t: ws.count(t) for t in TABLES} == first
    again = ws.read("posts").sort_values(["platform", "post_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(posts, again)
    assert posts["published_at"].dt.tz is not None and str(posts["published_at"].dt.tz) == "Asia/Shanghai"
    assert posts["post_id"].map(type).eq(str).all()


def test_campaign_label_and_log(ws, fixtures_dir: Path) -> None:
    p = fixtures_dir / "exports/mediacrawler/kuaishou/jsonl/search_contents_2025-11-02.jsonl"
    r = ingest_file(ws, p, campaign="zibo-2025")
    assert ws.read("posts")["campaign"].tolist() == ["zibo-2025"]
    log = ws.read("ingest_log")
    assert set(log["table_name"]) == {"posts", "authors"} and set(log["file_hash"]) == {r.file_hash}


def test_folder_skips_non_exports(ws, tmp_path: Path, fixtures_dir: Path) -> None:
    (tmp_path / "README.md").write_text("notes")
    src = fixtures_dir / "exports/mediacrawler/bili/csv/search_videos_2025-11-02.csv"
    (tmp_path / src.name).write_bytes(src.read_bytes())
    reports = ingest_paths(ws, [tmp_path, tmp_path / "README.md"])
    assert [r.source_format for r in reports] == ["mediacrawler.bilibili.csv", "-"]
    assert reports[1].skipped


def test_quarantine_rows_helper() -> None:
    recs = pd.DataFrame({"a": ["1", "x"], "source_row": [5, 6]})
    q = quarantine_rows(recs, recs["a"] == "x", column="a", reason="bad a")
    assert q.to_dict("records") == [{"source_row": 6, "column": "a", "value": "x", "reason": "bad a",
                                     "raw": '{"a": "x"}'}]


def test_heads_and_names(fixtures_dir: Path) -> None:
    assert len(load_adapters()) >= 21
    h = read_head(fixtures_dir / "exports/mediacrawler/douyin/csv/search_contents_2025-11-02.csv")
    assert h.kind == "csv" and h.columns[0] == "aweme_id"          # BOM stripped
    assert date_from_filename("search_comments_2025-11-03.csv") == pd.Timestamp("2025-11-03 23:59:59",
                                                                                tz="Asia/Shanghai")
