"""The canonical tables every stage exchanges, declared once, and :func:`validate`.

A table is a pandas DataFrame whose columns, dtypes and checks are declared here as a
:class:`TableSchema`. Stages call ``validate(df, POST)`` on what they return; validation
collects every problem before raising one :class:`~brandlab.errors.SchemaViolation`.

Conventions: English snake_case column names; ids are strings (never floats); times are
tz-aware ``Asia/Shanghai``; counts are nullable ``Int64``; lists are Python lists of str;
closed vocabularies are the ``StrEnum`` classes below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

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
                # lists of str pass as they are (one type check per element, no copy); the rest
                # go through _to_list, which converts or raises
                s = pd.Series([v if type(v) is list and all(type(x) is str for x in v) else _to_list(v)
                               for v in s.tolist()], index=s.index, dtype=object)
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
            "The producing stage must return rows that satisfy the schema in brandlab/schema.py.",
            table=schema.name, failures=failures,
        )
    return df


def concat(frames: Iterable[pd.DataFrame], schema: TableSchema) -> pd.DataFrame:
    """Concatenate frames of one schema (an empty, typed frame when there are none)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return schema.empty()
    return coerce(pd.concat(frames, ignore_index=True), schema)


# --------------------------------------------------------------------------- compare and triad
# (owned by brandlab/compare and brandlab/triad.py)

COMPARISON_VERDICT = TableSchema(
    "comparison_verdict",
    (
        _col("comparison_id", STR, False),
        _col("side_a", STR, False),
        _col("side_b", STR, False),
        _col("section", STR, False, doc="engagement metric | mix | sentiment | diffusion"),
        _col("test", STR, False),
        _col("effect", STR, doc="what estimate measures, e.g. 'rate ratio B/A'"),
        _col("a_value", FLOAT),
        _col("b_value", FLOAT),
        _col("estimate", FLOAT),
        _col("lo", FLOAT),
        _col("hi", FLOAT),
        _col("p_value", FLOAT, bounds=(0.0, 1.0)),
        _col("p_adjusted", FLOAT, bounds=(0.0, 1.0)),
        _col("significant", BOOL),
        _col("n_a", INT),
        _col("n_b", INT),
        _col("warning", STR),
    ),
    key=("comparison_id", "section", "test"),
    doc="One row per test of an A/B comparison; p_adjusted is Holm over the whole table.",
)

COMPARISON_DETAIL = TableSchema(
    "comparison_detail",
    (
        _col("comparison_id", STR, False),
        _col("name", STR, False, doc="engagement_summary | platform_mix | keywords | notes | ..."),
        _col("data", JSON, False, doc="the detail table as JSON records"),
    ),
    key=("comparison_id", "name"),
)

TRIAD_SCORE = TableSchema(
    "triad_scores",
    (
        _col("campaign", STR, False),
        _col("part", STR, False, values=("brand", "content", "channel", "coherence")),
        _col("component", STR, False),
        _col("score", FLOAT, bounds=(0.0, 1.0), doc="0 = worst, 1 = best"),
        _col("value", FLOAT, doc="the raw measure behind the score (a divergence, a share, minutes, ...)"),
        _col("n_posts", INT),
        _col("detail", JSON, doc="profile / mix behind the score as JSON"),
    ),
    key=("campaign", "part", "component"),
    doc="Brand-content-channel triad per campaign, each score with its evidence in triad_evidence.",
)

TRIAD_EVIDENCE = TableSchema(
    "triad_evidence",
    (
        _col("campaign", STR, False),
        _col("part", STR, False),
        _col("component", STR, False),
        _col("platform", STR, False),
        _col("post_id", STR, False),
        _col("label", STR, doc="trait / dimension / slot / role the post is evidence for"),
        _col("terms", LIST),
    ),
    key=("campaign", "part", "component", "platform", "post_id", "label"),
)

register(COMPARISON_VERDICT, COMPARISON_DETAIL, TRIAD_SCORE, TRIAD_EVIDENCE)


# --------------------------------------------------------------------------- outcomes (issue 6)

FREQS = ("A", "Q", "M", "W", "D")

OUTCOME_PANEL = TableSchema(
    "outcome_panel",
    (
        _col("city", STR, False),
        _col("period", DATE, False, doc="start date of the period (2023-04-01 for April 2023)"),
        _col("freq", STR, False, values=FREQS, doc="A annual, Q quarterly, M monthly, W weekly, D daily"),
        _col("metric", STR, False, doc="resident_population, graduates_retained, tourist_arrivals, ..."),
        _col("value", FLOAT),
        _col("source", STR, doc="publisher or file the number came from"),
    ),
    key=("city", "metric", "period"),
    doc="Talent and tourism outcomes per city and period, in long form.",
)

POLICY_EVENT = TableSchema(
    "policy_events",
    (
        _col("city", STR, False),
        _col("date", DATE, False),
        _col("kind", STR, False, doc="settlement_policy, hukou_reform, talent_subsidy, summit, ..."),
        _col("description", STR),
        _col("source", STR),
    ),
    key=("city", "date", "kind"),
    doc="Policies and events that could move outcomes besides a campaign; estimators warn about them.",
)

OUTCOME_ESTIMATE = TableSchema(
    "outcome_estimates",
    (
        _col("estimator", STR, False),
        _col("metric", STR, False),
        _col("treated", STR, False),
        _col("treatment_time", STR, False, doc="first treated period, as written by the user"),
        _col("effect", FLOAT, doc="average post-period effect (actual - counterfactual)"),
        _col("lo", FLOAT),
        _col("hi", FLOAT),
        _col("relative_effect", FLOAT, doc="effect / average counterfactual"),
        _col("p_value", FLOAT, bounds=(0.0, 1.0)),
        _col("placebo_rank", INT),
        _col("n_placebos", INT),
        _col("pre_rmspe", FLOAT),
        _col("pre_r2", FLOAT),
        _col("naive_effect", FLOAT, doc="post mean - pre mean of the treated unit (no counterfactual)"),
        _col("naive_relative", FLOAT),
        _col("n_pre", INT),
        _col("n_post", INT),
        _col("warnings", LIST),
        _col("details", JSON, doc="estimator-specific details, e.g. donor weights"),
        _col("created_at", TIME),
    ),
    key=("estimator", "metric", "treated", "treatment_time"),
    order_by="created_at",
    doc="One row per estimate; the naive before/after number always sits beside it.",
)

OUTCOME_SERIES = TableSchema(
    "outcome_series",
    (
        _col("estimator", STR, False),
        _col("metric", STR, False),
        _col("treated", STR, False),
        _col("treatment_time", STR, False),
        _col("period", STR, False, doc="period label (a date for panels, a year or index for references)"),
        _col("actual", FLOAT),
        _col("counterfactual", FLOAT),
        _col("lo", FLOAT),
        _col("hi", FLOAT),
        _col("effect", FLOAT),
    ),
    key=("estimator", "metric", "treated", "treatment_time", "period"),
    doc="Plot-ready actual vs counterfactual series of each estimate.",
)

register(OUTCOME_PANEL, POLICY_EVENT, OUTCOME_ESTIMATE, OUTCOME_SERIES)

#: exposure metrics: flows (summed when aggregated) and ratios / indices (averaged)
EXPOSURE_METRICS = ("posts", "plays", "reads", "engagement", "share_of_voice", "search_index")

EXPOSURE_SERIES = TableSchema(
    "exposure_series",
    (
        _col("city", STR, False),
        _col("campaign", STR, False, doc="campaign name, 'all' (each post of the city once), 'mentions:<city>' "
                                         "or a search-index keyword"),
        _col("period", DATE, False, doc="start date of the period"),
        _col("freq", STR, False, values=FREQS),
        _col("metric", STR, False, values=EXPOSURE_METRICS),
        _col("value", FLOAT),
        _col("adstocked", FLOAT, doc="geometric adstock of value: a_t = x_t + 0.5**(1/half_life) * a_(t-1)"),
        _col("half_life", FLOAT, bounds=(0.0, None), doc="adstock half-life in periods of freq (0 = none)"),
        _col("source", STR, doc="'workspace posts' or the index file name"),
    ),
    key=("city", "campaign", "freq", "metric", "period"),
    doc="Campaign exposure per city, campaign, period and metric, with its adstocked value.",
)

EXPOSURE_OUTCOME = TableSchema(
    "exposure_outcome",
    (
        _col("city", STR, False),
        _col("campaign", STR, False),
        _col("exposure_metric", STR, False, values=EXPOSURE_METRICS),
        _col("outcome_metric", STR, False),
        _col("freq", STR, False, values=FREQS, doc="the outcome's frequency, to which exposure is aggregated"),
        _col("period", DATE, False),
        _col("exposure", FLOAT, doc="exposure in the period (sum of flows, mean of ratios); NaN = not observed"),
        _col("exposure_adstocked", FLOAT),
        _col("outcome", FLOAT),
        _col("coverage", FLOAT, bounds=(0.0, 1.0), doc="share of the period's sub-periods with exposure data"),
        _col("half_life", FLOAT),
    ),
    key=("city", "campaign", "exposure_metric", "outcome_metric", "period"),
    doc="Exposure aligned to an outcome series of the same city (the app's 'exposure beside outcomes' chart).",
)

EXPOSURE_LAG = TableSchema(
    "exposure_lags",
    (
        _col("city", STR, False),
        _col("campaign", STR, False),
        _col("exposure_metric", STR, False, values=EXPOSURE_METRICS),
        _col("outcome_metric", STR, False),
        _col("transform", STR, False, values=("level", "diff")),
        _col("lag", INT, False, bounds=(0, None), doc="periods by which exposure leads the outcome"),
        _col("r", FLOAT, bounds=(-1.0, 1.0), doc="Pearson correlation of exposure(t - lag) with outcome(t)"),
        _col("lo", FLOAT, doc="interval simultaneous over the lags (Fisher z, calibrated by block permutation)"),
        _col("hi", FLOAT),
        _col("p_value", FLOAT, bounds=(0.0, 1.0), doc="block-permutation p-value of this lag"),
        _col("p_family", FLOAT, bounds=(0.0, 1.0), doc="block-permutation p-value of the largest |r| over lags"),
        _col("n", INT, doc="pairs used at this lag"),
        _col("best", BOOL, doc="the lag with the largest |r|"),
        _col("warnings", LIST),
    ),
    key=("city", "campaign", "exposure_metric", "outcome_metric", "lag"),
    doc="Lagged correlation of exposure with an outcome: an association with honest intervals, not an effect.",
)

register(EXPOSURE_SERIES, EXPOSURE_OUTCOME, EXPOSURE_LAG)


# --------------------------------------------------------------------------- survey (issue 10)
# (owned by brandlab/survey)

_GEN_OR_ALL = tuple(g.value for g in Generation) + ("all",)
_VERDICTS = ("reproduced", "partly", "not", "insufficient data")

SURVEY_RESPONDENT = TableSchema(
    "survey_respondents",
    (
        _col("survey_id", STR, False),
        _col("respondent_id", STR, False),
        _col("birth_year", INT, bounds=(1900, 2030)),
        _col("generation", STR, False, values=Generation),
        _col("submitted_at", TIME),
        _col("source_file", STR),
        _col("source_format", STR, doc="wjx.xlsx.text | wjx.xlsx.code | tencent.csv ..."),
        _col("source_row", INT, doc="1-based row in the export (header = row 1)"),
    ),
    key=("survey_id", "respondent_id"),
    doc="One row per questionnaire respondent; generation from birth year/age (Settings.generations).",
)

SURVEY_ANSWER = TableSchema(
    "survey_answers",
    (
        _col("survey_id", STR, False),
        _col("respondent_id", STR, False),
        _col("concept", STR, False, doc="channel | attention | migration_reason | settle_factor | ..."),
        _col("item", STR, False, doc="codebook item code from the mapping file"),
        _col("selected", BOOL, False, doc="chosen (ranking: ranked, within top_k when the mapping sets it)"),
        _col("rank", INT, bounds=(1, None), doc="rank given in a ranking question"),
    ),
    key=("survey_id", "respondent_id", "concept", "item"),
    doc="Closed answers, one row per respondent x answered question x codebook item.",
)

SURVEY_TEXT = TableSchema(
    "survey_texts",
    (
        _col("survey_id", STR, False),
        _col("respondent_id", STR, False),
        _col("concept", STR, False),
        _col("text", STR, False),
    ),
    key=("survey_id", "respondent_id", "concept"),
    doc="Open answers (e.g. words describing the city's image).",
)

SURVEY_SHARE = TableSchema(
    "survey_shares",
    (
        _col("survey_id", STR, False),
        _col("concept", STR, False),
        _col("generation", STR, False, values=_GEN_OR_ALL),
        _col("item", STR, False),
        _col("n", INT, False, bounds=(0, None), doc="respondents who answered the question"),
        _col("k", INT, False, bounds=(0, None), doc="respondents who chose the item"),
        _col("share", FLOAT, bounds=(0.0, 1.0)),
        _col("ci_low", FLOAT, bounds=(0.0, 1.0), doc="percentile bootstrap interval (respondents resampled)"),
        _col("ci_high", FLOAT, bounds=(0.0, 1.0)),
        _col("rank", INT, bounds=(1, None), doc="rank of the item by share within the generation (1 = top)"),
        _col("rank_stability", FLOAT, bounds=(0.0, 1.0), doc="share of bootstrap draws keeping that rank"),
        _col("top3_stability", FLOAT, bounds=(0.0, 1.0), doc="share of bootstrap draws with the item in the top 3"),
        _col("small_sample", BOOL, doc="n below Settings.min_group_size"),
    ),
    key=("survey_id", "concept", "generation", "item"),
    doc="Per-generation shares and rankings with bootstrap intervals and rank stability.",
)

SURVEY_DIFFERENCE = TableSchema(
    "survey_differences",
    (
        _col("survey_id", STR, False),
        _col("concept", STR, False),
        _col("item", STR, False),
        _col("test", STR, False, values=("chi2", "z")),
        _col("group_a", STR, False),
        _col("group_b", STR, False, doc="'*' for the chi-square test across all generations"),
        _col("share_a", FLOAT),
        _col("share_b", FLOAT),
        _col("statistic", FLOAT),
        _col("p_value", FLOAT, bounds=(0.0, 1.0)),
        _col("p_adjusted", FLOAT, bounds=(0.0, 1.0), doc="Holm-corrected within concept and test"),
        _col("significant", BOOL),
    ),
    key=("survey_id", "concept", "item", "test", "group_a", "group_b"),
    doc="Differences between generations: chi-square across all, pairwise two-proportion z.",
)

SURVEY_VERDICT = TableSchema(
    "survey_verdicts",
    (
        _col("survey_id", STR, False),
        _col("finding_id", STR, False),
        _col("concept", STR, False),
        _col("generation", STR, False),
        _col("published", STR, False, doc="the published result, as data"),
        _col("observed", STR, doc="what this survey shows"),
        _col("n", INT, bounds=(0, None)),
        _col("top3_overlap", INT, bounds=(0, 3)),
        _col("kendall_tau", FLOAT, bounds=(-1.0, 1.0)),
        _col("stability", FLOAT, bounds=(0.0, 1.0), doc="mean bootstrap P(published item in top 3)"),
        _col("share", FLOAT, bounds=(0.0, 1.0)),
        _col("ci_low", FLOAT, bounds=(0.0, 1.0)),
        _col("ci_high", FLOAT, bounds=(0.0, 1.0)),
        _col("verdict", STR, False, values=_VERDICTS),
        _col("reason", STR, False),
    ),
    key=("survey_id", "finding_id"),
    doc="One verdict per published finding, never stronger than the sample allows.",
)

register(SURVEY_RESPONDENT, SURVEY_ANSWER, SURVEY_TEXT, SURVEY_SHARE, SURVEY_DIFFERENCE, SURVEY_VERDICT)


# --------------------------------------------------------------------------- network (issue 5)

_TREES = ("repost", "reply", "deephawkes")
_ORIGINS = ("chain", "parent", "ingest", "reply", "mention", "hashtag")

GRAPH_EDGE = TableSchema(
    "graph_edges",
    (
        _col("platform", STR, False, values=Platform),
        _col("src_id", STR, False, doc="author id, or 'name:<nickname>' when unresolved"),
        _col("dst_id", STR, False),
        _col("kind", STR, False, values=EdgeKind),
        _col("origin", STR, False, values=_ORIGINS, doc="how the edge was derived"),
        _col("post_id", STR, False, doc="the post that creates the edge"),
        _col("hop", INT, bounds=(0, None), doc="position in a //@ chain (0 = into the reposter)"),
        _col("created_at", TIME),
        _col("resolved", BOOL, doc="False where an endpoint is a nickname not resolved to an id"),
    ),
    key=("platform", "kind", "origin", "post_id", "hop", "src_id", "dst_id"),
    doc="Derived diffusion edges (src -> dst follows the flow of content).",
)

CASCADE_NODE = TableSchema(
    "cascade_nodes",
    (
        _col("platform", STR, False, values=Platform),
        _col("tree", STR, False, values=_TREES),
        _col("root_id", STR, False),
        _col("post_id", STR, False, doc="post id, or '<root>@<author>' for a hop inferred from a //@ chain"),
        _col("parent_id", STR),
        _col("author_id", STR),
        _col("depth", INT, False, bounds=(0, None)),
        _col("subtree_size", INT, False, bounds=(1, None)),
        _col("elapsed_s", FLOAT, bounds=(0.0, None)),
        _col("inferred", BOOL, doc="node not in the data: a chain hop or a missing root"),
    ),
    key=("platform", "tree", "post_id"),
    doc="Repaired cascade trees, one row per node (for the cascade explorer).",
)

CASCADE_METRICS = TableSchema(
    "cascade_metrics",
    (
        _col("platform", STR, False, values=Platform),
        _col("tree", STR, False, values=_TREES),
        _col("root_id", STR, False),
        _col("root_author_id", STR),
        _col("size", INT, False, bounds=(1, None)),
        _col("depth", INT, False, bounds=(0, None)),
        _col("max_breadth", INT, False, bounds=(1, None)),
        _col("wiener_index", INT, False, bounds=(0, None)),
        _col("structural_virality", FLOAT, bounds=(0.0, None), doc="NaN for a lone root"),
        _col("t50_s", FLOAT, bounds=(0.0, None)),
        _col("t90_s", FLOAT, bounds=(0.0, None)),
        _col("duration_s", FLOAT, bounds=(0.0, None)),
        _col("n_repairs", INT, False, bounds=(0, None)),
        _col("repairs", JSON, doc='{"missing_parent": 2, ...}'),
    ),
    key=("platform", "tree", "root_id"),
    doc="One row per cascade (root post).",
)

CASCADE_GROWTH = TableSchema(
    "cascade_growth",
    (
        _col("platform", STR, False, values=Platform),
        _col("tree", STR, False, values=_TREES),
        _col("root_id", STR, False),
        _col("elapsed_s", FLOAT, False, bounds=(0.0, None)),
        _col("size", INT, False, bounds=(1, None)),
    ),
    doc="Cumulative cascade size over time, at most 100 points per cascade.",
)

NODE_METRICS = TableSchema(
    "node_metrics",
    (
        _col("platform", STR, False, values=Platform),
        _col("node_id", STR, False),
        _col("resolved", BOOL),
        _col("pagerank", FLOAT, bounds=(0.0, 1.0)),
        _col("in_degree", INT, bounds=(0, None)),
        _col("out_degree", INT, bounds=(0, None)),
        _col("in_weight", FLOAT, bounds=(0.0, None)),
        _col("out_weight", FLOAT, bounds=(0.0, None)),
        _col("core", INT, bounds=(0, None)),
        _col("component", INT, bounds=(0, None)),
        _col("betweenness", FLOAT, bounds=(0.0, None)),
        _col("community", INT, bounds=(0, None)),
        _col("participation", FLOAT, bounds=(0.0, 1.0)),
        _col("is_bridge", BOOL),
        _col("trigger_score", INT, bounds=(0, None)),
        _col("role", STR, values=AccountRole),
        _col("tier", STR, values=AccountRole),
    ),
    key=("platform", "node_id"),
    doc="Influence measures per account of the author graph.",
)

COMMUNITY = TableSchema(
    "communities",
    (
        _col("platform", STR, False, values=Platform),
        _col("community", INT, False, bounds=(0, None)),
        _col("n_members", INT, False, bounds=(1, None)),
        _col("internal_weight", FLOAT, bounds=(0.0, None)),
        _col("external_weight", FLOAT, bounds=(0.0, None)),
        _col("n_bridges", INT, bounds=(0, None)),
        _col("top_node_id", STR, doc="member with the highest PageRank"),
    ),
    key=("platform", "community"),
    doc="Louvain communities of the author graph.",
)

ROLE_MIX = TableSchema(
    "role_mix",
    (
        _col("platform", STR, False, values=Platform),
        _col("scope", STR, False, values=("campaign", "cascade")),
        _col("scope_id", STR, False, doc="campaign name, or '<tree>:<root_id>' for a cascade's spreaders"),
        _col("role", STR, False, values=AccountRole),
        _col("n_accounts", INT, False, bounds=(0, None)),
        _col("share", FLOAT, False, bounds=(0.0, 1.0)),
    ),
    key=("platform", "scope", "scope_id", "role"),
    doc="Share of distinct accounts per role in each campaign and among each cascade's spreaders.",
)

SEEDING = TableSchema(
    "seeding",
    (
        _col("platform", STR, False, values=Platform),
        _col("strategy", STR, False, values=("celf", "observed")),
        _col("k", INT, False, bounds=(1, None)),
        _col("node_id", STR, False, doc="the k-th seed"),
        _col("marginal_gain", FLOAT, doc="accounts the k-th seed adds (celf)"),
        _col("expected_reach", FLOAT, False, bounds=(0.0, None), doc="mean accounts reached by the first k seeds"),
        _col("expected_reach_sd", FLOAT, bounds=(0.0, None)),
        _col("n_simulations", INT, False, bounds=(1, None)),
    ),
    key=("platform", "strategy", "k"),
    doc="What-if seeding: CELF seeds vs the accounts that actually started the most cascades.",
)

register(GRAPH_EDGE, CASCADE_NODE, CASCADE_METRICS, CASCADE_GROWTH, NODE_METRICS, COMMUNITY, ROLE_MIX, SEEDING)


# --------------------------------------------------------------------------- text analytics (issue 3)

POST_TEXT = TableSchema(
    "post_text",
    (
        _col("platform", STR, False, values=Platform),
        _col("post_id", STR, False),
        _col("clean_text", STR, doc="brandlab.nlp.clean.clean_text output (title + text)"),
        _col("tokens", LIST, doc="segmented clean text; EMO_ tokens kept whole, spaces dropped"),
        _col("hashtags", LIST, doc="hashtags found in the text (#话题#, #话题[话题]#, #话题)"),
        _col("mentions", LIST, doc="@names found in the text"),
        _col("emoticons", LIST, doc="EMO_ tokens of platform emoticons and emoji, in order"),
        _col("tokenizer", STR, doc="backend that segmented the text: rjieba | jieba"),
    ),
    key=("platform", "post_id"),
    doc="Cleaned and segmented text of every post, comment and repost.",
)

POST_TAG = TableSchema(
    "post_tags",
    (
        _col("platform", STR, False, values=Platform),
        _col("post_id", STR, False),
        _col("facet", STR, False, values=("trait", "dimension")),
        _col("label", STR, False, doc="taxonomy label key, e.g. vitality, food"),
        _col("n_matches", INT, False, bounds=(1, None)),
        _col("terms", LIST, doc="matched taxonomy terms (the evidence), in order of first appearance"),
        _col("taxonomy_version", STR),
    ),
    key=("platform", "post_id", "facet", "label"),
    doc="City-brand traits and content dimensions per post, with the matched terms.",
)

KEYWORD = TableSchema(
    "keywords",
    (
        _col("group_kind", STR, False, values=("all", "campaign", "platform", "week", "generation")),
        _col("group", STR, False),
        _col("method", STR, False, values=("tfidf", "textrank")),
        _col("rank", INT, False, bounds=(1, None)),
        _col("term", STR, False),
        _col("score", FLOAT, False),
        _col("n_docs", INT, False, bounds=(1, None)),
    ),
    key=("group_kind", "group", "method", "rank"),
    doc="Top keywords per group by TF-IDF (jieba IDF background) and TextRank.",
)

AUTHOR_GENERATION = TableSchema(
    "author_generation",
    (
        _col("platform", STR, False, values=Platform),
        _col("author_id", STR, False),
        _col("generation", STR, False, doc="a cohort name of Settings.generations, or 'unknown'"),
        _col("birth_year_low", INT, bounds=(1900, 2030)),
        _col("birth_year_high", INT, bounds=(1900, 2030)),
        _col("evidence", STR, doc="the matched text or export field"),
        _col("source", STR, False, values=("export", "bio", "nickname", "text", "none")),
        _col("confidence", FLOAT, False, bounds=(0.0, 1.0)),
    ),
    key=("platform", "author_id"),
    doc="Generation per author with evidence; unknown stays unknown.",
)

AUDIENCE_GENERATION = TableSchema(
    "audience_generation",
    (
        _col("platform", STR, False, values=Platform),
        _col("scope", STR, False, values=("account", "post")),
        _col("scope_id", STR, False),
        _col("generation", STR, False),
        _col("weight", FLOAT, False, bounds=(0.0, 1.0)),
    ),
    key=("platform", "scope", "scope_id", "generation"),
    doc="Audience age portraits spread over generations (weights for aggregates).",
)


def _share_schema(name: str, what: str) -> TableSchema:
    return TableSchema(
        name,
        (
            _col("group_kind", STR, False, values=("all", "campaign", "platform", "week", "generation")),
            _col("group", STR, False),
            _col("label", STR, False),
            _col("share", FLOAT, bounds=(0.0, 1.0)),
            _col("lo", FLOAT, bounds=(0.0, 1.0)),
            _col("hi", FLOAT, bounds=(0.0, 1.0)),
            _col("n_posts", INT, False, bounds=(0, None)),
            _col("n_authors", INT, False, bounds=(0, None)),
            _col("small_sample", BOOL, False, doc="fewer authors than Settings.min_group_size"),
        ),
        key=("group_kind", "group", "label"),
        doc=f"Share of posts carrying each {what}, with an author-cluster bootstrap interval.",
    )


TRAIT_SHARE = _share_schema("trait_shares", "brand trait")
DIMENSION_SHARE = _share_schema("dimension_shares", "content dimension")

register(POST_TEXT, POST_TAG, KEYWORD, AUTHOR_GENERATION, AUDIENCE_GENERATION, TRAIT_SHARE, DIMENSION_SHARE)


# --------------------------------------------------------------------------- sentiment (issue 4)

SENTIMENT_LABELS = ("negative", "neutral", "positive")

POST_SENTIMENT = TableSchema(
    "post_sentiment",
    (
        _col("platform", STR, False, values=Platform),
        _col("post_id", STR, False),
        _col("label", STR, False, values=SENTIMENT_LABELS),
        _col("score", FLOAT, False, bounds=(0.0, 1.0), doc="calibrated probability of label"),
        _col("p_negative", FLOAT, False, bounds=(0.0, 1.0)),
        _col("p_neutral", FLOAT, False, bounds=(0.0, 1.0)),
        _col("p_positive", FLOAT, False, bounds=(0.0, 1.0)),
        _col("model", STR, False, doc="backend name, e.g. brandlab-shipped or hf:<path or id>"),
        _col("has_text", BOOL, False, doc="False where the cleaned title + text was empty (scored neutral)"),
    ),
    key=("platform", "post_id"),
    doc="Sentiment of every post, comment and repost (title + text).",
)

SENTIMENT_AGGREGATE = TableSchema(
    "sentiment_aggregates",
    (
        _col("group_kind", STR, False,
             values=("all", "generation", "platform", "campaign", "week", "trait", "dimension")),
        _col("group", STR, False),
        _col("label", STR, False, values=(*SENTIMENT_LABELS, "net")),
        _col("share", FLOAT, bounds=(-1.0, 1.0),
             doc="share of posts with the label; for 'net', mean of p_positive - p_negative"),
        _col("lo", FLOAT, bounds=(-1.0, 1.0)),
        _col("hi", FLOAT, bounds=(-1.0, 1.0)),
        _col("n_posts", INT, False, bounds=(0, None)),
        _col("n_authors", INT, False, bounds=(0, None)),
        _col("generation_known_share", FLOAT, bounds=(0.0, 1.0),
             doc="share of the group's authors whose generation is known"),
        _col("small_sample", BOOL, False, doc="fewer authors than Settings.min_group_size"),
    ),
    key=("group_kind", "group", "label"),
    doc="Sentiment per group with author-cluster bootstrap intervals (posts with text only).",
)

register(POST_SENTIMENT, SENTIMENT_AGGREGATE)
