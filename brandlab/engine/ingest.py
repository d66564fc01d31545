"""Ingest many files with the parsing on the engine's workers and the writing on the driver.

Workers run what needs no workspace: adapter detection and ``adapter.read`` (every ``Parsed``
chunk of a file). The driver then writes each file, in the order :func:`brandlab.ingest.driver.iter_files`
gives, through the ordinary :func:`brandlab.ingest.ingest_file`, with the file's adapter replaced
for that call by a :class:`Replay` that yields the chunks the worker parsed. So the transaction,
quarantine replacement, duplicate handling, derived edges/authors and the ingest log are the same
code as a local ingest, and only DuckDB's single writer (the driver) touches the workspace.

Paths must name the same file on every worker (shared storage, see README, Scale).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brandlab.engine import Engine
from brandlab.ingest.base import (
    ADAPTERS,
    DATA_SUFFIXES,
    IngestReport,
    Parsed,
    ReadContext,
    _as_of,
    detect,
    file_hash,
    load_adapters,
)
from brandlab.ingest.driver import OnFile, for_each_file, ingest_file, iter_files

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass
class ParsedFile:
    """What a worker read from one file: the adapter's name and chunks, or the error it met."""

    path: str
    adapter: str | None = None
    chunks: list[Parsed] = field(default_factory=list)
    error: BaseException | None = None
    #: the adapter loads this file in SQL straight into the workspace (the driver's DuckDB does it)
    native: bool = False


def parse_file(path: str, fmt: str | None, as_of: Any, campaign: str | None, chunk_size: int) -> ParsedFile:
    """Detect and read one file (on a worker). Errors are returned, to be raised by the driver's write."""
    p = Path(path)
    out = ParsedFile(path)
    try:
        load_adapters()
        adapter = ADAPTERS[fmt] if fmt is not None and fmt in ADAPTERS else detect(p)
        out.adapter = adapter.name
        if getattr(adapter, "stage_sql", None) is not None and p.suffix.lower() == ".csv":
            out.native = True  # DuckDB on the driver reads it faster than a worker could parse and ship it
            return out
        ctx = ReadContext(source_file=str(p), file_hash=file_hash(p), as_of=_as_of(as_of), campaign=campaign,
                          chunk_size=chunk_size, source_format=adapter.name)
        out.chunks = list(adapter.read(p, ctx))
    except Exception as err:  # noqa: BLE001 - handed back to the driver, which raises it in ingest_file
        out.error = err
    return out


class Replay:
    """An adapter that yields chunks parsed elsewhere (then raises the error met there, if any)."""

    def __init__(self, original: Any, parsed: ParsedFile) -> None:
        self.original = original
        self.name = original.name
        self.platform = getattr(original, "platform", None)
        self.parsed = parsed
        self.replayed = 0

    def sniff(self, path: Path, head: Any) -> float:
        return float(self.original.sniff(path, head))

    def parse(self, records: Any, ctx: ReadContext) -> Parsed:
        return self.original.parse(records, ctx)  # type: ignore[no-any-return]

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        for chunk in self.parsed.chunks:
            self.replayed += 1
            yield chunk
        if self.parsed.error is not None:
            raise self.parsed.error


@contextlib.contextmanager
def _replaying(parsed: ParsedFile) -> Iterator[Replay]:
    name = parsed.adapter
    assert name is not None
    original = ADAPTERS[name]
    replay = Replay(original, parsed)
    ADAPTERS[name] = replay  # type: ignore[assignment]
    try:
        yield replay
    finally:
        ADAPTERS[name] = original


def write_parsed(ws: Any, parsed: ParsedFile, *, as_of: Any, campaign: str | None, chunk_size: int,
                 on_progress: Progress | None = None) -> IngestReport:
    """Write one worker-parsed file through ``ingest_file`` (same transaction and bookkeeping)."""
    if parsed.adapter is None or parsed.native:  # detection failed on the worker (ingest_file raises the same
        # error here), or the file loads in SQL on the driver
        return ingest_file(ws, parsed.path, as_of=as_of, campaign=campaign, on_progress=on_progress,
                           chunk_size=chunk_size)
    with _replaying(parsed) as replay:
        report = ingest_file(ws, parsed.path, fmt=parsed.adapter, as_of=as_of, campaign=campaign,
                             on_progress=on_progress, chunk_size=chunk_size)
    if replay.replayed != len(parsed.chunks):
        log.warning("ingest_file re-read %s instead of using the %d chunks parsed on a worker",
                    parsed.path, len(parsed.chunks))
    return report


def ingest_paths_on(engine: Engine, ws: Any, paths: Sequence[str | Path], *, fmt: str | None = None,
                    as_of: Any = None, campaign: str | None = None, on_progress: Progress | None = None,
                    on_file: OnFile | None = None, chunk_size: int = 100_000) -> list[IngestReport]:
    """:func:`brandlab.ingest.ingest_paths` with parsing on ``engine``'s workers (same arguments, same result)."""
    load_adapters()
    files = list(iter_files(paths))
    data = [f for f in files if f.suffix.lower() in DATA_SUFFIXES or fmt is not None]
    parsed_iter = engine.map(parse_file, [str(f) for f in data], fmt, as_of, campaign, chunk_size)

    def ingest_one(f: Path) -> IngestReport:   # called for the data files, in order: the next parsed one
        return write_parsed(ws, next(parsed_iter), as_of=as_of, campaign=campaign, chunk_size=chunk_size,
                            on_progress=on_progress)

    return for_each_file(files, ingest_one, fmt=fmt, on_file=on_file)
