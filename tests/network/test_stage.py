"""The network stage on a small hand-built Weibo campaign, and on an empty workspace."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from brandlab.config import Settings
from brandlab.network import stage
from brandlab.schema import AUTHOR, EDGE, POST
from brandlab.workspace import Workspace

T0 = pd.Timestamp("2024-04-01 09:00", tz="Asia/Shanghai")


def _post(pid: str, author: str, name: str, *, kind: str = "post", parent: str | None = None,
          root: str | None = None, minutes: int = 0, chain: str | None = None, tags: list[str] | None = None,
          mentions: list[str] | None = None) -> dict:
    return {"platform": "weibo", "post_id": pid, "kind": kind, "parent_id": parent, "root_id": root,
            "author_id": author, "author_name": name, "published_at": T0 + pd.Timedelta(minutes=minutes),
            "text": "", "hashtags": tags or [], "mentions": mentions or [], "repost_chain": chain,
            "campaign": "春游"}


@pytest.fixture
def campaign_ws(ws: Workspace) -> Workspace:
    posts = [
        _post("P1", "gov", "某市发布", tags=["春游某市"], mentions=["旅行家"]),
        _post("R1", "kol", "旅行家", kind="repost", parent="P1", root="P1", minutes=10, tags=["春游某市"]),
        _post("R2", "u1", "小明", kind="repost", parent="P1", root="P1", minutes=20, chain="//@旅行家: 去！",
              tags=["春游某市"]),
        _post("R3", "u2", "小红", kind="repost", parent="P1", root="P1", minutes=30,
              chain="//@小明: 好//@旅行家: 去！", tags=["春游某市"]),
        _post("R4", "u3", "阿强", kind="repost", parent="P1", root="P1", minutes=40, chain="//@路人甲: 哈"),
        _post("C1", "u4", "评论者", kind="comment", parent="P1", root="P1", minutes=5),
        _post("C2", "gov", "某市发布", kind="comment", parent="C1", root="P1", minutes=6),
        _post("P2", "kol", "旅行家", minutes=60),
    ]
    authors = [
        {"platform": "weibo", "author_id": "gov", "nickname": "某市发布", "follower_count": 2_000_000,
         "verified": True, "verified_type": "1", "verified_reason": "某市人民政府新闻办公室"},
        {"platform": "weibo", "author_id": "kol", "nickname": "旅行家", "follower_count": 300_000},
        {"platform": "weibo", "author_id": "u1", "nickname": "小明", "follower_count": 50},
    ]
    ws.upsert(pd.DataFrame(posts), POST)
    ws.upsert(pd.DataFrame(authors), AUTHOR)
    ws.upsert(pd.DataFrame([{"platform": "weibo", "src_author_id": "gov", "dst_author_id": "u3", "post_id": "R4",
                             "kind": "repost", "created_at": T0, "resolved": True, "origin": "ingest"}]), EDGE)
    return ws


def test_stage_on_campaign(campaign_ws: Workspace) -> None:
    seen: list[tuple[int, int]] = []
    written = stage.run(campaign_ws, Settings(seed=1), on_progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (6, 6)
    assert set(written) == {s.name for s in stage.OUTPUTS}
    e = campaign_ws.read("graph_edges")
    rep = e[e["kind"] == "repost"]
    r3 = rep[rep["post_id"] == "R3"].sort_values("hop")
    assert r3[["src_id", "dst_id"]].values.tolist() == [["u1", "u2"], ["kol", "u1"], ["gov", "kol"]]
    r4 = rep[rep["post_id"] == "R4"].sort_values("hop")
    assert r4[["src_id", "dst_id", "resolved"]].values.tolist() == [["name:路人甲", "u3", False],
                                                                    ["gov", "name:路人甲", False]]
    assert set(e["kind"]) == {"repost", "reply", "mention", "hashtag"}
    m = campaign_ws.read("cascade_metrics").set_index(["tree", "root_id"])
    # repost tree: P1 <- R1 <- R2 <- R3, P1 <- P1@name:路人甲 (inferred) <- R4
    assert m.loc[("repost", "P1"), ["size", "depth", "max_breadth"]].tolist() == [6, 3, 2]
    assert m.loc[("reply", "P1"), ["size", "depth"]].tolist() == [3, 2]
    # times: repost P1 0/10/20/30/40 min (the inferred hop has none), reply P1 0/5/6 min; the inferred
    # hop's missing time once turned the column into objects and every time metric into NaN
    assert m.loc[("repost", "P1"), ["t50_s", "t90_s", "duration_s"]].tolist() == [1200.0, 2400.0, 2400.0]
    assert m.loc[("reply", "P1"), ["t50_s", "t90_s", "duration_s"]].tolist() == [300.0, 360.0, 360.0]
    growth = campaign_ws.read("cascade_growth")
    assert growth[growth["tree"] == "repost"]["size"].tolist() == [1, 2, 3, 4, 5]
    assert json.loads(m.loc[("repost", "P1"), "repairs"]) == {}
    nodes = campaign_ws.read("cascade_nodes")
    inf = nodes[nodes["inferred"].astype(bool)]
    assert inf["post_id"].tolist() == ["P1@name:路人甲"] and inf["author_id"].tolist() == ["name:路人甲"]
    nm = campaign_ws.read("node_metrics").set_index("node_id")
    assert nm["pagerank"].sum() == pytest.approx(1.0)
    assert nm.loc["gov", "role"] == "official" and nm.loc["kol", "tier"] == "influencer_waist"
    assert nm.loc["gov", "trigger_score"] == 3   # kol, u1, u2 first used #春游某市 within 24h after gov
    assert not nm.loc["name:路人甲", "resolved"]
    mix = campaign_ws.read("role_mix")
    camp = mix[mix["scope"] == "campaign"].set_index("role")["n_accounts"]
    assert camp["official"] == 1 and camp["influencer_waist"] == 1 and camp["ordinary"] == 4
    seeding = campaign_ws.read("seeding")
    assert set(seeding["strategy"]) == {"celf", "observed"}
    celf = seeding[seeding["strategy"] == "celf"].sort_values("k")
    assert celf["expected_reach"].is_monotonic_increasing
    # reproducible: the same seed gives the same tables
    again = stage.run(campaign_ws, Settings(seed=1))
    assert again == written
    pd.testing.assert_frame_equal(campaign_ws.read("seeding").sort_values(["strategy", "k"]).reset_index(drop=True),
                                  seeding.sort_values(["strategy", "k"]).reset_index(drop=True))


def test_stage_on_empty_workspace(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    written = stage.run(ws, Settings())
    assert written and all(v == 0 for v in written.values())
    assert "no posts" in caplog.text
    assert ws.count("node_metrics") == 0


def test_trigger_counts_every_hashtag_above_the_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    posts = pd.DataFrame([_post(f"P{i}", f"u{i}", f"n{i}", minutes=i, tags=["top", "second"][: 1 + (i < 3)])
                          for i in range(5)] + [_post("Q", "v", "v", tags=["rare"])])
    from brandlab.network.build import hashtag_adoptions

    adoptions = hashtag_adoptions(posts)
    monkeypatch.setattr(stage, "MIN_TRIGGER_ADOPTERS", 3)
    counted = stage._campaign_hashtags(posts, adoptions)
    assert set(counted["hashtag"]) == {"top", "second"}          # 'second' has 3 adopters, 'rare' 1
    assert stage._trigger(counted)["u0"] == 4 + 2                  # 4 later adopters of top, 2 of second
    monkeypatch.setattr(stage, "MIN_TRIGGER_ADOPTERS", 4)
    assert set(stage._campaign_hashtags(posts, adoptions)["hashtag"]) == {"top"}


def test_betweenness_sources_follow_the_budget() -> None:
    import numpy as np

    from brandlab.network.influence import AuthorGraph

    def graph(m: int) -> AuthorGraph:
        z = np.broadcast_to(np.int64(0), (m,))  # m edges without allocating them: only g.m is read
        return AuthorGraph(np.array(["a", "b"], dtype=object), z, np.broadcast_to(np.int64(1), (m,)),
                           np.broadcast_to(1.0, (m,)))

    assert stage.betweenness_sources(graph(1000)) == stage.BETWEENNESS_SOURCES            # small: all 256
    assert stage.betweenness_sources(graph(390_000)) == 256
    assert stage.betweenness_sources(graph(2_200_000)) == stage.BETWEENNESS_BUDGET // 2_200_000 == 45
    assert stage.betweenness_sources(graph(50_000_000)) == stage.MIN_BETWEENNESS_SOURCES


def test_author_graph_rejects_missing_ids() -> None:
    from brandlab.network.influence import AuthorGraph

    with pytest.raises(ValueError, match="1 missing source"):
        AuthorGraph.from_edges(["a", None], ["b", "c"])
