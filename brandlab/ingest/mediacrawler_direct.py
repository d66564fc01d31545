"""MediaCrawler contents/comments CSV read by DuckDB straight into ``posts``: the path of a file whose
platform ``posts`` holds no rows of yet (a fresh workspace, the first export of a platform).

Before the file's transaction, :func:`convert_file` reads the file once with DuckDB's own parallel
``read_csv`` (every column text, the header names given, ``pyarrow.csv``'s null strings) and
converts it with the SQL of :mod:`brandlab.ingest.mediacrawler_sql` into the connection's temp
table ``_mc_all``: per row whether it is in a plain form (``_ok``), posts' columns, and for a row in
another form (``1,234``, ``5分钟前``, a bad id, ...) its raw values. The insert keeps file order
(``preserve_insertion_order``), so ``rowid + 1`` is the row's number in the file, as the reference
reader numbers rows; numbering inside the scan (``row_number() OVER ()``) would make the whole
scan single-threaded, and that was most of this path's time.

Inside the transaction the slow rows are parsed by
:func:`~brandlab.ingest.mediacrawler.parse_records`, batch by batch (the ``pyarrow.csv`` batches of
the chunked reader, :func:`~brandlab.ingest.mediacrawler_io.batch_sizes`, counted only when slow rows
or duplicates without a crawl time need them), with the batch's crawl time as anchor. The keys that
occur more than once among fast and parsed rows are ranked on those narrow columns by exactly the
rule of merging batch after batch (:func:`~brandlab.ingest.mediacrawler_sql.best_rows_sql`). Then one
``INSERT ... SELECT`` copies the fast rows from ``_mc_all`` into ``posts``, leaving out the duplicate
losers (an anti-join on the row number), and the parsed winners follow. Nothing is deleted inside the
transaction (rows deleted there after being inserted make DuckDB rewrite the whole transaction's rows
at COMMIT), and the result is the chunked reader's.

DuckDB reads with ``strict_mode``: a file it cannot read the way ``pyarrow.csv`` does (a ragged line,
mixed line endings, bytes that are not UTF-8, a line over 2 MB) fails the conversion and the driver
reads the file on the batched path (:class:`~brandlab.ingest.base.FallBack`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from brandlab.ingest.base import FallBack, IngestReport, ReadContext, TableCounts
from brandlab.ingest.mediacrawler import ItemSpec
from brandlab.ingest.mediacrawler_sql import (
    NULL_VALUES,
    StagedPosts,
    _limit_memory,
    _lit,
    _q,
    _query,
    best_rows_sql,
    drop_staged,
    parse_slow_rows,
)
from brandlab.ingest.writer import write_quarantine
from brandlab.schema import POST, validate


def platform_is_empty(ws: Any, platform: str) -> bool:
    """Whether ``posts`` holds no row of ``platform`` (then this path may take the file)."""
    rows = ws.con.execute("SELECT count(*) FROM posts WHERE platform = ?", [platform]).fetchall()
    return int(rows[0][0]) == 0


def read_csv_sql(path: Path, columns: list[str]) -> str:
    """DuckDB's ``read_csv`` of a MediaCrawler CSV as ``pyarrow.csv`` reads it in the chunked reader:
    every column text, the header line skipped, the same null strings, quoted newlines kept; with a
    ``source_row`` of 0, numbered later from the rowid of the order-preserving CREATE TABLE AS."""
    types = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in columns) + "}"
    nulls = "[" + ", ".join(_lit(v) for v in NULL_VALUES) + "]"
    csv = (f"read_csv({_lit(str(path))}, header = true, auto_detect = false, columns = {types}, delim = ',', "
           f"quote = '\"', escape = '\"', nullstr = {nulls}, strict_mode = true{_BUFFER[0]})")
    return f"(SELECT *, 0::BIGINT AS source_row FROM {csv})"


#: extra read_csv options (tests set a small ``buffer_size`` to make DuckDB scan a small file in
#: many parallel pieces)
_BUFFER = [""]


def converted_sql(spec: ItemSpec, columns: list[str], ctx: ReadContext, path: Path) -> str:
    """Every row of the file converted in one parallel scan: ``_ok`` (the row takes the fast path),
    posts' columns, and for a slow row its raw values (:data:`RAW_LIST`); ``source_row`` is left 0,
    to be numbered from the rowid of the table this is stored into in file order."""
    # one list column instead of one mostly-NULL column each; the columns that are one literal for
    # the whole file are not stored (:func:`constant_columns`; 8 paired converts of 1M rows: 1.99 s
    # / 3.83 CPU-s against 2.19 s / 4.16)
    query = _query(spec, columns, ctx, read_csv_sql(path, columns), raw_list=RAW_LIST, constants={})
    return f"SELECT * EXCLUDE (source_row) FROM ({query})"


def constant_columns(spec: ItemSpec, columns: list[str], ctx: ReadContext) -> dict[str, str]:
    """The posts columns :func:`converted_sql` leaves out, each a typed SQL literal of its value."""
    out: dict[str, str] = {}
    _query(spec, columns, ctx, "_", constants=out)
    return out


#: the column of ``_mc_all`` that holds a slow row's raw values (VARCHAR[], in file column order)
RAW_LIST = "_raw"


@dataclasses.dataclass
class DirectPosts:
    """A file for this path: ``stage`` converts it into a temp table before the transaction,
    ``load`` moves it into ``posts`` inside the transaction, ``fallback`` gives the batched path for
    a retry."""

    ws: Any
    spec: ItemSpec
    columns: list[str]
    ctx: ReadContext
    path: Path

    #: :meth:`stage` reads nothing of ``ctx.file_hash`` (the driver hashes the file meanwhile)
    stages_without_hash = True

    def stage(self, report: IngestReport) -> None:
        """Convert the file into the connection's temp table ``_mc_all``, before the transaction
        (a temp table never shows in the workspace; :meth:`close` drops it)."""
        convert_file(self.ws, self.path, self.spec, self.columns, self.ctx)

    def load(self, report: IngestReport) -> None:
        load_direct(self.ws, self.path, self.spec, self.columns, self.ctx, report)

    def close(self) -> None:
        for t in _TEMP:
            self.ws.con.execute(f"DROP TABLE IF EXISTS {t}")
        drop_staged(self.ws, self.ctx)   # with the staging tables a killed batched run left

    def fallback(self) -> StagedPosts:
        return StagedPosts(self.ws, self.spec, self.columns, self.ctx, self.path)


#: the temp tables of one file on this path
_TEMP = ("_mc_all", "_mc_slowp", "_mc_cand", "_mc_w", "_mc_best", "_mc_lose")
#: the rows of ``_mc_all`` numbered in file order
_ROWS = "(SELECT rowid + 1 AS source_row, * FROM _mc_all)"


def convert_file(ws: Any, path: Path, spec: ItemSpec, columns: list[str], ctx: ReadContext) -> None:
    """``_mc_all``: every row of the file converted (:func:`converted_sql`) in one parallel scan,
    stored in file order, so that ``rowid + 1`` is the row's number in the file (``_ROWS``).

    DuckDB keeps the order of an insert from a CSV scan while ``preserve_insertion_order`` is on
    (its default, set here for the statement); the rowids are checked to run 0..n-1. Numbering in
    the scan itself (``row_number() OVER ()``) would make the whole scan single-threaded."""
    con: duckdb.DuckDBPyConnection = ws.con
    _limit_memory(ws)
    query = converted_sql(spec, columns, ctx, path)
    ops = plan_operators(con, query)
    if set(ops) - ORDER_KEEPING:   # e.g. a long IN list, which DuckDB plans as a join
        raise FallBack(f"the conversion's plan has {sorted(set(ops) - ORDER_KEEPING)}, which may reorder rows")
    keep = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _mc_all AS {query}")
    except duckdb.InvalidInputException as err:   # a line pyarrow.csv reads otherwise (or quarantines)
        raise FallBack(f"DuckDB cannot read {path.name!r} as pyarrow.csv does: {err}") from err
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if keep else 'false'}")
    lo, hi, n = con.execute("SELECT min(rowid), max(rowid), count(*) FROM _mc_all").fetchall()[0]
    if n and (lo != 0 or hi != n - 1):   # never seen; the batched path numbers rows itself
        raise FallBack(f"rowids {lo}..{hi} of {n} converted rows do not number them")


#: the physical operators the conversion may use: each passes rows on in the scan's order, so the
#: order-preserving CREATE TABLE AS stores them in file order (a join, an aggregate or a window
#: would not, and the rowids would still run 0..n-1: :func:`convert_file` refuses such a plan)
ORDER_KEEPING = frozenset({"READ_CSV", "PROJECTION", "FILTER"})


def plan_operators(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    """The physical operators of ``query``'s plan (EXPLAIN in JSON), root first."""
    def walk(node: dict[str, Any]) -> Iterator[str]:
        yield str(node.get("name", ""))
        for child in node.get("children", []):
            yield from walk(child)

    plan = json.loads(con.execute(f"EXPLAIN (FORMAT json) {query}").fetchall()[0][1])
    return [name for root in plan for name in walk(root)]


def load_direct(ws: Any, path: Path, spec: ItemSpec, columns: list[str], ctx: ReadContext,
                report: IngestReport) -> None:
    """Read the file into ``posts`` (inside the caller's transaction); see the module docstring."""
    con: duckdb.DuckDBPyConnection = ws.con
    if not platform_is_empty(ws, spec.platform):   # asked before the transaction; still so?
        raise FallBack(f"posts already holds {spec.platform} rows")
    n_rows, n_fast = con.execute("SELECT count(*), count(*) FILTER (WHERE _ok) FROM _mc_all").fetchall()[0]
    counts = report.tables.setdefault("posts", TableCounts())
    counts.read += int(n_rows)
    counts.accepted += int(n_fast)
    sizes: list[int] | None = None
    if n_fast < n_rows:
        sizes = _batch_sizes(path, columns, ctx, int(n_rows))
    _parse_slow(ws, spec, columns, ctx, report, np.cumsum(sizes) if sizes is not None else None)
    _rank_duplicates(ws, path, columns, ctx, int(n_rows), sizes)
    cols = ", ".join(_q(c) for c in POST.names)
    const = constant_columns(spec, columns, ctx)
    sel = ", ".join(const.get(c, _q(c)) for c in POST.names)
    con.execute(f"INSERT INTO posts ({cols}) SELECT {sel} FROM {_ROWS} WHERE _ok "
                "AND source_row NOT IN (SELECT source_row FROM _mc_lose)")
    con.execute(f"INSERT INTO posts ({cols}) SELECT {cols} FROM _mc_slowp "
                "WHERE source_row NOT IN (SELECT source_row FROM _mc_lose)")
    for t in _TEMP:
        con.execute(f"DROP TABLE IF EXISTS {t}")


def _batch_sizes(path: Path, columns: list[str], ctx: ReadContext, n_rows: int) -> list[int]:
    from brandlab.ingest.mediacrawler_io import batch_sizes

    sizes = batch_sizes(path, columns, ctx)
    if sum(sizes) != n_rows:   # the two readers disagree on the rows: leave the file to the batched path
        raise FallBack(f"pyarrow.csv reads {sum(sizes)} rows of {path.name!r}, DuckDB {n_rows}")
    return sizes


def _parse_slow(ws: Any, spec: ItemSpec, columns: list[str], ctx: ReadContext, report: IngestReport,
                ends: np.ndarray | None) -> None:
    """The slow rows of the first pass parsed batch by batch as the chunked reader parses them, into
    the temp table ``_mc_slowp`` (posts' columns); their rejected rows into ``quarantine``."""
    from brandlab.workspace import to_arrow

    con: duckdb.DuckDBPyConnection = ws.con
    cols = ", ".join(_q(c) for c in POST.names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _mc_slowp AS SELECT {cols} FROM posts LIMIT 0")
    if ends is None:
        return
    sel = ", ".join(f"{RAW_LIST}[{i + 1}] AS {_q(c)}" for i, c in enumerate(columns))
    rel = con.sql(f"SELECT {sel}, source_row FROM {_ROWS} WHERE NOT _ok ORDER BY source_row")
    slow = rel.to_arrow_table().to_pandas()
    counts = report.tables.setdefault("posts", TableCounts())
    batch = np.searchsorted(ends, slow["source_row"].to_numpy(), side="left")
    for b in np.unique(batch):
        rows = slow[batch == b].reset_index(drop=True)
        lo, hi = (int(ends[b - 1]) if b else 0) + 1, int(ends[b])
        fast_crawl = con.execute(f"SELECT epoch_us(max(crawled_at)) FROM {_ROWS} WHERE _ok "
                                 f"AND source_row BETWEEN {lo} AND {hi}").fetchall()[0][0]
        posts, q = parse_slow_rows(rows, fast_crawl, spec, ctx)
        counts.accepted += len(posts)
        if len(posts):
            validate(posts.drop_duplicates(list(POST.key), keep="last"), POST)   # duplicates: _rank_duplicates
            con.register("_mc_slow", to_arrow(posts, POST))
            try:
                con.execute(f"INSERT INTO _mc_slowp ({cols}) SELECT {cols} FROM _mc_slow")
            finally:
                con.unregister("_mc_slow")
        counts.quarantined += int(q["source_row"].nunique()) if len(q) else 0
        write_quarantine(ws, q, ctx, report)


def _rank_duplicates(ws: Any, path: Path, columns: list[str], ctx: ReadContext, n_rows: int,
                     sizes: list[int] | None) -> None:
    """``_mc_lose``: every row, fast or parsed, that merging batch after batch by the upsert rule
    would replace (the INSERTs leave them out, as the fast one leaves out the slow rows); ranked on
    the narrow columns of the keys that occur more than once among fast and parsed rows."""
    con: duckdb.DuckDBPyConnection = ws.con
    # the keys found more than once by a GROUP BY, then their rows (a window count over every row
    # took twice the CPU)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _mc_cand AS
        WITH k AS (SELECT source_row, 'x' AS platform, post_id, crawled_at FROM {_ROWS} WHERE _ok
                   UNION ALL SELECT source_row, 'x', post_id, crawled_at FROM _mc_slowp)
        SELECT source_row AS rid, platform, post_id, source_row, crawled_at FROM k
        WHERE post_id IN (SELECT post_id FROM k GROUP BY post_id HAVING count(*) > 1)""")
    n_dup, n_null = con.execute("SELECT count(*), count(*) - count(crawled_at) FROM _mc_cand").fetchall()[0]
    con.execute("CREATE OR REPLACE TEMP TABLE _mc_lose (source_row BIGINT)")
    if n_dup:
        if n_null:   # a row without a crawl time replaces what came before it: batches matter
            ends = np.cumsum(sizes if sizes is not None else _batch_sizes(path, columns, ctx, n_rows))
            dup = con.sql("SELECT rid FROM _mc_cand").to_arrow_table().to_pandas()
            batch = pd.DataFrame({"rid": dup["rid"], "_batch": np.searchsorted(ends, dup["rid"].to_numpy())})
            con.register("_mc_b", batch)
            try:
                con.execute("CREATE OR REPLACE TEMP TABLE _mc_w AS SELECT d.*, b._batch FROM _mc_cand d JOIN _mc_b b USING (rid)")
            finally:
                con.unregister("_mc_b")
        else:        # newest crawl, then the later row, whatever the batches
            con.execute("CREATE OR REPLACE TEMP TABLE _mc_w AS SELECT *, 0 AS _batch FROM _mc_cand")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _mc_best AS {best_rows_sql('_mc_w')}")
        con.execute("INSERT INTO _mc_lose SELECT rid FROM _mc_cand EXCEPT SELECT rid FROM _mc_best")


__all__ = ["ORDER_KEEPING", "DirectPosts", "constant_columns", "convert_file", "converted_sql", "load_direct", "plan_operators",
           "platform_is_empty", "read_csv_sql"]
