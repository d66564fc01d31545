"""Account roles, what-if seeding and the DeepHawkes reader."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from brandlab.errors import ExportFormatError, InsufficientDataError
from brandlab.network.cascades import cascade_metrics
from brandlab.network.deephawkes import parse_deephawkes, read_deephawkes
from brandlab.network.influence import AuthorGraph
from brandlab.network.roles import TierThresholds, classify_roles, role_mix
from brandlab.network.simulate import (
    candidates,
    celf,
    celf_on,
    edge_probabilities,
    expected_spread,
    sample_live_edges,
    spread_curve,
)
from brandlab.schema import AccountRole


@pytest.mark.parametrize(("nickname", "vtype", "reason", "followers", "role", "tier"), [
    ("杭州发布", "1", "杭州市人民政府新闻办公室官方微博", 3_000_000, "official", "influencer_head"),
    ("某县文旅", None, None, 500, "official", "ordinary"),
    ("平安某市", "7", "某市公安局官方微博", 80_000, "official", "influencer_tail"),
    ("共青团某省委", None, "", 5_000_000, "official", "influencer_head"),
    ("1818黄金眼", "3", "浙江电视台民生休闲频道", 9_000_000, "media", "influencer_head"),
    ("某某日报", None, None, 20_000, "media", "influencer_tail"),
    ("旅行博主小A", "0", "旅游博主", 1_000_000, "influencer_head", "influencer_head"),
    ("美食家", None, None, 999_999, "influencer_waist", "influencer_waist"),
    ("路人", None, None, 100_000, "influencer_waist", "influencer_waist"),
    ("路人乙", None, None, 9_999, "ordinary", "ordinary"),
    ("无数据", None, None, None, "ordinary", "ordinary"),
])
def test_roles(nickname: str, vtype: str | None, reason: str | None, followers: int | None, role: str,
               tier: str) -> None:
    a = pd.DataFrame({"author_id": ["1"], "nickname": [nickname], "verified_type": [vtype],
                      "verified_reason": [reason], "follower_count": pd.array([followers], dtype="Int64")})
    out = classify_roles(a).iloc[0]
    assert (out["role"], out["tier"]) == (role, tier)
    assert out["role"] in {r.value for r in AccountRole}


def test_configurable_thresholds_and_mix() -> None:
    a = pd.DataFrame({"author_id": ["a", "b", "c"], "nickname": ["x", "y", "z"],
                      "follower_count": [500, 5_000, 50_000]})
    out = classify_roles(a, TierThresholds(head=10_000, waist=1_000, tail=100))
    assert out["tier"].tolist() == ["influencer_tail", "influencer_waist", "influencer_head"]
    with pytest.raises(ValueError, match="head > waist > tail"):
        TierThresholds(head=10, waist=100, tail=1)
    acc = pd.DataFrame({"campaign": ["c1", "c1", "c1", "c2"], "author_id": ["a", "b", "a", "zz"]})
    mix = role_mix(acc, out, scope="campaign", by="campaign").set_index(["scope_id", "role"])
    assert mix.loc[("c1", "influencer_tail"), "n_accounts"] == 1 and mix.loc[("c1", "influencer_tail"), "share"] == 0.5
    assert mix.loc[("c2", "ordinary"), "share"] == 1.0  # unknown account counts as ordinary


def test_edge_probabilities_smoothed() -> None:
    e = pd.DataFrame({"src_id": ["a", "a", "a", "b"], "dst_id": ["b", "b", "c", "b"], "post_id": ["1", "2", "3", "4"]})
    p = edge_probabilities(e, pd.Series({"a": 4})).set_index(["src", "dst"])
    assert p.loc[("a", "b"), "p"] == pytest.approx((2 + 1) / (4 + 2))
    assert p.loc[("a", "c"), "p"] == pytest.approx((1 + 1) / (4 + 2))
    assert ("b", "b") not in p.index  # self-reposts carry no spread


def test_spread_on_certain_edges_is_exact() -> None:
    # a -> b -> c with p = 1, d -> e with p = 0
    g = AuthorGraph.from_edges(["a", "b", "d"], ["b", "c", "e"])
    p = np.array([1.0 if g.nodes[s] != "d" else 0.0 for s in g.src])
    live = sample_live_edges(g, p, 50, np.random.default_rng(0))
    idx = {v: i for i, v in enumerate(g.nodes.tolist())}
    assert expected_spread(live, np.array([idx["a"]])) == (3.0, 0.0)
    assert expected_spread(live, np.array([idx["d"]])) == (1.0, 0.0)
    chosen = celf(g, p, 2, n_sim=50, seed=0)
    assert chosen["node_id"].tolist()[0] == "a"
    assert chosen["expected_reach"].tolist() == [3.0, 4.0]  # then any other account adds itself


def test_celf_reproducible_and_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    n, m = 40, 120
    g = AuthorGraph.from_edges(rng.integers(0, n, m).astype(str), rng.integers(0, n, m).astype(str))
    p = rng.uniform(0.05, 0.5, g.m)
    a = celf(g, p, 3, n_sim=100, seed=9)
    pd.testing.assert_frame_equal(a, celf(g, p, 3, n_sim=100, seed=9))
    # greedy on the same live-edge samples, by brute force
    live = sample_live_edges(g, p, 100, np.random.default_rng(9))
    cands = [v for v in range(g.n) if (g.src == v).any()]
    chosen: list[int] = []
    for _ in range(3):
        best = max((v for v in cands if v not in chosen),
                   key=lambda v: (expected_spread(live, np.array(chosen + [v]))[0], -v))
        chosen.append(best)
    assert a["expected_reach"].iloc[-1] == pytest.approx(expected_spread(live, np.array(chosen))[0])
    assert (np.diff(a["marginal_gain"]) <= 1e-12).all()  # submodular: gains do not grow


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_condensed_spread_matches_networkx_per_run(seed: int) -> None:
    # the SCC-condensed search gives each run's reach exactly, also when restricted to the sources
    rng = np.random.default_rng(seed)
    n, m, n_sim = 30, 90, 20
    g = AuthorGraph.from_edges(rng.integers(0, n, m).astype(str), rng.integers(0, n, m).astype(str))
    p = rng.uniform(0.2, 0.9, g.m)
    seeds = np.array([0, 3])
    draws = np.random.default_rng(7).random((n_sim, g.m)) < p[None, :]
    want = []
    for r in range(n_sim):
        h = nx.DiGraph()
        h.add_nodes_from(range(g.n))
        h.add_edges_from(zip(g.src[draws[r]].tolist(), g.dst[draws[r]].tolist(), strict=True))
        want.append(len(set().union(*(nx.descendants(h, int(s)) | {int(s)} for s in seeds))))
    for sources in (None, seeds):
        live = sample_live_edges(g, p, n_sim, np.random.default_rng(7), sources=sources)
        assert expected_spread(live, seeds) == pytest.approx((np.mean(want), np.std(want, ddof=1)))
        assert spread_curve(live, seeds)[-1] == pytest.approx(expected_spread(live, seeds))


def test_celf_on_a_wider_sample_matches_celf() -> None:
    # the stage draws one sample for CELF and the observed starters; extra sources change nothing
    rng = np.random.default_rng(4)
    g = AuthorGraph.from_edges(rng.integers(0, 60, 150).astype(str), rng.integers(0, 60, 150).astype(str))
    p = rng.uniform(0.05, 0.6, g.m)
    cand = candidates(g, p, 10)
    wide = sample_live_edges(g, p, 40, np.random.default_rng(5), sources=np.arange(g.n))
    pd.testing.assert_frame_equal(celf_on(wide, g, cand, 4), celf(g, p, 4, n_sim=40, seed=5, max_candidates=10))


def test_celf_needs_edges() -> None:
    with pytest.raises(InsufficientDataError):
        celf(AuthorGraph.from_edges([], []), np.array([]), 3)


def test_deephawkes_fixture(fixtures_dir: Path) -> None:
    d = read_deephawkes(fixtures_dir / "network" / "deephawkes_small.txt")
    assert d.groupby("cascade_id").size().to_dict() == d.groupby("cascade_id")["declared_size"].first().to_dict()
    m = cascade_metrics(d, node="node", parent="parent", root="root").metrics.set_index("root_id")
    # cascade 1: 100 -> 200 -> 300, 100 -> 400; cascade 3 is a chain of 5
    assert m.loc["1:100", ["size", "depth", "max_breadth", "wiener_index"]].tolist() == [4, 2, 2, 10]
    assert m.loc["1:100", "duration_s"] == 600 and m.loc["1:100", "t50_s"] == 60
    assert m.loc["3:50", ["depth", "max_breadth", "wiener_index"]].tolist() == [4, 1, 20]
    assert str(d["published_at"].dt.tz) == "Asia/Shanghai"


@pytest.mark.parametrize(("line", "column"), [
    ("1\t100\tnot-a-time\t2\t100:0 100/2:5", "publish_time"),
    ("1\t100\t1464710400\tx\t100:0", "size"),
    ("1\t100\t1464710400\t2\t100:0 100/2", "path"),
    ("1\t100\t1464710400\t2\t100:0 100//2:5", "path"),
    ("1\t100\t1464710400", "line"),
])
def test_deephawkes_errors_name_line_and_field(line: str, column: str) -> None:
    with pytest.raises(ExportFormatError) as err:
        parse_deephawkes(["1\t7\t1464710400\t1\t7:0", line], source="c.txt")
    assert err.value.row == 2 and err.value.column == column and "c.txt" in str(err.value)


def test_deephawkes_duplicates_and_missing_root() -> None:
    d = parse_deephawkes(["9\t1\t0\t3\t1/2:5 1/2:9 1/2/3:7"])
    assert sorted(d["user_id"]) == ["1", "2", "3"]  # root added, duplicate user kept once (first path)
    assert d.set_index("user_id").loc["2", "delay_s"] == 5
