"""dataabc/weibo-crawler's SQLite database (``weibodata.db``): tables user, weibo, comments, reposts.

* ``weibo``: one row per post; a repost's ``retweet_id`` names its root original, which the crawler
  also inserts as a row of its own ('' for originals). ``created_at`` is ``%Y-%m-%d %H:%M:%S``.
* ``comments``: ``weibo_id`` = the post, ``root_id`` = the top comment of the thread (its own id for a
  top comment); ``created_at`` is the raw API string (``Sat Dec 23 17:12:54 +0800 2023``).
* ``reposts`` (repostTimeline of a post): ``weibo_id`` = the reposted post; ``text`` is only the
  reposter's words (the crawler cut the ``//`` chain), so ``repost_chain`` stays empty.
* ``user``: the crawled accounts (``nick_name``, ``follower_count``, ``birthday``, ``bio`` ...).

Quarantine rows name their table in the column (``comments.like_count``) because row numbers
(SQLite rowids) repeat across tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from brandlab.errors import ExportFormatError, format_message
from brandlab.ingest.base import Head, Parsed, ReadContext, concat_quarantine, register_adapter
from brandlab.ingest.tabular import RawTable, TabularAdapter, build_table
from brandlab.ingest.weibo_crawler import JSON_TO_CSV, WEIBO, convert_weibo_rows, user_frame
from brandlab.ingest.weibo_text import extract_hashtags, extract_mentions
from brandlab.schema import POST, EdgeKind, PostKind

TABLES = ("weibo", "comments", "reposts", "user")


def _read_table(con: sqlite3.Connection, name: str, path: Path) -> RawTable:
    cur = con.execute(f'SELECT rowid AS source_row, * FROM "{name}"')
    cols = [d[0] for d in cur.description]
    # ids are TEXT in weibo-crawler's schema, but SQLite's type affinity may hand back ints: str them
    rows = [{c: (str(v) if isinstance(v, int) and c in ("id", "weibo_id", "root_id", "user_id", "retweet_id")
                 else v) for c, v in zip(cols, r, strict=True)} for r in cur.fetchall()]
    raw = RawTable.from_records(pd.DataFrame(rows, columns=cols), path)
    return raw


def _qualify(raw: RawTable, table: str) -> pd.DataFrame:
    q = raw.quarantine()
    if len(q):
        q["column"] = table + "." + q["column"].astype(str)
    return q


def _edges(posts: pd.DataFrame, src: pd.Series, kind: EdgeKind) -> pd.DataFrame:
    ok = src.notna() & posts["author_id"].notna()
    return pd.DataFrame({"platform": WEIBO, "src_author_id": src[ok], "dst_author_id": posts.loc[ok, "author_id"],
                         "post_id": posts.loc[ok, "post_id"], "kind": kind.value,
                         "created_at": posts.loc[ok, "published_at"], "resolved": True, "origin": "ingest"})


def convert_interactions(raw: RawTable, *, kind: PostKind, anchor: Any) -> pd.DataFrame:
    """``comments`` or ``reposts`` rows -> Posts of that kind, each pointing at its post."""
    mapping = {"post_id": "id", "root_id": "weibo_id", "author_id": "user_id", "author_name": "user_screen_name",
               "published_at": "created_at", "text": "text", "like_count": "like_count"}
    raw.require({k: [v] for k, v in mapping.items() if k in ("post_id", "root_id")},
                what=f"weibo-crawler SQLite table {kind.value}s", fix="re-create the database with weibo-crawler")
    df = build_table(raw, POST, mapping, as_of=anchor)
    df["platform"], df["kind"] = WEIBO, kind.value
    parent = df["root_id"].copy()
    if kind is PostKind.COMMENT and raw.has("root_id"):  # a reply points at the thread's top comment
        top = raw.ids("root_id")
        reply = top.notna() & (top != df["post_id"])
        parent = parent.mask(reply, top)
    df["parent_id"] = parent
    text = raw.text("text")
    df["hashtags"] = text.map(extract_hashtags, na_action="ignore")
    df["mentions"] = text.map(extract_mentions, na_action="ignore")
    df["url"] = pd.Series(pd.NA, index=df.index, dtype="string")
    return df


class WeiboCrawlerSqlite(TabularAdapter):
    """``weibodata.db`` of dataabc/weibo-crawler (``write_mode`` sqlite)."""

    name = "weibo-crawler.sqlite"
    platform = WEIBO

    def sniff(self, path: Path, head: Head) -> float:
        t = head.tables
        if "weibo" in t and {"retweet_id", "attitudes_count", "bid"} <= set(t["weibo"]):
            return 0.95
        return 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                raws = {t: _read_table(con, t, path) for t in TABLES if t in present}
            finally:
                con.close()
        except sqlite3.Error as err:
            raise ExportFormatError(format_message(
                f"cannot read {path.name!r} as a weibo-crawler database: {err}",
                fix="check that the file is a complete SQLite file written by weibo-crawler"), path=str(path)) from err
        yield self.parse(raws, ctx)

    def parse(self, records: Any, ctx: ReadContext) -> Parsed:
        """``records``: table name -> rows (a list of dicts, a DataFrame or a RawTable)."""
        raws = {t: r if isinstance(r, RawTable) else RawTable.from_records(r, ctx.source_file)
                for t, r in records.items()}
        if "weibo" not in raws:
            raise ExportFormatError(format_message(
                f"{Path(ctx.source_file).name!r} has no 'weibo' table", expected=f"tables {list(TABLES)}",
                found=sorted(raws), fix="point brandlab at weibo-crawler's weibodata.db"), path=ctx.source_file)
        anchor = ctx.anchor()
        w = raws["weibo"]
        w.df = w.df.rename(columns={k: v for k, v in JSON_TO_CSV.items() if k != "created_at"}
                           | {"created_at": "完整日期", "retweet_id": "源微博id"})
        w.df["是否原创"] = w.df["源微博id"].map(lambda v: "False" if v not in (None, "") else "True")
        tables = convert_weibo_rows(w, anchor=anchor, file_author=None)
        posts = [tables["posts"]]
        edges = [tables["edges"]] if "edges" in tables else []
        authors: list[pd.DataFrame] = []
        good_posts = tables["posts"][~tables["posts"]["source_row"].isin(w.rows[w.bad])]
        post_author = dict(zip(good_posts["post_id"], good_posts["author_id"], strict=True))
        quarantine = [_qualify(w, "weibo")]
        for table, kind in (("comments", PostKind.COMMENT), ("reposts", PostKind.REPOST)):
            if table not in raws or not len(raws[table].df):
                continue
            r = raws[table]
            df = convert_interactions(r, kind=kind, anchor=anchor)
            df = df[~df["source_row"].isin(r.rows[r.bad])]
            quarantine.append(_qualify(r, table))
            if kind is PostKind.REPOST:  # reply edges and bare authors are derived by ingest_file
                edges.append(_edges(df, df["parent_id"].map(post_author), EdgeKind.REPOST))
            posts.append(df)
        if "user" in raws and len(raws["user"].df):
            u = raws["user"]
            u.ids("id", required=True)
            prof = user_frame(u)
            authors.append(prof[~prof["source_row"].isin(u.rows[u.bad])].drop(columns="source_row"))
            quarantine.append(_qualify(u, "user"))
        out = {"posts": pd.concat(posts, ignore_index=True)}
        if edges:
            out["edges"] = pd.concat(edges, ignore_index=True)
        if authors:
            out["authors"] = pd.concat(authors, ignore_index=True)
        parsed = self.finish(RawTable(w.df.iloc[0:0], w.rows.iloc[0:0], w.path), ctx, out)
        parsed.quarantine = concat_quarantine(quarantine)
        parsed.rows_read = sum(len(r.df) for r in raws.values())
        return parsed


register_adapter(WeiboCrawlerSqlite())
