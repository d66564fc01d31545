"""The posts behind a claim: evidence queries in DuckDB, a bounded number of rows each.

Every claim the app or report makes (a triad score, a trait or dimension share, a keyword, a
cascade, a sentiment share) has a function here returning the posts that support it, with the
columns of :data:`EVIDENCE_COLUMNS`: platform, time, engagement and the author (pseudonymise
before showing). Text is returned raw; the app shows it through dataframes and ``st.text``, the
report through jinja2 autoescaping, so it is always displayed escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from brandlab.report.queries import Filters, has_table
from brandlab.workspace import Workspace

#: columns of every evidence frame (before any claim-specific columns such as ``label`` or ``terms``)
EVIDENCE_COLUMNS = ["platform", "post_id", "kind", "published_at", "author_id", "author_name", "text",
                    "like_count", "comment_count", "share_count", "engagement", "url"]
_SELECT = """p.platform, p.post_id, p.kind, p.published_at, p.author_id, p.author_name,
             coalesce(p.title || ' ', '') || coalesce(p.text, '') AS text,
             p.like_count, p.comment_count, p.share_count,
             coalesce(p.like_count, 0) + coalesce(p.comment_count, 0) + coalesce(p.share_count, 0) AS engagement,
             p.url"""
_ORDER = "ORDER BY engagement DESC, p.published_at, p.post_id"


def _empty(*extra: str) -> pd.DataFrame:
    return pd.DataFrame(columns=[*EVIDENCE_COLUMNS, *extra])


def posts_by_ids(ws: Workspace, platforms: Sequence[str], post_ids: Sequence[str], limit: int = 200) -> pd.DataFrame:
    """The posts with these (platform, post_id) keys, most engaging first."""
    if not has_table(ws, "posts") or not len(post_ids):
        return _empty()
    return ws.sql(f"""WITH k AS (SELECT unnest(?::VARCHAR[]) AS platform, unnest(?::VARCHAR[]) AS post_id)
                      SELECT {_SELECT} FROM posts p JOIN k USING (platform, post_id) {_ORDER} LIMIT ?""",
                  [list(map(str, platforms)), list(map(str, post_ids)), limit])


def triad_posts(ws: Workspace, campaign: str, part: str, component: str, limit: int = 200) -> pd.DataFrame:
    """The evidence posts the triad stage stored for one component of one campaign."""
    if not has_table(ws, "triad_evidence") or not has_table(ws, "posts"):
        return _empty("label", "terms")
    return ws.sql(f"""SELECT {_SELECT}, e.label, array_to_string(e.terms, ' ') AS terms
                      FROM triad_evidence e JOIN posts p ON p.platform = e.platform AND p.post_id = e.post_id
                      WHERE e.campaign = ? AND e.part = ? AND e.component = ? {_ORDER} LIMIT ?""",
                  [campaign, part, component, limit])


def triad_evidence_ids(ws: Workspace, limit_per_component: int = 5) -> pd.DataFrame:
    """Per campaign, part and component: the number of evidence posts and the first ids (by engagement)."""
    cols = ["campaign", "part", "component", "n_evidence", "evidence_post_ids"]
    if not has_table(ws, "triad_evidence") or not has_table(ws, "posts"):
        return pd.DataFrame(columns=cols)
    return ws.sql("""WITH e AS (
                        SELECT e.campaign, e.part, e.component, e.platform || ':' || e.post_id AS key,
                               row_number() OVER (PARTITION BY e.campaign, e.part, e.component ORDER BY
                                   coalesce(p.like_count, 0) + coalesce(p.comment_count, 0)
                                   + coalesce(p.share_count, 0) DESC, e.post_id) AS r
                        FROM triad_evidence e JOIN posts p ON p.platform = e.platform AND p.post_id = e.post_id)
                     SELECT campaign, part, component, count(*) AS n_evidence,
                            string_agg(key, ' ' ORDER BY r) FILTER (WHERE r <= ?) AS evidence_post_ids
                     FROM e GROUP BY ALL ORDER BY ALL""", [limit_per_component])


def tag_posts(ws: Workspace, f: Filters, facet: str, label: str, limit: int = 200) -> pd.DataFrame:
    """Posts under the filters that the taxonomy tagged with ``label`` (a trait or a dimension)."""
    if not has_table(ws, "post_tags") or not has_table(ws, "posts"):
        return _empty("terms")
    cond, params = f.where(ws)
    return ws.sql(f"""SELECT {_SELECT}, array_to_string(t.terms, ' ') AS terms
                      FROM post_tags t JOIN posts p ON p.platform = t.platform AND p.post_id = t.post_id
                      WHERE t.facet = ? AND t.label = ? AND {cond} {_ORDER} LIMIT ?""",
                  [facet, label, *params, limit])


def keyword_posts(ws: Workspace, f: Filters, term: str, limit: int = 200) -> pd.DataFrame:
    """Posts under the filters whose segmented text contains ``term`` (else whose text contains it)."""
    if not has_table(ws, "posts"):
        return _empty()
    cond, params = f.where(ws)
    if has_table(ws, "post_text"):
        return ws.sql(f"""SELECT {_SELECT} FROM post_text t JOIN posts p ON p.platform = t.platform
                              AND p.post_id = t.post_id
                          WHERE list_contains(t.tokens, ?) AND {cond} {_ORDER} LIMIT ?""", [term, *params, limit])
    return ws.sql(f"""SELECT {_SELECT} FROM posts p WHERE contains(coalesce(p.title, '') || coalesce(p.text, ''), ?)
                      AND {cond} {_ORDER} LIMIT ?""", [term, *params, limit])


def sentiment_posts(ws: Workspace, f: Filters, label: str, limit: int = 200) -> pd.DataFrame:
    """Posts under the filters the sentiment stage labelled ``label``, with their score."""
    if not has_table(ws, "post_sentiment") or not has_table(ws, "posts"):
        return _empty("score")
    cond, params = f.where(ws)
    return ws.sql(f"""SELECT {_SELECT}, s.score FROM post_sentiment s
                      JOIN posts p ON p.platform = s.platform AND p.post_id = s.post_id
                      WHERE s.label = ? AND {cond} {_ORDER} LIMIT ?""", [label, *params, limit])


def cascade_posts(ws: Workspace, platform: str, root_id: str, limit: int = 500) -> pd.DataFrame:
    """The posts of one cascade in diffusion order (depth, then time), with depth and subtree size."""
    cols = ["depth", "subtree_size", "parent_id", "post_id", "platform", "published_at", "author_id",
            "author_name", "text", "engagement"]
    if not has_table(ws, "cascade_nodes"):
        return pd.DataFrame(columns=cols)
    return ws.sql("""SELECT n.depth, n.subtree_size, n.parent_id, n.post_id, n.platform, p.published_at,
                            coalesce(p.author_id, n.author_id) AS author_id, p.author_name,
                            coalesce(p.title || ' ', '') || coalesce(p.text, '') AS text,
                            coalesce(p.like_count, 0) + coalesce(p.comment_count, 0)
                                + coalesce(p.share_count, 0) AS engagement
                     FROM cascade_nodes n LEFT JOIN posts p ON p.platform = n.platform AND p.post_id = n.post_id
                     WHERE n.platform = ? AND n.root_id = ? ORDER BY n.depth, n.elapsed_s, n.post_id LIMIT ?""",
                  [platform, root_id, limit])
