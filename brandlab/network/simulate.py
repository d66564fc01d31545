"""What-if seeding: independent-cascade simulation and CELF greedy choice of seed accounts.

Edge probabilities are estimated from observed reposts: for an edge src -> dst,
``p = (r + alpha) / (n_src + alpha + beta)`` where ``r`` is the number of posts of src that dst
passed on (repost hops in the graph) and ``n_src`` the number of src's posts in the data (at
least ``r``); ``alpha = beta = 1`` is Laplace smoothing. Only observed pairs get an edge.

Simulation uses the live-edge view of the independent-cascade model: each of ``n_sim`` runs keeps
every edge with its probability (one seeded :class:`numpy.random.Generator` draws them all at
once); a seed set's spread in a run is the number of accounts reachable from it. All runs form one
disjoint union graph, so a breadth-first search over it is a handful of numpy calls per level.
The same live-edge samples serve every candidate (common random numbers), which keeps the
spread function monotone and submodular on the sample, so CELF's lazy evaluation is exact.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd

from brandlab.errors import InsufficientDataError, format_message
from brandlab.network.influence import AuthorGraph


def edge_probabilities(repost_edges: pd.DataFrame, posts_per_account: pd.Series | None = None, *,
                       alpha: float = 1.0, beta: float = 1.0) -> pd.DataFrame:
    """src, dst, reposts, n_src, p from repost edges (src_id, dst_id, post_id) and posts per account."""
    e = repost_edges[repost_edges["src_id"] != repost_edges["dst_id"]]
    if not len(e):
        return pd.DataFrame({"src": [], "dst": [], "reposts": [], "n_src": [], "p": []})
    r = e.drop_duplicates(["src_id", "dst_id", "post_id"]).groupby(["src_id", "dst_id"]).size()
    out = r.rename("reposts").reset_index().rename(columns={"src_id": "src", "dst_id": "dst"})
    seen = out.groupby("src")["reposts"].transform("max")
    n_src = out["src"].map(posts_per_account).fillna(0) if posts_per_account is not None else 0
    out["n_src"] = np.maximum(n_src, seen).astype(np.int64)
    out["p"] = (out["reposts"] + alpha) / (out["n_src"] + alpha + beta)
    return out


@dataclass(frozen=True)
class LiveEdges:
    """``n_sim`` live-edge samples over ``n`` nodes as one CSR graph of ``n * n_sim`` nodes."""

    n: int
    n_sim: int
    indptr: np.ndarray
    indices: np.ndarray


def sample_live_edges(g: AuthorGraph, p: np.ndarray, n_sim: int, rng: np.random.Generator) -> LiveEdges:
    """Draw every edge of every run at once: run r keeps edge i when U[r, i] < p[i]."""
    live = rng.random((n_sim, g.m)) < p[None, :]
    run, e = np.nonzero(live)
    src = run.astype(np.int64) * g.n + g.src[e]
    dst = run.astype(np.int64) * g.n + g.dst[e]
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(g.n * n_sim + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=g.n * n_sim), out=indptr[1:])
    return LiveEdges(g.n, n_sim, indptr, dst[order])


def _reach(live: LiveEdges, start: np.ndarray, visited: np.ndarray) -> np.ndarray:
    """Mark everything reachable from ``start`` (global node indices) in ``visited``; return the newly marked."""
    frontier = start[~visited[start]]
    visited[frontier] = True
    new = [frontier]
    while len(frontier):
        s = live.indptr[frontier]
        cnt = live.indptr[frontier + 1] - s
        tot = int(cnt.sum())
        if not tot:
            break
        offs = np.repeat(s - np.cumsum(cnt) + cnt, cnt) + np.arange(tot)
        nxt = pd.unique(live.indices[offs])
        frontier = nxt[~visited[nxt]]
        visited[frontier] = True
        new.append(frontier)
    return np.concatenate(new)


def _copies(live: LiveEdges, nodes: np.ndarray) -> np.ndarray:
    out = np.arange(live.n_sim, dtype=np.int64)[:, None] * live.n + np.asarray(nodes, dtype=np.int64)[None, :]
    return np.asarray(out.ravel(), dtype=np.int64)


def expected_spread(live: LiveEdges, seeds: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation over runs of the number of accounts reached (seeds included)."""
    visited = np.zeros(live.n * live.n_sim, dtype=bool)
    _reach(live, _copies(live, seeds), visited)
    per_run = visited.reshape(live.n_sim, live.n).sum(axis=1)
    return float(per_run.mean()), float(per_run.std(ddof=1)) if live.n_sim > 1 else 0.0


def celf(g: AuthorGraph, p: np.ndarray, k: int, *, n_sim: int = 200, seed: int = 0,
         max_candidates: int | None = 2000) -> pd.DataFrame:
    """Greedy (CELF) choice of ``k`` seeds maximising the expected independent-cascade spread.

    Candidates are accounts with an outgoing edge (the ``max_candidates`` with the largest summed
    out-probability when there are more). Returns k, node_id, marginal_gain, expected_reach,
    expected_reach_sd (cumulative reach of the first k seeds).
    """
    if g.n == 0 or g.m == 0:
        raise InsufficientDataError(format_message(
            "what-if seeding needs a repost graph with at least one edge", found=f"{g.n} nodes, {g.m} edges",
            fix="ingest reposts (with //@ chains or parent links) for the campaign"))
    rng = np.random.default_rng(seed)
    live = sample_live_edges(g, p, n_sim, rng)
    out_p = np.bincount(g.src, weights=p, minlength=g.n)
    cand = np.flatnonzero(np.bincount(g.src, minlength=g.n) > 0)
    if max_candidates is not None and len(cand) > max_candidates:
        cand = cand[np.argsort(-out_p[cand], kind="stable")[:max_candidates]]
    visited = np.zeros(g.n * n_sim, dtype=bool)  # reached by the seeds chosen so far

    def gain_of(v: int) -> float:
        touched = _reach(live, _copies(live, np.array([v])), visited)
        visited[touched] = False  # undo: only the chosen seeds stay marked
        return len(touched) / n_sim

    heap = [(-gain_of(v), v, 0) for v in cand.tolist()]
    heapq.heapify(heap)
    rows = []
    chosen: list[int] = []
    while heap and len(chosen) < k:
        _, v, stamp = heapq.heappop(heap)
        if stamp == len(chosen):  # gain is fresh for the current seed set: take it
            gained = len(_reach(live, _copies(live, np.array([v])), visited)) / n_sim
            chosen.append(v)
            per_run = visited.reshape(n_sim, g.n).sum(axis=1)
            rows.append((len(chosen), g.nodes[v], gained, float(per_run.mean()),
                         float(per_run.std(ddof=1)) if n_sim > 1 else 0.0))
            continue
        heapq.heappush(heap, (-gain_of(v), v, len(chosen)))
    return pd.DataFrame(rows, columns=["k", "node_id", "marginal_gain", "expected_reach", "expected_reach_sd"])
