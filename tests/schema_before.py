"""Frozen copy of brandlab.schema's coerce/validate/concat before the vectorised rewrite (issue #9).

tests/test_schema_equal.py compares the current implementation with this one on random frames.
Do not edit: it is the reference the new code must reproduce exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from brandlab.config import TIMEZONE
from brandlab.errors import SchemaViolation
from brandlab.schema import BOOL, DATE, FLOAT, INT, JSON, LIST, STR, TIME, TableSchema

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
            "The producing stage must return rows that satisfy the schema declared in brandlab/schema.py "
            "or brandlab/tables/.",
            table=schema.name, failures=failures,
        )
    return df


def concat(frames: Iterable[pd.DataFrame], schema: TableSchema) -> pd.DataFrame:
    """Concatenate frames of one schema (an empty, typed frame when there are none)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return coerce(pd.DataFrame({c.name: pd.Series([], dtype=object) for c in schema.columns}), schema)
    return coerce(pd.concat(frames, ignore_index=True), schema)
