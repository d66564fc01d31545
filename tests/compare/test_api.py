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


def test_store_load_and_export_are_formula_safe(ws: Workspace, tmp_path) -> None:
    from brandlab.compare.store import export_comparison, load_comparison, store_comparison

    _fill(ws)
    res = compare_sides(ws, "#成都好young#", "#雪山下的公园城市#", settings=Settings(n_boot=50))
    res.notes.append("=HYPERLINK(\"http://x\")")
    store_comparison(ws, res)
    store_comparison(ws, res)  # idempotent
    back = load_comparison(ws, res.comparison_id)
    assert len(back.verdict) == len(res.verdict) == ws.count("comparison_verdict")
    assert back.details["engagement_summary"]["n"].tolist() == [300, 300]
    paths = export_comparison(back, tmp_path)
    notes = (tmp_path / "notes.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in notes
    assert any(p.suffix == ".xlsx" for p in paths)


def test_cli_compare(ws: Workspace, tmp_path) -> None:
    from click.testing import CliRunner

    from brandlab.cli import main

    _fill(ws)
    path = ws.path
    ws.close()
    r = CliRunner().invoke(main, ["-w", str(path), "compare", "#成都好young#", "#雪山下的公园城市#",
                                  "--out", str(tmp_path / "out")], env={"BRANDLAB_N_BOOT": "50"})
    assert r.exit_code == 0, r.output
    assert "nb_rate_ratio" in r.output and "Holm" in r.output
    r = CliRunner().invoke(main, ["-w", str(path), "compare", "#不存在#", "#成都好young#"])
    assert r.exit_code == 2 and "matches no posts" in r.output
