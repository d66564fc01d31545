"""WeChat official-account (公众号) article statistics.

Three shapes users hold:

* monitoring-tool sheets (CSV/XLSX): ``序号, 标题, 链接, 发布时间, 阅读量, 点赞量, 在看量`` (阅读量 is shown
  capped as ``10万+``; the flag ``counts_capped`` records it);
* the mp backend / CHwxanalysis sheet: ``发布时间, 标题, 送达人数, 图文阅读人数, 图文阅读次数, 分享人数,
  分享次数, 收藏人数, 收藏次数``;
* the official datacube JSON (``getarticletotal``): ``{"list": [{ref_date, msgid, title,
  details: [{stat_date, target_user, int_page_read_user, int_page_read_count, share_user, ...}]}]}``.

An article is identified by ``{mid}_{idx}`` from its link (``mp.weixin.qq.com/s?__biz=..&mid=..&idx=..``),
the same form as datacube's ``msgid``; the author id is the account's ``__biz``. Without a link, a hash
of (platform, 标题, 发布时间) is used. Statistics also become dated ``post_metrics`` rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pandas as pd

from brandlab.ingest.base import Head, Parsed, ReadContext, read_json_records, register_adapter
from brandlab.ingest.tabular import RawTable, TabularAdapter, build_table, metric_dates, metrics_long, synth_id
from brandlab.ingest.values import detect_encoding
from brandlab.schema import POST, Platform, PostKind

WECHAT = Platform.WECHAT.value
FIX = "export the article list with 标题 and 发布时间 columns, or pass --format generic with a column map"
POST_COLUMNS = {"play_count": ("阅读量", "图文阅读次数", "阅读数"), "like_count": ("点赞量", "点赞数"),
                "share_count": ("分享次数", "转发量"), "collect_count": ("收藏次数",)}
METRICS = {"阅读量": "reads", "阅读数": "reads", "图文阅读次数": "reads", "图文阅读人数": "read_users",
           "点赞量": "likes", "点赞数": "likes", "在看量": "wow", "在看数": "wow", "送达人数": "delivered",
           "分享人数": "share_users", "分享次数": "shares", "收藏人数": "fav_users", "收藏次数": "favs"}
DATACUBE_METRICS = {"target_user": "delivered", "int_page_read_user": "read_users", "int_page_read_count": "reads",
                    "ori_page_read_user": "original_read_users", "ori_page_read_count": "original_reads",
                    "share_user": "share_users", "share_count": "shares", "add_to_fav_user": "fav_users",
                    "add_to_fav_count": "favs"}


def article_ids(url: Any) -> tuple[str | None, str | None]:
    """(post id, account id) from an article link: '…?__biz=MzA5&mid=2650&idx=1&sn=…' -> ('2650_1', 'MzA5');
    a short link 'https://mp.weixin.qq.com/s/AbCd' -> ('AbCd', None)."""
    if not isinstance(url, str) or "weixin.qq.com" not in url:
        return None, None
    u = urlparse(url.strip())
    q = parse_qs(u.query)
    biz = q.get("__biz", [None])[0]
    if q.get("mid"):
        return f"{q['mid'][0]}_{q.get('idx', ['1'])[0]}", biz
    slug = u.path.rstrip("/").rsplit("/", 1)[-1]
    return (slug or None) if u.path.startswith("/s/") else None, biz


class WechatArticleStats(TabularAdapter):
    """WeChat article statistics sheets (monitoring tools, mp backend / CHwxanalysis)."""

    name = "wechat.article-stats"
    platform = WECHAT
    signature = ("标题", "发布时间", "阅读量", "点赞量", "在看量", "链接", "送达人数", "图文阅读人数", "图文阅读次数",
                 "分享次数", "收藏次数")

    def sniff(self, path: Path, head: Head) -> float:
        return max(super().sniff(path, head), self._sniff_backend(head))

    def _sniff_backend(self, head: Head) -> float:
        from brandlab.ingest.tabular import sniff_headers

        return sniff_headers(head, ("标题", "发布时间", "图文阅读次数"), ("送达人数", "图文阅读人数", "分享次数", "收藏次数"))

    def convert(self, raw: RawTable, ctx: ReadContext) -> Parsed:
        raw.require({"title": ["标题", "文章标题"], "published_at": ["发布时间", "群发时间"]},
                    what="WeChat article statistics", fix=FIX)
        anchor = ctx.anchor()
        title, published = raw.first("标题", "文章标题"), raw.first("发布时间", "群发时间")
        mapping = {k: raw.first(*names) for k, names in POST_COLUMNS.items()}
        posts = build_table(raw, POST, mapping | {"title": title, "text": title, "published_at": published,
                                                  "author_name": raw.first("公众号", "公众号名称", "账号"),
                                                  "url": raw.first("链接", "文章链接", "原文链接")}, as_of=anchor)
        ids = posts["url"].map(article_ids) if "url" in posts else pd.Series([(None, None)] * len(posts))
        posts["post_id"] = [pid or synth_id(WECHAT, t, None if pd.isna(p) else p.isoformat())
                            for (pid, _biz), t, p in zip(ids, posts["title"], posts["published_at"], strict=True)]
        posts["author_id"] = pd.Series([biz for _pid, biz in ids], index=posts.index, dtype="string")
        posts["platform"], posts["kind"] = WECHAT, PostKind.POST.value
        raw.flag_rows(posts["title"].isna() & posts["url"].isna() if "url" in posts else posts["title"].isna(),
                      title, "row has no title and no link: it cannot be identified")
        present = {src: m for src, m in METRICS.items() if raw.has(src)}
        tables = {"posts": posts}
        if present:
            metrics = metrics_long(raw, posts, present, platform=WECHAT, date=metric_dates(raw, "统计日期", anchor))
            tables["post_metrics"] = metrics.drop_duplicates(["post_id", "date", "metric"], keep="first")
        return self.finish(raw, ctx, tables, crawled_at=anchor)


class WechatDatacube(TabularAdapter):
    """The official datacube ``getarticletotal`` / ``getarticlesummary`` JSON (``list`` of articles)."""

    name = "wechat.datacube"
    platform = WECHAT

    def sniff(self, path: Path, head: Head) -> float:
        if head.kind != "json":
            return 0.0
        text = "\n".join(head.lines[:200])
        return 0.9 if all(f'"{k}"' in text for k in ("msgid", "ref_date", "int_page_read_count")) else 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        recs = read_json_records(path, detect_encoding(path))
        yield self.parse(recs, ctx)

    def parse(self, records: Any, ctx: ReadContext) -> Parsed:
        items: list[Any] = []
        for r in records if isinstance(records, list) else [records]:
            items.extend(r["list"] if isinstance(r, dict) and isinstance(r.get("list"), list) else [r])
        articles, stats = [], []
        for n, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                articles.append({"source_row": n, "msgid": None, "raw_item": json.dumps(item, ensure_ascii=False)})
                continue
            articles.append({"source_row": n, "msgid": item.get("msgid"), "title": item.get("title"),
                             "ref_date": item.get("ref_date")})
            for d in item.get("details") or []:
                if isinstance(d, dict):
                    stats.append({"source_row": n, "msgid": item.get("msgid"), **d})
        raw = RawTable.from_records(articles, ctx.source_file)
        raw.require({"post_id": ["msgid"]}, what="WeChat datacube JSON", fix=FIX)
        posts = build_table(raw, POST, {"post_id": "msgid", "title": "title", "text": "title",
                                        "published_at": "ref_date"}, as_of=ctx.anchor())
        posts["platform"], posts["kind"] = WECHAT, PostKind.POST.value
        tables: dict[str, pd.DataFrame] = {"posts": posts}
        if stats:
            sraw = RawTable.from_records(stats, ctx.source_file)
            sraw.problems = raw.problems
            ids = sraw.ids("msgid")
            present = {k: v for k, v in DATACUBE_METRICS.items() if sraw.has(k)}
            tables["post_metrics"] = metrics_long(sraw, pd.DataFrame({"post_id": ids}), present, platform=WECHAT,
                                                  date=metric_dates(sraw, "stat_date", None))
        return self.finish(raw, ctx, tables, crawled_at=ctx.anchor())


for _adapter in (WechatArticleStats(), WechatDatacube()):
    register_adapter(_adapter)
