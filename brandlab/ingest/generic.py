"""The generic adapter: any CSV/XLSX export into canonical tables, driven by a column map.

The generic adapter (``--format generic --column-map map.yaml``): a :class:`ColumnMap` read from
YAML or JSON names, for any other export, which source column feeds which canonical column. The
CSV/XLSX reading and quarantine machinery it shares with the other tabular adapters is in
:mod:`brandlab.ingest.tabular` (re-exported here for existing imports).

A column map (YAML)::

    platform: other          # a brandlab Platform value
    table: posts             # posts | authors | post_metrics | audience_segments
    kind: post               # PostKind for posts without a kind column
    columns:                 # source column -> canonical column
      文章ID: post_id
      标题: title
      发布时间: published_at
      阅读量: play_count
    time_format: "%Y/%m/%d %H:%M"   # optional strptime format of the time columns
    header_row: 2            # optional 1-based header row (default: found by the column names)
    sheet: Sheet1            # optional XLSX sheet
    id_from: [title, published_at]   # optional: hash these into post_id when there is no id column
    metrics: {阅读量: reads}  # optional: wide columns -> post_metrics rows (metric name)
    date_column: 日期         # optional: the post_metrics date (default: the crawl date)
    constants: {campaign: 春季文旅}
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from brandlab.errors import ExportFormatError, format_message
from brandlab.ingest.base import Head, Parsed, ReadContext, register_adapter
from brandlab.ingest.tabular import (
    ROW_LEVEL,
    TABLE_SCHEMAS,
    RawTable,
    TabularAdapter,
    build_table,
    dedupe,
    find_header,
    metric_dates,
    metrics_long,
    provenance,
    read_rows,
    sniff_headers,
    synth_id,
)
from brandlab.schema import Platform, PostKind


@dataclass(frozen=True)
class ColumnMap:
    """How to read an export no adapter knows: see the module docstring for the file format."""

    platform: str
    columns: Mapping[str, str]
    table: str = "posts"
    kind: str = "post"
    time_format: str | None = None
    header_row: int | None = None
    sheet: str | None = None
    id_from: tuple[str, ...] = ()
    metrics: Mapping[str, str] = field(default_factory=dict)
    date_column: str | None = None
    constants: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> ColumnMap:
        """Read a column map from YAML (.yaml/.yml) or JSON; errors name the file and the key."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
            if p.suffix.lower() == ".json":
                data = json.loads(text)
            else:
                import yaml

                data = yaml.safe_load(text)
        except (OSError, ValueError, ImportError) as err:
            raise ExportFormatError(format_message(
                f"cannot read column map {str(p)!r}: {err}", expected="a YAML or JSON mapping",
                fix="see the example in brandlab/ingest/generic.py"), path=str(p)) from err
        except Exception as err:  # yaml.YAMLError does not subclass ValueError
            raise ExportFormatError(format_message(f"column map {str(p)!r} is not valid YAML: {err}"),
                                    path=str(p)) from err
        return cls.from_dict(data, source=str(p))

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "column map") -> ColumnMap:
        def bad(what: str, found: Any) -> ExportFormatError:
            return ExportFormatError(format_message(f"{source}: {what}", found=found,
                                                    fix="see the example in brandlab/ingest/generic.py"))

        if not isinstance(data, dict):
            raise bad("must be a mapping with 'platform' and 'columns'", type(data).__name__)
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise bad(f"unknown key(s) {unknown}; allowed: {sorted(known)}", unknown)
        if data.get("platform") not in {p.value for p in Platform}:
            raise bad(f"'platform' must be one of {[p.value for p in Platform]}", data.get("platform"))
        table = data.get("table", "posts")
        if table not in TABLE_SCHEMAS:
            raise bad(f"'table' must be one of {sorted(TABLE_SCHEMAS)}", table)
        cols = data.get("columns") or {}
        if not isinstance(cols, dict) or not cols:
            raise bad("'columns' must map source column names to canonical column names", cols)
        allowed = set(TABLE_SCHEMAS[table].names) - {"source_file", "source_format", "source_row"}
        wrong = sorted(str(v) for v in cols.values() if v not in allowed)
        if wrong:
            raise bad(f"canonical column(s) {wrong} are not columns of {table!r}; allowed: {sorted(allowed)}", wrong)
        if data.get("kind", "post") not in {k.value for k in PostKind}:
            raise bad("'kind' must be post, comment or repost", data.get("kind"))
        return cls(platform=data["platform"], columns={str(k): str(v) for k, v in cols.items()}, table=table,
                   kind=data.get("kind", "post"), time_format=data.get("time_format"),
                   header_row=data.get("header_row"), sheet=data.get("sheet"),
                   id_from=tuple(data.get("id_from") or ()),
                   metrics={str(k): str(v) for k, v in (data.get("metrics") or {}).items()},
                   date_column=data.get("date_column"), constants=dict(data.get("constants") or {}))


class GenericAdapter(TabularAdapter):
    """Any CSV/XLSX export, read through a :class:`ColumnMap` (never auto-detected)."""

    name = "generic"

    def __init__(self, column_map: ColumnMap | None = None) -> None:
        self.column_map = column_map
        self.platform = column_map.platform if column_map else None
        self.primary = column_map.table if column_map else "posts"

    def sniff(self, path: Path, head: Head) -> float:
        return 0.0  # only used when asked for by name, with a column map

    def _map(self) -> ColumnMap:
        if self.column_map is None:
            raise ExportFormatError(format_message(
                "the generic adapter needs a column map", fix="pass --column-map map.yaml (see brandlab/ingest/generic.py)"))
        return self.column_map

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        cm = self._map()
        rows = read_rows(path, sheet=cm.sheet)
        hi = cm.header_row - 1 if cm.header_row else find_header(rows, list(cm.columns) + list(cm.metrics))
        raw = RawTable.from_rows(rows, hi, path)
        for chunk in raw.slices(ctx.chunk_size):
            yield self.convert(chunk, ctx)

    def convert(self, raw: RawTable, ctx: ReadContext) -> Parsed:
        cm = self._map()
        schema = TABLE_SCHEMAS[cm.table]
        by_canonical = {v: k for k, v in cm.columns.items()}
        need = [c for c in schema.key if c not in cm.constants and c not in ("platform", "date", "metric")]
        if cm.id_from:
            need = [c for c in need if c not in ("post_id", "scope_id")]
        raw.require({c: [by_canonical.get(c, c)] for c in need}, what=f"export mapped by the column map ({cm.table})",
                    fix="add the column to 'columns' in the column map, or name it in 'id_from'")
        missing_src = [k for k in list(cm.columns) + list(cm.metrics) if not raw.has(k)]
        if missing_src:
            raise ExportFormatError(format_message(
                f"{Path(raw.path).name!r} lacks column(s) {missing_src} named in the column map",
                found=f"columns {list(raw.df.columns)[:40]}", fix="fix the names in the column map"), path=raw.path)
        anchor = ctx.anchor()
        df = build_table(raw, schema, by_canonical, as_of=anchor, time_format=cm.time_format)
        df["platform"] = cm.platform
        if cm.table == "posts" and "kind" not in df.columns:
            df["kind"] = cm.kind
        for k, v in cm.constants.items():
            df[k] = v
        id_col = "scope_id" if cm.table == "audience_segments" else "post_id"
        if cm.id_from:
            df[id_col] = [synth_id(cm.platform, *vals) for vals in zip(*(df[c] for c in cm.id_from), strict=True)]
        tables: dict[str, pd.DataFrame] = {cm.table: df}
        if cm.metrics:
            tables["post_metrics"] = metrics_long(raw, df, cm.metrics, platform=cm.platform,
                                                  date=metric_dates(raw, cm.date_column, anchor))
        return self.finish(raw, ctx, tables, crawled_at=anchor)


def use_column_map(path: str | Path | ColumnMap) -> GenericAdapter:
    """Register the generic adapter with this column map (``--format generic --column-map``)."""
    cm = path if isinstance(path, ColumnMap) else ColumnMap.load(path)
    adapter = GenericAdapter(cm)
    register_adapter(adapter)
    return adapter


register_adapter(GenericAdapter())

__all__ = ["ROW_LEVEL", "ColumnMap", "GenericAdapter", "use_column_map", "RawTable", "TabularAdapter", "build_table", "dedupe", "find_header",
           "metrics_long", "provenance", "read_rows", "sniff_headers", "synth_id", "TABLE_SCHEMAS"]
