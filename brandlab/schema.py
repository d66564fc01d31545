"""The canonical tables every stage exchanges, declared once, and :func:`validate`.

A table is a pandas DataFrame whose columns, dtypes and checks are declared as a
:class:`TableSchema`. Stages call ``validate(df, POST)`` on what they return; validation
collects every problem before raising one :class:`~brandlab.errors.SchemaViolation`.

Conventions: English snake_case column names; ids are strings (never floats); times are
tz-aware ``Asia/Shanghai``; counts are nullable ``Int64``; lists are Python lists of str;
closed vocabularies are the ``StrEnum`` classes below.

This module holds the machinery (:class:`Column`, :class:`TableSchema`, :func:`coerce`,
:func:`validate`, :func:`concat`, :func:`register` and the :data:`TABLES` registry), the closed
vocabularies and the foundation tables that ingest writes (posts, authors, audience segments,
post metrics, edges, quarantine, ingest log). Each analysis area declares its own tables in
:mod:`brandlab.tables` (compare, triad, outcomes, survey, network, nlp); they are imported at the
end of this module, so ``import brandlab.schema`` registers every table and every
``from brandlab.schema import X`` keeps working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from brandlab.config import TIMEZONE
from brandlab.errors import SchemaViolation


class Platform(StrEnum):
    DOUYIN = "douyin"
    XHS = "xhs"
    WEIBO = "weibo"
    BILIBILI = "bilibili"
    KUAISHOU = "kuaishou"
    WECHAT = "wechat"
    OTHER = "other"


class PostKind(StrEnum):
    POST = "post"
    COMMENT = "comment"
    REPOST = "repost"


class EdgeKind(StrEnum):
    REPOST = "repost"      # src's content was reposted by dst
    REPLY = "reply"        # dst replied to / commented on src
    MENTION = "mention"    # src mentioned dst
    HASHTAG = "hashtag"    # dst adopted a hashtag after src used it


class Generation(StrEnum):
    X = "X"
    Y = "Y"
    Z = "Z"
    UNKNOWN = "unknown"


class AccountRole(StrEnum):
    OFFICIAL = "official"
    MEDIA = "media"
    INFLUENCER_HEAD = "influencer_head"    # 头部, >= 1M followers
    INFLUENCER_WAIST = "influencer_waist"  # 腰部, 100k-1M
    INFLUENCER_TAIL = "influencer_tail"    # 尾部, 10k-100k
    ORDINARY = "ordinary"                  # 素人


# dtype tags used in column declarations
STR = "string"        # pandas "string" (nullable); ids and text
INT = "Int64"         # nullable integer
FLOAT = "float64"
BOOL = "boolean"      # nullable boolean
TIME = "datetime"     # datetime64[ns, Asia/Shanghai]
DATE = "date"         # datetime64[ns] normalised to midnight, naive (a calendar day)
LIST = "list"         # object column holding list[str]
JSON = "json"         # object column holding a JSON string


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    nullable: bool = True
    #: allowed values (a StrEnum class or an iterable of strings)
    values: Any = None
    #: closed numeric range (low, high), None for open ends
    bounds: tuple[float | None, float | None] | None = None
    doc: str = ""


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[Column, ...]
    #: columns that identify a row (checked for uniqueness)
    key: tuple[str, ...] = ()
    #: column used to decide which duplicate wins on upsert (largest wins)
    order_by: str | None = None
    #: extra row-level checks: (description, function(df) -> boolean Series of *failing* rows)
    checks: tuple[tuple[str, Callable[[pd.DataFrame], pd.Series]], ...] = field(default=())
    doc: str = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def empty(self) -> pd.DataFrame:
        """An empty frame with this table's columns and dtypes."""
        # object columns: pandas 3 makes an empty list float64, which _to_str rightly refuses
        return coerce(pd.DataFrame({c.name: pd.Series([], dtype=object) for c in self.columns}), self)


def _col(name: str, dtype: str, nullable: bool = True, **kw: Any) -> Column:
    return Column(name, dtype, nullable, **kw)


PROVENANCE = (
    _col("source_file", STR, doc="path of the export the row came from"),
    _col("source_format", STR, doc="adapter name, e.g. mediacrawler.douyin.csv"),
    _col("source_row", INT, doc="1-based data row in that file: CSV/XLSX records below the header (a quoted "
         "field with line breaks is one row; blank lines are not rows), the record index of a JSON array, the "
         "line of a JSONL record, the rowid of a SQLite row — never a count of physical text lines"),
    _col("crawled_at", TIME, doc="when the exporter crawled the row (newest wins on upsert)"),
)

POST = TableSchema(
    "posts",
    (
        _col("platform", STR, False, values=Platform),
        _col("post_id", STR, False),
        _col("kind", STR, False, values=PostKind),
        _col("parent_id", STR, doc="post/comment replied to or reposted (direct parent)"),
        _col("root_id", STR, doc="root post of the thread or repost cascade"),
        _col("author_id", STR, doc="platform user id, or creator_hash in anonymised exports"),
        _col("author_name", STR, doc="nickname shown on the post (for //@ chain resolution)"),
        _col("published_at", TIME),
        _col("title", STR),
        _col("text", STR),
        _col("hashtags", LIST),
        _col("mentions", LIST),
        _col("url", STR),
        _col("like_count", INT, bounds=(0, None)),
        _col("comment_count", INT, bounds=(0, None)),
        _col("share_count", INT, bounds=(0, None)),
        _col("collect_count", INT, bounds=(0, None)),
        _col("play_count", INT, bounds=(0, None)),
        _col("counts_capped", BOOL, doc="a count was a capped display value such as 10万+"),
        _col("repost_chain", STR, doc="raw '//@name: ...' chain text of a repost"),
        _col("ip_location", STR),
        _col("campaign", STR),
        *PROVENANCE,
    ),
    key=("platform", "post_id"),
    order_by="crawled_at",
    doc="One row per post, comment or repost.",
)

AUTHOR = TableSchema(
    "authors",
    (
        _col("platform", STR, False, values=Platform),
        _col("author_id", STR, False),
        _col("nickname", STR),
        _col("follower_count", INT, bounds=(0, None)),
        _col("following_count", INT, bounds=(0, None)),
        _col("post_count", INT, bounds=(0, None)),
        _col("verified", BOOL),
        _col("verified_type", STR),
        _col("verified_reason", STR),
        _col("gender", STR, values=("m", "f", "unknown")),
        _col("birth_year", INT, bounds=(1900, 2030)),
        _col("age_bucket", STR, doc="e.g. '18-23' where the export gives a bucket"),
        _col("bio", STR),
        _col("region", STR),
        *PROVENANCE,
    ),
    key=("platform", "author_id"),
    order_by="crawled_at",
    doc="One row per account.",
)

AUDIENCE_SEGMENT = TableSchema(
    "audience_segments",
    (
        _col("platform", STR, False, values=Platform),
        _col("scope", STR, False, values=("account", "post")),
        _col("scope_id", STR, False, doc="author_id or post_id"),
        _col("dimension", STR, False, values=("age", "gender", "region", "city", "device", "interest")),
        _col("bucket", STR, False),
        _col("share", FLOAT, False, bounds=(0.0, 1.0)),
        *PROVENANCE,
    ),
    key=("platform", "scope", "scope_id", "dimension", "bucket"),
    order_by="crawled_at",
    doc="Creator-centre audience portraits.",
)

POST_METRIC = TableSchema(
    "post_metrics",
    (
        _col("platform", STR, False, values=Platform),
        _col("post_id", STR, False),
        _col("date", DATE, False),
        _col("metric", STR, False, doc="plays, likes, reads, shares, completion_rate, ..."),
        _col("value", FLOAT),
        *PROVENANCE,
    ),
    key=("platform", "post_id", "date", "metric"),
    order_by="crawled_at",
    doc="Dated per-post statistics from creator centres and WeChat article statistics.",
)

EDGE = TableSchema(
    "edges",
    (
        _col("platform", STR, False, values=Platform),
        _col("src_author_id", STR, False, doc="account whose content was passed on / replied to"),
        _col("dst_author_id", STR, False, doc="account that passed it on / replied"),
        _col("post_id", STR, False, doc="the repost/comment/post that creates the edge"),
        _col("kind", STR, False, values=EdgeKind),
        _col("created_at", TIME),
        _col("resolved", BOOL, doc="False where an endpoint is a name not resolved to an id"),
        _col("origin", STR, doc="ingest | chain | reply | mention | hashtag"),
    ),
    key=("platform", "kind", "post_id", "src_author_id", "dst_author_id"),
    doc="Who passed what to whom. src -> dst follows the direction of the flow of content.",
)

QUARANTINE = TableSchema(
    "quarantine",
    (
        _col("file_hash", STR, False),
        _col("source_file", STR, False),
        _col("source_format", STR),
        _col("source_row", INT),
        _col("column", STR),
        _col("value", STR),
        _col("reason", STR, False),
        _col("raw", JSON, doc="the raw record as JSON"),
        _col("quarantined_at", TIME, False),
    ),
    key=("file_hash", "source_row", "column"),
    doc="Rows that could not be read, with the reason. Nothing is silently dropped.",
)

INGEST_LOG = TableSchema(
    "ingest_log",
    (
        _col("file_hash", STR, False),
        _col("source_file", STR, False),
        _col("source_format", STR, False),
        _col("platform", STR),
        _col("table_name", STR, False),
        _col("rows_read", INT, False, bounds=(0, None)),
        _col("rows_accepted", INT, False, bounds=(0, None)),
        _col("rows_quarantined", INT, False, bounds=(0, None)),
        _col("started_at", TIME, False),
        _col("finished_at", TIME, False),
        _col("brandlab_version", STR),
    ),
    key=("file_hash", "table_name"),
    order_by="finished_at",
    doc="One row per (file, table) ingested.",
)

#: every schema by table name; later stages register theirs with :func:`register`.
TABLES: dict[str, TableSchema] = {}


def register(*schemas: TableSchema) -> None:
    for s in schemas:
        TABLES[s.name] = s


register(POST, AUTHOR, AUDIENCE_SEGMENT, POST_METRIC, EDGE, QUARANTINE, INGEST_LOG)


# --------------------------------------------------------------------------- coercion


def _to_time(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = s.dt.tz_convert(TIMEZONE)
    elif pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s.dt.tz_localize(TIMEZONE)
    else:
        out = pd.to_datetime(s, errors="raise", utc=False)
        if isinstance(out.dtype, pd.DatetimeTZDtype):
            out = out.dt.tz_convert(TIMEZONE)
        else:
            out = out.dt.tz_localize(TIMEZONE)
    return out.astype(f"datetime64[ns, {TIMEZONE}]")


def _to_list(v: Any) -> list[str]:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    if isinstance(v, (list, tuple, np.ndarray)):
        return [str(x) for x in v]
    raise TypeError(f"expected a list, got {type(v).__name__}: {v!r}")


_SEQUENCE_CELLS = {list, tuple, np.ndarray, type(None)}
_STR_ELEMENTS = {str, np.str_}
_LIST_OF_STR = pa.list_(pa.string())


def lists_from_arrow(arr: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """Python lists of str for an Arrow list-of-string array (null cells -> ``[]``), one object array.

    Returns None where a list holds a null element (the per-cell path decides what that becomes).
    Equal strings share one ``str`` object (dictionary-encoded once), so no per-element conversion.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], type=arr.type)
    if not pa.types.is_list(arr.type):
        arr = arr.cast(_LIST_OF_STR)
    offsets = arr.offsets.to_numpy()
    values = arr.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0])) if len(arr) else arr.values.slice(0, 0)
    if values.null_count:
        return None
    coded = pc.dictionary_encode(values)
    flat = np.asarray(coded.dictionary.to_pylist(), dtype=object)[coded.indices.to_numpy()].tolist()
    o = (offsets - offsets[0]).tolist()
    # fromiter keeps each list as one cell (assigning a list of lists to a slice would broadcast it)
    out = np.fromiter((flat[a:b] for a, b in zip(o[:-1], o[1:], strict=True)), dtype=object, count=len(arr))
    if arr.null_count:
        for i in np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False)):
            out[i] = []
    return out


def _to_lists(s: pd.Series) -> np.ndarray | list[Any]:
    """The cells of a LIST column as lists of str (what ``_to_list`` gives cell by cell), vectorised.

    Lists of str pass as they are (the same objects); every other cell goes through ``_to_list``,
    which converts or raises. Cell and element types are checked with C-level ``map(type, ...)``
    instead of a Python loop; sequences of str (tuples, numpy arrays) convert in one Arrow pass.
    """
    if s.dtype != object:
        return [_to_list(v) for v in s.tolist()]
    cells = s.to_numpy()
    if not len(cells):
        return np.array(cells, dtype=object)
    types = np.fromiter(map(type, cells), dtype=object, count=len(cells))
    is_none = types == type(None)  # noqa: E721 (elementwise over an array of types)
    is_list = types == list  # noqa: E721
    kinds = set(types)
    if not kinds & {tuple, np.ndarray} and set(map(type, chain.from_iterable(cells[is_list]))) <= {str}:
        out: np.ndarray = np.array(cells, dtype=object)
        for i in np.flatnonzero(is_none):
            out[i] = []
        for i in np.flatnonzero(~is_list & ~is_none):  # NaN, wrong types: in row order
            out[i] = _to_list(cells[i])
        return out
    if kinds <= _SEQUENCE_CELLS:
        try:
            sequences = cells[~is_none]
            if set(map(type, chain.from_iterable(sequences))) <= _STR_ELEMENTS:
                converted = lists_from_arrow(pa.array(cells, type=_LIST_OF_STR, from_pandas=True))
                if converted is not None:
                    return converted
        except (TypeError, ValueError, pa.ArrowException):
            pass  # e.g. a 0-d or 2-d array cell: the per-cell path below raises or converts as it always did
    return [v if type(v) is list and all(type(x) is str for x in v) else _to_list(v) for v in cells.tolist()]


def _to_str(s: pd.Series) -> pd.Series:
    if s.dtype == "string":
        return s
    if pd.api.types.is_float_dtype(s.dtype):
        # never let an id pass through a float: integral floats lose their '.0'
        raise TypeError("float column where strings were expected (ids must be read as str)")
    return s.astype("string")


def coerce(df: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """Return a copy with exactly the schema's columns (missing ones filled with nulls) and dtypes.

    Raises SchemaViolation listing every column that could not be converted.
    """
    out: dict[str, pd.Series] = {}
    problems: list[dict[str, Any]] = []
    n = len(df)
    for c in schema.columns:
        if c.name in df.columns:
            s = df[c.name]
        else:
            s = pd.Series([None] * n, index=df.index, dtype=object)
        try:
            if c.dtype == STR:
                s = _to_str(s)
            elif c.dtype == INT:
                s = pd.array(s, dtype="Int64") if s.dtype != "Int64" else s
                s = pd.Series(s, index=df.index, name=c.name)
            elif c.dtype == FLOAT:
                s = pd.to_numeric(s, errors="raise").astype("float64")
            elif c.dtype == BOOL:
                s = s.astype("boolean")
            elif c.dtype == TIME:
                s = _to_time(s)
            elif c.dtype == DATE:
                s = pd.to_datetime(s, errors="raise")
                if isinstance(s.dtype, pd.DatetimeTZDtype):
                    s = s.dt.tz_localize(None)
                s = s.dt.normalize().astype("datetime64[ns]")
            elif c.dtype == LIST:
                s = pd.Series(_to_lists(s), index=s.index, dtype=object)
            elif c.dtype == JSON:
                s = s.astype(object)
        except (TypeError, ValueError) as err:
            problems.append({"column": c.name, "check": f"dtype {c.dtype}", "detail": str(err)[:200]})
        out[c.name] = s
    if problems:
        failures = pd.DataFrame(problems)
        raise SchemaViolation(
            f"table {schema.name!r}: {len(problems)} column(s) could not be converted: "
            + "; ".join(f"{p['column']}: {p['detail']}" for p in problems)
            + ". Fix the producing stage so it returns the declared dtypes.",
            table=schema.name,
            failures=failures,
        )
    return pd.DataFrame(out, index=df.index)


def _allowed(values: Any) -> set[str]:
    if isinstance(values, type) and issubclass(values, StrEnum):
        return {v.value for v in values}
    return set(values)


def validate(df: pd.DataFrame, schema: TableSchema, *, coerce_types: bool = True) -> pd.DataFrame:
    """Check ``df`` against ``schema`` and return it (coerced). Collect all failures, raise once."""
    rows: list[dict[str, Any]] = []
    missing = [c for c in schema.names if c not in df.columns]
    extra = [c for c in df.columns if c not in schema.names]
    if coerce_types:
        if extra:
            rows.append({"column": ",".join(map(str, extra)), "check": "unexpected columns",
                         "n_failing": len(extra), "example": str(extra[:3])})
        df = coerce(df, schema)
    elif missing:
        rows.append({"column": ",".join(missing), "check": "missing columns",
                     "n_failing": len(missing), "example": str(missing[:3])})
    present = [c for c in schema.columns if c.name in df.columns]
    for c in present:
        s = df[c.name]
        if not c.nullable:
            bad = s.isna()
            if bad.any():
                rows.append({"column": c.name, "check": "not null", "n_failing": int(bad.sum()),
                             "example": f"row {bad.idxmax()!r}"})
        if c.values is not None:
            allowed = _allowed(c.values)
            bad = s.notna() & ~s.isin(allowed)
            if bad.any():
                rows.append({"column": c.name, "check": f"in {sorted(allowed)}", "n_failing": int(bad.sum()),
                             "example": repr(s[bad].iloc[0])})
        if c.bounds is not None:
            lo, hi = c.bounds
            num = pd.to_numeric(s, errors="coerce")
            bad = pd.Series(False, index=s.index)
            if lo is not None:
                bad |= (num < lo).fillna(False).astype(bool)
            if hi is not None:
                bad |= (num > hi).fillna(False).astype(bool)
            if bad.any():
                rows.append({"column": c.name, "check": f"within {c.bounds}", "n_failing": int(bad.sum()),
                             "example": repr(s[bad].iloc[0])})
    if schema.key and all(k in df.columns for k in schema.key):
        dup = df.duplicated(list(schema.key), keep=False)
        if dup.any():
            ex = df.loc[dup, list(schema.key)].iloc[0].tolist()
            rows.append({"column": ",".join(schema.key), "check": "unique key", "n_failing": int(dup.sum()),
                         "example": repr(ex)})
    for desc, fn in schema.checks:
        bad = fn(df)
        if bad.any():
            rows.append({"column": "", "check": desc, "n_failing": int(bad.sum()), "example": ""})
    if rows:
        failures = pd.DataFrame(rows, columns=["column", "check", "n_failing", "example"])
        lines = "; ".join(f"{r['column']} failed {r['check']} ({r['n_failing']} rows, e.g. {r['example']})"
                          for r in rows)
        raise SchemaViolation(
            f"table {schema.name!r} failed {len(rows)} check(s): {lines}. "
            "The producing stage must return rows that satisfy the schema declared in brandlab/schema.py "
            "or brandlab/tables/.",
            table=schema.name, failures=failures,
        )
    return df


def concat(frames: Iterable[pd.DataFrame], schema: TableSchema) -> pd.DataFrame:
    """Concatenate frames of one schema (an empty, typed frame when there are none)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return schema.empty()
    return coerce(pd.concat(frames, ignore_index=True), schema)


# --------------------------------------------------------------------------- area tables
# Each area declares and registers its tables in brandlab/tables/<area>.py; importing them here, in
# this order, fills TABLES in the order the tables have always been registered and re-exports them.
# isort: off
from brandlab.tables.compare import (  # noqa: E402
    COMPARISON_VERDICT as COMPARISON_VERDICT, COMPARISON_DETAIL as COMPARISON_DETAIL,
)
from brandlab.tables.triad import (  # noqa: E402
    TRIAD_SCORE as TRIAD_SCORE, TRIAD_EVIDENCE as TRIAD_EVIDENCE,
)
from brandlab.tables.outcomes import (  # noqa: E402
    FREQS as FREQS, OUTCOME_PANEL as OUTCOME_PANEL, POLICY_EVENT as POLICY_EVENT,
    OUTCOME_ESTIMATE as OUTCOME_ESTIMATE, OUTCOME_SERIES as OUTCOME_SERIES, EXPOSURE_METRICS as EXPOSURE_METRICS,
    EXPOSURE_SERIES as EXPOSURE_SERIES, EXPOSURE_OUTCOME as EXPOSURE_OUTCOME, EXPOSURE_LAG as EXPOSURE_LAG,
)
from brandlab.tables.survey import (  # noqa: E402
    SURVEY_RESPONDENT as SURVEY_RESPONDENT, SURVEY_ANSWER as SURVEY_ANSWER, SURVEY_TEXT as SURVEY_TEXT,
    SURVEY_SHARE as SURVEY_SHARE, SURVEY_DIFFERENCE as SURVEY_DIFFERENCE, SURVEY_VERDICT as SURVEY_VERDICT,
)
from brandlab.tables.network import (  # noqa: E402
    GRAPH_EDGE as GRAPH_EDGE, CASCADE_NODE as CASCADE_NODE, CASCADE_METRICS as CASCADE_METRICS,
    CASCADE_GROWTH as CASCADE_GROWTH, NODE_METRICS as NODE_METRICS, COMMUNITY as COMMUNITY, ROLE_MIX as ROLE_MIX,
    SEEDING as SEEDING,
)
from brandlab.tables.nlp import (  # noqa: E402
    POST_TEXT as POST_TEXT, POST_TAG as POST_TAG, KEYWORD as KEYWORD, AUTHOR_GENERATION as AUTHOR_GENERATION,
    AUDIENCE_GENERATION as AUDIENCE_GENERATION, TRAIT_SHARE as TRAIT_SHARE, DIMENSION_SHARE as DIMENSION_SHARE,
    SENTIMENT_LABELS as SENTIMENT_LABELS, POST_SENTIMENT as POST_SENTIMENT,
    SENTIMENT_AGGREGATE as SENTIMENT_AGGREGATE,
)
# isort: on
