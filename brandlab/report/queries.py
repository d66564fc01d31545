"""Aggregates for the report and the app, computed in DuckDB so a million-post workspace stays fast.

Every function takes a :class:`~brandlab.workspace.Workspace` and a :class:`Filters` and returns a
small DataFrame (already aggregated). Tables that a stage has not written yet give an empty frame
(``has_*`` says which), never an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from brandlab.workspace import Workspace

META_TABLE = "brandlab_meta"
FREQS = {"day": "day", "week": "week", "month": "month"}


@dataclass(frozen=True)
class Filters:
    """Global filters: a campaign hashtag, platforms, a period and a generation."""

    hashtag: str | None = None
    platforms: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    generation: str | None = None

    def where(self, ws: Workspace, alias: str = "p") -> tuple[str, list[Any]]:
        """SQL condition over ``posts AS alias`` and its parameters."""
        conds: list[str] = ["TRUE"]
        params: list[Any] = []
        if self.hashtag:
            conds.append(f"list_contains({alias}.hashtags, ?)")
            params.append(self.hashtag)
        if self.platforms:
            conds.append(f"{alias}.platform IN ({', '.join('?' for _ in self.platforms)})")
            params.extend(self.platforms)
        if self.start:
            conds.append(f"{alias}.published_at >= ?::DATE")
            params.append(self.start.isoformat())
        if self.end:
            conds.append(f"{alias}.published_at < ?::DATE + INTERVAL 1 DAY")
            params.append(self.end.isoformat())
        gen = generation_table(ws)
        if self.generation and gen:
            conds.append(f"EXISTS (SELECT 1 FROM {gen} g WHERE g.platform = {alias}.platform "
                         f"AND g.author_id = {alias}.author_id AND g.generation = ?)")
            params.append(self.generation)
        return " AND ".join(conds), params


def has_table(ws: Workspace, name: str) -> bool:
    return ws.has_table(name) and ws.count(name) > 0


def generation_table(ws: Workspace) -> str | None:
    """The author-generation table the text stage writes, when it exists."""
    for name in ("author_generations", "author_generation", "generations"):
        if ws.has_table(name):
            cols = set(ws.sql(f"SELECT * FROM {name} LIMIT 0").columns)
            if {"platform", "author_id", "generation"} <= cols:
                return name
    return None


def meta(ws: Workspace) -> dict[str, Any]:
    """Workspace metadata written by ``brandlab demo`` (``synthetic``, ``campaigns``)."""
    if not ws.has_table(META_TABLE):
        return {}
    df = ws.sql(f"SELECT key, value FROM {META_TABLE}")
    return {str(k): json.loads(str(v)) for k, v in zip(df["key"], df["value"], strict=False)}


def write_meta(ws: Workspace, values: dict[str, Any]) -> None:
    merged = {**meta(ws), **values}
    ws.write_frame(META_TABLE, pd.DataFrame({"key": list(merged),
                                             "value": [json.dumps(v, ensure_ascii=False) for v in merged.values()]}))


def is_synthetic(ws: Workspace) -> bool:
    return bool(meta(ws).get("synthetic"))


def campaign_hashtags(ws: Workspace, n: int = 8) -> list[str]:
    """Campaign hashtags: those declared in the workspace metadata, else the most used ones."""
    declared = [c["hashtag"] for c in meta(ws).get("campaigns", []) if c.get("hashtag")]
    if declared:
        return declared
    if not has_table(ws, "posts"):
        return []
    df = ws.sql("SELECT tag, count(*) AS n FROM (SELECT unnest(hashtags) AS tag FROM posts) "
                "GROUP BY tag ORDER BY n DESC, tag LIMIT ?", [n])
    return [str(t) for t in df["tag"]]


def platforms(ws: Workspace) -> list[str]:
    if not has_table(ws, "posts"):
        return []
    return [str(p) for p in ws.sql("SELECT DISTINCT platform FROM posts ORDER BY 1")["platform"]]


def date_range(ws: Workspace) -> tuple[date, date] | None:
    if not has_table(ws, "posts"):
        return None
    row = ws.sql("SELECT min(published_at)::DATE AS lo, max(published_at)::DATE AS hi FROM posts")
    if row["lo"].isna().iloc[0]:
        return None
    return pd.Timestamp(row["lo"].iloc[0]).date(), pd.Timestamp(row["hi"].iloc[0]).date()


def kpis(ws: Workspace, f: Filters) -> dict[str, int]:
    """Headline numbers: posts, comments, reposts, authors, engagement (likes+comments+shares), plays."""
    if not has_table(ws, "posts"):
        return {}
    cond, params = f.where(ws)
    row = ws.sql(
        f"""SELECT count(*) FILTER (WHERE kind = 'post') AS posts,
                   count(*) FILTER (WHERE kind = 'comment') AS comments,
                   count(*) FILTER (WHERE kind = 'repost') AS reposts,
                   count(DISTINCT platform || ':' || author_id) AS authors,
                   coalesce(sum(coalesce(like_count, 0) + coalesce(comment_count, 0) + coalesce(share_count, 0))
                            FILTER (WHERE kind = 'post'), 0) AS engagement,
                   coalesce(sum(play_count) FILTER (WHERE kind = 'post'), 0) AS plays
            FROM posts p WHERE {cond}""", params)
    return {k: int(row[k].iloc[0]) for k in row.columns}


def volume(ws: Workspace, f: Filters, freq: str = "week") -> pd.DataFrame:
    """Posts, comments and reposts per period and platform."""
    if not has_table(ws, "posts"):
        return pd.DataFrame(columns=["period", "platform", "kind", "n"])
    cond, params = f.where(ws)
    return ws.sql(f"""SELECT date_trunc('{FREQS[freq]}', published_at)::DATE AS period, platform, kind,
                             count(*) AS n
                      FROM posts p WHERE {cond} AND published_at IS NOT NULL
                      GROUP BY ALL ORDER BY period, platform, kind""", params)


def engagement(ws: Workspace, f: Filters, freq: str = "week") -> pd.DataFrame:
    """Likes, comments, shares, collects and plays of posts per period and platform."""
    if not has_table(ws, "posts"):
        return pd.DataFrame(columns=["period", "platform", "likes", "comments", "shares", "collects", "plays"])
    cond, params = f.where(ws)
    return ws.sql(f"""SELECT date_trunc('{FREQS[freq]}', published_at)::DATE AS period, platform,
                             sum(like_count) AS likes, sum(comment_count) AS comments, sum(share_count) AS shares,
                             sum(collect_count) AS collects, sum(play_count) AS plays
                      FROM posts p WHERE {cond} AND kind = 'post' AND published_at IS NOT NULL
                      GROUP BY ALL ORDER BY period, platform""", params)


def share_of_voice(ws: Workspace, f: Filters, hashtags: list[str], freq: str = "week") -> pd.DataFrame:
    """Per period, the posts (all kinds) carrying each hashtag and its share among them."""
    cols = ["period", "hashtag", "n", "share"]
    if not has_table(ws, "posts") or not hashtags:
        return pd.DataFrame(columns=cols)
    g = Filters(None, f.platforms, f.start, f.end, f.generation)
    cond, params = g.where(ws)
    tags = ", ".join("?" for _ in hashtags)
    df = ws.sql(f"""WITH t AS (SELECT date_trunc('{FREQS[freq]}', published_at)::DATE AS period, tag
                              FROM (SELECT published_at, unnest(hashtags) AS tag FROM posts p
                                    WHERE {cond} AND published_at IS NOT NULL)
                              WHERE tag IN ({tags}))
                    SELECT period, tag AS hashtag, count(*) AS n,
                           count(*) / sum(count(*)) OVER (PARTITION BY period) AS share
                    FROM t GROUP BY period, tag ORDER BY period, hashtag""", params + list(hashtags))
    return df[cols]


def by_platform(ws: Workspace, f: Filters) -> pd.DataFrame:
    if not has_table(ws, "posts"):
        return pd.DataFrame(columns=["platform", "posts", "comments", "reposts", "authors", "engagement"])
    cond, params = f.where(ws)
    return ws.sql(f"""SELECT platform, count(*) FILTER (WHERE kind = 'post') AS posts,
                             count(*) FILTER (WHERE kind = 'comment') AS comments,
                             count(*) FILTER (WHERE kind = 'repost') AS reposts,
                             count(DISTINCT author_id) AS authors,
                             sum(coalesce(like_count, 0) + coalesce(comment_count, 0) + coalesce(share_count, 0))
                                 FILTER (WHERE kind = 'post') AS engagement
                      FROM posts p WHERE {cond} GROUP BY platform ORDER BY posts DESC""", params)


def top_posts(ws: Workspace, f: Filters, n: int = 20) -> pd.DataFrame:
    """The most engaging root posts, with their author nickname (pseudonymise before showing)."""
    if not has_table(ws, "posts"):
        return pd.DataFrame()
    cond, params = f.where(ws)
    return ws.sql(f"""SELECT p.platform, p.post_id, p.published_at, p.author_id, p.author_name, p.text,
                             p.like_count, p.comment_count, p.share_count, p.url
                      FROM posts p WHERE {cond} AND p.kind = 'post'
                      ORDER BY coalesce(p.like_count, 0) + coalesce(p.comment_count, 0)
                               + coalesce(p.share_count, 0) DESC, p.post_id LIMIT ?""", params + [n])


def sentiment_table(ws: Workspace) -> str | None:
    for name in ("post_sentiment", "post_sentiments", "sentiment"):
        if ws.has_table(name):
            cols = set(ws.sql(f"SELECT * FROM {name} LIMIT 0").columns)
            if {"platform", "post_id"} <= cols and ({"label"} & cols or {"score"} & cols):
                return name
    return None


def sentiment(ws: Workspace, f: Filters, freq: str = "week") -> pd.DataFrame:
    """Share of positive / neutral / negative posts per period (empty until the sentiment stage ran)."""
    table = sentiment_table(ws)
    if table is None or not has_table(ws, table):
        return pd.DataFrame(columns=["period", "label", "n", "share"])
    cols = set(ws.sql(f"SELECT * FROM {table} LIMIT 0").columns)
    label = "s.label" if "label" in cols else \
        "CASE WHEN s.score > 0.6 THEN 'positive' WHEN s.score < 0.4 THEN 'negative' ELSE 'neutral' END"
    cond, params = f.where(ws)
    return ws.sql(f"""SELECT date_trunc('{FREQS[freq]}', p.published_at)::DATE AS period, {label} AS label,
                             count(*) AS n, count(*) / sum(count(*)) OVER (PARTITION BY period) AS share
                      FROM posts p JOIN {table} s ON s.platform = p.platform AND s.post_id = p.post_id
                      WHERE {cond} AND p.published_at IS NOT NULL GROUP BY 1, 2 ORDER BY period, label""", params)


def ingest_log(ws: Workspace) -> pd.DataFrame:
    if not has_table(ws, "ingest_log"):
        return pd.DataFrame()
    return ws.sql("""SELECT source_file, source_format, platform, table_name, rows_read, rows_accepted,
                            rows_quarantined, finished_at FROM ingest_log ORDER BY finished_at, source_file""")


def quarantine(ws: Workspace, limit: int = 500) -> pd.DataFrame:
    if not has_table(ws, "quarantine"):
        return pd.DataFrame()
    return ws.sql("""SELECT source_file, source_format, source_row, "column", value, reason
                     FROM quarantine ORDER BY source_file, source_row LIMIT ?""", [limit])


def table(ws: Workspace, name: str, limit: int = 10_000) -> pd.DataFrame:
    """A whole result table (triad_scores, outcome_estimates, ...), empty when absent."""
    if not has_table(ws, name):
        return pd.DataFrame()
    return ws.sql(f'SELECT * FROM "{name}" LIMIT ?', [limit])
