"""dataabc/weibo-search keyword-search CSV and dataabc/weiboSpider per-user CSV.

weibo-search (``结果文件/{keyword}/{keyword}.csv``): one row per post, the root of a repost emitted as
its own row, the repost's ``retweet_id`` = that root; counts keep their display suffixes
(``1.2万``, ``100万+``); ``发布时间`` is ``%Y-%m-%d %H:%M``; ``user_authentication`` is
蓝V/黄V/红V/金V/普通用户.

weiboSpider (``weibo/{nickname}/{user_id}.csv``): ``微博id`` is the base62 ``bid`` (converted to the
numeric ``mid`` the other exporters use); missing values are ``无``; a repost's text is composed as
``"{reason}\\n原始用户: {name}\\n转发内容: {original}"`` and has no id of its original, so the edge
names the original author by nickname (``resolved=False``).
"""

from __future__ import annotations

import re

import pandas as pd

from brandlab.ingest.base import Parsed, ReadContext, register_adapter
from brandlab.ingest.tabular import RawTable, TabularAdapter, build_table
from brandlab.ingest.weibo_crawler import FIX_COLUMNS, WEIBO, author_id_from_path
from brandlab.ingest.weibo_text import (
    bid_to_mid,
    extract_hashtags,
    extract_mentions,
    split_list,
    split_repost_chain,
)
from brandlab.schema import POST, EdgeKind, PostKind

_VERIFIED = {"蓝V": True, "黄V": True, "红V": True, "金V": True, "普通用户": False}


def _merge_lists(cells: pd.Series, text: pd.Series, extract: object) -> pd.Series:
    out = []
    for cell, body in zip(cells.tolist(), text.tolist(), strict=True):
        items = split_list(cell if isinstance(cell, str) else None)
        found = extract(body) if isinstance(body, str) else []  # type: ignore[operator]
        out.append(items + [t for t in found if t not in items])
    return pd.Series(out, index=cells.index, dtype=object)


class WeiboSearchCsv(TabularAdapter):
    """``{keyword}.csv`` of dataabc/weibo-search."""

    name = "weibo-search.csv"
    platform = WEIBO
    signature = ("id", "用户昵称", "微博正文", "bid", "user_id", "转发数", "评论数", "点赞数", "发布时间", "话题",
                 "艾特用户", "retweet_id")

    def convert(self, raw: RawTable, ctx: ReadContext) -> Parsed:
        raw.require({"post_id": ["id"], "text": ["微博正文"], "published_at": ["发布时间"]},
                    what="weibo-search CSV", fix=FIX_COLUMNS)
        anchor = ctx.anchor()
        df = build_table(raw, POST, {
            "post_id": "id", "author_id": "user_id", "author_name": "用户昵称", "text": "微博正文",
            "published_at": "发布时间", "like_count": "点赞数", "comment_count": "评论数", "share_count": "转发数",
            "ip_location": "ip"}, as_of=anchor)
        raw.ids("id", required=True)
        text = raw.text("微博正文")
        df["hashtags"] = _merge_lists(raw.text("话题"), text, extract_hashtags)
        df["mentions"] = _merge_lists(raw.text("艾特用户"), text, extract_mentions)
        root = raw.ids("retweet_id")
        is_repost = root.notna()
        df["platform"] = WEIBO
        df["kind"] = PostKind.POST.value
        df.loc[is_repost, "kind"] = PostKind.REPOST.value
        df["parent_id"] = root
        df["root_id"] = root
        df["repost_chain"] = text.map(lambda t: split_repost_chain(t)[1], na_action="ignore").where(is_repost)
        bid = raw.text("bid")
        df["url"] = ("https://weibo.com/" + df["author_id"] + "/" + bid).astype("string")

        auth = raw.text("user_authentication")
        authors = pd.DataFrame({"platform": WEIBO, "author_id": df["author_id"], "nickname": df["author_name"],
                                "verified": auth.map(_VERIFIED.get, na_action="ignore").astype("boolean"),
                                "verified_type": auth.where(auth != "普通用户"), "source_row": raw.rows})
        authors = authors[authors["author_id"].notna()]
        by_post = dict(zip(df["post_id"].dropna(), df.loc[df["post_id"].notna(), "author_id"], strict=True))
        src = root.map(by_post)
        ok = is_repost & src.notna() & df["author_id"].notna()
        edges = pd.DataFrame({"platform": WEIBO, "src_author_id": src[ok], "dst_author_id": df.loc[ok, "author_id"],
                              "post_id": df.loc[ok, "post_id"], "kind": EdgeKind.REPOST.value,
                              "created_at": df.loc[ok, "published_at"], "resolved": True, "origin": "ingest"})
        return self.finish(raw, ctx, {"posts": df, "authors": authors, "edges": edges}, crawled_at=None)


_SPIDER_REPOST = re.compile(r"^(?P<reason>.*?)\s*原始用户[:：]\s*(?P<name>[^\n]+?)\s*\n?\s*转发内容[:：]\s*(?P<orig>.*)$",
                            re.S)


class WeiboSpiderCsv(TabularAdapter):
    """``weibo/{nickname}/{user_id}.csv`` of dataabc/weiboSpider (weibo.cn pages)."""

    name = "weibospider.csv"
    platform = WEIBO
    signature = ("微博id", "微博正文", "发布时间", "点赞数", "转发数", "评论数", "发布位置", "发布工具",
                 "是否为原创微博", "原始图片url")

    def convert(self, raw: RawTable, ctx: ReadContext) -> Parsed:
        raw.require({"post_id": ["微博id"], "text": ["微博正文"], "published_at": ["发布时间"]},
                    what="weiboSpider CSV", fix=FIX_COLUMNS)
        anchor = ctx.anchor()
        df = build_table(raw, POST, {"text": "微博正文", "published_at": "发布时间", "like_count": "点赞数",
                                     "comment_count": "评论数", "share_count": "转发数"}, as_of=anchor)
        bids = raw.text("微博id")
        mids: list[str | None] = []
        bad = []
        for b in bids.tolist():
            try:
                mids.append(None if b is pd.NA else bid_to_mid(str(b)))
                bad.append(b is pd.NA)
            except ValueError:
                mids.append(None)
                bad.append(True)
        raw.flag_rows(pd.Series(bad, index=raw.df.index), "微博id",
                      "微博id is not a base62 Weibo bid (expected e.g. 'IDdFbbRZn')")
        df["post_id"] = pd.Series(mids, index=df.index, dtype="string")
        author = author_id_from_path(ctx.source_file)
        df["author_id"] = pd.Series(author, index=df.index, dtype="string")
        df["platform"] = WEIBO
        text = raw.text("微博正文")
        parts = text.map(lambda t: _SPIDER_REPOST.match(t), na_action="ignore")
        original = raw.text("是否为原创微博").str.lower()
        is_repost = parts.map(lambda m: isinstance(m, re.Match)).astype(bool) | original.isin(["false", "否"])
        df["kind"] = PostKind.POST.value
        df.loc[is_repost, "kind"] = PostKind.REPOST.value
        src_name = parts.map(lambda m: m.group("name").strip() if isinstance(m, re.Match) else None)
        df["repost_chain"] = text.map(lambda t: split_repost_chain(t)[1], na_action="ignore").where(is_repost)
        df["hashtags"] = text.map(extract_hashtags, na_action="ignore")
        df["mentions"] = text.map(extract_mentions, na_action="ignore")
        df["url"] = ("https://weibo.cn/comment/" + bids).astype("string")
        ok = is_repost & src_name.notna() & df["author_id"].notna() & df["post_id"].notna()
        edges = pd.DataFrame({"platform": WEIBO, "src_author_id": src_name[ok], "dst_author_id": df.loc[ok, "author_id"],
                              "post_id": df.loc[ok, "post_id"], "kind": EdgeKind.REPOST.value,
                              "created_at": df.loc[ok, "published_at"], "resolved": False, "origin": "ingest"})
        return self.finish(raw, ctx, {"posts": df, "edges": edges}, crawled_at=None)


for _adapter in (WeiboSearchCsv(), WeiboSpiderCsv()):
    register_adapter(_adapter)
