"""The sentiment stage: every post scored once, aggregates with intervals, counts and known-generation share."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from brandlab.config import Settings
from brandlab.errors import InsufficientDataError
from brandlab.nlp import sentiment_stage
from brandlab.nlp.sentiment import get_backend
from brandlab.schema import AUTHOR_GENERATION, POST, POST_TAG

POS = ["风景太美了[赞]", "火锅好吃，强烈推荐", "下次还来😂"]
NEG = ["排队三小时，服务太差", "再也不来了，失望", "垃圾景区"]


@pytest.fixture
def filled(ws):  # type: ignore[no-untyped-def]
    rows = []
    for i in range(60):
        text = POS[i % 3] if i % 2 == 0 else NEG[i % 3]
        rows.append({"platform": "weibo" if i < 40 else "douyin", "post_id": f"p{i}", "kind": "post",
                     "author_id": f"a{i % 20}", "text": text if i != 7 else "", "title": None,
                     "campaign": "spring" if i < 30 else "summer",
                     "published_at": pd.Timestamp("2024-03-04 10:00", tz="Asia/Shanghai") + pd.Timedelta(days=i % 14)})
    ws.upsert(pd.DataFrame(rows), POST)
    gens = pd.DataFrame({"platform": ["weibo"] * 10, "author_id": [f"a{i}" for i in range(10)],
                         "generation": ["Z"] * 5 + ["Y"] * 3 + ["unknown"] * 2, "source": "bio", "confidence": 0.9})
    ws.upsert(gens, AUTHOR_GENERATION)
    tags = pd.DataFrame({"platform": "weibo", "post_id": [f"p{i}" for i in range(0, 40, 2)], "facet": "trait",
                         "label": "vitality", "n_matches": 1})
    ws.upsert(tags, POST_TAG)
    return ws


def test_stage_scores_every_post_and_aggregates(filled) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[int, int]] = []
    settings = Settings(n_boot=200, min_group_size=3, sentiment_model="ngram")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = sentiment_stage.run(filled, settings, on_progress=lambda d, t: seen.append((d, t)))
    assert out["post_sentiment"] == 60
    ps = filled.read("post_sentiment")
    assert len(ps) == 60 and ps["post_id"].is_unique
    assert set(ps["model"]) == {"brandlab-ngram"}
    assert not ps.set_index("post_id").loc["p7", "has_text"]
    assert seen[-1] == (60, 60)
    agg = filled.read("sentiment_aggregates")
    assert set(agg["group_kind"]) == {"all", "generation", "platform", "campaign", "week", "trait"}
    every = agg[(agg["group_kind"] == "all")].set_index("label")
    assert every.loc["positive", "n_posts"] == 59  # the empty post is left out of aggregates
    assert every.loc[["negative", "neutral", "positive"], "share"].sum() == pytest.approx(1.0)
    assert (agg["lo"] <= agg["share"] + 1e-9).all() and (agg["share"] <= agg["hi"] + 1e-9).all()
    plat = agg[(agg["group_kind"] == "platform") & (agg["label"] == "positive")].set_index("group")
    # weibo authors a0..a19: a0-a7 known (Z/Y), a8/a9 unknown, a10-a19 absent -> 8 of 20
    assert plat.loc["weibo", "generation_known_share"] == pytest.approx(8 / 20)
    assert plat.loc["douyin", "generation_known_share"] == 0.0
    gen = set(agg.loc[agg["group_kind"] == "generation", "group"])
    assert gen == {"Z", "Y", "unknown"}
    net = agg[agg["label"] == "net"]
    assert net["share"].between(-1, 1).all()


def test_stage_is_repeatable(filled) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(n_boot=50, min_group_size=1, sentiment_model="ngram")
    sentiment_stage.run(filled, settings)
    a = filled.read("sentiment_aggregates").sort_values(["group_kind", "group", "label"]).reset_index(drop=True)
    sentiment_stage.run(filled, settings)
    b = filled.read("sentiment_aggregates").sort_values(["group_kind", "group", "label"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert filled.count("post_sentiment") == 60


def test_shipped_model_separates_obvious_posts(filled) -> None:  # type: ignore[no-untyped-def]
    sentiment_stage.run(filled, Settings(n_boot=20, min_group_size=1), backend=get_backend(Settings()))
    ps = filled.read("post_sentiment").set_index("post_id")
    pos = ps.loc[[f"p{i}" for i in range(0, 60, 2)], "p_positive"].to_numpy()
    neg = ps.loc[[f"p{i}" for i in range(1, 60, 2) if i != 7], "p_positive"].to_numpy()
    assert np.median(pos) > np.median(neg)


def test_empty_workspace_raises(ws) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InsufficientDataError, match="brandlab ingest"):
        sentiment_stage.run(ws, Settings(sentiment_model="ngram"))


def test_stage_scores_the_text_stage_clean_text_with_identical_scores(filled) -> None:  # type: ignore[no-untyped-def]
    from brandlab.nlp import stage as text_stage
    from brandlab.nlp.taxonomy import load_taxonomy

    settings = Settings(n_boot=20, min_group_size=1, sentiment_model="ngram")
    backend = get_backend(Settings())  # the shipped model, trained on clean_text output
    sentiment_stage.run(filled, settings, backend=backend)
    alone = filled.read("post_sentiment").sort_values("post_id", ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text_stage.run(filled, settings, taxonomy=load_taxonomy())
    assert filled.count("post_text") == 60
    sentiment_stage.run(filled, settings, backend=backend)
    reused = filled.read("post_sentiment").sort_values("post_id", ignore_index=True)
    pd.testing.assert_frame_equal(alone, reused)


def test_cleaned_texts_reuses_stored_and_cleans_the_rest() -> None:
    posts = pd.DataFrame({"platform": "weibo", "post_id": ["a", "b", "c"], "title": None,
                          "text": ["好😂 #成都#", "[赞] 赞", "新的帖子👍🏻"]})
    stored = pd.DataFrame({"platform": "weibo", "post_id": ["a", "b"],
                           "clean_text": ["好 EMO_face_with_tears_of_joy 成都", "stored"]})
    # n_check=0: the stored text is taken as it is (proves it is not cleaned again), c is cleaned
    assert sentiment_stage.cleaned_texts(posts, stored, n_check=0) == [
        "好 EMO_face_with_tears_of_joy 成都", "stored", "新的帖子 EMO_thumbs_up"]
    # checked: b's stored text is not what cleaning its post gives, so every post is cleaned here
    with_check = sentiment_stage.cleaned_texts(posts, stored, n_check=2)
    assert with_check == ["好 EMO_face_with_tears_of_joy 成都", "EMO_赞 赞", "新的帖子 EMO_thumbs_up"]
    assert sentiment_stage.cleaned_texts(posts, None) == with_check


@pytest.mark.parametrize("n_boot", [0, 1, 7, 300])
def test_shares_with_intervals_equal_bootstrap_share_per_value(n_boot: int) -> None:
    from brandlab import aggregate
    from brandlab.aggregate import bootstrap_share

    rng = np.random.default_rng(3)
    n = 900
    df = pd.DataFrame({"g": rng.choice(["a", "b", "c", "solo"], n, p=[0.5, 0.3, 0.199, 0.001]),
                       "who": rng.choice([f"u{i}" for i in range(120)], n),
                       "x": rng.integers(0, 2, n).astype(float), "y": rng.random(n)})
    df.loc[df.index[:3], "who"] = None
    old_block = aggregate._BLOCK
    try:
        aggregate._BLOCK = 500  # several blocks per group, as at scale
        got = sentiment_stage.shares_with_intervals(df, "g", ["x", "y"], n_boot=n_boot, seed=11, author="who")
        for v in ("x", "y"):
            expected = bootstrap_share(df, "g", v, n_boot=n_boot, seed=11, author="who", warn=False)
            pd.testing.assert_frame_equal(got[v], expected, check_exact=True)
    finally:
        aggregate._BLOCK = old_block
