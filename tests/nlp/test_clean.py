"""Table-driven tests of every cleaning step and of the clean_text pipeline."""

from __future__ import annotations

import pandas as pd
import pytest

from brandlab.nlp import clean as c


@pytest.mark.parametrize("text, expected", [
    ("ＡＢＣ１２３", "ABC123"),
    ("＃成都＃　＠小明！", "#成都# @小明!"),
    ("你好，世界。", "你好,世界。"),          # full-width comma is ASCII-range; 。 is CJK punctuation, kept
    ("plain", "plain"),
])
def test_to_halfwidth(text: str, expected: str) -> None:
    assert c.to_halfwidth(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("臺灣的發展與歷史", "台湾的发展与历史"),
    ("乾淨的後來", "干净的后来"),
    ("成都的火锅很好吃", "成都的火锅很好吃"),    # already simplified: untouched
    ("", ""),
])
def test_to_simplified(text: str, expected: str) -> None:
    assert c.to_simplified(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("看这里 http://t.cn/A6abcXyz 好玩", "看这里   好玩"),
    ("https://www.xiaohongshu.com/explore/6727?xsec_token=AB=&x=1哈哈", " 哈哈"),
    ("www.example.com/a 完", "  完"),
    ("没有链接", "没有链接"),
])
def test_strip_urls(text: str, expected: str) -> None:
    assert c.strip_urls(text) == expected


@pytest.mark.parametrize("text, tags, kept", [
    ("#成都美食# 真好吃", ["成都美食"], "成都美食"),                           # weibo
    ("#副业[话题]# #搞钱[话题]#", ["副业", "搞钱"], "副业"),                    # xhs
    ("打卡 #成都 #美食 #旅游", ["成都", "美食", "旅游"], "旅游"),               # douyin, space-ended
    ("【#垃圾从家中堆到过道#】两年前", ["垃圾从家中堆到过道"], "两年前"),
    ("#成都##成都#", ["成都"], "成都"),                                          # duplicate kept once
    ("没有话题", [], "没有话题"),
])
def test_extract_hashtags(text: str, tags: list[str], kept: str) -> None:
    out, found = c.extract_hashtags(text)
    assert found == tags
    assert kept in out and "#" not in out and "[话题]" not in out


@pytest.mark.parametrize("text, names, left", [
    ("@小明_xm-1 你好", ["小明_xm-1"], "你好"),
    ("转发//@1818黄金眼:#1818回音壁#", ["1818黄金眼"], "转发"),
    ("谢谢@张三：说得对", ["张三"], "说得对"),
    ("@a,@b 一起", ["a", "b"], "一起"),
    ("邮箱 abc@qq.com 联系", [], "abc@qq.com"),                                 # e-mail is not a mention
])
def test_extract_mentions(text: str, names: list[str], left: str) -> None:
    out, found = c.extract_mentions(text)
    assert found == names
    assert left in out
    for n in names:
        assert "@" + n not in out


@pytest.mark.parametrize("text, tokens", [
    ("[哈哈][赞]好", ["EMO_哈哈", "EMO_赞"]),
    ("[泪] 难过", ["EMO_泪"]),
    ("[笑哭R] xhs", ["EMO_笑哭"]),
    ("[doge]", ["EMO_doge"]),
    ("[图片] 占位", []),                   # exporter placeholders are dropped, not emoticons
    ("[1] 引用", []),
])
def test_replace_emoticons(text: str, tokens: list[str]) -> None:
    out, found = c.replace_emoticons(text)
    assert found == tokens
    for t in tokens:
        assert f" {t} " in out


@pytest.mark.parametrize("text, tokens", [
    ("笑死😂", ["EMO_face_with_tears_of_joy"]),
    ("👍🏻👍", ["EMO_thumbs_up", "EMO_thumbs_up"]),       # skin tone dropped
    ("✔️好", ["EMO_check_mark"]),
    ("没有表情", []),
])
def test_replace_emoji(text: str, tokens: list[str]) -> None:
    out, found = c.replace_emoji(text)
    assert found == tokens
    assert all(t in out for t in tokens)


@pytest.mark.parametrize("text, expected", [
    ("  a \n\t b\u200b\u3000c  ", "a b c"),
    ("a\xa0\xa0b", "a b"),
    ("", ""),
])
def test_normalize_whitespace(text: str, expected: str) -> None:
    # the ideographic space is handled by to_halfwidth; whitespace normalisation sees the rest
    assert c.normalize_whitespace(c.to_halfwidth(text)) == expected


@pytest.mark.parametrize("text, clean, hashtags, mentions, emoticons", [
    ("#成都美食[话题]# 太好吃了[哈哈]😂 http://t.cn/x @吃货小王",
     "成都美食 太好吃了 EMO_哈哈 EMO_face_with_tears_of_joy", ["成都美食"], ["吃货小王"],
     ["EMO_哈哈", "EMO_face_with_tears_of_joy"]),
    ("臺灣　＃美食＃", "台湾 美食", ["美食"], [], []),
    (None, "", [], [], []),
])
def test_clean_text(text: str | None, clean: str, hashtags: list[str], mentions: list[str],
                    emoticons: list[str]) -> None:
    out = c.clean_text(text)
    assert (out.text, out.hashtags, out.mentions, out.emoticons) == (clean, hashtags, mentions, emoticons)


def test_clean_series_keeps_index_and_handles_na() -> None:
    s = pd.Series(["[赞] 好", None, "[赞] 好"], index=[10, 11, 12])
    out = c.clean_series(s)
    assert list(out.index) == [10, 11, 12]
    assert out.loc[10, "clean_text"] == "EMO_赞 好" and out.loc[11, "clean_text"] == ""
    assert out.loc[12, "emoticons"] == ["EMO_赞"]


def test_gated_steps_equal_every_step_run() -> None:
    """clean_text skips a step when its pattern's character is absent; the result equals running
    every step on every text (generated posts carry URLs, hashtags, mentions, colons, emoticons)."""
    from brandlab.nlp import clean as c
    from brandlab.nlp.synth import synth_texts

    def every_step(text: str) -> c.CleanText:
        t = c.strip_urls(c.to_simplified(c.to_halfwidth(text)))
        t, hashtags = c.extract_hashtags(t)
        t, mentions = c.extract_mentions(t)
        t, emoticons = c.replace_emoticons(t)
        t, emojis = c.replace_emoji(t)
        return c.CleanText(c.normalize_whitespace(t), hashtags, mentions, emoticons + emojis)

    texts = [*synth_texts(3000, seed=11), "WWW.Example.com/x 好", "a: b", "：开头", "x //@某人: 转发", "[哈哈]", ""]
    assert [c.clean_text(t) for t in texts] == [every_step(t) for t in texts]
