"""The text stage over a small workspace built here (posts, authors, audience via ws.upsert)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from brandlab.config import Settings
from brandlab.errors import SmallSampleWarning
from brandlab.nlp import stage
from brandlab.schema import AUDIENCE_SEGMENT, AUTHOR, POST

T0 = pd.Timestamp("2024-05-06 10:00", tz="Asia/Shanghai")  # a Monday

TEXTS = [
    "#成都美食# 火锅和兔头太好吃了[哈哈] @吃货小王",
    "春熙路的夜景灯火辉煌，车水马龙😂 http://t.cn/abc",
    "人才公寓和租房补贴都有，落户也方便",
    "宽窄巷子看川剧变脸，非遗传承",
    "在茶馆喝茶掏耳朵，巴适得板",
    "今天下雨",
]


def _build(ws) -> None:  # noqa: ANN001
    rows = []
    for i in range(24):
        rows.append({"platform": "xhs" if i % 2 else "weibo", "post_id": f"p{i}", "kind": "post",
                     "author_id": f"u{i % 12}", "published_at": T0 + pd.Timedelta(days=i % 10),
                     "text": TEXTS[i % len(TEXTS)], "campaign": "spring" if i < 12 else "summer",
                     "crawled_at": T0})
    rows.append({"platform": "weibo", "post_id": "r1", "kind": "repost", "author_id": "u1", "text": "转发微博",
                 "published_at": T0, "campaign": "spring", "crawled_at": T0})
    ws.upsert(pd.DataFrame(rows), POST)
    authors = pd.DataFrame({"platform": ["xhs", "weibo", "xhs", "weibo"], "author_id": ["u1", "u2", "u3", "u4"],
                            "nickname": ["95后小李", "路人甲", "老张", "阿花"], "bio": [None, "90后的爸妈", "80后奶爸", None],
                            "birth_year": pd.array([None, None, None, 1975], dtype="Int64"), "crawled_at": [T0] * 4})
    ws.upsert(authors, AUTHOR)
    seg = pd.DataFrame({"platform": "douyin", "scope": "account", "scope_id": "u9", "dimension": "age",
                        "bucket": ["18-23", "24-30"], "share": [0.7, 0.3], "crawled_at": T0})
    ws.upsert(seg, AUDIENCE_SEGMENT)


@pytest.fixture
def settings() -> Settings:
    return Settings(n_boot=100, min_group_size=5, seed=1, as_of="2024-06-01")


def test_stage_writes_every_table(ws, settings: Settings) -> None:  # noqa: ANN001
    _build(ws)
    progress: list[tuple[int, int]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        counts = stage.run(ws, settings, on_progress=lambda d, t: progress.append((d, t)), chunk_size=10)
    assert progress[-1] == (25, 25) and len(progress) == 3
    assert counts["post_text"] == 25
    assert set(counts) == {"post_text", "post_tags", "author_generation", "audience_generation", "keywords",
                           "trait_shares", "dimension_shares"}

    text = ws.read("post_text").set_index("post_id")
    assert text.loc["p0", "hashtags"] == ["成都美食"] and text.loc["p0", "mentions"] == ["吃货小王"]
    assert "EMO_哈哈" in text.loc["p0", "tokens"] and text.loc["p0", "emoticons"] == ["EMO_哈哈"]
    assert "http" not in text.loc["p1", "clean_text"]

    tags = ws.read("post_tags")
    food = tags[(tags["post_id"] == "p0") & (tags["label"] == "food")]
    assert {"火锅", "兔头", "太好吃"} <= set(food["terms"].iloc[0])
    policy = tags[(tags["post_id"] == "p2") & (tags["label"] == "livelihood_policy")]
    assert list(policy["terms"].iloc[0]) == ["人才公寓", "租房补贴", "落户"]
    assert set(tags.loc[tags["post_id"] == "p5", "label"]) == set()  # 今天下雨: no tag

    gen = ws.read("author_generation").set_index(["platform", "author_id"])
    assert gen.loc[("xhs", "u1"), "generation"] == "Z" and gen.loc[("xhs", "u1"), "source"] == "nickname"
    assert gen.loc[("weibo", "u1"), "generation"] == "unknown"  # another platform's account: no evidence there
    assert gen.loc[("weibo", "u2"), "generation"] == "unknown"  # 90后的爸妈 is about the parents
    assert gen.loc[("xhs", "u3"), "generation"] == "Y" and gen.loc[("weibo", "u4"), "generation"] == "X"
    assert gen.loc[("xhs", "u5"), "generation"] == "unknown" and gen.loc[("xhs", "u5"), "source"] == "none"

    aud = ws.read("audience_generation")
    assert aud["weight"].sum() == pytest.approx(1.0)

    kw = ws.read("keywords")
    assert {"all", "campaign", "platform", "week", "generation"} <= set(kw["group_kind"])

    ts = ws.read("trait_shares")
    by_gen = ts[ts["group_kind"] == "generation"]
    assert set(by_gen["group"]) >= {"Z", "Y", "X", "unknown"}
    assert (by_gen["n_authors"] >= 1).all() and (by_gen["lo"] <= by_gen["share"]).all()
    # the Y group rests on one author (u3): flagged and warned
    assert by_gen.loc[by_gen["group"] == "Y", "small_sample"].all()
    assert any(issubclass(w.category, SmallSampleWarning) and "by generation" in str(w.message) for w in caught)
    allrow = ts[(ts["group_kind"] == "all") & (ts["label"] == "prosperity")].iloc[0]
    assert allrow["n_posts"] == 24 and allrow["share"] == pytest.approx(4 / 24)  # the bare repost is left out
    weeks = set(ts.loc[ts["group_kind"] == "week", "group"])
    assert weeks == {"2024-05-06", "2024-05-13"}
    assert len(ws.read("dimension_shares"))


def test_stage_is_idempotent_and_handles_empty(ws, settings: Settings) -> None:  # noqa: ANN001
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        assert stage.run(ws, settings)["post_text"] == 0
        _build(ws)
        first = stage.run(ws, settings)
        second = stage.run(ws, settings)
    assert first == second
    assert ws.count("post_tags") == first["post_tags"]
