"""The Dask engine (LocalCluster, 2 workers) gives the same tables as the local engine on the demo campaign.

Each workspace is built once per module: ingest (parsed on the workers, written by the driver),
then the text, sentiment (when the shipped model is present) and network stages. Tables are
compared sorted by their key: ids, labels, counts and text exactly, floats within 1e-5 (the workers
get the int8 sentiment model's own batches, so its scores agree to the last bit today; the tolerance
leaves room for float reductions that differ between machines of a real cluster).

``test_same_tables_subset`` (a few seconds of ingest) runs on part of the campaign; the whole
campaign is the ``slow`` test.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from brandlab.config import Settings  # noqa: E402
from brandlab.engine import LocalEngine, resource_loads  # noqa: E402
from brandlab.engine.cluster import DaskEngine  # noqa: E402
from brandlab.engine.ingest import ingest_paths_on  # noqa: E402
from brandlab.ingest import ingest_paths  # noqa: E402
from brandlab.pipeline import analyze, available_stages  # noqa: E402
from brandlab.workspace import Workspace  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
#: columns that record when a run happened, not what it found
RUN_TIME_COLUMNS = {"started_at", "finished_at", "quarantined_at", "computed_at", "scored_at", "run_at"}


def demo_paths(subset: bool) -> list[Path]:
    folders = sorted(p for p in DEMO.iterdir() if p.is_dir() and p.name != "outcomes")
    if not subset:
        return folders
    weibo = sorted((DEMO / "weibo-crawler-SYNTHETIC" / "weibo").rglob("*.csv"))
    return [DEMO / "mediacrawler-SYNTHETIC", DEMO / "douyin-creator-center-SYNTHETIC", *weibo[:12]]


def stages() -> list[str]:
    names = [n for n, _ in available_stages() if n in ("text", "sentiment", "network")]
    if "sentiment" in names:
        from brandlab.nlp.sentiment_onnx import SHIPPED_DIR, SHIPPED_FILES

        if not all((SHIPPED_DIR / f).is_file() for f in SHIPPED_FILES):
            names.remove("sentiment")
    return names


def settings_for(path: Path, engine: str) -> Settings:
    return Settings(workspace=path, n_boot=30, as_of="2026-04-20", engine=engine)


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskEngine]:
    engine = DaskEngine(n_workers=2)
    yield engine
    engine.close()


def build(path: Path, paths: list[Path], engine: LocalEngine | DaskEngine) -> Workspace:
    ws = Workspace(path)
    settings = settings_for(path, engine.name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small-sample warnings: the same on both sides, not under test here
        if isinstance(engine, LocalEngine):
            ingest_paths(ws, paths)
        else:
            ingest_paths_on(engine, ws, paths)
        analyze(ws, settings, stages=stages(), engine=engine)
    return ws


@pytest.fixture(scope="module")
def subset_pair(tmp_path_factory: pytest.TempPathFactory, cluster: DaskEngine) -> Iterator[tuple[Workspace, Workspace]]:
    d = tmp_path_factory.mktemp("engine_subset")
    local = build(d / "local.duckdb", demo_paths(True), LocalEngine())
    dask = build(d / "dask.duckdb", demo_paths(True), cluster)
    yield local, dask
    local.close()
    dask.close()


def sort_table(df: pd.DataFrame, name: str) -> pd.DataFrame:
    from brandlab.schema import TABLES

    key = [c for c in (TABLES[name].key if name in TABLES else ()) if c in df.columns]
    plain = [c for c in df.columns if not any(isinstance(v, (list, np.ndarray, dict)) for v in df[c])]
    by = key + [c for c in plain if c not in key]
    return df.sort_values(by, kind="stable", na_position="first").reset_index(drop=True) if by else df


def plain_values(s: pd.Series) -> list[object]:
    """Values comparable with ==: arrays as lists, missing values as None."""
    out: list[object] = []
    for v in s.astype(object):
        if isinstance(v, np.ndarray):
            v = v.tolist()
        elif not isinstance(v, (list, dict)) and pd.isna(v):
            v = None
        out.append(v)
    return out


def assert_same_tables(local: Workspace, dask: Workspace) -> list[str]:
    names = sorted(local.sql("SELECT table_name FROM information_schema.tables")["table_name"])
    assert names == sorted(dask.sql("SELECT table_name FROM information_schema.tables")["table_name"])
    compared = []
    for name in names:
        a, b = local.sql(f'SELECT * FROM "{name}"'), dask.sql(f'SELECT * FROM "{name}"')
        assert list(a.columns) == list(b.columns), name
        assert len(a) == len(b), f"{name}: {len(a)} local rows, {len(b)} dask rows"
        cols = [c for c in a.columns if c not in RUN_TIME_COLUMNS]
        a, b = sort_table(a[cols], name), sort_table(b[cols], name)
        for c in cols:
            x, y = a[c], b[c]
            if pd.api.types.is_float_dtype(x.dtype):
                np.testing.assert_allclose(x.to_numpy(float), y.to_numpy(float), atol=1e-5, rtol=1e-5,
                                           equal_nan=True, err_msg=f"{name}.{c}")
            else:
                assert plain_values(x) == plain_values(y), f"{name}.{c} differs"
        compared.append(name)
    return compared


def test_same_tables_subset(subset_pair: tuple[Workspace, Workspace]) -> None:
    local, dask = subset_pair
    assert local.count("posts") > 1000
    compared = assert_same_tables(local, dask)
    expected = {"posts", "authors", "edges", "post_text", "post_tags", "keywords", "graph_edges", "cascade_metrics",
                "node_metrics"}
    if "sentiment" in stages():
        expected |= {"post_sentiment", "sentiment_aggregates"}
    assert expected <= set(compared)
    assert dask.count("post_text") == dask.count("posts")


def test_resources_loaded_once_per_worker(subset_pair: tuple[Workspace, Workspace], cluster: DaskEngine) -> None:
    """Several partitions ran on each worker, yet each built its tokenizer (and model) once."""
    loads = cluster.run_on_workers(resource_loads)
    assert len(loads) == 2
    for worker, counts in loads.items():
        assert counts["tokenizer"] == 1, (worker, counts)
        assert counts["taxonomy"] <= 1, (worker, counts)
        if "sentiment" in stages():
            assert counts["sentiment_model"] == 1, (worker, counts)


def test_ingest_chunks_come_from_workers(tmp_path: Path, cluster: DaskEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver writes what the workers parsed: it never calls an adapter's read itself."""
    from brandlab.ingest import load_adapters

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the driver parsed a file")

    for adapter in load_adapters().values():
        monkeypatch.setattr(adapter, "read", refuse, raising=False)
    ws = Workspace(tmp_path / "w.duckdb")
    reports = ingest_paths_on(cluster, ws, [DEMO / "mediacrawler-SYNTHETIC"])
    assert len(reports) == 6 and ws.count("posts") > 1000
    ws.close()


def test_ingest_errors_name_the_file(tmp_path: Path, cluster: DaskEngine) -> None:
    from brandlab.errors import IngestError

    bad = tmp_path / "mystery.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    ws = Workspace(tmp_path / "w.duckdb")
    with pytest.raises(IngestError, match="mystery.csv"):
        ingest_paths_on(cluster, ws, [bad])
    failed: list[str] = []
    ingest_paths_on(cluster, ws, [bad, DEMO / "douyin-creator-center-SYNTHETIC"],
                    on_file=lambda r, p, e: failed.append(p.name) if e else None)
    assert failed == ["mystery.csv"] and ws.count("posts") > 0
    ws.close()


@pytest.mark.slow
def test_same_tables_whole_demo(tmp_path: Path, cluster: DaskEngine) -> None:
    local = build(tmp_path / "local.duckdb", demo_paths(False), LocalEngine())
    dask = build(tmp_path / "dask.duckdb", demo_paths(False), cluster)
    try:
        assert local.count("posts") > 4000
        assert "post_text" in assert_same_tables(local, dask)
    finally:
        local.close()
        dask.close()
