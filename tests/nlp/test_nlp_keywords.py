"""TF-IDF and TextRank keywords per group."""

from __future__ import annotations

import pandas as pd
import pytest

from brandlab.nlp.keywords import (
    keep_terms,
    keywords_by_group,
    load_idf,
    load_stopwords,
    textrank_keywords,
    tfidf_keywords,
)


@pytest.fixture(scope="module")
def stop() -> frozenset[str]:
    return load_stopwords()


def test_idf_read_from_installed_jieba() -> None:
    idf, median = load_idf()
    assert len(idf) > 100_000 and 5 < median < 15
    assert idf["的"] < median < idf["毛肚"]


def test_stopwords_include_maintained_and_social_lists(stop: frozenset[str]) -> None:
    for w in ("的", "我们", "转发微博", "网页链接", "哈哈", "the"):
        assert w in stop
    assert keep_terms(["的", "火锅", "EMO_哈哈", "2023", "a", "The", "成都"], stop) == ["火锅", "成都"]


def test_tfidf_ranks_rare_specific_terms_above_common_ones(stop: frozenset[str]) -> None:
    docs = [["火锅", "毛肚", "城市"], ["火锅", "毛肚", "城市"], ["城市", "发展"]]
    top = [t for t, _ in tfidf_keywords(docs, stopwords=stop, top_k=3)]
    assert top[0] == "毛肚"  # as frequent as 城市 but far rarer in the background corpus


def test_textrank_centre_of_cooccurrence(stop: frozenset[str]) -> None:
    docs = [["火锅", "毛肚"], ["火锅", "鸭肠"], ["火锅", "黄喉"], ["火锅", "脑花"], ["熊猫", "基地"]]
    ranked = textrank_keywords(docs, stopwords=stop, top_k=3)
    assert ranked[0] == ("火锅", 1.0)
    assert textrank_keywords([], stopwords=stop) == []


def test_keywords_by_group_shape(stop: frozenset[str]) -> None:
    frame = pd.DataFrame({"tokens": [["火锅", "毛肚"], ["熊猫", "基地"], ["火锅", "兔头"]],
                          "platform": ["xhs", "weibo", "xhs"], "campaign": ["a", None, "a"], "all": "all"})
    out = keywords_by_group(frame, {"all": "all", "platform": "platform", "campaign": "campaign"}, top_k=2,
                            stopwords=stop)
    assert set(out["group_kind"]) == {"all", "platform", "campaign"}
    assert set(out["method"]) == {"tfidf", "textrank"}
    assert out.groupby(["group_kind", "group", "method"])["rank"].max().max() == 2
    xhs = out[(out["group"] == "xhs") & (out["method"] == "tfidf")]
    assert "火锅" in set(xhs["term"]) and xhs["n_docs"].iloc[0] == 2
    with pytest.raises(ValueError, match="unknown keyword method"):
        keywords_by_group(frame, {"all": "all"}, methods=["lda"], stopwords=stop)


def _per_group(frame: pd.DataFrame, kinds: dict[str, str], stop: frozenset[str], top_k: int) -> pd.DataFrame:
    """The reference: tfidf_keywords / textrank_keywords on each group's token lists."""
    rows = []
    for kind, col in kinds.items():
        for group, g in frame[frame[col].notna()].groupby(col, sort=True):
            docs = g["tokens"].tolist()
            for method, fn in (("tfidf", tfidf_keywords), ("textrank", textrank_keywords)):
                for rank, (term, score) in enumerate(fn(docs, stopwords=stop, top_k=top_k), start=1):
                    rows.append((kind, str(group), method, rank, term, score, len(docs)))
    return pd.DataFrame(rows, columns=["group_kind", "group", "method", "rank", "term", "score", "n_docs"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_keywords_by_group_equals_per_group_functions(stop: frozenset[str], seed: int) -> None:
    """The id-array path gives exactly the rows (terms, tie order, float scores) of the per-group
    functions: repeated terms, ties, stopwords, EMO_ tokens, empty documents, NA groups."""
    import numpy as np

    rng = np.random.default_rng(seed)
    vocab = ["火锅", "毛肚", "熊猫", "基地", "兔头", "宽窄巷子", "的", "EMO_哈哈", "a", "The", "2023", "夜景",
             "城市", "文化", "xyzzy", "成都", "非遗", "茶馆", "我们"]
    docs = [[vocab[i] for i in rng.integers(0, len(vocab), rng.integers(0, 12))] for _ in range(300)]
    frame = pd.DataFrame({"tokens": docs, "all": "all",
                          "platform": rng.choice(["xhs", "weibo", "douyin"], 300),
                          "campaign": pd.array(rng.choice(["a", "b", None], 300), dtype="string")},
                         index=rng.permutation(300) + 1000)
    kinds = {"all": "all", "platform": "platform", "campaign": "campaign", "absent": "no_such_column"}
    got = keywords_by_group(frame, kinds, top_k=5, stopwords=stop)
    want = _per_group(frame, {k: c for k, c in kinds.items() if c in frame.columns}, stop, 5)
    assert len(got) > 30
    pd.testing.assert_frame_equal(got, want, check_exact=True)
