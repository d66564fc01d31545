"""dataabc/weibo-crawler exports: the per-user CSV and JSON, ``users.csv`` and the comment CSVs.

The CSV has Chinese headers (``id, bid, 正文, … 是否原创, 源用户id, 源用户昵称, 源微博id, …``); original
posts write only their own fields (ragged rows), ids carry a trailing TAB, and an exporter that
appends runs repeats the header. The JSON is ``{"user": {...}, "weibo": [...]}``, each repost
carrying its original under ``retweet``; :func:`json_to_rows` renames its keys to the CSV names so
that one :func:`convert_weibo_rows` serves both (and the SQLite ``weibo`` table in
:mod:`brandlab.ingest.weibo_sqlite`).

A repost becomes a Post with ``kind=repost``, ``parent_id = root_id =`` the original's id (Weibo
always points a repost at the *root*; the intermediate reposters are only named in the ``//@``
chain, kept raw in ``repost_chain``), the original itself becomes a Post, its author an Author, and
the repost an Edge(kind=repost, src=original author, dst=reposter) where both ids are known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from brandlab.errors import ExportFormatError, format_message
from brandlab.ingest.base import Head, Parsed, ReadContext, read_json_records, register_adapter
from brandlab.ingest.tabular import RawTable, TabularAdapter, build_table
from brandlab.ingest.weibo_text import extract_hashtags, extract_mentions, split_list, split_repost_chain
from brandlab.schema import AUTHOR, POST, EdgeKind, Platform, PostKind

WEIBO = Platform.WEIBO.value
FIX_COLUMNS = ("re-export with weibo-crawler's default CSV fields, or pass --format generic with a column map "
               "(see brandlab/ingest/tabular.py)")
_TRUE = {"true", "1", "是"}

#: weibo-crawler JSON/SQLite keys -> the CSV header names
JSON_TO_CSV = {
    "id": "id", "bid": "bid", "text": "正文", "article_url": "头条文章url", "pics": "原始图片url",
    "video_url": "视频url", "location": "位置", "created_at": "日期", "source": "工具",
    "attitudes_count": "点赞数", "comments_count": "评论数", "reposts_count": "转发数", "topics": "话题",
    "at_users": "@用户", "full_created_at": "完整日期", "user_id": "user_id", "screen_name": "screen_name",
}


def author_id_from_path(path: str | Path) -> str | None:
    """weibo-crawler names a user's file ``{user_id}.csv``: the trailing digits of the stem."""
    m = re.search(r"(\d{5,})$", Path(path).stem)
    return m.group(1) if m else None


def _lists(column: pd.Series, text: pd.Series, extract: Any) -> pd.Series:
    """The export's comma-joined list, completed by what the text itself holds, without repeats."""
    out = []
    for cell, body in zip(column.tolist(), text.tolist(), strict=True):
        items = split_list(cell if isinstance(cell, str) else None)
        items += [t for t in extract(body if isinstance(body, str) else None) if t not in items]
        out.append(items)
    return pd.Series(out, index=column.index, dtype=object)


def _times(raw: RawTable, full: str, short: str, anchor: Any) -> pd.Series:
    t = raw.times(full, as_of=anchor) if raw.has(full) else raw.times(None)
    if raw.has(short):
        t = t.fillna(raw.times(short, as_of=anchor))
    return t


def _post_frame(raw: RawTable, prefix: str, anchor: Any) -> pd.DataFrame:
    """Posts from the own columns (prefix '') or the original's columns (prefix '源微博')."""
    p = prefix
    df = build_table(raw, POST, {"post_id": p + "id", "like_count": p + "点赞数", "comment_count": p + "评论数",
                                 "share_count": p + "转发数", "text": p + "正文"}, as_of=anchor)
    df["published_at"] = _times(raw, p + "完整日期", p + "日期", anchor)
    text = raw.text(p + "正文")
    df["hashtags"] = _lists(raw.text(p + "话题"), text, extract_hashtags)
    df["mentions"] = _lists(raw.text(p + "@用户"), text, extract_mentions)
    df["url"] = ("https://m.weibo.cn/detail/" + df["post_id"]).astype("string")
    df.loc[df["post_id"].isna(), "url"] = pd.NA
    df["title"] = pd.Series(pd.NA, index=df.index, dtype="string")
    return df


def convert_weibo_rows(raw: RawTable, *, anchor: Any, file_author: str | None) -> dict[str, pd.DataFrame]:
    """weibo-crawler rows under CSV header names -> posts, authors and edges (quarantine in ``raw``).

    Optional columns ``user_id``/``screen_name`` (JSON, SQLite) name each row's author; otherwise
    every row belongs to ``file_author``. A ``源微博id`` makes a row a repost of that original.
    """
    raw.require({"id": ["id"], "text": ["正文"], "time": ["完整日期", "日期"]}, what="weibo-crawler export",
                fix=FIX_COLUMNS)
    own = _post_frame(raw, "", anchor)
    if raw.has("user_id"):
        own["author_id"] = raw.ids("user_id").fillna(file_author) if file_author else raw.ids("user_id")
    else:
        own["author_id"] = pd.Series(file_author, index=own.index, dtype="string")
    own["author_name"] = raw.text("screen_name")
    root = raw.ids("源微博id")
    original_flag = raw.text("是否原创").str.lower()
    is_repost = root.notna() | (original_flag.notna() & ~original_flag.isin(list(_TRUE)))
    chains = raw.text("正文").map(lambda t: split_repost_chain(t)[1], na_action="ignore")
    own["kind"] = PostKind.POST.value
    own.loc[is_repost, "kind"] = PostKind.REPOST.value
    own["parent_id"] = root.where(is_repost)
    own["root_id"] = root.where(is_repost)
    own["repost_chain"] = chains.where(is_repost).astype("string")
    own["platform"] = WEIBO

    tables: dict[str, list[pd.DataFrame]] = {"posts": [], "edges": []}
    src_author = raw.ids("源用户id")
    src_name = raw.text("源用户昵称")
    has_original = is_repost & root.notna()
    if has_original.any() and (raw.has("源微博正文") or raw.has("源微博完整日期") or raw.has("源微博日期")):
        sub = raw.subset(has_original)
        orig = _post_frame(sub, "源微博", anchor)
        orig["post_id"] = root[has_original]
        orig["url"] = ("https://m.weibo.cn/detail/" + orig["post_id"]).astype("string")
        orig["author_id"] = src_author[has_original]
        orig["author_name"] = src_name[has_original]
        orig["kind"] = PostKind.POST.value
        orig["platform"] = WEIBO
        tables["posts"].append(orig)
    tables["posts"].append(own)  # own rows last: they win over a copy of the same post

    known = dict(zip(src_author.dropna(), src_name[src_author.notna()], strict=True))
    own["author_name"] = own["author_name"].fillna(own["author_id"].map(known).astype("string"))

    # authors: ingest_file derives an Author (id + nickname) for every post author not yet known,
    # so the originals' authors named here are not written again (that would blank a fuller profile)

    # edges: who reposted whose post, where the export names both accounts
    src = src_author.copy()
    if src.isna().any():  # the original is a row of this export (SQLite): take its author
        by_post = dict(zip(own["post_id"].dropna(), own["author_id"].where(own["post_id"].notna()).dropna(),
                           strict=False))
        src = src.fillna(root.map(by_post))
    edge_ok = has_original & src.notna() & own["author_id"].notna()
    if edge_ok.any():
        tables["edges"].append(pd.DataFrame({
            "platform": WEIBO, "src_author_id": src[edge_ok], "dst_author_id": own.loc[edge_ok, "author_id"],
            "post_id": own.loc[edge_ok, "post_id"], "kind": EdgeKind.REPOST.value,
            "created_at": own.loc[edge_ok, "published_at"], "resolved": True, "origin": "ingest",
            "source_row": raw.rows[edge_ok]}))
    return {k: pd.concat(v, ignore_index=True) for k, v in tables.items() if v}


# ------------------------------------------------------------------------------------ Live Photo shift


def realign_live_photo(rows: list[list[Any]], header_index: int = 0) -> list[list[Any]]:
    """Undo the 2025-04..2025-11 weibo-crawler bug: rows carry a Live Photo URL the header lacks.

    Such a row has one value too many right after ``视频url`` (and after ``源微博视频url`` for the
    original's part); it is detected by ``是否原创`` ('True'/'False') sitting one place late.
    """
    if not rows:
        return rows
    header = [str(h or "").strip().lstrip("\ufeff") for h in rows[header_index]]
    if "Live Photo视频url" in header or "是否原创" not in header or "视频url" not in header:
        return rows
    flag, video = header.index("是否原创"), header.index("视频url")
    src_video = header.index("源微博视频url") if "源微博视频url" in header else None
    out = rows[: header_index + 1]
    for row in rows[header_index + 1:]:
        if len(row) > flag + 1 and row[flag] not in ("True", "False") and row[flag + 1] in ("True", "False"):
            row = row[: video + 1] + row[video + 2:]
            if src_video is not None and len(row) > len(header):
                row = row[: src_video + 1] + row[src_video + 2:]
        out.append(row)
    return out


# ------------------------------------------------------------------------------------ adapters


class WeiboCrawlerCsv(TabularAdapter):
    """``weibo/{screen_name}/{user_id}.csv`` of dataabc/weibo-crawler."""

    name = "weibo-crawler.csv"
    platform = WEIBO
    signature = ("id", "正文", "转发数", "bid", "点赞数", "评论数", "话题", "@用户", "日期", "完整日期", "是否原创",
                 "源微博id")

    def fix_rows(self, rows: list[list[Any]]) -> list[list[Any]]:
        return realign_live_photo(rows)

    def convert(self, raw: RawTable, ctx: ReadContext) -> Parsed:
        anchor = ctx.anchor()
        tables = convert_weibo_rows(raw, anchor=anchor, file_author=author_id_from_path(ctx.source_file))
        return self.finish(raw, ctx, tables, crawled_at=None)


def json_to_rows(doc: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """weibo-crawler JSON (``{"user":…, "weibo": […]}`` or a bare list) -> CSV-named rows and the user."""
    user = doc.get("user") if isinstance(doc, dict) else None
    items = doc.get("weibo", []) if isinstance(doc, dict) else doc
    rows = []
    for i, item in enumerate(items or [], start=1):
        if not isinstance(item, dict):
            rows.append({"source_row": i, "id": None, "正文": repr(item)[:200]})
            continue
        row: dict[str, Any] = {JSON_TO_CSV.get(str(k), str(k)): v for k, v in item.items() if k != "retweet"}
        rt = item.get("retweet")
        row["是否原创"] = "False" if isinstance(rt, dict) else "True"
        if isinstance(rt, dict):
            row.update({"源微博" + JSON_TO_CSV[k]: v for k, v in rt.items() if k in JSON_TO_CSV
                        and k not in ("user_id", "screen_name")})
            row["源用户id"], row["源用户昵称"] = rt.get("user_id"), rt.get("screen_name")
        for k in ("话题", "@用户", "源微博话题", "源微博@用户"):
            if isinstance(row.get(k), list):
                row[k] = ",".join(map(str, row[k]))
        row["source_row"] = i
        rows.append({k: v for k, v in row.items() if not isinstance(v, (dict, list))})
    return rows, user


class WeiboCrawlerJson(TabularAdapter):
    """``weibo/{screen_name}/{user_id}.json`` of dataabc/weibo-crawler."""

    name = "weibo-crawler.json"
    platform = WEIBO

    def sniff(self, path: Path, head: Head) -> float:
        if head.kind != "json":
            return 0.0
        if {"user", "weibo"} <= set(head.keys):
            return 0.95
        return 0.7 if {"id", "bid", "text", "reposts_count", "attitudes_count"} <= head.fields else 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Parsed]:
        from brandlab.ingest.values import detect_encoding

        recs = read_json_records(path, detect_encoding(path))
        yield self.parse(recs[0] if len(recs) == 1 and isinstance(recs[0], dict) and "weibo" in recs[0] else recs,
                         ctx)

    def parse(self, records: Any, ctx: ReadContext) -> Parsed:
        rows, user = json_to_rows(records)
        raw = RawTable.from_records(rows, ctx.source_file)
        if not len(raw.df):
            raise ExportFormatError(format_message(
                f"weibo-crawler JSON {Path(ctx.source_file).name!r} holds no posts", expected="a 'weibo' list",
                fix="re-run weibo-crawler; it writes the file only after a page of posts was read"),
                path=ctx.source_file)
        file_author = str(user["id"]) if user and user.get("id") is not None else author_id_from_path(ctx.source_file)
        tables = convert_weibo_rows(raw, anchor=ctx.anchor(), file_author=file_author)
        if user:
            prof = user_frame(RawTable.from_records([{**user, "source_row": 0}], ctx.source_file))
            tables["authors"] = prof
        return self.finish(raw, ctx, tables, crawled_at=None)


# ------------------------------------------------------------------------------------ user info

#: users.csv header / JSON user key / SQLite user column -> Author column
USER_COLUMNS = {
    "author_id": ("用户id", "id"), "nickname": ("昵称", "screen_name", "nick_name"),
    "follower_count": ("粉丝数", "followers_count", "follower_count"),
    "following_count": ("关注数", "follow_count"), "post_count": ("微博数", "statuses_count"),
    "verified": ("是否认证", "verified"), "verified_type": ("认证类型", "verified_type"),
    "verified_reason": ("认证信息", "verified_reason"), "bio": ("简介", "description", "bio"),
    "region": ("所在地", "location"),
}
_GENDER = {"m": "m", "f": "f", "男": "m", "女": "f", "male": "m", "female": "f"}
_YEAR = re.compile(r"^\s*((?:19|20)\d{2})(?:[-/年.]|$)")


def birth_year(value: Any) -> int | None:
    """'1990-01-01 摩羯座' -> 1990; '摩羯座', '', None -> None."""
    m = _YEAR.match(str(value)) if isinstance(value, str) else None
    return int(m.group(1)) if m and 1900 <= int(m.group(1)) <= 2030 else None


def user_frame(raw: RawTable) -> pd.DataFrame:
    """weibo-crawler user info (users.csv, JSON ``user``, SQLite ``user``) -> Author rows."""
    mapping = {canon: raw.first(*names) for canon, names in USER_COLUMNS.items()}
    df = build_table(raw, AUTHOR, mapping)
    df["platform"] = WEIBO
    gender = raw.text(raw.first("性别", "gender")).str.lower()
    df["gender"] = gender.map(lambda g: _GENDER.get(g, "unknown"), na_action="ignore").astype("string")
    df["birth_year"] = raw.text(raw.first("生日", "birthday")).map(birth_year, na_action="ignore").astype("Int64")
    vt = df.get("verified_type")
    if vt is not None:  # weibo-crawler writes -1 for "not verified"
        df["verified_type"] = vt.mask(vt == "-1")
    return df


class WeiboCrawlerUsers(TabularAdapter):
    """``weibo/users.csv`` of dataabc/weibo-crawler: one row per crawled account."""

    name = "weibo-crawler.users.csv"
    platform = WEIBO
    signature = ("用户id", "昵称", "粉丝数", "性别", "生日", "所在地", "微博数", "关注数", "简介", "是否认证", "认证类型",
                 "认证信息")
    primary = "authors"

    def convert(self, raw: RawTable, ctx: ReadContext) -> Parsed:
        raw.require({"author_id": ["用户id"], "nickname": ["昵称"]}, what="weibo-crawler users.csv", fix=FIX_COLUMNS)
        raw.ids("用户id", required=True)
        return self.finish(raw, ctx, {"authors": user_frame(raw)}, crawled_at=None)


class WeiboCrawlerCommentsCsv(TabularAdapter):
    """``{screen_name}_comments.csv`` written by weibo-crawler in SQLite mode (no commenter id)."""

    name = "weibo-crawler.comments.csv"
    platform = WEIBO
    signature = ("weibo_id", "user_screen_name", "text", "id", "created_at", "like_count", "pic_url")

    def convert(self, raw: RawTable, ctx: ReadContext) -> Parsed:
        raw.require({"id": ["id"], "weibo_id": ["weibo_id"]}, what="weibo-crawler comments CSV", fix=FIX_COLUMNS)
        anchor = ctx.anchor()
        df = build_table(raw, POST, {"post_id": "id", "parent_id": "weibo_id", "root_id": "weibo_id",
                                     "author_name": "user_screen_name", "published_at": "created_at",
                                     "text": "text", "like_count": "like_count"}, as_of=anchor)
        df["platform"], df["kind"] = WEIBO, PostKind.COMMENT.value
        df["hashtags"] = raw.text("text").map(extract_hashtags, na_action="ignore")
        df["mentions"] = raw.text("text").map(extract_mentions, na_action="ignore")
        return self.finish(raw, ctx, {"posts": df}, crawled_at=None)


for _adapter in (WeiboCrawlerCsv(), WeiboCrawlerJson(), WeiboCrawlerUsers(), WeiboCrawlerCommentsCsv()):
    register_adapter(_adapter)
