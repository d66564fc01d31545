"""Influence on the author graph: PageRank, degrees, k-core, components, sampled betweenness,
and the hashtag adoption-trigger score.

The graph is an :class:`AuthorGraph` (integer edge arrays over a node-id index, self-loops
dropped, parallel edges summed into weights). networkx is the reference API
(:meth:`AuthorGraph.to_networkx`); the heavy lifting runs on numpy/scipy.sparse (PageRank, k-core,
components) and python-igraph (sampled betweenness, PRPACK PageRank, Louvain), and tests check that
the results agree with networkx on graphs small enough for it.

PageRank tolerance. networkx stops when the L1 change of the rank vector is below ``N * tol``
(tol = 1e-6): the allowed error grows with the graph, so on a million accounts it may stop with
the whole probability mass (L1 = 1) still unsettled and the top of the ranking not yet stable.
:func:`pagerank` stops on an *absolute* L1 change ``tol`` (default 1e-10), whatever N is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from brandlab.errors import InsufficientDataError, format_message
from brandlab.network.ids import encode_ids

#: default absolute L1 tolerance of the PageRank power iteration (see the module docstring)
PAGERANK_TOL = 1e-10
#: default window of the adoption-trigger score
DEFAULT_WINDOW = pd.Timedelta(hours=24)


@dataclass(frozen=True)
class AuthorGraph:
    """A weighted directed graph: ``nodes[src[i]] -> nodes[dst[i]]`` with ``weight[i]``."""

    nodes: np.ndarray   # object array of node ids
    src: np.ndarray     # int64
    dst: np.ndarray     # int64
    weight: np.ndarray  # float64

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def m(self) -> int:
        return len(self.src)

    @classmethod
    def from_edges(cls, src: Any, dst: Any, weight: Any = None, nodes: Any = None) -> AuthorGraph:
        """Build from id sequences; self-loops are dropped and parallel edges summed."""
        extra = pd.Series([] if nodes is None else [str(x) for x in nodes], dtype=object)
        (cs, cd, _), uniq = encode_ids([src, dst, extra])  # Arrow hashing; same first-appearance order
        if (cs < 0).any() or (cd < 0).any():
            raise ValueError(format_message("an author graph edge has no account id",
                                            found=f"{int((cs < 0).sum())} missing source and "
                                                  f"{int((cd < 0).sum())} missing target id(s)",
                                            fix="drop edges whose src_id or dst_id is null"))
        w = np.ones(len(cs)) if weight is None else np.asarray(weight, dtype=float)
        keep = cs != cd
        return cls.from_codes(np.asarray(uniq.to_numpy(zero_copy_only=False), dtype=object), cs[keep], cd[keep],
                              w[keep])

    @classmethod
    def from_codes(cls, nodes: np.ndarray, src: np.ndarray, dst: np.ndarray,
                   weight: np.ndarray | None = None) -> AuthorGraph:
        """Build from integer arrays (self-loops dropped, parallel edges summed)."""
        n = len(nodes)
        w = np.ones(len(src)) if weight is None else np.asarray(weight, dtype=float)
        keep = src != dst
        a = sp.coo_matrix((w[keep], (src[keep], dst[keep])), shape=(n, n)).tocsr()
        a.sum_duplicates()
        coo = a.tocoo()
        return cls(nodes, coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(float))

    def adjacency(self) -> sp.csr_matrix:
        return sp.csr_matrix((self.weight, (self.src, self.dst)), shape=(self.n, self.n))

    def to_networkx(self) -> Any:
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self.nodes.tolist())
        g.add_weighted_edges_from(zip(self.nodes[self.src].tolist(), self.nodes[self.dst].tolist(),
                                      self.weight.tolist(), strict=True))
        return g

    def to_igraph(self, *, weighted: bool = True) -> Any:
        """The igraph Graph (edge attribute ``weight``).

        python-igraph converts the edge list pair by pair in Python (about 1 us per edge, measured:
        ~1 s per million edges whether given a numpy array or a list), so on big graphs building it
        costs more than PRPACK's solve; :func:`pagerank` (numpy/scipy) is the default for that reason.
        """
        import igraph as ig

        g = ig.Graph(n=self.n, edges=np.column_stack((self.src, self.dst)).tolist(), directed=True)
        if weighted:
            g.es["weight"] = self.weight.tolist()
        return g


def pagerank(g: AuthorGraph, *, damping: float = 0.85, tol: float = PAGERANK_TOL, max_iter: int = 1000,
             weighted: bool = True) -> np.ndarray:
    """PageRank by power iteration on a sparse matrix until the L1 change is below ``tol`` (absolute).

    Dangling nodes spread their rank uniformly, as in networkx. Raises InsufficientDataError on an
    empty graph and RuntimeError if ``max_iter`` is reached.
    """
    n = g.n
    if n == 0:
        raise InsufficientDataError(format_message("PageRank needs a graph with at least one node",
                                                   found="an empty author graph",
                                                   fix="ingest reposts, replies or mentions first"))
    w = g.weight if weighted else np.ones(g.m)
    out = np.bincount(g.src, weights=w, minlength=n)
    dangling = out == 0
    inv = np.divide(1.0, out, out=np.zeros(n), where=~dangling)
    # column-stochastic transpose: x_new[dst] += x[src] * w / out[src]
    mt = sp.csr_matrix((w * inv[g.src], (g.dst, g.src)), shape=(n, n))
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        dang = x[dangling].sum()
        x_new = damping * (mt @ x) + (damping * dang + 1.0 - damping) / n
        x_new /= x_new.sum()
        err = np.abs(x_new - x).sum()
        x = x_new
        if err < tol:
            return np.asarray(x, dtype=np.float64)
    raise RuntimeError(f"PageRank did not reach L1 change {tol} within {max_iter} iterations")


def pagerank_igraph(g: AuthorGraph, *, damping: float = 0.85, weighted: bool = True,
                    graph: Any = None) -> np.ndarray:
    """PageRank by igraph's PRPACK solver (solves the linear system directly; no tolerance to tune).

    ``graph`` is ``g.to_igraph()`` when already built (the build dominates on big graphs).
    """
    ig = g.to_igraph() if graph is None else graph
    return np.asarray(ig.pagerank(damping=damping, weights="weight" if weighted else None,
                                  implementation="prpack"))


def degrees(g: AuthorGraph) -> pd.DataFrame:
    """In/out degree (distinct neighbours) and weighted in/out degree per node."""
    n = g.n
    return pd.DataFrame({
        "in_degree": np.bincount(g.dst, minlength=n), "out_degree": np.bincount(g.src, minlength=n),
        "in_weight": np.bincount(g.dst, weights=g.weight, minlength=n),
        "out_weight": np.bincount(g.src, weights=g.weight, minlength=n)})


def core_numbers(g: AuthorGraph) -> np.ndarray:
    """k-core number of each node in the undirected simple graph (as networkx.core_number on G.to_undirected()).

    Batch peeling with numpy: phase k removes, round after round, every remaining node whose degree
    is below k (their core number is k - 1) and lowers their neighbours' degrees; the next phase
    starts at the smallest remaining degree + 1. The Python loop runs once per round, not per node.
    """
    n = g.n
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = np.minimum(g.src, g.dst), np.maximum(g.src, g.dst)
    upper = sp.csr_matrix((np.ones(len(lo), dtype=np.int32), (lo, hi)), shape=(n, n))
    upper.sum_duplicates()  # simple graph: parallel and reciprocal edges count once
    adj = (upper + upper.T).tocsr()
    indptr, indices = adj.indptr.astype(np.int64), adj.indices.astype(np.int64)
    deg = np.diff(indptr)
    core = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    remaining = n
    k = 1
    while remaining:
        k = max(k, int(deg[alive].min()) + 1)
        frontier = np.flatnonzero(alive & (deg < k))
        while len(frontier):
            alive[frontier] = False
            core[frontier] = k - 1
            remaining -= len(frontier)
            starts = indptr[frontier]
            cnt = indptr[frontier + 1] - starts
            tot = int(cnt.sum())
            if not tot:
                break
            nbrs = indices[np.repeat(starts - np.cumsum(cnt) + cnt, cnt) + np.arange(tot)]
            deg -= np.bincount(nbrs, minlength=n)
            frontier = np.flatnonzero(alive & (deg < k))
        k += 1
    return core


def components(g: AuthorGraph) -> np.ndarray:
    """Weakly connected component label of each node (labels numbered by decreasing size)."""
    if g.n == 0:
        return np.zeros(0, dtype=np.int64)
    from scipy.sparse.csgraph import connected_components

    _, lab = connected_components(g.adjacency(), directed=True, connection="weak")
    sizes = np.bincount(lab)
    rank = np.empty_like(sizes)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
    return np.asarray(rank[lab], dtype=np.int64)


def betweenness(g: AuthorGraph, *, k: int | None = 256, seed: int = 0) -> np.ndarray:
    """Directed, unweighted betweenness, normalised as networkx does; sampled from ``k`` sources.

    With ``k`` sources drawn by a seeded numpy Generator the estimate is scaled by ``n / k`` (the
    estimator networkx's ``betweenness_centrality(k=...)`` uses); ``k=None`` or ``k >= n`` is exact.
    """
    n = g.n
    if n < 3:
        return np.zeros(n)
    ig = g.to_igraph(weighted=False)
    if k is None or k >= n:
        raw = np.asarray(ig.betweenness(directed=True), dtype=float)
    else:
        sources = np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))
        raw = np.asarray(ig.betweenness(directed=True, sources=sources.tolist()), dtype=float) * n / k
    return raw / ((n - 1) * (n - 2))


def trigger_scores(adoptions: pd.DataFrame, *, window: pd.Timedelta = DEFAULT_WINDOW) -> pd.DataFrame:
    """For each account and hashtag, how many accounts first used the hashtag within ``window`` after it did.

    A timing signal, not observed influence: the later adopters may have seen the hashtag anywhere.
    The stage sums it over each campaign's counted hashtags (``brandlab.network.stage``).

    ``adoptions`` has hashtag, author_id, adopted_at (one row per account and hashtag, the first use).
    Accounts adopting at the very same instant are not counted. Returns hashtag, author_id, trigger_score.
    """
    cols = ["hashtag", "author_id", "trigger_score"]
    if not len(adoptions):
        return pd.DataFrame({c: [] for c in cols})
    a = adoptions.sort_values(["hashtag", "adopted_at"], kind="stable").reset_index(drop=True)
    t = a["adopted_at"].to_numpy(dtype="datetime64[ns]").astype(np.int64) // 10**9  # whole seconds
    w = int(window.total_seconds())
    h, _ = pd.factorize(a["hashtag"])
    # offset hashtags far apart on one line so that one searchsorted serves all of them
    span = int(t.max() - t.min()) + w + 1
    key = (h.astype(np.int64) * span) + (t - t.min())
    lo = np.searchsorted(key, key, side="right")
    hi = np.searchsorted(key, key + w, side="right")
    return pd.DataFrame({"hashtag": a["hashtag"], "author_id": a["author_id"], "trigger_score": hi - lo})
