"""Machinery every header-based CSV/XLSX adapter shares.

:func:`read_rows` (CSV with BOM/GB18030, ragged rows padded, repeated header rows skipped; XLSX
cells with their Excel types), :func:`find_header` (a title row above the header is skipped),
:class:`RawTable` (raw cells plus their source rows; converts columns with the shared value parsers
and quarantines every row that cannot be read, with the column, the value and the reason),
:func:`build_table` (source columns -> one canonical table, each column converted according to its
schema dtype), :func:`metrics_long` (wide statistics -> ``post_metrics`` rows) and
:class:`TabularAdapter`, the base of the weibo, creator-centre, WeChat and generic adapters.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brandlab.errors import ExportFormatError, format_message
from brandlab.ingest.base import ROW_LEVEL, Head, Parsed, ReadContext
from brandlab.ingest.values import (
    clean_ids_checked,
    normalize_location,
    open_text,
    parse_counts_checked,
    parse_times_checked,
    to_timestamp,
)
from brandlab.schema import (
    AUDIENCE_SEGMENT,
    AUTHOR,
    BOOL,
    EDGE,
    FLOAT,
    INT,
    LIST,
    POST,
    POST_METRIC,
    STR,
    TIME,
    TableSchema,
)

TABLE_SCHEMAS: dict[str, TableSchema] = {s.name: s for s in (POST, AUTHOR, POST_METRIC, AUDIENCE_SEGMENT)}
_ID_COLUMNS = {"post_id", "parent_id", "root_id", "author_id", "scope_id"}
_TRUE = {"true", "1", "是", "yes", "y", "已认证", "认证"}
_FALSE = {"false", "0", "否", "no", "n", "未认证", "普通用户", "-1"}
XLSX_SUFFIXES = (".xlsx", ".xlsm")


# ------------------------------------------------------------------------------------ reading


def read_rows(path: str | Path, *, sheet: str | None = None) -> list[list[Any]]:
    """Every row of a CSV (as str) or XLSX sheet (as Excel-typed values), blank rows kept as []."""
    p = Path(path)
    if p.suffix.lower() in XLSX_SUFFIXES:
        import openpyxl

        try:
            wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        except Exception as err:  # zip/xml errors of a damaged workbook
            raise ExportFormatError(format_message(
                f"cannot open {p.name!r} as an Excel workbook: {err}", expected="an .xlsx file",
                fix="re-save it from Excel/WPS as .xlsx, or export CSV instead"), path=str(p)) from err
        try:
            if sheet is not None and sheet not in wb.sheetnames:
                raise ExportFormatError(format_message(
                    f"{p.name!r} has no sheet {sheet!r}", expected=f"one of {wb.sheetnames}",
                    fix="fix 'sheet' in the column map"), path=str(p))
            ws = wb[sheet] if sheet else wb.worksheets[0]
            return [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    with open_text(p) as f:
        try:
            return [list(r) for r in csv.reader(f)]
        except csv.Error as err:
            raise ExportFormatError(format_message(
                f"{p.name!r} is not a readable CSV: {err}", fix="re-export the file as CSV"), path=str(p)) from err


def _name(v: Any) -> str:
    return "" if v is None else str(v).strip().lstrip("\ufeff").strip()


def find_header(rows: Sequence[Sequence[Any]], expected: Iterable[str], *, max_scan: int = 10) -> int:
    """Index of the first of the top ``max_scan`` rows holding the most expected names (0 if none)."""
    want = set(expected)
    best, best_hits = 0, 0
    for i, row in enumerate(rows[:max_scan]):
        hits = len(want & {_name(v) for v in row})
        if hits > best_hits:
            best, best_hits = i, hits
    return best


@dataclass
class RawTable:
    """Raw cells under one header, the 1-based source row of each, and the rows quarantined so far."""

    df: pd.DataFrame
    rows: pd.Series
    path: str
    #: shared with every :meth:`subset` of this table
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def bad(self) -> pd.Series:
        """True for rows with at least one problem (they go to quarantine, not to the tables)."""
        rows = {p["source_row"] for p in self.problems}
        return self.rows.isin(rows)

    def subset(self, mask: pd.Series) -> RawTable:
        """The rows under ``mask``, sharing this table's quarantine list."""
        mask = mask.fillna(False).astype(bool)
        return RawTable(self.df[mask], self.rows[mask], self.path, self.problems)

    def slices(self, size: int) -> Iterator[RawTable]:
        """Consecutive chunks of at most ``size`` rows, each with its own quarantine list."""
        for start in range(0, max(len(self.df), 1), max(size, 1)):
            sub = RawTable(self.df.iloc[start:start + size], self.rows.iloc[start:start + size], self.path)
            here = set(sub.rows.tolist())
            sub.problems = [p for p in self.problems if p["source_row"] in here]
            yield sub

    @classmethod
    def from_records(cls, records: Any, path: str | Path) -> RawTable:
        """Plain dicts (or a DataFrame, optionally with a ``source_row`` column) as a raw table."""
        df = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
        rows = df.pop("source_row") if "source_row" in df.columns else pd.Series(range(1, len(df) + 1))
        df = df.astype(object).where(df.notna(), None)
        df.columns = [_name(c) for c in df.columns]
        return cls(df.reset_index(drop=True), pd.Series(list(rows), dtype="int64"), str(path))

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]], header_index: int, path: str | Path) -> RawTable:
        """Cells below ``rows[header_index]``, padded to the header; repeated header rows and blank
        rows are skipped; a row longer than the header is quarantined."""
        header = [_name(v) for v in rows[header_index]] if rows else []
        width = len(header)
        data: list[list[Any]] = []
        numbers: list[int] = []
        extra: list[tuple[int, int, list[Any]]] = []
        for i in range(header_index + 1, len(rows)):
            row = rows[i]
            if not row or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            if [_name(v) for v in row[:width]] == header:
                continue  # a header repeated by an exporter that appends runs to one file
            n = i - header_index  # 1-based data row number under the header (blank rows counted)
            if len(row) > width and any(v not in (None, "") for v in row[width:]):
                extra.append((n, len(row), list(row)))
            padded = list(row[:width]) + [None] * (width - len(row))
            data.append(padded)
            numbers.append(n)
        df = pd.DataFrame(data, columns=pd.Index(header, dtype=object), dtype=object)
        df = df.loc[:, [bool(c) for c in header]] if width else df
        df = df.loc[:, ~df.columns.duplicated()]
        table = cls(df, pd.Series(numbers, index=df.index, dtype="int64"), str(path))
        for n, got, _row in extra:
            idx = numbers.index(n)
            table.flag_rows(pd.Series(table.df.index == idx, index=table.df.index), None,
                            f"row has {got} fields but the header has {width}: columns are shifted")
        return table

    # ---------------------------------------------------------------- columns
    def has(self, name: str | None) -> bool:
        return name is not None and name in self.df.columns

    def first(self, *names: str) -> str | None:
        """The first of ``names`` that the header has."""
        return next((n for n in names if n in self.df.columns), None)

    def require(self, needed: Mapping[str, Sequence[str]], *, what: str, fix: str) -> dict[str, str]:
        """Resolve canonical -> source column, each from a list of accepted header names.

        Raises ExportFormatError naming the file, every missing column and how to fix it.
        """
        found: dict[str, str] = {}
        missing: list[str] = []
        for canonical, names in needed.items():
            src = self.first(*names)
            if src is None:
                missing.append(" or ".join(names))
            else:
                found[canonical] = src
        if missing:
            raise ExportFormatError(format_message(
                f"{what} {Path(self.path).name!r} is missing column(s) {missing}",
                expected=f"a {what} with the header names above",
                found=f"columns {list(self.df.columns)[:40]}", fix=fix), path=self.path, column=missing[0])
        return found

    def text(self, name: str | None) -> pd.Series:
        if not self.has(name):
            return pd.Series(pd.NA, index=self.df.index, dtype="string")
        s = self.df[name].map(lambda v: None if v is None else str(v)).astype("string").str.strip()
        return s.mask(s == "")

    # ---------------------------------------------------------------- quarantine
    def flag_rows(self, mask: pd.Series, column: str | None, reason: str | pd.Series) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        for i in np.flatnonzero(mask.to_numpy()):
            label = self.df.index[i]
            value = None if column is None or column not in self.df.columns else self.df.at[label, column]
            column_name = column if column is not None else ROW_LEVEL
            why = reason if isinstance(reason, str) else str(reason.loc[label])
            self.problems.append({
                "source_row": int(self.rows.loc[label]), "column": column_name,
                "value": None if value is None else str(value), "reason": why,
                "raw": json.dumps({str(k): v for k, v in self.df.loc[label].items()}, ensure_ascii=False,
                                  default=str)})

    def _flag_problems(self, name: str, problems: pd.Series) -> None:
        bad = problems.notna()
        if bad.any():
            self.flag_rows(bad, name, problems.fillna(""))

    # ---------------------------------------------------------------- converters
    def ids(self, name: str | None, *, required: bool = False) -> pd.Series:
        if not self.has(name):
            return pd.Series(pd.NA, index=self.df.index, dtype="string")
        assert name is not None
        out, problems = clean_ids_checked(self.df[name].astype(object))
        self._flag_problems(name, problems)
        if required:
            self.flag_rows(out.isna() & problems.isna(), name, f"row has no id in column {name!r}")
        return out

    def counts(self, name: str | None) -> tuple[pd.Series, pd.Series]:
        if not self.has(name):
            return pd.Series(pd.NA, index=self.df.index, dtype="Int64"), pd.Series(False, index=self.df.index)
        assert name is not None
        values, capped, problems = parse_counts_checked(self.df[name].astype(object))
        self._flag_problems(name, problems)
        return values, capped

    def times(self, name: str | None, *, as_of: Any = None, time_format: str | None = None) -> pd.Series:
        if not self.has(name):
            return pd.Series(pd.NaT, index=self.df.index, dtype="datetime64[ns, Asia/Shanghai]")
        assert name is not None
        s = self.df[name].astype(object)
        if time_format:
            strs = s.map(lambda v: None if v is None else str(v).strip())
            t = pd.to_datetime(strs, format=time_format, errors="coerce")
            t = t.dt.tz_localize("Asia/Shanghai") if t.dt.tz is None else t.dt.tz_convert("Asia/Shanghai")
            bad = t.isna() & strs.notna() & (strs != "")
            self.flag_rows(bad, name, f"cannot read the time with format {time_format!r}")
            return t.astype("datetime64[ns, Asia/Shanghai]")
        out, problems = parse_times_checked(s, as_of=as_of)
        self._flag_problems(name, problems)
        return out

    def floats(self, name: str | None) -> pd.Series:
        """Numbers and rates: '5.4%' -> 0.054, '1.2万' -> 12000, '-' / '' -> NaN; other text is quarantined."""
        if not self.has(name):
            return pd.Series(np.nan, index=self.df.index, dtype="float64")
        assert name is not None
        s = self.df[name].astype(object)
        strs = s.map(lambda v: v.strip().replace(",", "") if isinstance(v, str) else v)
        pct = strs.map(lambda v: isinstance(v, str) and v.endswith("%"))
        base = strs.mask(pct, strs[pct].map(lambda v: v[:-1]) if pct.any() else None)
        missing = base.map(lambda v: v is None or (isinstance(v, str) and v in ("", "-", "--", "无", "—")))
        num = pd.to_numeric(base.mask(missing), errors="coerce").astype("float64")
        num = num.mask(pct, num / 100.0)
        retry = num.isna() & ~missing & ~pct
        if retry.any():  # display counts such as '1.2万' or '10万+'
            counts, _capped, problems = parse_counts_checked(base[retry])
            num[retry] = counts.astype("float64").where(problems.isna())
        self.flag_rows(num.isna() & ~missing, name, "cannot read the value as a number")
        return num

    def bools(self, name: str | None) -> pd.Series:
        def one(v: Any) -> Any:
            if v is None:
                return pd.NA
            if isinstance(v, (bool, np.bool_)):
                return bool(v)
            t = str(v).strip().lower()
            return True if t in _TRUE else False if t in _FALSE else pd.NA if t == "" else "?"

        if not self.has(name):
            return pd.Series(pd.NA, index=self.df.index, dtype="boolean")
        vals = self.df[name].map(one)
        self.flag_rows(vals == "?", name, "cannot read the value as true/false")
        return vals.mask(vals == "?").astype("boolean")

    def quarantine(self) -> pd.DataFrame:
        cols = ["source_row", "column", "value", "reason", "raw"]
        if not self.problems:
            return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "source_row" else "string") for c in cols})
        q = pd.DataFrame(self.problems, columns=cols)
        # one row per (row, column): the first reason found is reported
        q = q.drop_duplicates(["source_row", "column"], keep="first")
        q["source_row"] = q["source_row"].astype("Int64")
        return q.astype({c: "string" for c in cols[1:]})


def synth_id(*parts: Any) -> str:
    """A stable id for exports without one (creator centres): 'h' + 16 hex of sha1 of the parts."""
    key = "\x1f".join("" if p is None or p is pd.NaT or p is pd.NA else str(p) for p in parts)
    return "h" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def build_table(raw: RawTable, schema: TableSchema, mapping: Mapping[str, str | None], *,
                as_of: Any = None, time_format: str | None = None) -> pd.DataFrame:
    """Convert the mapped source columns (canonical -> source) by their schema dtypes.

    Unparseable values quarantine their row (see :attr:`RawTable.bad`); unmapped columns are left out
    (``coerce`` fills them with nulls later). ``counts_capped`` is set where any count was capped.
    """
    out: dict[str, pd.Series] = {}
    capped = pd.Series(False, index=raw.df.index)
    for col in schema.columns:
        src = mapping.get(col.name)
        if not raw.has(src):
            continue
        if col.name in _ID_COLUMNS:
            out[col.name] = raw.ids(src, required=col.name in schema.key)
        elif col.dtype == INT:
            out[col.name], cap = raw.counts(src)
            capped |= cap
        elif col.dtype == TIME:
            out[col.name] = raw.times(src, as_of=as_of, time_format=time_format)
        elif col.dtype == FLOAT:
            out[col.name] = raw.floats(src)
        elif col.dtype == BOOL:
            out[col.name] = raw.bools(src)
        elif col.dtype == LIST:
            out[col.name] = raw.text(src).map(
                lambda v: [] if v is pd.NA else [t.strip() for t in str(v).replace("，", ",").split(",") if t.strip()])
        elif col.dtype == STR:
            s = raw.text(src)
            out[col.name] = s.map(normalize_location, na_action="ignore").astype("string") \
                if col.name in ("ip_location", "region") else s
        else:
            out[col.name] = raw.df[src]
    if "counts_capped" in schema.names and "counts_capped" not in out:
        out["counts_capped"] = capped
    df = pd.DataFrame(out, index=raw.df.index)
    df["source_row"] = raw.rows
    return df


def provenance(df: pd.DataFrame, *, source_file: str, source_format: str, crawled_at: Any) -> pd.DataFrame:
    """Add source_file / source_format / crawled_at (source_row is set by :func:`build_table`)."""
    df = df.copy()
    df["source_file"] = source_file
    df["source_format"] = source_format
    ts = to_timestamp(crawled_at) if crawled_at is not None else None
    df["crawled_at"] = pd.Series([ts] * len(df), index=df.index, dtype="datetime64[ns, Asia/Shanghai]")
    return df


def dedupe(df: pd.DataFrame, key: Sequence[str]) -> pd.DataFrame:
    """Keep the last row of each key (callers put the preferred rows last)."""
    if not len(df):
        return df
    return df.drop_duplicates(list(key), keep="last")


# ------------------------------------------------------------------------------------ adapters


def header_candidates(head: Head) -> list[set[str]]:
    """Header-name sets a file might have: its CSV header, or each of the top rows of each sheet."""
    out: list[set[str]] = []
    if head.columns:
        out.append({_name(c) for c in head.columns})
    for rows in head.sheets.values():
        out.extend({_name(v) for v in row} for row in rows[:10])
    if head.records:
        out.append(set(head.fields))
    return out


def sniff_headers(head: Head, required: Iterable[str], optional: Iterable[str] = ()) -> float:
    """1.0 * share of ``optional`` names seen, when all ``required`` names are in one header row."""
    req, opt = set(required), set(optional)
    best = 0.0
    for names in header_candidates(head):
        if req <= names:
            best = max(best, 0.6 + 0.4 * (len(opt & names) / len(opt) if opt else 1.0))
    return best


class TabularAdapter:
    """An adapter for one header-based CSV/XLSX export; subclasses implement :meth:`convert`."""

    name = ""
    platform: str | None = None
    #: header names that locate the header row (a title row above it is skipped)
    signature: tuple[str, ...] = ()
    sheet: str | None = None
    primary = "posts"

    def sniff(self, path: Path, head: Head) -> float:
        return sniff_headers(head, self.signature[:3], self.signature[3:])

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        rows = read_rows(path, sheet=self.sheet)
        rows = self.fix_rows(rows)
        raw = RawTable.from_rows(rows, find_header(rows, self.signature), path)
        for chunk in raw.slices(ctx.chunk_size):
            yield self.convert(chunk, ctx)

    def parse(self, records: Any, ctx: ReadContext) -> Parsed:
        return self.convert(RawTable.from_records(records, ctx.source_file), ctx)

    def fix_rows(self, rows: list[list[Any]]) -> list[list[Any]]:
        """Repair known exporter bugs in the raw rows before the header is applied (default: none)."""
        return rows

    def convert(self, raw: RawTable, ctx: ReadContext) -> Parsed:
        raise NotImplementedError

    def finish(self, raw: RawTable, ctx: ReadContext, tables: Mapping[str, pd.DataFrame], *,
               crawled_at: Any = None) -> Parsed:
        """Drop quarantined rows, add provenance, de-duplicate by key and package a :class:`Parsed`."""
        bad_rows = set(raw.rows[raw.bad].tolist())
        out: dict[str, pd.DataFrame] = {}
        for name, df in tables.items():
            schema = TABLE_SCHEMAS.get(name)
            if "source_row" in df.columns and bad_rows:
                df = df[~df["source_row"].isin(bad_rows)]
            if schema is not None:
                df = provenance(df, source_file=ctx.source_file, source_format=self.name, crawled_at=crawled_at)
            else:
                df = df.drop(columns=[c for c in ("source_row",) if c in df.columns])
            key = schema.key if schema is not None else EDGE.key
            if len(df):
                out[name] = dedupe(df, key)
        return Parsed(tables=out, quarantine=raw.quarantine(), primary=self.primary, rows_read=len(raw.df))


def metric_dates(raw: RawTable, column: str | None, anchor: Any) -> pd.Series:
    """The day each row's statistics describe (naive dates): the sheet's date column, else the crawl
    time (file name or --as-of), else the day the file was last modified (stable across re-ingests)."""
    if column and raw.has(column):
        return raw.times(column, as_of=anchor).dt.tz_localize(None).dt.normalize()
    day = to_timestamp(anchor) if anchor is not None else None
    if day is None:
        p = Path(raw.path)
        mtime = p.stat().st_mtime if p.is_file() else 0.0
        day = pd.Timestamp(mtime, unit="s", tz="UTC").tz_convert("Asia/Shanghai")
    return pd.Series(day.tz_localize(None).normalize(), index=raw.df.index)


def metrics_long(raw: RawTable, posts: pd.DataFrame, metrics: Mapping[str, str], *, platform: str,
                 date: pd.Series) -> pd.DataFrame:
    """Wide metric columns (source -> metric name) -> one post_metrics row per post, date and metric."""
    parts = []
    for src, metric in metrics.items():
        vals = raw.floats(src)
        part = pd.DataFrame({"platform": platform, "post_id": posts["post_id"], "date": date, "metric": metric,
                             "value": vals, "source_row": raw.rows})
        parts.append(part[vals.notna() & posts["post_id"].notna()])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


__all__ = ["ROW_LEVEL", "TABLE_SCHEMAS", "RawTable", "TabularAdapter", "build_table", "dedupe", "find_header",
           "header_candidates", "metric_dates", "metrics_long", "provenance", "read_rows", "sniff_headers", "synth_id"]
