"""The graph builders as they were before the Arrow-coded rewrite (commit 0a898d7), frozen as a test oracle.

``tests/network/test_build_equal.py`` checks that :mod:`brandlab.network.build` gives exactly these
outputs. Do not edit except to follow a deliberate change of the outputs.

Build the diffusion graphs from workspace tables (posts, authors, ingest edges).

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
  linked from the account that adopted just before it. This is a *heuristic*: the data does not
  say from whom an account picked up a hashtag, and "the previous adopter" is only the simplest
  time-ordered guess (it makes a chain, not a tree). Hashtag edges are therefore kept out of the
  influence graph (:data:`brandlab.network.stage.INFLUENCE_KINDS`) and serve only as a record of
  adoption order.

Everything is vectorised: chains are split by Arrow regex kernels
(:func:`brandlab.network.chains.chain_name_table`), names resolved by a join, paths exploded into
edges with numpy, and lookups (author of a post, earliest repost of a root by an account) are
joins. The only per-row Python left is the rare chain whose pieces hold two colons on a platform
where a known nickname contains a colon (see ``chain_name_table``).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from brandlab.network.chains import chain_name_table
from brandlab.network.ids import isin_ids
from brandlab.schema import EdgeKind, PostKind

NAME_PREFIX = "name:"

EDGE_COLUMNS = ["platform", "src_id", "dst_id", "kind", "origin", "post_id", "hop", "created_at", "resolved"]


def _str(s: pd.Series) -> pd.Series:
    """A column as pandas ``str`` (nulls kept as missing), index reset."""
    s = s.reset_index(drop=True)
    return s if s.dtype == "str" else s.astype(object).where(s.notna(), None).astype("str")


def _valid_name(s: pd.Series) -> pd.Series:
    return _str(s).str.strip()


class NameResolver:
    """Map (platform, nickname) to an author id; ambiguous names go to the id seen most often.

    Ties go to the id seen first (authors table before posts). ``table`` holds one row per
    (platform, name) with its ``author_id``; :meth:`resolve_many` joins against it.
    """

    def __init__(self, posts: pd.DataFrame, authors: pd.DataFrame) -> None:
        parts = []
        if len(authors):
            parts.append(pd.DataFrame({"platform": _str(authors["platform"]), "name": _valid_name(authors["nickname"]),
                                       "author_id": _str(authors["author_id"])}))
        if len(posts):
            parts.append(pd.DataFrame({"platform": _str(posts["platform"]), "name": _valid_name(posts["author_name"]),
                                       "author_id": _str(posts["author_id"])}))
        cols = ["platform", "name", "author_id"]
        pairs = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({c: pd.Series([], dtype="str")
                                                                                 for c in cols})
        pairs = pairs[pairs["name"].notna() & pairs["author_id"].notna() & (pairs["name"] != "")]
        counts = pairs.groupby(cols, sort=False).size().rename("n").reset_index()
        counts = counts.sort_values("n", ascending=False, kind="stable")
        self.table: pd.DataFrame = counts.drop_duplicates(["platform", "name"])[cols].reset_index(drop=True)

    @cached_property
    def ids(self) -> dict[tuple[str, str], str]:
        return dict(zip(zip(self.table["platform"], self.table["name"], strict=True), self.table["author_id"],
                        strict=True))

    @cached_property
    def names(self) -> dict[str, frozenset[str]]:
        return {str(p): frozenset(g["name"]) for p, g in self.table.groupby("platform", sort=False)}

    @cached_property
    def colon_names(self) -> dict[str, frozenset[str]]:
        """Per platform, the known names when some of them contain a colon (else the platform is absent)."""
        has = self.table["name"].str.contains("[:：]", regex=True)
        plats = set(self.table.loc[has, "platform"])
        return {p: v for p, v in self.names.items() if p in plats}

    def resolve(self, platform: str, name: str) -> tuple[str, bool]:
        aid = self.ids.get((platform, name))
        return (aid, True) if aid is not None else (NAME_PREFIX + name, False)

    def resolve_many(self, platform: pd.Series, name: pd.Series) -> tuple[pd.Series, np.ndarray]:
        """Ids (or ``name:<name>``) and a resolved flag for aligned platform/name columns."""
        q = pd.DataFrame({"platform": _str(platform), "name": _str(name)})
        hit = q.merge(self.table, on=["platform", "name"], how="left", sort=False)["author_id"]
        ok = hit.notna().to_numpy()
        return hit.where(ok, NAME_PREFIX + q["name"]).astype("str"), ok

    def known(self, platform: str) -> frozenset[str]:
        return self.names.get(platform, frozenset())


def _edges(**cols: object) -> pd.DataFrame:
    df = pd.DataFrame({c: cols[c] for c in EDGE_COLUMNS})
    df["hop"] = pd.array(df["hop"], dtype="Int64")
    df["resolved"] = pd.array(df["resolved"], dtype="boolean")
    return df


def _empty_edges() -> pd.DataFrame:
    e = pd.Series([], dtype="str")
    return _edges(platform=e, src_id=e, dst_id=e, kind=e, origin=e, post_id=e, hop=[], created_at=[],
                  resolved=[])


def _lookup(plat: pd.Series, key: pd.Series, table: pd.DataFrame, value: str) -> pd.Series:
    """``table[value]`` at (platform, key) for aligned columns (missing where absent); table keys unique."""
    q = pd.DataFrame({"platform": _str(plat), "key": _str(key)})
    return q.merge(table, on=["platform", "key"], how="left", sort=False)[value].reset_index(drop=True)


def _author_table(posts: pd.DataFrame) -> pd.DataFrame:
    """(platform, key=post_id) -> author_id; the last row wins for a repeated post id."""
    p = posts[posts["author_id"].notna()]
    t = pd.DataFrame({"platform": _str(p["platform"]), "key": _str(p["post_id"]), "author": _str(p["author_id"])})
    return t.drop_duplicates(["platform", "key"], keep="last")


def chain_sources(posts: pd.DataFrame) -> pd.Series:
    """The text holding each post's ``//@`` chain: ``repost_chain``, else ``text`` when it has an ``@``."""
    chain = _str(posts["repost_chain"]) if "repost_chain" in posts else pd.Series([None] * len(posts), dtype="str")
    text = _str(posts["text"]) if "text" in posts else pd.Series([None] * len(posts), dtype="str")
    use_chain = chain.notna() & (chain != "")
    use_text = ~use_chain & text.str.contains("@", regex=False).fillna(False).astype(bool)
    return chain.where(use_chain, text.where(use_text))


def repost_graph(posts: pd.DataFrame, authors: pd.DataFrame, ingest_edges: pd.DataFrame | None = None,
                 resolver: NameResolver | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Repost edges and the repost cascade tree (post_id, parent_id, root_id, published_at, inferred).

    Tree parents come from the chain where it names an account: that account's earliest repost of the
    same root, or an inferred node ``<root>@<account>`` when its repost is not in the data.
    """
    resolver = resolver or NameResolver(posts, authors)
    author_of = _author_table(posts)
    r = posts[posts["kind"] == PostKind.REPOST.value].sort_values("published_at", kind="stable")
    r = r.reset_index(drop=True)
    n = len(r)
    plat, pid = _str(r["platform"]), _str(r["post_id"])
    aid, raw_root, par = _str(r["author_id"]), _str(r["root_id"]), _str(r["parent_id"])
    root = raw_root.where(raw_root.notna(), par)
    when = r["published_at"].reset_index(drop=True)
    has_aid = aid.notna().to_numpy()
    reposter = aid.where(has_aid, NAME_PREFIX + r["author_name"].astype(object).map(str).astype("str"))
    orig = _lookup(plat, root, author_of, "author")
    orig = orig.where(orig.notna(), _lookup(plat, par, author_of, "author"))
    if ingest_edges is not None and len(ingest_edges):
        ie = ingest_edges[ingest_edges["kind"] == EdgeKind.REPOST.value]
        ing = pd.DataFrame({"platform": _str(ie["platform"]), "key": _str(ie["post_id"]),
                            "author": _str(ie["src_author_id"])}).drop_duplicates(["platform", "key"], keep="last")
        orig = orig.where(orig.notna(), _lookup(plat, pid, ing, "author"))
    links = chain_name_table(chain_sources(r), plat, resolver.colon_names)
    lrow = links["row"].to_numpy()
    acc, acc_ok = resolver.resolve_many(plat.iloc[lrow], links["name"])
    n_links = np.bincount(lrow, minlength=n)
    chained = n_links > 0
    has_orig = orig.notna().to_numpy()
    # ---- chain edges: path reposter(0), names(1..k), original author(k+1) -> consecutive pairs
    cr = np.flatnonzero(chained)
    orows = cr[has_orig[cr]]
    seq_row = np.concatenate((cr, lrow, orows))
    seq_pos = np.concatenate((np.zeros(len(cr), np.int64), links["hop"].to_numpy() + 1, n_links[orows] + 1))
    seq_node = np.concatenate((reposter.to_numpy(dtype=object)[cr], acc.to_numpy(dtype=object),
                               orig.to_numpy(dtype=object)[orows]))
    seq_ok = np.concatenate((has_aid[cr], acc_ok, np.ones(len(orows), dtype=bool)))
    o = np.lexsort((seq_pos, seq_row))
    seq_row, seq_pos, seq_node, seq_ok = seq_row[o], seq_pos[o], seq_node[o], seq_ok[o]
    pair = np.flatnonzero(seq_row[1:] == seq_row[:-1])
    er = seq_row[pair]
    chain_e = _edges(platform=plat.to_numpy(dtype=object)[er], src_id=seq_node[pair + 1], dst_id=seq_node[pair],
                     kind=EdgeKind.REPOST.value, origin="chain", post_id=pid.to_numpy(dtype=object)[er],
                     hop=seq_pos[pair], created_at=when.array[er],
                     resolved=seq_ok[pair] & seq_ok[pair + 1])
    # ---- plain reposts: original author -> reposter
    pr = np.flatnonzero(~chained & has_orig)
    plain_e = _edges(platform=plat.to_numpy(dtype=object)[pr], src_id=orig.to_numpy(dtype=object)[pr],
                     dst_id=reposter.to_numpy(dtype=object)[pr], kind=EdgeKind.REPOST.value, origin="parent",
                     post_id=pid.to_numpy(dtype=object)[pr], hop=np.zeros(len(pr), np.int64),
                     created_at=when.array[pr], resolved=has_aid[pr])
    rows_of = np.concatenate((er, pr))
    hops = np.concatenate((seq_pos[pair], np.zeros(len(pr), np.int64)))
    edges = pd.concat([chain_e, plain_e], ignore_index=True)
    edges = edges.iloc[np.lexsort((hops, rows_of))].reset_index(drop=True)  # repost order, then hop
    # ---- tree: chain hops point at the named account's earliest repost of the root, else inferred
    first = r[r["root_id"].notna() & r["author_id"].notna()]
    first_tab = pd.DataFrame({"platform": _str(first["platform"]),
                              "key": _str(first["root_id"]) + "\x00" + _str(first["author_id"]),
                              "first": _str(first["post_id"])}).drop_duplicates(["platform", "key"])
    lroot = root.iloc[lrow].reset_index(drop=True)
    node = _lookup(plat.iloc[lrow], lroot + "\x00" + acc, first_tab, "first")
    made = (node.isna() | (node == pid.iloc[lrow].reset_index(drop=True))).to_numpy()
    node = node.where(~made, lroot + "@" + acc)
    link_has_root = lroot.notna().to_numpy()
    nodes = node.to_numpy(dtype=object)
    nxt = np.empty(len(lrow), dtype=object)
    last = np.ones(len(lrow), dtype=bool)
    last[:-1] = lrow[1:] != lrow[:-1]
    nxt[~last] = nodes[1:][~last[:-1]]
    nxt[last] = lroot.to_numpy(dtype=object)[last]
    hop0 = links["hop"].to_numpy() == 0
    tree_parent = par.where(par.notna(), root).to_numpy(dtype=object)
    tree_parent[lrow[hop0]] = np.where(link_has_root[hop0], nodes[hop0], None)
    tree_root = root.to_numpy(dtype=object).copy()
    tree = pd.DataFrame({"platform": plat, "post_id": pid, "parent_id": pd.Series(tree_parent, dtype="str"),
                         "root_id": pd.Series(tree_root, dtype="str"), "published_at": when, "inferred": False})
    inf_mask = made & link_has_root
    inf = pd.DataFrame({"post_id": nodes[inf_mask], "parent_id": nxt[inf_mask],
                        "root_id": lroot.to_numpy(dtype=object)[inf_mask]}).drop_duplicates("post_id")
    plat_of_root = pd.DataFrame({"root_id": raw_root, "platform": plat})[raw_root.notna()]
    plat_of_root = plat_of_root.drop_duplicates("root_id", keep="last")
    inf = inf.merge(plat_of_root, on="root_id", how="left", sort=False)
    inf["platform"] = inf["platform"].fillna("")
    # an unknown time of the tree's own dtype: a plain NaT would turn the column into objects
    no_time = pd.Series(pd.NaT, index=inf.index, dtype=tree["published_at"].dtype)
    tree = pd.concat([tree, inf.assign(published_at=no_time, inferred=True)[tree.columns]], ignore_index=True)
    if ingest_edges is not None and len(ingest_edges):
        edges = pd.concat([edges, _ingest_rows(ingest_edges, EdgeKind.REPOST, edges["post_id"])],
                          ignore_index=True)
    # roots of the repost cascades: the reposted posts themselves (when present)
    roots = posts[isin_ids(posts["post_id"], tree["root_id"])]
    root_rows = pd.DataFrame({"platform": roots["platform"], "post_id": roots["post_id"], "parent_id": None,
                              "root_id": roots["post_id"], "published_at": roots["published_at"],
                              "inferred": False})
    tree = pd.concat([root_rows, tree], ignore_index=True) if len(root_rows) else tree
    return edges, tree


def _ingest_rows(ingest_edges: pd.DataFrame, kind: EdgeKind, explained: pd.Series) -> pd.DataFrame:
    ie = ingest_edges[(ingest_edges["kind"] == kind.value).to_numpy() & ~isin_ids(ingest_edges["post_id"], explained)]
    res = ie["resolved"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    return _edges(platform=ie["platform"].to_numpy(dtype=object), src_id=ie["src_author_id"].to_numpy(dtype=object),
                  dst_id=ie["dst_author_id"].to_numpy(dtype=object), kind=kind.value, origin="ingest",
                  post_id=ie["post_id"].to_numpy(dtype=object), hop=np.zeros(len(ie), np.int64),
                  created_at=ie["created_at"].array, resolved=res)


def reply_graph(posts: pd.DataFrame, ingest_edges: pd.DataFrame | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reply edges (parent's author -> commenter) and the comment trees under each root post."""
    author_of = _author_table(posts)
    c = posts[posts["kind"] == PostKind.COMMENT.value]
    plat, par, root, aid = _str(c["platform"]), _str(c["parent_id"]), _str(c["root_id"]), _str(c["author_id"])
    ref = par.where(par.notna(), root)
    src = _lookup(plat, ref, author_of, "author")
    src = src.where(src.notna(), _lookup(plat, root, author_of, "author"))
    ok = (src.notna() & aid.notna()).to_numpy()
    edges = _edges(platform=plat[ok].to_numpy(dtype=object), src_id=src[ok].to_numpy(dtype=object),
                   dst_id=aid[ok].to_numpy(dtype=object), kind=EdgeKind.REPLY.value, origin="reply",
                   post_id=_str(c["post_id"])[ok].to_numpy(dtype=object), hop=np.zeros(int(ok.sum()), np.int64),
                   created_at=c["published_at"].array[ok], resolved=np.ones(int(ok.sum()), dtype=bool))
    if ingest_edges is not None and len(ingest_edges):
        edges = pd.concat([edges, _ingest_rows(ingest_edges, EdgeKind.REPLY, edges["post_id"])],
                          ignore_index=True)
    tree = pd.DataFrame({"platform": c["platform"], "post_id": c["post_id"],
                         "parent_id": c["parent_id"].where(c["parent_id"].notna(), c["root_id"]),
                         "root_id": c["root_id"], "published_at": c["published_at"], "inferred": False})
    roots = posts[isin_ids(posts["post_id"], tree["root_id"]) & (posts["kind"] != PostKind.COMMENT.value).to_numpy()]
    root_rows = pd.DataFrame({"platform": roots["platform"], "post_id": roots["post_id"], "parent_id": None,
                              "root_id": roots["post_id"], "published_at": roots["published_at"],
                              "inferred": False})
    return edges, pd.concat([root_rows, tree], ignore_index=True) if len(root_rows) else tree


def _explode_list(posts: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Series]:
    """(row position, item as str) for every item of a list column (lists, arrays or nulls)."""
    x = posts[column].reset_index(drop=True).explode()
    x = x[x.notna()]
    return x.index.to_numpy(dtype=np.int64), x.astype(str).astype("str").reset_index(drop=True)


def mention_edges(posts: pd.DataFrame, resolver: NameResolver) -> pd.DataFrame:
    """Author -> each mentioned account, except names that are the post's repost chain."""
    p = posts[posts["author_id"].notna()].reset_index(drop=True)
    if not len(p) or "mentions" not in p:
        return _empty_edges()
    row, name = _explode_list(p, "mentions")
    name = name.str.lstrip("@").str.strip()
    m = pd.DataFrame({"row": row, "name": name})
    m = m[m["name"] != ""].drop_duplicates(["row", "name"])
    # names already in the chain of a repost are the chain, not mentions
    rep = np.flatnonzero((p["kind"] == PostKind.REPOST.value).to_numpy())
    rep = rep[np.isin(rep, m["row"].to_numpy())]
    if len(rep):
        sub = p.iloc[rep]
        links = chain_name_table(chain_sources(sub), _str(sub["platform"]), resolver.colon_names)
        in_chain = pd.DataFrame({"row": rep[links["row"].to_numpy()], "name": links["name"].to_numpy(),
                                 "drop": True}).drop_duplicates(["row", "name"])
        m = m.merge(in_chain, on=["row", "name"], how="left", sort=False)
        m = m[m["drop"].isna()]
    r = m["row"].to_numpy()
    plat = _str(p["platform"]).iloc[r].reset_index(drop=True)
    dst, ok = resolver.resolve_many(plat, m["name"].reset_index(drop=True))
    return _edges(platform=plat.to_numpy(dtype=object), src_id=_str(p["author_id"]).to_numpy(dtype=object)[r],
                  dst_id=dst.to_numpy(dtype=object), kind=EdgeKind.MENTION.value, origin="mention",
                  post_id=_str(p["post_id"]).to_numpy(dtype=object)[r], hop=np.zeros(len(r), np.int64),
                  created_at=p["published_at"].array[r], resolved=ok)


def hashtag_adoptions(posts: pd.DataFrame) -> pd.DataFrame:
    """First post of each hashtag per account, ranked in time (platform, hashtag, author_id, post_id, adopted_at, rank)."""
    cols = ["platform", "hashtag", "author_id", "post_id", "adopted_at", "rank"]
    p = posts[posts["author_id"].notna() & posts["published_at"].notna()].reset_index(drop=True)
    if not len(p) or "hashtags" not in p:
        return pd.DataFrame({c: [] for c in cols})
    row, tag = _explode_list(p, "hashtags")
    x = pd.DataFrame({"platform": p["platform"].to_numpy()[row], "author_id": p["author_id"].to_numpy()[row],
                      "post_id": p["post_id"].to_numpy()[row], "adopted_at": p["published_at"].array[row],
                      "hashtag": tag.str.strip().str.strip("#").to_numpy()})
    x = x[x["hashtag"] != ""]
    if not len(x):
        return pd.DataFrame({c: [] for c in cols})
    x = x.sort_values(["platform", "hashtag", "adopted_at", "post_id"], kind="stable")
    x = x.drop_duplicates(["platform", "hashtag", "author_id"], keep="first")
    x["rank"] = x.groupby(["platform", "hashtag"]).cumcount() + 1
    return x[cols].reset_index(drop=True)


def hashtag_edges(adoptions: pd.DataFrame) -> pd.DataFrame:
    """Each adopter after the first, linked from the account that adopted the hashtag just before it.

    A heuristic (see the module docstring): adoption order, not observed influence.
    """
    if not len(adoptions):
        return _empty_edges()
    a = adoptions.sort_values(["platform", "hashtag", "rank"])
    prev = a.groupby(["platform", "hashtag"])["author_id"].shift(1)
    m = prev.notna().to_numpy()
    k = int(m.sum())
    return _edges(platform=a["platform"].to_numpy()[m], src_id=prev.to_numpy()[m], dst_id=a["author_id"].to_numpy()[m],
                  kind=EdgeKind.HASHTAG.value, origin="hashtag", post_id=a["post_id"].to_numpy()[m],
                  hop=np.zeros(k, np.int64), created_at=a["adopted_at"].array[m], resolved=np.ones(k, dtype=bool))
