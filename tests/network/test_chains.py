"""//@ chain parsing and repost paths, including the real chain in the weibo-crawler sample."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from brandlab.network.build import repost_graph
from brandlab.network.chains import ChainLink, chain_names, parse_chain, path_edges, repost_path


@pytest.mark.parametrize(("text", "head", "names"), [
    ("转发微博", "转发微博", []),
    ("好//@A: a的话//@B: b的话", "好", ["A", "B"]),
    ("//@A:a", "", ["A"]),
    ("x//@name with space: hi//@B :b", "x", ["name with space", "B"]),    # space inside and before colon
    ("x//@全角名：你好//@B：b", "x", ["全角名", "B"]),                        # full-width colon
    ("x//@🌸花花🌸: 好美//@小🐱 猫 : 喵", "x", ["🌸花花🌸", "小🐱 猫"]),        # emoji and spaces
    ("x// @weibo.com样式 : y", "x", ["weibo.com样式"]),                      # weibo.com writes '// @name :'
    ("看这个//@ 没有冒号的文字", "看这个//@ 没有冒号的文字", []),                # no colon: not a link, kept as text
    ("x//@A: a//@ 不是链接 //@B: b", "x", ["A", "B"]),
    ("x//@: 空名", "x//@: 空名", []),
])
def test_parse_chain(text: str, head: str, names: list[str]) -> None:
    h, links = parse_chain(text)
    assert h == head
    assert [link.name for link in links] == names


def test_link_text_kept() -> None:
    assert parse_chain("好//@A: a的话//@B: b的话")[1] == [ChainLink("A", "a的话"), ChainLink("B", "b的话")]
    # a //@ piece without a colon stays with the previous link's words
    assert parse_chain("x//@A: a//@ 不是链接 ")[1] == [ChainLink("A", "a//@ 不是链接")]


def test_known_names_allow_colons_in_names() -> None:
    text = "x//@时间:12:30 频道: 今天//@B: b"
    assert chain_names(text) == ["时间", "B"]                            # first colon without knowledge
    assert chain_names(text, {"时间:12:30 频道"}) == ["时间:12:30 频道", "B"]  # longest known name wins
    assert parse_chain(text, {"时间:12:30 频道"})[1][0].text == "今天"


def test_path_and_edges_follow_flow() -> None:
    path = repost_path("r", ["A", "B"], "orig")
    assert path == ["r", "A", "B", "orig"]
    assert path_edges(path) == [("A", "r", 0), ("B", "A", 1), ("orig", "B", 2)]
    assert repost_path("r", [], None) == ["r"]


def _posts(rows: list[dict]) -> pd.DataFrame:
    base = {"platform": "weibo", "kind": "post", "parent_id": None, "root_id": None, "author_id": None,
            "author_name": None, "published_at": pd.Timestamp("2024-01-01", tz="Asia/Shanghai"), "text": None,
            "hashtags": [], "mentions": [], "repost_chain": None, "campaign": None}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_repost_graph_resolves_names_and_infers_missing_hops() -> None:
    posts = _posts([
        {"post_id": "P", "author_id": "u0", "author_name": "原作者"},
        {"post_id": "R1", "kind": "repost", "parent_id": "P", "root_id": "P", "author_id": "u1",
         "author_name": "甲", "repost_chain": None},
        {"post_id": "R2", "kind": "repost", "parent_id": "P", "root_id": "P", "author_id": "u2",
         "author_name": "乙", "repost_chain": "//@甲: 转//@陌生人 : 好", "published_at": pd.Timestamp(
             "2024-01-02", tz="Asia/Shanghai")},
    ])
    authors = pd.DataFrame({"platform": ["weibo"], "author_id": ["u1"], "nickname": ["甲"]})
    edges, tree = repost_graph(posts, authors)
    chain = edges[edges["origin"] == "chain"].sort_values("hop")
    assert chain[["src_id", "dst_id", "hop"]].values.tolist() == [
        ["u1", "u2", 0], ["name:陌生人", "u1", 1], ["u0", "name:陌生人", 2]]
    assert chain["resolved"].tolist() == [True, False, False]
    plain = edges[edges["origin"] == "parent"]
    assert plain[["src_id", "dst_id"]].values.tolist() == [["u0", "u1"]]
    t = tree.set_index("post_id")
    assert t.loc["R2", "parent_id"] == "R1"            # 甲's own repost of the same root is the parent
    assert t.loc["P@name:陌生人", "inferred"]                  # the stranger's repost is not in the data
    assert t.loc["P@name:陌生人", "parent_id"] == "P"


SAMPLE = "weibo_crawler_1818_2334162530.csv"


@pytest.mark.samples
def test_real_weibo_crawler_chain(samples_dir: Path) -> None:
    """The 1818黄金眼 timeline holds a repost of a repost: '...//@1818黄金眼:...' of its own post."""
    with (samples_dir / SAMPLE).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, data = rows[0], rows[1:]
    recs = [dict(zip(header, r + [""] * (len(header) - len(r)), strict=True)) for r in data]
    reposts = [r for r in recs if r["是否原创"] == "False"]
    chained = [r for r in reposts if "//@" in r["正文"]]
    assert len(chained) == 1
    r = chained[0]
    assert chain_names(r["正文"]) == ["1818黄金眼"]
    uid = SAMPLE.split("_")[-1].removesuffix(".csv")
    posts = _posts([{"post_id": x["id"].strip(), "kind": "post" if x["是否原创"] != "False" else "repost",
                     "parent_id": x["源微博id"].strip() or None, "root_id": x["源微博id"].strip() or None,
                     "author_id": uid, "author_name": "1818黄金眼", "text": x["正文"]} for x in recs])
    authors = pd.DataFrame({"platform": ["weibo"], "author_id": [r["源用户id"]], "nickname": [r["源用户昵称"]]})
    # what ingest states for each repost: the source account (源用户id) -> the reposter
    ingest = pd.DataFrame({"platform": "weibo", "src_author_id": [x["源用户id"] for x in reposts],
                           "dst_author_id": uid, "post_id": [x["id"].strip() for x in reposts], "kind": "repost",
                           "created_at": pd.NaT, "resolved": True, "origin": "ingest"})
    edges, tree = repost_graph(posts, authors, ingest)
    assert set(edges["post_id"]) == {x["id"].strip() for x in reposts}   # every repost explained once
    assert (edges.loc[edges["origin"] == "ingest", "post_id"] != r["id"].strip()).all()
    mine = edges[edges["post_id"] == r["id"].strip()].sort_values("hop")
    # reposter -> 1818黄金眼 (resolved to its id) -> original author: the account reposting itself twice
    assert mine[["src_id", "dst_id", "hop"]].values.tolist() == [[uid, uid, 0], [uid, uid, 1]]
    assert mine["resolved"].all()
    root = r["源微博id"].strip()
    node = tree.set_index("post_id").loc[r["id"].strip()]
    assert node["root_id"] == root and node["parent_id"] == f"{root}@{uid}"
