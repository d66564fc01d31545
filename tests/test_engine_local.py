"""The local engine's process pool: same tables as one process, one pool per engine, order kept."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brandlab.config import Settings
from brandlab.engine import LocalEngine, local_workers, open_engine, resource_loads, stage_kwargs
from brandlab.ingest import ingest_paths
from brandlab.nlp.tokenize import default_tokenizer
from brandlab.pipeline import analyze, available_stages
from brandlab.workspace import Workspace

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
RUN_TIME_COLUMNS = {"started_at", "finished_at", "quarantined_at", "computed_at", "scored_at", "run_at"}

pytestmark = pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(),
                                reason="the local pool forks")


def pid_plus(x: int, k: int) -> tuple[int, int]:
    return x + k, os.getpid()


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("partition 3 is bad")
    return x


def test_pool_keeps_order_and_its_processes() -> None:
    engine = LocalEngine(2)
    try:
        first = list(engine.map(pid_plus, range(20), 100))
        again = list(engine.map(pid_plus, range(5), 1))
    finally:
        engine.close()
    assert [v for v, _ in first] == list(range(100, 120)) and [v for v, _ in again] == list(range(1, 6))
    pids = {p for _, p in first + again}
    assert os.getpid() not in pids and len(pids) <= 2  # the same two processes served both maps
    assert engine._pool is None


def test_one_partition_runs_here_and_errors_propagate() -> None:
    engine = LocalEngine(2)
    try:
        assert list(engine.map(pid_plus, [1], 0)) == [(1, os.getpid())]
        assert engine._pool is None  # nothing started for a single partition
        with pytest.raises(ValueError, match="partition 3 is bad"):
            list(engine.map(fail_on_three, range(6)))
    finally:
        engine.close()


def test_local_workers_and_wiring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANDLAB_LOCAL_WORKERS", "3")
    assert local_workers() == 3
    with open_engine(Settings()) as engine:
        assert engine.name == "local" and engine.n_workers == 3
    monkeypatch.setenv("BRANDLAB_LOCAL_WORKERS", "all")
    with pytest.raises(ValueError, match="BRANDLAB_LOCAL_WORKERS"):
        local_workers()
    monkeypatch.delenv("BRANDLAB_LOCAL_WORKERS")
    assert local_workers() == len(os.sched_getaffinity(0))
    from brandlab.nlp import sentiment_stage, stage

    pool = LocalEngine(2)
    assert stage_kwargs(stage, pool, Settings()) == {"engine": pool}
    assert stage_kwargs(sentiment_stage, pool, Settings()) == {}  # the model stays in this process
    assert stage_kwargs(stage, LocalEngine(1), Settings()) == {}


def _stored(ws: Workspace, name: str) -> pd.DataFrame:
    df = ws.sql(f'SELECT * FROM "{name}" ORDER BY rowid')
    return df[[c for c in df.columns if c not in RUN_TIME_COLUMNS]]


def _same(a: pd.Series, b: pd.Series) -> bool:
    def plain(s: pd.Series) -> list[object]:
        return [v.tolist() if isinstance(v, np.ndarray) else (None if not isinstance(v, (list, dict)) and pd.isna(v)
                                                               else v) for v in s.astype(object)]
    return plain(a) == plain(b)


@pytest.mark.slow
def test_pool_gives_the_single_process_tables_row_for_row(tmp_path: Path) -> None:
    """analyze (text, sentiment, network, triad) on 1 and on 2 local workers: every table equal in stored order."""
    base = tmp_path / "base.duckdb"
    with Workspace(base) as ws:
        weibo = sorted((DEMO / "weibo-crawler-SYNTHETIC" / "weibo").rglob("*.csv"))
        ingest_paths(ws, [DEMO / "mediacrawler-SYNTHETIC", DEMO / "douyin-creator-center-SYNTHETIC", *weibo[:12]])
        assert ws.count("posts") > 1000
    names = [n for n, _ in available_stages()]
    out = {}
    for workers in (1, 2):
        path = tmp_path / f"w{workers}.duckdb"
        shutil.copy(base, path)
        settings = Settings(workspace=path, n_boot=30, as_of="2026-04-20")
        if workers == 2:
            # forked workers inherit this process's cache statistics: start them from zero, since an
            # earlier test of the session may have built a tokenizer (the full suite did: {2} != {1})
            default_tokenizer.cache_clear()
        with Workspace(path) as ws, open_engine(settings, n_workers=workers) as engine, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            analyze(ws, settings, stages=names, engine=engine, on_stage=None)
            if workers == 2:  # the text stage really ran on the pool, each worker loading its tokenizer once
                assert engine._pool is not None  # type: ignore[attr-defined]
                loads = list(engine.map(_loads, range(8)))
                assert {n for n in loads} == {1}
            out[workers] = {t: _stored(ws, t) for t in ws.sql(
                "SELECT table_name FROM information_schema.tables ORDER BY 1")["table_name"]}
    assert out[1].keys() == out[2].keys() and {"post_text", "post_tags", "keywords"} <= out[1].keys()
    for name, a in out[1].items():
        b = out[2][name]
        assert list(a.columns) == list(b.columns) and len(a) == len(b), name
        for c in a.columns:
            assert _same(a[c], b[c]), f"{name}.{c} differs between 1 and 2 local workers"


def _loads(_: int) -> int:
    return resource_loads()["tokenizer"]
