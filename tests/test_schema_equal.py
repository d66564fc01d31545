"""The vectorised coerce/validate/concat equal the frozen pre-#9 implementation (tests/schema_before.py).

Random frames mix every cell kind a producing stage has handed the machinery: nulls, NaN, empty lists,
None cells, tuples and numpy arrays of str, ints inside lists, strings where lists belong, float ids,
tz-naive and tz-aware times, out-of-bounds counts, unknown platforms and duplicate keys. Both
implementations must return the same frame (dtypes, values, list cells as lists) or raise the same
SchemaViolation (message and failures table).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from brandlab import schema
from brandlab.errors import SchemaViolation
from brandlab.schema import BOOL, DATE, FLOAT, INT, JSON, LIST, POST, STR, TIME, Platform, TableSchema, _col

sys.path.insert(0, str(Path(__file__).parent))
import schema_before  # noqa: E402

MIXED = TableSchema(
    "mixed_test",
    (
        _col("platform", STR, False, values=Platform),
        _col("item_id", STR, False),
        _col("n", INT, bounds=(0, 10)),
        _col("x", FLOAT, bounds=(0.0, 1.0)),
        _col("flag", BOOL),
        _col("at", TIME),
        _col("day", DATE),
        _col("tags", LIST),
        _col("terms", LIST),
        _col("raw", JSON),
    ),
    key=("platform", "item_id"),
    checks=(("n high, x low", lambda d: ((d["n"].astype("Float64") > 8) & (d["x"] < 0.05)).fillna(False).astype(bool)
             if {"n", "x"} <= set(d.columns) else pd.Series(False, index=d.index)),),
)

WORDS = ["话题", "旅游", "", "a b", "EMO_笑", "重庆", "nan", "None"]


def _list_cell(rng: np.random.Generator, dirty: bool) -> Any:
    k = int(rng.integers(0, 4))
    words = [WORDS[int(i)] for i in rng.integers(0, len(WORDS), k)]
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.2:
        return []
    if roll < 0.25:
        return tuple(words)
    if roll < 0.3:
        return np.array(words, dtype=object)
    if dirty and roll < 0.33:
        return np.array(words, dtype=str)  # numpy str_ elements
    if dirty and roll < 0.35:
        return [*words, 7]  # a non-str element: str() of it
    if dirty and roll < 0.36:
        return float("nan")
    if dirty and roll < 0.365:
        return "话题"  # a scalar where a list belongs: refused
    if dirty and roll < 0.37:
        return [*words, None]
    return words


def _list_column(rng: np.random.Generator, n: int, style: str) -> Any:
    if style == "clean":  # lists of str with some None: the common producer output
        return [None if rng.random() < 0.2 else [WORDS[int(i)] for i in rng.integers(0, len(WORDS), 3)][:int(rng.integers(0, 4))]
                for _ in range(n)]
    if style == "arrays":  # what a pandas read of an Arrow list column gives
        arr = pa.array([[WORDS[int(i)] for i in rng.integers(0, len(WORDS), int(rng.integers(0, 4)))]
                        if rng.random() > 0.2 else None for _ in range(n)], type=pa.list_(pa.string()))
        return pd.Series(arr.to_pandas(), dtype=object).tolist()
    if style == "absent":
        return None
    return [_list_cell(rng, dirty=style == "dirty") for _ in range(n)]


def _frame(seed: int, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dirty = seed % 3 == 0
    ids = [f"i{int(i)}" for i in rng.integers(0, n * (1 if dirty else 50), n)]
    times = pd.Timestamp("2024-03-01 12:00") + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s")
    at: Any = times if seed % 2 else times.tz_localize("UTC")
    cols: dict[str, Any] = {
        "platform": np.array(["weibo", "douyin", "mars" if dirty else "xhs", None if dirty else "bilibili"], dtype=object)[rng.integers(0, 4, n)],
        "item_id": ids,
        "n": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(-1 if dirty else 0, 12 if dirty else 10, n)),
                      dtype="Int64") if seed % 4 else rng.integers(0, 10, n),
        "x": np.where(rng.random(n) < 0.2, np.nan, rng.random(n) * (1.2 if dirty else 1.0)),
        "flag": pd.array(np.where(rng.random(n) < 0.2, None, rng.random(n) < 0.5), dtype="boolean"),
        "at": pd.Series(at).where(rng.random(n) > 0.1),
        "day": pd.Series(times).astype(str) if seed % 5 == 0 else pd.Series(times),
        "tags": _list_column(rng, n, ["clean", "arrays", "dirty", "mixed", "absent"][seed % 5]),
        "terms": _list_column(rng, n, ["mixed", "clean", "arrays", "dirty"][seed % 4]),
        "raw": [None if rng.random() < 0.3 else '{"a": 1}' for _ in range(n)],
    }
    if seed % 7 == 0:
        cols["item_id"] = rng.random(n)  # float ids: refused
    if seed % 11 == 0:
        cols["extra"] = 1
    if seed % 13 == 0:
        del cols["x"]
    df = pd.DataFrame({k: v for k, v in cols.items() if v is not None})
    if seed % 6 == 0:
        df.index = pd.RangeIndex(100, 100 + n)[rng.permutation(n)]
    return df


def _outcome(fn: Callable[[], pd.DataFrame]) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except SchemaViolation as err:
        return "violation", (str(err), err.table, err.failures)


def _assert_same(new: tuple[str, Any], old: tuple[str, Any]) -> None:
    assert new[0] == old[0], (new, old)
    if new[0] == "violation":
        assert new[1][:2] == old[1][:2]
        pd.testing.assert_frame_equal(new[1][2], old[1][2])
        return
    got, want = new[1], old[1]
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for c in got.columns:
        if got[c].dtype == object:
            assert [type(v) for v in got[c]] == [type(v) for v in want[c]], c
            assert all(type(x) is type(y) for a, b in zip(got[c], want[c], strict=True) if isinstance(a, list)
                   for x, y in zip(a, b, strict=True))


SEEDS = range(60)


@pytest.mark.parametrize("seed", SEEDS)
def test_coerce_equals_before(seed: int) -> None:
    df = _frame(seed)
    _assert_same(_outcome(lambda: schema.coerce(df, MIXED)), _outcome(lambda: schema_before.coerce(df, MIXED)))


@pytest.mark.parametrize("seed", SEEDS)
def test_validate_equals_before(seed: int) -> None:
    df = _frame(seed)
    for types in (True, False):
        _assert_same(_outcome(lambda t=types: schema.validate(df, MIXED, coerce_types=t)),  # type: ignore[misc]
                     _outcome(lambda t=types: schema_before.validate(df, MIXED, coerce_types=t)))  # type: ignore[misc]


@pytest.mark.parametrize("seed", range(0, 60, 5))
def test_validate_of_coerced_frames_equals_before(seed: int) -> None:
    kind, df = _outcome(lambda: schema_before.coerce(_frame(seed), MIXED))
    if kind != "ok":
        pytest.skip("frame not coercible")
    _assert_same(_outcome(lambda: schema.validate(df, MIXED, coerce_types=False)),
                 _outcome(lambda: schema_before.validate(df, MIXED, coerce_types=False)))


@pytest.mark.parametrize("seed", range(0, 60, 4))
def test_concat_equals_before(seed: int) -> None:
    frames = [_frame(seed * 10 + k, n=int(k * 7)) for k in range(4)]
    _assert_same(_outcome(lambda: schema.concat(frames, MIXED)), _outcome(lambda: schema_before.concat(frames, MIXED)))


def test_empty_and_all_none_list_columns_equal_before() -> None:
    for df in (pd.DataFrame({"tags": pd.Series([], dtype=object)}), pd.DataFrame({"tags": [None, None]}),
               pd.DataFrame({"tags": [float("nan"), None]}), pd.DataFrame({"tags": [[], []]}),
               pd.DataFrame({"tags": [["a", "b"], ["c", "d"]]}), pd.DataFrame({"tags": [np.array(["a"]), None]}),
               pd.DataFrame({"tags": [np.array("a"), None]}), pd.DataFrame({"tags": [np.array([["a"]]), None]}),
               pd.DataFrame({"tags": pd.Series(["a", None], dtype="string")})):
        _assert_same(_outcome(lambda d=df: schema.coerce(d, MIXED)),  # type: ignore[misc]
                     _outcome(lambda d=df: schema_before.coerce(d, MIXED)))  # type: ignore[misc]


def test_clean_list_cells_pass_as_the_same_objects() -> None:
    cells = [["a"], ["b", "c"], []]
    out = schema.coerce(pd.DataFrame({"tags": cells}), MIXED)
    assert all(a is b for a, b in zip(out["tags"], cells, strict=True))
    assert out["terms"].tolist() == [[], [], []]
    assert out["terms"].iloc[0] is not out["terms"].iloc[1]  # one fresh list per cell, as before


def test_lists_from_arrow_handles_slices_chunks_and_nulls() -> None:
    arr = pa.array([["a", "b"], None, [], ["a"], ["c", "a", "b"]], type=pa.list_(pa.string()))
    chunked = pa.chunked_array([arr.slice(1, 2), arr.slice(3)])
    assert list(schema.lists_from_arrow(arr.slice(2))) == [[], ["a"], ["c", "a", "b"]]
    assert list(schema.lists_from_arrow(chunked)) == [[], [], ["a"], ["c", "a", "b"]]
    assert schema.lists_from_arrow(pa.array([["a", None]], type=pa.list_(pa.string()))) is None


def test_posts_frame_coerces_identically() -> None:
    rng = np.random.default_rng(1)
    n = 300
    df = pd.DataFrame({"platform": ["weibo"] * n, "post_id": [str(i) for i in range(n)], "kind": ["post"] * n,
                       "hashtags": _list_column(rng, n, "arrays"), "mentions": _list_column(rng, n, "clean"),
                       "published_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), unit="h")})
    _assert_same(_outcome(lambda: schema.validate(df, POST)), _outcome(lambda: schema_before.validate(df, POST)))
