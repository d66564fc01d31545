"""The faster cascade metrics give exactly what the pre-change implementation gave (``cascades_before``).

Random forests with every repair the function makes: duplicate rows, parents and roots that are not
in the data, self-parents, cycles, parents in another cascade, nodes timed before their root, unknown
times, and node orders that are and are not sorted by cascade and time (both sort paths).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from brandlab.bench.network import cascade_frame, random_cascades
from brandlab.network.cascades import cascade_metrics, forest_metrics
from brandlab.network.ids import decode_ids, encode_ids


def _before() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cascades_before", Path(__file__).with_name("cascades_before.py"))
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


BEFORE = _before()


def messy_forest(seed: int, n: int = 400, *, shuffle: bool = True) -> pd.DataFrame:
    """A random forest of string ids with every kind of defect ``cascade_metrics`` repairs."""
    rng = np.random.default_rng(seed)
    parent, t = random_cascades(n, seed=seed, mean_size=float(rng.integers(2, 40)))
    df = cascade_frame(parent, t)
    k = len(df)
    pick = rng.random(k)
    par = df["parent_id"].astype(object).to_numpy().copy()
    root = df["root_id"].astype(object).to_numpy().copy()
    ids = df["post_id"].astype(object).to_numpy()
    par[pick < 0.03] = "gone" + pd.Series(rng.integers(0, 5, k)).astype(str).to_numpy()[pick < 0.03]
    par[(pick >= 0.03) & (pick < 0.05)] = ids[(pick >= 0.03) & (pick < 0.05)]           # self-parents
    cyc = (pick >= 0.05) & (pick < 0.08)                                                  # cycles, cross links
    par[cyc] = ids[rng.integers(0, k, int(cyc.sum()))]
    child = rng.choice(np.flatnonzero(parent >= 0), size=max(2, k // 50), replace=False)
    par[parent[child]] = ids[child]                                                       # 2-cycles and longer
    root[(pick >= 0.08) & (pick < 0.10)] = None
    lost = rng.choice(np.flatnonzero(df["parent_id"].isna().to_numpy()), size=max(1, k // 200), replace=False)
    times = df["published_at"].to_numpy().copy()
    times[(pick >= 0.10) & (pick < 0.14)] = np.nan
    times[(pick >= 0.14) & (pick < 0.16)] -= 1e4                                          # before the root
    out = pd.DataFrame({"post_id": ids, "parent_id": par, "root_id": root, "published_at": times})
    out = out.drop(index=lost)                                                            # missing roots
    dup = out.sample(frac=0.03, random_state=seed)                                        # duplicate rows
    dup = dup.assign(published_at=dup["published_at"] + rng.normal(0, 100, len(dup)))
    out = pd.concat([out, dup], ignore_index=True)
    if shuffle:
        out = out.sample(frac=1.0, random_state=seed + 1).reset_index(drop=True)
    return out


def assert_same(new: object, old: object) -> None:
    for name in ("metrics", "nodes", "growth", "repairs"):
        pd.testing.assert_frame_equal(getattr(new, name), getattr(old, name), check_exact=True, obj=name)


@pytest.mark.parametrize("shuffle", [True, False], ids=["shuffled", "in_order"])
@pytest.mark.parametrize("seed", range(10))
def test_equals_before_on_messy_forests(seed: int, shuffle: bool) -> None:
    df = messy_forest(seed, shuffle=shuffle)
    before = df.copy()
    assert_same(cascade_metrics(df, growth_points=7), BEFORE.cascade_metrics(df, growth_points=7))
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("seed", range(4))
def test_equals_before_with_datetimes_object_ids_and_no_time(seed: int) -> None:
    df = messy_forest(seed, n=300)
    df["published_at"] = pd.Timestamp("2024-05-01", tz="Asia/Shanghai") + pd.to_timedelta(
        df["published_at"].round(), unit="s")
    obj = df.astype({"post_id": object, "parent_id": object, "root_id": object})
    assert_same(cascade_metrics(obj), BEFORE.cascade_metrics(obj))
    assert_same(cascade_metrics(df, time=None), BEFORE.cascade_metrics(df, time=None))


def test_equals_before_on_clean_sorted_cascades() -> None:
    """The benchmark's shape: contiguous cascades in time order (the presorted fast path)."""
    parent, t = random_cascades(20_000, seed=3)
    df = cascade_frame(parent, t)
    assert_same(cascade_metrics(df), BEFORE.cascade_metrics(df))
    new_m, new_a = forest_metrics(parent, t)
    old_m, old_a = BEFORE.forest_metrics(parent, t)
    pd.testing.assert_frame_equal(new_m, old_m, check_exact=True)
    np.testing.assert_array_equal(new_a.time_order, old_a.time_order)


def test_equal_times_keep_index_order() -> None:
    """Ties in time are ordered by row, in both sort paths (growth rows follow that order)."""
    df = pd.DataFrame({"post_id": ["r", "a", "b", "c", "s", "d"], "parent_id": [None, "r", "r", "a", None, "s"],
                       "root_id": ["r", "r", "r", "r", "s", "s"], "published_at": [0.0, 5.0, 5.0, 1.0, 2.0, 2.0]})
    for frame in (df, df.iloc[::-1].reset_index(drop=True)):
        assert_same(cascade_metrics(frame), BEFORE.cascade_metrics(frame))


@pytest.mark.parametrize("values", [
    [["a", "a", "b", None, None, "b", "a"], ["a", "a", "a"], [None, "c", "c"]],
    [["x"] * 5, [None] * 4, ["y", "x", "x", "y"]],
    [[], ["q"], []],
])
def test_encode_ids_with_runs_equals_factorize(values: list[list[str | None]]) -> None:
    codes, uniques = encode_ids(values)
    expect_codes, expect_uniques = pd.factorize(pd.Series([v for col in values for v in col], dtype=object))
    assert np.concatenate(codes).tolist() == expect_codes.tolist()
    assert uniques.to_pylist() == list(expect_uniques)
    for col, c in zip(values, codes, strict=True):
        assert [None if pd.isna(x) else x for x in decode_ids(uniques, c)] == col
