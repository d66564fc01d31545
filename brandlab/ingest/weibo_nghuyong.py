"""nghuyong/WeiboSpider JSONL (weibo.com ajax API): ``output/{spider}_{YYYYmmddHHMMSS}.jsonl``.

Tweet items (tweet_by_user_id / tweet_by_keyword / tweet_by_tweet_id / repost spiders):
``_id`` (mid), ``mblogid``, ``created_at`` (``%Y-%m-%d %H:%M:%S``), ``ip_location`` (``发布于 德国``),
``reposts_count``, ``comments_count``, ``attitudes_count``, ``content`` (= ``text_raw``, whose chains read
``//@name :``), ``user{_id, nick_name, verified, followers_count, ...}``, ``url``, ``is_retweet``,
``retweet_id`` (the root's mid), ``crawl_time`` (epoch s). Comment items: ``_id``, ``created_at``,
``like_counts``, ``ip_location`` (``来自河南``), ``content``, ``comment_user{...}``, ``reply_comment{_id}``;
they do not name their post, so a comment's ``parent_id`` is only known for replies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from brandlab.ingest.base import Head, Parsed, ReadContext, register_adapter
from brandlab.ingest.tabular import RawTable, TabularAdapter, build_table
from brandlab.ingest.values import open_text, to_timestamp
from brandlab.ingest.weibo_crawler import WEIBO, user_frame
from brandlab.ingest.weibo_text import extract_hashtags, extract_mentions, split_repost_chain
from brandlab.schema import POST, EdgeKind, PostKind

_USER_KEYS = {"_id": "id", "nick_name": "screen_name", "friends_count": "follow_count"}


def flatten(record: dict[str, Any], n: int) -> dict[str, Any]:
    """One JSONL item -> a flat row (user fields under ``user.``)."""
    user = record.get("user") or record.get("comment_user") or {}
    row: dict[str, Any] = {k: v for k, v in record.items() if not isinstance(v, (dict, list))}
    row |= {"user." + _USER_KEYS.get(str(k), str(k)): v for k, v in user.items()} if isinstance(user, dict) else {}
    reply = record.get("reply_comment")
    row["reply_to"] = reply.get("_id") if isinstance(reply, dict) else None
    row["item_type"] = "comment" if "comment_user" in record else "tweet"
    row["source_row"] = n
    return row


class NghuyongWeiboJsonl(TabularAdapter):
    """nghuyong/WeiboSpider JSONL output (tweets, reposts, comments)."""

    name = "nghuyong-weibospider.jsonl"
    platform = WEIBO

    def sniff(self, path: Path, head: Head) -> float:
        if head.kind != "jsonl" or not head.records:
            return 0.0
        r = head.records[0]
        if {"_id", "mblogid", "user", "attitudes_count"} <= set(r):
            return 0.9
        return 0.85 if {"_id", "comment_user", "like_counts", "content"} <= set(r) else 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        rows: list[dict[str, Any]] = []
        bad: list[tuple[int, str, str]] = []
        with open_text(path) as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as err:
                    bad.append((n, line[:500], f"line is not valid JSON: {err.msg} (column {err.colno})"))
                    continue
                rows.append(obj if isinstance(obj, dict) else {"_id": None, "content": line[:200]})
                rows[-1]["source_row"] = n
        parsed = self.parse(rows, ctx)
        if bad:
            extra = pd.DataFrame({"source_row": pd.array([b[0] for b in bad], dtype="Int64"), "column": "(row)",
                                  "value": [b[1] for b in bad], "reason": [b[2] for b in bad],
                                  "raw": [b[1] for b in bad]})
            parsed.quarantine = pd.concat([parsed.quarantine, extra], ignore_index=True)
            parsed.rows_read += len(bad)
        yield parsed

    def parse(self, records: Any, ctx: ReadContext) -> Parsed:
        rows = [flatten(r, int(r.get("source_row", i))) for i, r in enumerate(records, start=1)]
        raw = RawTable.from_records(rows, ctx.source_file)
        crawl = raw.times("crawl_time").max() if raw.has("crawl_time") else None
        crawl = None if crawl is None or pd.isna(crawl) else crawl
        anchor = ctx.anchor(crawl)
        df = build_table(raw, POST, {
            "post_id": "_id", "published_at": "created_at", "text": "content", "ip_location": "ip_location",
            "share_count": "reposts_count", "comment_count": "comments_count",
            "like_count": "attitudes_count", "url": "url", "author_id": "user.id",
            "author_name": "user.screen_name"}, as_of=anchor)
        if raw.has("like_counts"):  # comment items name it differently
            df["like_count"] = df.get("like_count", pd.Series(pd.NA, index=df.index, dtype="Int64")).fillna(
                raw.counts("like_counts")[0])
        df["platform"] = WEIBO
        is_comment = raw.text("item_type") == "comment"
        retweet = raw.ids("retweet_id")
        flag = raw.text("is_retweet").str.lower().isin(["true", "1"])
        is_repost = (retweet.notna() | flag) & ~is_comment
        df["kind"] = PostKind.POST.value
        df.loc[is_repost, "kind"] = PostKind.REPOST.value
        df.loc[is_comment, "kind"] = PostKind.COMMENT.value
        df["parent_id"] = retweet.where(is_repost).fillna(raw.ids("reply_to").where(is_comment))
        df["root_id"] = retweet.where(is_repost)
        text = raw.text("content")
        df["repost_chain"] = text.map(lambda t: split_repost_chain(t)[1], na_action="ignore").where(is_repost)
        df["hashtags"] = text.map(extract_hashtags, na_action="ignore")
        df["mentions"] = text.map(extract_mentions, na_action="ignore")
        users = raw.subset(raw.ids("user.id").notna())
        users.df = users.df.rename(columns=lambda c: c[5:] if c.startswith("user.") else "_" + c)
        authors = user_frame(users)
        by_post = dict(zip(df["post_id"].dropna(), df.loc[df["post_id"].notna(), "author_id"], strict=True))
        src = df["parent_id"].map(by_post)
        ok = src.notna() & df["author_id"].notna() & df["kind"].isin([PostKind.REPOST.value])
        edges = pd.DataFrame({"platform": WEIBO, "src_author_id": src[ok], "dst_author_id": df.loc[ok, "author_id"],
                              "post_id": df.loc[ok, "post_id"], "kind": EdgeKind.REPOST.value,
                              "created_at": df.loc[ok, "published_at"], "resolved": True, "origin": "ingest"})
        tables = {"posts": df, "authors": authors, "edges": edges}
        return self.finish(raw, ctx, tables, crawled_at=to_timestamp(crawl) if crawl is not None else None)


register_adapter(NghuyongWeiboJsonl())
