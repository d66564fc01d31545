"""Cleaning of social-media text as small text -> text steps, and the :func:`clean_text` pipeline.

Each step is a pure function on one string; the extracting steps return the new text and what
they took out. :func:`clean_text` runs them in a fixed order and returns a :class:`CleanText`::

    full-width -> half-width, traditional -> simplified, strip URLs, hashtags, mentions,
    platform emoticons -> EMO_ tokens, emoji -> EMO_ tokens, whitespace

Hashtag words stay in the text (``#成都美食#`` -> ``成都美食``, they carry meaning); mentions are
removed from the text (a nickname is not what the post says) and kept in ``mentions``; emoticons
and emoji become ``EMO_<name>`` tokens in the text, separated by spaces, and are listed in
``emoticons``. :class:`brandlab.nlp.tokenize.Tokenizer` keeps ``EMO_`` tokens whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import emoji as _emoji
import pandas as pd

EMO_PREFIX = "EMO_"

# ------------------------------------------------------------------------- width and script

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space


def to_halfwidth(text: str) -> str:
    """Full-width ASCII forms (``ＡＢＣ１２３！＃＠``) and the ideographic space to half-width."""
    return text.translate(_FULLWIDTH)


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    from zhconv import zhconv as _z

    table = _z.getdict("zh-hans")
    return frozenset(k for k, v in table.items() if len(k) == 1 and k != v)


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese (zhconv ``zh-hans``), only when the text has a traditional
    character (most posts do not, and the conversion is the slowest step)."""
    if _traditional_chars().isdisjoint(text):
        return text
    import zhconv

    return str(zhconv.convert(text, "zh-hans"))


# ------------------------------------------------------------------------- URLs

_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.IGNORECASE)


def strip_urls(text: str) -> str:
    """Remove http(s):// and www. links (including t.cn short links); CJK text after a URL stays."""
    return _URL.sub(" ", text)


# ------------------------------------------------------------------------- hashtags

#: XHS ``#话题[话题]#``
_XHS_TAG = re.compile(r"#([^#\[\]\s]{1,60})\[话题\]#")
#: Weibo ``#话题#`` (no whitespace inside, so Douyin ``#a #b`` is not read as ``#a #``)
_WEIBO_TAG = re.compile(r"#([^#\s]{1,60})#")
#: Douyin / Kuaishou / Bilibili ``#话题`` ended by whitespace, punctuation or the next ``#``
_OPEN_TAG = re.compile(r"#([^#\s@,.!?;:()\[\]{}<>'\"，。！？；：、（）【】《》「」“”‘’]{1,30})")


def extract_hashtags(text: str) -> tuple[str, list[str]]:
    """Find ``#话题#``, ``#话题[话题]#`` and ``#话题``; keep the words in the text without the marks.

    Returns ``(text, hashtags)`` with hashtags in order of appearance, duplicates kept once.
    """
    found: list[str] = []

    def take(m: re.Match[str]) -> str:
        tag = m.group(1).strip()
        if tag and tag not in found:
            found.append(tag)
        return f" {tag} "

    for pattern in (_XHS_TAG, _WEIBO_TAG, _OPEN_TAG):
        text = pattern.sub(take, text)
    return text, found


# ------------------------------------------------------------------------- mentions

#: ``@name``; a nickname is letters, digits, ``_``, ``-`` or CJK, and stops at whitespace, a colon
#: or punctuation. Not preceded by an e-mail local part. A Weibo ``//`` before it goes too.
_MENTION = re.compile(r"(?://\s*)?(?<![A-Za-z0-9._%+\-])@([\w\-]{1,30})")


def extract_mentions(text: str) -> tuple[str, list[str]]:
    """Remove ``@name`` (and a repost ``//@name:``'s marks) from the text; return the names."""
    found: list[str] = []

    def take(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in found:
            found.append(name)
        return " "

    text = _MENTION.sub(take, text)
    # the colon that followed ``//@name`` in a repost chain is left dangling: drop it
    text = re.sub(r"(^|\s)[:：]\s*", r"\1", text)
    return text, found


# ------------------------------------------------------------------------- emoticons and emoji

#: platform emoticons: ``[哈哈]``, ``[赞]``, XHS ``[笑哭R]``, a few latin ones such as ``[doge]``
_EMOTICON = re.compile(r"\[([\u4e00-\u9fff]{1,6})R?\]|\[(doge|good|ok|OK|awsl|cp|NO|yeah)\]")

#: bracketed placeholders exporters put where media was; dropped, not emoticons
_PLACEHOLDERS = frozenset({"图片", "视频", "话题", "链接", "网页链接", "位置", "表情", "语音", "动画表情"})


def replace_emoticons(text: str) -> tuple[str, list[str]]:
    """``[哈哈]`` -> `` EMO_哈哈 ``; returns the text and the tokens in order (repeats kept)."""
    found: list[str] = []

    def take(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name in _PLACEHOLDERS:
            return " "
        tok = EMO_PREFIX + name
        found.append(tok)
        return f" {tok} "

    return _EMOTICON.sub(take, text), found


_SKIN_TONE = re.compile(r"_(?:light|medium-light|medium|medium-dark|dark)_skin_tone")
#: variation selectors: the ``emoji`` tokenizer drops the stray ones from a text that has emoji
_VARIATION = "\ufe0e\ufe0f"


def emoji_token(chars: str) -> str:
    """The token for one emoji: its CLDR name from the ``emoji`` package, skin tone dropped."""
    name = _emoji.demojize(chars, delimiters=("", ""))
    name = _SKIN_TONE.sub("", name).replace(" ", "_")
    return EMO_PREFIX + name


def _trie_pattern(keys: list[str]) -> str:
    """A regex that matches the longest of ``keys`` at a position (prefixes factored out, so the
    engine walks one branch per character instead of trying thousands of alternatives)."""
    trie: dict[str, dict] = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


@lru_cache(maxsize=1)
def _emoji_matcher() -> tuple[re.Pattern[str], dict[str, str]]:
    """One compiled pattern for every emoji in ``emoji.EMOJI_DATA`` (longest match first) or a stray
    variation selector, and the token of each emoji (built once)."""
    keys = list(_emoji.EMOJI_DATA)
    tokens = {k: emoji_token(k) for k in keys}
    pattern = re.compile(f"({_trie_pattern(keys)})|[{_VARIATION}]")
    return pattern, tokens


def replace_emoji(text: str) -> tuple[str, list[str]]:
    """😂 -> `` EMO_face_with_tears_of_joy ``; returns the text and the tokens in order.

    Same result as the ``emoji`` package's ``replace_emoji`` (RGI emoji, ZWJ sequences, skin tones,
    flags and keycaps by longest match; the ZWJ between emoji that form no RGI sequence is left to
    :func:`normalize_whitespace`; stray variation selectors dropped when the text has an emoji)
    with one regex pass instead of its per-character tokenizer. Where that tokenizer overshoots a
    partial sequence (``❤️`` + ZWJ + an emoji that makes no RGI sequence) it leaves the first emoji
    as a raw character; here it becomes its token.
    """
    pattern, tokens = _emoji_matcher()
    found: list[str] = []

    def take(m: re.Match[str]) -> str:
        chars = m.group(1)
        if chars is None:  # a variation selector outside an emoji
            return ""
        tok = tokens[chars]
        found.append(tok)
        return f" {tok} "

    out = pattern.sub(take, text)
    return (out, found) if found else (text, found)


# ------------------------------------------------------------------------- whitespace

_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\xa0]+")


def normalize_whitespace(text: str) -> str:
    """Collapse every run of whitespace (incl. zero-width and no-break spaces) into one space."""
    return _SPACE.sub(" ", text).strip()


# ------------------------------------------------------------------------- pipeline


@dataclass(frozen=True)
class CleanText:
    text: str
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    emoticons: list[str] = field(default_factory=list)


def clean_text(text: str | None) -> CleanText:
    """Run every cleaning step in order on one post. ``None``/NA gives an empty CleanText."""
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return CleanText("")
    t = to_halfwidth(str(text))
    t = to_simplified(t)
    t = strip_urls(t)
    t, hashtags = extract_hashtags(t)
    t, mentions = extract_mentions(t)
    t, emoticons = replace_emoticons(t)
    t, emojis = replace_emoji(t)
    return CleanText(normalize_whitespace(t), hashtags, mentions, emoticons + emojis)


def clean_series(texts: pd.Series) -> pd.DataFrame:
    """Clean a column of texts; returns columns clean_text, hashtags, mentions, emoticons on the
    same index. Each distinct text is cleaned once (reposts and copied captions repeat a lot)."""
    filled = texts.astype("string").fillna("")
    uniq = pd.unique(filled.to_numpy(dtype=object))
    done = {u: clean_text(u) for u in uniq}
    cleaned = [done[v] for v in filled.to_numpy(dtype=object)]
    return pd.DataFrame(
        {
            "clean_text": pd.array([c.text for c in cleaned], dtype="string"),
            "hashtags": [c.hashtags for c in cleaned],
            "mentions": [c.mentions for c in cleaned],
            "emoticons": [c.emoticons for c in cleaned],
        },
        index=texts.index,
    )
