"""What-if seeding: independent-cascade simulation and CELF greedy choice of seed accounts.

Edge probabilities are estimated from observed reposts: for an edge src -> dst,
``p = (r + alpha) / (n_src + alpha + beta)`` where ``r`` is the number of posts of src that dst
passed on (repost hops in the graph) and ``n_src`` the number of src's posts in the data (at
least ``r``); ``alpha = beta = 1`` is Laplace smoothing. Only observed pairs get an edge.

Simulation uses the live-edge view of the independent-cascade model: each of ``n_sim`` runs keeps
every edge with its probability (one seeded :class:`numpy.random.Generator` draws a boolean mask
over the whole ``n_sim x m`` edge array at once); a seed set's spread in a run is the number of
accounts reachable from it. All runs form one disjoint union graph of ``n * n_sim`` nodes. When the
sample is drawn for a set of ``sources`` (the CELF candidates), edges whose source cannot be reached
from them in the full graph are dropped after the draw: they can never carry spread from those
sources, and drawing first keeps the samples identical to the unrestricted ones. The union graph is
then condensed once into its strongly connected components (scipy's ``connected_components``,
``connection="strong"``); a component weighs as many accounts as it holds, so reachability is a
frontier expansion over the condensation DAG (a handful of numpy calls per level, all runs at once)
that sums component weights. On repost graphs with a giant strongly connected core that core
collapses to one node per run.

The same live-edge samples serve every candidate (common random numbers), which keeps the spread
function monotone and submodular on the sample, so CELF's lazy evaluation is exact. CELF's first
round (every candidate's spread alone) memoises the per-run reach of each component: candidates
that sit in the same component of a run (the giant core, typically) cost one search, not one each.
Later rounds search only what the chosen seeds have not reached yet. Results depend only on the
graph, ``p``, ``n_sim`` and ``seed``.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

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
    """``n_sim`` live-edge samples over ``n`` nodes, condensed into strongly connected components.

    ``comp[r * n + v]`` is the component of account ``v`` in run ``r``; ``weight`` and ``run`` give
    each component's number of accounts and its run; ``indptr``/``indices`` are the CSR adjacency of
    the condensation DAG (duplicate arcs allowed).
    """

    n: int
    n_sim: int
    comp: np.ndarray
    weight: np.ndarray
    run: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray


def _csr(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order]


def reachable(g: AuthorGraph, sources: np.ndarray) -> np.ndarray:
    """Boolean mask of the accounts reachable from ``sources`` (included) along any edge of ``g``."""
    indptr, indices = _csr(g.src, g.dst, g.n)
    visited = np.zeros(g.n, dtype=bool)
    _expand(indptr, indices, np.asarray(sources, dtype=np.int64), visited)
    return visited


def sample_live_edges(g: AuthorGraph, p: np.ndarray, n_sim: int, rng: np.random.Generator,
                      sources: np.ndarray | None = None) -> LiveEdges:
    """Draw every edge of every run at once (run r keeps edge i when U[r, i] < p[i]) and condense.

    With ``sources``, edges out of accounts unreachable from them are dropped after the draw (same
    samples, smaller graph); spreads of seed sets within ``sources`` are unchanged.
    """
    live = rng.random((n_sim, g.m)) < p[None, :]
    if sources is not None:
        live &= reachable(g, sources)[g.src][None, :]
    run, e = np.nonzero(live)
    del live
    big = g.n * n_sim
    src = run.astype(np.int64) * g.n + g.src[e]
    dst = run.astype(np.int64) * g.n + g.dst[e]
    a = sp.csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(big, big))
    k, comp = connected_components(a, directed=True, connection="strong")
    comp = comp.astype(np.int64)
    weight = np.bincount(comp, minlength=k)
    comp_run = np.zeros(k, dtype=np.int64)
    comp_run[comp] = np.arange(big, dtype=np.int64) // max(g.n, 1)
    cs, cd = comp[src], comp[dst]
    cross = cs != cd
    indptr, indices = _csr(cs[cross], cd[cross], k)
    return LiveEdges(g.n, n_sim, comp, weight, comp_run, indptr, indices)


def _expand(indptr: np.ndarray, indices: np.ndarray, start: np.ndarray, visited: np.ndarray) -> np.ndarray:
    """Mark everything reachable from ``start`` in ``visited``; return the newly marked nodes."""
    frontier = np.unique(start[~visited[start]])
    visited[frontier] = True
    new = [frontier]
    while len(frontier):
        s = indptr[frontier]
        cnt = indptr[frontier + 1] - s
        tot = int(cnt.sum())
        if not tot:
            break
        offs = np.repeat(s - np.cumsum(cnt) + cnt, cnt) + np.arange(tot)
        nxt = indices[offs]
        frontier = np.unique(nxt[~visited[nxt]])
        visited[frontier] = True
        new.append(frontier)
    return np.concatenate(new)


def _reach(live: LiveEdges, start: np.ndarray, visited: np.ndarray) -> np.ndarray:
    """Components newly reached from the components ``start`` (``visited`` is over components)."""
    return _expand(live.indptr, live.indices, start, visited)


def _start(live: LiveEdges, nodes: np.ndarray | list[int]) -> np.ndarray:
    """The components of ``nodes`` in every run."""
    copies = np.arange(live.n_sim, dtype=np.int64)[:, None] * live.n + np.asarray(nodes, dtype=np.int64)[None, :]
    return np.asarray(live.comp[copies.ravel()])


def _per_run(live: LiveEdges, comps: np.ndarray) -> np.ndarray:
    return np.bincount(live.run[comps], weights=live.weight[comps], minlength=live.n_sim)


def _stats(per_run: np.ndarray) -> tuple[float, float]:
    return float(per_run.mean()), float(per_run.std(ddof=1)) if len(per_run) > 1 else 0.0


def expected_spread(live: LiveEdges, seeds: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation over runs of the number of accounts reached (seeds included)."""
    visited = np.zeros(len(live.weight), dtype=bool)
    return _stats(_per_run(live, _reach(live, _start(live, seeds), visited)))


def spread_curve(live: LiveEdges, seeds: np.ndarray) -> list[tuple[float, float]]:
    """``expected_spread`` of ``seeds[:1]``, ``seeds[:2]``, ...: one search per seed, each from where the last stopped."""
    visited = np.zeros(len(live.weight), dtype=bool)
    per_run = np.zeros(live.n_sim)
    out = []
    for v in np.asarray(seeds, dtype=np.int64):
        per_run += _per_run(live, _reach(live, _start(live, [v]), visited))
        out.append(_stats(per_run))
    return out


def candidates(g: AuthorGraph, p: np.ndarray, max_candidates: int | None) -> np.ndarray:
    """Accounts with an outgoing edge; the ``max_candidates`` with the largest summed out-probability."""
    out_p = np.bincount(g.src, weights=p, minlength=g.n)
    cand = np.flatnonzero(np.bincount(g.src, minlength=g.n) > 0)
    if max_candidates is not None and len(cand) > max_candidates:
        cand = cand[np.argsort(-out_p[cand], kind="stable")[:max_candidates]]
    return cand


def _first_gains(live: LiveEdges, cand: np.ndarray) -> np.ndarray:
    """Every candidate's spread alone, memoising the per-run reach of each start component."""
    memo = np.full(len(live.weight), -1.0)
    visited = np.zeros(len(live.weight), dtype=bool)
    gains = np.empty(len(cand))
    for i, v in enumerate(cand.tolist()):
        starts = _start(live, [v])
        todo = np.unique(starts[memo[starts] < 0])
        if len(todo):
            touched = _reach(live, todo, visited)
            visited[touched] = False
            memo[todo] = _per_run(live, touched)[live.run[todo]]
        gains[i] = memo[starts].sum() / live.n_sim
    return gains


def celf(g: AuthorGraph, p: np.ndarray, k: int, *, n_sim: int = 200, seed: int = 0,
         max_candidates: int | None = 2000) -> pd.DataFrame:
    """Greedy (CELF) choice of ``k`` seeds maximising the expected independent-cascade spread.

    Candidates are accounts with an outgoing edge (the ``max_candidates`` with the largest summed
    out-probability when there are more); the live-edge samples are restricted to what they can
    reach (see the module docstring). Returns k, node_id, marginal_gain, expected_reach,
    expected_reach_sd (cumulative reach of the first k seeds).
    """
    if g.n == 0 or g.m == 0:
        raise InsufficientDataError(format_message(
            "what-if seeding needs a repost graph with at least one edge", found=f"{g.n} nodes, {g.m} edges",
            fix="ingest reposts (with //@ chains or parent links) for the campaign"))
    cand = candidates(g, p, max_candidates)
    live = sample_live_edges(g, p, n_sim, np.random.default_rng(seed), sources=cand)
    return celf_on(live, g, cand, k)


def celf_on(live: LiveEdges, g: AuthorGraph, cand: np.ndarray, k: int) -> pd.DataFrame:
    """CELF over an already drawn sample (``sources`` must include ``cand``); the rows of :func:`celf`."""
    n_sim = live.n_sim
    visited = np.zeros(len(live.weight), dtype=bool)  # components reached by the seeds chosen so far
    per_run = np.zeros(n_sim)
    heap = [(-gain, v, 0) for gain, v in zip(_first_gains(live, cand).tolist(), cand.tolist(), strict=True)]
    heapq.heapify(heap)
    rows = []
    chosen: list[int] = []
    while heap and len(chosen) < k:
        _, v, stamp = heapq.heappop(heap)
        if stamp == len(chosen):  # gain is fresh for the current seed set: take it
            gained = _per_run(live, _reach(live, _start(live, [v]), visited))
            per_run += gained
            chosen.append(v)
            rows.append((len(chosen), g.nodes[v], float(gained.sum()) / n_sim, *_stats(per_run)))
            continue
        touched = _reach(live, _start(live, [v]), visited)
        visited[touched] = False  # undo: only the chosen seeds stay marked
        heapq.heappush(heap, (-float(live.weight[touched].sum()) / n_sim, v, len(chosen)))
    return pd.DataFrame(rows, columns=["k", "node_id", "marginal_gain", "expected_reach", "expected_reach_sd"])
