"""The social-data analogue of the survey view: what posts say, per generation of their authors.

From the text stage's tables (``post_tags``: platform, post_id, facet, label; an author-generation
table: platform, author_id, generation) this computes, per generation, the share of posts that
carry each attention dimension (``facet = 'dimension'``) or brand trait (``facet = 'trait'``),
with a bootstrap interval that resamples *authors* (one prolific author cannot narrow the
interval on their own) and the same rank stability as the survey. ``side_by_side`` lines it up
with the survey's shares.

What posts can and cannot tell is stated in :data:`WHAT_POSTS_TELL`; notebooks and reports
print it beside the table.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from brandlab.errors import InsufficientDataError, SmallSampleWarning, format_message
from brandlab.survey.shares import GENERATIONS, rank_desc, rng_for

WHAT_POSTS_TELL = (
    "Posts show what people *write about* a city (attention dimensions, image traits) when they post, "
    "for the authors whose generation the text stage could attribute. They cannot show how people "
    "*learn about* a city (channels: short video, friends and family, TV/newspapers ...), since exposure "
    "leaves no trace in what one writes; nor why people move or settle; nor the views of those who do "
    "not post. Authors are self-selected and the generation is inferred from profile and text evidence, "
    "not asked. Read the post shares as the public conversation, next to, not instead of, the survey."
)

#: survey concept -> taxonomy facet of post_tags
CONCEPT_FACETS = {"attention": "dimension", "city_image_traits": "trait"}
_GEN_TABLES = ("author_generation", "author_generations", "generations")


def post_frames(ws: object) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(posts, post_tags, author generations) from a workspace the text stage has run on."""
    from brandlab.workspace import Workspace

    assert isinstance(ws, Workspace)
    gen_table = next((t for t in _GEN_TABLES if ws.has_table(t) and ws.count(t) > 0), None)
    if not (ws.has_table("post_tags") and ws.count("post_tags") > 0) or gen_table is None:
        raise InsufficientDataError(format_message(
            "the social analogue needs the text stage's post_tags and author_generation tables",
            found=f"tables {ws.tables()}", fix="run `brandlab analyze --stage text` on the workspace first"))
    posts = ws.sql("SELECT platform, post_id, author_id, kind FROM posts")
    tags = ws.sql("SELECT platform, post_id, facet, label FROM post_tags")
    gens = ws.sql(f"SELECT platform, author_id, generation FROM {gen_table}")
    return posts, tags, gens


def post_generation_shares(posts: pd.DataFrame, tags: pd.DataFrame, generations: pd.DataFrame, facet: str, *,
                           labels: list[str] | None = None, n_boot: int = 1000, seed: int = 0,
                           min_group_size: int = 30, kinds: tuple[str, ...] = ("post", "comment", "repost"),
                           ci: float = 0.95) -> pd.DataFrame:
    """Share of posts carrying each label of ``facet``, per author generation and overall (known ones).

    Columns: facet, generation, label, n_posts, n_authors, k_posts, share, ci_low, ci_high, rank,
    top3_stability, small_sample (fewer than ``min_group_size`` authors).
    """
    p = posts[posts["kind"].isin(kinds)].merge(generations, on=["platform", "author_id"], how="inner")
    p = p[p["generation"].isin(GENERATIONS)]
    t = tags[tags["facet"] == facet]
    labels = labels or sorted(t["label"].dropna().unique().tolist())
    hit = t[t["label"].isin(labels)].assign(v=1).pivot_table(index=["platform", "post_id"], columns="label",
                                                              values="v", aggfunc="max")
    x = p.set_index(["platform", "post_id"]).join(hit.reindex(columns=labels), how="left")[labels].fillna(0)
    x = x.astype(int).reset_index(drop=True)
    meta = p.reset_index(drop=True)
    rows = []
    small = []
    for g in [*GENERATIONS, "all"]:
        m = meta["generation"] == g if g != "all" else pd.Series(True, index=meta.index)
        sub, who = x[m.to_numpy()], meta.loc[m, ["platform", "author_id"]]
        authors = who.astype(str).agg("\x1f".join, axis=1).to_numpy()
        rows.extend(_author_bootstrap(sub.to_numpy(), authors, labels, n_boot, rng_for(seed, facet, g), ci,
                                      facet=facet, generation=g, min_group_size=min_group_size))
        if len(set(authors)) < min_group_size:
            small.append(f"{g} ({len(set(authors))} authors)")
    if small:
        warnings.warn(f"post shares for {facet}: generations below min_group_size={min_group_size}: "
                      f"{', '.join(small)}; flagged small_sample", SmallSampleWarning, stacklevel=2)
    return pd.DataFrame(rows)


def _author_bootstrap(x: np.ndarray, authors: np.ndarray, labels: list[str], n_boot: int, rng: np.random.Generator,
                      ci: float, **ident: object) -> list[dict[str, object]]:
    min_group_size = int(ident.pop("min_group_size"))  # type: ignore[call-overload]
    n = x.shape[0]
    uniq, inv = np.unique(authors, return_inverse=True) if n else (np.array([]), np.array([], dtype=int))
    base = {**ident, "n_posts": n, "n_authors": len(uniq), "small_sample": len(uniq) < min_group_size}
    if n == 0:
        return [{**base, "label": lb, "k_posts": 0, "share": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                 "rank": None, "top3_stability": np.nan} for lb in labels]
    k_a = np.zeros((len(uniq), len(labels)))
    np.add.at(k_a, inv, x)
    n_a = np.bincount(inv, minlength=len(uniq)).astype(float)
    share = k_a.sum(axis=0) / n
    w = rng.multinomial(len(uniq), np.full(len(uniq), 1 / len(uniq)), size=n_boot).astype(float)
    boot = (w @ k_a) / (w @ n_a)[:, None]
    lo, hi = np.quantile(boot, [(1 - ci) / 2, 1 - (1 - ci) / 2], axis=0)
    obs_rank, top3 = rank_desc(share), (rank_desc(boot) <= 3).mean(axis=0)
    return [{**base, "label": lb, "k_posts": int(k_a[:, j].sum()), "share": float(share[j]), "ci_low": float(lo[j]),
             "ci_high": float(hi[j]), "rank": int(obs_rank[j]), "top3_stability": float(top3[j])}
            for j, lb in enumerate(labels)]


def side_by_side(survey_shares: pd.DataFrame, post_shares: pd.DataFrame, concept: str) -> pd.DataFrame:
    """Survey and post shares of the same items per generation, one row per (generation, item)."""
    facet = CONCEPT_FACETS[concept]
    s = survey_shares[survey_shares["concept"] == concept][["generation", "item", "n", "share", "ci_low", "ci_high",
                                                            "rank"]]
    s = s.rename(columns={"n": "survey_n", "share": "survey_share", "ci_low": "survey_ci_low",
                          "ci_high": "survey_ci_high", "rank": "survey_rank"})
    p = post_shares[post_shares["facet"] == facet][["generation", "label", "n_authors", "share", "ci_low", "ci_high",
                                                     "rank"]]
    p = p.rename(columns={"label": "item", "n_authors": "post_authors", "share": "post_share",
                          "ci_low": "post_ci_low", "ci_high": "post_ci_high", "rank": "post_rank"})
    out = s.merge(p, on=["generation", "item"], how="outer")
    order = {g: i for i, g in enumerate([*GENERATIONS, "all"])}
    return out.sort_values(["generation", "survey_rank", "item"], key=lambda c: c.map(order) if c.name == "generation"
                           else c).reset_index(drop=True)


def text_tables(ws: object, settings: object | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """(posts, post_tags, author generations, how) for the analogue.

    Read from the workspace when the text stage has written its tables (``how = 'workspace'``);
    otherwise computed in memory with the same library pieces the text stage uses (the shared
    tokenizer, :func:`brandlab.nlp.taxonomy.tag_posts`, :func:`brandlab.nlp.generation.
    attribute_generations`) and ``how = 'computed'``. Nothing is written.
    """
    from brandlab.config import Settings
    from brandlab.workspace import Workspace

    assert isinstance(ws, Workspace)
    s = settings if isinstance(settings, Settings) else Settings()
    try:
        posts, tags, gens = post_frames(ws)
        return posts, tags, gens, "workspace"
    except InsufficientDataError:
        pass
    from brandlab.nlp.generation import attribute_generations
    from brandlab.nlp.taxonomy import load_taxonomy, tag_posts
    from brandlab.nlp.tokenize import default_tokenizer

    full = ws.sql("SELECT platform, post_id, author_id, kind, title, text, published_at FROM posts")
    if full.empty:
        raise InsufficientDataError(format_message("the workspace has no posts", fix="ingest exports first"))
    body = (full["title"].fillna("") + " " + full["text"].fillna("")).astype(str).tolist()
    tok = default_tokenizer(taxonomy_files=tuple(s.taxonomy_files))
    tags = tag_posts(full, tok.cut_many(body), load_taxonomy(s.taxonomy_files))
    authors = ws.read("authors")
    authors = authors.astype(object).where(authors.notna(), None)  # plain None, not pd.NA, for the text matchers
    year = int(pd.Timestamp(s.as_of).year) if s.as_of else int(pd.Timestamp.now().year)
    gens = attribute_generations(authors, full, s.generations, default_year=year)
    return full[["platform", "post_id", "author_id", "kind"]], tags, gens, "computed"
