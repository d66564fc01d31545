"""Ingest benchmark: N MediaCrawler-format Douyin CSV rows into a fresh workspace, beside a bare
``pyarrow.csv.read_csv`` of the same file in the same run. Target: >= 1/3 of the bare read's rows/s."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from brandlab.bench import BenchResult, PeakRSS, register, timed

KEYS = ["aweme_id", "aweme_type", "title", "desc", "create_time", "user_id", "sec_uid", "short_user_id",
        "user_unique_id", "user_signature", "nickname", "avatar", "liked_count", "collected_count", "comment_count",
        "share_count", "ip_location", "last_modify_ts", "aweme_url", "cover_url", "video_download_url",
        "music_download_url", "note_download_url", "source_keyword"]
CAPTIONS = ["进淄赶烤！#淄博烧烤 #进淄赶烤 跟着@文旅淄博 吃起来", "周村古商城夜景太美了 #淄博 #周村古商城",
            "山东淄博 一座来了就不想走的城 #好客山东", "八大局便民市场逛吃 #淄博美食 @美食家小王", "今天天气不错"]


def write_douyin_csv(path: Path, n: int, *, seed: int = 0, block: int = 200_000) -> Path:
    """A UTF-8-with-BOM MediaCrawler douyin contents CSV of ``n`` rows (~1% re-crawled duplicates)."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(b"\xef\xbb\xbf")
        for start in range(0, n, block):
            m = min(block, n - start)
            i = np.arange(start, start + m)
            ids = 7_300_000_000_000_000_000 + np.where(rng.random(m) < 0.01, rng.integers(0, max(n, 1), m), i)
            ids_s = ids.astype(str)
            cap = np.array(CAPTIONS, dtype=object)[rng.integers(0, len(CAPTIONS), m)]
            user = rng.integers(1_000_000, 9_999_999, m).astype(str)
            crawl = 1_762_070_400_000 + rng.integers(0, 86_400_000, m)
            cols = {
                "aweme_id": ids_s, "aweme_type": np.full(m, "0"), "title": cap, "desc": cap,
                "create_time": (1_730_000_000 + rng.integers(0, 30_000_000, m)).astype(str),
                "user_id": user, "sec_uid": np.char.add("MS4wLjABAAAA", user), "short_user_id": np.full(m, ""),
                "user_unique_id": np.full(m, ""), "user_signature": np.full(m, ""),
                "nickname": np.char.add("用户", user), "avatar": np.full(m, "https://p3.douyinpic.com/a.jpeg"),
                "liked_count": rng.integers(0, 2_000_000, m).astype(str),
                "collected_count": rng.integers(0, 50_000, m).astype(str),
                "comment_count": rng.integers(0, 20_000, m).astype(str),
                "share_count": rng.integers(0, 10_000, m).astype(str), "ip_location": np.full(m, ""),
                "last_modify_ts": crawl.astype(str), "aweme_url": np.char.add("https://www.douyin.com/video/", ids_s),
                "cover_url": np.full(m, ""), "video_download_url": np.full(m, ""),
                "music_download_url": np.full(m, ""), "note_download_url": np.full(m, ""),
                "source_keyword": np.full(m, "淄博烧烤"),
            }
            table = pa.table({k: pa.array(cols[k].tolist(), type=pa.string()) for k in KEYS})
            pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=start == 0, quoting_style="needed"))
    return path


@register("ingest")
def bench_ingest(n_posts: int, workdir: Path) -> list[BenchResult]:
    from brandlab.ingest import ingest_file
    from brandlab.workspace import Workspace

    path = write_douyin_csv(workdir / f"douyin_search_contents_{n_posts}.csv", n_posts)
    size_mb = path.stat().st_size / 2**20
    with PeakRSS() as base_rss, timed() as tb:
        table = pacsv.read_csv(path)
    n_rows = table.num_rows
    del table
    ws_path = workdir / "ingest.duckdb"
    for p in (ws_path, ws_path.with_suffix(".duckdb.wal")):
        p.unlink(missing_ok=True)
    ws = Workspace(ws_path)
    try:
        with PeakRSS() as rss, timed() as t:
            report = ingest_file(ws, path)
        stored = ws.count("posts")
    finally:
        ws.close()
    c = report.tables["posts"]
    return [BenchResult(
        stage="ingest", n_items=n_rows, unit="rows", seconds=t[0], peak_rss_mb=rss.peak_mb,
        baseline="pyarrow.csv.read_csv", baseline_seconds=tb[0], target=">= 0.33x baseline",
        notes=f"MediaCrawler douyin CSV {size_mb:.0f} MB -> fresh DuckDB workspace",
        extra={"file_mb": size_mb, "accepted": c.accepted, "quarantined": c.quarantined, "stored_posts": stored,
               "baseline_peak_rss_mb": base_rss.peak_mb})]
