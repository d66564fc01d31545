"""Issue 7 on the demo campaign: its two hashtags compared, and a triad whose every score links
back to post ids that exist in the workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from brandlab.compare.api import compare_sides
from brandlab.config import Settings
from brandlab.workspace import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_copy(demo_workspace: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "demo.duckdb"
    shutil.copy2(demo_workspace, dest)
    return dest


def test_demo_hashtags_compared(demo_copy: Path) -> None:
    with Workspace(demo_copy) as ws:
        res = compare_sides(ws, "#成都好young#", "#雪山下的公园城市#", settings=Settings(n_boot=200))
    v = res.verdict.set_index("test")
    assert {"mann_whitney_authors", "median_ratio", "nb_rate_ratio", "platform mix",
            "positive share", "mann_whitney_size"} <= set(v.index)
    assert (v["p_adjusted"].dropna() >= v["p_value"].dropna() - 1e-12).all()
    assert res.details["engagement_summary"]["n"].min() > 100
    assert len(res.details["keywords"]) > 0


def test_demo_triad_scores_link_to_posts(demo_copy: Path) -> None:
    with Workspace(demo_copy) as ws:
        scores = ws.read("triad_scores")
        evidence = ws.read("triad_evidence")
        post_keys = set(map(tuple, ws.sql("SELECT platform, post_id FROM posts").to_numpy().tolist()))
    assert {"brand", "content", "channel", "coherence"} <= set(scores["part"])
    for campaign in ("#成都好young#", "#雪山下的公园城市#"):
        mine = scores[(scores["campaign"] == campaign) & scores["score"].notna()]
        assert len(mine) >= 8, campaign
        for row in mine.itertuples():
            ev = evidence[(evidence["campaign"] == campaign) & (evidence["part"] == row.part)
                          & (evidence["component"] == row.component)]
            assert len(ev) > 0, (campaign, row.part, row.component)
            assert set(map(tuple, ev[["platform", "post_id"]].to_numpy().tolist())) <= post_keys
