"""Pipeline stage: the triad for every campaign in the workspace (after text, sentiment, network).

Campaigns are the ``campaign`` labels given at ingest, the most used hashtags (as ``#tag#``)
and ``(all)`` for the whole workspace.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

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


def score_campaign(campaign: str, posts: pd.DataFrame, comments: pd.DataFrame, tags: pd.DataFrame,
                   roles: pd.DataFrame, labels: dict[str, list[str]], n_platforms: int,
                   settings: Settings, target: dict[str, float] | None = None,
                   priorities: dict[str, tuple[str, ...]] | None = None) -> list[Part]:
    """All triad parts for one campaign's posts (and the comments under them)."""
    trait_tags = tags[tags["facet"] == "trait"]
    dim_tags = tags[tags["facet"] == "dimension"]
    own = posts[["platform", "post_id"]]
    traits_posts = trait_tags.merge(own, on=["platform", "post_id"])
    dims_posts = dim_tags.merge(own, on=["platform", "post_id"])
    parts = brand_parts(posts, traits_posts, labels["trait"], target=target)
    parts += content_parts(posts, dims_posts, labels["dimension"], priorities=priorities, covered_share=0.10)
    parts += channel_parts(posts, comments, roles, n_platforms)
    everything = pd.concat([posts, comments], ignore_index=True)
    with_roles = everything.merge(roles[["platform", "author_id", "role"]], on=["platform", "author_id"], how="left")
    with_roles["group"] = with_roles["role"].map(ROLE_GROUPS).fillna("ordinary")
    all_traits = trait_tags.merge(everything[["platform", "post_id"]], on=["platform", "post_id"])
    parts.append(coherence_part(all_traits, with_roles, labels["trait"]))
    return parts


def run(ws: Workspace, settings: Settings, *, on_progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    if not ws.has_table("post_tags") or ws.count("post_tags") == 0:
        log.warning("triad skipped: no post_tags table (run the text stage first)")
        return {}
    if ws.count("posts") == 0:
        ws.replace(TRIAD_SCORE.empty(), TRIAD_SCORE)
        ws.replace(TRIAD_EVIDENCE.empty(), TRIAD_EVIDENCE)
        return {"triad_scores": 0, "triad_evidence": 0}
    tags = ws.sql("SELECT platform, post_id, facet, label, terms, n_matches FROM post_tags")
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
    cols = "p.platform, p.post_id, p.kind, p.author_id, p.published_at, p.root_id, p.parent_id"
    sets = campaign_sets(ws, settings.min_group_size)
    scores, evidence = [], []
    for i, (name, cond, params) in enumerate(sets):
        posts = ws.sql(f"SELECT {cols} FROM posts p WHERE p.kind <> 'comment' AND {cond}", params)
        if posts.empty:
            continue
        comments = ws.sql(
            f"SELECT c.platform, c.post_id, c.kind, c.author_id, c.published_at, c.root_id, c.parent_id "
            f"FROM posts c JOIN posts p ON p.platform = c.platform AND p.post_id = c.root_id "
            f"WHERE c.kind = 'comment' AND p.kind <> 'comment' AND {cond}", params)
        for part in score_campaign(name, posts, comments, tags, roles, labels, n_platforms, settings,
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
    ev = pd.concat(evidence, ignore_index=True) if evidence else TRIAD_EVIDENCE.empty()
    ev["label"] = ev["label"].astype("string").fillna("")
    ev["terms"] = ev["terms"].map(lambda t: list(t) if isinstance(t, (list, tuple)) or hasattr(t, "tolist") else [])
    ev = ev.drop_duplicates(["campaign", "part", "component", "platform", "post_id", "label"])
    with ws.transaction():
        ws.replace(sc, TRIAD_SCORE)
        ws.replace(ev, TRIAD_EVIDENCE)
    return {"triad_scores": len(sc), "triad_evidence": len(ev)}
