"""``brandlab bench --stage text``: segmentation MB/s and keywords posts/s beside plain jieba.

Both sides run in the same process on the same generated, cleaned corpus
(:func:`brandlab.nlp.synth.synth_texts`):

- segmentation: brandlab's tokenizer (rjieba fast path, user dictionary, ``cut_many``) with 1
  and with 2 worker processes, against ``jieba.lcut`` (the global default tokenizer, initialised
  before timing). Target: >= 10x jieba on 2 cores.
- keywords: segmentation + TF-IDF + TextRank for the whole corpus and per platform
  (:func:`brandlab.nlp.keywords.keywords_by_group`), against ``jieba.analyse.extract_tags`` +
  ``jieba.analyse.textrank`` on each group's joined text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from brandlab.bench import BenchResult, PeakRSS, register, timed


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

    with timed() as base:
        for t in texts:
            jieba.lcut(t)
    results = []
    for n_jobs in (1, 2):
        with PeakRSS() as rss, timed() as fast:
            tok.cut_many(texts, n_jobs=n_jobs)
        results.append(BenchResult(
            stage=f"text.segment[{tok.backend},jobs={n_jobs}]", n_items=kib, unit="KB", seconds=fast[0],
            peak_rss_mb=rss.peak_mb, baseline="jieba.lcut (global, 1 core)", baseline_seconds=base[0],
            target=">= 10x jieba on 2 cores", extra={"posts": n_posts}))

    kinds = {"all": "all", "platform": "platform"}
    with PeakRSS() as rss, timed() as ours:
        frame = corpus.assign(tokens=tok.cut_many(texts, n_jobs=1))
        kw = keywords_by_group(frame, kinds, top_k=20)
    with timed() as theirs:
        for col in kinds.values():
            for _, g in corpus.groupby(col):
                joined = "\n".join(g["text"])
                jieba.analyse.extract_tags(joined, topK=20)
                jieba.analyse.textrank(joined, topK=20)
    results.append(BenchResult(
        stage="text.keywords[tfidf+textrank]", n_items=n_posts, unit="posts", seconds=ours[0], peak_rss_mb=rss.peak_mb,
        baseline="jieba.analyse.extract_tags + textrank", baseline_seconds=theirs[0],
        notes="segmentation included on both sides; groups: all + 5 platforms", extra={"rows": len(kw)}))
    return results
