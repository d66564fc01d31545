"""Keywords per group of posts: TF-IDF against a background corpus, and TextRank.

- **IDF**: jieba's own ``jieba/analyse/idf.txt`` (IDF of a large general Chinese corpus), read
  from the installed jieba package at run time; a term it lacks gets the median IDF, as jieba does.
- **Stopwords**: the maintained Chinese list of stopwords-iso (``stopwordsiso``, merged from the
  Baidu/HIT-style lists) plus ``brandlab/nlp/data/stopwords_social.txt`` (转发, 网页链接, 哈哈 ...)
  and jieba's English stopwords.
- **TextRank**: undirected co-occurrence graph over the kept tokens of each post (window 5, as
  jieba), PageRank by power iteration on a sparse matrix, scores scaled to a maximum of 1.

Tokens are kept when they have two or more characters, are not stopwords, are not ``EMO_``
tokens and contain a CJK character or a letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from brandlab.errors import ModelUnavailableError, format_message
from brandlab.nlp.clean import EMO_PREFIX

STOPWORDS_SOCIAL = Path(__file__).parent / "data" / "stopwords_social.txt"
KEYWORD_COLUMNS = ["group_kind", "group", "method", "rank", "term", "score", "n_docs"]
_WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z]")


@lru_cache(maxsize=1)
def load_idf() -> tuple[dict[str, float], float]:
    """(term -> IDF, median IDF) from the installed jieba's analyse/idf.txt."""
    try:
        text = resources.files("jieba.analyse").joinpath("idf.txt").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as err:
        raise ModelUnavailableError(format_message(
            "jieba's IDF table (jieba/analyse/idf.txt) is not installed", fix="pip install jieba")) from err
    idf: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) == 2:
            idf[parts[0]] = float(parts[1])
    return idf, float(np.median(list(idf.values())))


@lru_cache(maxsize=4)
def load_stopwords(extra_files: tuple[str, ...] = ()) -> frozenset[str]:
    """stopwords-iso Chinese + brandlab's social-media list + jieba's English list (+ your files)."""
    words: set[str] = set()
    try:
        import stopwordsiso

        words |= set(stopwordsiso.stopwords("zh"))
    except ImportError as err:
        raise ModelUnavailableError(format_message(
            "the stopwordsiso package is not installed", fix="pip install stopwordsiso")) from err
    from jieba.analyse.tfidf import KeywordExtractor

    words |= set(KeywordExtractor.STOP_WORDS)
    for f in (str(STOPWORDS_SOCIAL), *extra_files):
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            w = line.strip()
            if w and not w.startswith("#"):
                words.add(w)
    return frozenset(words)


def keep_terms(tokens: Iterable[str], stopwords: frozenset[str]) -> list[str]:
    return [t for t in tokens if _is_kept(t, stopwords)]


def tfidf_keywords(docs: Sequence[Sequence[str]], *, stopwords: frozenset[str], top_k: int = 20,
                   idf: tuple[dict[str, float], float] | None = None) -> list[tuple[str, float]]:
    """Top terms of the group by term frequency (share of kept tokens) x background IDF."""
    table, median = idf or load_idf()
    counts = pd.Series([t for d in docs for t in keep_terms(d, stopwords)], dtype=object).value_counts()
    if counts.empty:
        return []
    tf = counts / counts.sum()
    weights = np.array([table.get(t, median) for t in tf.index])
    score = pd.Series(tf.to_numpy() * weights, index=tf.index).sort_values(ascending=False, kind="stable")
    return [(str(t), float(s)) for t, s in score.iloc[:top_k].items()]


def textrank_keywords(docs: Sequence[Sequence[str]], *, stopwords: frozenset[str], top_k: int = 20,
                      window: int = 5, damping: float = 0.85, iterations: int = 30) -> list[tuple[str, float]]:
    """Top terms by PageRank over the co-occurrence graph (pairs within ``window`` kept tokens)."""
    kept = [keep_terms(d, stopwords) for d in docs]
    flat = [t for d in kept for t in d]
    if not flat:
        return []
    ids, vocab = pd.factorize(pd.Series(flat, dtype=object))
    doc = np.repeat(np.arange(len(kept)), [len(d) for d in kept])
    return _pagerank_terms(ids, doc, vocab, top_k, window, damping, iterations)


def _is_kept(t: str, stopwords: frozenset[str]) -> bool:
    """:func:`keep_terms`' test for one token."""
    return (len(t) > 1 and t not in stopwords and not t.startswith(EMO_PREFIX) and _WORDLIKE.search(t) is not None
            and (not t.isascii() or t.lower() not in stopwords))


@dataclass(frozen=True)
class KeptTokens:
    """The kept tokens of every document, as ids into ``vocab``: document ``d`` holds
    ``ids[starts[d]:starts[d + 1]]`` (tokens in order, repeats kept)."""

    ids: np.ndarray
    starts: np.ndarray
    vocab: np.ndarray

    def select(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(token ids, document rank) of the kept tokens of ``docs``, documents in the given order."""
        lens = self.starts[docs + 1] - self.starts[docs]
        total = int(lens.sum())
        ends = np.cumsum(lens)
        pos = np.arange(total) + np.repeat(self.starts[docs] - (ends - lens), lens)
        return self.ids[pos], np.repeat(np.arange(len(docs)), lens)


def kept_tokens(docs: Sequence[Sequence[str]], stopwords: frozenset[str]) -> KeptTokens:
    """Each distinct token is tested once (:func:`keep_terms`' rule) instead of once per occurrence."""
    lens = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    ids, vocab = pd.factorize(pd.Series(list(chain.from_iterable(docs)), dtype=object))
    keep = np.fromiter((_is_kept(t, stopwords) for t in vocab), dtype=bool, count=len(vocab))
    kept = keep[ids]
    per_doc = np.bincount(np.repeat(np.arange(len(lens)), lens)[kept], minlength=len(lens))
    return KeptTokens(ids[kept], np.r_[0, np.cumsum(per_doc)].astype(np.int64), np.asarray(vocab, dtype=object))


def _tfidf_ids(ids: np.ndarray, vocab: np.ndarray, top_k: int,
               idf: tuple[dict[str, float], float]) -> list[tuple[str, float]]:
    """:func:`tfidf_keywords` on kept token ids: the same counts in the same first-seen order and
    the same stable sorts, so the same terms, scores and ties."""
    if not len(ids):
        return []
    table, median = idf
    counts = pd.Series(ids).value_counts()
    tf = counts / counts.sum()
    terms = vocab[tf.index.to_numpy()]
    weights = np.array([table.get(t, median) for t in terms])
    score = pd.Series(tf.to_numpy() * weights, index=terms).sort_values(ascending=False, kind="stable")
    return [(str(t), float(s)) for t, s in score.iloc[:top_k].items()]


def _textrank_ids(ids: np.ndarray, doc: np.ndarray, vocab: np.ndarray, top_k: int, window: int = 5,
                  damping: float = 0.85, iterations: int = 30) -> list[tuple[str, float]]:
    """:func:`textrank_keywords` on kept token ids with their document rank (same local vocabulary
    order, same pairs, so the same matrix and ranks)."""
    if not len(ids):
        return []
    local, uniq = pd.factorize(ids)
    return _pagerank_terms(local, doc, vocab[uniq], top_k, window, damping, iterations)


def _pagerank_terms(ids: np.ndarray, doc: np.ndarray, vocab: Sequence[str], top_k: int, window: int,
                    damping: float, iterations: int) -> list[tuple[str, float]]:
    n = len(vocab)
    # Co-occurrence counts are summed one window offset at a time (a CSR matrix per offset, 32-bit
    # ids where they fit) instead of concatenating every pair of every offset in both directions:
    # about 300 bytes per token before, which was ~10 GB for the "all" group of 1M posts. The counts
    # are whole numbers, so the summed canonical CSR -- and the ranks -- are exactly the same.
    idx = np.asarray(ids, dtype=np.int32 if n < 2**31 else np.int64)
    half: sp.csr_matrix | None = None
    for off in range(1, window):
        same = doc[:-off] == doc[off:]
        a, b = idx[:-off][same], idx[off:][same]
        keep = a != b
        a, b = a[keep], b[keep]
        if not len(a):
            continue
        part = sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        half = part if half is None else half + part
    if half is None:
        return [(str(vocab[i]), 1.0) for i in range(min(top_k, n))]
    w = (half + half.T).tocsr()
    w.sum_duplicates()
    out_strength = np.asarray(w.sum(axis=1)).ravel()
    inv = np.divide(1.0, out_strength, out=np.zeros(n), where=out_strength > 0)
    wt = w.T.tocsr()
    rank = np.ones(n)
    for _ in range(iterations):
        rank = (1 - damping) + damping * (wt @ (rank * inv))
    rank = rank / rank.max()
    order = np.lexsort((np.arange(n), -rank))[:top_k]
    return [(str(vocab[i]), float(rank[i])) for i in order]


def keywords_by_group(frame: pd.DataFrame, group_kinds: dict[str, str], *, tokens: str = "tokens",
                      methods: Sequence[str] = ("tfidf", "textrank"), top_k: int = 20,
                      stopwords: frozenset[str] | None = None, min_docs: int = 1) -> pd.DataFrame:
    """Keywords for every group of every kind: ``group_kinds`` maps a kind (``campaign``,
    ``platform``, ``week``, ``generation``, ``all``) to the column holding it (``None`` in that
    column = not in any group of the kind). Returns :data:`KEYWORD_COLUMNS`.

    The same rows as :func:`tfidf_keywords` / :func:`textrank_keywords` on each group's token lists
    (tests/nlp/test_nlp_keywords.py compares them), but the stopword test runs once per distinct
    token and the groups are cut from one array of kept token ids."""
    stop = stopwords if stopwords is not None else load_stopwords()
    unknown = sorted(set(methods) - {"tfidf", "textrank"})
    if unknown:
        raise ValueError(format_message(f"unknown keyword method(s) {unknown}", expected="'tfidf' or 'textrank'"))
    kinds = {kind: col for kind, col in group_kinds.items() if col in frame.columns}
    kept = kept_tokens(frame[tokens].tolist(), stop) if kinds else None
    idf = load_idf() if "tfidf" in methods else ({}, 0.0)
    positions = pd.Series(np.arange(len(frame)), index=frame.index)
    rows = []
    for kind, col in kinds.items():
        assert kept is not None
        values = frame[col]
        present = values.notna()
        for group, g in positions[present].groupby(values[present], sort=True):
            docs = g.to_numpy()
            if len(docs) < min_docs:
                continue
            ids, doc = kept.select(docs)
            for method in methods:
                found = (_tfidf_ids(ids, kept.vocab, top_k, idf) if method == "tfidf"
                         else _textrank_ids(ids, doc, kept.vocab, top_k))
                for rank, (term, score) in enumerate(found, start=1):
                    rows.append((kind, str(group), method, rank, term, score, len(docs)))
    return pd.DataFrame(rows, columns=KEYWORD_COLUMNS)
