"""Weibo ``//@name:`` repost chains: parse them and turn them into repost paths.

Weibo composes a repost's text as ``"<own words>//@A: <A's words>//@B: <B's words>"``: the
reposter passed on A's repost, A passed on B's, and B reposted the original. The path of the
content is therefore ``original author -> B -> A -> reposter``.

Delimiters. A link starts at ``//@`` (weibo.com also writes ``// @``); a nickname cannot contain
``//@``, so splitting on it is safe. The name ends at a colon, half-width ``:`` or full-width
``：``, with optional spaces before it (weibo.com writes ``//@name :``). Weibo nicknames may
contain spaces and emoji, and names imported from other platforms may contain a colon: when
the names the workspace knows are given, the longest known name followed by a colon wins;
otherwise the name ends at the first colon. A ``//@`` piece without any colon is not a link
(it is kept as text of the previous link).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

_LINK = re.compile(r"//\s*@")
_COLON = re.compile(r"[:：]")


@dataclass(frozen=True)
class ChainLink:
    """One ``//@name: text`` link of a chain."""

    name: str
    text: str


def _pick_name(piece: str, known: Collection[str]) -> tuple[str, str] | None:
    """Split ``'name: text'`` into (name, text); None when the piece has no usable name."""
    colons = [m.start() for m in _COLON.finditer(piece)]
    if not colons:
        return None
    chosen: int | None = None
    if known:
        for pos in colons:  # longest known name followed by a colon
            if piece[:pos].strip() in known:
                chosen = pos
    if chosen is None:
        chosen = colons[0]
    name = piece[:chosen].strip()
    if not name:
        return None
    return name, piece[chosen + 1:].strip()


def parse_chain(text: str | None, known_names: Collection[str] = ()) -> tuple[str, list[ChainLink]]:
    """Split a repost text into the reposter's own words and the chain links, nearest first.

    >>> parse_chain("好//@A: a的话//@B 名 :b")
    ('好', [ChainLink(name='A', text='a的话'), ChainLink(name='B 名', text='b')])
    """
    if not text:
        return "", []
    pieces = _LINK.split(text)
    head = pieces[0].strip()
    links: list[ChainLink] = []
    for piece in pieces[1:]:
        parsed = _pick_name(piece, known_names)
        if parsed is None:  # not a link: keep the words with what came before
            if links:
                last = links[-1]
                links[-1] = ChainLink(last.name, f"{last.text}//@{piece}".strip())
            else:
                head = f"{head}//@{piece}".strip()
            continue
        links.append(ChainLink(*parsed))
    return head, links


def chain_names(text: str | None, known_names: Collection[str] = ()) -> list[str]:
    """The names of a chain, nearest (the account reposted directly) first."""
    return [link.name for link in parse_chain(text, known_names)[1]]


def repost_path(reposter: str, names: list[str], original_author: str | None) -> list[str]:
    """The accounts a repost passed through, reposter first and original author last.

    The chain names only the intermediate reposters, never the original author, so the
    original author is always appended when known. Consecutive repeats of one account (an
    account reposting its own repost) are kept: they are observed hops; the influence graph
    drops self-loops later.
    """
    path = [reposter, *names]
    if original_author is not None:
        path.append(original_author)
    return path


def path_edges(path: list[str]) -> list[tuple[str, str, int]]:
    """(src, dst, hop) in the direction of the flow of content: src passed it on to dst.

    hop 0 is the edge into the reposter; the last hop leaves the original author.
    """
    return [(path[i + 1], path[i], i) for i in range(len(path) - 1)]
