"""The DuckDB CSV path gives exactly what the reference (chunked pandas) reader gives: on every
MediaCrawler CSV fixture and on generated rows full of the quirks that send rows to the reference
parser (display counts, relative times, Excel serials, bad ids, Unicode whitespace, duplicates)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brandlab.ingest import ingest_file
from brandlab.ingest.base import ReadContext
from brandlab.ingest.mediacrawler import SPECS
from brandlab.ingest.mediacrawler_sql import WHITESPACE
from brandlab.workspace import Workspace

TABLES = {"posts": ["platform", "post_id"], "authors": ["platform", "author_id"],
          "edges": ["platform", "kind", "post_id", "src_author_id", "dst_author_id"],
          "quarantine": ["source_row", "column"]}
CSV_FIXTURES = ["douyin/csv/search_contents_2025-11-02.csv", "douyin/csv/search_contents_2025-11-03.csv",
                "douyin/csv/search_comments_2025-11-03.csv", "weibo/csv/search_contents_2025-11-02.csv",
                "bili/csv/search_videos_2025-11-02.csv"]


def _state(ws: Workspace) -> dict[str, pd.DataFrame]:
    out = {}
    for t, key in TABLES.items():
        df = ws.read(t).drop(columns=["quarantined_at"], errors="ignore")
        out[t] = df.sort_values(key).reset_index(drop=True)
    return out


def _both(paths: list[Path], chunk_size: int = 1_000_000
          ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], list[object]]:
    """Ingest the files with the SQL path and with the reference reader (one chunk unless told)
    into two workspaces."""
    states, reports = [], []
    for fast in (True, False):
        with Workspace(":memory:") as ws:
            reports.append([ingest_file(ws, p, fast=fast, chunk_size=chunk_size) for p in paths])
            states.append(_state(ws))
    return states[0], states[1], reports


def _assert_same(fast: dict[str, pd.DataFrame], ref: dict[str, pd.DataFrame]) -> None:
    for t in TABLES:
        pd.testing.assert_frame_equal(fast[t], ref[t], obj=t)


def test_whitespace_is_python_whitespace() -> None:
    assert WHITESPACE == "".join(c for c in map(chr, range(0x110000)) if c.isspace())


def test_fixtures_same_as_reference(fixtures_dir: Path) -> None:
    mc = fixtures_dir / "exports" / "mediacrawler"
    fast, ref, reports = _both([mc / rel for rel in CSV_FIXTURES])
    _assert_same(fast, ref)
    assert len(fast["posts"]) >= 8 and fast["posts"]["kind"].eq("comment").any()
    for a, b in zip(*reports, strict=True):
        assert {k: vars(v) for k, v in a.tables.items()} == {k: vars(v) for k, v in b.tables.items()}


DOUYIN = ["aweme_id", "aweme_type", "title", "desc", "create_time", "user_id", "sec_uid", "nickname", "liked_count",
          "collected_count", "comment_count", "share_count", "ip_location", "last_modify_ts", "aweme_url"]
MESSY_VALUES = {
    "aweme_id": ["7431000000000000001", "7431000000000000002\t", " 7431000000000000003", "1.23e+18", "", "None",
                 "7431000000000000001", "7431.0", "abc-_X", "7431000000000000009"],
    "title": ["", "  ", "\u3000", "NA", "标题 #淄博烧烤", None, "x", "null", "t", "多行\n标题"],
    "desc": ["进淄赶烤！#淄博烧烤 #进淄赶烤 跟着@文旅淄博 吃起来 #淄博烧烤", "#a\u3000b #c\xa0d @e\u2003f @e",
             "  ", "@x:y @x", "#重复 #重复 #重复", "", "#话题,后 #t。", "no tags", "#" + "长" * 60, "换行\n#行"],
    "create_time": ["1730000000", "1730000000000", "1730000000000000", "5分钟前", "昨天 12:30", "45678.5",
                    "2024-11-26 12:38:46", "2024-11-26 12:38:46+08:00", "1988-06-01 12:00:00", "2023-02-30 00:00:00"],
    "user_id": ["123", "", "1.5e+9", "u_1", "123\t", "None", "null", "9", "8", "7"],
    "liked_count": ["12", "1.2万", "10万+", "-", "", "3.5w", "8K", "007", "abc", "1234567890123456"],
    "collected_count": ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
    "ip_location": ["IP属地：北京", "发布于 重庆", "", "  来自河南 ", "未知", "NA", "上海", "\u3000", "x", "ip属地:广东"],
    "last_modify_ts": ["1762070400000", "1762070400001", "", "bad", "1762070300000", "1762070400000",
                       "1762070500000", "2025-11-02 10:00:00", "1762070400000", "1762070400000"],
}


def _write_messy(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(DOUYIN)
        for i in range(n):
            row = {c: (vals[(i * (k + 3) + i // 10) % len(vals)] if vals else "")
                   for k, (c, vals) in enumerate(MESSY_VALUES.items())}
            row["aweme_id"] = row["aweme_id"] if i % 7 else f"74310000000000{i:05d}"
            row.update(aweme_type="0", sec_uid="MS4w", nickname=["用户", " ", "", "NA"][i % 4],
                       comment_count=str(i), share_count="", aweme_url=f"https://www.douyin.com/video/{i}")
            w.writerow(["" if row.get(c) is None else row.get(c, "") for c in DOUYIN])
    return path


def test_messy_rows_same_as_reference(tmp_path: Path) -> None:
    p = _write_messy(tmp_path / "search_contents_2025-11-02.csv", 300)
    fast, ref, reports = _both([p])
    _assert_same(fast, ref)
    posts = fast["posts"]
    assert 0 < len(posts) < 300 and len(fast["quarantine"]) > 0
    assert posts["counts_capped"].any() and posts["hashtags"].map(len).gt(1).any()
    assert (reports[0][0].tables["posts"].quarantined, reports[0][0].tables["posts"].accepted) == \
        (reports[1][0].tables["posts"].quarantined, reports[1][0].tables["posts"].accepted)


def test_messy_rows_without_crawl_time_or_dated_name(tmp_path: Path) -> None:
    """Relative times with no anchor quarantine on both paths; a second file updates stored rows."""
    p = _write_messy(tmp_path / "contents.csv", 120)
    df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig").drop(columns="last_modify_ts")
    df.to_csv(p, index=False)
    q = _write_messy(tmp_path / "search_contents_2025-11-03.csv", 150)
    fast, ref, _ = _both([p, q])
    _assert_same(fast, ref)
    reasons = fast["quarantine"]["reason"].str.cat(sep=" ")
    assert "needs an anchor" in reasons


@pytest.mark.parametrize("item", ["xhs_contents", "weibo_comments"])
def test_other_platforms_same_as_reference(tmp_path: Path, item: str) -> None:
    if item == "xhs_contents":
        header = ["note_id", "type", "title", "desc", "time", "user_id", "nickname", "liked_count",
                  "collected_count", "comment_count", "share_count", "ip_location", "tag_list", "last_modify_ts",
                  "note_url"]
        rows = [[f"6{i:05d}", "normal", "t", ["#淄博[话题]# 去玩 #吃[话题]#", "#x[话题]##x[话题]#", ""][i % 3],
                 ["1730000000000", "03-15", "昨天 15:09重庆", "2天前"][i % 4], str(i), "n", ["1.2万", "5"][i % 2],
                 "1", "2", "3", "", ["淄博, 美食,,淄博", "", " a ,b"][i % 3], "1762070400000", ""] for i in range(60)]
    else:
        header = ["comment_id", "create_time", "create_date_time", "note_id", "content", "sub_comment_count",
                  "comment_like_count", "last_modify_ts", "ip_location", "parent_comment_id", "user_id", "nickname"]
        rows = [[f"5{i:05d}", "1730000000", ["2024-11-26 12:38:46+08:00", "", "bad"][i % 3], f"4{i % 5}",
                 ["回复 //@甲: #话题 # #话题#", "#  a  # #a#", "好"][i % 3], "0", ["3", "2万"][i % 2],
                 "1762070400000", "发布于 北京", ["0", "", f"5{i - 1:05d}", f"5{i:05d}"][i % 4], str(i % 9), "n"]
                for i in range(60)]
    name = "xhs_search_contents_2025-11-02.csv" if item == "xhs_contents" else "weibo_search_comments_2025-11-02.csv"
    p = tmp_path / name
    with p.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    fast, ref, _ = _both([p])
    _assert_same(fast, ref)
    assert len(fast["posts"]) > 10


def test_ragged_or_gb18030_files_same_as_reference(tmp_path: Path, fixtures_dir: Path) -> None:
    src = fixtures_dir / "exports/mediacrawler/douyin/csv/search_contents_2025-11-02.csv"
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    ragged = tmp_path / "search_contents_2025-11-02.csv"
    ragged.write_text("\n".join([*lines, "a,b"]) + "\n", encoding="utf-8")
    gbk = tmp_path / "gbk" / src.name
    gbk.parent.mkdir()
    gbk.write_bytes("\n".join(lines).encode("gb18030"))
    for p in (ragged, gbk):
        fast, ref, _ = _both([p])
        _assert_same(fast, ref)
        assert len(fast["posts"]) == len(lines) - 1
    q = json.loads(_both([ragged])[0]["quarantine"]["raw"].iloc[-1])
    assert q == {"line": "a,b"}


def _generated(path: Path, n: int, seed: int) -> Path:
    """Bench-generator rows (about 1% re-crawled duplicates, spread over the file) with slow rows
    mixed in: display counts, relative times, and rows without a crawl time."""
    from brandlab.bench.ingest import KEYS, write_douyin_csv

    write_douyin_csv(path, n, seed=seed)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == KEYS and len(rows) == n
    for i, row in enumerate(rows):
        if i % 37 == 0:
            row["liked_count"] = "1.2万"
        if i % 53 == 0:
            row["last_modify_ts"] = ""
        if i % 101 == 0:
            row["create_time"] = "5分钟前"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, KEYS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.mark.slow
def test_many_batches_same_as_reference(tmp_path: Path) -> None:
    """Streamed in many batches, re-ingested over an overlapping export (same ids, other crawl
    times): the same rows as the chunked reader with the same chunks, duplicates across batch
    boundaries included."""
    from brandlab.ingest.base import ReadContext
    from brandlab.ingest.mediacrawler_io import csv_batches

    a = _generated(tmp_path / "a" / "douyin_search_contents_2025-11-02.csv", 6_000, seed=0)
    b = _generated(tmp_path / "b" / "douyin_search_contents_2025-11-02.csv", 6_000, seed=1)
    sizes = [t.num_rows for t, _ in csv_batches(a, a.read_text().splitlines()[0].split(","),
                                                 ReadContext(str(a), chunk_size=1_000)) if t is not None]
    assert len(sizes) >= 2 and sum(sizes) == 6_000
    fast, ref, reports = _both([a, b], chunk_size=1_000)
    _assert_same(fast, ref)
    posts = fast["posts"]
    assert 5_000 < len(posts) < 6_000                       # the duplicates collapsed
    assert posts["like_count"].eq(12_000).any() and posts["crawled_at"].isna().any()


def _staging_tables(ws: Workspace) -> list[str]:
    import brandlab.ingest.mediacrawler_sql as sql

    return [r[0] for r in ws.con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [sql.STAGE_SCHEMA]).fetchall()]


def test_failure_in_a_later_batch_leaves_the_workspace_unchanged(tmp_path: Path, fixtures_dir: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills while the second batch is staged: the file fails with an error naming it,
    the visible tables are as before, the staging tables are gone, and DuckDB gets its memory
    setting back."""
    import brandlab.ingest.mediacrawler_sql as sql
    from brandlab.errors import ExportFormatError

    good = fixtures_dir / "exports/mediacrawler/douyin/csv/search_contents_2025-11-02.csv"
    big = _generated(tmp_path / "douyin_search_contents_2025-11-03.csv", 6_000, seed=2)
    append, calls = sql._append_batch, []

    def failing_append(con: object, posts_t: str, batch: int) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        append(con, posts_t, batch)  # type: ignore[arg-type]

    with Workspace(tmp_path / "ws.duckdb") as ws:
        ingest_file(ws, good)
        before = _state(ws)
        limit = ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        monkeypatch.setattr(sql, "_append_batch", failing_append)
        with pytest.raises(ExportFormatError, match="douyin_search_contents_2025-11-03.csv.*No space left"):
            ingest_file(ws, big, chunk_size=1_000)
        assert len(calls) == 2
        after = _state(ws)
        assert _staging_tables(ws) == []
        assert ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == limit
        monkeypatch.setattr(sql, "_append_batch", append)
        ingest_file(ws, big, chunk_size=1_000)        # and the workspace still takes the file
        assert len(ws.read("posts")) > len(before["posts"]) + 5_000
    _assert_same(after, before)


def test_failure_in_the_final_merge_leaves_the_workspace_unchanged(tmp_path: Path, fixtures_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Every batch staged, then the merge fails after writing posts and quarantine rows: the
    transaction rolls all of it back and the staging tables are dropped."""
    import brandlab.ingest.writer as writer

    good = fixtures_dir / "exports/mediacrawler/douyin/csv/search_contents_2025-11-02.csv"
    big = _generated(tmp_path / "douyin_search_contents_2025-11-03.csv", 3_000, seed=3)

    def failing_derive(ws: object, source_file: str) -> dict[str, int]:
        raise OSError(28, "No space left on device")

    with Workspace(tmp_path / "ws.duckdb") as ws:
        ingest_file(ws, good)
        before = _state(ws)
        monkeypatch.setattr(writer, "derive_from_posts", failing_derive)
        with pytest.raises(OSError, match="No space left"):
            ingest_file(ws, big, chunk_size=1_000)
        assert _staging_tables(ws) == []
        after = _state(ws)
    _assert_same(after, before)


def test_staging_tables_a_crash_left_are_replaced_and_never_listed(tmp_path: Path) -> None:
    """A staging table a killed run left behind (same file hash) is dropped before the file is
    staged again, and Workspace.tables() never lists staging tables."""
    import brandlab.ingest.mediacrawler_sql as sql
    from brandlab.ingest.base import ReadContext, file_hash

    src = _generated(tmp_path / "douyin_search_contents_2025-11-03.csv", 500, seed=4)
    posts_t, _ = sql.stage_tables(ReadContext(str(src), file_hash=file_hash(src)))
    with Workspace(tmp_path / "ws.duckdb") as ws:
        ws.con.execute(f"CREATE SCHEMA IF NOT EXISTS {sql.STAGE_SCHEMA}")
        ws.con.execute(f"CREATE TABLE {posts_t} AS SELECT 1 AS stale")
        assert not any(t.startswith(sql.STAGE_SCHEMA) or "posts_" in t for t in ws.tables())
        ingest_file(ws, src)
        assert _staging_tables(ws) == []
        ref = Workspace()
        ingest_file(ref, src, fast=False)
        _assert_same(_state(ws), _state(ref))



def test_fresh_platform_goes_straight_into_posts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first file of a platform is read by DuckDB straight into posts (nothing staged, no
    fallback); a second one of that platform takes the staged batches. Both equal the reference."""
    import brandlab.ingest.mediacrawler_sql as sql

    a = _generated(tmp_path / "a" / "douyin_search_contents_2025-11-02.csv", 2_000, seed=5)
    b = _generated(tmp_path / "b" / "douyin_search_contents_2025-11-02.csv", 2_000, seed=6)
    staged: list[str] = []
    stage = sql.stage_csv

    def counting_stage(ws: object, path: Path, *args: object) -> None:
        staged.append(path.parent.name)
        stage(ws, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(sql, "stage_csv", counting_stage)
    fast, ref, _ = _both([a, b], chunk_size=500)
    _assert_same(fast, ref)
    assert staged == ["b"]      # once per workspace in _both: only the fast one stages, and only b


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_quoted_newlines_and_blank_lines_number_rows_as_reference(tmp_path: Path, newline: str) -> None:
    """Rows numbered as the chunked reader numbers them: a quoted line break is inside one row,
    blank lines are no rows; duplicates and quoted null strings as well."""
    rows = [DOUYIN]
    for i in range(40):
        desc = f"第{i}行\n第二行 #淄博烧烤" if i % 3 == 0 else ("NA" if i % 5 == 0 else f"#话题{i % 4}")
        rows.append([f"74310000000000{i % 30:05d}", "0", "t", desc, "1730000000", str(i % 7), "MS4w", "n",
                     str(i), "1", "2", "3", "", str(1762070400000 + (i * 7919) % 13), ""])
    p = tmp_path / "douyin_search_contents_2025-11-02.csv"
    with p.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator=newline, quoting=csv.QUOTE_ALL)
        for k, row in enumerate(rows):
            w.writerow(row)
            if k % 9 == 4:
                f.write(newline)
    fast, ref, reports = _both([p], chunk_size=7)
    _assert_same(fast, ref)
    assert sorted(fast["posts"]["source_row"].tolist())[-1] >= 39 and len(fast["posts"]) == 30


def test_batch_sizes_are_the_chunked_readers(tmp_path: Path) -> None:
    from brandlab.ingest.base import ReadContext
    from brandlab.ingest.mediacrawler_io import batch_sizes, csv_batches

    p = _generated(tmp_path / "douyin_search_contents_2025-11-02.csv", 9_000, seed=7)   # ~3 MB: 1 MB blocks
    columns = p.read_text().splitlines()[0].split(",")
    ctx = ReadContext(str(p), chunk_size=400)
    sizes = [t.num_rows for t, _ in csv_batches(p, columns, ctx) if t is not None]
    assert len(sizes) >= 3 and batch_sizes(p, columns, ctx) == sizes


def test_failure_on_the_direct_path_leaves_a_fresh_workspace_empty(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows went into posts inside the transaction; a later failure rolls them back."""
    import brandlab.ingest.writer as writer

    big = _generated(tmp_path / "douyin_search_contents_2025-11-03.csv", 1_000, seed=8)

    def failing_derive(ws: object, source_file: str) -> dict[str, int]:
        raise OSError(28, "No space left on device")

    with Workspace(tmp_path / "ws.duckdb") as ws:
        monkeypatch.setattr(writer, "derive_from_posts", failing_derive)
        with pytest.raises(OSError, match="No space left"):
            ingest_file(ws, big)
        assert ws.count("posts") == 0 and ws.count("quarantine") == 0 and _staging_tables(ws) == []
        monkeypatch.undo()
        ingest_file(ws, big)
        assert ws.count("posts") > 900


@pytest.mark.parametrize("chunk_size", [4, 1_000])
def test_duplicates_between_fast_and_slow_rows_on_the_direct_path(tmp_path: Path, chunk_size: int,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A key held by fast rows and by rows the Python parser takes (a display count, an id with
    spaces around it, a missing crawl time): the direct path keeps the row the chunked reader keeps,
    whichever side it is on, without staging anything."""
    import brandlab.ingest.mediacrawler_sql as sql

    def no_staging(*args: object) -> None:
        raise AssertionError("the fresh workspace must take the direct path")

    ids = [f"74310000000000{k:05d}" for k in range(4)]
    rows = [  # id, liked_count, last_modify_ts
        (ids[0], "5", "1762070400000"), (ids[0], "1.2万", "1762070500000"),       # slow and newer: wins
        (ids[1], "1.5万", "1762070600000"), (ids[1], "7", "1762070400000"),       # slow and newer, first
        (ids[2], "9", "1762070700000"), (f" {ids[2]} ", "3", "1762070400000"),    # spaced id: slow, older
        (ids[3], "1", "1762070400000"), (ids[3], "2万", ""), (ids[3], "4", "1762070300000"),  # no crawl time
        (ids[0], "6", "1762070450000"), (ids[2], "8", ""), (ids[1], "3千", "1762070800000"),
    ]
    p = tmp_path / "douyin_search_contents_2025-11-02.csv"
    with p.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(DOUYIN)
        for i, (aweme, liked, crawl) in enumerate(rows):
            w.writerow([aweme, "0", "t", f"#话题{i}", "1730000000", str(i), "MS4w", f"n{i}", liked, "1", "2", "3",
                        "", crawl, ""])
    monkeypatch.setattr(sql, "stage_csv", no_staging)
    fast, ref, reports = _both([p], chunk_size=chunk_size)
    _assert_same(fast, ref)
    assert sorted(fast["posts"]["post_id"]) == ids
    won = dict(zip(fast["posts"]["post_id"], fast["posts"]["like_count"], strict=True))
    assert won[ids[0]] == 12_000 or chunk_size == 4    # one batch: the newest crawl, a display count
    assert {k: vars(v) for k, v in reports[0][0].tables.items()} == \
        {k: vars(v) for k, v in reports[1][0].tables.items()}


def test_direct_path_numbers_rows_of_a_file_scanned_in_parallel_pieces(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB scans the file in many pieces on several threads (a 64 KiB read buffer, 4 threads);
    rows are still numbered in file order (the rowid of the order-preserving CREATE TABLE AS),
    so every stored row, slow and duplicate rows included, equals the reference reader's."""
    import brandlab.ingest.mediacrawler_direct as direct
    from brandlab.workspace import Workspace as Ws

    a = _generated(tmp_path / "douyin_search_contents_2025-11-02.csv", 3_000, seed=7)
    assert a.stat().st_size > 12 * 65_536
    monkeypatch.setattr(direct, "_BUFFER", [", buffer_size = 65536"])
    converted: list[int] = []
    convert = direct.convert_file

    def counting(ws: Ws, *args: object) -> None:
        ws.con.execute("SET threads = 4")
        convert(ws, *args)  # type: ignore[arg-type]
        converted.append(ws.con.execute("SELECT count(*) FROM _mc_all").fetchall()[0][0])

    monkeypatch.setattr(direct, "convert_file", counting)
    fast, ref, _ = _both([a], chunk_size=700)
    _assert_same(fast, ref)
    assert converted == [3_000]   # the direct path took the file (no fallback)
    assert fast["posts"]["source_row"].max() == 3_000


_COUNT_TEXT = st.one_of(
    st.from_regex(r"\A[0-9]{1,12}([.][0-9]{1,8})?[ ]?(万|w|W|亿|千|k|K)?[ ]?[+]?\Z", fullmatch=True),
    st.from_regex(r"\A[0-9０-９.,+万亿千kKwW -]{1,12}\Z", fullmatch=True),
    st.sampled_from(["1.2万", "10万+", "3.5w", "8K", "3千", "1.1亿", "999+", "0.5万", "1.00005万", "2.5",
                     "0000012万", "１２万", "1,2万", "1.2万 ", "-", "无", "12.3456789万", "9999999999万"]))


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_COUNT_TEXT, min_size=1, max_size=40))
def test_sql_counts_agree_with_parse_count(values: list[str]) -> None:
    """Where the SQL takes a count itself (plain digits, or a unit / '+' display count) its value and
    cap flag are parse_count's; a value parse_count rejects is never taken."""
    from brandlab.ingest.mediacrawler_sql import _Sql
    from brandlab.ingest.values import ValueParseError, parse_count

    s = _Sql(["c"])
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"c": pd.Series(values, dtype=object)}))
    rows = con.execute(f"SELECT c, {s.count_ok('c')}, {s.count('c')}, {s.capped(['c'])} FROM t").fetchall()
    for raw, ok, value, capped in rows:
        try:
            want: tuple[int | None, bool] | None = parse_count(raw)
        except ValueParseError:
            want = None
        if ok:
            assert want is not None and (value, capped) == want, raw


def test_sql_takes_the_common_display_counts() -> None:
    from brandlab.ingest.mediacrawler_sql import _Sql

    s = _Sql(["c"])
    got = duckdb.sql(f"SELECT c, {s.count_ok('c')}, {s.count('c')}, {s.capped(['c'])} FROM (VALUES "
                     "('1.2万'), ('10万+'), ('3.5w'), ('8K'), ('3千'), ('1.1亿'), ('999+'), ('0.00005万'), ('12'),"
                     " ('12.5'), ('1.2 万'), ('１２')) v(c)").fetchall()
    assert got == [("1.2万", True, 12000, False), ("10万+", True, 100000, True), ("3.5w", True, 35000, False),
                   ("8K", True, 8000, False), ("3千", True, 3000, False), ("1.1亿", True, 110000000, False),
                   ("999+", True, 999, True), ("0.00005万", True, 1, False), ("12", True, 12, False),
                   ("12.5", False, None, False), ("1.2 万", False, None, False), ("１２", False, None, False)]


_TEXTISH = st.one_of(
    st.none(), st.text(max_size=8),
    st.builds(lambda a, b, c: a + b + c, st.sampled_from(["", *WHITESPACE]), st.sampled_from(["", "x", "淄", "\u3001"]),
              st.sampled_from(["", *WHITESPACE])))


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_TEXTISH, min_size=1, max_size=40))
def test_sql_text_is_null_exactly_when_python_strips_it_empty(values: list[str | None]) -> None:
    """The text mask (its first-character shortcut included) keeps a value as it is unless it is
    empty or only whitespace, as the reference reader's ``_text`` does."""
    from brandlab.ingest.mediacrawler_sql import _Sql

    con = duckdb.connect()
    con.register("t", pd.DataFrame({"c": pd.Series(values, dtype=object)}))
    got = [r[0] for r in con.execute(f"SELECT {_Sql(['c']).text('c')} FROM t").fetchall()]
    assert got == [v if v is not None and v.strip() else None for v in values]


def test_sql_times_agree_with_parse_time() -> None:
    """Every time form the SQL takes converts to parse_time's instant; the forms it leaves to Python
    (pre-1992 naive times, relative times, other layouts) are NULL there, so the row is slow."""
    from brandlab.ingest.mediacrawler_sql import _Sql
    from brandlab.ingest.values import parse_time

    taken = ["100000000", "1730000000", "99999999999", "100000000000", "1730000000123", "99999999999999",
             "100000000000000", "173000000012345", "2024-11-26 12:38:46", "1992-01-01 00:00:00",
             "2024-11-26 12:38:46+08:00", "2024-11-26 04:38:46+00:00", "1985-06-01 12:00:00+09:00"]
    left = ["1991-12-31 23:59:59", "5分钟前", "2024-11-26T12:38:46", "2024-02-30 00:00:00", "0173000000",
            "1730000000.5", "12345678", "2024-11-26 12:38"]
    s = _Sql(["c"])
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    con.register("t", pd.DataFrame({"c": taken + left}))
    rows = con.execute(f"SELECT c, {s.time_ok('c')}, epoch_us({s.time('c')}) FROM t").fetchall()
    for raw, ok, us in rows:
        if raw in taken:
            assert ok, raw
            want = parse_time(raw).tz_convert("UTC").tz_localize(None).as_unit("us").asm8.view("i8")
            assert us == int(want), raw   # microseconds since the epoch (years past 2262 included)
        else:
            assert not ok and us is None, raw


def test_direct_path_refuses_a_conversion_plan_that_may_reorder_rows(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A long IN list is planned as a hash join, which loses the scan's order while the rowids still
    run 0..n-1: the direct path then leaves the file to the batched path, whose result is the
    reference reader's."""
    import brandlab.ingest.mediacrawler_direct as direct

    a = _generated(tmp_path / "douyin_search_contents_2025-11-02.csv", 500, seed=3)
    plain = direct.converted_sql

    def with_in_list(*args: Any) -> str:
        names = ", ".join(f"'no-such-id-{i}'" for i in range(20))
        return f"SELECT * FROM ({plain(*args)}) WHERE post_id NOT IN ({names})"

    monkeypatch.setattr(direct, "converted_sql", with_in_list)
    columns = next(csv.reader(a.open(encoding="utf-8-sig")))
    with duckdb.connect() as con:
        ops = direct.plan_operators(con, with_in_list(SPECS[("douyin", "contents")], columns, ReadContext(str(a)), a))
    assert "HASH_JOIN" in ops
    fallbacks: list[str] = []
    fallback = direct.DirectPosts.fallback

    def counting(self: direct.DirectPosts) -> Any:
        fallbacks.append(self.path.name)
        return fallback(self)

    monkeypatch.setattr(direct.DirectPosts, "fallback", counting)
    fast, ref, _ = _both([a], chunk_size=200)
    _assert_same(fast, ref)
    assert fallbacks == [a.name]


def test_direct_path_adds_the_file_wide_literals_it_does_not_store(tmp_path: Path) -> None:
    """platform, kind, campaign (a quote in it), source_file/format and the columns the export lacks
    are one literal for the whole file: the direct path leaves them out of its temp table and adds
    them in the INSERT; the stored rows equal the reference reader's."""
    import brandlab.ingest.mediacrawler_direct as direct

    a = _generated(tmp_path / "douyin_search_contents_2025-11-02.csv", 400, seed=5)
    columns = next(csv.reader(a.open(encoding="utf-8-sig")))
    const = direct.constant_columns(SPECS[("douyin", "contents")], columns, ReadContext(str(a), campaign="it's"))
    assert {"platform", "kind", "campaign", "source_file", "source_format", "parent_id"} <= set(const)
    assert "post_id" not in const and "hashtags" not in const
    states = []
    for fast in (True, False):
        with Workspace(":memory:") as ws:
            ingest_file(ws, a, fast=fast, campaign="it's")
            states.append(_state(ws))
    _assert_same(*states)
    assert set(states[0]["posts"]["campaign"]) == {"it's"} and set(states[0]["posts"]["platform"]) == {"douyin"}
