"""Taxonomy data, loader validation, extension files and the tagger's evidence."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from brandlab.nlp.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy, read_taxonomy_file, tag_posts
from brandlab.nlp.tokenize import Tokenizer, build_tokenizer, default_user_words

TRAITS = {"vitality", "fashion", "prosperity", "civility", "history", "ecology", "inclusiveness", "leisure",
          "innovation", "modernity"}
DIMENSIONS = {"nature_culture", "food", "culture_stories", "events", "facilities", "livelihood_policy"}


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return build_tokenizer(default_user_words(), "rjieba")


def test_shipped_taxonomy_has_every_label_with_many_terms() -> None:
    tax = load_taxonomy()
    assert tax.version == "1"
    assert set(tax.labels("trait")) == TRAITS and set(tax.labels("dimension")) == DIMENSIONS
    for lb in tax.entries:
        assert len(lb.terms) >= 180, (lb.zh, len(lb.terms))
    assert tax.key_of("活力") == "vitality" and tax.key_of("项目活动") == "events"
    kinds = tax.channel_table().set_index("term")["platform"]
    assert kinds["小红书"] == "xhs" and kinds["B站"] == "bilibili"


def test_a_trait_name_is_a_term_of_that_trait_only() -> None:
    """活力/繁华/时尚 must count for vitality/prosperity/fashion, not also for modernity: the
    youth-image finding (活力, 繁华, 时尚) is read off these labels."""
    tax = load_taxonomy()
    traits = tax.facet("trait")
    for lb in traits:
        assert lb.zh in lb.terms, lb.key
        others = [o.key for o in traits if o.key != lb.key and lb.zh in o.terms]
        assert others == [], (lb.zh, others)


@pytest.mark.parametrize("text, facet, label, terms", [
    ("人才公寓和租房补贴都有，落户也方便", "dimension", "livelihood_policy", ["人才公寓", "租房补贴", "落户"]),
    ("火锅和兔头太好吃了，火锅yyds", "dimension", "food", ["火锅", "兔头", "太好吃"]),
    ("宽窄巷子的川剧变脸", "dimension", "culture_stories", ["宽窄巷子", "川剧", "变脸"]),
    ("夜景灯火辉煌，车水马龙", "trait", "prosperity", ["夜景", "灯火辉煌", "车水马龙"]),
    ("在茶馆喝茶掏耳朵，巴适得板", "trait", "leisure", ["茶馆", "喝茶", "掏耳朵", "巴适得板"]),
])
def test_tag_posts_keeps_evidence(tok: Tokenizer, text: str, facet: str, label: str, terms: list[str]) -> None:
    posts = pd.DataFrame({"platform": ["weibo"], "post_id": ["1"]})
    tags = tag_posts(posts, [tok.cut(text)], load_taxonomy())
    row = tags[(tags["facet"] == facet) & (tags["label"] == label)]
    assert len(row) == 1
    assert row["terms"].iloc[0] == terms
    assert row["post_id"].iloc[0] == "1"


def test_tag_posts_counts_repeats_and_skips_untagged(tok: Tokenizer) -> None:
    posts = pd.DataFrame({"platform": ["xhs", "xhs"], "post_id": ["a", "b"]})
    tags = tag_posts(posts, [tok.cut("火锅火锅火锅"), tok.cut("今天下雨")], load_taxonomy())
    food = tags[(tags["label"] == "food")]
    assert food["n_matches"].tolist() == [3] and food["terms"].tolist() == [["火锅"]]
    assert "b" not in set(tags["post_id"])


def test_tag_posts_length_mismatch() -> None:
    with pytest.raises(ValueError, match="different number"):
        tag_posts(pd.DataFrame({"platform": ["xhs"], "post_id": ["a"]}), [], load_taxonomy())


def test_extension_file_adds_terms_and_labels(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text("version: 2\ntraits:\n  活力:\n    terms: [蹦蹦跳跳]\n  浪漫:\n    key: romance\n    terms: 约会 告白\n",
                 encoding="utf-8")
    tax = load_taxonomy([f])
    assert tax.version == "1+mine:2"
    assert "蹦蹦跳跳" in next(lb for lb in tax.entries if lb.key == "vitality").terms
    assert "romance" in tax.labels("trait")
    posts = pd.DataFrame({"platform": ["xhs"], "post_id": ["a"]})
    tags = tag_posts(posts, [["约会", "告白"]], tax)
    assert tags["label"].tolist() == ["romance"] and tags["terms"].tolist() == [["约会", "告白"]]


@pytest.mark.parametrize("doc, needle", [
    ({"traits": {}, "dimensions": {}}, "missing top-level 'version:'"),
    ({"version": 1, "traits": {"x": {"terms": ["a"]}}, "dimensions": {}}, "missing 'key'"),
    ({"version": 1, "traits": {"x": {"key": "Bad Key", "terms": ["a"]}}, "dimensions": {}}, "snake_case"),
    ({"version": 1, "traits": {"x": {"key": "x", "terms": ["city walk"]}}, "dimensions": {}}, "has a space"),
    ({"version": 1, "traits": {"x": {"key": "x", "terms": 5}}, "dimensions": {}}, "terms must be a list"),
    ({"version": 1, "traits": {}, "dimensions": {}, "chanels": {}}, "unknown top-level"),
    ({"version": 1, "traits": {}, "dimensions": {}, "channels": {"x": {"platform": "tiktok", "kind": "k"}}},
     "platform: 'tiktok'"),
])
def test_validation_errors_name_the_place(doc: dict, needle: str) -> None:
    with pytest.raises(TaxonomyError, match=needle) as err:
        parse_taxonomy(doc, "bad.yaml")
    assert "bad.yaml" in str(err.value)


def test_validation_collects_all_problems() -> None:
    doc = {"traits": {"x": {"key": "Bad", "terms": ["a b"]}}, "dimensions": {}}
    with pytest.raises(TaxonomyError, match="3 problem"):
        parse_taxonomy(doc, "bad.yaml")


def test_bad_yaml_file(tmp_path: Path) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text("version: 1\ntraits: [\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        read_taxonomy_file(f)
    with pytest.raises(TaxonomyError, match="does not exist"):
        read_taxonomy_file(tmp_path / "nope.yaml")


def test_tag_posts_equals_a_per_token_reference() -> None:
    """tag_posts' array path against a plain loop over tokens: counts with repeats, distinct terms in
    order of first appearance, a term of several labels counted under each, rows by post/facet/label."""
    import numpy as np

    tax = load_taxonomy()
    table = tax.term_table()
    labels_of: dict[str, list[tuple[str, str]]] = {}
    for t, f, lb in table.itertuples(index=False):
        labels_of.setdefault(t, []).append((f, lb))
    assert any(len(v) > 1 for v in labels_of.values())  # the case worth checking exists
    rng = np.random.default_rng(3)
    words = [*list(labels_of)[:60], "今天", "的", "下雨", "EMO_哈哈"]
    tokens = [[words[i] for i in rng.integers(0, len(words), rng.integers(0, 15))] for _ in range(400)]
    posts = pd.DataFrame({"platform": "weibo", "post_id": [f"p{i}" for i in range(400)]})
    want = []
    for i, toks in enumerate(tokens):
        found: dict[tuple[str, str], list] = {}
        for t in toks:
            for key in labels_of.get(t, []):
                n, terms = found.setdefault(key, [0, []])
                found[key][0] = n + 1
                if t not in terms:
                    terms.append(t)
        want += [("weibo", f"p{i}", f, lb, n, terms) for (f, lb), (n, terms) in sorted(found.items())]
    got = tag_posts(posts, tokens, tax)
    assert [tuple(r) for r in got.itertuples(index=False)] == want
    assert len(want) > 400
