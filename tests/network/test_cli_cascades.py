"""``brandlab cascades FILE``: metrics of a DeepHawkes file printed and (with --store) stored, idempotently."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from brandlab.cli import main
from brandlab.workspace import Workspace


def test_cascades_command_prints_and_stores(fixtures_dir: Path, tmp_path: Path) -> None:
    wsp = tmp_path / "ws.duckdb"
    args = ["-w", str(wsp), "cascades", str(fixtures_dir / "network" / "deephawkes_small.txt"), "--store"]
    for _ in range(2):  # storing twice replaces, never duplicates
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 0, res.output
    assert "3 cascades, 12 nodes" in res.output
    ws = Workspace(wsp)
    m = ws.read("cascade_metrics").set_index("root_id")
    assert len(m) == 3 and set(m["tree"]) == {"deephawkes"}
    assert m.loc["3:50", ["size", "depth", "max_breadth"]].tolist() == [5, 4, 1]
    nodes = ws.read("cascade_nodes")
    assert len(nodes) == 12 and nodes.set_index("post_id").loc["1:200", "author_id"] == "200"


def test_cascades_command_reports_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("1\t100\tnot-a-time\t2\t100:0\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["-w", str(tmp_path / "ws.duckdb"), "cascades", str(bad)])
    assert res.exit_code == 2 and "publish_time" in res.output
