"""Value parsers shared by every ingest adapter: counts, times, ids, locations, text decoding.

Scalar functions (``parse_count``, ``parse_time``, ``clean_id``) define the semantics and raise
:class:`ValueParseError` on bad input. The vectorised twins (``parse_counts``, ``parse_times``,
``clean_ids``) give the same answers on a Series: a fast path over clean values (numeric
conversion, ISO times, epoch numbers) and the scalar parser only for the rows the fast path
could not read. The ``*_checked`` variants return, beside the values, a Series of problem
messages (``<NA>`` where the value was fine) so that adapters can quarantine bad rows.
"""

from __future__ import annotations

import codecs
import math
import re
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from brandlab.config import TIMEZONE
from brandlab.errors import ExportFormatError, format_message

TZ = TIMEZONE
TIME_DTYPE = f"datetime64[ns, {TZ}]"


class ValueParseError(ValueError):
    """A single value could not be parsed; ``.value`` is the value, ``.kind`` what was expected."""

    def __init__(self, message: str, *, value: Any, kind: str) -> None:
        super().__init__(message)
        self.value = value
        self.kind = kind


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


# ------------------------------------------------------------------------------------ counts

MISSING_TOKENS = frozenset({"", "-", "--", "—", "无", "暂无", "none", "None", "null", "NULL", "nan", "NaN", "N/A", "n/a"})
_MULT = {"": 1, "万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000, "千": 1_000, "k": 1_000, "K": 1_000}
#: the numeric strings the vectorised count parser may read with ``pd.to_numeric``
_PLAIN_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_COUNT_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(万|w|W|亿|千|k|K)?\s*(\+)?$")
_COUNT_PAT = r"^(\d+(?:\.\d+)?)\s*(万|w|W|亿|千|k|K)?\s*(\+)?$"


def _count_from_match(num: str, unit: str | None, plus: str | None) -> tuple[int, bool]:
    mult = _MULT[unit or ""]
    if mult == 1 and "." not in num:
        return int(num), bool(plus)
    # exact decimal arithmetic: '1.2万' -> 12000 without float error
    whole, _, frac = num.partition(".")
    scaled = int(whole) * mult + (int(frac) * mult // 10 ** len(frac) if frac else 0)
    rem = (int(frac) * mult) % 10 ** len(frac) if frac else 0
    if rem * 2 >= 10 ** len(frac or "0"):
        scaled += 1
    return scaled, bool(plus)


def parse_count(v: Any) -> tuple[int | None, bool]:
    """Parse a displayed count. Returns (count, capped); capped is True for '10万+' style lower bounds.

    '1.2万' -> (12000, False); '10万+' -> (100000, True); '8K' -> (8000, False); '-', '无', '' -> (None, False).
    """
    if _is_missing(v):
        return None, False
    if isinstance(v, (bool, np.bool_)):
        raise ValueParseError(f"count {v!r} is a boolean, not a count", value=v, kind="count")
    if isinstance(v, (int, np.integer)):
        if v < 0:
            raise ValueParseError(f"count {v!r} is negative", value=v, kind="count")
        return int(v), False
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v) or v < 0:
            raise ValueParseError(f"count {v!r} is not a finite non-negative number", value=v, kind="count")
        return int(round(v)), False
    if not isinstance(v, str):
        raise ValueParseError(f"count {v!r} has type {type(v).__name__}", value=v, kind="count")
    s = v.strip()
    if s in MISSING_TOKENS:
        return None, False
    s = unicodedata.normalize("NFKC", s).replace(",", "").replace(" ", "").strip()
    if s in MISSING_TOKENS:
        return None, False
    m = _COUNT_RE.match(s)
    if m is None:
        raise ValueParseError(f"cannot read {v!r} as a count (expected e.g. 1234, 1.2万, 10万+, 8K)",
                              value=v, kind="count")
    return _count_from_match(m.group(1), m.group(2), m.group(3))


def parse_counts_checked(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorised :func:`parse_count`: (Int64 counts, bool capped, problems: string messages or <NA>)."""
    idx = series.index
    n = len(series)
    capped = pd.Series(np.zeros(n, dtype=bool), index=idx)
    problems = pd.Series(pd.NA, index=idx, dtype="string")
    if pd.api.types.is_bool_dtype(series.dtype):
        values = pd.Series(pd.NA, index=idx, dtype="Int64")
        problems[series.notna()] = "count is a boolean, not a count"
        return values, capped, problems
    if pd.api.types.is_integer_dtype(series.dtype):
        values = series.astype("Int64")
        neg = (values < 0).fillna(False).astype(bool)
        if neg.any():
            problems[neg] = "count is negative"
            values = values.mask(neg)
        return values, capped, problems
    if pd.api.types.is_float_dtype(series.dtype):
        f = series.astype("float64")
        bad = ~np.isfinite(f) & f.notna() | (f < 0)
        values = f.mask(bad).round().astype("Int64")
        problems[bad] = "count is not a finite non-negative number"
        return values, capped, problems
    # strings / objects: fast numeric path, then the regex, then the scalar parser
    obj = series.astype(object) if series.dtype != object else series
    num = pd.to_numeric(obj, errors="coerce")
    num = num.where(np.isfinite(num))
    # a string takes the numeric path only in a form parse_count reads the same way: to_numeric
    # also reads '0.', '1e3', '+5', '-0' and ' 7', which parse_count rejects or reads otherwise
    text = np.array([isinstance(x, str) for x in obj], dtype=bool)
    plain = np.ones(n, dtype=bool)
    if text.any():
        plain[text] = obj[text].astype(str).str.fullmatch(_PLAIN_NUMBER).to_numpy(dtype=bool)
    ok = num.notna() & (num >= 0) & (num == np.floor(num)) & plain
    big = ok & (num >= 2**53)
    values = pd.Series(pd.NA, index=idx, dtype="Int64")
    values[ok & ~big] = num[ok & ~big].astype("int64")
    rest = ~(ok & ~big) & obj.notna()
    if rest.any():
        for i in np.flatnonzero(rest.to_numpy()):
            raw = obj.iat[i]
            try:
                val, cap = parse_count(raw)
            except ValueParseError as err:
                problems.iat[i] = str(err)
                continue
            if val is not None:
                values.iat[i] = val
            capped.iat[i] = cap
    return values, capped, problems


def parse_counts(series: pd.Series, *, errors: str = "raise") -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_count` -> (Int64 Series, bool Series capped).

    ``errors="raise"`` raises ValueParseError on the first bad value; ``"coerce"`` gives <NA>.
    """
    values, capped, problems = parse_counts_checked(series)
    _maybe_raise(series, problems, errors, "count")
    return values, capped


def _maybe_raise(series: pd.Series, problems: pd.Series, errors: str, kind: str) -> None:
    if errors not in ("raise", "coerce"):
        raise ValueError(f"errors must be 'raise' or 'coerce', not {errors!r}")
    if errors == "raise":
        bad = problems.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueParseError(str(problems.iat[i]), value=series.iat[i], kind=kind)


# ------------------------------------------------------------------------------------ locations

_LOC_PREFIX = re.compile(r"^(?:发布于|来自|IP属地[:：]?|ip属地[:：]?)\s*")
_TRAILING_CJK = re.compile(r"([\u4e00-\u9fff·]+)$")
_UNIT_ONLY = re.compile(r"^(?:[秒分时日号点钟]+|.*前|分钟.*|小时.*)$")


def normalize_location(s: str | None) -> str | None:
    """'发布于 北京' / '来自河南' / 'IP属地：北京' -> '北京'; '', '未知' -> None."""
    if s is None or _is_missing(s):
        return None
    out = _LOC_PREFIX.sub("", str(s).strip()).strip()
    return out or None


def split_location(s: str) -> tuple[str, str | None]:
    """Split a province glued onto an XHS time: '03-15 浙江' -> ('03-15', '浙江');
    '昨天 15:09重庆' -> ('昨天 15:09', '重庆'); '2025-03-04 18:30' -> ('2025-03-04 18:30', None)."""
    t = s.strip()
    for prefix in ("编辑于", "发布于"):
        if t.startswith(prefix):
            t = t[len(prefix):].strip()
    m = _TRAILING_CJK.search(t)
    if m is None:
        return t, None
    tail = m.group(1)
    for k in range(len(tail)):   # the longest trailing run that is a place, not a time word
        loc = tail[k:]
        head = t[: len(t) - len(loc)].rstrip()
        if loc[0] in "秒分时天周前小钟号点月年" or _UNIT_ONLY.match(loc) or loc in ("刚刚", "昨天", "今天", "前天"):
            continue
        if head and (head[-1].isdigit() or head.endswith(("前", "刚刚", "昨天", "今天", "前天", "日", "秒"))):
            return head, loc
    return t, None


# ------------------------------------------------------------------------------------ times

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_REL = re.compile(r"^(\d+)\s*(秒|分钟|小时|天|周)前$")
_REL_UNITS = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days", "周": "weeks"}
_DAY_WORD = re.compile(r"^(今天|昨天|前天)\s*(?:(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})(?:-|月)(\d{1,2})日?(?:\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?$")
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})(?:时|[:：])(\d{1,2})(?:分|[:：])?(?:(\d{1,2})秒?)?)?$")
_ISO_START = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
_RFC = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}$")
_NUMERIC = re.compile(r"^-?\d+(?:\.\d+)?$")
_HAS_OFFSET = r"(?:[+-]\d{2}:?\d{2}|Z)$"


def to_timestamp(v: Any) -> pd.Timestamp | None:
    """A tz-aware Asia/Shanghai Timestamp from a Timestamp/datetime/ISO string (naive = Beijing time)."""
    if v is None or _is_missing(v):
        return None
    ts = pd.Timestamp(v)
    return ts.tz_localize(TZ) if ts.tzinfo is None else ts.tz_convert(TZ)


def _epoch(x: float, v: Any) -> pd.Timestamp:
    ax = abs(x)
    if 20_000 <= ax < 100_000:          # Excel serial day (1954 .. 2173)
        ts = EXCEL_EPOCH + pd.to_timedelta(round(x * 86_400), unit="s")
        return ts.tz_localize(TZ)
    if 1e8 <= ax < 1e11:                # epoch seconds (1973 .. 5138)
        return pd.Timestamp(int(round(x * 1000)), unit="ms", tz="UTC").tz_convert(TZ)
    if 1e11 <= ax < 1e14:               # epoch milliseconds
        return pd.Timestamp(int(round(x)), unit="ms", tz="UTC").tz_convert(TZ)
    if 1e14 <= ax < 1e17:               # epoch microseconds
        return pd.Timestamp(int(round(x)), unit="us", tz="UTC").tz_convert(TZ)
    raise ValueParseError(f"number {v!r} is neither an epoch time (s/ms/us) nor an Excel serial date",
                          value=v, kind="time")


def _need_anchor(v: Any, as_of: pd.Timestamp | None) -> pd.Timestamp:
    if as_of is None:
        raise ValueParseError(
            f"relative time {v!r} needs an anchor: the file has no crawl time; pass --as-of", value=v,
            kind="time_relative")
    return as_of


def parse_time(v: Any, *, as_of: Any = None) -> pd.Timestamp | None:
    """Parse any time form the exporters write into a tz-aware Asia/Shanghai Timestamp (None if missing).

    Relative forms ('刚刚', '5分钟前', '昨天 12:30', '03-15') are anchored on ``as_of`` (the file's
    crawl time); without it they raise ValueParseError(kind='time_relative').
    """
    if _is_missing(v):
        return None
    anchor = to_timestamp(as_of) if as_of is not None else None
    if isinstance(v, (bool, np.bool_)):
        raise ValueParseError(f"time {v!r} is a boolean", value=v, kind="time")
    if isinstance(v, (pd.Timestamp, datetime, np.datetime64)):
        return to_timestamp(v)
    if isinstance(v, (int, np.integer, float, np.floating)):
        if not math.isfinite(float(v)):
            raise ValueParseError(f"time {v!r} is not finite", value=v, kind="time")
        return _epoch(float(v), v)
    if not isinstance(v, str):
        raise ValueParseError(f"time {v!r} has type {type(v).__name__}", value=v, kind="time")
    s, _loc = split_location(unicodedata.normalize("NFKC", v).strip())
    if s in MISSING_TOKENS:
        return None
    if _NUMERIC.match(s):
        return _epoch(float(s), v) if "." in s else _epoch(int(s), v)
    if s == "刚刚":
        return _need_anchor(v, anchor)
    m = _REL.match(s)
    if m:
        return _need_anchor(v, anchor) - timedelta(**{_REL_UNITS[m.group(2)]: int(m.group(1))})
    m = _DAY_WORD.match(s)
    if m:
        a = _need_anchor(v, anchor)
        back = {"今天": 0, "昨天": 1, "前天": 2}[m.group(1)]
        day = a.normalize() - timedelta(days=back)
        return _checked(v, lambda: day.replace(hour=int(m.group(2) or 0), minute=int(m.group(3) or 0),
                                               second=int(m.group(4) or 0)))
    m = _MONTH_DAY.match(s)
    if m:
        a = _need_anchor(v, anchor)
        mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
        ts = _checked(v, lambda: pd.Timestamp(year=a.year, month=mo, day=d, hour=hh, minute=mm, second=ss, tz=TZ))
        if ts > a + timedelta(days=1):   # 'MM-DD' later than the crawl -> last year
            ts = _checked(v, lambda: ts.replace(year=a.year - 1))
        return ts
    m = _CN_DATE.match(s)
    if m:
        y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
        return _checked(v, lambda: pd.Timestamp(year=y, month=mo, day=d, hour=hh, minute=mm, second=ss, tz=TZ))
    if _RFC.match(s):
        return _checked(v, lambda: to_timestamp(datetime.strptime(s, "%a %b %d %H:%M:%S %z %Y")))
    if _ISO_START.match(s):
        return _checked(v, lambda: to_timestamp(s.replace("/", "-")))
    raise ValueParseError(f"cannot read {v!r} as a time (expected epoch s/ms, ISO, 'YYYY年MM月DD日', '5分钟前', ...)",
                          value=v, kind="time")


def _checked(v: Any, make: Any) -> pd.Timestamp:
    try:
        out = make()
    except (ValueError, OverflowError) as err:
        raise ValueParseError(f"cannot read {v!r} as a time: {err}", value=v, kind="time") from err
    if out is None or out is pd.NaT:
        raise ValueParseError(f"cannot read {v!r} as a time", value=v, kind="time")
    return out  # type: ignore[no-any-return]


def _epochs_vectorised(x: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numeric Series -> (times, handled mask). Decides the unit per value by magnitude."""
    out = pd.Series(pd.NaT, index=x.index, dtype=TIME_DTYPE)
    f = x.astype("float64")
    a = f.abs()
    handled = pd.Series(False, index=x.index)
    is_int = pd.api.types.is_integer_dtype(x.dtype)
    for lo, hi, unit in ((1e8, 1e11, "s"), (1e11, 1e14, "ms"), (1e14, 1e17, "us")):
        m = (a >= lo) & (a < hi)
        if m.any():
            vals = x[m].astype("int64") if is_int else f[m]
            if not is_int and unit == "s":
                vals, unit = (f[m] * 1000).round().astype("int64"), "ms"
            elif not is_int:
                vals = f[m].round().astype("int64")
            out[m] = pd.to_datetime(vals, unit=unit, utc=True).dt.tz_convert(TZ)
            handled |= m
    m = (a >= 20_000) & (a < 100_000)
    if m.any():
        secs = (f[m] * 86_400).round().astype("int64")
        out[m] = (EXCEL_EPOCH + pd.to_timedelta(secs, unit="s")).dt.tz_localize(TZ)
        handled |= m
    return out, handled


def parse_times_checked(series: pd.Series, *, as_of: Any = None) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_time` -> (datetime64[ns, Asia/Shanghai] with NaT, problems or <NA>)."""
    idx = series.index
    problems = pd.Series(pd.NA, index=idx, dtype="string")
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert(TZ).astype(TIME_DTYPE), problems
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.dt.tz_localize(TZ).astype(TIME_DTYPE), problems
    if pd.api.types.is_bool_dtype(series.dtype):
        problems[series.notna()] = "time is a boolean"
        return pd.Series(pd.NaT, index=idx, dtype=TIME_DTYPE), problems
    if pd.api.types.is_numeric_dtype(series.dtype):
        out, handled = _epochs_vectorised(series)
        rest = ~handled & series.notna()
    else:
        obj = series.astype(object) if series.dtype != object else series
        out = pd.Series(pd.NaT, index=idx, dtype=TIME_DTYPE)
        if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
            strs = series.astype("string")
        else:
            strs = obj.where(obj.map(lambda x: isinstance(x, str)).astype(bool)).astype("string")
        num = pd.to_numeric(strs, errors="coerce")
        digits = num.notna()
        handled = pd.Series(False, index=idx)
        if digits.any():
            # integer strings keep full precision through int64
            as_int = num[digits]
            if (as_int == np.floor(as_int)).all() and (as_int.abs() < 2**53).all():
                as_int = as_int.astype("int64")
            t, h = _epochs_vectorised(as_int)
            out[digits] = t
            handled[digits] = h
        iso = strs.notna() & ~digits & strs.str.match(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
                                                       + r"(?:[+-]\d{2}:?\d{2}|Z)?$", na=False).astype(bool)
        if iso.any():
            sub = strs[iso]
            aware = sub.str.contains(_HAS_OFFSET, regex=True, na=False).astype(bool)
            if aware.any():
                t = pd.to_datetime(sub[aware], format="ISO8601", utc=True, errors="coerce")
                out[aware[aware].index] = t.dt.tz_convert(TZ)
                handled[aware[aware].index] = t.notna()
            naive = ~aware
            if naive.any():
                t = pd.to_datetime(sub[naive], format="ISO8601", errors="coerce")
                out[naive[naive].index] = t.dt.tz_localize(TZ, ambiguous="NaT", nonexistent="NaT")
                handled[naive[naive].index] = t.notna()
        rest = ~handled & obj.notna()
        series = obj
    if rest.any():
        anchor = to_timestamp(as_of) if as_of is not None else None
        cache: dict[Any, tuple[pd.Timestamp | None, str | None]] = {}
        for i in np.flatnonzero(rest.to_numpy()):
            raw = series.iat[i]
            key = (type(raw), raw)
            if key not in cache:
                try:
                    cache[key] = (parse_time(raw, as_of=anchor), None)
                except ValueParseError as err:
                    cache[key] = (None, str(err))
            ts, msg = cache[key]
            if msg is not None:
                problems.iat[i] = msg
            elif ts is not None:
                out.iat[i] = ts
    return out, problems


def parse_times(series: pd.Series, *, as_of: Any = None, errors: str = "coerce") -> pd.Series:
    """Vectorised :func:`parse_time` -> datetime64[ns, Asia/Shanghai] Series, NaT where unparseable."""
    out, problems = parse_times_checked(series, as_of=as_of)
    _maybe_raise(series, problems, errors, "time")
    return out


# ------------------------------------------------------------------------------------ ids

_SCI = re.compile(r"^[+-]?\d(?:\.\d+)?[eE][+-]\d+$")
_INT_DOT_ZERO = re.compile(r"^\d+\.0+$")


def clean_id(v: Any) -> str | None:
    """An id as a clean string: trailing tabs/whitespace stripped, ints to str; '1.23e+18' is an error."""
    if _is_missing(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        raise ValueParseError(f"id {v!r} is a boolean", value=v, kind="id")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        if math.isfinite(v) and v == int(v) and abs(v) < 2**53:
            return str(int(v))
        raise ValueParseError(
            f"id {v!r} was stored as a floating-point number and has lost digits; re-export the file or "
            "open it as text (ids must never pass through Excel/float)", value=v, kind="id")
    s = str(v).strip().strip("\t").strip()
    if s in ("", "nan", "None", "null"):
        return None
    if _SCI.match(s):
        raise ValueParseError(
            f"id {v!r} is in scientific notation (Excel rounded it); re-export the file without opening it "
            "in Excel", value=v, kind="id")
    if _INT_DOT_ZERO.match(s):
        return s.split(".", 1)[0]
    return s


def clean_ids_checked(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`clean_id` -> (string Series, problems or <NA>)."""
    idx = series.index
    problems = pd.Series(pd.NA, index=idx, dtype="string")
    if pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("Int64").astype("string"), problems
    if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype) \
            or series.dtype == object:
        vals: list[str | None] = []
        for i, raw in enumerate(series.tolist()):
            try:
                vals.append(clean_id(raw))
            except ValueParseError as err:
                vals.append(None)
                problems.iat[i] = str(err)
        return pd.Series(vals, index=idx, dtype="string"), problems
    s = series.astype("string").str.strip()
    s = s.mask(s.isin(["", "nan", "None", "null"]))
    sci = s.str.match(_SCI.pattern, na=False).astype(bool)
    if sci.any():
        for i in np.flatnonzero(sci.to_numpy()):
            problems.iat[i] = (f"id {series.iat[i]!r} is in scientific notation (Excel rounded it); "
                               "re-export the file without opening it in Excel")
        s = s.mask(sci)
    dz = s.str.match(_INT_DOT_ZERO.pattern, na=False).astype(bool)
    if dz.any():
        s = s.where(~dz, s.str.split(".", n=1).str[0])
    return s, problems


def clean_ids(series: pd.Series, *, errors: str = "raise") -> pd.Series:
    """Vectorised :func:`clean_id` -> ``string`` Series."""
    out, problems = clean_ids_checked(series)
    _maybe_raise(series, problems, errors, "id")
    return out


# ------------------------------------------------------------------------------------ text files

ENCODINGS = ("utf-8-sig", "gb18030")


def _first_bad_offset(data: bytes, encoding: str) -> tuple[int, str] | None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as err:
        return err.start, err.reason
    return None


def detect_encoding(path: str | Path, *, block: int = 1 << 22) -> str:
    """'utf-8-sig' when the whole file decodes as UTF-8 (BOM or not), else 'gb18030'.

    Raises ExportFormatError naming the file and the byte offset when neither decodes.
    """
    p = Path(path)
    dec = codecs.getincrementaldecoder("utf-8-sig")()
    offset = 0
    utf8_err: tuple[int, str] | None = None
    with p.open("rb") as f:
        while True:
            chunk = f.read(block)
            try:
                dec.decode(chunk, final=not chunk)
            except UnicodeDecodeError as err:
                utf8_err = (offset + err.start, err.reason)
                break
            if not chunk:
                break
            offset += len(chunk)
    if utf8_err is None:
        return "utf-8-sig"
    bad = _first_bad_offset(p.read_bytes(), "gb18030")
    if bad is None:
        return "gb18030"
    raise ExportFormatError(format_message(
        f"cannot decode {p.name!r}: not UTF-8 (byte {utf8_err[0]}: {utf8_err[1]}) and not GB18030 "
        f"(byte {bad[0]}: {bad[1]})",
        expected="a text export in UTF-8 (with or without BOM) or GBK/GB18030",
        fix="re-save the file as UTF-8 (in Excel: Save As › CSV UTF-8); it may be truncated or binary"),
        path=str(p))


def read_text(path: str | Path) -> str:
    """The whole file as text, decoded as UTF-8 (BOM stripped) or GB18030."""
    p = Path(path)
    return p.read_bytes().decode(detect_encoding(p))


def open_text(path: str | Path) -> IO[str]:
    """Open a text export for streaming, with the encoding :func:`detect_encoding` finds."""
    p = Path(path)
    return open(p, encoding=detect_encoding(p), newline="")
