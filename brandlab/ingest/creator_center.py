"""Douyin creator centre (抖音创作者服务中心) exports: 投稿列表 "导出数据" and the audience portrait.

投稿列表 (``data.xlsx``): ``作品名称, 发布时间, 体裁, 审核状态, 播放量, 完播率, 5s完播率, 封面点击率,
2s跳出率, 平均播放时长, 点赞量, 分享量, 评论量, 收藏量, 主页访问量, 粉丝增量``. It has no video id: a
post is identified by a hash of (platform, 作品名称, 发布时间), stable across re-exports. Rates are
fractions (``-`` = unavailable), 平均播放时长 is seconds, 发布时间 may be an Excel serial date.

Every statistic becomes a dated ``post_metrics`` row (date = the ``日期`` column some derived sheets
lead with, else the crawl date from the file name, else ``--as-of``, else today). The Post row carries
the totals only when the sheet has no ``日期`` column; with one, the numbers may be per-day figures, so
the Post counts stay empty rather than wrong.

Audience portrait (creator.douyin.com ``fetch_item_audience_portrait`` / 粉丝画像 JSON): ``age``,
``gender``, ``province`` (and ``city``) ``.ratio_list`` of ``{key, value}`` with fraction values ->
AudienceSegment rows. The scope is the item (``item_id``/``aweme_id`` in the JSON) else the account.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from brandlab.errors import ExportFormatError, format_message
from brandlab.ingest.base import Head, Parsed, ReadContext, empty_quarantine, register_adapter
from brandlab.ingest.tabular import RawTable, TabularAdapter, build_table, metric_dates, metrics_long, synth_id
from brandlab.ingest.values import read_text
from brandlab.schema import POST, Platform, PostKind

DOUYIN = Platform.DOUYIN.value
FIX = "export 投稿列表 again with 导出数据 (all columns), or pass --format generic with a column map"

#: source column -> post_metrics metric name
DOUYIN_METRICS = {
    "播放量": "plays", "完播率": "completion_rate", "5s完播率": "completion_rate_5s", "封面点击率": "cover_ctr",
    "2s跳出率": "bounce_rate_2s", "平均播放时长": "avg_watch_seconds", "点赞量": "likes", "分享量": "shares",
    "评论量": "comments", "收藏量": "collects", "主页访问量": "profile_visits", "粉丝增量": "follower_gain",
}
_DOUYIN_TAG = re.compile(r"#([^\s#]+)")


def douyin_hashtags(text: Any) -> list[str]:
    """Douyin captions end tags with a space, not a second '#': '#旅拍 #婚纱照' -> ['旅拍', '婚纱照']."""
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(_DOUYIN_TAG.findall(text)))


def convert_creator_posts(raw: RawTable, ctx: ReadContext, *, platform: str, columns: dict[str, str],
                          metrics: dict[str, str], title: str, published: str, date_column: str | None,
                          anchor: Any) -> dict[str, pd.DataFrame]:
    """Shared by the Douyin and Xiaohongshu creator-centre sheets: posts + post_metrics."""
    dated = date_column is not None and raw.has(date_column)
    mapping = {"title": title, "text": title, "published_at": published}
    if not dated:
        mapping |= columns
    posts = build_table(raw, POST, mapping, as_of=anchor)
    raw.flag_rows(posts["title"].isna() & posts["published_at"].isna(), title,
                  f"row has neither {title} nor {published}: it cannot be identified")
    posts["platform"], posts["kind"] = platform, PostKind.POST.value
    posts["post_id"] = [synth_id(platform, t, None if pd.isna(p) else p.isoformat())
                        for t, p in zip(posts["title"], posts["published_at"], strict=True)]
    posts["hashtags"] = posts["title"].map(douyin_hashtags)
    present = {src: m for src, m in metrics.items() if raw.has(src)}
    out = {"posts": posts}
    if present:
        out["post_metrics"] = metrics_long(raw, posts, present, platform=platform,
                                           date=metric_dates(raw, date_column, anchor))
    return out


class DouyinCreatorPosts(TabularAdapter):
    """Douyin creator centre 投稿作品 › 投稿列表 › 导出数据 (xlsx, or a CSV saved from it)."""

    name = "douyin-creator.posts"
    platform = DOUYIN
    signature = ("作品名称", "发布时间", "播放量", "完播率", "点赞量", "分享量", "评论量", "收藏量", "体裁", "审核状态",
                 "平均播放时长", "粉丝增量")

    def convert(self, raw: RawTable, ctx: ReadContext) -> Parsed:
        raw.require({"title": ["作品名称"], "published_at": ["发布时间"], "plays": ["播放量"]},
                    what="Douyin creator-centre 投稿列表 export", fix=FIX)
        anchor = ctx.anchor()
        tables = convert_creator_posts(
            raw, ctx, platform=DOUYIN, title="作品名称", published="发布时间", date_column="日期", anchor=anchor,
            columns={"play_count": "播放量", "like_count": "点赞量", "share_count": "分享量",
                     "comment_count": "评论量", "collect_count": "收藏量"}, metrics=DOUYIN_METRICS)
        return self.finish(raw, ctx, tables, crawled_at=anchor)


# ------------------------------------------------------------------------------------ audience portrait

_DIMENSIONS = {"age": "age", "gender": "gender", "province": "region", "city": "city", "device": "device",
               "interest": "interest"}
_GENDER_KEYS = {"male": "m", "female": "f", "男": "m", "女": "f", "1": "m", "2": "f"}
_AGE_KEYS = {"-18": "<18", "50-": "50+"}


def portrait_rows(doc: Any, *, platform: str, scope_id: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A portrait JSON -> (segment rows, quarantine rows). Accepts the API envelope ``{"data": {...}}``."""
    body = doc
    for key in ("data", "audience_portrait", "portrait"):
        if isinstance(body, dict) and key in body and isinstance(body[key], dict):
            body = body[key]
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object with age/gender/province ratio lists")
    ident = scope_id or next((str(body[k]) for k in ("item_id", "aweme_id", "user_id", "uid") if body.get(k)), None)
    scope = "post" if any(body.get(k) for k in ("item_id", "aweme_id")) else "account"
    rows: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    n = 0
    for src, dim in _DIMENSIONS.items():
        part = body.get(src)
        items = part.get("ratio_list") if isinstance(part, dict) else part if isinstance(part, list) else None
        for item in items or []:
            n += 1
            key = str(item.get("key", "")).strip() if isinstance(item, dict) else ""
            value: Any = item.get("value") if isinstance(item, dict) else None
            try:
                share = float(value)
            except (TypeError, ValueError):
                share = float("nan")
            if not key or not (0.0 <= share <= 1.0):
                bad.append({"source_row": n, "column": f"{src}.ratio_list", "value": json.dumps(item, ensure_ascii=False),
                            "reason": "portrait item needs a key and a share between 0 and 1",
                            "raw": json.dumps(item, ensure_ascii=False)})
                continue
            bucket = _GENDER_KEYS.get(key.lower(), key) if dim == "gender" else _AGE_KEYS.get(key, key) \
                if dim == "age" else key
            rows.append({"platform": platform, "scope": scope, "scope_id": ident, "dimension": dim,
                         "bucket": bucket, "share": share, "source_row": n})
    return rows, bad


class DouyinAudiencePortrait:
    """Douyin creator-centre audience portrait JSON (粉丝/观众画像: age, gender, province shares)."""

    name = "douyin-creator.portrait"
    platform = DOUYIN

    def sniff(self, path: Path, head: Head) -> float:
        if head.kind != "json":
            return 0.0
        text = "\n".join(head.lines[:200])
        hits = sum(f'"{k}"' in text for k in ("ratio_list", "age", "gender", "province"))
        return 0.9 if hits == 4 else 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        try:
            doc = json.loads(read_text(path))
        except json.JSONDecodeError as err:
            raise ExportFormatError(format_message(
                f"{path.name!r} is not valid JSON at line {err.lineno}, column {err.colno}: {err.msg}",
                expected="the audience portrait JSON", fix="save the whole response again"),
                path=str(path), row=err.lineno) from err
        yield self.parse(doc, ctx)

    def parse(self, records: Any, ctx: ReadContext) -> Parsed:
        stem = Path(ctx.source_file).stem
        try:
            rows, bad = portrait_rows(records, platform=self.platform, scope_id=None)
        except ValueError as err:
            raise ExportFormatError(format_message(
                f"{Path(ctx.source_file).name!r}: {err}", fix="save the portrait response as returned"),
                path=ctx.source_file) from err
        if rows and rows[0]["scope_id"] is None:  # no id in the JSON: the file name names the account
            for r in rows:
                r["scope_id"] = stem
        df = pd.DataFrame(rows)
        if len(df):
            df["source_file"], df["source_format"] = ctx.source_file, self.name
            df["crawled_at"] = ctx.anchor()
            df = df.drop_duplicates(["scope", "scope_id", "dimension", "bucket"], keep="last")
        q = pd.DataFrame(bad) if bad else empty_quarantine()
        return Parsed(tables={"audience_segments": df} if len(df) else {}, quarantine=q,
                      primary="audience_segments", rows_read=len(rows) + len(bad))


for _adapter in (DouyinCreatorPosts(), DouyinAudiencePortrait()):
    register_adapter(_adapter)
