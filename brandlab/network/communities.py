"""Louvain communities of the author graph and the bridge accounts between them.

Communities are found on the undirected graph (edge weights summed over both directions) by
igraph's multilevel (Louvain) algorithm, seeded: igraph draws from Python's ``random`` module,
so the run is wrapped with a ``random.Random(seed)`` generator and the previous generator is put
back afterwards. ``engine="networkx"`` runs ``networkx.community.louvain_communities`` instead
(same algorithm, pure Python; the tests compare the two).

A bridge account links communities: its participation coefficient
``P = 1 - sum_c (k_c / k)^2`` (k_c = weight of its edges into community c, k = all its weight) is
at least ``bridge_threshold`` (0.5 = at least half its ties, spread evenly, leave its community).
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd

from brandlab.network.influence import AuthorGraph


def _undirected(g: AuthorGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = np.minimum(g.src, g.dst)
    b = np.maximum(g.src, g.dst)
    key = a * max(g.n, 1) + b
    order = np.argsort(key, kind="stable")
    ks = key[order]
    first = np.ones(len(ks), dtype=bool)
    first[1:] = ks[1:] != ks[:-1]
    uk = ks[first]
    w = np.add.reduceat(g.weight[order], np.flatnonzero(first)) if len(ks) else np.zeros(0)
    return uk // max(g.n, 1), uk % max(g.n, 1), w


def louvain(g: AuthorGraph, *, seed: int = 0, resolution: float = 1.0, engine: str = "igraph") -> np.ndarray:
    """Community label per node (labels numbered by decreasing community size)."""
    if g.n == 0:
        return np.zeros(0, dtype=np.int64)
    if engine == "networkx":
        import networkx as nx

        comms = nx.community.louvain_communities(g.to_networkx().to_undirected(), weight="weight",
                                                 resolution=resolution, seed=seed)
        index = {v: i for i, v in enumerate(g.nodes.tolist())}
        lab = np.empty(g.n, dtype=np.int64)
        for c, members in enumerate(comms):
            lab[[index[v] for v in members]] = c
    elif engine == "igraph":
        import igraph as ig

        a, b, w = _undirected(g)
        u = ig.Graph(n=g.n, edges=np.column_stack((a, b)), directed=False)
        previous: Any = random.getstate()
        ig.set_random_number_generator(random.Random(seed))
        try:
            part = u.community_multilevel(weights=w.tolist(), resolution=resolution)
        finally:
            ig.set_random_number_generator(random)
            random.setstate(previous)
        lab = np.asarray(part.membership, dtype=np.int64)
    else:
        raise ValueError(f"engine must be 'igraph' or 'networkx', got {engine!r}")
    sizes = np.bincount(lab)
    rank = np.empty_like(sizes)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
    return rank[lab]


def participation(g: AuthorGraph, community: np.ndarray) -> np.ndarray:
    """Participation coefficient of each node over the undirected weighted graph (0 for isolated nodes)."""
    a, b, w = _undirected(g)
    node = np.concatenate((a, b))
    other = community[np.concatenate((b, a))]
    ww = np.concatenate((w, w))
    k = np.bincount(node, weights=ww, minlength=g.n)
    pair = pd.DataFrame({"node": node, "c": other, "w": ww}).groupby(["node", "c"], sort=False)["w"].sum()
    frac2 = (pair.to_numpy() / k[pair.index.get_level_values(0).to_numpy()]) ** 2
    s = np.bincount(pair.index.get_level_values(0).to_numpy(), weights=frac2, minlength=g.n)
    return np.where(k > 0, 1.0 - s, 0.0)


def community_table(g: AuthorGraph, community: np.ndarray, is_bridge: np.ndarray,
                    pagerank: np.ndarray | None = None) -> pd.DataFrame:
    """One row per community: size, internal and external edge weight, bridges, top node by PageRank."""
    c = community
    k = int(c.max()) + 1 if len(c) else 0
    inside = c[g.src] == c[g.dst]
    internal = np.bincount(c[g.src][inside], weights=g.weight[inside], minlength=k)
    external = np.bincount(c[g.src][~inside], weights=g.weight[~inside], minlength=k) + \
        np.bincount(c[g.dst][~inside], weights=g.weight[~inside], minlength=k)
    out = pd.DataFrame({"community": np.arange(k), "n_members": np.bincount(c, minlength=k),
                        "internal_weight": internal, "external_weight": external,
                        "n_bridges": np.bincount(c[is_bridge], minlength=k)})
    if pagerank is not None and k:
        order = np.lexsort((-pagerank, c))
        first = np.ones(len(order), dtype=bool)
        first[1:] = c[order][1:] != c[order][:-1]
        top = pd.Series(g.nodes[order[first]], index=c[order[first]])
        out["top_node_id"] = out["community"].map(top).astype("string")
    else:
        out["top_node_id"] = pd.Series([None] * k, dtype="string")
    return out
