"""The per-file driver: :func:`ingest_file` reads one export into the workspace in one transaction
(an adapter's SQL loader first, when it takes the file, else its chunked reader), and
:func:`ingest_paths` runs it over files and folders with the report/error loop :func:`for_each_file`
that the engine's ingest shares.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from brandlab.config import TIMEZONE
from brandlab.errors import ExportFormatError, IngestError, UnknownFormatError, format_message
from brandlab.ingest import writer
from brandlab.ingest.base import (
    ADAPTERS,
    DATA_SUFFIXES,
    Adapter,
    FallBack,
    IngestReport,
    Progress,
    ReadContext,
    TableCounts,
    _as_of,
    detect,
    file_hash,
    load_adapters,
)

log = logging.getLogger(__name__)
#: told of each file: its report (None when it failed), its path, and the error it met
OnFile = Callable[[IngestReport | None, Path, Exception | None], None]


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
    ctx = ReadContext(source_file=str(p), as_of=_as_of(as_of), campaign=campaign, chunk_size=chunk_size,
                      source_format=adapter.name)
    # an adapter may take the file with its SQL loader (MediaCrawler CSV): asked outside the
    # transaction whether it can, it then streams the file in inside it; None means the chunked reader
    stage_sql = getattr(adapter, "stage_sql", None) if fast and not getattr(ws, "_in_tx", False) else None
    staged = stage_sql(ws, p, ctx) if stage_sql is not None else None
    try:
        # the file's SHA-256 (~0.3 s for 1M rows) is taken on a thread while a loader whose staging
        # needs no hash (``stages_without_hash``) stages the file; DuckDB and hashlib release the GIL
        with ThreadPoolExecutor(1, thread_name_prefix="brandlab-hash") as pool:
            hashing = pool.submit(file_hash, p)
            staged_early = staged is not None and getattr(staged, "stages_without_hash", False)
            if staged_early:
                try:
                    with _as_format_error(p, adapter):
                        staged.stage(IngestReport(str(p), adapter.name, ""))
                except FallBack as why:   # DuckDB cannot read the file as the chunked reader does
                    staged, staged_early = _fall_back(staged, p, why), False
        digest = hashing.result()
        ctx = dataclasses.replace(ctx, file_hash=digest)
        if staged is not None:
            staged.ctx = ctx
        report = IngestReport(str(p), adapter.name, digest)
        try:
            _ingest_in_transaction(ws, p, adapter, ctx, report, staged, on_progress, staged=staged_early)
        except FallBack as why:   # rolled back: the loader's other path takes the file
            if staged is None:
                raise
            staged = _fall_back(staged, p, why)
            report = IngestReport(str(p), adapter.name, digest)
            _ingest_in_transaction(ws, p, adapter, ctx, report, staged, on_progress, staged=False)
    finally:
        if staged is not None:
            staged.close()
    report.seconds = time.perf_counter() - t0
    return report


def _fall_back(loader: Any, p: Path, why: FallBack) -> Any:
    """The loader's other path for a file its first path cannot take (the first one closed)."""
    log.info("%s: %s; reading it in batches", p.name, why)
    loader.close()
    return loader.fallback()


def _ingest_in_transaction(ws: Any, p: Path, adapter: Adapter, ctx: ReadContext, report: IngestReport,
                           loader: Any, on_progress: Progress | None, *, staged: bool) -> None:
    """The file into the workspace in one transaction: through ``loader`` (an adapter's SQL
    loader; its ``stage`` runs first unless ``staged``), else through the adapter's chunked reader."""
    from brandlab import __version__
    from brandlab.schema import TABLES

    started = pd.Timestamp.now(tz=TIMEZONE)
    digest = ctx.file_hash
    done = 0
    if loader is not None and not staged:   # into staging tables readers never see, before the transaction
        with _as_format_error(p, adapter):
            loader.stage(report)
    with ws.transaction():
        with _as_format_error(p, adapter):
            if loader is not None:
                loader.load(report)
                done = report.rows_read
                if on_progress:
                    on_progress(done, done)
            else:
                for parsed in adapter.read(p, ctx):
                    writer.write_chunk(ws, parsed, ctx, report)
                    done += parsed.rows_read
                    if on_progress:
                        on_progress(done, 0)
        for name, n in writer.derive_from_posts(ws, str(p)).items():
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
                 on_file: OnFile | None = None,
                 chunk_size: int = 100_000) -> list[IngestReport]:
    """Ingest files and folders one file (one transaction) at a time.

    Files whose suffix is not a data format are reported as skipped. With ``on_file`` a failed
    file is reported to it and the rest continue; without it the first failure raises.
    """
    def ingest_one(f: Path) -> IngestReport:
        return ingest_file(ws, f, fmt=fmt, as_of=as_of, campaign=campaign, on_progress=on_progress,
                           chunk_size=chunk_size)

    return for_each_file(iter_files(paths), ingest_one, fmt=fmt, on_file=on_file)


def for_each_file(files: Iterable[Path], ingest_one: Callable[[Path], IngestReport], *, fmt: str | None,
                  on_file: OnFile | None) -> list[IngestReport]:
    """Run ``ingest_one`` on each data file in turn (a file whose suffix is not a data format, and no
    ``fmt`` forced, is reported as skipped). With ``on_file`` every file is reported to it, a failed
    one with its error, and the rest continue; without it the first IngestError raises."""
    reports: list[IngestReport] = []
    for f in files:
        if f.suffix.lower() not in DATA_SUFFIXES and fmt is None:
            r = IngestReport(str(f), "-", "", skipped=f"not an export file type: {f.suffix or 'no suffix'}")
            reports.append(r)
            if on_file:
                on_file(r, f, None)
            continue
        try:
            r = ingest_one(f)
        except IngestError as err:
            if on_file is None:
                raise
            on_file(None, f, err)
            continue
        reports.append(r)
        if on_file:
            on_file(r, f, None)
    return reports


__all__ = ["OnFile", "for_each_file", "ingest_file", "ingest_paths", "iter_files"]
