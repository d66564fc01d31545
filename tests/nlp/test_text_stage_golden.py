"""Every table the text stage writes, digested and compared with golden digests.

The golden file ``golden/text_stage_digests.json`` was written by the text stage *before* its
speed work (commit 0a3f802, the per-chunk pandas path), on two workspaces built here: the demo
campaign's exports, and generated MediaCrawler Douyin exports (the e2e bench's data). A digest
covers every row of post_text, post_tags, author_generation, audience_generation, keywords,
trait_shares and dimension_shares (rows sorted: ingest stores rows in no fixed order), so any
change of a token, tag, keyword, generation or score fails the test. Regenerate only on purpose:
``--update-golden``. Regenerated once since, on purpose: trait_shares and dimension_shares, when a
group's share intervals began to resample its authors once for all labels (brandlab.aggregate;
every other table, and the shares and counts themselves, were unchanged -- tests/test_aggregate_equal.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from pathlib import Path
from typing import Any

import pytest

from brandlab.config import Settings
from brandlab.nlp import stage
from brandlab.workspace import Workspace

GOLDEN = Path(__file__).parent / "golden" / "text_stage_digests.json"
TABLES = ("post_text", "post_tags", "author_generation", "audience_generation", "keywords", "trait_shares",
          "dimension_shares")
SETTINGS = {"n_boot": 200, "seed": 7, "as_of": "2025-11-02"}


def _canon(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) else float(f"{v:.12g}")
    if isinstance(v, (list, tuple)):
        return [_canon(x) for x in v]
    if v is None or isinstance(v, (str, int, bool)):
        return v
    return str(v)


def table_digests(ws: Workspace) -> dict[str, dict[str, Any]]:
    """{table: {rows, sha256}} over every row, sorted (ingest stores rows in no fixed order, so the
    order the stage meets authors in is not fixed either); floats to 12 significant digits."""
    out = {}
    for t in TABLES:
        cur = ws.con.execute(f'SELECT * FROM "{t}" ORDER BY ALL')
        cols = [d[0] for d in cur.description]
        h = hashlib.sha256(json.dumps(cols).encode())
        n = 0
        for row in cur.fetchall():
            h.update(json.dumps(_canon(list(row)), ensure_ascii=False).encode())
            n += 1
        out[t] = {"rows": n, "sha256": h.hexdigest()}
    return out


def _demo(ws: Workspace, tmp: Path) -> None:
    from brandlab.demo.run import demo_dir, export_folders
    from brandlab.ingest import ingest_paths

    ingest_paths(ws, export_folders(demo_dir()))


def _generated(n: int):  # noqa: ANN202
    def build(ws: Workspace, tmp: Path) -> None:
        from brandlab.bench.pipeline import write_campaign
        from brandlab.engine import LocalEngine
        from brandlab.engine.ingest import ingest_paths_on

        ingest_paths_on(LocalEngine(), ws, write_campaign(tmp / "campaign", n))
    return build


def _check(name: str, build: Any, tmp_path: Path, update_golden: bool) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        build(ws, tmp_path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # small-sample warnings are part of the output
            stage.run(ws, Settings(workspace=tmp_path / "ws.duckdb", **SETTINGS))  # type: ignore[arg-type]
        got = table_digests(ws)
    golden = json.loads(GOLDEN.read_text()) if GOLDEN.is_file() else {}
    if update_golden:
        golden[name] = got
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    assert name in golden, f"no golden digests for {name!r}; run with --update-golden on purpose"
    for t in TABLES:
        assert got[t] == golden[name][t], f"{name}: table {t} differs from the golden output"


@pytest.mark.slow  # the demo exports' ingest takes minutes on the shared machine
def test_demo_tables_match_golden(tmp_path: Path, update_golden: bool) -> None:
    _check("demo", _demo, tmp_path, update_golden)


def test_generated_3k_tables_match_golden(tmp_path: Path, update_golden: bool) -> None:
    _check("generated_3000", _generated(3000), tmp_path, update_golden)


@pytest.mark.slow
def test_generated_20k_tables_match_golden(tmp_path: Path, update_golden: bool) -> None:
    _check("generated_20000", _generated(20_000), tmp_path, update_golden)
