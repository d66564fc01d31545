"""Writing what an adapter parsed: chunks into their tables by the upsert rule, rejected rows into
``quarantine`` (with their reasons counted), and the rows other tables derive from a file's posts
(reply edges, placeholder authors). Called by :mod:`brandlab.ingest.driver` inside a file's transaction.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from brandlab.config import TIMEZONE
from brandlab.ingest.base import ROW_LEVEL, IngestReport, Parsed, ReadContext, TableCounts


def derive_from_posts(ws: Any, source_file: str) -> dict[str, int]:
    """Rows other tables gain from the posts of one file, in SQL: reply edges (comment -> the post or
    comment it answers, when both authors are known) and placeholder authors (id + nickname) for
    authors not yet in ``authors``; a creators export later replaces the placeholders."""
    con = ws.con
    n_edges = con.execute(
        """INSERT INTO edges (platform, src_author_id, dst_author_id, post_id, kind, created_at, resolved, origin)
        SELECT DISTINCT c.platform, p.author_id, c.author_id, c.post_id, 'reply', c.published_at, TRUE, 'reply'
        FROM posts c JOIN posts p ON p.platform = c.platform AND p.post_id = c.parent_id
        WHERE c.kind = 'comment' AND c.author_id IS NOT NULL AND p.author_id IS NOT NULL
          AND (c.source_file = $f OR p.source_file = $f)
          AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.platform = c.platform AND e.kind = 'reply'
                          AND e.post_id = c.post_id AND e.src_author_id = p.author_id
                          AND e.dst_author_id = c.author_id)""", {"f": source_file}).fetchone()
    # the anti-join is left out when ``authors`` holds no row of the file's platforms (a fresh
    # workspace or platform): it cost ~0.2 s of a 1M-row ingest even against an empty table
    known = con.execute("""SELECT EXISTS (SELECT 1 FROM authors a WHERE a.platform IN
        (SELECT DISTINCT platform FROM posts WHERE source_file = $f))""", {"f": source_file}).fetchone()
    new_only = """AND NOT EXISTS (SELECT 1 FROM authors a WHERE a.platform = posts.platform
                          AND a.author_id = posts.author_id)""" if known and known[0] else ""
    n_authors = con.execute(
        f"""INSERT INTO authors (platform, author_id, nickname, source_file, source_format)
        SELECT platform, author_id, arg_max(author_name, coalesce(crawled_at, published_at)), $f,
               any_value(source_format)
        FROM posts WHERE source_file = $f AND author_id IS NOT NULL {new_only}
        GROUP BY platform, author_id""", {"f": source_file}).fetchone()
    out = {"edges": int(n_edges[0]) if n_edges else 0, "authors": int(n_authors[0]) if n_authors else 0}
    return {k: v for k, v in out.items() if v}


def write_chunk(ws: Any, parsed: Parsed, ctx: ReadContext, report: IngestReport) -> None:
    from brandlab.schema import TABLES

    q = parsed.quarantine
    n_q = int(q["source_row"].nunique()) if len(q) else 0
    primary = report.tables.setdefault(parsed.primary, TableCounts())
    primary.read += parsed.rows_read
    primary.quarantined += n_q
    for name, df in parsed.tables.items():
        names = TABLES[name].names
        df = df.copy()
        if "source_file" in names:
            df["source_file"] = ctx.source_file
            df["source_format"] = ctx.source_format
        if name == "posts" and ctx.campaign is not None:
            df["campaign"] = ctx.campaign
        accepted = len(df)
        schema = TABLES[name]
        if schema.key and len(df):  # duplicates within the chunk: the newest crawl wins, then the last row
            if schema.order_by and schema.order_by in df.columns:
                df = df.sort_values(schema.order_by, kind="stable", na_position="first")
            df = df.drop_duplicates(list(schema.key), keep="last")
        # an author seen again in a thinner export (id + nickname) keeps the profile fields known
        ws.upsert(df, schema, keep_known=name == "authors")
        counts = report.tables.setdefault(name, TableCounts())
        counts.accepted += accepted
        if name != parsed.primary:
            counts.read += len(df)
    write_quarantine(ws, q, ctx, report)


def quarantine_frame(q: pd.DataFrame, ctx: ReadContext, report: IngestReport) -> pd.DataFrame:
    """A chunk's rejected rows as ``quarantine`` rows (keyed by file hash, source row and column);
    their reasons are counted in ``report``."""
    qf = q.copy()
    qf["column"] = qf["column"].fillna(ROW_LEVEL)   # part of the key: never null
    qf["file_hash"] = ctx.file_hash
    qf["source_file"] = ctx.source_file
    qf["source_format"] = ctx.source_format
    qf["quarantined_at"] = pd.Timestamp.now(tz=TIMEZONE)
    report.reasons.update(str(r).split(":")[0][:80] for r in q["reason"])
    return qf


def write_quarantine(ws: Any, q: pd.DataFrame, ctx: ReadContext, report: IngestReport) -> None:
    """Store a chunk's rejected rows (keyed by file hash, source row and column) and count reasons."""
    from brandlab.schema import TABLES

    if not len(q):
        return
    ws.upsert(quarantine_frame(q, ctx, report), TABLES["quarantine"])


__all__ = ["derive_from_posts", "quarantine_frame", "write_chunk", "write_quarantine"]
