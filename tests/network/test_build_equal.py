"""The Arrow-coded graph builders give exactly the outputs of the frozen pre-change builders.

``tests/network/build_before.py`` is the builder module as it was before the rewrite; every public
builder and :func:`brandlab.network.stage.derive_edges` are compared on random messy posts (duplicate
post ids, missing authors and author names, unresolved chain names, chains naming the reposter itself,
repost cycles, roots outside the data, ingest edges) and on the benchmark's generated Weibo posts.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from brandlab.bench.network import weibo_posts
from brandlab.network import build, stage
from brandlab.schema import EDGE, GRAPH_EDGE, coerce


def _before() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_before", Path(__file__).with_name("build_before.py"))
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


before = _before()


def messy_posts(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Posts, authors and ingest edges with the quirks the builders must handle."""
    rng = np.random.default_rng(seed)
    n_acc = max(n // 4, 3)
    acc = np.array([f"u{i}" for i in range(n_acc)], dtype=object)
    names = np.array([f"名{i}" if i % 7 else f"名 {i}:x" for i in range(n_acc)], dtype=object)
    pid = np.array([f"p{i}" for i in rng.integers(0, int(n * 0.9), n)], dtype=object)  # duplicate ids
    kind = rng.choice(np.array(["post", "repost", "comment"], dtype=object), n, p=[0.3, 0.45, 0.25])
    author = rng.integers(0, n_acc, n)
    aid = np.where(rng.random(n) < 0.1, None, acc[author])
    aname = np.where(rng.random(n) < 0.05, None, names[author])
    ref = np.array([f"p{i}" for i in rng.integers(0, n, n)], dtype=object)  # may be outside the data
    root = np.where((kind == "post") | (rng.random(n) < 0.1), None, ref)
    parent = np.where(rng.random(n) < 0.5, None, np.array([f"p{i}" for i in rng.integers(0, n, n)], dtype=object))
    parent[kind == "post"] = None
    seps = np.array([":", "：", " :", ": "], dtype=object)
    chain = np.full(n, None, dtype=object)
    text = np.full(n, "", dtype=object)
    for i in np.flatnonzero(kind == "repost"):
        d = int(rng.integers(0, 4))
        hops = []
        for _ in range(d):
            j = int(rng.integers(0, n_acc))
            nm = names[j] if rng.random() > 0.2 else f"陌生{j}"
            if rng.random() < 0.1:
                nm = aname[i] if aname[i] is not None else nm  # the reposter names itself
            hops.append("//@" + nm + seps[int(rng.integers(0, 4))] + "好")
        body = "转发" + "".join(hops)
        if rng.random() < 0.3:
            text[i] = body  # chain only in the text
        elif d:
            chain[i] = body
        elif rng.random() < 0.2:
            chain[i] = ""
    t0 = pd.Timestamp("2024-05-01", tz="Asia/Shanghai")
    published = t0 + pd.to_timedelta(rng.integers(0, 5000, n), unit="s")  # ties in time
    mentions = pd.Series([[names[int(rng.integers(0, n_acc))], "@" + f"陌生{i}"] if rng.random() < 0.2 else []
                          for i in range(n)], dtype=object)
    hashtags = pd.Series([["#某市#", " 夜景 "] if rng.random() < 0.3 else None for _ in range(n)], dtype=object)
    posts = pd.DataFrame({"platform": rng.choice(np.array(["weibo", "douyin"], dtype=object), n), "post_id": pid,
                          "kind": kind, "parent_id": parent, "root_id": root, "author_id": aid, "author_name": aname,
                          "published_at": published, "text": text, "hashtags": hashtags, "mentions": mentions,
                          "repost_chain": chain, "campaign": None})
    for c in ("platform", "post_id", "kind", "parent_id", "root_id", "author_id", "author_name", "text",
              "repost_chain"):
        posts[c] = posts[c].astype("string")
    authors = pd.DataFrame({"platform": "weibo", "author_id": acc, "nickname": names, "follower_count": 10})
    ni = max(n // 20, 1)
    ingest = EDGE.empty()
    ing = pd.DataFrame({"platform": "weibo", "src_author_id": acc[rng.integers(0, n_acc, ni)],
                        "dst_author_id": acc[rng.integers(0, n_acc, ni)],
                        "kind": rng.choice(np.array(["repost", "reply"], dtype=object), ni),
                        "post_id": pid[rng.integers(0, n, ni)], "created_at": t0, "resolved": None})
    ingest = coerce(pd.concat([ingest, ing], ignore_index=True), EDGE)
    return posts, authors, ingest


def _same_edges(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(coerce(a, GRAPH_EDGE), coerce(b, GRAPH_EDGE))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("with_ingest", [False, True])
def test_builders_equal_on_messy_posts(seed: int, with_ingest: bool) -> None:
    posts, authors, ingest = messy_posts(600, seed)
    ingest = ingest if with_ingest else None
    old_res, new_res = before.NameResolver(posts, authors), build.NameResolver(posts, authors)
    pd.testing.assert_frame_equal(new_res.table, old_res.table)
    old_e, old_t = before.repost_graph(posts, authors, ingest, old_res)
    new_e, new_t = build.repost_graph(posts, authors, ingest, new_res)
    assert len(old_e) and old_t["inferred"].any()  # the data exercise chains and inferred hops
    _same_edges(new_e, old_e)
    pd.testing.assert_frame_equal(new_t, old_t)
    old_e, old_t = before.reply_graph(posts, ingest)
    new_e, new_t = build.reply_graph(posts, ingest)
    _same_edges(new_e, old_e)
    pd.testing.assert_frame_equal(new_t, old_t)
    _same_edges(build.mention_edges(posts, new_res), before.mention_edges(posts, old_res))
    pd.testing.assert_series_equal(build.chain_sources(posts), before.chain_sources(posts), check_names=False)
    old_a, new_a = before.hashtag_adoptions(posts), build.hashtag_adoptions(posts)
    pd.testing.assert_frame_equal(new_a, old_a)
    _same_edges(build.hashtag_edges(new_a), before.hashtag_edges(old_a))


def _old_derive(posts: pd.DataFrame, authors: pd.DataFrame, ingest: pd.DataFrame
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    saved = stage.build
    stage.build = before  # type: ignore[assignment]
    try:
        return stage.derive_edges(posts, authors, ingest)
    finally:
        stage.build = saved


@pytest.mark.parametrize("source", ["messy", "weibo"])
def test_derive_edges_equal(source: str) -> None:
    if source == "messy":
        posts, authors, ingest = messy_posts(3000, 11)
    else:
        posts, authors = weibo_posts(20_000, seed=3)
        ingest = EDGE.empty()
    old = _old_derive(posts, authors, ingest)
    new = stage.derive_edges(posts, authors, ingest)
    for a, b in zip(new, old, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_derive_edges_equal_on_a_workspace(ws) -> None:  # type: ignore[no-untyped-def]
    """As the stage reads them: Arrow-backed string columns, list cells as arrays, text only where it may chain."""
    from brandlab.schema import AUTHOR, POST

    posts, authors = weibo_posts(20_000, seed=5)
    ws.upsert(posts, POST)
    ws.upsert(authors, AUTHOR)
    posts, authors, ingest = stage._read(ws, "posts"), stage._read(ws, "authors"), stage._read(ws, "edges")
    old = _old_derive(posts, authors, ingest)
    new = stage.derive_edges(posts, authors, ingest)
    assert new[1]["inferred"].any() and len(new[0]) > 20_000
    for a, b in zip(new, old, strict=True):
        pd.testing.assert_frame_equal(a, b)
