"""The text stage of ``brandlab analyze``: cleaning, segmentation, taxonomy tagging, generation
attribution, keywords and trait/dimension shares, written back to the workspace.

Reads ``posts`` (+ ``authors``, ``audience_segments``); writes ``post_text``, ``post_tags``,
``author_generation``, ``audience_generation``, ``keywords``, ``trait_shares`` and
``dimension_shares`` (each replaced whole, so re-running gives the same tables).
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Callable, Iterator

import pandas as pd

from brandlab.aggregate import label_shares
from brandlab.config import TIMEZONE, Settings
from brandlab.engine import Engine
from brandlab.errors import SmallSampleWarning
from brandlab.nlp.clean import clean_series
from brandlab.nlp.generation import UNKNOWN, attribute_generations, audience_generation_weights
from brandlab.nlp.keywords import keywords_by_group
from brandlab.nlp.taxonomy import Taxonomy, load_taxonomy, tag_posts
from brandlab.nlp.tokenize import Tokenizer, default_tokenizer
from brandlab.schema import (
    AUDIENCE_GENERATION,
    AUTHOR_GENERATION,
    DIMENSION_SHARE,
    KEYWORD,
    POST_TAG,
    POST_TEXT,
    TRAIT_SHARE,
    TableSchema,
    concat,
    validate,
)
from brandlab.workspace import Workspace

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]

#: group kind -> column of the analysis frame
GROUP_KINDS = {"all": "all", "campaign": "campaign", "platform": "platform", "week": "week",
               "generation": "generation"}
#: repost texts that carry no words of the reposter
_EMPTY_REPOSTS = ("转发微博", "Repost", "轉發微博", "")


def post_texts(posts: pd.DataFrame) -> pd.Series:
    """Title and text joined (the title is skipped when the text already starts with it)."""
    title = posts["title"].astype("string").fillna("")
    text = posts["text"].astype("string").fillna("")
    dup = [t == "" or x.startswith(t) for t, x in zip(title, text, strict=True)]
    return pd.Series([x if d else f"{t} {x}" for t, x, d in zip(title, text, dup, strict=True)], index=posts.index, dtype="string")


def process_chunk(posts: pd.DataFrame, tokenizer: Tokenizer, taxonomy: Taxonomy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean, segment and tag one chunk of posts; returns (post_text rows, post_tags rows)."""
    cleaned = clean_series(post_texts(posts))
    tokens = cut_unique(cleaned["clean_text"].tolist(), tokenizer)
    text = pd.DataFrame({"platform": posts["platform"].to_numpy(), "post_id": posts["post_id"].to_numpy(),
                         "clean_text": cleaned["clean_text"].to_numpy(), "tokens": tokens,
                         "hashtags": cleaned["hashtags"].to_numpy(), "mentions": cleaned["mentions"].to_numpy(),
                         "emoticons": cleaned["emoticons"].to_numpy(), "tokenizer": tokenizer.backend})
    tags = tag_posts(posts, tokens, taxonomy)
    tags["taxonomy_version"] = taxonomy.version
    return text, tags


def cut_unique(texts: list[str], tokenizer: Tokenizer) -> list[list[str]]:
    """``tokenizer.cut`` of each text, each distinct text segmented once (comments and reposts
    repeat); a repeat gets its own copy of the list."""
    done: dict[str, list[str]] = {}
    out = []
    for t in texts:
        toks = done.get(t)
        if toks is None:
            toks = done[t] = tokenizer.cut(t)
            out.append(toks)
        else:
            out.append(list(toks))
    return out


def segment_chunk(posts: pd.DataFrame, taxonomy_files: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`process_chunk` with the cached default tokenizer and taxonomy (built once per process:
    the entry point an engine's workers run, see :mod:`brandlab.engine`)."""
    return process_chunk(posts, default_tokenizer(taxonomy_files=taxonomy_files), load_taxonomy(taxonomy_files))


def _validated(frames: list[pd.DataFrame], schema: TableSchema) -> pd.DataFrame:
    """The chunks as one validated table: coerced once (``concat`` + ``validate`` would coerce twice,
    and the list columns' element checks were a tenth of the stage)."""
    frames = [f for f in frames if len(f)]
    return validate(pd.concat(frames, ignore_index=True) if frames else schema.empty(), schema)


def week_of(ts: pd.Series) -> pd.Series:
    """Monday of the Asia/Shanghai week, as ``YYYY-MM-DD`` (None when the time is missing)."""
    local = pd.to_datetime(ts, utc=True).dt.tz_convert(TIMEZONE).dt.tz_localize(None)
    monday = (local - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.normalize()
    return monday.dt.strftime("%Y-%m-%d").astype("string")


def shares_table(frame: pd.DataFrame, tags: pd.DataFrame, facet: str, labels: list[str], settings: Settings) -> pd.DataFrame:
    """Shares of each label per group of every kind; small groups flagged (one warning per kind)."""
    out = []
    for kind, col in GROUP_KINDS.items():
        sub = frame[frame[col].notna()]
        if sub.empty:
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SmallSampleWarning)
            res = label_shares(sub.assign(group=sub[col].astype(str)), tags, facet, labels, "group",
                               n_boot=settings.n_boot, seed=settings.seed, min_size=settings.min_group_size)
        for w in caught:  # re-issue, naming the facet and group kind; never swallowed
            warnings.warn(f"{facet} shares by {kind}: {w.message}", SmallSampleWarning, stacklevel=2)
        res.insert(0, "group_kind", kind)
        out.append(res.rename(columns={"n": "n_posts"}).assign(small_sample=res["n_authors"] < settings.min_group_size))
    schema = TRAIT_SHARE if facet == "trait" else DIMENSION_SHARE
    return concat(out, schema)


def run(ws: Workspace, settings: Settings, *, on_progress: Progress | None = None, chunk_size: int = 5000,
        tokenizer: Tokenizer | None = None, taxonomy: Taxonomy | None = None,
        engine: Engine | None = None) -> dict[str, int]:
    """``engine`` (see :mod:`brandlab.engine`) runs the per-post part over partitions; keywords,
    generations and shares run here. An explicit ``tokenizer``/``taxonomy`` keeps it all local."""
    files = tuple(settings.taxonomy_files)
    explicit = tokenizer is not None or taxonomy is not None
    taxonomy = taxonomy or load_taxonomy(files)
    posts = ws.sql("SELECT platform, post_id, kind, author_id, published_at, title, text, campaign "
                   "FROM posts ORDER BY platform, post_id")
    total = len(posts)
    if engine is not None and engine.n_workers > 1 and not explicit:  # at least two partitions per worker
        chunk_size = max(500, min(chunk_size, -(-total // (2 * engine.n_workers))))
    chunks = [posts.iloc[start:start + chunk_size] for start in range(0, total, chunk_size)]
    if engine is None or explicit:
        tok = tokenizer or default_tokenizer(taxonomy_files=files)
        parts: Iterator[tuple[pd.DataFrame, pd.DataFrame]] = (process_chunk(c, tok, taxonomy) for c in chunks)
    else:
        parts = engine.map(segment_chunk, chunks, files)
    texts, tags = [], []
    for start, (t, g) in zip(range(0, total, chunk_size), parts, strict=True):
        texts.append(t)
        tags.append(g)
        if on_progress:
            on_progress(min(start + chunk_size, total), total)
    if on_progress and total == 0:
        on_progress(0, 0)
    post_text = _validated(texts, POST_TEXT)
    post_tags = _validated(tags, POST_TAG)

    year = int(settings.as_of[:4]) if settings.as_of else dt.date.today().year
    authors = ws.read("authors")
    gens = validate(attribute_generations(authors, posts, settings.generations, default_year=year), AUTHOR_GENERATION)
    segments = ws.read("audience_segments")
    audience = validate(audience_generation_weights(segments, settings.generations, default_year=year),
                        AUDIENCE_GENERATION)

    frame = posts[["platform", "post_id", "kind", "author_id", "published_at", "campaign"]].copy()
    frame["tokens"] = post_text["tokens"].to_numpy()
    frame = frame.merge(gens[["platform", "author_id", "generation"]], on=["platform", "author_id"], how="left")
    frame["generation"] = frame["generation"].fillna(UNKNOWN)
    frame["week"] = week_of(frame["published_at"])
    frame["all"] = "all"
    # a repost with no words of its own says nothing about traits or topics
    own_words = frame["tokens"].map(len) > 0
    own_words &= ~((frame["kind"] == "repost") & posts["text"].fillna("").str.strip().isin(_EMPTY_REPOSTS).to_numpy())
    frame = frame[own_words]

    kw = validate(keywords_by_group(frame, GROUP_KINDS), KEYWORD)
    trait = shares_table(frame, post_tags, "trait", taxonomy.labels("trait"), settings)
    dim = shares_table(frame, post_tags, "dimension", taxonomy.labels("dimension"), settings)
    written = {}
    with ws.transaction():
        for df, schema in ((post_text, POST_TEXT), (post_tags, POST_TAG), (gens, AUTHOR_GENERATION),
                           (audience, AUDIENCE_GENERATION), (kw, KEYWORD)):
            written[schema.name] = ws.replace(df, schema, validated=True)  # validated above, once
        for df, schema in ((trait, TRAIT_SHARE), (dim, DIMENSION_SHARE)):
            written[schema.name] = ws.replace(df, schema)
    log.info("text stage: %s", written)
    return written
