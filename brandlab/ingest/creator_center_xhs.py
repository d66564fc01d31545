"""Xiaohongshu creator centre (creator.xiaohongshu.com › 数据中心 › 导出数据): ``笔记列表明细表.xlsx``.

The first row is a title row (the header is the second row, found by its names); ``首次发布时间`` is
written ``2025年03月04日18时30分00秒``; counts may be display strings (``1.2万``). Known columns:
``笔记标题, 首次发布时间, 体裁, 观看量, 点赞, 收藏, 评论, 分享, 人均观看时长, 涨粉`` (others are kept out).
There is no note id: a note is identified by a hash of (platform, 笔记标题, 首次发布时间).
Statistics also become dated ``post_metrics`` rows (see :mod:`brandlab.ingest.creator_center`).
"""

from __future__ import annotations

from brandlab.ingest.base import Parsed, ReadContext, register_adapter
from brandlab.ingest.creator_center import convert_creator_posts
from brandlab.ingest.tabular import RawTable, TabularAdapter
from brandlab.schema import Platform

XHS = Platform.XHS.value
XHS_METRICS = {
    "观看量": "views", "点赞": "likes", "收藏": "collects", "评论": "comments", "分享": "shares",
    "人均观看时长": "avg_watch_seconds", "涨粉": "follower_gain", "曝光量": "impressions", "封面点击率": "cover_ctr",
}


class XhsCreatorNotes(TabularAdapter):
    """Xiaohongshu creator centre 笔记列表明细表 (title row above the header)."""

    name = "xhs-creator.notes"
    platform = XHS
    signature = ("笔记标题", "首次发布时间", "观看量", "点赞", "收藏", "评论", "分享", "体裁", "人均观看时长", "涨粉")

    def convert(self, raw: RawTable, ctx: ReadContext) -> Parsed:
        raw.require({"title": ["笔记标题"], "published_at": ["首次发布时间"]},
                    what="Xiaohongshu 笔记列表明细表", fix="export 笔记列表明细表 again from the creator centre, or "
                    "pass --format generic with a column map")
        anchor = ctx.anchor()
        tables = convert_creator_posts(
            raw, ctx, platform=XHS, title="笔记标题", published="首次发布时间", date_column="日期", anchor=anchor,
            columns={"play_count": "观看量", "like_count": "点赞", "collect_count": "收藏", "comment_count": "评论",
                     "share_count": "分享"}, metrics=XHS_METRICS)
        return self.finish(raw, ctx, tables, crawled_at=anchor)


register_adapter(XhsCreatorNotes())
