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
    text = _DANGLING_COLON.sub(r"\1", text)
    return text, found


_DANGLING_COLON = re.compile(r"(^|\s)[:：]\s*")


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


Trie = dict[str, "Trie"]


def _trie(keys: list[str]) -> Trie:
    """Character trie of ``keys``; ``""`` marks the end of a key."""
    root: Trie = {}
    for key in keys:
        node = root
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}
    return root


def _trie_pattern(node: Trie) -> str:
    """A regex for the keys below ``node``, longest first (prefixes factored out, so the engine walks
    one branch per character; a shorter key is taken when a longer one does not complete)."""
    alts = [re.escape(ch) + _trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in node else body


@lru_cache(maxsize=1)
def _emoji_matcher() -> tuple[frozenset[str], dict[str, re.Pattern[str] | None], dict[str, str]]:
    """Built once from ``emoji.EMOJI_DATA``: the characters that can start or mark an emoji (a text
    without any has none), per first character the compiled regex of the rest of its emoji (None
    when that character alone is the only one), and the token of every emoji."""
    keys = list(_emoji.EMOJI_DATA)
    tokens = {k: emoji_token(k) for k in keys}
    tails = {ch: (re.compile(_trie_pattern(child)) if set(child) - {""} else None)
             for ch, child in _trie(keys).items()}
    # keycaps start with an ASCII digit, # or * and always carry U+20E3
    gate = frozenset(ch for ch in tails if not ch.isascii()) | {"\u20e3"}
    return gate, tails, tokens


_DROP_VARIATION = dict.fromkeys(map(ord, _VARIATION))


def replace_emoji(text: str) -> tuple[str, list[str]]:
    """😂 -> `` EMO_face_with_tears_of_joy ``; returns the text and the tokens in order.

    Same result as the ``emoji`` package's ``replace_emoji`` (RGI emoji, ZWJ sequences, skin tones,
    flags and keycaps by longest match; the ZWJ between emoji that form no RGI sequence is left to
    :func:`normalize_whitespace`; stray variation selectors dropped when the text has an emoji),
    but a text without an emoji character is passed by one set test, and one that has one is
    matched with a precompiled regex per emoji start instead of that package's per-character
    tokenizer. Where that tokenizer overshoots a partial sequence (``❤️`` + ZWJ + an emoji that
    makes no RGI sequence) it leaves the first emoji a raw character; here it becomes its token.
    """
    gate, tails, tokens = _emoji_matcher()
    if gate.isdisjoint(text):
        return text, []
    found: list[str] = []
    parts: list[str] = []
    last = i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch not in tails:
            i += 1
            continue
        tail = tails[ch]
        end = i + 1
        if tail is not None:
            m = tail.match(text, end)
            end = m.end() if m else -1
        chars = text[i:end] if end > 0 else ""
        if chars not in tokens:  # the start of an emoji that does not complete
            i += 1
            continue
        tok = tokens[chars]
        found.append(tok)
        parts += [text[last:i], f" {tok} "]
        last = i = end
    if not found:
        return text, found
    parts.append(text[last:])
    # parts alternate text, token, text, ...: selectors go from the text between emoji only
    return "".join(p if k % 2 else p.translate(_DROP_VARIATION) for k, p in enumerate(parts)), found


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
    # each step below is skipped when the text lacks a character its pattern needs (same result)
    if "://" in t or "www." in t.lower():
        t = strip_urls(t)
    t, hashtags = extract_hashtags(t) if "#" in t else (t, [])
    if "@" in t:
        t, mentions = extract_mentions(t)
    else:
        mentions = []
        if ":" in t or "\uff1a" in t:
            t = _DANGLING_COLON.sub(r"\1", t)
    t, emoticons = replace_emoticons(t) if "[" in t else (t, [])
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
