"""What a side of a comparison is, and how its posts are selected from the workspace.

A side is written as:

- ``#成都好young#`` or ``tag:成都好young,雪山下的公园城市`` — posts carrying any of these hashtags;
- ``kw:火锅|串串`` — posts whose title or text contains any of these keywords;
- ``campaign:成都好young`` — posts labelled with this campaign at ingest.

Filters (platform, period, generation) restrict both sides alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from brandlab.errors import InsufficientDataError, format_message
from brandlab.workspace import Workspace


@dataclass(frozen=True)
class Side:
    kind: str                 # tag | kw | campaign
    values: tuple[str, ...]
    label: str

    @classmethod
    def parse(cls, spec: str) -> Side:
        s = spec.strip()
        if not s:
            raise ValueError("an empty side; write '#话题#', 'tag:a,b', 'kw:火锅|串串' or 'campaign:NAME'")
        if s.startswith("#") and s.endswith("#") and len(s) > 2:
            return cls("tag", (s.strip("#"),), s)
        for kind in ("tag", "kw", "campaign"):
            if s.startswith(kind + ":"):
                raw = s[len(kind) + 1:]
                parts = tuple(p.strip().strip("#") for p in raw.replace("|", ",").split(",") if p.strip())
                if not parts:
                    raise ValueError(f"side {spec!r} names no {kind}; e.g. '{kind}:成都好young'")
                return cls(kind, parts, s)
        # a bare word: a hashtag (the most common use)
        return cls("tag", (s.strip("#"),), f"#{s.strip('#')}#")


@dataclass(frozen=True)
class Filters:
    platforms: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    generations: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ("post", "repost")


def _side_condition(side: Side) -> tuple[str, list[object]]:
    if side.kind == "tag":
        return "list_has_any(p.hashtags, ?::VARCHAR[])", [list(side.values)]
    if side.kind == "kw":
        conds = " OR ".join("(coalesce(p.text, '') || ' ' || coalesce(p.title, '')) LIKE ?" for _ in side.values)
        return f"({conds})", [f"%{v}%" for v in side.values]
    return "p.campaign IN (" + ", ".join("?" for _ in side.values) + ")", list(side.values)


def select_posts(ws: Workspace, side: Side, filters: Filters = Filters()) -> pd.DataFrame:
    """Posts of one side with engagement, the author's followers and (where known) generation."""
    cond, params = _side_condition(side)
    where = [cond]
    if filters.kinds:
        where.append("p.kind IN (" + ", ".join("?" for _ in filters.kinds) + ")")
        params += list(filters.kinds)
    if filters.platforms:
        where.append("p.platform IN (" + ", ".join("?" for _ in filters.platforms) + ")")
        params += list(filters.platforms)
    if filters.since:
        where.append("p.published_at >= ?::TIMESTAMPTZ")
        params.append(filters.since)
    if filters.until:
        where.append("p.published_at < ?::TIMESTAMPTZ")
        params.append(filters.until)
    gen_join = ""
    gen_col = "CAST(NULL AS VARCHAR) AS generation"
    if ws.has_table("author_generation"):
        gen_join = ("LEFT JOIN author_generation g ON g.platform = p.platform AND g.author_id = p.author_id")
        gen_col = "coalesce(g.generation, 'unknown') AS generation"
    if filters.generations:
        if not gen_join:
            raise InsufficientDataError(format_message(
                "a generation filter needs the author_generation table",
                fix="run `brandlab analyze --stage text` first"))
        where.append("coalesce(g.generation, 'unknown') IN (" + ", ".join("?" for _ in filters.generations) + ")")
        params += list(filters.generations)
    q = f"""
        SELECT p.platform, p.post_id, p.author_id, p.published_at, p.kind,
               coalesce(p.like_count, 0) AS likes, coalesce(p.comment_count, 0) AS comments,
               coalesce(p.share_count, 0) AS shares, coalesce(p.collect_count, 0) AS collects,
               p.play_count AS plays,
               coalesce(p.like_count, 0) + coalesce(p.comment_count, 0) + coalesce(p.share_count, 0)
                 + coalesce(p.collect_count, 0) AS engagement,
               a.follower_count, {gen_col}
        FROM posts p
        LEFT JOIN authors a ON a.platform = p.platform AND a.author_id = p.author_id
        {gen_join}
        WHERE {' AND '.join(where)}
    """
    return ws.sql(q, params)
