"""The fast path (rjieba) and the fallback (a private jieba.Tokenizer) agree token for token."""

from __future__ import annotations

import difflib

import jieba
import pytest

from brandlab.nlp.clean import clean_text
from brandlab.nlp.synth import synth_texts
from brandlab.nlp.tokenize import (
    USERDICT,
    Tokenizer,
    UserDictError,
    build_tokenizer,
    default_user_words,
    parse_user_dict,
    read_user_dict,
)

HAND = [
    "我在小红书上看到成都宽窄巷子的视频，00后都说太好吃了！",
    "2023年3月5日去了春熙路，打卡IFS熊猫。Hello world 123.45元",
    "去t.cn看看，用户632135_ab说x-y好，3.5G网络，涨了12%啊，C++很难，AT&T公司",
    "人才公寓和租房补贴政策很友好，落户门槛也降低了",
    "大唐不夜城的灯光秀太震撼了 EMO_哈哈 EMO_face_with_tears_of_joy",
    "B站up主说雪山下的公园城市名不虚传，一键三连",
    "研一的我第一次来杭州，西湖边的断桥人山人海",
    "   空格   和\n换行\t也在   ",
    "iPhone15Pro拍的夜景，ISO3200，f/1.8",
]


@pytest.fixture(scope="module")
def words() -> list[tuple[str, int | None]]:
    return default_user_words()


@pytest.fixture(scope="module")
def fast(words: list[tuple[str, int | None]]) -> Tokenizer:
    return build_tokenizer(words, "rjieba")


@pytest.fixture(scope="module")
def slow(words: list[tuple[str, int | None]]) -> Tokenizer:
    return build_tokenizer(words, "jieba")


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    raw = synth_texts(400, seed=7)
    return HAND + raw + [clean_text(t).text for t in raw]


def _diff(a: list[str], b: list[str]) -> list[str]:
    return [d for d in difflib.ndiff(a, b) if d[:1] in "+-"]


def test_backends_agree_on_corpus(fast: Tokenizer, slow: Tokenizer, corpus: list[str]) -> None:
    assert fast.backend == "rjieba" and slow.backend == "jieba"
    bad = [(t, _diff(fast.cut_raw(t), slow.cut_raw(t))) for t in corpus if fast.cut_raw(t) != slow.cut_raw(t)]
    assert not bad, f"{len(bad)} of {len(corpus)} texts differ, e.g. {bad[:3]}"


def test_backends_agree_without_hmm(words: list[tuple[str, int | None]], corpus: list[str]) -> None:
    a, b = build_tokenizer(words, "rjieba", hmm=False), build_tokenizer(words, "jieba", hmm=False)
    assert [a.cut(t) for t in corpus] == [b.cut(t) for t in corpus]


def test_user_words_are_single_tokens(fast: Tokenizer, slow: Tokenizer) -> None:
    text = "我在小红书上看到宽窄巷子和人才公寓"
    for tok in (fast, slow):
        toks = tok.cut(text)
        assert "小红书" in toks and "宽窄巷子" in toks and "人才公寓" in toks


def test_emo_tokens_kept_whole_and_spaces_dropped(fast: Tokenizer) -> None:
    toks = fast.cut("好吃 EMO_哈哈 EMO_face_with_tears_of_joy 真的")
    assert "EMO_哈哈" in toks and "EMO_face_with_tears_of_joy" in toks
    assert not any(t.isspace() for t in toks)


def test_global_jieba_untouched(slow: Tokenizer) -> None:
    assert "人才公寓" in slow.cut("人才公寓")
    # the global tokenizer does not know our user words (it is never mutated)
    assert "人才公寓" not in jieba.lcut("人才公寓")


def test_cut_many_matches_cut_with_workers(fast: Tokenizer, corpus: list[str]) -> None:
    texts = corpus * 10
    assert fast.cut_many(texts, n_jobs=2, chunk_size=500) == [fast.cut(t) for t in texts]


@pytest.mark.parametrize("line, expected", [
    ("小红书", [("小红书", None)]),
    ("宽窄巷子 3000 ns", [("宽窄巷子", 3000)]),
    ("# comment", []),
    ("", []),
])
def test_parse_user_dict(line: str, expected: list[tuple[str, int | None]]) -> None:
    assert parse_user_dict([line]) == expected


@pytest.mark.parametrize("line, needle", [("宽窄巷子 many", "frequency"), ("city/walk", "one jieba token")])
def test_parse_user_dict_errors_name_line(line: str, needle: str) -> None:
    with pytest.raises(UserDictError, match=needle) as err:
        parse_user_dict(["小红书", line], source="my.txt")
    assert "my.txt line 2" in str(err.value)


def test_shipped_user_dict_reads() -> None:
    assert len(read_user_dict(USERDICT)) > 200


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown tokenizer backend"):
        build_tokenizer([], "spacy")
