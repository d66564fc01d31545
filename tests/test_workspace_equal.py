"""Workspace reads and writes after the #9 speed work equal the previous path.

``from_arrow`` now turns list columns into Python lists straight from Arrow; the previous path went
through numpy-array cells and ``coerce``. Writes no longer coerce a frame twice. Reads and stored
tables must be identical.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from brandlab.config import TIMEZONE
from brandlab.schema import POST, POST_TEXT
from brandlab.workspace import _PANDAS_TYPES, Workspace, from_arrow

sys.path.insert(0, str(Path(__file__).parent))
import schema_before  # noqa: E402


def _from_arrow_before(table: pa.Table, schema) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    df = table.to_pandas(types_mapper=_PANDAS_TYPES.get)
    for name in df.columns:
        if pa.types.is_timestamp(table.schema.field(name).type) and isinstance(df[name].dtype, pd.DatetimeTZDtype):
            df[name] = df[name].dt.tz_convert(TIMEZONE).astype(f"datetime64[ns, {TIMEZONE}]")
    return schema_before.coerce(df, schema)


def _posts(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = ["话题", "旅游", "", "重庆", "a b"]

    def cell() -> object:
        r = rng.random()
        return None if r < 0.2 else [words[int(i)] for i in rng.integers(0, len(words), int(rng.integers(0, 4)))]

    return pd.DataFrame({
        "platform": rng.choice(["weibo", "douyin"], n).astype(object), "post_id": [f"p{i}" for i in range(n)],
        "kind": "post", "text": [None if i % 7 == 0 else f"文本{i}" for i in range(n)],
        "hashtags": [cell() for _ in range(n)], "mentions": [cell() for _ in range(n)],
        "like_count": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(0, 9, n)), dtype="Int64"),
        "published_at": pd.Timestamp("2024-05-01", tz=TIMEZONE) + pd.to_timedelta(np.arange(n), unit="min"),
    })


def _assert_identical(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for c in got.columns:
        if got[c].dtype == object:
            assert [type(v) for v in got[c]] == [type(v) for v in want[c]], c


def test_read_equals_previous_path(ws: Workspace) -> None:
    ws.replace(_posts(500), POST)
    at = ws.con.sql("SELECT * FROM posts").to_arrow_table()
    _assert_identical(ws.read("posts"), _from_arrow_before(at, POST))
    _assert_identical(from_arrow(at.slice(37, 200), POST), _from_arrow_before(at.slice(37, 200), POST))
    chunked = pa.concat_tables([at.slice(0, 10), at.slice(10)])
    _assert_identical(from_arrow(chunked, POST), _from_arrow_before(chunked, POST))


def test_read_of_a_list_with_a_null_element_keeps_the_previous_result(ws: Workspace) -> None:
    ws.replace(_posts(20), POST)
    ws.con.execute("UPDATE posts SET hashtags = ['a', NULL] WHERE post_id = 'p3'")
    at = ws.con.sql("SELECT * FROM posts").to_arrow_table()
    got = ws.read("posts")
    _assert_identical(got, _from_arrow_before(at, POST))
    assert got.loc[got["post_id"] == "p3", "hashtags"].iloc[0] == ["a", "None"]


def test_partial_column_reads_keep_array_cells(ws: Workspace) -> None:
    ws.replace(_posts(30), POST)
    got = ws.read("posts", columns=["post_id", "hashtags"])
    assert all(isinstance(v, np.ndarray) or v is None for v in got["hashtags"])


def test_writes_store_the_same_rows(ws: Workspace, tmp_path: Path) -> None:
    df = _posts(400, seed=3)
    ws.replace(df, POST)
    first = ws.read("posts")
    ws.replace(schema_before.coerce(df, POST), POST, validated=True)
    _assert_identical(ws.read("posts"), first)
    ws.replace(df.iloc[:0], POST)
    ws.append(df, POST)
    _assert_identical(ws.read("posts"), first)
    ws.upsert(df.iloc[::-1], POST)
    _assert_identical(ws.read("posts").sort_values("post_id", ignore_index=True),
                      first.sort_values("post_id", ignore_index=True))


def test_post_text_roundtrip(ws: Workspace) -> None:
    n = 50
    df = pd.DataFrame({"platform": "weibo", "post_id": [str(i) for i in range(n)],
                       "tokens": [["城市", "品牌"][: i % 3] for i in range(n)]})
    ws.replace(df, POST_TEXT)
    at = ws.con.sql(f"SELECT * FROM {POST_TEXT.name}").to_arrow_table()
    _assert_identical(ws.read(POST_TEXT.name), _from_arrow_before(at, POST_TEXT))


def test_upsert_of_a_frame_it_validated_equals_the_deduplicating_path(tmp_path: Path) -> None:
    old = _posts(300, seed=5)
    old["crawled_at"] = pd.Timestamp("2024-06-01", tz=TIMEZONE)
    new = _posts(300, seed=6).iloc[100:]
    new["crawled_at"] = pd.Timestamp("2024-06-01", tz=TIMEZONE) + pd.to_timedelta(np.arange(200) - 100, unit="h")
    new["post_id"] = [f"p{i}" for i in range(150, 350)]
    stored = []
    for validated in (False, True):  # True: the batch goes through the row_number de-duplication
        with Workspace(tmp_path / f"{validated}.duckdb") as w:
            w.upsert(old, POST)
            frame = new if not validated else schema_before.validate(new, POST)
            w.upsert(frame, POST, validated=validated)
            stored.append(w.read("posts").sort_values("post_id", ignore_index=True))
    _assert_identical(stored[0], stored[1])
    keys = pd.concat([old, new])[["platform", "post_id"]].drop_duplicates()
    assert len(stored[0]) == len(keys) < len(old) + len(new)  # some stored rows were replaced
