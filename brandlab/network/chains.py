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
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from brandlab.network.ids import to_arrow_strings

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


# ---- vectorised: every chain of a column at once (used by the graph builder)

#: Python's ``str.isspace`` characters as an RE2 class (RE2's ``\s`` is ASCII only)
_SPACE_RE2 = r"[\t\n\v\f\r\x{1c}-\x{1f}\x{85}\p{Z}]"
_LINK_RE2 = rf"//{_SPACE_RE2}*@"
_NAME_RE2 = r"^(?P<name>[^:：]*)[:：]"


def chain_name_table(sources: Any, platforms: Any = None,
                     known_names: Mapping[str, Collection[str]] | None = None) -> pd.DataFrame:
    """The chain names of every text in ``sources`` at once: columns ``row``, ``hop``, ``name``.

    ``row`` is the position in ``sources``, ``hop`` 0 the nearest link. The same rules as
    :func:`parse_chain`, run by Arrow's regex kernels (split on ``//@``, name up to the first colon,
    trimmed as ``str.strip`` trims). The one rule that needs the known names -- a known name that
    itself contains a colon wins over the first colon -- matters only for pieces with two or more
    colons on a platform where some known name contains a colon; those rows (rare) are parsed by
    :func:`parse_chain` in Python with ``known_names[platform]``.
    """
    arr = to_arrow_strings(sources)
    n = len(arr)
    lists = pc.split_pattern_regex(arr, _LINK_RE2)
    flat = pc.list_flatten(lists)
    row = np.asarray(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False), dtype=np.int64)
    offsets = np.asarray(lists.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    piece = np.arange(len(flat), dtype=np.int64) - (offsets[row] - offsets[0]) if len(row) else row
    ex = pc.extract_regex(flat, _NAME_RE2)
    name = pc.utf8_trim_whitespace(pc.struct_field(ex, [0]))
    is_link = (piece > 0) & np.asarray(pc.fill_null(pc.and_(ex.is_valid(), pc.not_equal(name, "")), False)
                                       .to_numpy(zero_copy_only=False), dtype=bool)
    slow = np.zeros(n, dtype=bool)
    colon_plats = {p for p, names in (known_names or {}).items() if any(":" in x or "：" in x for x in names)}
    if colon_plats and platforms is not None and len(flat):
        plat = pd.Series(platforms, dtype=object).astype(str).to_numpy()
        multi = np.asarray(pc.count_substring_regex(flat, "[:：]").to_numpy(zero_copy_only=False)) >= 2
        hit = row[(piece > 0) & multi]
        slow[hit[np.isin(plat[hit], list(colon_plats))]] = True
    keep = is_link & ~slow[row]
    rows = row[keep]
    out = pd.DataFrame({"row": rows, "name": pd.Series(pd.array(name.filter(pa.array(keep)), dtype="str"))})
    starts = np.searchsorted(rows, rows, side="left")
    out["hop"] = np.arange(len(rows), dtype=np.int64) - starts
    if slow.any():
        assert known_names is not None and platforms is not None
        plat = pd.Series(platforms, dtype=object).astype(str).to_numpy()
        src = arr.to_pylist()
        extra = [(int(i), h, nm) for i in np.flatnonzero(slow)
                 for h, nm in enumerate(chain_names(src[i], known_names.get(plat[i], ())))]
        if extra:
            add = pd.DataFrame(extra, columns=["row", "hop", "name"]).astype({"name": "str"})
            out = pd.concat([out, add], ignore_index=True).sort_values(["row", "hop"], kind="stable")
    return out[["row", "hop", "name"]].reset_index(drop=True)
