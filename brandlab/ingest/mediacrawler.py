"""MediaCrawler (NanmiCoder/MediaCrawler) records -> canonical posts, authors and edges.

Pure functions over raw records (a DataFrame of the export's own keys). Field names come
from FORMATS.md §1.3: both the field set most exports have (``user_id``, ``nickname``,
``ip_location``) and the 2026-07 anonymised one (``creator_hash``, masked nickname). Readers for
the storage modes (csv, json, jsonl, excel, sqlite) are in :mod:`brandlab.ingest.mediacrawler_io`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from brandlab.errors import ExportFormatError, format_message
from brandlab.ingest.base import Parsed, ReadContext, concat_quarantine, quarantine_rows, records_frame
from brandlab.ingest.values import (
    TIME_DTYPE,
    clean_ids_checked,
    normalize_location,
    parse_counts_checked,
    parse_times_checked,
)

PLATFORMS = ("douyin", "xhs", "weibo", "bilibili", "kuaishou")
ITEMS = ("contents", "comments", "creators")


@dataclass(frozen=True)
class ItemSpec:
    """How one MediaCrawler item (contents/comments/creators of one platform) maps to our columns."""

    platform: str
    item: str
    id: str                                   # the record's own id column
    fields: frozenset[str]                    # every key this item is written with (all eras)
    post: str | None = None                   # comments: the content id they belong to
    parent: str | None = None                 # comments: parent_comment_id
    text: str | None = None
    title: str | None = None
    times: tuple[str, ...] = ()               # first present wins
    counts: dict[str, str] = field(default_factory=dict)   # canonical -> source
    url: str | None = None
    tags: str | None = None                   # comma-joined topic list (xhs tag_list)
    author: dict[str, str] = field(default_factory=dict)   # authors table canonical -> source

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in (self.id, self.post) if c)


_USER = ("user_id", "creator_hash", "nickname")
_OLD_USER = ("sec_uid", "short_user_id", "user_unique_id", "user_signature", "avatar", "ip_location", "gender",
             "profile_url", "sex", "sign")


def _fs(*names: str) -> frozenset[str]:
    return frozenset(names) | frozenset(_USER)


SPECS: dict[tuple[str, str], ItemSpec] = {(s_.platform, s_.item): s_ for s_ in [
    ItemSpec("douyin", "contents", "aweme_id", _fs(
        "aweme_id", "aweme_type", "title", "desc", "create_time", "sec_uid", "short_user_id", "user_unique_id",
        "user_signature", "avatar", "liked_count", "collected_count", "comment_count", "share_count", "ip_location",
        "last_modify_ts", "aweme_url", "cover_url", "video_download_url", "music_download_url",
        "note_download_url", "source_keyword"),
        text="desc", title="title", times=("create_time",), url="aweme_url",
        counts={"like_count": "liked_count", "comment_count": "comment_count", "share_count": "share_count",
                "collect_count": "collected_count"}),
    ItemSpec("douyin", "comments", "comment_id", _fs(
        "comment_id", "create_time", "ip_location", "aweme_id", "content", "sec_uid", "short_user_id",
        "user_unique_id", "user_signature", "avatar", "sub_comment_count", "like_count", "last_modify_ts",
        "parent_comment_id", "pictures"),
        post="aweme_id", parent="parent_comment_id", text="content", times=("create_time",),
        counts={"like_count": "like_count", "comment_count": "sub_comment_count"}),
    ItemSpec("douyin", "creators", "user_id", _fs(
        "user_id", "nickname", "gender", "avatar", "desc", "ip_location", "follows", "fans", "interaction",
        "videos_count", "last_modify_ts"),
        author={"nickname": "nickname", "gender": "gender", "bio": "desc", "region": "ip_location",
                "follower_count": "fans", "following_count": "follows", "post_count": "videos_count"}),
    ItemSpec("xhs", "contents", "note_id", _fs(
        "note_id", "type", "title", "desc", "video_url", "time", "last_update_time", "avatar", "liked_count",
        "collected_count", "comment_count", "share_count", "ip_location", "image_list", "tag_list",
        "last_modify_ts", "note_url", "source_keyword", "xsec_token"),
        text="desc", title="title", times=("time",), url="note_url", tags="tag_list",
        counts={"like_count": "liked_count", "comment_count": "comment_count", "share_count": "share_count",
                "collect_count": "collected_count"}),
    ItemSpec("xhs", "comments", "comment_id", _fs(
        "comment_id", "create_time", "ip_location", "note_id", "content", "avatar", "sub_comment_count",
        "pictures", "parent_comment_id", "last_modify_ts", "like_count"),
        post="note_id", parent="parent_comment_id", text="content", times=("create_time",),
        counts={"like_count": "like_count", "comment_count": "sub_comment_count"}),
    ItemSpec("xhs", "creators", "user_id", _fs(
        "user_id", "nickname", "gender", "avatar", "desc", "ip_location", "follows", "fans", "interaction",
        "tag_list", "last_modify_ts"),
        author={"nickname": "nickname", "gender": "gender", "bio": "desc", "region": "ip_location",
                "follower_count": "fans", "following_count": "follows"}),
    ItemSpec("weibo", "contents", "note_id", _fs(
        "note_id", "content", "create_time", "create_date_time", "liked_count", "comments_count", "shared_count",
        "last_modify_ts", "note_url", "ip_location", "gender", "profile_url", "avatar", "source_keyword"),
        text="content", times=("create_date_time", "create_time"), url="note_url",
        counts={"like_count": "liked_count", "comment_count": "comments_count", "share_count": "shared_count"}),
    ItemSpec("weibo", "comments", "comment_id", _fs(
        "comment_id", "create_time", "create_date_time", "note_id", "content", "sub_comment_count",
        "comment_like_count", "last_modify_ts", "ip_location", "parent_comment_id", "gender", "profile_url",
        "avatar"),
        post="note_id", parent="parent_comment_id", text="content", times=("create_date_time", "create_time"),
        counts={"like_count": "comment_like_count", "comment_count": "sub_comment_count"}),
    ItemSpec("weibo", "creators", "user_id", _fs(
        "user_id", "nickname", "gender", "avatar", "desc", "ip_location", "follows", "fans", "tag_list",
        "last_modify_ts"),
        author={"nickname": "nickname", "gender": "gender", "bio": "desc", "region": "ip_location",
                "follower_count": "fans", "following_count": "follows"}),
    ItemSpec("bilibili", "contents", "video_id", _fs(
        "video_id", "video_type", "title", "desc", "create_time", "avatar", "liked_count", "disliked_count",
        "video_play_count", "video_favorite_count", "video_share_count", "video_coin_count", "video_danmaku",
        "video_comment", "last_modify_ts", "video_url", "video_cover_url", "source_keyword"),
        text="desc", title="title", times=("create_time",), url="video_url",
        counts={"like_count": "liked_count", "comment_count": "video_comment", "share_count": "video_share_count",
                "collect_count": "video_favorite_count", "play_count": "video_play_count"}),
    ItemSpec("bilibili", "comments", "comment_id", _fs(
        "comment_id", "parent_comment_id", "create_time", "video_id", "content", "sex", "sign", "avatar",
        "sub_comment_count", "like_count", "last_modify_ts"),
        post="video_id", parent="parent_comment_id", text="content", times=("create_time",),
        counts={"like_count": "like_count", "comment_count": "sub_comment_count"}),
    ItemSpec("bilibili", "creators", "user_id", _fs(
        "user_id", "nickname", "sex", "sign", "avatar", "last_modify_ts", "total_fans", "total_liked",
        "user_rank", "is_official"),
        author={"nickname": "nickname", "gender": "sex", "bio": "sign", "follower_count": "total_fans",
                "verified": "is_official"}),
    ItemSpec("kuaishou", "contents", "video_id", _fs(
        "video_id", "video_type", "title", "desc", "create_time", "avatar", "liked_count", "viewd_count",
        "last_modify_ts", "video_url", "video_cover_url", "video_play_url", "source_keyword"),
        text="desc", title="title", times=("create_time",), url="video_url",
        counts={"like_count": "liked_count", "play_count": "viewd_count"}),
    ItemSpec("kuaishou", "comments", "comment_id", _fs(
        "comment_id", "create_time", "video_id", "content", "avatar", "sub_comment_count", "last_modify_ts"),
        post="video_id", text="content", times=("create_time",), counts={"comment_count": "sub_comment_count"}),
]}

# hashtags / mentions: Weibo '#话题#', XHS '#话题[话题]#', Douyin/Kuaishou/Bilibili '#话题' up to a space
_TAG_RE = {
    "weibo": r"#([^#\n]{1,50}?)#",
    "xhs": r"#([^#\[\]\s]{1,50})\[话题\]#",
}
_TAG_DEFAULT = r"#([^\s#@，,。！!？?]{1,50})"
_MENTION_RE = r"@([^\s@:：/#，,。！!？?\[\]()（）]{1,30})"


def score_item(fields: set[str]) -> list[tuple[float, ItemSpec]]:
    """How well a set of keys matches each MediaCrawler item (share of the keys the item writes)."""
    out = []
    if not fields:
        return out
    for spec in SPECS.values():
        if spec.id not in fields and not (spec.item == "creators" and "creator_hash" in fields):
            continue
        if spec.post and spec.post not in fields:
            continue
        if spec.item == "creators" and ({"comment_id", "aweme_id", "note_id", "video_id"} & fields):
            continue
        if spec.item == "contents" and "comment_id" in fields:
            continue
        known = len(fields & spec.fields)
        out.append((known / len(fields | {spec.id}) * (known / (known + 2)), spec))
    return sorted(out, key=lambda t: -t[0])


def best_spec(fields: set[str], platform: str | None = None) -> ItemSpec | None:
    ranked = [(s, sp) for s, sp in score_item(fields) if platform is None or sp.platform == platform]
    return ranked[0][1] if ranked else None


def _col(df: pd.DataFrame, name: str | None) -> pd.Series:
    if name and name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def _text(s: pd.Series) -> pd.Series:
    out = s.astype("string")
    return out.mask(out.str.strip() == "")


def _findall(text: pd.Series, pattern: str) -> pd.Series:
    found = text.fillna("").astype(str).str.findall(pattern).tolist()
    out = [xs if len(xs) < 2 and (not xs or xs[0] == xs[0].strip()) else
           list(dict.fromkeys(x.strip() for x in xs if x.strip())) for xs in found]
    return pd.Series(out, index=text.index, dtype=object)


def _split_list(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).map(lambda v: [x.strip() for x in v.split(",") if x.strip()])


def _check_columns(df: pd.DataFrame, spec: ItemSpec, ctx: ReadContext) -> None:
    missing = [c for c in spec.required if c not in df.columns]
    if spec.times and not any(t in df.columns for t in spec.times):
        missing.append(" or ".join(spec.times))
    if spec.item == "creators" and not ({"user_id", "creator_hash"} & set(df.columns)):
        missing.append("user_id or creator_hash")
    if missing:
        raise ExportFormatError(format_message(
            f"MediaCrawler {spec.platform} {spec.item} export {ctx.source_file!r} is missing columns {missing}",
            expected=f"the keys MediaCrawler writes for {spec.platform} {spec.item}",
            found=f"columns {sorted(str(c) for c in df.columns if c != 'source_row')[:20]}",
            fix="re-export with a complete MediaCrawler run, or pass --format to choose another adapter"),
            path=ctx.source_file, column=missing[0])


def parse_records(records: Any, spec: ItemSpec, ctx: ReadContext) -> Parsed:
    """Parse raw MediaCrawler records of one item into canonical tables (pure)."""
    raw = records_frame(records)
    raw.columns = [str(c).strip() for c in raw.columns]
    _check_columns(raw, spec, ctx)
    if spec.item == "creators":
        return _parse_creators(raw, spec, ctx)
    return _parse_posts(raw, spec, ctx)


def _ids(raw: pd.DataFrame, col: str, label: str, problems: list[pd.DataFrame],
         required: bool = True) -> pd.Series:
    ids, prob = clean_ids_checked(_col(raw, col))
    problems.append(quarantine_rows(raw, prob.notna(), column=col, reason=prob))
    if required:
        missing = ids.isna() & prob.isna()
        problems.append(quarantine_rows(raw, missing, column=col, reason=f"missing {label} (empty {col})"))
    return ids


def _crawled(raw: pd.DataFrame) -> pd.Series:
    t, _ = parse_times_checked(_col(raw, "last_modify_ts"))
    return t


def _author_ids(raw: pd.DataFrame, problems: list[pd.DataFrame]) -> pd.Series:
    if "user_id" in raw.columns:
        uid = _ids(raw, "user_id", "user id", problems, required=False)
        if "creator_hash" in raw.columns:
            uid = uid.fillna(_ids(raw, "creator_hash", "creator hash", problems, required=False))
        return uid
    return _ids(raw, "creator_hash", "creator hash", problems, required=False)


def _parse_posts(raw: pd.DataFrame, spec: ItemSpec, ctx: ReadContext) -> Parsed:
    problems: list[pd.DataFrame] = []
    ids = _ids(raw, spec.id, f"{spec.item[:-1]} id", problems)
    crawled = _crawled(raw)
    anchor = ctx.anchor(crawled.max() if crawled.notna().any() else None)
    times = pd.Series(pd.NaT, index=raw.index, dtype=TIME_DTYPE)
    for tcol in spec.times:
        if tcol in raw.columns:
            t, prob = parse_times_checked(raw[tcol], as_of=anchor)
            fill = times.isna()
            problems.append(quarantine_rows(raw, prob.notna() & fill, column=tcol, reason=prob))
            times = times.where(~fill, t)
    out = pd.DataFrame(index=raw.index)
    out["platform"] = spec.platform
    out["post_id"] = ids
    capped = pd.Series(False, index=raw.index)
    for canon, src in spec.counts.items():
        if src in raw.columns:
            vals, cap, prob = parse_counts_checked(raw[src])
            problems.append(quarantine_rows(raw, prob.notna(), column=src, reason=prob))
            out[canon] = vals
            capped |= cap
    out["counts_capped"] = capped
    text = _text(_col(raw, spec.text))
    out["text"] = text
    out["title"] = _text(_col(raw, spec.title)) if spec.title else pd.NA
    out["published_at"] = times
    out["crawled_at"] = crawled
    out["author_id"] = _author_ids(raw, problems)
    out["author_name"] = _text(_col(raw, "nickname"))
    out["url"] = _text(_col(raw, spec.url))
    ip = _col(raw, "ip_location")
    out["ip_location"] = ip.map(normalize_location).astype("string") if ip.notna().any() else pd.NA
    tags = _findall(text, _TAG_RE.get(spec.platform, _TAG_DEFAULT))
    if spec.tags and spec.tags in raw.columns:
        listed = _split_list(raw[spec.tags])
        tags = pd.Series([list(dict.fromkeys(a + b)) for a, b in zip(listed, tags, strict=True)], index=raw.index)
    out["hashtags"] = tags
    out["mentions"] = _findall(text, _MENTION_RE)
    if spec.platform == "weibo":
        has_chain = text.fillna("").str.contains("//@", regex=False)
        out["repost_chain"] = text.where(has_chain.astype(bool))
    if spec.item == "comments":
        post = _ids(raw, spec.post or "", "content id", problems)
        parent = clean_ids_checked(_col(raw, spec.parent))[0] if spec.parent else pd.Series(pd.NA, index=raw.index)
        top = parent.isna() | parent.isin(["0", ""]) | (parent == ids).fillna(False).astype(bool)
        out["kind"] = "comment"
        out["root_id"] = post
        out["parent_id"] = post.where(top.astype(bool), parent)
    else:
        out["kind"] = "post"
    out["source_row"] = raw["source_row"].astype("Int64")
    q = concat_quarantine(problems)
    bad = raw["source_row"].isin(q["source_row"]) if len(q) else pd.Series(False, index=raw.index)
    return Parsed(tables={"posts": out[~bad.to_numpy()]}, quarantine=q, primary="posts", rows_read=len(raw))


_GENDER = {"male": "m", "m": "m", "男": "m", "1": "m", "female": "f", "f": "f", "女": "f", "2": "f"}


def _parse_creators(raw: pd.DataFrame, spec: ItemSpec, ctx: ReadContext) -> Parsed:
    problems: list[pd.DataFrame] = []
    out = pd.DataFrame(index=raw.index)
    out["platform"] = spec.platform
    out["author_id"] = _author_ids(raw, problems)
    problems.append(quarantine_rows(raw, out["author_id"].isna(), column="user_id",
                                    reason="missing user id (empty user_id and creator_hash)"))
    for canon, src in spec.author.items():
        s = _col(raw, src)
        if canon.endswith("_count"):
            vals, _cap, prob = parse_counts_checked(s)
            problems.append(quarantine_rows(raw, prob.notna(), column=src, reason=prob))
            out[canon] = vals
        elif canon == "gender":
            g = s.astype("string").str.strip().str.lower().map(_GENDER)
            out[canon] = g.where(g.notna(), "unknown") if src in raw.columns else pd.NA
        elif canon == "verified":
            out[canon] = s.astype("string").str.strip().isin(["1", "True", "true"]).where(s.notna())
        elif canon == "region":
            out[canon] = s.map(normalize_location).astype("string")
        else:
            out[canon] = _text(s)
    out["crawled_at"] = _crawled(raw)
    out["source_row"] = raw["source_row"].astype("Int64")
    q = concat_quarantine(problems)
    bad = raw["source_row"].isin(q["source_row"]) if len(q) else pd.Series(False, index=raw.index)
    return Parsed(tables={"authors": out[~bad.to_numpy()]}, quarantine=q, primary="authors", rows_read=len(raw))


__all__ = ["ITEMS", "PLATFORMS", "SPECS", "ItemSpec", "best_spec", "parse_records", "score_item"]
