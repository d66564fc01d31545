"""Network benchmark: cascade metrics and large-graph influence measures beside networkx, same run.

Sizes scale with ``-n`` (posts): ``100 * n`` cascade nodes (random recursive trees with geometric
sizes, Weibo-mid string ids, times; once more with Xiaohongshu hex ids) and a random directed graph of ``1000 * n`` edges over ``100 * n``
accounts with a skewed in-degree (so the PageRank ranking has a clear top). ``-n 10000`` gives
1M cascade nodes and a 10M-edge graph.

networkx cannot hold a 10M-edge graph in a few GB, so its rows run on a graph of at most
``NX_EDGES`` edges drawn the same way, with brandlab timed on that same graph for the ratio; the
10M-edge rows time brandlab alone. The PageRank reference is a power iteration run to an L1
change below 1e-15; agreement is the overlap of the top-100 sets (and whether the order matches).
networkx's cascade baseline (BFS depth/breadth + ``nx.wiener_index`` per cascade) runs on the
first ``NX_CASCADE_NODES`` nodes' worth of cascades, since its all-pairs Wiener index is quadratic.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from brandlab.bench import BenchResult, PeakRSS, register, timed
from brandlab.network.build import NameResolver
from brandlab.network.cascades import cascade_metrics, forest_metrics
from brandlab.network.chains import chain_names, path_edges, repost_path
from brandlab.network.influence import AuthorGraph, components, core_numbers, pagerank, pagerank_igraph

NX_EDGES = 1_000_000
NX_CASCADE_NODES = 100_000


def random_cascades(n: int, seed: int = 0, mean_size: float = 50.0) -> tuple[np.ndarray, np.ndarray]:
    """Parent indices (-1 = root) and times of random recursive trees totalling ``n`` nodes."""
    rng = np.random.default_rng(seed)
    sizes = rng.geometric(1.0 / mean_size, size=int(2 * n / mean_size) + 10)
    sizes = sizes[np.cumsum(sizes) <= n]
    sizes = np.append(sizes, n - sizes.sum()) if sizes.sum() < n else sizes
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    pos = np.arange(n) - starts
    parent = np.where(pos == 0, -1, starts + (rng.random(n) * np.maximum(pos, 1)).astype(np.int64))
    t = pos * 60.0 + rng.random(n)
    return parent, t


def weibo_posts(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weibo-like posts and authors: 20 % originals, 50 % reposts (chain depth 0-5, 10 % unknown
    names, nicknames with spaces/emoji, all colon styles), 30 % comments (a third reply to a comment),
    mentions on 15 % and campaign hashtags on 30 % of posts; skewed account activity."""
    rng = np.random.default_rng(seed)
    n_acc = max(n // 5, 10)
    acc_ids = np.char.add("10", (np.arange(n_acc) + 5_000_000).astype(str)).astype(object)
    names = np.char.add("用户", np.arange(n_acc).astype(str)).astype(object)
    odd = rng.random(n_acc)
    names = np.where(odd < 0.05, names + " 🌸", np.where(odd < 0.08, "小 " + names, names)).astype(object)
    kind = rng.choice(np.array(["post", "repost", "comment"], dtype=object), size=n, p=[0.2, 0.5, 0.3])
    kind[0] = "post"
    author = (n_acc * rng.random(n) ** 2).astype(np.int64)  # skewed activity
    pid = np.char.add("48", (np.arange(n) + 10**12).astype(str)).astype(object)
    t0 = pd.Timestamp("2024-04-01", tz="Asia/Shanghai")
    published = t0 + pd.to_timedelta(np.round(np.sort(rng.random(n)) * 30 * 86400), unit="s")
    orig = np.flatnonzero(kind == "post")
    # each non-original picks an earlier original, skewed to popular ones
    last_orig = np.maximum(np.searchsorted(orig, np.arange(n), side="right") - 1, 0)
    pick = orig[(last_orig * (1 - rng.random(n) ** 3)).astype(np.int64)]
    root = pid[pick].copy()
    root[kind == "post"] = None
    parent = root.copy()
    com = np.flatnonzero(kind == "comment")
    # a third of comments reply to the previous comment of the same root when there is one
    prev = pd.Series(com).groupby(root[com]).shift(1).to_numpy()
    reply = (rng.random(len(com)) < 0.33) & ~np.isnan(prev)
    parent[com[reply]] = pid[prev[reply].astype(np.int64)]
    chain = np.full(n, None, dtype=object)
    rep = np.flatnonzero(kind == "repost")
    depth = rng.integers(0, 6, len(rep))  # 0 = plain repost without a chain
    hops = (n_acc * rng.random((len(rep), 5)) ** 2).astype(np.int64)
    unknown = rng.random((len(rep), 5)) < 0.1
    seps = np.array([": ", "：", " :", ":"], dtype=object)
    sep = rng.integers(0, 4, (len(rep), 5))
    for d in range(1, 6):
        rows = np.flatnonzero(depth == d)
        txt = np.full(len(rows), "转发", dtype=object)
        for j in range(d):
            nm = np.where(unknown[rows, j], "陌生人" + pd.Series(hops[rows, j]).astype(str).to_numpy(),
                          names[hops[rows, j]])
            txt = txt + "//@" + nm + seps[sep[rows, j]] + "好"
        chain[rep[rows]] = txt
    tags = np.array(["春游某市", "某市美食", "某市夜景", "打卡某市", "某市文旅"], dtype=object)
    has_tag = rng.random(n) < 0.3
    tag = tags[rng.integers(0, len(tags), n)]
    hashtags = pd.Series([[t] if h else [] for t, h in zip(tag, has_tag, strict=True)], dtype=object)
    has_m = rng.random(n) < 0.15
    mname = names[(n_acc * rng.random(n) ** 2).astype(np.int64)]
    mentions = pd.Series([[m] if h else [] for m, h in zip(mname, has_m, strict=True)], dtype=object)
    posts = pd.DataFrame({"platform": "weibo", "post_id": pid, "kind": kind, "parent_id": parent,
                          "root_id": root, "author_id": acc_ids[author], "author_name": names[author],
                          "published_at": published, "text": "", "hashtags": hashtags, "mentions": mentions,
                          "repost_chain": chain, "campaign": np.where(rng.random(n) < 0.5, "春游", "美食")})
    authors = pd.DataFrame({"platform": "weibo", "author_id": acc_ids, "nickname": names,
                            "follower_count": (10 ** (rng.random(n_acc) * 7)).astype(np.int64)})
    return posts, authors


def _per_row_build(posts: pd.DataFrame, resolver: NameResolver) -> int:
    """Baseline: the per-row Python builder's core (parse_chain per repost, dict resolution, path edges)."""
    author_of = dict(zip(posts["post_id"], posts["author_id"], strict=True))
    n_edges = 0
    for plat, aid, root, chain in zip(posts["platform"], posts["author_id"], posts["root_id"], posts["repost_chain"],
                                      strict=True):
        names = chain_names(chain if isinstance(chain, str) else None, resolver.known(str(plat)))
        ids = [resolver.resolve(str(plat), nm)[0] for nm in names]
        n_edges += len(path_edges(repost_path(str(aid), ids, author_of.get(root))))
    return n_edges


def cascade_ids(n: int, style: str = "mid", seed: int = 2) -> np.ndarray:
    """``n`` distinct post ids as the exports write them: ``mid`` 16-digit Weibo mids (Douyin,
    Bilibili and Kuaishou ids are decimal too), ``hex`` 24-hex-digit Xiaohongshu note/comment ids."""
    rng = np.random.default_rng(seed)
    step = rng.integers(1, 1000, n)   # increasing, irregular gaps, as mids are
    if style == "mid":
        return (4_950_000_000_000_000 + np.cumsum(step)).astype(str).astype(object)
    if style == "hex":
        low = np.char.zfill(np.char.mod("%x", np.cumsum(step)), 16)
        return np.char.add("65f1a2b3", low).astype(object)
    raise ValueError(f"unknown id style {style!r}; use 'mid' or 'hex'")


def cascade_frame(parent: np.ndarray, t: np.ndarray, style: str = "mid") -> pd.DataFrame:
    ids = cascade_ids(len(parent), style)
    root = np.where(parent < 0, np.arange(len(parent)), 0)
    root = np.maximum.accumulate(root)  # trees are contiguous blocks starting at their root
    return pd.DataFrame({"post_id": ids, "parent_id": np.where(parent >= 0, ids[np.maximum(parent, 0)], None),
                         "root_id": ids[root], "published_at": t})


def random_graph(m: int, n: int, seed: int = 1) -> AuthorGraph:
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = (n * rng.random(m) ** 3).astype(np.int64)  # skewed: low ids are popular
    return AuthorGraph.from_codes(np.arange(n).astype(str).astype(object), src, dst)


def _nx_cascades(parent: np.ndarray) -> None:
    import networkx as nx

    roots = np.flatnonzero(parent < 0)
    bounds = np.append(roots, len(parent))
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        g = nx.Graph()
        g.add_node(int(a))
        g.add_edges_from((int(i), int(parent[i])) for i in range(a + 1, b))
        lengths = nx.single_source_shortest_path_length(g, int(a))
        max(lengths.values())
        np.bincount(list(lengths.values())).max()
        nx.wiener_index(g)


def _usage(since: dict[str, float] | None = None) -> dict[str, float]:
    """This process's user and system CPU seconds and minor page faults (all threads), or their
    change since an earlier reading: a first call's extra cost on fresh memory is system time."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    now = {"user_s": r.ru_utime, "sys_s": r.ru_stime, "minor_faults": float(r.ru_minflt)}
    return now if since is None else {k: v - since[k] for k, v in now.items()}


def _fmt_usage(u: dict[str, float]) -> str:
    return f"CPU user {u['user_s']:.2f}s + system {u['sys_s']:.2f}s, {int(u['minor_faults']):,} page faults"


def _top_overlap(x: np.ndarray, ref: np.ndarray, k: int = 100) -> tuple[int, bool]:
    a, b = np.argsort(-x, kind="stable")[:k], np.argsort(-ref, kind="stable")[:k]
    return len(set(a.tolist()) & set(b.tolist())), bool(np.array_equal(a, b))


@register("network")
def bench_network(n_posts: int, workdir: Path) -> list[BenchResult]:
    import networkx as nx

    out: list[BenchResult] = []
    n_nodes = 100 * n_posts
    parent, t = random_cascades(n_nodes)
    df = cascade_frame(parent, t)
    n_nx = int(np.searchsorted(np.flatnonzero(parent < 0), min(NX_CASCADE_NODES, n_nodes)))
    cut = int(np.append(np.flatnonzero(parent < 0), n_nodes)[n_nx])
    with timed() as tb:
        _nx_cascades(parent[:cut])
    u0 = _usage()
    with PeakRSS() as rss, timed() as ta:
        res = cascade_metrics(df)
    first = _usage(u0)
    out.append(BenchResult(
        "network.cascade_metrics", n_nodes, "nodes", ta[0], rss.peak_mb,
        baseline=f"networkx BFS + wiener_index per cascade, on {cut:,} nodes", baseline_seconds=tb[0] * n_nodes / cut,
        notes=f"{len(res.metrics):,} cascades, Weibo-mid string ids, first call in the process (the warm-up; "
              f"the target is read on the repeated calls below); repairs checked; {_fmt_usage(first)} "
              f"(load avg {os.getloadavg()[0]:.1f}); baseline time scaled linearly from its subset (its true "
              "cost is superlinear)",
        extra={"baseline_nodes": cut, "cpu_seconds": first["user_s"] + first["sys_s"], **first,
               "loadavg": os.getloadavg()[0]}))
    # the first call above runs in a cold process: its fresh arrays page-fault in, and the kernel
    # time that costs is reported beside it (its user CPU is that of the later calls). The target is
    # read on the same call repeated, best of 3 (warm-up excluded, as timeit and pytest-benchmark
    # do): the throughput of the computation, and what a long-lived session sees
    warm = []
    for _ in range(3):
        u0, w0 = _usage(), time.perf_counter()
        cascade_metrics(df)
        warm.append((time.perf_counter() - w0, _usage(u0)))
    best = min(warm, key=lambda w: w[0])
    out[-1].notes += (f"; {ta[0] - best[0]:+.2f} s against the best repeat, of which system CPU "
                      f"{first['sys_s'] - best[1]['sys_s']:+.2f} s and user CPU {first['user_s'] - best[1]['user_s']:+.2f} s")
    out.append(BenchResult(
        "network.cascade_metrics(repeat, best of 3)", n_nodes, "nodes", best[0], None,
        baseline=f"networkx BFS + wiener_index per cascade, on {cut:,} nodes (timed once, above)",
        baseline_seconds=tb[0] * n_nodes / cut, target=">= 1M nodes/s",
        notes=f"the same call on the same frame after the first; {_fmt_usage(best[1])}; "
              f"walls {', '.join(f'{w:.2f}' for w, _ in warm)} s",
        extra={"cpu_seconds": best[1]["user_s"] + best[1]["sys_s"], **best[1],
               "walls": [w for w, _ in warm], "calls": [u for _, u in warm]}))
    # ids that are not decimal numbers (Xiaohongshu's hex ids) are hashed as strings: slower
    hexdf = cascade_frame(parent, t, "hex")
    c0 = time.process_time()
    with timed() as th:
        cascade_metrics(hexdf)
    cpu = time.process_time() - c0
    out.append(BenchResult(
        "network.cascade_metrics(hex ids)", n_nodes, "nodes", th[0], None, target=">= 1M nodes/s",
        notes=f"the same cascades with 24-hex-digit Xiaohongshu-style ids (hashed as strings), after the calls "
              f"above; CPU {cpu:.2f}s", extra={"cpu_seconds": cpu}))
    del hexdf
    cpu0 = time.process_time()
    with timed() as tc:
        forest_metrics(parent, t)
    cpu = time.process_time() - cpu0
    out.append(BenchResult("network.forest_metrics(arrays)", n_nodes, "nodes", tc[0], None,
                           target=">= 1M nodes/s", notes=f"the numpy core on parent-index arrays, no id handling; "
                                                         f"CPU {cpu:.2f}s", extra={"cpu_seconds": cpu}))
    del df, res
    out.extend(_bench_build_and_stage(n_posts, workdir))

    # ---- large graph: brandlab alone at full size
    m_big = 1000 * n_posts
    g = random_graph(m_big, 100 * n_posts)
    ref = pagerank(g, tol=1e-15, max_iter=20_000)
    def power() -> np.ndarray:
        return pagerank(g)

    def comps() -> np.ndarray:
        return components(g)

    def cores() -> np.ndarray:
        return core_numbers(g)

    with timed() as tbuild_ig:
        ig_graph = g.to_igraph()

    def prpack() -> np.ndarray:  # the solve alone, on the graph built above
        return pagerank_igraph(g, graph=ig_graph)

    for name, fn in (("pagerank(power, tol=1e-10)", power), ("pagerank(igraph prpack, solve only)", prpack)):
        with PeakRSS() as rss, timed() as tp:
            x = fn()
        overlap, same = _top_overlap(x, ref)
        out.append(BenchResult(f"network.{name}", g.m, "edges", tp[0], rss.peak_mb, target="seconds",
                               notes=f"{g.n:,} nodes; top-100 overlap with reference {overlap}/100, "
                                     f"same order {same}; L1 to reference {np.abs(x - ref).sum():.1e}",
                               extra={"top100_overlap": overlap, "top100_same_order": same}))
    out.append(BenchResult("network.igraph Graph build (int edge list)", g.m, "edges", tbuild_ig[0], None,
                           target="seconds", notes="python-igraph converts the edge list in Python; "
                                                   "PRPACK total = this + its solve row"))
    for name, fn2 in (("components", comps), ("k-core", cores)):
        with PeakRSS() as rss, timed() as tk:
            fn2()
        out.append(BenchResult(f"network.{name}", g.m, "edges", tk[0], rss.peak_mb, target="seconds",
                               notes=f"{g.n:,} nodes"))

    # ---- networkx beside brandlab on a graph it can hold
    m_nx = min(m_big, NX_EDGES)
    h = random_graph(m_nx, max(m_nx // 10, 10), seed=2)
    href = pagerank(h, tol=1e-15, max_iter=20_000)
    with timed() as tbuild:
        G = h.to_networkx()
    with timed() as tb:
        pr = nx.pagerank(G, alpha=0.85, weight="weight")
    with timed() as ta:
        x = pagerank(h)
    nx_vec = np.array([pr[v] for v in h.nodes])
    ov_nx, same_nx = _top_overlap(nx_vec, href)
    ov_b, same_b = _top_overlap(x, href)
    out.append(BenchResult("network.pagerank vs nx", h.m, "edges", ta[0], None,
                           baseline="networkx.pagerank (default tol=1e-6 x N)", baseline_seconds=tb[0],
                           notes=f"top-100 overlap: brandlab {ov_b}/100 (order {same_b}), networkx {ov_nx}/100 "
                                 f"(order {same_nx}); nx graph build {tbuild[0]:.1f}s not counted",
                           extra={"nx_top100_overlap": ov_nx, "top100_overlap": ov_b}))
    U = G.to_undirected()
    with timed() as tb:
        nx.core_number(U)
    with timed() as ta:
        core_numbers(h)
    out.append(BenchResult("network.k-core vs nx", h.m, "edges", ta[0], None, baseline="networkx.core_number",
                           baseline_seconds=tb[0]))
    with timed() as tb:
        list(nx.weakly_connected_components(G))
    with timed() as ta:
        components(h)
    out.append(BenchResult("network.components vs nx", h.m, "edges", ta[0], None,
                           baseline="networkx.weakly_connected_components", baseline_seconds=tb[0]))
    return out


def _bench_build_and_stage(n_posts: int, workdir: Path) -> list[BenchResult]:
    """Graph building at ``100 * n`` generated posts; the whole network stage on a ``10 * n``-post workspace."""
    import pandas as pd

    from brandlab.network import stage
    from brandlab.schema import EDGE

    out: list[BenchResult] = []
    n_build = 100 * n_posts
    posts, authors = weibo_posts(n_build)
    ingest = EDGE.empty()
    cpu0 = time.process_time()
    with PeakRSS() as rss, timed() as ta:
        edges, rep_tree, reply_tree, _ = stage.derive_edges(posts, authors, ingest)
    cpu = time.process_time() - cpu0
    reposts = posts[posts["kind"] == "repost"]
    sub = reposts.iloc[:min(len(reposts), 20_000)]
    with timed() as tb:
        resolver = NameResolver(posts, authors)
        _per_row_build(pd.concat([posts[posts["kind"] == "post"], sub]).iloc[-len(sub):], resolver)
    scale = len(reposts) / max(len(sub), 1)
    out.append(BenchResult(
        "network.build_graph", n_build, "posts", ta[0], rss.peak_mb,
        baseline=f"per-row parse_chain + dict resolve (reposts only, {len(sub):,} of them, scaled)",
        baseline_seconds=tb[0] * scale, target="near-linear; 1M posts well inside the 15-min end-to-end budget",
        notes=f"{len(edges):,} edges, {len(rep_tree) + len(reply_tree):,} tree rows; CPU {cpu:.1f}s "
              f"(load avg {os.getloadavg()[0]:.1f}); baseline covers only chain reposts, not replies/mentions/hashtags",
        extra={"cpu_seconds": cpu, "edges": len(edges)}))
    del posts, authors, edges, rep_tree, reply_tree
    out.append(bench_stage_run(10 * n_posts, workdir))
    return out


@register("network-stage")
def bench_stage(n_posts: int, workdir: Path) -> list[BenchResult]:
    """The whole network stage alone on an ``n``-post generated workspace (``-n 1000000`` = 1M posts)."""
    return [bench_stage_run(n_posts, workdir)]


def bench_stage_run(n_stage: int, workdir: Path) -> BenchResult:
    """Time ``stage.run`` on ``weibo_posts(n_stage, seed=1)`` stored in a fresh workspace, with the wall per step."""
    from brandlab.config import Settings
    from brandlab.network import stage
    from brandlab.schema import AUTHOR, POST
    from brandlab.workspace import Workspace

    posts, authors = weibo_posts(n_stage, seed=1)
    ws = Workspace(workdir / f"network_stage_{n_stage}.duckdb")
    ws.upsert(posts, POST)
    ws.upsert(authors, AUTHOR)
    steps: list[tuple[int, float, float]] = []
    cpu0 = time.process_time()
    steps.append((-1, time.perf_counter(), cpu0))  # the first split (step 0) is reading the workspace
    with PeakRSS() as rss, timed() as ts:
        written = stage.run(ws, Settings(seed=0),
                            on_progress=lambda d, _t: steps.append((d, time.perf_counter(), time.process_time())))
    cpu = time.process_time() - cpu0
    split = ", ".join(f"{b[0]}:{b[1] - a[1]:.1f}s/{b[2] - a[2]:.1f}cpu"
                      for a, b in zip(steps[:-1], steps[1:], strict=True))
    # baseline: networkx's PageRank, core numbers and weak components on the same author graph —
    # the graph-metric part of the stage, done the plain way (the stage also builds edges,
    # cascades, roles and seeding, so a ratio above 1 understates the speed-up)
    import networkx as nx

    edges = ws.sql("SELECT src_id, dst_id FROM graph_edges WHERE src_id <> dst_id")
    ws.close()
    with timed() as tb:
        g = nx.DiGraph()
        g.add_edges_from(zip(edges["src_id"].tolist(), edges["dst_id"].tolist(), strict=True))
        nx.pagerank(g, tol=1e-10)
        nx.core_number(g)
        nx.number_weakly_connected_components(g)
    return BenchResult(
        "network.stage.run", n_stage, "posts", ts[0], rss.peak_mb, target="1M posts ingest->analyze <= 15 min",
        baseline="networkx pagerank+core_number+weak components on the stage's author graph",
        baseline_seconds=tb[0],
        notes=f"whole stage incl. workspace read/write; {written.get('graph_edges', 0):,} edges, "
              f"{written.get('node_metrics', 0):,} accounts; CPU {cpu:.1f}s (load avg {os.getloadavg()[0]:.1f}); "
              f"wall/CPU per step (0 read, 1 edges, 2 cascades, 3 node metrics, 4 roles, 5 seeding, 6 store): {split}",
        extra={"cpu_seconds": cpu, "written": written, "loadavg": os.getloadavg()[0]})
