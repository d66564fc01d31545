"""The triad stage after its scale work writes exactly what it wrote before (``triad_before.py``).

Both run on copies of one workspace (ingest + text + network stages) and their ``triad_scores``
and ``triad_evidence`` are compared row for row in stored order: every id, label, term, count, score
and detail string. Two workspaces: part of the demo campaign (official accounts that reply, so the
reply-rate and coherence parts have data) and generated MediaCrawler Douyin exports (the e2e
bench's data: hashtag campaigns, long reply threads).
"""

from __future__ import annotations

import shutil
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brandlab import triad_stage
from brandlab.config import Settings
from brandlab.ingest import ingest_paths
from brandlab.pipeline import analyze
from brandlab.workspace import Workspace

sys.path.insert(0, str(Path(__file__).parent))
import triad_before  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
SETTINGS = {"n_boot": 20, "as_of": "2026-04-20", "min_group_size": 5}

pytestmark = pytest.mark.slow  # each workspace needs the text and network stages first


def _build(path: Path, paths: list[Path]) -> Path:
    with Workspace(path) as ws, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ingest_paths(ws, paths)
        analyze(ws, Settings(workspace=path, **SETTINGS), stages=["text", "network"])
    return path


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    weibo = sorted((DEMO / "weibo-crawler-SYNTHETIC" / "weibo").rglob("*.csv"))
    return _build(tmp_path_factory.mktemp("triad_demo") / "w.duckdb",
                  [DEMO / "mediacrawler-SYNTHETIC", DEMO / "douyin-creator-center-SYNTHETIC", *weibo[:12]])


@pytest.fixture(scope="module")
def generated_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from brandlab.bench.pipeline import write_campaign

    d = tmp_path_factory.mktemp("triad_generated")
    return _build(d / "w.duckdb", write_campaign(d / "campaign", 4000))


def _run(base: Path, dest: Path, run: Callable[..., dict[str, int]]) -> dict[str, pd.DataFrame]:
    shutil.copy(base, dest)
    with Workspace(dest) as ws, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        counts = run(ws, Settings(workspace=dest, **SETTINGS))
        assert counts["triad_scores"] > 0 and counts["triad_evidence"] > 0
        return {t: ws.sql(f'SELECT * FROM "{t}" ORDER BY rowid') for t in ("triad_scores", "triad_evidence")}


def _plain(s: pd.Series) -> list[object]:
    return [v.tolist() if isinstance(v, np.ndarray) else (None if not isinstance(v, (list, dict)) and pd.isna(v)
                                                           else v) for v in s.astype(object)]


def _assert_same(base: Path, tmp_path: Path) -> dict[str, pd.DataFrame]:
    old = _run(base, tmp_path / "old.duckdb", triad_before.run)
    new = _run(base, tmp_path / "new.duckdb", triad_stage.run)
    for name, a in old.items():
        b = new[name]
        assert list(a.columns) == list(b.columns) and len(a) == len(b), name
        for c in a.columns:
            assert _plain(a[c]) == _plain(b[c]), f"{name}.{c} differs from the pre-scale stage"
    return new


def test_same_triad_on_the_demo(demo_ws: Path, tmp_path: Path) -> None:
    new = _assert_same(demo_ws, tmp_path)
    components = set(new["triad_scores"]["component"])
    assert {"official_reply_rate", "projected_vs_perceived", "consistency"} <= components
    replies = new["triad_scores"].set_index(["campaign", "component"]).loc[("(all)", "official_reply_rate")]
    assert np.isfinite(replies["score"])  # the reply-rate path really ran


def test_same_triad_on_generated_exports(generated_ws: Path, tmp_path: Path) -> None:
    new = _assert_same(generated_ws, tmp_path)
    assert new["triad_scores"]["campaign"].str.startswith("#").any()  # hashtag campaigns scored too
