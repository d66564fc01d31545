"""Text helpers shared by the Weibo adapters: hashtags, mentions, ``//@`` repost chains, bid -> mid.

All functions are pure (str -> value) and never raise on odd text; they return empty results.

Repost chains: Weibo composes a repost's text as ``"<own words>//@B: <B's words>//@A: <A's words>"``.
The leftmost ``//@B:`` is the account reposted directly; the rightmost is closest to the root.
weibo.com ``text_raw`` writes a space before the colon (``//@name :``), m.weibo.cn does not.
"""

from __future__ import annotations

import re

#: ``#话题#`` (Weibo closes hashtags with a second '#')
_WEIBO_TAG = re.compile(r"#([^#\n\r]{1,80}?)#")
#: ``@name``: Weibo nicknames are 2-30 characters of CJK, letters, digits, '_' and '-'
_MENTION = re.compile(r"@([\w\u4e00-\u9fff\-]{1,30})")
#: start of a repost chain: ``//@name:`` (optionally ``// @name :``)
_CHAIN_START = re.compile(r"//\s*@")
#: one link of a chain
_CHAIN_LINK = re.compile(r"//\s*@([^:：\s/]+)\s*[:：]")

_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def unique(items: list[str]) -> list[str]:
    """Drop empty items and repeats, keeping the first occurrence's order."""
    seen: set[str] = set()
    out: list[str] = []
    for it in items:
        it = it.strip()
        if it and it not in seen:
            seen.add(it)
            out.append(it)
    return out


def split_list(value: object, sep: str = ",") -> list[str]:
    """A comma-joined cell ('a,b,a') -> ['a', 'b']; None/''/'无' -> []."""
    if value is None or not isinstance(value, str):
        return []
    if value.strip() in ("", "无", "-", "[]"):
        return []
    return unique(value.split(sep))


def extract_hashtags(text: str | None) -> list[str]:
    """'#城市# 去看看 #旅行#' -> ['城市', '旅行'] (Weibo style: a tag is closed by a second '#')."""
    if not text:
        return []
    return unique(_WEIBO_TAG.findall(text))


def extract_mentions(text: str | None) -> list[str]:
    """Every ``@name`` in the text, chain links included, in order of first appearance."""
    if not text:
        return []
    return unique(_MENTION.findall(text))


def split_repost_chain(text: str | None) -> tuple[str, str | None]:
    """'own words//@B: b//@A: a' -> ('own words', '//@B: b//@A: a'); no chain -> (text, None)."""
    if not text:
        return text or "", None
    m = _CHAIN_START.search(text)
    if m is None:
        return text, None
    return text[: m.start()], text[m.start():]


def chain_names(chain: str | None) -> list[str]:
    """Names in a chain, leftmost (the direct parent) first: '//@B: x//@A: y' -> ['B', 'A']."""
    if not chain:
        return []
    return [n.strip() for n in _CHAIN_LINK.findall(chain)]


def bid_to_mid(bid: str) -> str:
    """Weibo's base62 ``bid`` (the id in URLs and weiboSpider exports) -> the numeric ``mid``.

    'z0JH2lOMb' -> '3501756485200075'. Raises ValueError for characters outside base62.
    """
    s = bid.strip()
    if not s or any(c not in _BASE62 for c in s):
        raise ValueError(f"{bid!r} is not a base62 Weibo bid")
    parts: list[str] = []
    end = len(s)
    while end > 0:
        start = max(0, end - 4)
        num = 0
        for c in s[start:end]:
            num = num * 62 + _BASE62.index(c)
        chunk = str(num)
        parts.append(chunk if start == 0 else chunk.zfill(7))
        end = start
    return str(int("".join(reversed(parts))))
