"""The adapter protocol, the registry, format detection and the per-file ingest driver.

An adapter reads one exporter's files. It has a ``name`` (``"mediacrawler.douyin.csv"``), a
``sniff(path, head)`` returning a confidence in [0, 1] computed from header names, JSON keys,
sheet names or SQLite table names (never column positions), a pure ``parse(records, ctx)``
from plain dicts (or a DataFrame of strings) to canonical tables, and a thin
``read(path, ctx)`` that streams :class:`Parsed` chunks.

:func:`ingest_file` runs one file inside one DuckDB transaction: a failed file leaves the
workspace exactly as it was. Rejected rows go to ``quarantine`` with their reason, column and
raw record; ``ingest_log`` gets rows read / accepted / quarantined per (file hash, table).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import logging
import re
import sqlite3
import time
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
        if mod.name not in ("base", "values"):
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


def ingest_file(ws: Any, path: str | Path, *, fmt: str | None = None, as_of: Any = None,
                campaign: str | None = None, on_progress: Progress | None = None,
                chunk_size: int = 100_000, fast: bool = True) -> IngestReport:
    """Read one export into the workspace, all or nothing (one transaction).

    ``fast=False`` skips an adapter's SQL loader and uses its chunked reader (the reference path).
    """
    p = Path(path)
    if not p.is_file():
        raise IngestError(format_message(f"{str(p)!r} is not a file", fix="check the path"))
    if p.stat().st_size == 0:
        raise ExportFormatError(format_message(
            f"{p.name!r} is empty (0 bytes)", expected="an export with a header and rows",
            fix="re-export it; the crawler may have been stopped before it wrote anything"), path=str(p))
    load_adapters()
    if fmt is not None:
        if fmt not in ADAPTERS:
            raise UnknownFormatError(format_message(
                f"unknown format {fmt!r}", expected=f"one of {sorted(ADAPTERS)}"))
        adapter = ADAPTERS[fmt]
    else:
        adapter = detect(p)
    t0 = time.perf_counter()
    digest = file_hash(p)
    ctx = ReadContext(source_file=str(p), file_hash=digest, as_of=_as_of(as_of), campaign=campaign,
                      chunk_size=chunk_size, source_format=adapter.name)
    report = IngestReport(str(p), adapter.name, digest)
    # an adapter may take the file with its SQL loader (MediaCrawler CSV): asked outside the
    # transaction whether it can, it then streams the file in inside it; None means the chunked reader
    stage_sql = getattr(adapter, "stage_sql", None) if fast and not getattr(ws, "_in_tx", False) else None
    staged = stage_sql(ws, p, ctx) if stage_sql is not None else None
    try:
        try:
            _ingest_in_transaction(ws, p, adapter, ctx, report, staged, on_progress)
        except FallBack as why:   # rolled back: the loader's other path takes the file
            log.info("%s: %s; reading it in batches", p.name, why)
            staged.close()
            staged = staged.fallback()
            report = IngestReport(str(p), adapter.name, digest)
            _ingest_in_transaction(ws, p, adapter, ctx, report, staged, on_progress)
    finally:
        if staged is not None:
            staged.close()
    report.seconds = time.perf_counter() - t0
    return report


def _ingest_in_transaction(ws: Any, p: Path, adapter: Adapter, ctx: ReadContext, report: IngestReport,
                           staged: Any, on_progress: Progress | None) -> None:
    from brandlab import __version__
    from brandlab.schema import TABLES

    started = pd.Timestamp.now(tz=TIMEZONE)
    digest = ctx.file_hash
    done = 0
    if staged is not None:   # into committed staging tables readers never see, before the transaction
        with _as_format_error(p, adapter):
            staged.stage(report)
    with ws.transaction():
        with _as_format_error(p, adapter):
            if staged is not None:
                staged.load(report)
                done = report.rows_read
                if on_progress:
                    on_progress(done, done)
            else:
                for parsed in adapter.read(p, ctx):
                    _write_chunk(ws, parsed, ctx, report)
                    done += parsed.rows_read
                    if on_progress:
                        on_progress(done, 0)
        for name, n in derive_from_posts(ws, str(p)).items():
            counts = report.tables.setdefault(name, TableCounts())
            counts.read += n
            counts.accepted += n
        finished = pd.Timestamp.now(tz=TIMEZONE)
        log_rows = pd.DataFrame([{
            "file_hash": digest, "source_file": str(p), "source_format": adapter.name,
            "platform": getattr(adapter, "platform", None), "table_name": name, "rows_read": c.read,
            "rows_accepted": c.accepted, "rows_quarantined": c.quarantined, "started_at": started,
            "finished_at": finished, "brandlab_version": __version__} for name, c in report.tables.items()])
        if len(log_rows):
            ws.upsert(log_rows, TABLES["ingest_log"])


@contextlib.contextmanager
def _as_format_error(p: Path, adapter: Adapter) -> Iterator[None]:
    """Reading errors (bad values, bytes, I/O) as an ExportFormatError naming the file."""
    try:
        yield
    except (IngestError, KeyboardInterrupt):
        raise
    except (ValueError, UnicodeDecodeError, OSError, sqlite3.Error) as err:
        if isinstance(err, ExportFormatError) or type(err).__name__ == "SchemaViolation":
            raise
        raise ExportFormatError(format_message(
            f"cannot read {p.name!r} as {adapter.name}: {type(err).__name__}: {err}",
            fix="check that the file is complete and of that format (or pass --format)"),
            path=str(p)) from err


def derive_from_posts(ws: Any, source_file: str) -> dict[str, int]:
    """Rows other tables gain from the posts of one file, in SQL: reply edges (comment -> the post or
    comment it answers, when both authors are known) and placeholder authors (id + nickname) for
    authors not yet in ``authors``; a creators export later replaces the placeholders."""
    con = ws.con
    n_edges = con.execute(
        """INSERT INTO edges (platform, src_author_id, dst_author_id, post_id, kind, created_at, resolved, origin)
        SELECT DISTINCT c.platform, p.author_id, c.author_id, c.post_id, 'reply', c.published_at, TRUE, 'reply'
        FROM posts c JOIN posts p ON p.platform = c.platform AND p.post_id = c.parent_id
        WHERE c.kind = 'comment' AND c.author_id IS NOT NULL AND p.author_id IS NOT NULL
          AND (c.source_file = $f OR p.source_file = $f)
          AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.platform = c.platform AND e.kind = 'reply'
                          AND e.post_id = c.post_id AND e.src_author_id = p.author_id
                          AND e.dst_author_id = c.author_id)""", {"f": source_file}).fetchone()
    n_authors = con.execute(
        """INSERT INTO authors (platform, author_id, nickname, source_file, source_format)
        SELECT platform, author_id, arg_max(author_name, coalesce(crawled_at, published_at)), $f,
               any_value(source_format)
        FROM posts WHERE source_file = $f AND author_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM authors a WHERE a.platform = posts.platform
                          AND a.author_id = posts.author_id)
        GROUP BY platform, author_id""", {"f": source_file}).fetchone()
    out = {"edges": int(n_edges[0]) if n_edges else 0, "authors": int(n_authors[0]) if n_authors else 0}
    return {k: v for k, v in out.items() if v}


def _write_chunk(ws: Any, parsed: Parsed, ctx: ReadContext, report: IngestReport) -> None:
    from brandlab.schema import TABLES

    q = parsed.quarantine
    n_q = int(q["source_row"].nunique()) if len(q) else 0
    primary = report.tables.setdefault(parsed.primary, TableCounts())
    primary.read += parsed.rows_read
    primary.quarantined += n_q
    for name, df in parsed.tables.items():
        names = TABLES[name].names
        df = df.copy()
        if "source_file" in names:
            df["source_file"] = ctx.source_file
            df["source_format"] = ctx.source_format
        if name == "posts" and ctx.campaign is not None:
            df["campaign"] = ctx.campaign
        accepted = len(df)
        schema = TABLES[name]
        if schema.key and len(df):  # duplicates within the chunk: the newest crawl wins, then the last row
            if schema.order_by and schema.order_by in df.columns:
                df = df.sort_values(schema.order_by, kind="stable", na_position="first")
            df = df.drop_duplicates(list(schema.key), keep="last")
        # an author seen again in a thinner export (id + nickname) keeps the profile fields known
        ws.upsert(df, schema, keep_known=name == "authors")
        counts = report.tables.setdefault(name, TableCounts())
        counts.accepted += accepted
        if name != parsed.primary:
            counts.read += len(df)
    write_quarantine(ws, q, ctx, report)


def quarantine_frame(q: pd.DataFrame, ctx: ReadContext, report: IngestReport) -> pd.DataFrame:
    """A chunk's rejected rows as ``quarantine`` rows (keyed by file hash, source row and column);
    their reasons are counted in ``report``."""
    qf = q.copy()
    qf["column"] = qf["column"].fillna(ROW_LEVEL)   # part of the key: never null
    qf["file_hash"] = ctx.file_hash
    qf["source_file"] = ctx.source_file
    qf["source_format"] = ctx.source_format
    qf["quarantined_at"] = pd.Timestamp.now(tz=TIMEZONE)
    report.reasons.update(str(r).split(":")[0][:80] for r in q["reason"])
    return qf


def write_quarantine(ws: Any, q: pd.DataFrame, ctx: ReadContext, report: IngestReport) -> None:
    """Store a chunk's rejected rows (keyed by file hash, source row and column) and count reasons."""
    from brandlab.schema import TABLES

    if not len(q):
        return
    ws.upsert(quarantine_frame(q, ctx, report), TABLES["quarantine"])


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named, and the data files under folders named (recursively, sorted, hidden ones skipped)."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts) \
                        and f.suffix.lower() in DATA_SUFFIXES:
                    yield f
        else:
            yield p


def ingest_paths(ws: Any, paths: Iterable[str | Path], *, fmt: str | None = None, as_of: Any = None,
                 campaign: str | None = None, on_progress: Progress | None = None,
                 on_file: Callable[[IngestReport | None, Path, Exception | None], None] | None = None,
                 chunk_size: int = 100_000) -> list[IngestReport]:
    """Ingest files and folders one file (one transaction) at a time.

    Files whose suffix is not a data format are reported as skipped. With ``on_file`` a failed
    file is reported to it and the rest continue; without it the first failure raises.
    """
    reports: list[IngestReport] = []
    for f in iter_files(paths):
        if f.suffix.lower() not in DATA_SUFFIXES and fmt is None:
            r = IngestReport(str(f), "-", "", skipped=f"not an export file type: {f.suffix or 'no suffix'}")
            reports.append(r)
            if on_file:
                on_file(r, f, None)
            continue
        try:
            r = ingest_file(ws, f, fmt=fmt, as_of=as_of, campaign=campaign, on_progress=on_progress,
                            chunk_size=chunk_size)
        except IngestError as err:
            if on_file is None:
                raise
            on_file(None, f, err)
            continue
        reports.append(r)
        if on_file:
            on_file(r, f, None)
    return reports


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
    "date_from_filename", "detect", "empty_quarantine", "file_hash", "write_quarantine", "ingest_file", "ingest_paths", "iter_files",
    "load_adapters", "quarantine_rows", "read_head", "read_json_records", "records_frame", "register_adapter",
]
