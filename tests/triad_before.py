"""Frozen copy of brandlab/triad.py + brandlab/triad_stage.py as of 0a3f802 (before the scale work): the
oracle for tests/test_triad_equal.py. Do not edit; delete when the equality test is retired."""
# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import json
import logging
from collections.abc import Callable

from brandlab.config import Settings
from brandlab.schema import TRIAD_EVIDENCE, TRIAD_SCORE
from brandlab.workspace import Workspace

log = logging.getLogger(__name__)


from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: default target positioning for youth attraction (source study: 活力, 繁华, 时尚)
DEFAULT_TARGET: dict[str, float] = {"活力": 1 / 3, "繁华": 1 / 3, "时尚": 1 / 3}

#: each generation's top content priorities, most important first (BCG x Douyin 2020)
DEFAULT_PRIORITIES: dict[str, tuple[str, ...]] = {
    "Z": ("自然人文", "项目活动", "特色美食"),
    "Y": ("自然人文", "设施资源", "项目活动"),
    "X": ("自然人文", "设施资源", "民生政策"),
}

#: fragmented-time slots, Asia/Shanghai local time (start hour, end hour)
FRAGMENT_SLOTS: dict[str, tuple[float, float]] = {
    "commute_morning": (7.0, 9.0), "lunch": (11.5, 13.5), "commute_evening": (17.0, 19.0),
    "before_sleep": (21.0, 24.0),
}

TONE_SETTERS = ("official", "media")
ROLE_GROUPS = {"official": "official", "media": "media", "influencer_head": "influencer",
               "influencer_waist": "influencer", "influencer_tail": "influencer", "ordinary": "ordinary"}

#: alias so that taxonomies naming the dimension 城市活动 still match the priorities
DIMENSION_ALIASES = {"城市活动": "项目活动", "城市活动/项目活动": "项目活动"}


@dataclass
class Part:
    part: str
    component: str
    score: float
    value: float
    n_posts: int
    detail: dict[str, object] = field(default_factory=dict)
    evidence: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["platform", "post_id", "label", "terms"]))


def jsd(p: pd.Series | np.ndarray, q: pd.Series | np.ndarray) -> float:
    """Jensen-Shannon divergence in bits (0 = identical, 1 = disjoint)."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    if p.sum() == 0 or q.sum() == 0:
        return float("nan")
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a: np.ndarray, b: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / b[nz])))

    return max(0.0, min(1.0, 0.5 * kl(p, m) + 0.5 * kl(q, m)))


def entropy_norm(counts: pd.Series, k: int | None = None) -> float:
    """Shannon entropy normalised by log(k) (k = number of possible categories)."""
    c = counts[counts > 0].astype(float)
    k = k or len(counts)
    if k <= 1 or c.sum() == 0:
        return 0.0
    p = c / c.sum()
    return float(-(p * np.log(p)).sum() / np.log(k))


def _evidence(tags: pd.DataFrame, label_col: str = "label", per_label: int = 20) -> pd.DataFrame:
    if tags.empty:
        return pd.DataFrame(columns=["platform", "post_id", "label", "terms"])
    ev = tags.sort_values(["n_matches"] if "n_matches" in tags else [label_col], ascending=False)
    ev = ev.groupby(label_col, sort=False).head(per_label)
    return ev.rename(columns={label_col: "label"})[["platform", "post_id", "label", "terms"]]


def _profile(tags: pd.DataFrame, labels: list[str]) -> pd.Series:
    return tags.groupby("label")["post_id"].nunique().reindex(labels, fill_value=0).astype(float)


def brand_parts(posts: pd.DataFrame, traits: pd.DataFrame, labels: list[str],
                target: dict[str, float] | None = None, min_week_posts: int = 5) -> list[Part]:
    """Trait profile, week-to-week consistency and fit to the target positioning."""
    target = target or DEFAULT_TARGET
    n = len(posts)
    prof = _profile(traits, labels)
    share = (prof / prof.sum()) if prof.sum() else prof
    parts = [Part("brand", "profile", float(traits["post_id"].nunique() / n) if n else 0.0,
                  float(traits["post_id"].nunique()), n, {"shares": share.round(4).to_dict()}, _evidence(traits))]
    weeks = traits.merge(posts[["platform", "post_id", "published_at"]], on=["platform", "post_id"])
    weeks["week"] = weeks["published_at"].dt.tz_localize(None).dt.to_period("W").dt.start_time
    by_week = weeks.groupby(["week", "label"])["post_id"].nunique().unstack(fill_value=0).reindex(
        columns=labels, fill_value=0)
    by_week = by_week[by_week.sum(axis=1) >= min_week_posts]
    divs = [jsd(by_week.iloc[i - 1], by_week.iloc[i]) for i in range(1, len(by_week))]
    divs = [d for d in divs if np.isfinite(d)]
    mean_div = float(np.mean(divs)) if divs else float("nan")
    parts.append(Part("brand", "consistency", 1 - mean_div if divs else float("nan"), mean_div, n,
                      {"weeks": len(by_week), "weekly_jsd": [round(d, 4) for d in divs]}, _evidence(traits, per_label=5)))
    tvec = pd.Series(target, dtype=float).reindex(labels, fill_value=0.0)
    d = jsd(prof.to_numpy(), tvec.to_numpy())
    gaps = (share - tvec / tvec.sum()).sort_values()
    on_target = traits[traits["label"].isin([k for k, v in target.items() if v > 0])]
    parts.append(Part("brand", "target_fit", 1 - d if np.isfinite(d) else float("nan"), d, n,
                      {"target": target, "under": gaps.head(3).round(4).to_dict(),
                       "over": gaps.tail(3).round(4).to_dict()}, _evidence(on_target)))
    return parts


def content_parts(posts: pd.DataFrame, dims: pd.DataFrame, labels: list[str],
                  priorities: dict[str, tuple[str, ...]] | None = None, covered_share: float = 0.10,
                  generation_weights: dict[str, float] | None = None) -> list[Part]:
    """Coverage of, and alignment with, the dimensions each generation cares about.

    - ``generation_coverage``: rank-weighted (3, 2, 1) share of a generation's top dimensions that
      at least ``covered_share`` of the posts address;
    - ``generation_alignment``: 1 - JSD between the campaign's dimension profile and the
      generation's priority profile (3, 2, 1 on its top three, 0 elsewhere) — high only when the
      content leans the way the audience does, not merely touches every dimension.
    """
    priorities = priorities or DEFAULT_PRIORITIES
    n = len(posts)
    dims = dims.assign(label=dims["label"].replace(DIMENSION_ALIASES))
    share = (dims.groupby("label")["post_id"].nunique() / n) if n else pd.Series(dtype=float)
    universe = list(dict.fromkeys([*labels, *share.index, *(DIMENSION_ALIASES.get(d, d) for p in priorities.values()
                                                             for d in p)]))
    profile = share.reindex(universe, fill_value=0.0)
    coverage: dict[str, float] = {}
    alignment: dict[str, float] = {}
    for gen, prio in priorities.items():
        keys = [DIMENSION_ALIASES.get(d, d) for d in prio]
        w = np.array([len(keys) - i for i in range(len(keys))], float)
        cov = np.array([min(1.0, float(share.get(k, 0.0)) / covered_share) for k in keys])
        coverage[gen] = float((w * cov).sum() / w.sum())
        want = pd.Series(0.0, index=universe)
        want[keys] = w
        d = jsd(profile.to_numpy(), want.to_numpy())
        alignment[gen] = 1 - d if np.isfinite(d) else float("nan")
    gw = generation_weights or {g: 1.0 for g in priorities}

    def weighted(per: dict[str, float]) -> float:
        tot = sum(gw.get(g, 0.0) for g in per if np.isfinite(per[g]))
        return sum(per[g] * gw.get(g, 0.0) for g in per if np.isfinite(per[g])) / tot if tot else float("nan")

    wanted = {DIMENSION_ALIASES.get(d, d) for p in priorities.values() for d in p}
    evidence = _evidence(dims[dims["label"].isin(wanted)])
    common = {"dimension_shares": share.round(4).to_dict(), "generation_weights": gw}
    cov_score, ali_score = weighted(coverage), weighted(alignment)
    return [
        Part("content", "generation_coverage", cov_score, cov_score, n,
             {**common, "coverage_by_generation": coverage, "covered_share": covered_share}, evidence),
        Part("content", "generation_alignment", ali_score, 1 - ali_score, n,
             {**common, "alignment_by_generation": alignment}, evidence),
    ]


def _in_slot(ts: pd.Series) -> pd.Series:
    local = ts.dt.tz_convert("Asia/Shanghai")
    h = local.dt.hour + local.dt.minute / 60
    hit = pd.Series(None, index=ts.index, dtype=object)
    for name, (a, b) in FRAGMENT_SLOTS.items():
        hit = hit.where(~((h >= a) & (h < b)) | hit.notna(), name)
    return hit


def channel_parts(posts: pd.DataFrame, comments: pd.DataFrame, roles: pd.DataFrame,
                  n_platforms: int) -> list[Part]:
    """Platform diversity, role balance, fragmented-time alignment, official reply behaviour."""
    n = len(posts)
    parts = []
    pm = posts["platform"].value_counts()
    ev = posts.groupby("platform").head(10)[["platform", "post_id"]].assign(label=lambda d: d["platform"], terms=None)
    parts.append(Part("channel", "platform_mix", entropy_norm(pm, max(n_platforms, len(pm))), float(len(pm)), n,
                      {"counts": pm.to_dict()}, ev))
    with_role = posts.merge(roles[["platform", "author_id", "role"]], on=["platform", "author_id"], how="left")
    with_role["group"] = with_role["role"].map(ROLE_GROUPS).fillna("ordinary")
    rm = with_role["group"].value_counts().reindex(["official", "media", "influencer", "ordinary"], fill_value=0)
    ev = with_role.groupby("group").head(10)[["platform", "post_id", "group"]].rename(columns={"group": "label"})
    parts.append(Part("channel", "role_mix", entropy_norm(rm, 4), float((rm[list(TONE_SETTERS)].sum()) / n) if n else 0,
                      n, {"counts": rm.to_dict(), "tone_setter_share": float(rm[list(TONE_SETTERS)].sum() / n) if n else 0},
                      ev.assign(terms=None)))
    slot = _in_slot(posts["published_at"])
    aligned = slot.notna()
    ev = posts[aligned].head(50)[["platform", "post_id"]].assign(label=slot[aligned].head(50).to_numpy(), terms=None)
    parts.append(Part("channel", "time_alignment", float(aligned.mean()) if n else float("nan"),
                      float(aligned.mean()) if n else float("nan"), n,
                      {"by_slot": slot.value_counts().to_dict(), "slot_hours_share": 7 / 24}, ev))
    parts.append(_official_replies(with_role, comments, roles))
    return parts


def _official_replies(posts: pd.DataFrame, comments: pd.DataFrame, roles: pd.DataFrame) -> Part:
    official = posts[posts["group"] == "official"]
    if official.empty or comments.empty:
        return Part("channel", "official_reply_rate", float("nan"), float("nan"), len(official),
                    {"note": "no official posts with comments"})
    c = comments.merge(official[["platform", "post_id", "author_id"]].rename(
        columns={"post_id": "root_id", "author_id": "root_author"}), on=["platform", "root_id"])
    if c.empty:
        return Part("channel", "official_reply_rate", float("nan"), float("nan"), len(official),
                    {"note": "official posts received no comments in the workspace"})
    rows, evid = [], []
    for (plat, root), g in c.groupby(["platform", "root_id"]):
        audience = g[g["author_id"] != g["root_author"]]
        replies = g[g["author_id"] == g["root_author"]]
        if audience.empty:
            continue
        first = audience["published_at"].min()
        later = replies[replies["published_at"] >= first]
        latency = (later["published_at"].min() - first).total_seconds() / 60 if len(later) else np.nan
        rows.append({"replied": len(later) > 0, "latency_min": latency})
        evid.append({"platform": plat, "post_id": root, "label": "replied" if len(later) else "unanswered",
                     "terms": None})
    r = pd.DataFrame(rows)
    if r.empty:
        return Part("channel", "official_reply_rate", float("nan"), float("nan"), len(official),
                    {"note": "no audience comments on official posts"})
    rate = float(r["replied"].mean())
    return Part("channel", "official_reply_rate", rate, rate, len(r),
                {"threads": len(r), "median_latency_min": float(r["latency_min"].median())
                 if r["latency_min"].notna().any() else None}, pd.DataFrame(evid))


def coherence_part(traits: pd.DataFrame, posts_roles: pd.DataFrame, labels: list[str]) -> Part:
    """Projected (official + media) vs perceived (audience) trait distributions."""
    t = traits.merge(posts_roles[["platform", "post_id", "group"]], on=["platform", "post_id"], how="left")
    t["group"] = t["group"].fillna("ordinary")
    proj = t[t["group"].isin(TONE_SETTERS)]
    perc = t[~t["group"].isin(TONE_SETTERS)]
    pp, pa = _profile(proj, labels), _profile(perc, labels)
    d = jsd(pp.to_numpy(), pa.to_numpy())
    if not np.isfinite(d):
        return Part("coherence", "projected_vs_perceived", float("nan"), float("nan"), len(t),
                    {"note": "needs trait-tagged posts from both official/media and audience accounts",
                     "projected_posts": int(proj["post_id"].nunique()), "perceived_posts": int(perc["post_id"].nunique())})
    gap = (pp / pp.sum() - pa / pa.sum()).sort_values()
    top = list(gap.index[:2]) + list(gap.index[-2:])
    ev = pd.concat([_evidence(proj[proj["label"].isin(top)], per_label=5),
                    _evidence(perc[perc["label"].isin(top)], per_label=5)], ignore_index=True)
    return Part("coherence", "projected_vs_perceived", 1 - d, d, len(t),
                {"projected": (pp / pp.sum()).round(4).to_dict(), "perceived": (pa / pa.sum()).round(4).to_dict(),
                 "diverge_most": {k: round(float(gap[k]), 4) for k in top}}, ev)


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
