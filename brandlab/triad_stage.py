"""Pipeline stage: the triad for every campaign in the workspace (after text, sentiment, network).

Campaigns are the ``campaign`` labels given at ingest, the most used hashtags (as ``#tag#``)
and ``(all)`` for the whole workspace.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from brandlab.config import Settings
from brandlab.schema import TRIAD_EVIDENCE, TRIAD_SCORE
from brandlab.triad import (
    DEFAULT_PRIORITIES,
    DEFAULT_TARGET,
    ROLE_GROUPS,
    Part,
    brand_parts,
    channel_parts,
    coherence_part,
    content_parts,
)
from brandlab.workspace import Workspace

log = logging.getLogger(__name__)

MAX_HASHTAG_CAMPAIGNS = 10


def load_roles(ws: Workspace) -> pd.DataFrame:
    """Account roles from the network stage, else computed from the authors table."""
    if ws.has_table("node_metrics") and ws.count("node_metrics"):
        nm = ws.sql("SELECT * FROM node_metrics LIMIT 0")
        if {"platform", "node_id", "role"} <= set(nm.columns):
            return ws.sql("SELECT DISTINCT platform, node_id AS author_id, role FROM node_metrics "
                          "WHERE role IS NOT NULL AND coalesce(resolved, TRUE)")
    try:
        from brandlab.network import roles as roles_mod
    except ImportError:
        log.warning("no account roles available (run the network stage); every account counts as ordinary")
        return pd.DataFrame(columns=["platform", "author_id", "role"])
    authors = ws.read("authors")
    out = roles_mod.classify_roles(authors)
    return out[["platform", "author_id", "role"]]


def campaign_sets(ws: Workspace, min_posts: int) -> list[tuple[str, str, list[object]]]:
    """(label, SQL condition on posts p, params) for each campaign to score."""
    out: list[tuple[str, str, list[object]]] = [("(all)", "TRUE", [])]
    for (c,) in ws.con.execute(
            "SELECT DISTINCT campaign FROM posts WHERE campaign IS NOT NULL ORDER BY 1").fetchall():
        out.append((str(c), "p.campaign = ?", [c]))
    tags = ws.con.execute(
        "SELECT tag, count(*) n FROM (SELECT unnest(hashtags) AS tag FROM posts WHERE kind <> 'comment') "
        "GROUP BY tag HAVING count(*) >= ? ORDER BY n DESC, tag LIMIT ?", [min_posts, MAX_HASHTAG_CAMPAIGNS]).fetchall()
    for tag, _ in tags:
        out.append((f"#{tag}#", "list_contains(p.hashtags, ?)", [tag]))
    return out


def score_campaign(campaign: str, posts: pd.DataFrame, comments: pd.DataFrame, tables: PostTables,
                   roles: pd.DataFrame, labels: dict[str, list[str]], n_platforms: int,
                   settings: Settings, target: dict[str, float] | None = None,
                   priorities: dict[str, tuple[str, ...]] | None = None) -> list[Part]:
    """All triad parts for one campaign's posts (and the comments under them).

    ``posts`` and ``comments`` carry the integer post key ``_pk`` by which the campaign's tags and
    role groups are selected from ``tables`` (built once for every campaign, :func:`post_tables`):
    the rows, in the order, that joining the whole tag table on string ids per campaign gave.
    """
    mine = tables.mask(posts["_pk"])
    traits_posts = tables.rows(tables.traits, mine)
    dims_posts = tables.rows(tables.dims, mine)
    parts = brand_parts(posts, traits_posts, labels["trait"], target=target)
    parts += content_parts(posts, dims_posts, labels["dimension"], priorities=priorities, covered_share=0.10)
    parts += channel_parts(posts, comments, roles, n_platforms)
    mine[comments["_pk"].to_numpy(np.int64)] = True
    parts.append(coherence_part(tables.rows(tables.traits, mine), tables.rows(tables.groups, mine), labels["trait"]))
    return parts


@dataclass
class PostTables:
    """What every campaign of a workspace selects from, keyed by the integer post key ``_pk``.

    ``traits``/``dims``: the tag table's rows of each facet in stored order (``_pk`` -1 for a tag
    whose post is not in the posts table); ``groups``: every post's (platform, post_id, group), one
    row per role its author holds, as the left join of the posts on the roles gives them.
    """

    traits: pd.DataFrame
    dims: pd.DataFrame
    groups: pd.DataFrame
    n_keys: int

    def mask(self, keys: pd.Series) -> np.ndarray:
        """A boolean per post key (and a last, always False, slot that ``_pk`` -1 indexes)."""
        out = np.zeros(self.n_keys + 1, dtype=bool)
        out[keys.to_numpy(np.int64)] = True
        out[-1] = False
        return out

    @staticmethod
    def rows(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
        return frame[mask[frame["_pk"].to_numpy(np.int64)]].reset_index(drop=True)


def post_tables(posts: pd.DataFrame, tags: pd.DataFrame, roles: pd.DataFrame) -> PostTables:
    """:class:`PostTables` from every post (platform, post_id, author_id, _pk) and the tags (with _pk)."""
    n_keys = int(posts["_pk"].max()) + 1 if len(posts) else 0
    tags = tags.assign(_pk=tags["_pk"].to_numpy(np.int64))
    traits = tags[tags["facet"] == "trait"].reset_index(drop=True)
    dims = tags[tags["facet"] == "dimension"].reset_index(drop=True)
    groups = posts[["platform", "post_id", "author_id"]].assign(_pk=posts["_pk"].to_numpy(np.int64)).merge(
        roles[["platform", "author_id", "role"]], on=["platform", "author_id"], how="left")
    groups["group"] = groups["role"].map(ROLE_GROUPS).fillna("ordinary")
    return PostTables(traits, dims, groups[["platform", "post_id", "group", "_pk"]], n_keys)


def with_terms(ws: Workspace, ev: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows with the ``terms`` of the ``post_tags`` row each names in ``_tag`` (None for rows
    that name none: platform, role and time-slot evidence)."""
    if "_tag" not in ev.columns:
        return ev
    tag = pd.to_numeric(ev["_tag"]).astype("Int64")
    wanted = sorted(set(tag.dropna().astype(np.int64).tolist()))
    found = ws.sql("SELECT rowid AS _tag, terms FROM post_tags WHERE rowid IN (SELECT unnest(?::BIGINT[]))",
                   [wanted])
    lookup = pd.Series(found["terms"].to_numpy(), index=found["_tag"].astype(np.int64).to_numpy())
    terms = ev["terms"].astype(object) if "terms" in ev.columns else pd.Series(None, index=ev.index, dtype=object)
    has = tag.notna().to_numpy()
    terms[has] = lookup.reindex(tag[has].astype(np.int64).to_numpy()).to_numpy()
    return ev.drop(columns="_tag").assign(terms=terms)


def run(ws: Workspace, settings: Settings, *, on_progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    if not ws.has_table("post_tags") or ws.count("post_tags") == 0:
        log.warning("triad skipped: no post_tags table (run the text stage first)")
        return {}
    if ws.count("posts") == 0:
        ws.replace(TRIAD_SCORE.empty(), TRIAD_SCORE)
        ws.replace(TRIAD_EVIDENCE.empty(), TRIAD_EVIDENCE)
        return {"triad_scores": 0, "triad_evidence": 0}
    # the integer post key (posts' rowid) lets every campaign select its tags without string joins
    # and the evidence's terms are read at the end for its few rows (``_tag``), not for every tag
    tags = ws.sql("SELECT t.platform, t.post_id, t.facet, t.label, t.n_matches, t.rowid AS _tag, "
                  "coalesce(p.rowid, -1) AS _pk FROM post_tags t "
                  "LEFT JOIN posts p ON p.platform = t.platform AND p.post_id = t.post_id ORDER BY t.rowid")
    labels = {f: sorted(tags.loc[tags["facet"] == f, "label"].dropna().unique().tolist()) for f in ("trait", "dimension")}
    target, priorities = DEFAULT_TARGET, DEFAULT_PRIORITIES
    from brandlab.nlp.taxonomy import load_taxonomy

    tax = load_taxonomy(list(settings.taxonomy_files))
    # result tables hold taxonomy keys (vitality, events); the defaults are written in Chinese
    if set(labels["trait"]) <= set(tax.labels("trait")):
        labels = {"trait": list(tax.labels("trait")), "dimension": list(tax.labels("dimension"))}
        target = {tax.key_of(k, "trait"): v for k, v in DEFAULT_TARGET.items()}
        priorities = {g: tuple(tax.key_of(d, "dimension") for d in ds) for g, ds in DEFAULT_PRIORITIES.items()}
    roles = load_roles(ws)
    n_platforms = int(ws.scalar("SELECT count(DISTINCT platform) FROM posts") or 0)
    cols = "p.platform, p.post_id, p.kind, p.author_id, p.published_at, p.root_id, p.parent_id, p.rowid AS _pk"
    sets = campaign_sets(ws, settings.min_group_size)
    tables = post_tables(ws.sql("SELECT platform, post_id, author_id, rowid AS _pk FROM posts"), tags, roles)
    scores, evidence = [], []
    for i, (name, cond, params) in enumerate(sets):
        posts = ws.sql(f"SELECT {cols} FROM posts p WHERE p.kind <> 'comment' AND {cond}", params)
        if posts.empty:
            continue
        comments = ws.sql(
            f"SELECT c.platform, c.post_id, c.kind, c.author_id, c.published_at, c.root_id, c.parent_id, "
            f"c.rowid AS _pk "
            f"FROM posts c JOIN posts p ON p.platform = c.platform AND p.post_id = c.root_id "
            f"WHERE c.kind = 'comment' AND p.kind <> 'comment' AND {cond}", params)
        for part in score_campaign(name, posts, comments, tables, roles, labels, n_platforms, settings,
                                   target, priorities):
            scores.append({"campaign": name, "part": part.part, "component": part.component,
                           "score": part.score, "value": part.value, "n_posts": part.n_posts,
                           "detail": json.dumps(part.detail, ensure_ascii=False, default=str)})
            if len(part.evidence):
                evidence.append(part.evidence.assign(campaign=name, part=part.part, component=part.component))
        if on_progress:
            on_progress(i + 1, len(sets))
    sc = pd.DataFrame(scores)
    sc["score"] = sc["score"].astype(float).clip(0, 1)
    ev = with_terms(ws, pd.concat(evidence, ignore_index=True)) if evidence else TRIAD_EVIDENCE.empty()
    ev["label"] = ev["label"].astype("string").fillna("")
    ev["terms"] = ev["terms"].map(lambda t: list(t) if isinstance(t, (list, tuple)) or hasattr(t, "tolist") else [])
    ev = ev.drop_duplicates(["campaign", "part", "component", "platform", "post_id", "label"])
    with ws.transaction():
        ws.replace(sc, TRIAD_SCORE)
        ws.replace(ev, TRIAD_EVIDENCE)
    return {"triad_scores": len(sc), "triad_evidence": len(ev)}
