"""Triad parts on hand-built data whose answers are known, and the stage on a small workspace."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from brandlab.config import Settings
from brandlab.schema import AUTHOR, POST
from brandlab.triad import brand_parts, channel_parts, coherence_part, content_parts, entropy_norm, jsd
from brandlab.workspace import Workspace

TRAITS = ["活力", "时尚", "繁华", "历史"]
TZ = "Asia/Shanghai"


def _posts(n: int, start: str = "2023-04-03 08:00", step: str = "1D", prefix: str = "p") -> pd.DataFrame:
    return pd.DataFrame({"platform": "weibo", "post_id": [f"{prefix}{i}" for i in range(n)], "kind": "post",
                         "author_id": [f"a{i % 7}" for i in range(n)],
                         "published_at": pd.date_range(start, periods=n, freq=step, tz=TZ)})


def _tags(posts: pd.DataFrame, labels: list[str], facet: str = "trait") -> pd.DataFrame:
    return pd.DataFrame({"platform": posts["platform"], "post_id": posts["post_id"], "facet": facet,
                         "label": [labels[i % len(labels)] for i in range(len(posts))],
                         "terms": [["青春"]] * len(posts), "n_matches": 1})


def test_jsd_and_entropy_edges() -> None:
    assert jsd([1, 0], [0, 1]) == pytest.approx(1.0)
    assert jsd([1, 2, 3], [2, 4, 6]) == pytest.approx(0.0)
    assert entropy_norm(pd.Series([5, 5, 5, 5])) == pytest.approx(1.0)
    assert entropy_norm(pd.Series([5, 0, 0, 0])) == 0.0


def test_perfectly_consistent_brand_scores_one() -> None:
    posts = _posts(56)  # 8 weeks, the same trait mix every week
    parts = {p.component: p for p in brand_parts(posts, _tags(posts, TRAITS[:2] * 3 + ["繁华"]), TRAITS)}
    assert parts["consistency"].score == pytest.approx(1.0, abs=0.02)
    assert parts["profile"].detail["shares"]["历史"] == 0
    assert set(parts["profile"].evidence["post_id"]) <= set(posts["post_id"])


def test_a_brand_that_flips_every_week_is_inconsistent() -> None:
    posts = _posts(56)
    week = (np.arange(56) // 7) % 2
    tags = _tags(posts, TRAITS).assign(label=np.where(week == 0, "活力", "历史"))
    parts = {p.component: p for p in brand_parts(posts, tags, TRAITS)}
    assert parts["consistency"].score == pytest.approx(0.0, abs=1e-9)


def test_target_fit_is_one_on_target_and_low_off_target() -> None:
    posts = _posts(30)
    on = {p.component: p for p in brand_parts(posts, _tags(posts, ["活力", "时尚", "繁华"]), TRAITS)}
    off = {p.component: p for p in brand_parts(posts, _tags(posts, ["历史"]), TRAITS)}
    assert on["target_fit"].score == pytest.approx(1.0)
    assert off["target_fit"].score == pytest.approx(0.0)


def test_content_coverage_weights_generation_priorities() -> None:
    posts = _posts(40)
    full, _ = content_parts(posts, _tags(posts, ["自然人文", "项目活动", "特色美食", "设施资源", "民生政策"],
                                         "dimension"), [])
    assert full.score == pytest.approx(1.0)
    only_food, _ = content_parts(posts, _tags(posts, ["特色美食"], "dimension"), [])
    # food is only Gen Z's third priority (weight 1 of 6): Z 1/6, Y 0, X 0
    assert only_food.score == pytest.approx((1 / 6) / 3)
    assert only_food.detail["coverage_by_generation"]["Z"] == pytest.approx(1 / 6)


def test_alignment_is_one_only_when_content_leans_like_the_audience() -> None:
    posts = _posts(60)
    z_like = ["自然人文"] * 3 + ["项目活动"] * 2 + ["特色美食"]
    _, ali = content_parts(posts, _tags(posts, z_like, "dimension"), [], priorities={"Z": ("自然人文", "项目活动", "特色美食")})
    assert ali.score == pytest.approx(1.0)
    _, flat = content_parts(posts, _tags(posts, ["民生政策"], "dimension"), [],
                            priorities={"Z": ("自然人文", "项目活动", "特色美食")})
    assert flat.score == pytest.approx(0.0)


def test_channel_parts_time_alignment_roles_and_replies() -> None:
    posts = _posts(4, start="2023-04-03 08:00", step="6h")  # 08:00 commute, 14:00, 20:00, 02:00
    roles = pd.DataFrame({"platform": "weibo", "author_id": ["a0", "a1", "a2", "a3"],
                          "role": ["official", "media", "influencer_waist", "ordinary"]})
    comments = pd.DataFrame({
        "platform": "weibo", "post_id": ["c1", "c2", "c3"], "kind": "comment",
        "author_id": ["u9", "a0", "u8"], "root_id": ["p0", "p0", "p1"], "parent_id": ["p0", "c1", "p1"],
        "published_at": pd.to_datetime(["2023-04-03 09:00", "2023-04-03 09:30", "2023-04-03 15:00"]).tz_localize(TZ)})
    parts = {p.component: p for p in channel_parts(posts, comments, roles, n_platforms=3)}
    assert parts["time_alignment"].score == pytest.approx(0.25)
    assert parts["role_mix"].score == pytest.approx(1.0)
    assert parts["official_reply_rate"].score == 1.0
    assert parts["official_reply_rate"].detail["median_latency_min"] == pytest.approx(30.0)
    assert parts["platform_mix"].score == 0.0  # one platform of three


def test_identical_projected_and_perceived_images_are_coherent() -> None:
    posts = _posts(40)
    roles = pd.DataFrame({"platform": "weibo", "post_id": posts["post_id"],
                          "group": ["official" if i % 2 else "ordinary" for i in range(40)]})
    tags = _tags(posts, ["活力", "活力", "时尚", "时尚"])
    part = coherence_part(tags, roles, TRAITS)
    assert part.value == pytest.approx(0.0) and part.score == pytest.approx(1.0)
    skewed = tags.assign(label=np.where(roles["group"] == "official", "活力", "历史"))
    part = coherence_part(skewed, roles, TRAITS)
    assert part.value == pytest.approx(1.0)
    assert {"活力", "历史"} <= set(part.detail["diverge_most"])
    assert len(part.evidence) > 0


def test_stage_writes_scores_with_evidence(ws: Workspace) -> None:
    from brandlab import triad_stage

    posts = _posts(60).assign(hashtags=[["成都好young"]] * 60, campaign="c1")
    ws.upsert(posts, POST)
    ws.upsert(pd.DataFrame({"platform": "weibo", "author_id": [f"a{i}" for i in range(7)],
                            "verified_reason": ["成都发布"] + [None] * 6}), AUTHOR)
    tags = pd.concat([_tags(posts, TRAITS), _tags(posts, ["自然人文", "美食"], "dimension")], ignore_index=True)
    ws.write_frame("post_tags", tags)
    out = triad_stage.run(ws, Settings(min_group_size=10))
    assert out["triad_scores"] > 0
    scores = ws.read("triad_scores")
    assert set(scores["campaign"]) == {"(all)", "c1", "#成都好young#"}
    assert {"brand", "content", "channel", "coherence"} <= set(scores["part"])
    ev = ws.read("triad_evidence")
    assert set(ev["post_id"]) <= set(posts["post_id"])
    for part in ("brand", "content", "channel"):
        assert (ev["part"] == part).any(), part
    detail = json.loads(scores.set_index(["campaign", "component"]).loc[("c1", "profile"), "detail"])
    assert detail["shares"]["活力"] == pytest.approx(0.25)


def test_stage_maps_chinese_defaults_to_taxonomy_keys(ws: Workspace) -> None:
    from brandlab import triad_stage

    posts = _posts(40).assign(hashtags=[["成都好young"]] * 40)
    ws.upsert(posts, POST)
    tags = pd.concat([_tags(posts, ["vitality", "fashion", "prosperity"]), _tags(posts, ["events"], "dimension")],
                     ignore_index=True)
    ws.write_frame("post_tags", tags)
    triad_stage.run(ws, Settings(min_group_size=10))
    s = ws.read("triad_scores").set_index(["campaign", "component"])
    assert s.loc[("(all)", "target_fit"), "score"] == pytest.approx(1.0, abs=1e-3)  # 14/13/13 posts
    cov = json.loads(s.loc[("(all)", "generation_coverage"), "detail"])["coverage_by_generation"]
    # events is Z's 2nd (2/6) and Y's 3rd (1/6) priority; X does not list it
    assert cov == pytest.approx({"Z": 2 / 6, "Y": 1 / 6, "X": 0.0})
