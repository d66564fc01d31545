"""Build the diffusion graphs from workspace tables (posts, authors, ingest edges).

Every edge runs in the direction of the flow of content (``src`` passed it on / was replied to,
``dst`` passed it on / replied / was mentioned by ``src``), as in :data:`brandlab.schema.EDGE`.
Endpoints are author ids; a nickname that cannot be resolved to an id becomes the node
``name:<nickname>`` with ``resolved = False``.

- repost: each repost's ``//@`` chain gives the path reposter <- A <- B <- original author
  (origin ``chain``); a repost without a chain links the parent (or root) post's author to the
  reposter (origin ``parent``); ingest edges are kept for posts nothing else explains (``ingest``).
- reply: a comment links the author of its parent post/comment to the commenter.
- mention: the author links to each ``@name`` (names already in the post's chain are skipped).
- hashtag: for each hashtag, accounts in the order they first used it; each new adopter is
  linked from the account that adopted just before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from brandlab.network.chains import chain_names, path_edges, repost_path
from brandlab.schema import EdgeKind, PostKind

NAME_PREFIX = "name:"

EDGE_COLUMNS = ["platform", "src_id", "dst_id", "kind", "origin", "post_id", "hop", "created_at", "resolved"]


class NameResolver:
    """Map (platform, nickname) to an author id; ambiguous names go to the id seen most often."""

    def __init__(self, posts: pd.DataFrame, authors: pd.DataFrame) -> None:
        counts: dict[tuple[str, str], Counter[str]] = {}
        pairs: list[Iterable[tuple[object, object, object]]] = []
        if len(authors):
            pairs.append(zip(authors["platform"], authors["nickname"], authors["author_id"], strict=True))
        if len(posts):
            pairs.append(zip(posts["platform"], posts["author_name"], posts["author_id"], strict=True))
        for it in pairs:
            for plat, name, aid in it:
                if pd.isna(name) or pd.isna(aid) or not str(name).strip():
                    continue
                counts.setdefault((str(plat), str(name).strip()), Counter())[str(aid)] += 1
        self.ids = {k: c.most_common(1)[0][0] for k, c in counts.items()}
        by_plat: dict[str, set[str]] = {}
        for plat, name in counts:
            by_plat.setdefault(plat, set()).add(name)
        self.names: dict[str, frozenset[str]] = {p: frozenset(v) for p, v in by_plat.items()}

    def resolve(self, platform: str, name: str) -> tuple[str, bool]:
        aid = self.ids.get((platform, name))
        return (aid, True) if aid is not None else (NAME_PREFIX + name, False)

    def known(self, platform: str) -> frozenset[str]:
        return self.names.get(platform, frozenset())


def _frame(rows: Sequence[tuple[object, ...]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=EDGE_COLUMNS, dtype=object)
    df["hop"] = df["hop"].astype("Int64")
    df["resolved"] = df["resolved"].astype("boolean")
    return df


def _chain_source(row: pd.Series) -> str | None:
    chain = row.get("repost_chain")
    if isinstance(chain, str) and chain:
        return chain
    text = row.get("text")
    return text if isinstance(text, str) and "@" in text else None


def _author_of(posts: pd.DataFrame) -> dict[tuple[str, str], str]:
    p = posts[posts["author_id"].notna()]
    return dict(zip(zip(p["platform"].astype(str), p["post_id"].astype(str), strict=True),
                    p["author_id"].astype(str), strict=True))


def repost_graph(posts: pd.DataFrame, authors: pd.DataFrame, ingest_edges: pd.DataFrame | None = None,
                 resolver: NameResolver | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Repost edges and the repost cascade tree (post_id, parent_id, root_id, published_at, inferred).

    Tree parents come from the chain where it names an account: that account's earliest repost of the
    same root, or an inferred node ``<root>@<account>`` when its repost is not in the data.
    """
    resolver = resolver or NameResolver(posts, authors)
    author_of = _author_of(posts)
    ingest_src: dict[tuple[str, str], str] = {}
    if ingest_edges is not None and len(ingest_edges):
        ie = ingest_edges[ingest_edges["kind"] == EdgeKind.REPOST.value]
        ingest_src = dict(zip(zip(ie["platform"].astype(str), ie["post_id"].astype(str), strict=True),
                              ie["src_author_id"].astype(str), strict=True))
    reposts = posts[posts["kind"] == PostKind.REPOST.value].sort_values("published_at", kind="stable")
    # earliest repost per (root, account) for tree parents
    first_repost: dict[tuple[str, str, str], str] = {}
    for plat, pid, root, aid in zip(reposts["platform"], reposts["post_id"], reposts["root_id"],
                                    reposts["author_id"], strict=True):
        if pd.notna(root) and pd.notna(aid):
            first_repost.setdefault((str(plat), str(root), str(aid)), str(pid))
    rows: list[tuple[object, ...]] = []
    tree: list[tuple[object, ...]] = []
    inferred: dict[str, tuple[str, str]] = {}  # inferred node id -> (parent id, root id)
    for _, r in reposts.iterrows():
        plat, pid, aid = str(r["platform"]), str(r["post_id"]), r["author_id"]
        root = r["root_id"] if pd.notna(r["root_id"]) else r["parent_id"]
        root = None if pd.isna(root) else str(root)
        when = r["published_at"]
        reposter = str(aid) if pd.notna(aid) else NAME_PREFIX + str(r["author_name"])
        orig: str | None = None
        for ref in (root, None if pd.isna(r["parent_id"]) else str(r["parent_id"])):
            if ref is not None and (plat, ref) in author_of:
                orig = author_of[(plat, ref)]
                break
        if orig is None:
            orig = ingest_src.get((plat, pid))
        names = chain_names(_chain_source(r), resolver.known(plat))
        if names:
            resolved = [resolver.resolve(plat, nm) for nm in names]
            path = repost_path(reposter, [x for x, _ in resolved], orig)
            ok = [pd.notna(aid), *[b for _, b in resolved], True]
            for src, dst, hop in path_edges(path):
                rows.append((plat, src, dst, EdgeKind.REPOST.value, "chain", pid, hop, when,
                             bool(ok[hop]) and bool(ok[hop + 1])))
            # tree: reposter's post <- node of names[0] <- node of names[1] ... <- root post
            if root is None:
                tree.append((plat, pid, None, None, when, False))
                continue
            nodes, made = [], []
            for acc, _ in resolved:
                node = first_repost.get((plat, root, acc))
                if node is None or node == pid:
                    node = f"{root}@{acc}"
                nodes.append(node)
                made.append(node == f"{root}@{acc}")
            tree.append((plat, pid, nodes[0], root, when, False))
            for i, node in enumerate(nodes):
                if made[i]:
                    inferred.setdefault(node, (nodes[i + 1] if i + 1 < len(nodes) else root, root))
        else:
            if orig is not None:
                rows.append((plat, orig, reposter, EdgeKind.REPOST.value, "parent", pid, 0, when, pd.notna(aid)))
            parent = r["parent_id"] if pd.notna(r["parent_id"]) else root
            tree.append((plat, pid, None if parent is None else str(parent), root, when, False))
    plat_of_root = {str(rt): str(p) for p, rt in zip(reposts["platform"], reposts["root_id"], strict=True)}
    for node, (par, root) in inferred.items():
        tree.append((plat_of_root.get(root, ""), node, par, root, pd.NaT, True))
    edges = _frame(rows)
    if ingest_edges is not None and len(ingest_edges):
        edges = pd.concat([edges, _ingest_rows(ingest_edges, EdgeKind.REPOST, set(edges["post_id"]))],
                          ignore_index=True)
    tree_df = pd.DataFrame(tree, columns=["platform", "post_id", "parent_id", "root_id", "published_at", "inferred"])
    # roots of the repost cascades: the reposted posts themselves (when present)
    roots = posts[posts["post_id"].isin(tree_df["root_id"].dropna())]
    root_rows = pd.DataFrame({"platform": roots["platform"], "post_id": roots["post_id"], "parent_id": None,
                              "root_id": roots["post_id"], "published_at": roots["published_at"],
                              "inferred": False})
    tree_df = pd.concat([root_rows, tree_df], ignore_index=True) if len(root_rows) else tree_df
    return edges, tree_df


def _ingest_rows(ingest_edges: pd.DataFrame, kind: EdgeKind, explained: set[object]) -> pd.DataFrame:
    ie = ingest_edges[(ingest_edges["kind"] == kind.value) & ~ingest_edges["post_id"].isin(explained)]
    return _frame([(p, s, d, kind.value, "ingest", pid, 0, t, True if pd.isna(res) else bool(res))
                   for p, s, d, pid, t, res in zip(ie["platform"], ie["src_author_id"], ie["dst_author_id"],
                                                   ie["post_id"], ie["created_at"], ie["resolved"], strict=True)])


def reply_graph(posts: pd.DataFrame, ingest_edges: pd.DataFrame | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reply edges (parent's author -> commenter) and the comment trees under each root post."""
    author_of = _author_of(posts)
    c = posts[posts["kind"] == PostKind.COMMENT.value]
    rows = []
    for plat, pid, aid, par, root, when in zip(c["platform"], c["post_id"], c["author_id"], c["parent_id"],
                                               c["root_id"], c["published_at"], strict=True):
        plat = str(plat)
        ref = par if pd.notna(par) else root
        src = author_of.get((plat, str(ref))) if pd.notna(ref) else None
        if src is None and pd.notna(root):
            src = author_of.get((plat, str(root)))
        if src is not None and pd.notna(aid):
            rows.append((plat, src, str(aid), EdgeKind.REPLY.value, "reply", str(pid), 0, when, True))
    edges = _frame(rows)
    if ingest_edges is not None and len(ingest_edges):
        edges = pd.concat([edges, _ingest_rows(ingest_edges, EdgeKind.REPLY, set(edges["post_id"]))],
                          ignore_index=True)
    tree = pd.DataFrame({"platform": c["platform"], "post_id": c["post_id"],
                         "parent_id": c["parent_id"].where(c["parent_id"].notna(), c["root_id"]),
                         "root_id": c["root_id"], "published_at": c["published_at"], "inferred": False})
    roots = posts[posts["post_id"].isin(tree["root_id"].dropna()) & (posts["kind"] != PostKind.COMMENT.value)]
    root_rows = pd.DataFrame({"platform": roots["platform"], "post_id": roots["post_id"], "parent_id": None,
                              "root_id": roots["post_id"], "published_at": roots["published_at"],
                              "inferred": False})
    return edges, pd.concat([root_rows, tree], ignore_index=True) if len(root_rows) else tree


def mention_edges(posts: pd.DataFrame, resolver: NameResolver) -> pd.DataFrame:
    """Author -> each mentioned account, except names that are the post's repost chain."""
    rows = []
    p = posts[posts["mentions"].map(lambda m: isinstance(m, (list, np.ndarray)) and len(m) > 0)]
    for _, r in p.iterrows():
        plat = str(r["platform"])
        if pd.isna(r["author_id"]):
            continue
        in_chain = set(chain_names(_chain_source(r), resolver.known(plat))) if r["kind"] == PostKind.REPOST.value \
            else set()
        for name in dict.fromkeys(str(m).lstrip("@").strip() for m in r["mentions"]):
            if not name or name in in_chain:
                continue
            dst, ok = resolver.resolve(plat, name)
            rows.append((plat, str(r["author_id"]), dst, EdgeKind.MENTION.value, "mention", str(r["post_id"]), 0,
                         r["published_at"], ok))
    return _frame(rows)


def hashtag_adoptions(posts: pd.DataFrame) -> pd.DataFrame:
    """First post of each hashtag per account, ranked in time (platform, hashtag, author_id, post_id, adopted_at, rank)."""
    p = posts[posts["author_id"].notna() & posts["published_at"].notna()
              & posts["hashtags"].map(lambda h: isinstance(h, (list, np.ndarray)) and len(h) > 0)]
    cols = ["platform", "hashtag", "author_id", "post_id", "adopted_at", "rank"]
    if not len(p):
        return pd.DataFrame({c: [] for c in cols})
    x = p[["platform", "author_id", "post_id", "published_at", "hashtags"]].explode("hashtags")
    x = x.rename(columns={"hashtags": "hashtag", "published_at": "adopted_at"})
    x["hashtag"] = x["hashtag"].astype(str).str.strip().str.strip("#")
    x = x[x["hashtag"] != ""]
    x = x.sort_values(["platform", "hashtag", "adopted_at", "post_id"], kind="stable")
    x = x.drop_duplicates(["platform", "hashtag", "author_id"], keep="first")
    x["rank"] = x.groupby(["platform", "hashtag"]).cumcount() + 1
    return x[cols].reset_index(drop=True)


def hashtag_edges(adoptions: pd.DataFrame) -> pd.DataFrame:
    """Each adopter after the first, linked from the account that adopted the hashtag just before it."""
    if not len(adoptions):
        return _frame([])
    a = adoptions.sort_values(["platform", "hashtag", "rank"])
    prev = a.groupby(["platform", "hashtag"])["author_id"].shift(1)
    m = prev.notna()
    return _frame(list(zip(a["platform"][m], prev[m], a["author_id"][m], [EdgeKind.HASHTAG.value] * int(m.sum()),
                           ["hashtag"] * int(m.sum()), a["post_id"][m], [0] * int(m.sum()), a["adopted_at"][m],
                           [True] * int(m.sum()), strict=True)))
