"""MediaCrawler adapters: one per platform and storage mode (csv, json, jsonl, excel) plus sqlite.

Thin readers that stream raw records in chunks to :func:`brandlab.ingest.mediacrawler.parse_records`.
CSV goes through ``pyarrow.csv`` (every column as string, ragged rows quarantined); JSONL is
read line by line (a broken line is quarantined, the rest are kept); a JSON array is read whole
(a truncated file is an error naming line and column); Excel sheets ``Contents``/``Comments``/
``Creators``; SQLite tables per FORMATS.md §1.4.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from brandlab.errors import ExportFormatError, format_message
from brandlab.ingest.base import (
    ROW_LEVEL,
    Head,
    Parsed,
    ReadContext,
    empty_quarantine,
    read_head,
    read_json_records,
    register_adapter,
)
from brandlab.ingest.mediacrawler import PLATFORMS, SPECS, ItemSpec, best_spec, parse_records, score_item
from brandlab.ingest.values import detect_encoding, open_text

PATH_HINTS = {"douyin": ("douyin", "dy"), "xhs": ("xhs", "xiaohongshu"), "weibo": ("weibo", "wb"),
              "bilibili": ("bili", "bilibili"), "kuaishou": ("kuaishou", "ks")}
SHEETS = {"contents": "contents", "videos": "contents", "comments": "comments", "creators": "creators",
          "creator": "creators"}
SQLITE_TABLES: dict[str, tuple[str, str]] = {
    "douyin_aweme": ("douyin", "contents"), "douyin_aweme_comment": ("douyin", "comments"),
    "dy_creator": ("douyin", "creators"), "xhs_note": ("xhs", "contents"),
    "xhs_note_comment": ("xhs", "comments"), "xhs_creator": ("xhs", "creators"),
    "weibo_note": ("weibo", "contents"), "weibo_note_comment": ("weibo", "comments"),
    "weibo_creator": ("weibo", "creators"), "bilibili_video": ("bilibili", "contents"),
    "bilibili_video_comment": ("bilibili", "comments"), "bilibili_up_info": ("bilibili", "creators"),
    "kuaishou_video": ("kuaishou", "contents"), "kuaishou_video_comment": ("kuaishou", "comments"),
}


def _hint(path: Path, platform: str) -> float:
    parts = {p.lower() for p in path.parts[-3:]} | set(path.stem.lower().replace("-", "_").split("_"))
    return 0.05 if parts & set(PATH_HINTS[platform]) else 0.0


def _spec_or_fail(fields: set[str], platform: str, ctx: ReadContext) -> ItemSpec:
    spec = best_spec(fields, platform)
    if spec is None:
        raise ExportFormatError(format_message(
            f"{Path(ctx.source_file).name!r} does not look like MediaCrawler {platform} contents, comments or "
            "creators", expected="an id column such as aweme_id / note_id / video_id / comment_id / user_id",
            found=f"columns {sorted(fields)[:20]}", fix="pass --format with the right adapter"),
            path=ctx.source_file)
    return spec


def _quarantine_line(row: int, reason: str, text: str) -> pd.DataFrame:
    return pd.DataFrame({"source_row": pd.array([row], dtype="Int64"), "column": [ROW_LEVEL], "value": [None],
                         "reason": [reason], "raw": [json.dumps({"line": text[:2000]}, ensure_ascii=False)]})


def _read_options(path: Path, columns: list[str], ctx: ReadContext, head: Head | None,
                  encoding: str) -> pacsv.ReadOptions:
    """The ``pyarrow.csv`` read options of a file's batches: blocks of about ``ctx.chunk_size`` rows
    (by the average line length of its head), so the batches are the same on every reader."""
    head = head or read_head(path)
    avg = max(64, len("\n".join(head.lines).encode()) // max(1, len(head.lines)))
    return pacsv.ReadOptions(block_size=int(min(max(avg * ctx.chunk_size, 1 << 20), 1 << 28)),
                             encoding="utf8" if encoding == "utf-8-sig" else "gb18030",
                             column_names=columns, skip_rows=1, use_threads=False)


def batch_sizes(path: Path, columns: list[str], ctx: ReadContext) -> list[int]:
    """The number of rows in each batch :func:`csv_batches` gives for a UTF-8 file without ragged
    lines (only the first column is converted; the batches are cut by the same blocks)."""
    ropts = _read_options(path, columns, ctx, None, "utf-8-sig")
    copts = pacsv.ConvertOptions(column_types={columns[0]: pa.string()}, include_columns=[columns[0]])
    reader = pacsv.open_csv(path, read_options=ropts, convert_options=copts,
                            parse_options=pacsv.ParseOptions(newlines_in_values=True))
    return [b.num_rows for b in reader]


def csv_batches(path: Path, columns: list[str], ctx: ReadContext, *,
                head: Head | None = None) -> Iterator[tuple[pa.Table | None, pd.DataFrame]]:
    """The rows of a MediaCrawler CSV as they stream from ``pyarrow.csv``, about ``ctx.chunk_size``
    rows at a time: each table holds every column as (nullable) text plus a 1-based ``source_row``
    (data rows; header and blank lines not counted, a ragged line still counted), with the
    quarantine rows of the ragged lines skipped while reading it. A last ``(None, quarantine)``
    carries ragged lines found after the last batch. Both CSV readers (the chunked pandas one
    and the DuckDB one) read through here, so they see the same rows in the same batches."""
    skipped: list[tuple[int, str, str]] = []

    def on_invalid(row: Any) -> str:
        number = int(row.number) - 1 if row.number is not None else -1
        skipped.append((number, f"ragged row: {row.actual_columns} fields where the header has "
                                f"{row.expected_columns}", row.text))
        return "skip"

    ropts = _read_options(path, columns, ctx, head, detect_encoding(path))
    copts = pacsv.ConvertOptions(column_types={c: pa.string() for c in columns}, strings_can_be_null=True)
    try:
        reader = pacsv.open_csv(path, read_options=ropts, convert_options=copts,
                                parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid,
                                                                 newlines_in_values=True))
    except pa.ArrowInvalid as err:
        raise ExportFormatError(f"cannot read {path.name!r} as CSV: {err}", path=str(path)) from err
    done = 0
    reported = 0

    def ragged() -> pd.DataFrame:
        nonlocal reported
        new = skipped[reported:]
        reported = len(skipped)
        if not new:
            return empty_quarantine()
        return pd.concat([_quarantine_line(n, why, text) for n, why, text in new], ignore_index=True)

    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as err:
            raise ExportFormatError(format_message(
                f"cannot read {path.name!r} as CSV after data row {done}: {err}",
                fix="check the file is complete and not hand-edited (unbalanced quotes)"),
                path=str(path), row=done + 1) from err
        rows = np.arange(done + 1, done + batch.num_rows + 1)
        for s in sorted(n for n, _, _ in skipped):
            rows[rows >= s] += 1
        done += batch.num_rows
        table = pa.Table.from_batches([batch]).append_column("source_row", pa.array(rows))
        yield table, ragged()
    if len(skipped) > reported:
        yield None, ragged()


class MediaCrawlerText:
    """MediaCrawler csv / json / jsonl files of one platform (contents, comments or creators)."""

    def __init__(self, platform: str, mode: str) -> None:
        self.platform = platform
        self.mode = mode
        self.name = f"mediacrawler.{platform}.{mode}"

    def sniff(self, path: Path, head: Head) -> float:
        if head.kind != self.mode or (self.mode == "json" and head.keys):
            return 0.0
        ranked = [s for s, sp in score_item(head.fields) if sp.platform == self.platform]
        return min(1.0, ranked[0] + _hint(path, self.platform)) if ranked else 0.0

    def parse(self, records: Any, ctx: ReadContext) -> Parsed:
        frame = records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
        return parse_records(frame, _spec_or_fail(set(map(str, frame.columns)), self.platform, ctx), ctx)

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        reader = {"csv": self._read_csv, "json": self._read_json, "jsonl": self._read_jsonl}[self.mode]
        yield from reader(path, ctx)

    # -- csv ------------------------------------------------------------------------------
    def stage_sql(self, ws: Any, path: Path, ctx: ReadContext) -> Any:
        """Contents/comments CSV converted by DuckDB (see mediacrawler_sql), asked before the file's
        transaction; returns the :class:`~brandlab.ingest.mediacrawler_sql.StagedPosts` that streams
        it in (inside the transaction), or None for every file the chunked :meth:`read` must take."""
        if self.mode != "csv":
            return None
        from brandlab.ingest import mediacrawler_sql as sql

        columns = [c.lstrip("\ufeff") for c in read_head(path).columns]
        spec = _spec_or_fail(set(columns), self.platform, ctx) if columns and any(columns) else None
        if spec is None or spec.item == "creators" or not sql.stage_posts_csv(ws, path, spec, columns, ctx):
            return None
        from brandlab.ingest import mediacrawler_direct as direct

        if direct.platform_is_empty(ws, spec.platform):   # nothing to merge with: straight into posts
            return direct.DirectPosts(ws, spec, columns, ctx, path)
        return sql.StagedPosts(ws, spec, columns, ctx, path)

    def _read_csv(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        head = read_head(path)
        columns = [c.lstrip("\ufeff") for c in head.columns]
        if not columns or not any(columns):
            raise ExportFormatError(format_message(f"{path.name!r} has no header row",
                                                   expected="a CSV whose first line names the columns"),
                                    path=str(path), row=1)
        spec = _spec_or_fail(set(columns), self.platform, ctx)
        for table, ragged in csv_batches(path, columns, ctx, head=head):
            if table is None:
                yield Parsed(quarantine=ragged, primary="authors" if spec.item == "creators" else "posts",
                             rows_read=len(ragged))
                continue
            parsed = parse_records(table.to_pandas(), spec, ctx)
            if len(ragged):
                parsed.quarantine = pd.concat([parsed.quarantine, ragged], ignore_index=True)
                parsed.rows_read += len(ragged)
            yield parsed

    # -- jsonl ----------------------------------------------------------------------------
    def _read_jsonl(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        records: list[dict[str, Any]] = []
        bad: list[pd.DataFrame] = []
        with open_text(path) as f:
            for lineno, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as err:
                    bad.append(_quarantine_line(lineno, f"invalid JSON on line {lineno}, column {err.colno}: "
                                                        f"{err.msg}", line))
                    continue
                if not isinstance(rec, dict):
                    bad.append(_quarantine_line(lineno, f"line {lineno} is a JSON {type(rec).__name__}, not an "
                                                        "object", line))
                    continue
                rec["source_row"] = lineno
                records.append(rec)
                if len(records) >= ctx.chunk_size:
                    yield self._chunk(records, bad, ctx)
                    records, bad = [], []
        if records or bad:
            yield self._chunk(records, bad, ctx)

    def _chunk(self, records: list[dict[str, Any]], bad: list[pd.DataFrame], ctx: ReadContext) -> Parsed:
        if records:
            parsed = self.parse(records, ctx)
        else:
            parsed = Parsed(quarantine=empty_quarantine(), rows_read=0)
        if bad:
            parsed.quarantine = pd.concat([parsed.quarantine, *bad], ignore_index=True)
            parsed.rows_read += len(bad)
        return parsed

    # -- json -----------------------------------------------------------------------------
    def _read_json(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        items = read_json_records(path, detect_encoding(path))
        chunk: list[dict[str, Any]] = []
        bad: list[pd.DataFrame] = []
        for i, rec in enumerate(items, start=1):
            if not isinstance(rec, dict):
                bad.append(_quarantine_line(i, f"record {i} is a JSON {type(rec).__name__}, not an object",
                                            json.dumps(rec, ensure_ascii=False)))
                continue
            chunk.append({**rec, "source_row": i})
            if len(chunk) >= ctx.chunk_size:
                yield self._chunk(chunk, bad, ctx)
                chunk, bad = [], []
        if chunk or bad:
            yield self._chunk(chunk, bad, ctx)


class MediaCrawlerExcel:
    """MediaCrawler excel mode: one workbook with sheets Contents, Comments, Creators."""

    mode = "excel"

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.name = f"mediacrawler.{platform}.excel"

    def sniff(self, path: Path, head: Head) -> float:
        if head.kind != "excel":
            return 0.0
        best = 0.0
        for sheet, rows in head.sheets.items():
            if sheet.strip().lower() in SHEETS and rows and rows[0]:
                fields = {str(c).strip() for c in rows[0] if c is not None}
                ranked = [s for s, sp in score_item(fields) if sp.platform == self.platform]
                if ranked:
                    best = max(best, ranked[0])
        return min(1.0, best + _hint(path, self.platform)) if best else 0.0

    def parse(self, records: Any, ctx: ReadContext) -> Parsed:
        return MediaCrawlerText(self.platform, "json").parse(records, ctx)

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        offset = 0
        try:
            for ws in wb.worksheets:
                if ws.title.strip().lower() not in SHEETS:
                    continue
                rows = ws.iter_rows(values_only=True)
                header = next(rows, None)
                if not header:
                    continue
                cols = [str(c).strip() if c is not None else f"column_{i + 1}" for i, c in enumerate(header)]
                spec = _spec_or_fail(set(cols), self.platform, ctx)
                chunk: list[dict[str, Any]] = []
                for i, row in enumerate(rows, start=1):
                    if row is None or all(v is None or v == "" for v in row):
                        continue
                    rec = {c: (None if v == "" else v) for c, v in zip(cols, row, strict=False)}
                    rec["source_row"] = offset + i
                    chunk.append(rec)
                    if len(chunk) >= ctx.chunk_size:
                        yield parse_records(chunk, spec, ctx)
                        chunk = []
                if chunk:
                    yield parse_records(chunk, spec, ctx)
                offset += ws.max_row or 0
        finally:
            wb.close()


class MediaCrawlerSqlite:
    """MediaCrawler sqlite mode: tables douyin_aweme, xhs_note, ... (FORMATS.md §1.4), every platform."""

    name = "mediacrawler.sqlite"
    platform = None
    mode = "sqlite"

    def sniff(self, path: Path, head: Head) -> float:
        if head.kind != "sqlite":
            return 0.0
        known = [t for t in head.tables if t in SQLITE_TABLES]
        return 0.95 if known else 0.0

    def parse(self, records: Any, ctx: ReadContext) -> Parsed:
        frame = records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
        spec = best_spec(set(map(str, frame.columns)))
        if spec is None:
            raise ExportFormatError(f"records do not look like any MediaCrawler table: {list(frame.columns)[:20]}",
                                    path=ctx.source_file)
        return parse_records(frame, spec, ctx)

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        offset = 0
        try:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            for table in tables:
                if table not in SQLITE_TABLES:
                    continue
                spec = SPECS[SQLITE_TABLES[table]]
                cur = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
                cols = [d[0] for d in cur.description]
                n = 0
                while True:
                    rows = cur.fetchmany(ctx.chunk_size)
                    if not rows:
                        break
                    df = pd.DataFrame.from_records(rows, columns=cols).drop(columns=["id", "add_ts"], errors="ignore")
                    df["source_row"] = np.arange(offset + n + 1, offset + n + len(df) + 1)
                    n += len(df)
                    yield parse_records(df, spec, ctx)
                offset += n
        finally:
            con.close()


for _p in PLATFORMS:
    for _m in ("csv", "json", "jsonl"):
        register_adapter(MediaCrawlerText(_p, _m))
    register_adapter(MediaCrawlerExcel(_p))
register_adapter(MediaCrawlerSqlite())
