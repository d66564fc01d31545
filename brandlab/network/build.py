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
  linked from the account that adopted just before it. This is a *heuristic*: the data does not
  say from whom an account picked up a hashtag, and "the previous adopter" is only the simplest
  time-ordered guess (it makes a chain, not a tree). Hashtag edges are therefore kept out of the
  influence graph (:data:`brandlab.network.stage.INFLUENCE_KINDS`) and serve only as a record of
  adoption order.

Everything is vectorised: chains are split by Arrow regex kernels
(:func:`brandlab.network.chains.chain_name_table`), paths exploded into edges with numpy, and
lookups (a name's id, the author of a post, an account's earliest repost of a root) are Arrow
``index_in`` probes on NUL-joined keys (platform, NUL, id) over Arrow string columns, which stay
Arrow until the output frames; pandas merges, de-duplications and object arrays cost ~2x more CPU
(``tests/network/build_before.py`` keeps that version as the oracle the tests compare against).
The only per-row Python left is the rare chain whose pieces hold two colons on a platform where a
known nickname contains a colon (see ``chain_name_table``).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from brandlab.network.chains import chain_name_table
from brandlab.network.ids import index_ids, isin_ids, to_arrow_strings
from brandlab.schema import EdgeKind, PostKind

NAME_PREFIX = "name:"

EDGE_COLUMNS = ["platform", "src_id", "dst_id", "kind", "origin", "post_id", "hop", "created_at", "resolved"]


def _str(s: pd.Series) -> pd.Series:
    """A column as pandas ``str`` (nulls kept as missing), index reset."""
    s = s.reset_index(drop=True)
    if s.dtype == "str":
        return s
    if isinstance(s.dtype, pd.StringDtype):  # strings or missing already: Arrow to Arrow, no Python objects
        return s.astype("str")
    return s.astype(object).where(s.notna(), None).astype("str")


def _valid_name(s: pd.Series) -> pd.Series:
    return _str(s).str.strip()


def _series(arr: pa.Array) -> pd.Series:
    """An Arrow string array as a pandas ``str`` Series (index 0..n-1)."""
    return pd.Series(pd.array(arr, dtype="str"))


def _key(*parts: pa.Array) -> pa.LargeStringArray:
    """One join key per row: the parts joined by NUL (null where any part is null)."""
    return _join(*parts, sep="\x00")


def _join(*parts: pa.Array | str, sep: str) -> pa.LargeStringArray:
    """Element-wise ``sep.join(parts)`` of Arrow string arrays and plain strings (null where a part is)."""
    args = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*args, pa.scalar(sep, pa.large_string()))


def _take(values: pa.Array, pos: np.ndarray) -> pa.Array:
    """``values`` at ``pos``, null where ``pos`` is -1."""
    if not len(values):
        return pa.nulls(len(pos), values.type)
    return pc.take(values, pa.array(np.maximum(pos, 0), mask=pos < 0))


def _index_last(values: pa.Array, table: pa.Array) -> np.ndarray:
    """Position in ``table`` of each of ``values``, its *last* occurrence (-1 where absent or null)."""
    n = len(table)
    pos = index_ids(values, table[::-1]) if n else np.full(len(values), -1, dtype=np.int64)
    return np.where(pos >= 0, n - 1 - pos, -1)


class _Posts:
    """The string columns of a posts frame as Arrow arrays, converted once and taken by position."""

    def __init__(self, posts: pd.DataFrame) -> None:
        self.frame = posts
        self._cols: dict[str, pa.LargeStringArray] = {}

    def __getitem__(self, column: str) -> pa.LargeStringArray:
        if column not in self._cols:
            self._cols[column] = to_arrow_strings(_str(self.frame[column])) if column in self.frame else \
                pa.nulls(len(self.frame), pa.large_string())
        return self._cols[column]

    def author_index(self) -> tuple[pa.LargeStringArray, pa.LargeStringArray]:
        """Keys (platform NUL post_id) of the posts with an author, and those authors, for :func:`_index_last`."""
        has = pc.is_valid(self["author_id"])
        return (_key(self["platform"].filter(has), self["post_id"].filter(has)), self["author_id"].filter(has))


def _author_of(index: tuple[pa.Array, pa.Array], plat: pa.Array, key: pa.Array) -> pa.Array:
    """The author of post ``key`` on ``plat`` (the last row of a repeated post id; null where absent)."""
    keys, authors = index
    return _take(authors, _index_last(_key(plat, key), keys))


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
        if not plats:  # the common case: no need to collect every platform's names
            return {}
        return {p: v for p, v in self.names.items() if p in plats}

    def resolve(self, platform: str, name: str) -> tuple[str, bool]:
        aid = self.ids.get((platform, name))
        return (aid, True) if aid is not None else (NAME_PREFIX + name, False)

    def resolve_many(self, platform: pd.Series, name: pd.Series) -> tuple[pd.Series, np.ndarray]:
        """Ids (or ``name:<name>``) and a resolved flag for aligned platform/name columns."""
        ids, ok = self.resolve_arrow(to_arrow_strings(_str(platform)), to_arrow_strings(_str(name)))
        return _series(ids), ok

    def resolve_arrow(self, platform: pa.Array, name: pa.Array) -> tuple[pa.LargeStringArray, np.ndarray]:
        """:meth:`resolve_many` on Arrow string arrays: the ids as an Arrow array, and the flag."""
        pos = index_ids(_key(platform, name), _key(to_arrow_strings(self.table["platform"]),
                                                   to_arrow_strings(self.table["name"])))
        ok = pos >= 0
        hit = _take(to_arrow_strings(self.table["author_id"]), pos)
        return pc.if_else(pa.array(ok), hit, _join(NAME_PREFIX, name, sep="")), ok

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


def chain_sources(posts: pd.DataFrame) -> pd.Series:
    """The text holding each post's ``//@`` chain: ``repost_chain``, else ``text`` when it has an ``@``."""
    cols = _Posts(posts)
    return _series(_chain_sources(cols["repost_chain"], cols["text"]))


def _chain_sources(chain: pa.Array, text: pa.Array) -> pa.Array:
    use_chain = pc.fill_null(pc.not_equal(chain, ""), False)
    use_text = pc.and_(pc.invert(use_chain), pc.fill_null(pc.match_substring(text, "@"), False))
    return pc.if_else(use_chain, chain, pc.if_else(use_text, text, pa.scalar(None, pa.large_string())))


def repost_graph(posts: pd.DataFrame, authors: pd.DataFrame, ingest_edges: pd.DataFrame | None = None,
                 resolver: NameResolver | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Repost edges and the repost cascade tree (post_id, parent_id, root_id, published_at, inferred).

    Tree parents come from the chain where it names an account: that account's earliest repost of the
    same root, or an inferred node ``<root>@<account>`` when its repost is not in the data.
    Ids stay Arrow strings throughout; lookups are Arrow ``index_in`` on NUL-joined keys.
    """
    resolver = resolver or NameResolver(posts, authors)
    cols = _Posts(posts)
    author_index = cols.author_index()
    rep = np.flatnonzero((posts["kind"] == PostKind.REPOST.value).to_numpy(dtype=bool, na_value=False))
    times = posts["published_at"].iloc[rep].reset_index(drop=True)
    ri = rep[times.sort_values(kind="stable").index.to_numpy()]  # reposts in time order
    n = len(ri)
    ria = pa.array(ri)
    plat, pid, aid = cols["platform"].take(ria), cols["post_id"].take(ria), cols["author_id"].take(ria)
    raw_root, par = cols["root_id"].take(ria), cols["parent_id"].take(ria)
    root = pc.coalesce(raw_root, par)
    when = posts["published_at"].array.take(ri)
    has_aid = np.asarray(pc.is_valid(aid).to_numpy(zero_copy_only=False), dtype=bool)
    reposter = aid
    if not has_aid.all():  # the name of an author without an id, spelled as str() spells the cell
        miss = np.flatnonzero(~has_aid)
        names = posts["author_name"].iloc[ri[miss]].astype(object).map(str).to_numpy(dtype=object)
        fill = np.empty(n, dtype=object)
        fill[miss] = [NAME_PREFIX + x for x in names]
        reposter = pc.coalesce(aid, pa.array(fill, type=pa.large_string()))
    orig = _author_of(author_index, plat, root)
    again = np.flatnonzero(np.asarray(pc.and_(pc.is_null(orig), pc.is_valid(raw_root)).to_numpy(zero_copy_only=False),
                                      dtype=bool))  # where the root has no author, the parent's (root = parent elsewhere)
    if len(again):
        fill = np.full(n, -1, dtype=np.int64)
        fill[again] = np.arange(len(again))
        ag = pa.array(again)
        orig = pc.coalesce(orig, _take(_author_of(author_index, plat.take(ag), par.take(ag)), fill))
    if ingest_edges is not None and len(ingest_edges):
        ie = ingest_edges[ingest_edges["kind"] == EdgeKind.REPOST.value]
        ing = (_key(to_arrow_strings(_str(ie["platform"])), to_arrow_strings(_str(ie["post_id"]))),
               to_arrow_strings(_str(ie["src_author_id"])))
        orig = pc.coalesce(orig, _take(ing[1], _index_last(_key(plat, pid), ing[0])))
    plat_s = _series(plat)
    links = chain_name_table(_chain_sources(cols["repost_chain"].take(ria), cols["text"].take(ria)), plat_s,
                             resolver.colon_names)
    lrow = links["row"].to_numpy()
    lrow_a = pa.array(lrow)
    acc, acc_ok = resolver.resolve_arrow(plat.take(lrow_a), to_arrow_strings(links["name"]))
    n_links = np.bincount(lrow, minlength=n)
    chained = n_links > 0
    has_orig = np.asarray(pc.is_valid(orig).to_numpy(zero_copy_only=False), dtype=bool)
    # ---- chain edges: path reposter(0), names(1..k), original author(k+1) -> consecutive pairs
    cr = np.flatnonzero(chained)
    orows = cr[has_orig[cr]]
    seq_row = np.concatenate((cr, lrow, orows))
    seq_pos = np.concatenate((np.zeros(len(cr), np.int64), links["hop"].to_numpy() + 1, n_links[orows] + 1))
    seq_node = pa.concat_arrays([reposter.take(pa.array(cr)), acc, orig.take(pa.array(orows))])
    seq_ok = np.concatenate((has_aid[cr], acc_ok, np.ones(len(orows), dtype=bool)))
    o = np.lexsort((seq_pos, seq_row))
    seq_row, seq_pos, seq_ok = seq_row[o], seq_pos[o], seq_ok[o]
    pair = np.flatnonzero(seq_row[1:] == seq_row[:-1])
    er = seq_row[pair]
    # ---- plain reposts: original author -> reposter; then all edges in repost order, then hop
    pr = np.flatnonzero(~chained & has_orig)
    rows_of = np.concatenate((er, pr))
    hops = np.concatenate((seq_pos[pair], np.zeros(len(pr), np.int64)))
    order = np.lexsort((hops, rows_of))
    src = pa.concat_arrays([seq_node.take(pa.array(o[pair + 1])), orig.take(pa.array(pr))]).take(pa.array(order))
    dst = pa.concat_arrays([seq_node.take(pa.array(o[pair])), reposter.take(pa.array(pr))]).take(pa.array(order))
    origin = np.where(order < len(er), "chain", "parent").astype(object)
    rows_o = pa.array(rows_of[order])
    edges = _edges(platform=_series(plat.take(rows_o)), src_id=_series(src), dst_id=_series(dst),
                   kind=EdgeKind.REPOST.value, origin=origin, post_id=_series(pid.take(rows_o)),
                   hop=hops[order], created_at=when.take(rows_of[order]),
                   resolved=np.concatenate((seq_ok[pair] & seq_ok[pair + 1], has_aid[pr]))[order])
    # ---- tree: chain hops point at the named account's earliest repost of the root, else inferred
    lplat, lroot, lpid = plat.take(lrow_a), root.take(lrow_a), pid.take(lrow_a)
    first = pc.and_(pc.is_valid(raw_root), pc.is_valid(aid))
    first_pos = index_ids(_key(lplat, lroot, acc), _key(plat.filter(first), raw_root.filter(first),
                                                        aid.filter(first)))
    node = _take(pid.filter(first), first_pos)
    made = pc.or_(pc.is_null(node), pc.fill_null(pc.equal(node, lpid), False))
    node = pc.if_else(made, _join(lroot, acc, sep="@"), node)
    k = len(lrow)
    last = np.ones(k, dtype=bool)
    last[:-1] = lrow[1:] != lrow[:-1]
    nxt = pa.concat_arrays([node, lroot]).take(pa.array(np.where(last, k + np.arange(k), np.arange(k) + 1)))
    hop0 = np.flatnonzero(links["hop"].to_numpy() == 0)
    pick = np.arange(n)
    pick[lrow[hop0]] = n + hop0
    tree_parent = pa.concat_arrays([pc.coalesce(par, root), node]).take(pa.array(pick))
    tree = pd.DataFrame({"platform": plat_s, "post_id": _series(pid), "parent_id": _series(tree_parent),
                         "root_id": _series(root), "published_at": pd.Series(when), "inferred": False})
    inf_mask = pc.and_(made, pc.is_valid(lroot))
    inf_id, inf_par, inf_root = node.filter(inf_mask), nxt.filter(inf_mask), lroot.filter(inf_mask)
    uniq = pa.array(_first_rows(inf_id))
    inf_id, inf_par, inf_root = inf_id.filter(uniq), inf_par.filter(uniq), inf_root.filter(uniq)
    inf_plat = _take(plat, _index_last(inf_root, raw_root))
    inf = pd.DataFrame({"post_id": _series(inf_id), "parent_id": _series(inf_par), "root_id": _series(inf_root),
                        "platform": _series(inf_plat).fillna("")})
    # an unknown time of the tree's own dtype: a plain NaT would turn the column into objects
    no_time = pd.Series(pd.NaT, index=inf.index, dtype=tree["published_at"].dtype)
    tree = pd.concat([tree, inf.assign(published_at=no_time, inferred=True)[tree.columns]], ignore_index=True)
    if ingest_edges is not None and len(ingest_edges):
        edges = pd.concat([edges, _ingest_rows(ingest_edges, EdgeKind.REPOST, edges["post_id"])],
                          ignore_index=True)
    # roots of the repost cascades: the reposted posts themselves (when present)
    return edges, _with_roots(posts, cols, pa.concat_arrays([root, inf_root]), tree)


def _first_rows(values: pa.Array) -> np.ndarray:
    """Mask of the first row of each distinct value (one hash pass: Arrow numbers values by first appearance)."""
    if not len(values):
        return np.zeros(0, dtype=bool)
    codes = np.asarray(pc.dictionary_encode(values).indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    first = np.empty(len(codes), dtype=bool)
    first[0] = True
    first[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    return first


def _with_roots(posts: pd.DataFrame, cols: _Posts, root_ids: pa.Array, tree: pd.DataFrame,
                exclude: np.ndarray | None = None) -> pd.DataFrame:
    """``tree`` after one root row (parent null) for each post that some tree row names as its root."""
    mask = isin_ids(cols["post_id"], root_ids)
    if exclude is not None:
        mask &= ~exclude
    roots = posts.loc[mask, ["platform", "post_id", "published_at"]]
    root_rows = pd.DataFrame({"platform": roots["platform"], "post_id": roots["post_id"], "parent_id": None,
                              "root_id": roots["post_id"], "published_at": roots["published_at"],
                              "inferred": False})
    return pd.concat([root_rows, tree], ignore_index=True) if len(root_rows) else tree


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
    cols = _Posts(posts)
    is_com = (posts["kind"] == PostKind.COMMENT.value).to_numpy(dtype=bool, na_value=False)
    ci = pa.array(np.flatnonzero(is_com))
    plat, par, root, aid = (cols[c].take(ci) for c in ("platform", "parent_id", "root_id", "author_id"))
    index = cols.author_index()
    # both lookups (the parent's author, else the root's) in one probe: one hash table over all posts
    both = _author_of(index, pa.concat_arrays([plat, plat]), pa.concat_arrays([pc.coalesce(par, root), root]))
    src = pc.coalesce(both.slice(0, len(plat)), both.slice(len(plat)))
    ok = pc.and_(pc.is_valid(src), pc.is_valid(aid))
    k = int(pc.sum(ok).as_py() or 0)
    edges = _edges(platform=_series(plat.filter(ok)), src_id=_series(src.filter(ok)), dst_id=_series(aid.filter(ok)),
                   kind=EdgeKind.REPLY.value, origin="reply", post_id=_series(cols["post_id"].take(ci).filter(ok)),
                   hop=np.zeros(k, np.int64),
                   created_at=posts["published_at"].array[is_com][np.asarray(ok.to_numpy(zero_copy_only=False),
                                                                             dtype=bool)],
                   resolved=np.ones(k, dtype=bool))
    if ingest_edges is not None and len(ingest_edges):
        edges = pd.concat([edges, _ingest_rows(ingest_edges, EdgeKind.REPLY, edges["post_id"])],
                          ignore_index=True)
    c = posts.loc[is_com, ["platform", "post_id", "parent_id", "root_id", "published_at"]]
    tree = pd.DataFrame({"platform": c["platform"], "post_id": c["post_id"],
                         "parent_id": c["parent_id"].where(c["parent_id"].notna(), c["root_id"]),
                         "root_id": c["root_id"], "published_at": c["published_at"], "inferred": False})
    return edges, _with_roots(posts, cols, root, tree, exclude=is_com)


def _explode_list(posts: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Series]:
    """(row position, item as str) for every item of a list column (lists, arrays or nulls)."""
    try:  # lists of strings (the schema's lists): one Arrow conversion, no per-item pandas objects
        lists = pa.array(posts[column].to_numpy(dtype=object), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        lists = None
    if lists is not None and pa.types.is_list(lists.type) and (pa.types.is_string(lists.type.value_type)
                                                                or pa.types.is_large_string(lists.type.value_type)):
        flat, rows = pc.list_flatten(lists), pc.list_parent_indices(lists)
        ok = flat.is_valid()
        return (np.asarray(rows.filter(ok).to_numpy(zero_copy_only=False), dtype=np.int64),
                _series(flat.filter(ok).cast(pa.large_string())))
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
    arrs, at = _Posts(p), pa.array(row)
    x = pd.DataFrame({"platform": _series(arrs["platform"].take(at)), "author_id": _series(arrs["author_id"].take(at)),
                      "post_id": _series(arrs["post_id"].take(at)), "adopted_at": p["published_at"].array[row],
                      "hashtag": tag.str.strip().str.strip("#")})
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
