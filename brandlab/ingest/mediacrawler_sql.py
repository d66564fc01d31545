"""MediaCrawler contents/comments CSV converted by DuckDB: the fast path of ``mediacrawler.*.csv``.

The file streams through :func:`~brandlab.ingest.mediacrawler_io.csv_batches`, the same
``pyarrow.csv`` batches (every column as text, ragged lines quarantined) the chunked reader
parses, about ``chunk_size`` rows at a time. Each batch is registered in DuckDB and converted in
SQL: ids, epoch/ISO times, integer counts and display counts with a unit or a ``+`` (``1.2万``,
``10万+``), text masks, hashtags and mentions
(``regexp_extract_all`` with the Python patterns of :mod:`brandlab.ingest.mediacrawler`, ``\\s``
spelled out as Python's Unicode whitespace). A row passes only when every value it has is in one
of those plain forms; any other row (``1,234``, ``5分钟前``, an Excel serial, a bad id, ...) goes
to :func:`parse_records`, the reference parser, which converts or quarantines it with its reason.
Each converted batch is appended, with its batch number, to a committed staging table in the
``_ingest`` schema (``Workspace.tables()`` lists only ``main``; :func:`stage_tables`), outside any
transaction, so DuckDB writes it to disk as it goes instead of holding it as uncommitted
transaction-local data. Then, in the file's one short transaction, :func:`merge_staged` moves the
staged rows into ``posts`` with set-based SQL, with exactly the result of merging each batch in turn
by ``Workspace.upsert``'s rule (newest crawl wins, then the later row), and the staged quarantine
rows into ``quarantine``. A file that fails leaves the visible tables as they were; its staging
tables are dropped after it (and before it, when a killed run left them). DuckDB's memory is capped
at :data:`MEMORY_LIMIT` while a file loads (past it, data spills to ``<workspace>.tmp``).

Because both readers see the same batches, results equal the chunked reference reader's for any
``chunk_size`` (relative times count back from the crawl time of the batch, as from the chunk's).
Files with duplicate or empty header names are left to the reference reader: :func:`stage_posts_csv`
then returns False.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from brandlab.config import TIMEZONE as TIME_ZONE
from brandlab.ingest.base import IngestReport, ReadContext, TableCounts
from brandlab.ingest.mediacrawler import (
    _MENTION_RE,
    _TAG_DEFAULT,
    _TAG_RE,
    ItemSpec,
    _check_columns,
    parse_records,
)
from brandlab.ingest.values import _MULT, parse_times_checked
from brandlab.ingest.writer import quarantine_frame
from brandlab.schema import POST, QUARANTINE, validate

#: what ``pyarrow.csv`` (the reference reader) reads as null
NULL_VALUES: tuple[str, ...] = tuple(pacsv.ConvertOptions().null_values)
_RAW = "raw:"


#: every character Python's ``str.strip()`` and regex ``\\s`` treat as whitespace (str.isspace();
#: tests check this list against all of Unicode)
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _ws_chars() -> str:
    return WHITESPACE


def _ws_class() -> str:
    """Those characters as the inside of an RE2 character class."""
    return "".join(f"\\x{{{ord(c):x}}}" for c in _ws_chars())


def re2(pattern: str) -> str:
    """A Python pattern of mediacrawler.py as RE2 with the same matches (``\\s`` is Unicode there)."""
    return pattern.replace("\\s", _ws_class())


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


#: display counts the SQL reads itself: a unit (and an optional '+'), or digits and a '+'; at most 9
#: digits before a unit and 6 after the point, so the scaled value is exact and fits a BIGINT.
#: Other forms (spaces, commas, full-width digits, '12.5' without a unit, ...) take the Python parser.
_UNITS = {u: m for u, m in _MULT.items() if u}
_DISPLAY_COUNT = f"[0-9]{{1,9}}([.][0-9]{{1,6}})?[{''.join(_UNITS)}][+]?|[0-9]{{1,15}}[+]"


class _Sql:
    """SQL expressions over the raw text columns of one file."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = set(columns)
        self.ws = _lit(_ws_chars())

    def col(self, name: str | None) -> str:
        return _q(name) if name and name in self.columns else "NULL::VARCHAR"

    def strip(self, e: str) -> str:
        return f"trim({e}, {self.ws})"

    def text(self, name: str | None) -> str:
        """_text: NULL when empty or only whitespace, else the value as it is."""
        c = self.col(name)
        # a first character that is surely not whitespace (printable ASCII, or past U+3000, the
        # last whitespace code point) settles it without the regex; unicode('') is -1. Ranges, not
        # an IN list: DuckDB makes a long IN list a join, and a join loses the scan's row order
        # (tests/ingest/test_mediacrawler_sql.py puts every whitespace character first)
        first = f"unicode({c})"
        return (f"CASE WHEN {first} BETWEEN 33 AND 126 OR {first} > 12288 THEN {c} "
                f"WHEN regexp_matches({c}, '[^{_ws_class()}]') THEN {c} END")

    # plain forms: (expression that is TRUE when the value takes the fast path, converted value)
    def id_ok(self, name: str | None) -> str:
        c = self.col(name)
        return f"({c} IS NULL OR (regexp_full_match({c}, '[0-9A-Za-z_-]+') AND {c} NOT IN ('nan', 'None', 'null')))"

    def count_ok(self, name: str, value: str | None = None) -> str:
        """Plain digits, or a display count with a unit or a '+' (``1.2万``, ``10万+``, ``3.5w``,
        ``8K``, ``999+``) in the forms :func:`~brandlab.ingest.values.parse_count` reads exactly so:
        a value whose :meth:`count` is not NULL (``value``: that count, already computed)."""
        return f"({self.col(name)} IS NULL OR {value or self.count(name)} IS NOT NULL)"

    def count(self, name: str) -> str:
        """The count of a value in a form :meth:`count_ok` accepts, else NULL: a display count scaled
        by its unit in exact decimal arithmetic, rounded half up (as ``values._count_from_match``)."""
        c = self.col(name)
        num = f"CAST(regexp_extract({c}, '^([0-9]+(?:[.][0-9]+)?)', 1) AS DECIMAL(38, 6))"
        unit = f"regexp_extract({c}, '([{''.join(_UNITS)}])', 1)"
        mult = "CASE " + " ".join(f"WHEN {unit} = {_lit(u)} THEN {m}" for u, m in _UNITS.items()) + " ELSE 1 END"
        return (f"CASE WHEN regexp_full_match({c}, '[0-9]{{1,15}}') THEN CAST({c} AS BIGINT) "
                f"WHEN regexp_full_match({c}, {_lit(_DISPLAY_COUNT)}) THEN CAST(floor({num} * {mult} + 0.5) AS BIGINT) END")

    def capped(self, names: list[str]) -> str:
        """Whether any of the counts is a lower bound (``10万+``), for a row whose counts are ok."""
        cols = [self.col(n) for n in names if n in self.columns]
        return " OR ".join(f"coalesce(ends_with({c}, '+'), FALSE)" for c in cols) if cols else "FALSE"

    def time_ok(self, name: str | None, value: str | None = None) -> str:
        """NULL, epoch digits (s/ms/us), 'YYYY-MM-DD HH:MM:SS' from 1992 on (no DST in Beijing), or
        that with a '+08:00' style offset; a valid calendar date: a value whose :meth:`time` is not
        NULL (``value``: that time, already computed)."""
        return f"({self.col(name)} IS NULL OR {value or self.time(name)} IS NOT NULL)"

    def time(self, name: str | None) -> str:
        """The time of a value in a form :meth:`time_ok` accepts, else NULL: epoch s/ms/us by
        magnitude (as values.parse_time; with no leading zero, the digit count tells it), naive ISO
        as Beijing time, ISO with offset. Each WHEN is tried only on the values the ones before it
        left (1M epoch values: 0.065 s against 0.14 s with a TRY_CAST per magnitude test)."""
        c = self.col(name)
        iso = "[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
        scale = f"CASE WHEN length({c}) <= 11 THEN 1000000 WHEN length({c}) <= 14 THEN 1000 ELSE 1 END"
        return (f"CASE WHEN regexp_full_match({c}, '[1-9][0-9]{{8,14}}') THEN "
                f"(make_timestamp(CAST({c} AS BIGINT) * {scale}) AT TIME ZONE 'UTC') "
                f"WHEN regexp_full_match({c}, '(199[2-9]|2[0-9]{{3}})-{iso}') THEN "
                f"(try_strptime({c}, '%Y-%m-%d %H:%M:%S') AT TIME ZONE 'Asia/Shanghai') "
                f"WHEN regexp_full_match({c}, '[0-9]{{4}}-{iso}[+-][0-9]{{2}}:[0-9]{{2}}') THEN "
                f"try_strptime({c}, '%Y-%m-%d %H:%M:%S%z') END")

    def findall(self, text: str, pattern: str) -> str:
        """mediacrawler._findall before its de-duplication: the matches, stripped, empty ones dropped
        (a pattern whose match cannot hold whitespace needs neither)."""
        found = f"coalesce(regexp_extract_all({text}, {_lit(re2(pattern))}, 1), [])"
        if pattern[:1] in ("#", "@"):   # every match holds that character: most texts need no regex
            found = f"CASE WHEN contains({text}, {_lit(pattern[0])}) THEN {found} ELSE []::VARCHAR[] END"
        if "\\s" in pattern:
            return found
        return f"list_filter(list_transform({found}, lambda x: {self.strip('x')}), lambda x: x <> '')"

    @staticmethod
    def distinct(xs: str) -> str:
        """First occurrences in order; ``xs`` must be a column (it is read once per element)."""
        # two elements (most hashtag lists) compared directly: 1M lists 0.04 s, against 0.09 s
        # through list_distinct
        return (f"CASE WHEN len({xs}) < 2 THEN {xs} "
                f"WHEN len({xs}) = 2 THEN CASE WHEN {xs}[1] = {xs}[2] THEN {xs}[1:1] ELSE {xs} END "
                f"WHEN len(list_distinct({xs})) = len({xs}) THEN {xs} "
                f"ELSE list_filter({xs}, lambda x, i: list_position({xs}, x) = i) END")

    def split_list(self, name: str) -> str:
        return (f"list_filter(list_transform(string_split(coalesce({self.col(name)}, ''), ','), "
                f"lambda x: {self.strip('x')}), lambda x: x <> '')")

    def location(self, name: str) -> str:
        c = self.col(name)
        ws = _ws_class()
        prefix = _lit(f"^(?:发布于|来自|IP属地[:：]?|ip属地[:：]?)[{ws}]*")
        cut = f"regexp_replace({self.strip(c)}, {prefix}, '')"
        return f"nullif({self.strip(cut)}, '')"


def _query(spec: ItemSpec, columns: list[str], ctx: ReadContext, source: str, *, raw_list: str | None = None,
           constants: dict[str, str] | None = None) -> str:
    """SELECT source_row, _ok, the posts columns and the raw text of slow rows, from ``source``:
    a column ``raw:<name>`` each, or with ``raw_list`` one VARCHAR[] column of that name holding a
    slow row's values in file column order (NULL for a fast row; one CASE instead of one a column).
    With ``constants`` the posts columns whose value is one literal for every row of the file
    (platform, kind, source_file, a column the export lacks, ...) are left out of the SELECT and
    put there instead, name -> typed SQL literal, for the caller to add where it needs them.

    Layered so that each conversion, list or masked text is computed once: DuckDB evaluates an
    expression as often as it is written, and a lambda body once per list element. The first layer
    converts times and counts (NULL for a value in no plain form), the checks of ``_ok`` then test
    those for NULL.
    """
    s = _Sql(columns)
    times = [t for t in spec.times if t in s.columns]
    counts = {canon: src for canon, src in spec.counts.items() if src in s.columns}
    conv = {c: s.time(c) for c in dict.fromkeys(["last_modify_ts", *times])}
    conv.update({c: s.count(c) for c in counts.values()})
    v = {c: _q(_CONV + c) for c in conv}   # the converted value's column

    conds = [f"{s.col(spec.id)} IS NOT NULL", s.id_ok(spec.id), s.time_ok("last_modify_ts", v["last_modify_ts"])]
    out: dict[str, str] = {"platform": _lit(spec.platform), "post_id": s.col(spec.id)}
    conds += [s.time_ok(t, v[t]) for t in times]
    out["published_at"] = f"coalesce({', '.join(v[t] for t in times)})" if times else "NULL"
    for canon, src in counts.items():
        conds.append(s.count_ok(src, v[src]))
        out[canon] = v[src]
    out["counts_capped"] = s.capped(list(spec.counts.values()))
    out["text"] = "_text"
    out["title"] = s.text(spec.title) if spec.title else "NULL"
    out["crawled_at"] = v["last_modify_ts"]
    author = [c for c in ("user_id", "creator_hash") if c in s.columns]
    conds += [s.id_ok(c) for c in author]
    out["author_id"] = f"coalesce({', '.join(s.col(c) for c in author)})" if author else "NULL"
    out["author_name"] = s.text("nickname")
    out["url"] = s.text(spec.url)
    out["ip_location"] = s.location("ip_location")
    tags = s.findall("_text", _TAG_RE.get(spec.platform, _TAG_DEFAULT))
    if spec.tags and spec.tags in s.columns:   # xhs: the listed topics first, then those in the text
        tags = f"list_concat({s.split_list(spec.tags)}, {tags})"
    out["hashtags"] = s.distinct("_tags")
    out["mentions"] = s.distinct("_mentions")
    if spec.platform == "weibo":
        out["repost_chain"] = "CASE WHEN contains(_text, '//@') THEN _text END"
    if spec.item == "comments":
        post, parent = s.col(spec.post), s.col(spec.parent)
        conds += [f"{post} IS NOT NULL", s.id_ok(spec.post), s.id_ok(spec.parent)]
        top = f"({parent} IS NULL OR {parent} IN ('0', '') OR {parent} = {s.col(spec.id)})"
        out.update(kind="'comment'", root_id=post, parent_id=f"CASE WHEN {top} THEN {post} ELSE {parent} END")
    else:
        out["kind"] = "'post'"
    out["campaign"] = _lit(ctx.campaign) if ctx.campaign is not None else "NULL"
    out["source_file"] = _lit(ctx.source_file)
    out["source_format"] = _lit(ctx.source_format)
    types = {c.name: _SQL_TYPE[c.dtype] for c in POST.columns}
    typed = {n: f"CAST(({out.get(n, 'NULL')}) AS {types[n]})" for n in POST.names if n != "source_row"}
    if constants is not None:
        for n in list(typed):
            if _LITERAL.fullmatch(out.get(n, "NULL")):
                constants[n] = typed.pop(n)
    exprs = ", ".join(f"{e} AS {_q(n)}" for n, e in typed.items())
    if raw_list is None:
        raw = ", ".join(f"CASE WHEN _ok THEN NULL ELSE {_q(c)} END AS {_q(_RAW + c)}" for c in columns)
    else:
        raw = f"CASE WHEN _ok THEN NULL ELSE [{', '.join(_q(c) for c in columns)}] END AS {_q(raw_list)}"
    ok = " AND ".join(conds)
    converted = ", ".join(f"{e} AS {v[c]}" for c, e in conv.items())
    return f"""SELECT source_row, _ok, {exprs}, {raw} FROM (
        SELECT *, {tags} AS _tags, {s.findall("_text", _MENTION_RE)} AS _mentions FROM (
            SELECT *, coalesce({ok}, FALSE) AS _ok, {s.text(spec.text)} AS _text FROM (
                SELECT *, {converted} FROM {source})))"""


#: a SQL literal as :func:`_query` writes one (:func:`_lit`, NULL, a boolean)
_LITERAL = re.compile(r"NULL|TRUE|FALSE|'(?:[^']|'')*'")
#: the prefix of the first layer's converted times and counts in :func:`_query`
_CONV = "conv:"
_SQL_TYPE = {"string": "VARCHAR", "Int64": "BIGINT", "boolean": "BOOLEAN", "datetime": "TIMESTAMPTZ",
             "list": "VARCHAR[]"}


#: DuckDB's memory while a file is loaded (its batches, the merges and the derived tables): what
#: goes past it spills to ``<workspace>.tmp`` (DuckDB's default is 80% of the RAM)
MEMORY_LIMIT = "1GB"
_SAVED: dict[int, tuple[str, str]] = {}


def _limit_memory(ws: Any) -> None:
    con: duckdb.DuckDBPyConnection = ws.con
    limit, temp = con.execute(
        "SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[0]
    _SAVED.setdefault(id(con), (str(limit), str(temp)))
    if getattr(ws, "path", None) is not None:
        try:   # refused once DuckDB has used its current one: then the spill goes there
            con.execute(f"SET temp_directory = {_lit(str(ws.path) + '.tmp')}")
        except duckdb.Error:
            pass
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")


#: the schema of the committed staging tables: ``Workspace.tables()`` (schema ``main``) never lists it
STAGE_SCHEMA = "_ingest"


def stage_tables(ctx: ReadContext) -> tuple[str, str]:
    """The staging tables of one file (posts, quarantine), named by its hash."""
    tag = re.sub(r"[^0-9a-f]", "", (ctx.file_hash or "").lower())[:16] or "nohash"
    return f"{STAGE_SCHEMA}.posts_{tag}", f"{STAGE_SCHEMA}.quarantine_{tag}"


def drop_staged(ws: Any, ctx: ReadContext | None = None) -> None:
    """Drop the temp tables of a file's batches and its staging tables, and give DuckDB back its
    memory setting."""
    for t in ("_mc", "_mc_batch", "_mc_hit", "_mc_best"):
        ws.con.execute(f"DROP TABLE IF EXISTS {t}")
    if ctx is not None:
        for t in stage_tables(ctx):
            ws.con.execute(f"DROP TABLE IF EXISTS {t}")
        try:   # kept while another file's staging tables are in it
            ws.con.execute(f"DROP SCHEMA IF EXISTS {STAGE_SCHEMA}")
        except duckdb.Error:
            pass
    saved = _SAVED.pop(id(ws.con), None)
    if saved is not None:   # RESET when that was the default: the setting prints rounded ("18.7 GiB")
        ws.con.execute("RESET memory_limit")
        if ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != saved[0]:
            ws.con.execute(f"SET memory_limit = '{saved[0]}'")


def stage_posts_csv(ws: Any, path: Path, spec: ItemSpec, columns: list[str], ctx: ReadContext) -> bool:
    """Whether this reader can take the file (False: the chunked reader must): header names that
    are unique, non-empty and not ``source_row``, and every column the spec needs."""
    if len(set(columns)) != len(columns) or not all(columns) or "source_row" in columns:
        return False
    _check_columns(pd.DataFrame(columns=columns), spec, ctx)
    return True


def stage_csv(ws: Any, path: Path, spec: ItemSpec, columns: list[str], ctx: ReadContext,
              report: IngestReport) -> None:
    """Stream the file batch by batch (the chunked reader's batches, :func:`csv_batches`) into its
    committed staging tables (:func:`stage_tables`), outside any transaction: each batch is
    converted in SQL, its slow rows by the reference parser, and appended with its batch number;
    rejected rows go to the quarantine staging table. Nothing readers see changes; a staging
    table a crashed run left is dropped first. DuckDB's memory is capped at :data:`MEMORY_LIMIT`
    until :func:`drop_staged`."""
    from brandlab.ingest.mediacrawler_io import csv_batches

    con: duckdb.DuckDBPyConnection = ws.con
    _limit_memory(ws)
    posts_t, quar_t = stage_tables(ctx)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {STAGE_SCHEMA}")
    for t in (posts_t, quar_t):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    cols = ", ".join(_q(c) for c in POST.names)
    con.execute(f"CREATE TABLE {posts_t} AS SELECT {cols}, 0::INTEGER AS _batch FROM posts LIMIT 0")
    con.execute(f"CREATE TABLE {quar_t} AS SELECT *, 0::BIGINT AS _seq FROM quarantine LIMIT 0")
    query = _query(spec, columns, ctx, "_mc_in")
    counts = report.tables.setdefault("posts", TableCounts())
    stage = _Stage(ws, posts_t, quar_t, ctx, report)
    for table, ragged in csv_batches(path, columns, ctx):
        if table is not None:
            _load_batch(stage, table, query, spec, columns)
        if len(ragged):
            counts.read += len(ragged)
            counts.quarantined += int(ragged["source_row"].nunique())
            stage.quarantine(ragged)
        stage.batch += 1


@dataclasses.dataclass
class _Stage:
    """Where a file's batches go: the staging tables, and the batch number."""

    ws: Any
    posts: str
    quarantine_table: str
    ctx: ReadContext
    report: IngestReport
    batch: int = 0
    n_quarantined: int = 0

    def quarantine(self, q: pd.DataFrame) -> None:
        """Rejected rows into the quarantine staging table, in order (merged in :func:`merge_staged`)."""
        from brandlab.workspace import to_arrow

        if not len(q):
            return
        qf = validate(quarantine_frame(q, self.ctx, self.report), QUARANTINE)
        qf["_seq"] = range(self.n_quarantined, self.n_quarantined + len(qf))
        self.n_quarantined += len(qf)
        arrow = to_arrow(qf.drop(columns="_seq"), QUARANTINE, coerced=True)
        arrow = arrow.append_column("_seq", pa.array(qf["_seq"].to_numpy(), type=pa.int64()))
        self.ws.con.register("_mc_q", arrow)
        try:
            self.ws.con.execute(f"INSERT INTO {self.quarantine_table} BY NAME SELECT * FROM _mc_q")
        finally:
            self.ws.con.unregister("_mc_q")


def parse_slow_rows(rows: pd.DataFrame, fast_crawl: int | None, spec: ItemSpec,
                    ctx: ReadContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(posts, quarantine) of one batch's rows that the SQL conversion left to the Python parsers.

    Relative times count back from the batch's crawl time, as the chunked reader's chunk's: the
    latest of the fast rows' crawl time (``fast_crawl``, epoch microseconds) and these rows' own.
    """
    crawl = parse_times_checked(rows["last_modify_ts"])[0] if "last_modify_ts" in rows else pd.Series([], dtype=object)
    first = pd.Timestamp(fast_crawl, unit="us", tz="UTC").tz_convert(TIME_ZONE) if fast_crawl is not None else None
    crawls = [t for t in (first, crawl.max() if crawl.notna().any() else None) if t is not None]
    batch_ctx = dataclasses.replace(ctx, crawl_time=ctx.anchor(max(crawls)) if crawls else None)
    parsed = parse_records(rows, spec, batch_ctx)
    posts = parsed.tables["posts"].copy()
    posts["source_file"], posts["source_format"] = ctx.source_file, ctx.source_format
    if ctx.campaign is not None:
        posts["campaign"] = ctx.campaign
    return posts, parsed.quarantine


def _load_batch(stage: _Stage, table: Any, query: str, spec: ItemSpec, columns: list[str]) -> None:
    ws, ctx, report = stage.ws, stage.ctx, stage.report
    con: duckdb.DuckDBPyConnection = ws.con
    con.register("_mc_in", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _mc AS {query}")
    finally:
        con.unregister("_mc_in")
    n_rows, n_fast, fast_crawl = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE _ok), epoch_us(max(crawled_at) FILTER (WHERE _ok)) FROM _mc"
    ).fetchall()[0]
    counts = report.tables.setdefault("posts", TableCounts())
    counts.read += int(n_rows)
    counts.accepted += int(n_fast)
    cols = ", ".join(_q(c) for c in POST.names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _mc_batch AS SELECT {cols} FROM _mc WHERE _ok")
    if n_fast < n_rows:
        slow = _slow_rows(con, columns)
        posts, q = parse_slow_rows(slow, fast_crawl, spec, ctx)
        counts.accepted += len(posts)
        if len(posts):
            from brandlab.workspace import to_arrow

            validate(posts.drop_duplicates(list(POST.key), keep="last"), POST)  # the merge dedupes later
            con.register("_mc_slow", to_arrow(posts, POST))
            try:
                con.execute(f"INSERT INTO _mc_batch SELECT {cols} FROM _mc_slow")
            finally:
                con.unregister("_mc_slow")
        counts.quarantined += int(q["source_row"].nunique()) if len(q) else 0
        stage.quarantine(q)
    con.execute("DROP TABLE _mc")
    _append_batch(con, stage.posts, stage.batch)


def _append_batch(con: duckdb.DuckDBPyConnection, posts_t: str, batch: int) -> None:
    """``_mc_batch`` into the posts staging table, committed (this runs outside a transaction)."""
    cols = ", ".join(_q(c) for c in POST.names)
    con.execute(f"INSERT INTO {posts_t} SELECT {cols}, {int(batch)} FROM _mc_batch")
    con.execute("DROP TABLE _mc_batch")


def best_rows_sql(source: str) -> str:
    """Per key, the row that merging batch after batch by ``Workspace.upsert``'s rule keeps, from
    ``source`` (columns rid, platform, post_id, _batch, crawled_at, source_row): per key and batch the
    batch's winner (newest crawl, then the later row); then, after the last batch whose winner has no
    crawl time, the newest crawl, then the later batch. Gives rid, platform, post_id, crawled_at and
    ``_reset`` (a winner without a crawl time replaced what was stored before)."""
    return f"""WITH w AS (SELECT rid, platform, post_id, _batch, crawled_at FROM {source}
                   QUALIFY row_number() OVER (PARTITION BY platform, post_id, _batch
                                              ORDER BY crawled_at DESC NULLS LAST, source_row DESC) = 1),
             n AS (SELECT *, max(CASE WHEN crawled_at IS NULL THEN _batch END) OVER k AS _last_null,
                             max(_batch) OVER k AS _last
                   FROM w WINDOW k AS (PARTITION BY platform, post_id))
        SELECT rid, platform, post_id, crawled_at, _last_null IS NOT NULL AS _reset FROM n
        WHERE _last_null IS NULL OR _batch > _last_null OR (_batch = _last_null AND _last = _last_null)
        QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY crawled_at DESC NULLS LAST, _batch DESC) = 1"""


def merge_staged(ws: Any, ctx: ReadContext, report: IngestReport) -> None:
    """The staging tables into ``posts`` and ``quarantine``, inside the caller's transaction.

    Posts as if each batch had been merged in turn by ``Workspace.upsert``'s rule (a batch's own
    duplicates: the newest crawl, then the later row; a row replaces the one stored before it unless
    both crawl times are known and it is older), in set-based SQL: per key and batch the batch's
    winner; then, after the last batch whose winner has no crawl time (it replaced whatever came
    before, and the next batch's winner replaces it), the newest crawl, then the later batch; the
    row stored before the file stays only when it is strictly newer and no staged winner lacks a
    crawl time. Quarantine rows are upserted in the order they were staged.
    """
    con: duckdb.DuckDBPyConnection = ws.con
    posts_t, quar_t = stage_tables(ctx)
    cols = ", ".join(_q(c) for c in POST.names)
    # ranked on the key columns and the staged rowid only; the wide rows are read once, at the end
    staged = f"(SELECT rowid AS rid, platform, post_id, _batch, crawled_at, source_row FROM {posts_t})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _mc_best AS {best_rows_sql(staged)}")
    con.execute("""CREATE OR REPLACE TEMP TABLE _mc_hit AS
        SELECT p.rowid AS rid, b.rid AS staged,
               (b._reset OR b.crawled_at IS NULL OR p.crawled_at IS NULL OR b.crawled_at >= p.crawled_at) AS newer
        FROM posts p JOIN _mc_best b ON p.platform = b.platform AND p.post_id = b.post_id""")
    n_hit, n_newer = con.execute("SELECT count(*), count(*) FILTER (WHERE newer) FROM _mc_hit").fetchall()[0]
    if n_newer:
        con.execute("DELETE FROM posts WHERE rowid IN (SELECT rid FROM _mc_hit WHERE newer)")
    losers = " AND rid NOT IN (SELECT staged FROM _mc_hit WHERE NOT newer)" if n_hit > n_newer else ""
    con.execute(f"INSERT INTO posts ({cols}) SELECT {cols} FROM {posts_t} "
                f"WHERE rowid IN (SELECT rid FROM _mc_best WHERE TRUE{losers})")
    for t in ("_mc_hit", "_mc_best"):
        con.execute(f"DROP TABLE {t}")
    n_q = con.execute(f"SELECT count(*) FROM {quar_t}").fetchall()[0][0]
    for start in range(0, int(n_q), QUARANTINE_CHUNK):
        from brandlab.workspace import from_arrow

        part = con.sql(f"SELECT * EXCLUDE (_seq) FROM {quar_t} WHERE _seq >= {start} "
                       f"AND _seq < {start + QUARANTINE_CHUNK} ORDER BY _seq").to_arrow_table()
        ws.upsert(from_arrow(part, QUARANTINE), QUARANTINE)


#: quarantine rows moved from staging per upsert
QUARANTINE_CHUNK = 100_000


@dataclasses.dataclass
class StagedPosts:
    """A file :func:`stage_posts_csv` accepted: ``stage`` streams it into committed staging tables
    (before the file's transaction), ``load`` merges them (inside it), ``close`` drops them."""

    ws: Any
    spec: ItemSpec
    columns: list[str]
    ctx: ReadContext
    path: Path

    def stage(self, report: IngestReport) -> None:
        stage_csv(self.ws, self.path, self.spec, self.columns, self.ctx, report)

    def load(self, report: IngestReport) -> None:
        merge_staged(self.ws, self.ctx, report)

    def close(self) -> None:
        drop_staged(self.ws, self.ctx)


def _slow_rows(con: duckdb.DuckDBPyConnection, columns: list[str]) -> pd.DataFrame:
    """The raw text of the rows that need the reference parser, as that parser's reader gives them."""
    sel = ", ".join(f"{_q(_RAW + c)} AS {_q(c)}" for c in columns)
    table = con.sql(f"SELECT {sel}, source_row FROM _mc WHERE NOT _ok ORDER BY source_row").to_arrow_table()
    df = table.to_pandas()
    df.index = pd.RangeIndex(len(df))
    return df


__all__ = ["MEMORY_LIMIT", "NULL_VALUES", "STAGE_SCHEMA", "WHITESPACE", "StagedPosts", "best_rows_sql", "drop_staged", "merge_staged",
           "re2", "stage_csv", "stage_posts_csv", "stage_tables"]
