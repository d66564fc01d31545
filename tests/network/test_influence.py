"""Influence measures agree with networkx on small graphs; trigger scores stated by hand."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from brandlab.errors import InsufficientDataError
from brandlab.network.communities import community_table, louvain, participation
from brandlab.network.influence import (
    AuthorGraph,
    betweenness,
    components,
    core_numbers,
    degrees,
    pagerank,
    pagerank_igraph,
    trigger_scores,
)


def random_graph(seed: int, n: int = 60, m: int = 200) -> AuthorGraph:
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    return AuthorGraph.from_edges([f"u{i}" for i in src], [f"u{i}" for i in dst], nodes=[f"u{i}" for i in range(n)])


@pytest.mark.parametrize("seed", range(4))
def test_pagerank_matches_networkx(seed: int) -> None:
    g = random_graph(seed)
    ref = nx.pagerank(g.to_networkx(), alpha=0.85, tol=1e-14 / g.n, max_iter=10_000, weight="weight")
    want = np.array([ref[v] for v in g.nodes])
    assert np.abs(pagerank(g) - want).sum() < 1e-9
    assert np.abs(pagerank_igraph(g) - want).sum() < 1e-9


def test_graph_drops_self_loops_and_sums_parallel_edges() -> None:
    g = AuthorGraph.from_edges(["a", "a", "a", "b"], ["b", "b", "a", "c"])
    assert g.m == 2 and sorted(g.weight.tolist()) == [1.0, 2.0]
    d = degrees(g).set_index(pd.Index(g.nodes))
    assert d.loc["b", "in_degree"] == 1 and d.loc["b", "in_weight"] == 2.0 and d.loc["b", "out_degree"] == 1


@pytest.mark.parametrize(("seed", "m"), [(0, 120), (1, 120), (2, 600), (3, 1500)])
def test_core_and_components_match_networkx(seed: int, m: int) -> None:
    g = random_graph(seed, n=80, m=m)
    G = g.to_networkx()
    core = nx.core_number(G.to_undirected())
    assert core_numbers(g).tolist() == [core[v] for v in g.nodes]
    lab = components(g)
    mine = {frozenset(g.nodes[lab == c].tolist()) for c in np.unique(lab)}
    assert mine == {frozenset(c) for c in nx.weakly_connected_components(G)}
    sizes = np.bincount(lab)
    assert (np.diff(sizes) <= 0).all()  # label 0 is the largest component


def test_betweenness_exact_and_sampled() -> None:
    g = random_graph(7, n=40, m=120)
    ref = nx.betweenness_centrality(nx.DiGraph(g.to_networkx()), normalized=True)
    want = np.array([ref[v] for v in g.nodes])
    np.testing.assert_allclose(betweenness(g, k=None), want, atol=1e-12)
    a, b = betweenness(g, k=20, seed=3), betweenness(g, k=20, seed=3)
    np.testing.assert_array_equal(a, b)  # seeded
    assert np.corrcoef(a, want)[0, 1] > 0.7  # a sample of half the sources tracks the exact values


def test_pagerank_empty_graph_raises() -> None:
    with pytest.raises(InsufficientDataError):
        pagerank(AuthorGraph.from_edges([], []))


def planted(seed: int) -> AuthorGraph:
    """Three dense groups of 8 joined by single edges through 'x0' (the bridge)."""
    rng = np.random.default_rng(seed)
    src, dst = [], []
    for c in range(3):
        for i in range(8):
            for j in range(8):
                if i != j and rng.random() < 0.8:
                    src.append(f"c{c}_{i}")
                    dst.append(f"c{c}_{j}")
    for c in range(3):
        src.append("x0")
        dst.append(f"c{c}_0")
    return AuthorGraph.from_edges(src, dst)


def test_louvain_igraph_agrees_with_networkx_and_finds_bridge() -> None:
    g = planted(1)
    a = louvain(g, seed=5)
    b = louvain(g, seed=5, engine="networkx")
    assert np.array_equal(a, louvain(g, seed=5))  # seeded, reproducible

    def parts(lab: np.ndarray) -> set[frozenset[str]]:
        return {frozenset(x for x in g.nodes[lab == c].tolist() if x != "x0") for c in np.unique(lab)} - {frozenset()}
    groups = {frozenset(f"c{c}_{i}" for i in range(8)) for c in range(3)}
    assert parts(a) == groups and parts(b) == groups
    p = participation(g, a)
    x = int(np.flatnonzero(g.nodes == "x0")[0])
    assert p[x] == pytest.approx(2 / 3)  # one tie into each of three communities: 1 - 3 * (1/3)^2
    assert (np.delete(p, x) < 0.5).all()
    t = community_table(g, a, p >= 0.5, pagerank(g))
    assert t["n_members"].sum() == g.n and t["n_bridges"].sum() == 1


def test_trigger_scores_by_hand() -> None:
    t0 = pd.Timestamp("2024-03-01 08:00", tz="Asia/Shanghai")
    a = pd.DataFrame({"hashtag": ["城市", "城市", "城市", "城市", "别的"],
                      "author_id": ["a", "b", "c", "d", "a"],
                      "adopted_at": [t0, t0 + pd.Timedelta(hours=1), t0 + pd.Timedelta(hours=1),
                                     t0 + pd.Timedelta(hours=30), t0 + pd.Timedelta(hours=2)]})
    s = trigger_scores(a, window=pd.Timedelta(hours=24)).set_index(["hashtag", "author_id"])["trigger_score"]
    # a: b and c within 24h (d is 30h later); b and c: nobody strictly after them within 24h but d? 29h -> no
    assert s.to_dict() == {("城市", "a"): 2, ("城市", "b"): 0, ("城市", "c"): 0, ("城市", "d"): 0, ("别的", "a"): 0}
    s2 = trigger_scores(a, window=pd.Timedelta(hours=29)).set_index(["hashtag", "author_id"])["trigger_score"]
    assert s2[("城市", "b")] == 1 and s2[("城市", "a")] == 2
