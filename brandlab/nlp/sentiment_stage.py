"""The sentiment stage of ``brandlab analyze``: score every post, comment and repost, then aggregate.

Reads ``posts`` (and, when the text stage has run, ``post_text``, whose clean_text it scores
instead of cleaning again, ``author_generation`` and ``post_tags``);
writes ``post_sentiment`` (one row per post) and ``sentiment_aggregates``: per group of kind
all / generation / platform / campaign / week / trait / dimension, the share of posts that are
negative, neutral and positive and the mean net polarity (p_positive - p_negative), each with an
author-cluster bootstrap interval (:func:`brandlab.aggregate.bootstrap_share`), counts, and the
share of the group's authors whose generation is known. Posts whose cleaned text is empty are
scored (neutral) but left out of the aggregates. Both tables are replaced whole.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from brandlab.aggregate import _shared_cluster_bootstrap
from brandlab.config import TIMEZONE, Settings
from brandlab.errors import InsufficientDataError, SmallSampleWarning, format_message
from brandlab.nlp.sentiment import LABELS, SentimentBackend, clean_for_model, frame, get_backend, score_cleaned
from brandlab.schema import POST_SENTIMENT, SENTIMENT_AGGREGATE, validate
from brandlab.workspace import Workspace

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]

CHUNK = 2048
UNKNOWN = "unknown"


def post_texts(posts: pd.DataFrame) -> pd.Series:
    """Title and text joined (the title skipped when the text already starts with it)."""
    title = posts["title"].astype("string").fillna("") if "title" in posts else pd.Series("", index=posts.index)
    text = posts["text"].astype("string").fillna("")
    return pd.Series([x if (t == "" or x.startswith(t)) else f"{t} {x}" for t, x in zip(title, text, strict=True)],
                     index=posts.index, dtype="string")


def cleaned_texts(posts: pd.DataFrame, stored: pd.DataFrame | None, *, n_check: int = 64) -> list[str]:
    """The model's input for each post: the text stage's ``post_text.clean_text`` where ``stored``
    has the post (it is :func:`brandlab.nlp.clean.clean_text` of the same title + text), cleaned
    here otherwise. ``n_check`` posts with a stored text are cleaned again first; if any differs
    (posts re-ingested with new text since the text stage ran) every post is cleaned here."""
    texts = post_texts(posts)
    if stored is None or stored.empty:
        return clean_for_model(texts.tolist())
    keyed = posts[["platform", "post_id"]].merge(
        stored[["platform", "post_id", "clean_text"]].drop_duplicates(["platform", "post_id"]),
        on=["platform", "post_id"], how="left")
    reuse = keyed["clean_text"].astype(object).where(keyed["clean_text"].notna(), None).tolist()
    have = [i for i, t in enumerate(reuse) if t is not None]
    raw = texts.tolist()
    sample: list[int] = np.random.default_rng(0).choice(have, size=min(n_check, len(have)), replace=False).tolist() \
        if have else []
    if any(clean_for_model([raw[i]])[0] != reuse[i] for i in sample):
        log.warning("sentiment: post_text is older than posts (re-run the text stage); cleaning every post")
        return clean_for_model(raw)
    missing = [i for i, t in enumerate(reuse) if t is None]
    for i, t in zip(missing, clean_for_model([raw[i] for i in missing]), strict=True):
        reuse[i] = t
    return [str(t) for t in reuse]


def score_posts(posts: pd.DataFrame, backend: SentimentBackend, *, stored: pd.DataFrame | None = None,
                on_progress: Progress | None = None) -> pd.DataFrame:
    """post_sentiment rows for ``posts`` (platform, post_id, title, text), in chunks with progress;
    ``stored`` (post_text rows) saves cleaning the posts it has again, see :func:`cleaned_texts`."""
    cleaned = cleaned_texts(posts, stored)
    out = frame(score_cleaned(cleaned, backend, batch_size=CHUNK, on_progress=on_progress))
    out.insert(0, "post_id", posts["post_id"].to_numpy())
    out.insert(0, "platform", posts["platform"].to_numpy())
    out["model"] = backend.name
    out["has_text"] = np.array([bool(t) for t in cleaned], dtype=bool)
    return out


def analysis_frame(scored: pd.DataFrame, posts: pd.DataFrame, generations: pd.DataFrame | None) -> pd.DataFrame:
    """Scored posts with text, joined to author, campaign, week and generation."""
    df = scored[scored["has_text"]].merge(
        posts[["platform", "post_id", "author_id", "campaign", "published_at"]], on=["platform", "post_id"])
    if generations is not None and len(generations):
        g = generations[["platform", "author_id", "generation"]].drop_duplicates(["platform", "author_id"])
        df = df.merge(g, on=["platform", "author_id"], how="left")
    else:
        df["generation"] = UNKNOWN
    df["generation"] = df["generation"].astype("string").fillna(UNKNOWN)
    ts = pd.to_datetime(df["published_at"])
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = ts.dt.tz_localize(TIMEZONE)
    week = ts.dt.tz_convert(TIMEZONE).dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    df["week"] = week.dt.strftime("%Y-%m-%d").astype("string")
    df["all"] = "all"
    df["net"] = (df["p_positive"] - df["p_negative"] + 1.0) / 2.0  # in [0, 1] for bootstrap_share
    for lab in LABELS:
        df[f"is_{lab}"] = (df["label"] == lab).astype(float)
    return df


def shares_with_intervals(df: pd.DataFrame, column: str, values: Sequence[str], *, n_boot: int, seed: int,
                          author: str, level: float = 0.95) -> dict[str, pd.DataFrame]:
    """:func:`brandlab.aggregate.bootstrap_share` of each of ``values`` by ``column`` (unweighted,
    authors resampled), from one set of resampled authors.

    Called once per value with the same seed, ``bootstrap_share`` draws the same author indices for
    every value (same groups, same order, same cluster counts); here each block of indices is drawn
    once and summed for every value, with the same operations, so the rows are the same as the
    per-value calls give, for a quarter of the draws.
    """
    work = pd.DataFrame({v: pd.to_numeric(df[v], errors="raise").astype(float) * 1.0 for v in values},
                        index=df.index)
    work["_w"] = 1.0
    work[column] = df[column]
    work["_c"] = df[author].astype("string").fillna("<unknown author>").to_numpy()
    per = work.groupby([column, "_c"], sort=True, dropna=False)[[*values, "_w"]].sum().reset_index()
    sums = {v: per[v].to_numpy() for v in values}
    den_all = per["_w"].to_numpy()
    n_rows = work.groupby([column], sort=True, dropna=False).size()
    rng = np.random.default_rng(seed)
    alpha = 1 - level
    rows: dict[str, list[tuple[Any, ...]]] = {v: [] for v in values}
    for key, idx in per.groupby([column], sort=True, dropna=False).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        den = den_all[idx]
        nums = np.asfortranarray(np.column_stack([sums[v][idx] for v in values]))  # columns contiguous
        k, total = len(idx), den.sum()
        ci = _shared_cluster_bootstrap(nums, den, n_boot, rng, alpha)
        n = int(n_rows.loc[key[0]])
        for j, v in enumerate(values):
            share = float(nums[:, j].sum() / total) if total > 0 else float("nan")
            rows[v].append((key[0], share, float(ci[j, 0]), float(ci[j, 1]), n, k))
    return {v: pd.DataFrame(r, columns=[column, "share", "lo", "hi", "n", "n_authors"]) for v, r in rows.items()}


def _group_rows(df: pd.DataFrame, kind: str, column: str, settings: Settings) -> list[pd.DataFrame]:
    sub = df[df[column].notna()]
    if sub.empty:
        return []
    known = sub.assign(_k=(sub["generation"] != UNKNOWN)).drop_duplicates(["platform", "author_id", column])
    known_share = known.groupby(column, dropna=True)["_k"].mean()
    sub = sub.assign(_author=sub["platform"].astype(str) + ":" + sub["author_id"].astype("string").fillna("?"))
    values = {**{lab: f"is_{lab}" for lab in LABELS}, "net": "net"}
    shares = shares_with_intervals(sub, column, list(values.values()), n_boot=settings.n_boot, seed=settings.seed,
                                   author="_author")
    parts = []
    for label, value in values.items():
        r = shares[value]
        if label == "net":  # back from [0, 1] to p_positive - p_negative in [-1, 1]
            r[["share", "lo", "hi"]] = r[["share", "lo", "hi"]] * 2.0 - 1.0
        parts.append(pd.DataFrame({
            "group_kind": kind, "group": r[column].astype(str), "label": label, "share": r["share"],
            "lo": r["lo"], "hi": r["hi"], "n_posts": r["n"], "n_authors": r["n_authors"],
            "generation_known_share": r[column].map(known_share).to_numpy(dtype=float),
            "small_sample": r["n_authors"] < settings.min_group_size}))
    return parts


def aggregate(df: pd.DataFrame, tags: pd.DataFrame | None, settings: Settings) -> pd.DataFrame:
    """sentiment_aggregates rows for every group kind (see module docstring)."""
    parts: list[pd.DataFrame] = []
    for kind in ("all", "generation", "platform", "campaign", "week"):
        parts += _group_rows(df, kind, kind, settings)
    if tags is not None and len(tags):
        for facet in ("trait", "dimension"):
            t = tags.loc[tags["facet"] == facet, ["platform", "post_id", "label"]].rename(columns={"label": facet})
            parts += _group_rows(df.merge(t, on=["platform", "post_id"]), facet, facet, settings)
    out = pd.concat(parts, ignore_index=True) if parts else SENTIMENT_AGGREGATE.empty()
    small = out.loc[out["small_sample"].astype(bool), ["group_kind", "group", "n_authors"]].drop_duplicates()
    if len(small):
        shown = ", ".join(f"{k}={g} ({n})" for k, g, n in small.itertuples(index=False))[:600]
        warnings.warn(format_message(
            f"sentiment: {len(small)} group(s) rest on fewer than {settings.min_group_size} authors: {shown}",
            fix="read their shares as indicative only (small_sample is set in sentiment_aggregates)"),
            SmallSampleWarning, stacklevel=2)
    return out


def run(ws: Workspace, settings: Settings, *, on_progress: Progress | None = None,
        backend: SentimentBackend | None = None) -> dict[str, Any]:
    """Score every post in the workspace and write post_sentiment and sentiment_aggregates."""
    if not ws.has_table("posts") or ws.count("posts") == 0:
        raise InsufficientDataError(format_message(
            f"workspace {ws.path or ':memory:'} has no posts to score",
            fix="run `brandlab ingest` first"))
    posts = ws.read("posts", columns=["platform", "post_id", "author_id", "title", "text", "campaign",
                                      "published_at"])
    # in key order: the int8 model's scores depend on which texts share a batch, and DuckDB returns
    # rows in whatever order inserts left them; sorted, the same posts give the same scores
    posts = posts.sort_values(["platform", "post_id"], kind="stable", ignore_index=True)
    backend = backend or get_backend(settings)
    stored = ws.read("post_text", columns=["platform", "post_id", "clean_text"]) if ws.has_table("post_text") else None
    scored = validate(score_posts(posts, backend, stored=stored, on_progress=on_progress), POST_SENTIMENT)
    gens = ws.read("author_generation", columns=["platform", "author_id", "generation"]) \
        if ws.has_table("author_generation") else None
    # not the evidence lists: converting them back from DuckDB took 4 of 249 s at 100k posts
    tags = ws.read("post_tags", columns=["platform", "post_id", "facet", "label"]) \
        if ws.has_table("post_tags") else None
    agg = validate(aggregate(analysis_frame(scored, posts, gens), tags, settings), SENTIMENT_AGGREGATE)
    with ws.transaction():
        n1 = ws.replace(scored, POST_SENTIMENT, validated=True)
        n2 = ws.replace(agg, SENTIMENT_AGGREGATE, validated=True)
    log.info("sentiment: %d posts scored with %s, %d aggregate rows", n1, backend.name, n2)
    return {"post_sentiment": n1, "sentiment_aggregates": n2}
