"""``brandlab bench --stage text``: segmentation MB/s and keywords posts/s beside plain jieba.

Both sides run in the same process on the same generated, cleaned corpus
(:func:`brandlab.nlp.synth.synth_texts`):

- segmentation: brandlab's tokenizer (rjieba fast path, user dictionary, ``cut_many``) with 1
  and with 2 worker processes, against ``jieba.lcut`` (the global default tokenizer, initialised
  before timing). Target: >= 10x jieba on 2 cores.
- jieba's sides are timed on at most :data:`JIEBA_SAMPLE` posts and scaled linearly (noted in the row).
- keywords: segmentation + TF-IDF + TextRank for the whole corpus and per platform
  (:func:`brandlab.nlp.keywords.keywords_by_group`), against ``jieba.analyse.extract_tags`` +
  ``jieba.analyse.textrank`` on each group's joined text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from brandlab.bench import BenchResult, PeakRSS, register, timed

#: most posts the jieba baselines are timed on (then scaled linearly to all posts)
JIEBA_SAMPLE = 100_000


def _corpus(n_posts: int) -> pd.DataFrame:
    from brandlab.nlp.clean import clean_series
    from brandlab.nlp.synth import synth_texts

    texts = pd.Series(synth_texts(n_posts, seed=20201030))
    platforms = ["douyin", "xhs", "weibo", "bilibili", "kuaishou"]
    return pd.DataFrame({"text": clean_series(texts)["clean_text"].astype(str),
                         "platform": [platforms[i % len(platforms)] for i in range(n_posts)], "all": "all"})


@register("text")
def bench_text(n_posts: int, workdir: Path) -> list[BenchResult]:
    import jieba
    import jieba.analyse

    from brandlab.nlp.keywords import keywords_by_group, load_idf, load_stopwords
    from brandlab.nlp.tokenize import default_tokenizer

    corpus = _corpus(n_posts)
    texts = corpus["text"].tolist()
    kib = sum(len(t.encode("utf-8")) for t in texts) // 1024   # KB/s in the table; /1024 for MB/s
    tok = default_tokenizer()   # built outside the timings, like jieba's initialise below
    jieba.initialize()
    load_idf()
    load_stopwords()

    # jieba is timed on at most JIEBA_SAMPLE posts and scaled linearly (1M posts would take it an hour)
    sample = corpus.iloc[:JIEBA_SAMPLE]
    scale = n_posts / max(1, len(sample))
    note = "" if scale == 1 else f"; jieba timed on {len(sample):,} posts and scaled x{scale:.1f}"
    with timed() as base:
        for t in sample["text"]:
            jieba.lcut(t)
    results = []
    for n_jobs in (1, 2):
        with PeakRSS() as rss, timed() as fast:
            tok.cut_many(texts, n_jobs=n_jobs)
        results.append(BenchResult(
            stage=f"text.segment[{tok.backend},jobs={n_jobs}]", n_items=kib, unit="KB", seconds=fast[0],
            peak_rss_mb=rss.peak_mb, baseline="jieba.lcut (global, 1 core)", baseline_seconds=base[0] * scale,
            target=">= 10x jieba on 2 cores", notes=note.lstrip("; "), extra={"posts": n_posts}))

    kinds = {"all": "all", "platform": "platform"}
    with PeakRSS() as rss, timed() as ours:
        frame = corpus.assign(tokens=tok.cut_many(texts, n_jobs=1))
        kw = keywords_by_group(frame, kinds, top_k=20)
    with timed() as theirs:
        for col in kinds.values():
            for _, g in sample.groupby(col):
                joined = "\n".join(g["text"])
                jieba.analyse.extract_tags(joined, topK=20)
                jieba.analyse.textrank(joined, topK=20)
    results.append(BenchResult(
        stage="text.keywords[tfidf+textrank]", n_items=n_posts, unit="posts", seconds=ours[0], peak_rss_mb=rss.peak_mb,
        baseline="jieba.analyse.extract_tags + textrank", baseline_seconds=theirs[0] * scale,
        notes="segmentation included on both sides; groups: all + 5 platforms" + note, extra={"rows": len(kw)}))
    return results
