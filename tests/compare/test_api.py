"""compare_sides on a workspace built by hand: the planted differences are found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brandlab.compare.api import compare_sides
from brandlab.compare.sides import Filters, Side
from brandlab.config import Settings
from brandlab.errors import InsufficientDataError
from brandlab.schema import AUTHOR, POST
from brandlab.workspace import Workspace


def _fill(ws: Workspace, seed: int = 1, n: int = 600, ratio: float = 1.4) -> None:
    rng = np.random.default_rng(seed)
    n_auth = 120
    followers = rng.lognormal(7, 1.2, n_auth).astype(int)
    authors = pd.DataFrame({"platform": "weibo", "author_id": [f"a{i}" for i in range(n_auth)],
                            "follower_count": followers})
    ws.upsert(authors, AUTHOR)
    author = rng.integers(0, n_auth, n)
    side_b = np.arange(n) % 2 == 1
    mu = np.where(side_b, ratio, 1.0) * (1 + followers[author]) / 50
    y = rng.negative_binomial(1.0, 1.0 / (1.0 + mu))
    posts = pd.DataFrame({
        "platform": np.where(np.arange(n) % 3 == 0, "douyin", "weibo"),
        "post_id": [f"p{i}" for i in range(n)],
        "kind": "post",
        "author_id": [f"a{i}" for i in author],
        "published_at": pd.Timestamp("2023-04-01", tz="Asia/Shanghai") + pd.to_timedelta(np.arange(n), "h"),
        "hashtags": [["雪山下的公园城市"] if b else ["成都好young"] for b in side_b],
        "text": ["雪山 公园 熊猫" if b else "火锅 夜生活 年轻" for b in side_b],
        "like_count": y,
    })
    # the authors table only knows weibo; give douyin posts weibo authors' ids too (platform differs)
    ws.upsert(posts, POST)
    ws.upsert(authors.assign(platform="douyin"), AUTHOR)


def test_side_specs() -> None:
    assert Side.parse("#成都好young#") == Side("tag", ("成都好young",), "#成都好young#")
    assert Side.parse("kw:火锅|串串").values == ("火锅", "串串")
    assert Side.parse("campaign:c1").kind == "campaign"
    with pytest.raises(ValueError, match="names no"):
        Side.parse("tag:")


def test_compare_finds_the_planted_rate_ratio(ws: Workspace) -> None:
    _fill(ws)
    res = compare_sides(ws, "#成都好young#", "#雪山下的公园城市#", settings=Settings(n_boot=200))
    v = res.verdict.set_index("test")
    nb = v.loc["nb_rate_ratio"]
    assert nb["lo"] < 1.4 < nb["hi"] and nb["lo"] > 1.0
    assert {"mann_whitney_authors", "median_ratio", "platform mix"} <= set(v.index)
    assert v["p_adjusted"].ge(v["p_value"]).all()
    assert res.details["engagement_summary"]["n"].tolist() == [300, 300]
    assert any("Holm" in n for n in res.notes)
    assert any("sentiment not compared" in n for n in res.notes)


def test_keyword_side_and_filters(ws: Workspace) -> None:
    _fill(ws)
    res = compare_sides(ws, "kw:火锅", "kw:熊猫", settings=Settings(n_boot=100),
                        filters=Filters(platforms=("weibo",)))
    assert res.details["platform_mix"]["category"].tolist() == ["weibo"]


def test_empty_side_is_a_clear_error(ws: Workspace) -> None:
    _fill(ws)
    with pytest.raises(InsufficientDataError, match="matches no posts"):
        compare_sides(ws, "#不存在#", "#成都好young#")
