"""The embedded DuckDB store: typed tables, idempotent upserts, quarantine and provenance.

A :class:`Workspace` owns one DuckDB file (default ``.brandlab/workspace.duckdb``). Tables
follow the schemas in :mod:`brandlab.schema`. Writes of one export happen inside one
transaction (:meth:`Workspace.transaction`), so a failed ingest leaves the workspace as it was.

Upsert rule: rows are identified by the schema's key; within a write and against what is
stored, the row with the largest ``order_by`` value (the newest crawl) wins, and on a tie
the row written last wins. Re-writing the same rows changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from brandlab.config import TIMEZONE
from brandlab.errors import BrandlabError, format_message
from brandlab.schema import (
    BOOL,
    DATE,
    FLOAT,
    INT,
    JSON,
    LIST,
    STR,
    TABLES,
    TIME,
    TableSchema,
    coerce,
    lists_from_arrow,
    validate,
)

log = logging.getLogger(__name__)

_SQL_TYPES = {STR: "VARCHAR", INT: "BIGINT", FLOAT: "DOUBLE", BOOL: "BOOLEAN",
              TIME: "TIMESTAMPTZ", DATE: "DATE", LIST: "VARCHAR[]", JSON: "VARCHAR"}
_ARROW_TYPES = {STR: pa.string(), INT: pa.int64(), FLOAT: pa.float64(), BOOL: pa.bool_(),
                TIME: pa.timestamp("us", tz=TIMEZONE), DATE: pa.date32(), LIST: pa.list_(pa.string()),
                JSON: pa.string()}
_PANDAS_TYPES = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(),
                 pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def arrow_schema(schema: TableSchema) -> pa.Schema:
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.dtype]) for c in schema.columns])


def to_arrow(df: pd.DataFrame, schema: TableSchema, *, coerced: bool = False) -> pa.Table:
    """Convert a validated frame to an Arrow table with the schema's exact types.

    ``coerced=True`` says ``df`` comes straight from :func:`coerce`/:func:`validate` (skips a second pass).
    """
    if not coerced:
        df = coerce(df, schema)
    cols = []
    for c in schema.columns:
        s = df[c.name]
        if c.dtype == DATE:
            cols.append(pa.array(s.dt.date, type=pa.date32(), from_pandas=True))
        elif c.dtype == TIME:
            cols.append(pa.array(s, type=_ARROW_TYPES[TIME], from_pandas=True))
        elif c.dtype == JSON:
            cols.append(pa.array(s.where(s.notna(), None).map(lambda v: None if v is None else str(v)),
                                 type=pa.string(), from_pandas=True))
        else:
            cols.append(pa.array(s, type=_ARROW_TYPES[c.dtype], from_pandas=True))
    return pa.Table.from_arrays(cols, schema=arrow_schema(schema))


def from_arrow(table: pa.Table, schema: TableSchema | None = None) -> pd.DataFrame:
    lists: dict[str, Any] = {}
    if schema is not None and all(c in table.column_names for c in schema.names):
        # list cells go straight to Python lists (one Arrow pass) instead of numpy arrays that coerce
        # would then convert cell by cell; a list holding a null element keeps the old path
        for c in schema.columns:
            if c.dtype == LIST and pa.types.is_list(table.schema.field(c.name).type):
                cells = lists_from_arrow(table.column(c.name))
                if cells is not None:
                    lists[c.name] = cells
        if lists:
            order = table.column_names
            table = table.drop_columns(list(lists))
    df = table.to_pandas(types_mapper=_PANDAS_TYPES.get)
    if lists:
        for name, cells in lists.items():
            df[name] = pd.Series(cells, index=df.index, dtype=object)
        df = df[order]
    for name in df.columns:
        if name in lists:
            continue
        t = table.schema.field(name).type
        if pa.types.is_timestamp(t):
            s = df[name]
            if isinstance(s.dtype, pd.DatetimeTZDtype):
                df[name] = s.dt.tz_convert(TIMEZONE).astype(f"datetime64[ns, {TIMEZONE}]")
    if schema is not None:
        keep = [c for c in schema.names if c in df.columns]
        df = coerce(df[keep], schema) if len(keep) == len(schema.names) else df
    return df


class WorkspaceError(BrandlabError):
    """The workspace file cannot be opened or a table is missing."""


class Workspace:
    """An embedded DuckDB workspace. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        if self.path is not None and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path) if self.path else ":memory:", read_only=read_only)
        except duckdb.Error as err:
            raise WorkspaceError(format_message(
                f"cannot open workspace {str(path)!r}: {err}",
                fix="close other programs using it (the app, another brandlab command) or pass --workspace")) from err
        self.con.execute(f"SET TimeZone = '{TIMEZONE}'")
        self._lock = threading.RLock()
        self._in_tx = False
        self.read_only = read_only
        if not read_only:
            for schema in list(TABLES.values()):
                self.ensure_table(schema)

    # ----------------------------------------------------------------- lifecycle
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Workspace]:
        """All writes inside happen together or not at all."""
        with self._lock:
            if self._in_tx:  # nested: the outer transaction decides
                yield self
                return
            self.con.execute("BEGIN TRANSACTION")
            self._in_tx = True
            try:
                yield self
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            else:
                self.con.execute("COMMIT")
            finally:
                self._in_tx = False

    # ----------------------------------------------------------------- schema
    def ensure_table(self, schema: TableSchema) -> None:
        cols = ", ".join(f"{_q(c.name)} {_SQL_TYPES[c.dtype]}" for c in schema.columns)
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {_q(schema.name)} ({cols})")
        existing = {r[0] for r in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [schema.name]).fetchall()}
        for c in schema.columns:  # forward-compatible: add columns a newer schema declares
            if c.name not in existing:
                self.con.execute(f"ALTER TABLE {_q(schema.name)} ADD COLUMN {_q(c.name)} {_SQL_TYPES[c.dtype]}")

    def tables(self) -> list[str]:
        return sorted(r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall())

    def has_table(self, name: str) -> bool:
        return name in self.tables()

    # ----------------------------------------------------------------- reading
    def sql(self, query: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a query and return a DataFrame (strings as ``string``, ints as ``Int64``)."""
        with self._lock:
            return from_arrow(self.con.sql(query, params=params or None).to_arrow_table())

    def read(self, table: str, where: str | None = None, params: Sequence[Any] | None = None,
             columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Read a table (optionally filtered) back with its declared dtypes."""
        if not self.has_table(table):
            raise WorkspaceError(format_message(
                f"workspace {self.path or ':memory:'} has no table {table!r}",
                expected=f"one of {self.tables()}",
                fix="run the stage that produces it first (brandlab ingest / analyze / outcomes)"))
        cols = ", ".join(_q(c) for c in columns) if columns else "*"
        q = f"SELECT {cols} FROM {_q(table)}" + (f" WHERE {where}" if where else "")
        with self._lock:
            at = self.con.sql(q, params=params or None).to_arrow_table()
        schema = TABLES.get(table)
        return from_arrow(at, schema if columns is None else None)

    def count(self, table: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {_q(table)}") or 0)

    def scalar(self, query: str, params: Sequence[Any] | None = None) -> Any:
        """The first value of the first row (None when there is none).

        Uses fetchall(): DuckDB refuses new work on a connection whose last result was not fully
        fetched, so never call ``con.execute(...).fetchone()`` on the shared connection.
        """
        with self._lock:
            rows = self.con.execute(query, params or []).fetchall()
        return rows[0][0] if rows else None

    # ----------------------------------------------------------------- writing
    def _stage(self, df: pd.DataFrame, schema: TableSchema, *, coerced: bool = False) -> str:
        name = f"_stage_{schema.name}"
        self.con.register(name, to_arrow(df, schema, coerced=coerced))
        return name

    def upsert(self, df: pd.DataFrame, schema: TableSchema | str, *, validated: bool = False,
               keep_known: bool = False) -> int:
        """Insert rows, replacing stored rows with the same key when the new row is not older.

        With ``keep_known`` a row is merged column by column instead: the newer row's non-null
        values win and its nulls keep the older row's values (a partial profile does not blank a
        fuller one stored earlier; an older partial row still fills the stored row's gaps).
        Returns the number of rows in the staged (de-duplicated) batch.
        """
        schema = TABLES[schema] if isinstance(schema, str) else schema
        coerced = not validated
        if not validated:
            df = validate(df, schema)
        if not len(df):
            return 0
        if not schema.key:
            return self.append(df, schema, validated=True, _coerced=coerced)
        with self._lock, self.transaction():
            self.ensure_table(schema)
            staged = f"_stage_{schema.name}"
            self.con.register(staged, to_arrow(df, schema, coerced=coerced))
            t = _q(schema.name)
            keys = [_q(k) for k in schema.key]
            order = _q(schema.order_by) if schema.order_by else None
            # de-duplicate the batch: newest wins, then the last row written. A frame validated here has
            # unique keys already (validate refuses duplicates), so it is taken as it is: no window sort
            rank = f"{order} DESC NULLS LAST, _rowno DESC" if order else "_rowno DESC"
            if coerced:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE _batch AS SELECT * FROM {staged}")
            else:
                self.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE _batch AS SELECT * EXCLUDE (_rowno, _rk) FROM ("
                    f"SELECT *, row_number() OVER (PARTITION BY {', '.join(keys)} ORDER BY {rank}) AS _rk "
                    f"FROM (SELECT *, row_number() OVER () AS _rowno FROM {staged})) WHERE _rk = 1")
            self.con.unregister(staged)
            on = " AND ".join(f"{t}.{k} = _batch.{k}" for k in keys)
            newer = f" AND (_batch.{order} IS NULL OR {t}.{order} IS NULL OR _batch.{order} >= {t}.{order})" \
                if order else ""
            if keep_known:
                newer_row = f"(_batch.{order} IS NULL OR {t}.{order} IS NULL OR _batch.{order} >= {t}.{order})" \
                    if order else "TRUE"
                sets = ", ".join(
                    f"{_q(c)} = CASE WHEN {newer_row} THEN coalesce(_batch.{_q(c)}, {t}.{_q(c)}) "
                    f"ELSE coalesce({t}.{_q(c)}, _batch.{_q(c)}) END"
                    for c in schema.names if c not in schema.key)
                if sets:
                    self.con.execute(f"UPDATE _batch SET {sets} FROM {t} WHERE {on}")
                newer = ""  # _batch now holds the merged rows: they replace every stored match
            self.con.execute(f"DELETE FROM {t} USING _batch WHERE {on}{newer}")
            cols = ", ".join(_q(c) for c in schema.names)
            self.con.execute(
                f"INSERT INTO {t} ({cols}) SELECT {cols} FROM _batch WHERE NOT EXISTS "
                f"(SELECT 1 FROM {t} WHERE {on})")
            n = self.con.execute("SELECT count(*) FROM _batch").fetchall()
            self.con.execute("DROP TABLE _batch")
        return int(n[0][0]) if n else 0

    def append(self, df: pd.DataFrame, schema: TableSchema | str, *, validated: bool = False,
               _coerced: bool = False) -> int:
        schema = TABLES[schema] if isinstance(schema, str) else schema
        coerced = _coerced or not validated  # validate() returns the frame coerced: no second pass
        if not validated:
            df = validate(df, schema)
        if not len(df):
            return 0
        with self._lock, self.transaction():
            self.ensure_table(schema)
            staged = self._stage(df, schema, coerced=coerced)
            cols = ", ".join(_q(c) for c in schema.names)
            self.con.execute(f"INSERT INTO {_q(schema.name)} ({cols}) SELECT {cols} FROM {staged}")
            self.con.unregister(staged)
        return len(df)

    def replace(self, df: pd.DataFrame, schema: TableSchema | str, *, where: dict[str, Any] | None = None,
                validated: bool = False) -> int:
        """Replace the whole table, or only the rows matching ``where`` (column = value)."""
        schema = TABLES[schema] if isinstance(schema, str) else schema
        coerced = not validated
        if not validated:
            df = validate(df, schema)
        with self._lock, self.transaction():
            self.ensure_table(schema)
            if where:
                cond = " AND ".join(f"{_q(k)} = ?" for k in where)
                self.con.execute(f"DELETE FROM {_q(schema.name)} WHERE {cond}", list(where.values()))
            else:
                self.con.execute(f"DELETE FROM {_q(schema.name)}")
            if len(df):
                self.append(df, schema, validated=True, _coerced=coerced)
        return len(df)

    def write_frame(self, name: str, df: pd.DataFrame) -> None:
        """Store an untyped result frame (for tables that have no schema, e.g. plot series)."""
        with self._lock, self.transaction():
            self.con.register("_frame", df)
            self.con.execute(f"CREATE OR REPLACE TABLE {_q(name)} AS SELECT * FROM _frame")
            self.con.unregister("_frame")


def open_workspace(path: str | Path | None = None, *, read_only: bool = False) -> Workspace:
    """Open the workspace at ``path`` or at the configured default."""
    from brandlab.config import Settings

    return Workspace(path or Settings.from_env().workspace, read_only=read_only)
