"""The SYNTHETIC demo campaign: deterministic, and shaped like the real exports (FORMATS.md)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import UTC
from pathlib import Path

import pytest

from brandlab.demo import generate as G
from brandlab.demo import writers as W

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
MC = DEMO / G.MC_DIR
WB = DEMO / G.WB_DIR

DOUYIN_CONTENTS = ("aweme_id, aweme_type, title, desc, create_time, user_id, sec_uid, short_user_id, user_unique_id, "
                   "user_signature, nickname, avatar, liked_count, collected_count, comment_count, share_count, "
                   "ip_location, last_modify_ts, aweme_url, cover_url, video_download_url, music_download_url, "
                   "note_download_url, source_keyword").split(", ")
DOUYIN_COMMENTS = ("comment_id, create_time, ip_location, aweme_id, content, user_id, sec_uid, short_user_id, "
                   "user_unique_id, user_signature, nickname, avatar, sub_comment_count, like_count, last_modify_ts, "
                   "parent_comment_id, pictures").split(", ")
XHS_CONTENTS = ("note_id, type, title, desc, video_url, time, last_update_time, user_id, nickname, avatar, liked_count, "
                "collected_count, comment_count, share_count, ip_location, image_list, tag_list, last_modify_ts, "
                "note_url, source_keyword, xsec_token").split(", ")
XHS_COMMENTS = ("comment_id, create_time, ip_location, note_id, content, user_id, nickname, avatar, sub_comment_count, "
                "pictures, parent_comment_id, last_modify_ts, like_count").split(", ")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _weibo_files() -> list[Path]:
    return sorted(p for p in WB.rglob("*.csv") if p.name != "users.csv")


@pytest.mark.slow
def test_generator_is_deterministic_and_matches_committed_files(tmp_path: Path) -> None:
    G.generate(tmp_path)
    fresh, committed = G.tree_hashes(tmp_path), G.tree_hashes(DEMO)
    owned = {k for k in committed if k.split("/")[0] in {G.MC_DIR.split("/")[0], G.WB_DIR.split("/")[0], G.CC_DIR}
             or k == "campaigns.yaml"}
    assert fresh.keys() == owned, "stale or missing generated files; regenerate into a clean folder"
    changed = [k for k in fresh if fresh[k] != committed[k]]
    assert not changed, f"regenerate with `python -m brandlab.demo.generate`; differing: {changed[:5]}"


def test_demo_is_small_and_marked_synthetic() -> None:
    size = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert size < 5_000_000
    assert "synthetic" in (DEMO / "README.md").read_text(encoding="utf-8").lower()
    for top in (G.MC_DIR, G.WB_DIR, G.CC_DIR):
        assert "SYNTHETIC" in top


@pytest.mark.parametrize("rel, fields", [
    ("douyin/jsonl/search_contents_2026-04-20.jsonl", DOUYIN_CONTENTS),
    ("douyin/jsonl/search_comments_2026-04-20.jsonl", DOUYIN_COMMENTS),
    ("xhs/jsonl/search_contents_2026-04-20.jsonl", XHS_CONTENTS),
    ("xhs/jsonl/search_comments_2026-04-20.jsonl", XHS_COMMENTS),
])
def test_mediacrawler_jsonl_has_the_exporters_field_order(rel: str, fields: list[str]) -> None:
    records = _jsonl(MC / rel)
    assert len(records) > 300
    assert all(list(r) == fields for r in records)


def test_mediacrawler_value_quirks() -> None:
    dy = _jsonl(MC / "douyin/jsonl/search_contents_2026-04-20.jsonl")
    assert all(len(r["aweme_id"]) == 19 and isinstance(r["create_time"], int) and r["create_time"] < 2e9 for r in dy)
    assert all(isinstance(r["liked_count"], str) and r["short_user_id"] is None for r in dy)
    xhs = _jsonl(MC / "xhs/jsonl/search_contents_2026-04-20.jsonl")
    assert all(r["time"] > 1e12 for r in xhs)  # epoch ms
    assert any(r["liked_count"].endswith("万") for r in xhs)
    assert any("[话题]#" in r["desc"] for r in xhs)
    # reply trees: parents exist within the same post
    for rel, post_key in (("douyin", "aweme_id"), ("xhs", "note_id")):
        comments = _jsonl(MC / f"{rel}/jsonl/search_comments_2026-04-20.jsonl")
        by_id = {c["comment_id"]: c for c in comments}
        replies = [c for c in comments if c["parent_comment_id"] != "0"]
        assert len(replies) > 100
        assert all(by_id[c["parent_comment_id"]][post_key] == c[post_key] for c in replies)


def test_weibo_crawler_csv_quirks() -> None:
    files = _weibo_files()
    assert len(files) > 100
    n_orig = n_repost = 0
    for p in files:
        raw = p.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), p
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True)))
        assert rows[0] == W.WEIBO_HEADER and len(rows[0]) == 33
        for r in rows[1:]:
            assert r[0].endswith("\t") and len(r[0]) == 17
            if r[15] == "True":
                assert len(r) == 16
                n_orig += 1
            else:
                assert len(r) == 33 and r[18].endswith("\t")
                n_repost += 1
    assert n_orig == 520 and n_repost > 500


def test_weibo_repost_chains_are_deep_and_resolve_to_known_accounts() -> None:
    users = list(csv.DictReader((WB / "users.csv").open(encoding="utf-8-sig")))
    names = {u["昵称"] for u in users}
    depths = Counter()
    for p in _weibo_files():
        for r in csv.reader(p.open(encoding="utf-8-sig")):
            if len(r) == 33 and r[15] == "False":
                chain = re.findall(r"//@([^:：\s/]+)[:：]", r[2])
                depths[len(chain)] += 1
                assert set(chain) <= names
    assert max(depths) >= 4 and sum(v for k, v in depths.items() if k >= 4) >= 5


def test_campaign_timeline_hashtags_and_cohorts() -> None:
    posts = _jsonl(MC / "douyin/jsonl/search_contents_2026-04-20.jsonl") + \
        _jsonl(MC / "xhs/jsonl/search_contents_2026-04-20.jsonl")
    from datetime import datetime

    days = [datetime.fromtimestamp(r.get("create_time") or r["time"] / 1000, UTC).date().isoformat()
            for r in posts]
    assert sum(d < "2023-04-01" for d in days) > 100 and sum(d > "2023-08-15" for d in days) > 30
    tags = Counter("成都好young" if "成都好young" in r["desc"] else "公园" if "雪山下的公园城市" in r["desc"] else "none"
                   for r in posts)
    assert tags["成都好young"] > 100 and tags["公园"] > 100 and tags["none"] > 100
    bios = [json.loads(line)["desc"] for line in
            (MC / "douyin/jsonl/creator_creators_2026-04-20.jsonl").read_text(encoding="utf-8").splitlines()]
    for marker in ("00后", "95后"):
        assert any(marker in b for b in bios)
    users = list(csv.DictReader((WB / "users.csv").open(encoding="utf-8-sig")))
    assert sum(bool(re.fullmatch(r"\d{4}-\d\d-\d\d", u["生日"])) for u in users) > 30
    roles = {u["昵称"] for u in users} & {"成都发布", "成都文旅", "四川日报", "红星新闻"}
    assert len(roles) == 4


def test_creator_centre_exports() -> None:
    import openpyxl

    wb = openpyxl.load_workbook(DEMO / G.CC_DIR / "成都文旅_投稿列表_data_SYNTHETIC.xlsx")
    rows = list(wb.active.iter_rows(values_only=True))
    assert list(rows[0]) == W.CC_HEADER and len(rows) > 10
    assert all(0 <= r[5] <= 1 for r in rows[1:])  # 完播率 is a fraction
    portrait = json.loads((DEMO / G.CC_DIR / "成都文旅_粉丝画像_SYNTHETIC.json").read_text(encoding="utf-8"))
    for dim in ("age", "gender", "province"):
        shares = [x["value"] for x in portrait["data"][dim]["ratio_list"]]
        assert abs(sum(shares) - 1) < 1e-6 and all(0 <= s <= 1 for s in shares)
