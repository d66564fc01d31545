"""Broken inputs give a clear error naming the file (and row/column) or quarantine rows, and never a
half-written workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from brandlab.errors import ExportFormatError, UnknownFormatError
from brandlab.ingest import ingest_file
from brandlab.ingest.base import ROW_LEVEL, ReadContext, load_adapters

TABLES = ("posts", "authors", "edges", "quarantine", "ingest_log")


@pytest.fixture
def mc(fixtures_dir: Path) -> Path:
    return fixtures_dir / "exports" / "mediacrawler"


@pytest.fixture
def loaded(ws, mc: Path):
    ingest_file(ws, mc / "douyin/csv/search_contents_2025-11-02.csv")
    return ws


def _counts(ws) -> dict[str, int]:
    return {t: ws.count(t) for t in TABLES}


def test_truncated_json(loaded, mc: Path, tmp_path: Path) -> None:
    text = (mc / "xhs/json/search_contents_2025-11-02.json").read_text(encoding="utf-8")
    p = tmp_path / "search_contents_2025-11-02.json"
    p.write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    before = _counts(loaded)
    with pytest.raises(ExportFormatError, match=r"search_contents_2025-11-02.json.*line \d+, column \d+") as info:
        ingest_file(loaded, p, fmt="mediacrawler.xhs.json")
    assert info.value.path == str(p)
    assert _counts(loaded) == before


def test_csv_missing_required_column(loaded, mc: Path, tmp_path: Path) -> None:
    import pandas as pd

    df = pd.read_csv(mc / "douyin/csv/search_contents_2025-11-02.csv", dtype=str, encoding="utf-8-sig")
    p = tmp_path / "broken.csv"
    df.drop(columns=["create_time"]).to_csv(p, index=False, encoding="utf-8-sig")
    before = _counts(loaded)
    with pytest.raises(ExportFormatError, match=r"'.*broken.csv' is missing columns \['create_time'\]") as info:
        ingest_file(loaded, p)
    assert info.value.column == "create_time"
    assert _counts(loaded) == before


def test_gbk_file_is_read(ws, mc: Path, tmp_path: Path) -> None:
    text = (mc / "weibo/csv/search_contents_2025-11-02.csv").read_text(encoding="utf-8-sig")
    p = tmp_path / "weibo_gbk.csv"
    p.write_bytes(text.encode("gbk"))
    r = ingest_file(ws, p)
    assert r.tables["posts"].accepted == 2
    assert ws.read("posts", where="post_id = '5106001984359073'").iloc[0]["text"].startswith("#淄博烧烤#")


def test_undecodable_file_names_byte_offset(ws, tmp_path: Path) -> None:
    p = tmp_path / "garbage.csv"
    p.write_bytes("note_id,content\n1,好\n".encode() + b"\xff\xfe\xff\x80\x81" * 3)
    with pytest.raises(ExportFormatError, match=r"garbage.csv.*byte \d+"):
        from brandlab.ingest.values import read_text

        read_text(p)


def test_empty_file(loaded, tmp_path: Path) -> None:
    p = tmp_path / "search_contents_2025-11-02.csv"
    p.write_bytes(b"")
    before = _counts(loaded)
    with pytest.raises(ExportFormatError, match="is empty"):
        ingest_file(loaded, p)
    assert _counts(loaded) == before


def test_unknown_format_lists_what_was_tried(ws, tmp_path: Path) -> None:
    p = tmp_path / "other.csv"
    p.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(UnknownFormatError, match=r"other.csv.*tried \d+ adapters.*'foo'"):
        ingest_file(ws, p)


def test_failure_midway_rolls_back(loaded, mc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose second chunk fails leaves nothing of its first chunk behind."""
    from brandlab.ingest import mediacrawler_io

    text = (mc / "douyin/jsonl/search_contents_2025-11-02.jsonl").read_text(encoding="utf-8")
    p = tmp_path / "search_contents_2025-11-05.jsonl"
    p.write_text(text.replace("74321000000000000", "74329900000000000"), encoding="utf-8")
    real = mediacrawler_io.parse_records
    calls: list[int] = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("simulated failure in the second chunk")
        return real(*args, **kwargs)

    monkeypatch.setattr(mediacrawler_io, "parse_records", flaky)
    before = _counts(loaded)
    with pytest.raises(ExportFormatError, match="search_contents_2025-11-05.jsonl.*simulated failure"):
        ingest_file(loaded, p, chunk_size=1)
    assert len(calls) == 2
    assert _counts(loaded) == before


def test_bad_rows_are_quarantined_with_reason(ws, mc: Path, tmp_path: Path) -> None:
    src = mc / "douyin/jsonl/search_contents_2025-11-02.jsonl"
    p = tmp_path / src.name
    shutil.copy(src, p)
    with p.open("a", encoding="utf-8") as f:
        f.write('{"aweme_id": "74321000000000000\n')           # a cut-off last line
    r = ingest_file(ws, p)
    c = r.tables["posts"]
    assert (c.read, c.accepted, c.quarantined) == (4, 2, 2)
    q = ws.read("quarantine").sort_values("source_row")
    assert q["reason"].str.contains("cannot read '12x' as a count").any()
    assert q["reason"].str.contains("invalid JSON on line 4").any()
    assert set(q["column"]) == {"liked_count", ROW_LEVEL}   # the broken line is a whole-row problem
    assert q["raw"].notna().all()
    log = ws.read("ingest_log")
    row = log[log["table_name"] == "posts"].iloc[0]
    assert (row["rows_read"], row["rows_accepted"], row["rows_quarantined"]) == (4, 2, 2)


def test_reingest_keeps_quarantine_idempotent(ws, mc: Path, tmp_path: Path) -> None:
    """Whole-row problems key on column '(row)', never NULL, so re-ingesting replaces them."""
    src = mc / "douyin/csv/search_contents_2025-11-02.csv"
    p = tmp_path / src.name
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    p.write_text("\n".join([*lines, "only,three,fields", '"7431","x"']) + "\n", encoding="utf-8")
    ingest_file(ws, p)
    first = ws.read("quarantine").sort_values(["source_row", "column"]).reset_index(drop=True)
    assert (first["column"] == ROW_LEVEL).sum() == 2 and first["column"].notna().all()
    ingest_file(ws, p)
    ingest_file(ws, p, chunk_size=1)
    again = ws.read("quarantine").sort_values(["source_row", "column"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(first.drop(columns="quarantined_at"), again.drop(columns="quarantined_at"))
    assert ws.count("quarantine") == len(first)


def test_relative_time_without_anchor_is_quarantined(ws, tmp_path: Path) -> None:
    p = tmp_path / "contents.jsonl"   # no date in the name, no last_modify_ts
    p.write_text('{"note_id": "a1", "type": "normal", "desc": "x", "time": "5分钟前", "liked_count": "1"}\n'
                 '{"note_id": "a2", "type": "normal", "desc": "y", "time": 1730634799000, "liked_count": "2"}\n',
                 encoding="utf-8")
    r = ingest_file(ws, p, fmt="mediacrawler.xhs.jsonl")
    assert r.tables["posts"].quarantined == 1
    assert ws.read("quarantine").iloc[0]["reason"].endswith("pass --as-of")
    r = ingest_file(ws, p, fmt="mediacrawler.xhs.jsonl", as_of="2025-04-22 12:00")
    assert ws.read("posts", where="post_id = 'a1'").iloc[0]["published_at"].hour == 11


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("ragged", [False, True])
def test_source_row_is_the_data_row_across_multiline_fields(ws, mc: Path, tmp_path: Path, fast: bool,
                                                            ragged: bool) -> None:
    """source_row counts data rows (1-based, header and blank lines not counted), not file lines:
    a quoted caption with line breaks does not shift the rows after it, ragged or not."""
    src = mc / "douyin/csv/search_contents_2025-11-02.csv"
    header, *rows = src.read_text(encoding="utf-8-sig").splitlines()
    cols = header.split(",")
    first = dict(zip(cols, next(__import__("csv").reader([rows[0]])), strict=True))
    multi = {**first, "aweme_id": "7431999999999999001", "desc": "第一行\n第二行\n\n第四行 #淄博"}
    after = {**first, "aweme_id": "7431999999999999002"}
    p = tmp_path / src.name
    with p.open("w", encoding="utf-8", newline="") as f:
        w = __import__("csv").writer(f, lineterminator="\n")
        w.writerow(cols)
        w.writerow([multi[c] for c in cols])                   # data row 1: five file lines
        f.write("\n")                                          # a blank line: not a data row
        w.writerow([after[c] for c in cols])                   # data row 2
        if ragged:
            f.write("ragged,row\n")                            # data row 3
        w.writerow([first[c] for c in cols])                   # data row 3 (4 with the ragged row)
    staged = load_adapters()["mediacrawler.douyin.csv"].stage_sql(ws, p, ReadContext(str(p)))  # type: ignore[attr-defined]
    assert staged is not None               # the SQL path takes the file, ragged rows and all
    staged.close()
    ingest_file(ws, p, fast=fast)
    got = ws.read("posts").set_index("post_id")["source_row"].to_dict()
    assert got == {"7431999999999999001": 1, "7431999999999999002": 2, first["aweme_id"]: 4 if ragged else 3}
    assert ws.read("posts").set_index("post_id").loc["7431999999999999001", "text"].count("\n") == 3
    if ragged:
        q = ws.read("quarantine")
        assert q["source_row"].tolist() == [3] and q["column"].tolist() == [ROW_LEVEL]
