"""Write a simulated :class:`~brandlab.demo.world.World` in the exporters' real formats.

Field names and orders follow ``FORMATS.md``: MediaCrawler JSONL (Douyin, Xiaohongshu: contents,
comments with ``parent_comment_id``, creators), weibo-crawler CSV (BOM, ids with a trailing TAB,
33-column header, 16-field originals, reposts with 源微博 columns and ``//@`` chains, ``users.csv``),
the Douyin creator-centre 投稿列表 xlsx and an audience portrait JSON. Output is byte-stable for
a given world (xlsx zip entries get a fixed timestamp).
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from brandlab.demo.world import TZ, Account, Item, World

#: crawl times: MediaCrawler JSONL (its default mode since 2026-03), weibo-crawler, creator centre
MC_CRAWL = datetime(2026, 4, 20, 16, 19, 0, tzinfo=TZ)
WB_CRAWL = datetime(2024, 3, 1, 10, 0, 0, tzinfo=TZ)
CC_EXPORT = datetime(2023, 10, 8, 9, 30, 0, tzinfo=TZ)
FIXED_ZIP_TIME = (2023, 10, 8, 9, 30, 0)

WEIBO_HEADER = (
    "id,bid,正文,头条文章url,原始图片url,视频url,位置,日期,工具,点赞数,评论数,转发数,话题,@用户,完整日期,是否原创,"
    "源用户id,源用户昵称,源微博id,源微博bid,源微博正文,源微博头条文章url,源微博原始图片url,源微博视频url,源微博位置,"
    "源微博日期,源微博工具,源微博点赞数,源微博评论数,源微博转发数,源微博话题,源微博@用户,源微博完整日期"
).split(",")
WEIBO_USERS_HEADER = (
    "用户id,昵称,性别,生日,所在地,IP属地,学习经历,公司,注册时间,阳光信用,微博数,粉丝数,关注数,简介,主页,头像,高清头像,"
    "微博等级,会员等级,是否认证,认证类型,认证信息,上次记录微博信息"
).split(",")
CC_HEADER = ("作品名称,发布时间,体裁,审核状态,播放量,完播率,5s完播率,封面点击率,2s跳出率,平均播放时长,点赞量,分享量,"
             "评论量,收藏量,主页访问量,粉丝增量").split(",")


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def _s(t: datetime) -> int:
    return int(t.timestamp())


def _xhs_count(n: int) -> str:
    """Xiaohongshu display strings: '3983', '1.2万', '1万'."""
    if n < 10_000:
        return str(n)
    v = round(n / 10_000, 1)
    return f"{v:g}万"


def _write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n


def _crawl_ms(rng: random.Random) -> int:
    return _ms(MC_CRAWL) + rng.randint(0, 3_600_000)


# ------------------------------------------------------------------------------ Douyin


def _sec_uid(a: Account) -> str:
    return "MS4wLjABAAAA" + random.Random(a.user_id).randbytes(24).hex()[:43]


def _dy_user(a: Account) -> dict[str, Any]:
    return {"user_id": a.user_id, "sec_uid": _sec_uid(a), "short_user_id": None,
            "user_unique_id": None if a.role == "ordinary" else "cd" + a.user_id[-6:],
            "user_signature": a.bio or None}


def douyin_records(world: World, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    items = world.items["douyin"]
    contents, comments = [], []
    for it in items:
        if it.kind == "post":
            u = _dy_user(it.author)
            contents.append({
                "aweme_id": it.item_id, "aweme_type": "68" if it.media == "image" else "0",
                "title": it.text, "desc": it.text, "create_time": _s(it.created),
                "user_id": u["user_id"], "sec_uid": u["sec_uid"], "short_user_id": u["short_user_id"],
                "user_unique_id": u["user_unique_id"], "user_signature": u["user_signature"],
                "nickname": it.author.nickname, "avatar": "",
                "liked_count": str(it.likes), "collected_count": str(it.collects), "comment_count": str(it.comments),
                "share_count": str(it.shares), "ip_location": it.ip_location, "last_modify_ts": _crawl_ms(rng),
                "aweme_url": f"https://www.douyin.com/video/{it.item_id}", "cover_url": "",
                "video_download_url": "" if it.media == "image" else f"https://www.douyin.com/aweme/v1/play/?video_id=demo{it.item_id[-8:]}",
                "music_download_url": "",
                "note_download_url": ",".join(f"https://p3.douyinpic.com/tos/demo-{it.item_id[-6:]}-{k}.webp"
                                              for k in range(3)) if it.media == "image" else "",
                "source_keyword": (it.tags[0] if it.tags else "成都"),
            })
        else:
            assert it.root is not None
            u = _dy_user(it.author)
            comments.append({
                "comment_id": it.item_id, "create_time": _s(it.created), "ip_location": it.ip_location,
                "aweme_id": it.root.item_id, "content": it.text, "user_id": u["user_id"], "sec_uid": u["sec_uid"],
                "short_user_id": None, "user_unique_id": u["user_unique_id"], "user_signature": u["user_signature"],
                "nickname": it.author.nickname, "avatar": "", "sub_comment_count": str(it.children),
                "like_count": it.likes, "last_modify_ts": _crawl_ms(rng),
                "parent_comment_id": it.parent.item_id if it.parent is not None else "0", "pictures": "",
            })
    posters = {it.author.user_id: it.author for it in items if it.kind == "post"}
    creators = [{
        "user_id": a.user_id, "nickname": a.nickname,
        "gender": {"m": "Male", "f": "Female"}.get(a.gender, "Unknown"), "avatar": "", "desc": a.bio,
        "ip_location": f"IP属地：{a.region}", "follows": str(a.following), "fans": str(a.followers),
        "interaction": str(a.followers * 7 + 13), "videos_count": str(sum(1 for it in items if it.author is a)),
        "last_modify_ts": _crawl_ms(rng),
    } for a in posters.values()]
    return {"contents": contents, "comments": comments, "creators": creators}


# ------------------------------------------------------------------------------ Xiaohongshu


def xhs_records(world: World, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    items = world.items["xhs"]
    contents, comments = [], []
    for it in items:
        if it.kind == "post":
            token = "AB" + random.Random(it.item_id).randbytes(16).hex()
            contents.append({
                "note_id": it.item_id, "type": "normal" if it.media == "image" else "video",
                "title": it.title[:255] or it.text[:255], "desc": it.text,
                "video_url": "" if it.media == "image" else f"http://sns-video-bd.xhscdn.com/demo/{it.item_id}.mp4",
                "time": _ms(it.created), "last_update_time": _ms(it.created) + rng.randint(0, 86_400_000),
                "user_id": it.author.user_id, "nickname": it.author.nickname, "avatar": "",
                "liked_count": _xhs_count(it.likes), "collected_count": _xhs_count(it.collects),
                "comment_count": _xhs_count(it.comments), "share_count": _xhs_count(it.shares),
                "ip_location": it.ip_location,
                "image_list": ",".join(f"http://sns-webpic-qc.xhscdn.com/demo/{it.item_id}-{k}" for k in range(1)),
                "tag_list": ",".join(it.tags), "last_modify_ts": _crawl_ms(rng),
                "note_url": f"https://www.xiaohongshu.com/explore/{it.item_id}?xsec_token={token}=&xsec_source=pc_search",
                "source_keyword": it.tags[0] if it.tags else "成都", "xsec_token": token + "=",
            })
        else:
            assert it.root is not None
            comments.append({
                "comment_id": it.item_id, "create_time": _ms(it.created), "ip_location": it.ip_location,
                "note_id": it.root.item_id, "content": it.text, "user_id": it.author.user_id,
                "nickname": it.author.nickname, "avatar": "", "sub_comment_count": str(it.children), "pictures": "",
                "parent_comment_id": it.parent.item_id if it.parent is not None else "0",
                "last_modify_ts": _crawl_ms(rng), "like_count": _xhs_count(it.likes),
            })
    posters = {it.author.user_id: it.author for it in items if it.kind == "post"}
    creators = [{
        "user_id": a.user_id, "nickname": a.nickname, "gender": {"m": "Male", "f": "Female"}.get(a.gender),
        "avatar": "", "desc": a.bio, "ip_location": a.region, "follows": str(a.following),
        "fans": _xhs_count(a.followers), "interaction": _xhs_count(a.followers * 5 + 7),
        "tag_list": json.dumps({"profession": "", "location": a.region}, ensure_ascii=False),
        "last_modify_ts": _crawl_ms(rng),
    } for a in posters.values()]
    return {"contents": contents, "comments": comments, "creators": creators}


# ------------------------------------------------------------------------------ Weibo


def _wb_date(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _wb_full(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


_TOOLS = ("iPhone客户端", "微博视频号", "HUAWEI Mate 60 Pro", "微博网页版", "Redmi K60", "iPad客户端")


def _wb_own(it: Item, bid: str, tool: str) -> list[str]:
    video = "https://f.video.weibocdn.com/o0/demo" + it.item_id[-10:] + ".mp4" if it.media == "video" \
        and it.kind == "post" and it.author.role != "ordinary" else ""
    text = it.text + (f" \n{it.author.nickname}的微博视频\n " if video else "")
    return [it.item_id + "\t", bid, text, "", "", video, "", _wb_date(it.created), tool, str(it.likes),
            str(it.comments), str(it.shares), ",".join(it.tags), ",".join(it.mentions), _wb_full(it.created)]


def weibo_rows(world: World, rng: random.Random) -> dict[Account, list[list[str]]]:
    """One weibo-crawler timeline per account: {account: rows (without header)}, newest first."""
    bids = {it.item_id: _bid(it.item_id) for it in world.items["weibo"]}
    tools = {it.item_id: rng.choice(_TOOLS) for it in world.items["weibo"]}
    per: dict[Account, list[list[str]]] = {}
    for it in sorted(world.items["weibo"], key=lambda i: i.created, reverse=True):
        row = _wb_own(it, bids[it.item_id], tools[it.item_id])
        if it.kind == "post":
            row.append("True")  # ragged: originals stop after 是否原创
        else:
            r = it.root
            assert r is not None
            row += ["False", r.author.user_id, r.author.nickname]
            row += _wb_own(r, bids[r.item_id], tools[r.item_id])
        per.setdefault(it.author, []).append(row)
    return per


def _bid(mid: str) -> str:
    chars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    n, out = int(mid), ""
    while n:
        n, r = divmod(n, 62)
        out = chars[r] + out
    return out[-9:]


def weibo_user_rows(world: World) -> list[list[str]]:
    posted = {it.author.user_id for it in world.items["weibo"]}
    rows = []
    for a in world.accounts["weibo"]:
        if a.user_id not in posted:
            continue
        n_posts = sum(1 for it in world.items["weibo"] if it.author is a)
        verified = a.role != "ordinary"
        rows.append([
            a.user_id, a.nickname, a.gender if a.gender in ("m", "f") else "", a.birthday, "四川 成都" if a.region == "四川"
            else a.region, f"IP属地：{a.region}", a.education, "", "2015-06-01", "信用较好", str(n_posts * 37),
            str(a.followers), str(a.following), a.bio, f"https://weibo.com/u/{a.user_id}", "", "",
            str(min(48, 5 + a.followers.bit_length())), "0", "True" if verified else "False",
            "1" if a.role in ("official", "media") else ("0" if verified else "-1"),
            a.verified_reason, "",
        ])
    return rows


def write_weibo_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


# ------------------------------------------------------------------------------ creator centre


def creator_center_rows(world: World, rng: random.Random, nickname: str = "成都文旅") -> list[list[Any]]:
    rows = []
    for it in world.items["douyin"]:
        if it.kind != "post" or it.author.nickname != nickname or it.created > CC_EXPORT:
            continue
        image = it.media == "image"
        dur = rng.uniform(15, 170)
        genre = "图文" if image else ("1min-视频" if dur < 60 else "1-3min视频")
        plays = max(it.plays, it.likes * 8)
        rows.append([
            it.text, it.created.replace(tzinfo=None), genre, "公开", plays,
            round(rng.uniform(0.02, 0.35), 6), round(rng.uniform(0.15, 0.6), 6),
            "-" if rng.random() < 0.3 else round(rng.uniform(0.02, 0.12), 6), round(rng.uniform(0.2, 0.7), 6),
            round(rng.uniform(3, 25) if image else dur * rng.uniform(0.15, 0.5), 6),
            int(it.likes * 0.9), int(it.shares * 0.9), int(it.comments * 0.9), int(it.collects * 0.9),
            int(plays * rng.uniform(0.002, 0.02)), int(plays * rng.uniform(0.0002, 0.003)),
        ])
    rows.sort(key=lambda r: cast(str, r[1]), reverse=True)  # the publish-time text
    return rows


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]], sheet: str = "Sheet1") -> None:
    """An xlsx whose bytes depend only on its content (fixed document and zip timestamps)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append(r)
    fixed = datetime(*FIXED_ZIP_TIME)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "brandlab demo generator (SYNTHETIC data)"
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' with now()
                import re

                data = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>",
                              b'<dcterms:modified xsi:type="dcterms:W3CDTF">2023-10-08T09:30:00Z</dcterms:modified>',
                              data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, data)


def audience_portrait(world: World, rng: random.Random, nickname: str = "成都文旅") -> dict[str, Any]:
    """A creator-centre 粉丝画像 in the shape of the creator API (ratio_list / tgi_list of key, value)."""
    acct = next(a for a in world.accounts["douyin"] if a.nickname == nickname)

    def ratios(keys: list[str], weights: list[float]) -> list[dict[str, Any]]:
        noisy = [w * rng.uniform(0.9, 1.1) for w in weights]
        total = sum(noisy)
        vals = [round(w / total, 4) for w in noisy]
        vals[0] = round(1 - sum(vals[1:]), 4)  # shares sum to 1 exactly at 4 decimals
        return [{"key": k, "value": v} for k, v in zip(keys, vals, strict=False)]

    age = ratios(["18-23", "-18", "24-30", "31-40", "41-50", "50-"], [0.29, 0.04, 0.31, 0.21, 0.1, 0.05])
    provinces = ["四川", "重庆", "广东", "北京", "上海", "浙江", "陕西", "湖北", "云南", "江苏"]
    return {
        "_comment": "SYNTHETIC demo data generated by brandlab.demo (not a real account's audience)",
        "user_id": acct.user_id, "nickname": acct.nickname, "exported_at": CC_EXPORT.isoformat(),
        "data": {
            "age": {"ratio_list": age},
            "gender": {"ratio_list": ratios(["female", "male"], [0.57, 0.43])},
            "province": {"ratio_list": ratios(provinces, [0.42, 0.09, 0.08, 0.06, 0.06, 0.05, 0.05, 0.04, 0.04, 0.04])},
            "active": [{"key": k, "value": v["value"]} for k, v in
                       zip(["2", "3", "4", "-1"], ratios(["a", "b", "c", "d"], [0.2, 0.25, 0.45, 0.1]), strict=False)],
        },
    }
