"""Cascade metrics on hand-built trees (stated by hand) and against networkx on random trees."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from brandlab.network.cascades import cascade_metrics, forest_metrics


def tree(edges: list[tuple[str, str]], root: str, times: dict[str, float] | None = None) -> pd.DataFrame:
    nodes = [root] + [c for _, c in edges]
    parent = {c: p for p, c in edges}
    return pd.DataFrame({"post_id": nodes, "parent_id": [parent.get(v) for v in nodes], "root_id": root,
                         "published_at": [(times or {}).get(v, float(i)) for i, v in enumerate(nodes)]})


# by hand: chain of 5 (a-b-c-d-e): depth 4, breadth 1, W = 1+2+3+4 + 1+2+3 + 1+2 + 1 = 20, v = 2*20/20 = 2.0
# star with 4 leaves: depth 1, breadth 4, W = 4*1 + C(4,2)*2 = 16, v = 32/20 = 1.6
# two-level tree r-(a,b), a-(c,d), b-(e): depth 2, breadth 3 (c,d,e);
#   edge subtree sizes a:3, b:2, c:1, d:1, e:1 -> W = 3*3 + 2*4 + 3*(1*5) = 32, v = 64/30
HAND = [
    ("chain", [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")], "a", 5, 4, 1, 20, 2.0),
    ("star", [("r", x) for x in "abcd"], "r", 5, 1, 4, 16, 1.6),
    ("two_level", [("r", "a"), ("r", "b"), ("a", "c"), ("a", "d"), ("b", "e")], "r", 6, 2, 3, 32, 64 / 30),
]


@pytest.mark.parametrize(("name", "edges", "root", "size", "depth", "breadth", "wiener", "virality"), HAND,
                         ids=[h[0] for h in HAND])
def test_hand_built(name: str, edges: list[tuple[str, str]], root: str, size: int, depth: int, breadth: int,
                    wiener: int, virality: float) -> None:
    m = cascade_metrics(tree(edges, root)).metrics.iloc[0]
    assert (m["size"], m["depth"], m["max_breadth"], m["wiener_index"]) == (size, depth, breadth, wiener)
    assert m["structural_virality"] == pytest.approx(virality, rel=0, abs=1e-12)
    assert m["n_repairs"] == 0 and json.loads(m["repairs"]) == {}


def test_lone_root_and_several_cascades_at_once() -> None:
    star = [(p, "s" + c) for p, c in HAND[1][1]]  # node ids must differ from the chain's
    df = pd.concat([tree(HAND[0][1], "a"), tree([], "solo"), tree(star, "r")], ignore_index=True)
    m = cascade_metrics(df).metrics.set_index("root_id")
    assert m.loc["solo", "size"] == 1 and m.loc["solo", "max_breadth"] == 1 and m.loc["solo", "depth"] == 0
    assert np.isnan(m.loc["solo", "structural_virality"])
    assert m.loc["a", "wiener_index"] == 20 and m.loc["r", "wiener_index"] == 16


def test_times_growth_and_percentiles() -> None:
    # root at 0, then nodes at 10, 20, ..., 90 seconds: 10 nodes
    edges = [("r", f"n{i}") for i in range(1, 10)]
    times = {"r": 0.0, **{f"n{i}": 10.0 * i for i in range(1, 10)}}
    res = cascade_metrics(tree(edges, "r", times))
    m = res.metrics.iloc[0]
    assert m["t50_s"] == 40.0       # 5th of 10 nodes
    assert m["t90_s"] == 80.0       # 9th of 10
    assert m["duration_s"] == 90.0
    assert res.growth["size"].tolist() == list(range(1, 11))
    assert res.growth["elapsed_s"].tolist() == [10.0 * i for i in range(10)]
    # datetimes work the same
    d = tree(edges, "r", times)
    d["published_at"] = pd.Timestamp("2024-05-01", tz="Asia/Shanghai") + pd.to_timedelta(d["published_at"], unit="s")
    assert cascade_metrics(d).metrics.iloc[0]["t90_s"] == 80.0


def test_growth_thinned_to_points() -> None:
    edges = [("r", f"n{i}") for i in range(1, 1000)]
    res = cascade_metrics(tree(edges, "r"), growth_points=50)
    assert len(res.growth) == 50 and res.growth["size"].iloc[-1] == 1000


def test_repairs_are_made_and_reported() -> None:
    df = pd.DataFrame({
        "post_id": ["x", "y", "z", "w", "y", "q", "q2", "s"],
        "parent_id": ["y", "z", "y", "gone", None, "q2", "q", "s"],
        "root_id": ["R", "R", "R", "R", "R", "S", "S", "R"],
        "published_at": [1, 2, 3, 4, 5, 6, 7, 8]})
    res = cascade_metrics(df)
    kinds = res.repairs.groupby("repair").size().to_dict()
    assert kinds == {"duplicate": 1, "missing_root": 2, "missing_parent": 1, "cycle": 2, "self_parent": 1}
    m = res.metrics.set_index("root_id")
    # R (virtual) <- y <- {x, z}; R <- w (parent 'gone' missing); R <- s (self-parent)
    assert m.loc["R", "size"] == 6 and m.loc["R", "depth"] == 2
    assert json.loads(m.loc["R", "repairs"]) == {"cycle": 1, "duplicate": 1, "missing_parent": 1,
                                                 "missing_root": 1, "self_parent": 1}
    assert m.loc["S", "size"] == 3 and m.loc["S", "depth"] == 2
    assert res.nodes["virtual"].sum() == 2
    assert res.nodes["node"].is_unique


def test_input_not_mutated() -> None:
    df = tree(HAND[2][1], "r")
    before = df.copy()
    cascade_metrics(df)
    pd.testing.assert_frame_equal(df, before)


def _random_tree(n: int, rng: np.random.Generator) -> np.ndarray:
    """Random recursive tree (each node's parent uniform among earlier nodes), relabelled at random."""
    parent = np.array([-1] + [int(rng.integers(0, i)) for i in range(1, n)])
    perm = rng.permutation(n)
    out = np.full(n, -1)
    out[perm] = np.where(parent >= 0, perm[np.maximum(parent, 0)], -1)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_linear_virality_equals_networkx_all_pairs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 120))
    parent = _random_tree(n, rng)
    m, _ = forest_metrics(parent)
    g = nx.Graph([(i, int(p)) for i, p in enumerate(parent) if p >= 0])
    assert m["wiener_index"].iloc[0] == nx.wiener_index(g)
    assert m["structural_virality"].iloc[0] == pytest.approx(nx.average_shortest_path_length(g), rel=1e-12)
    root = int(np.flatnonzero(parent < 0)[0])
    lengths = nx.single_source_shortest_path_length(g, root)
    assert m["depth"].iloc[0] == max(lengths.values())
    assert m["max_breadth"].iloc[0] == max(np.bincount(list(lengths.values())))


def test_deep_chain_is_exact() -> None:
    n = 3000
    parent = np.arange(-1, n - 1)
    m, arr = forest_metrics(parent)
    assert m["depth"].iloc[0] == n - 1
    assert m["wiener_index"].iloc[0] == (n - 1) * n * (n + 1) // 6
    assert arr.size[0] == n
