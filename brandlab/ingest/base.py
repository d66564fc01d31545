"""The adapter protocol, the registry, format detection and the types the ingest driver reports in.

An adapter reads one exporter's files. It has a ``name`` (``"mediacrawler.douyin.csv"``), a
``sniff(path, head)`` returning a confidence in [0, 1] computed from header names, JSON keys,
sheet names or SQLite table names (never column positions), a pure ``parse(records, ctx)``
from plain dicts (or a DataFrame of strings) to canonical tables, and a thin
``read(path, ctx)`` that streams :class:`Parsed` chunks.

:func:`~brandlab.ingest.driver.ingest_file` runs one file inside one DuckDB transaction: a failed
file leaves the workspace exactly as it was. Rejected rows go to ``quarantine`` with their reason,
column and raw record (:mod:`brandlab.ingest.writer`); ``ingest_log`` gets rows read / accepted /
quarantined per (file hash, table). The driver's and the writer's functions can still be imported
from here (loaded on first use: they import this module).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from brandlab.config import TIMEZONE
from brandlab.errors import ExportFormatError, IngestError, UnknownFormatError, format_message
from brandlab.ingest.values import ENCODINGS, to_timestamp

log = logging.getLogger(__name__)

QUARANTINE_COLUMNS = ["source_row", "column", "value", "reason", "raw"]
#: the quarantine ``column`` of a problem with the whole row (a ragged CSV line, a broken JSON line).
#: Never null: ``column`` is part of the quarantine key, and DuckDB never matches NULL keys, so a null
#: would make a re-ingest add the row again instead of replacing it.
ROW_LEVEL = "(row)"
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
SQLITE_SUFFIXES = {".db", ".sqlite", ".sqlite3"}
DATA_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES | SQLITE_SUFFIXES
HEAD_BYTES = 1 << 16


# ------------------------------------------------------------------------------------ data types


@dataclass(frozen=True)
class ReadContext:
    """What an adapter knows about the file it reads."""

    source_file: str
    file_hash: str = ""
    #: explicit anchor for relative times (``--as-of``); adapters prefer the file's own crawl time
    as_of: pd.Timestamp | None = None
    campaign: str | None = None
    chunk_size: int = 100_000
    source_format: str = ""
    #: the whole file's crawl time, when a reader knows it before parsing (the DuckDB CSV path);
    #: it wins over the crawl time of the chunk being parsed
    crawl_time: pd.Timestamp | None = None

    def anchor(self, crawl_time: Any = None) -> pd.Timestamp | None:
        """The time relative values count back from: the file's crawl time, else the chunk's crawl
        time, else the date in the file name (end of that day), else ``as_of``; None when there is
        none (rows then quarantine)."""
        if self.crawl_time is not None:
            return self.crawl_time
        if crawl_time is not None and not pd.isna(crawl_time):
            return to_timestamp(crawl_time)
        from_name = date_from_filename(self.source_file)
        if from_name is not None:
            return from_name
        return self.as_of


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="Int64" if c == "source_row" else object)
                         for c in QUARANTINE_COLUMNS})


@dataclass
class Parsed:
    """One chunk of parsed rows: canonical tables keyed by schema table name, and the rejects."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    quarantine: pd.DataFrame = field(default_factory=empty_quarantine)
    #: the table the records of this file primarily map to (posts for contents/comments files)
    primary: str = "posts"
    #: number of source records in this chunk
    rows_read: int = 0


@dataclass
class Head:
    """The first lines / records / header rows of a file, decoded once and shown to every adapter."""

    path: Path
    kind: str                                   # csv | json | jsonl | excel | sqlite | text
    lines: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)               # top-level keys of a JSON object
    sheets: dict[str, list[list[Any]]] = field(default_factory=dict)  # sheet -> first rows
    tables: dict[str, list[str]] = field(default_factory=dict)        # sqlite table -> columns
    encoding: str = "utf-8-sig"

    @property
    def fields(self) -> set[str]:
        """Every header name / key seen, for quick membership tests."""
        out = set(self.columns) | set(self.keys)
        for r in self.records[:5]:
            out |= set(r)
        return out


@runtime_checkable
class Adapter(Protocol):
    name: str

    def sniff(self, path: Path, head: Head) -> float: ...

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]: ...

    def parse(self, records: Any, ctx: ReadContext) -> Parsed: ...


ADAPTERS: dict[str, Adapter] = {}


def register_adapter(adapter: Adapter) -> Adapter:
    """Add an adapter to the registry (by its ``name``); returns it so it can be used as a decorator."""
    ADAPTERS[adapter.name] = adapter
    return adapter


def load_adapters() -> dict[str, Adapter]:
    """Import every module of brandlab.ingest so that each registers its adapters."""
    import importlib
    import pkgutil

    import brandlab.ingest as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name not in ("base", "values", "driver", "writer"):
            importlib.import_module(f"brandlab.ingest.{mod.name}")
    return ADAPTERS


# ------------------------------------------------------------------------------------ helpers


def quarantine_rows(records: pd.DataFrame | Sequence[dict[str, Any]], bad: pd.Series | Sequence[bool],
                    *, column: str | None, reason: str | pd.Series, value: pd.Series | None = None,
                    source_row: pd.Series | None = None) -> pd.DataFrame:
    """Quarantine rows for the records flagged in ``bad``: source_row, column, value, reason, raw JSON.

    ``records`` are the raw records (a DataFrame of raw strings or a list of dicts) aligned with
    ``bad``; ``source_row`` defaults to a ``source_row`` column of ``records`` or 1 + position.
    ``column=None`` marks a problem with the whole row: its ``column`` is :data:`ROW_LEVEL`.
    """
    frame = records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    mask = pd.Series(list(bad), index=frame.index).fillna(False).astype(bool) \
        if not isinstance(bad, pd.Series) else bad.reindex(frame.index).fillna(False).astype(bool)
    if not mask.any():
        return empty_quarantine()
    sub = frame[mask]
    if source_row is not None:
        rows = source_row.reindex(frame.index)[mask]
    elif "source_row" in frame.columns:
        rows = sub["source_row"]
    else:
        rows = pd.Series(mask.to_numpy().nonzero()[0] + 1, index=sub.index)
    raw_cols = [c for c in sub.columns if c != "source_row"]
    raw = [json.dumps({k: _jsonable(v) for k, v in zip(raw_cols, vals, strict=True)}, ensure_ascii=False)
           for vals in sub[raw_cols].itertuples(index=False, name=None)]
    if value is not None:
        vals = value.reindex(frame.index)[mask]
    elif column is not None and column in sub.columns:
        vals = sub[column]
    else:
        vals = pd.Series([None] * len(sub), index=sub.index)
    reasons = reason.reindex(frame.index)[mask].tolist() if isinstance(reason, pd.Series) else [reason] * len(sub)
    return pd.DataFrame({
        "source_row": pd.array(rows.tolist(), dtype="Int64"),
        "column": [ROW_LEVEL if column is None else column] * len(sub),
        "value": [None if _missing(v) else str(v)[:500] for v in vals.tolist()],
        "reason": reasons,
        "raw": raw,
    })


def _missing(v: Any) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _jsonable(v: Any) -> Any:
    if _missing(v):
        return None
    if isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if hasattr(v, "item"):
        return v.item()
    return str(v)


def concat_quarantine(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty_quarantine()


_NAME_DATE = re.compile(r"(?<!\d)(20\d{2})-?(\d{2})-?(\d{2})(?:[_ -](\d{2})(\d{2})(\d{2}))?(?!\d)")


def date_from_filename(path: str | Path) -> pd.Timestamp | None:
    """'search_contents_2026-04-22.jsonl' -> end of 2026-04-22; 'xhs_search_20251102_153000.xlsx' -> that time."""
    m = _NAME_DATE.search(Path(path).name)
    if not m:
        return None
    y, mo, d, hh, mm, ss = m.groups()
    try:
        if hh is not None:
            return pd.Timestamp(int(y), int(mo), int(d), int(hh), int(mm), int(ss), tz=TIMEZONE)
        return pd.Timestamp(int(y), int(mo), int(d), 23, 59, 59, tz=TIMEZONE)
    except ValueError:
        return None


def file_hash(path: str | Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------------------------------ heads & detection


def _decode_head(data: bytes) -> tuple[str, str]:
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as err:
            if err.start >= len(data) - 4:   # a multi-byte char cut at the end of the head
                return data[: err.start].decode(enc), enc
    return data.decode("utf-8-sig", errors="replace"), "utf-8-sig"


def read_head(path: str | Path) -> Head:
    """Decode just enough of a file for adapters to recognise it."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return Head(p, "excel", sheets=_excel_head(p))
    if suffix in SQLITE_SUFFIXES:
        return Head(p, "sqlite", tables=_sqlite_head(p))
    with p.open("rb") as f:
        data = f.read(HEAD_BYTES)
    if data[:16].startswith(b"SQLite format 3"):
        return Head(p, "sqlite", tables=_sqlite_head(p))
    if data[:4] == b"PK\x03\x04":
        return Head(p, "excel", sheets=_excel_head(p))
    text, enc = _decode_head(data)
    lines = text.splitlines()
    if len(data) == HEAD_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut
    stripped = text.lstrip()
    head = Head(p, "text", lines=lines[:50], encoding=enc)
    if suffix in (".jsonl", ".ndjson") or (stripped.startswith("{") and suffix != ".json"
                                           and _is_jsonl(lines)):
        head.kind = "jsonl"
        for line in lines[:20]:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                head.records.append(obj)
    elif stripped.startswith(("[", "{")):
        head.kind = "json"
        head.records, head.keys = _json_head(stripped)
    else:
        head.kind = "csv"
        if lines:
            delim = "\t" if suffix == ".tsv" or lines[0].count("\t") > lines[0].count(",") else ","
            head.columns = [c.strip() for c in next(csv.reader([lines[0]], delimiter=delim))]
    return head


def _is_jsonl(lines: list[str]) -> bool:
    try:
        return isinstance(json.loads(lines[0]), dict) if lines else False
    except json.JSONDecodeError:
        return False


def _json_head(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """First records of a JSON array (or of the first list inside an object), from a possibly cut head."""
    dec = json.JSONDecoder()
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, list):
        return [r for r in obj[:20] if isinstance(r, dict)], []
    if isinstance(obj, dict):
        lists = [v for v in obj.values() if isinstance(v, list)]
        recs = [r for r in (lists[0][:20] if lists else []) if isinstance(r, dict)]
        return recs, list(obj)
    records: list[dict[str, Any]] = []
    if text.startswith("["):  # cut array: decode objects one by one
        pos = 1
        while len(records) < 20:
            while pos < len(text) and text[pos] in " \r\n\t,":
                pos += 1
            try:
                rec, pos = dec.raw_decode(text, pos)
            except json.JSONDecodeError:
                break
            if isinstance(rec, dict):
                records.append(rec)
        return records, []
    keys = re.findall(r'^\s{0,8}"([^"]+)"\s*:', text, flags=re.M)
    return records, list(dict.fromkeys(keys))


def _excel_head(p: Path, n_rows: int = 5) -> dict[str, list[list[Any]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a broken file
        raise ExportFormatError(format_message(
            f"cannot open {p.name!r} as an Excel workbook: {err}",
            fix="check that the file is a complete .xlsx (re-download or re-save it in Excel)"), path=str(p)) from err
    try:
        out: dict[str, list[list[Any]]] = {}
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows(min_row=1, max_row=n_rows, values_only=True):
                rows.append(list(row))
            out[ws.title] = rows
        return out
    finally:
        wb.close()


def _sqlite_head(p: Path) -> dict[str, list[str]]:
    try:
        con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        try:
            names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return {n: [r[1] for r in con.execute(f'PRAGMA table_info("{n}")')] for n in names}
        finally:
            con.close()
    except sqlite3.Error as err:
        raise ExportFormatError(format_message(
            f"cannot open {p.name!r} as a SQLite database: {err}",
            fix="check that the file is a complete SQLite export"), path=str(p)) from err


def detect(path: str | Path, *, head: Head | None = None, threshold: float = 0.5) -> Adapter:
    """The adapter most confident it can read ``path``; UnknownFormatError lists what was tried."""
    p = Path(path)
    load_adapters()
    head = head or read_head(p)
    scores = sorted(((a.sniff(p, head), name) for name, a in ADAPTERS.items()), reverse=True)
    if scores and scores[0][0] >= threshold:
        return ADAPTERS[scores[0][1]]
    seen = head.columns or sorted(head.fields) or list(head.sheets) or list(head.tables)
    tried = ", ".join(f"{n} ({s:.2f})" for s, n in scores[:8])
    raise UnknownFormatError(format_message(
        f"no ingest adapter recognises {p.name!r} (read as {head.kind})",
        expected=f"the headers of a known export; tried {len(scores)} adapters, best: {tried}",
        found=f"headers {seen[:15]}",
        fix="pass --format NAME (see brandlab ingest --list-formats) or use the generic column-map adapter"))


# ------------------------------------------------------------------------------------ the driver


@dataclass
class TableCounts:
    read: int = 0
    accepted: int = 0
    quarantined: int = 0


@dataclass
class IngestReport:
    path: str
    source_format: str
    file_hash: str
    tables: dict[str, TableCounts] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    skipped: str | None = None

    @property
    def rows_read(self) -> int:
        return sum(t.read for t in self.tables.values())

    def summary(self) -> str:
        if self.skipped:
            return f"{self.path}: skipped ({self.skipped})"
        parts = [f"{name}: {c.read:,} read, {c.accepted:,} accepted, {c.quarantined:,} quarantined"
                 for name, c in self.tables.items()]
        return f"{self.path} [{self.source_format}] " + "; ".join(parts)


Progress = Callable[[int, int], None]


class FallBack(Exception):  # noqa: N818 - a signal to the driver, never shown to a user
    """Raised by an adapter's SQL loader inside the file's transaction when the file needs its
    other path: the transaction rolls back and :func:`ingest_file` retries the file with
    ``staged.fallback()``."""


def _as_of(v: Any) -> pd.Timestamp | None:
    if v is None:
        return None
    try:
        return to_timestamp(v)
    except (ValueError, TypeError) as err:
        raise IngestError(format_message(f"cannot read --as-of {v!r} as a time",
                                         expected="e.g. 2025-04-22 or '2025-04-22 18:00'")) from err


def records_frame(records: Sequence[dict[str, Any]] | pd.DataFrame, start_row: int = 1) -> pd.DataFrame:
    """Raw records as a DataFrame with a 1-based ``source_row`` column (kept if already present)."""
    df = records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    if "source_row" not in df.columns:
        df = df.copy()
        df["source_row"] = range(start_row, start_row + len(df))
    return df


def read_json_records(path: Path, encoding: str = "utf-8-sig") -> list[Any]:
    """A whole JSON file; a truncated or invalid file raises ExportFormatError with line and column."""
    text = path.read_bytes().decode(encoding)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise ExportFormatError(format_message(
            f"{path.name!r} is not valid JSON at line {err.lineno}, column {err.colno} (char {err.pos}): {err.msg}",
            expected="a complete JSON array of records",
            fix="the file is probably truncated (the crawler stopped while rewriting it); re-export it or "
                "use the JSONL mode"), path=str(path), row=err.lineno) from err
    return obj if isinstance(obj, list) else [obj]


__all__ = [
    "ADAPTERS", "ROW_LEVEL", "Adapter", "FallBack", "Head", "IngestReport", "Parsed", "ReadContext", "TableCounts", "concat_quarantine",
    "date_from_filename", "detect", "empty_quarantine", "file_hash",
    "load_adapters", "quarantine_rows", "read_head", "read_json_records", "records_frame", "register_adapter",
]
