"""TextRank's co-occurrence matrix, summed one window offset at a time, gives exactly the ranks of
the earlier build that concatenated every pair of every offset in both directions (frozen below)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
import scipy.sparse as sp

from brandlab.nlp.keywords import _pagerank_terms


def pagerank_terms_before(ids: np.ndarray, doc: np.ndarray, vocab: Sequence[str], top_k: int, window: int,
                          damping: float, iterations: int) -> list[tuple[str, float]]:
    """The implementation before the per-offset build (brandlab 0a3f802)."""
    rows, cols = [], []
    for off in range(1, window):
        same = doc[:-off] == doc[off:]
        a, b = ids[:-off][same], ids[off:][same]
        keep = a != b
        rows += [a[keep], b[keep]]
        cols += [b[keep], a[keep]]
    n = len(vocab)
    if not rows or not sum(len(r) for r in rows):
        return [(str(vocab[i]), 1.0) for i in range(min(top_k, n))]
    r, c = np.concatenate(rows), np.concatenate(cols)
    w = sp.coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n)).tocsr()
    out_strength = np.asarray(w.sum(axis=1)).ravel()
    inv = np.divide(1.0, out_strength, out=np.zeros(n), where=out_strength > 0)
    wt = w.T.tocsr()
    rank = np.ones(n)
    for _ in range(iterations):
        rank = (1 - damping) + damping * (wt @ (rank * inv))
    rank = rank / rank.max()
    order = np.lexsort((np.arange(n), -rank))[:top_k]
    return [(str(vocab[i]), float(rank[i])) for i in order]


@pytest.mark.parametrize("seed", range(12))
def test_ranks_equal_the_concatenated_build(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_vocab = int(rng.integers(1, 400))
    n_tok = int(rng.integers(0, 5000))
    # a few very frequent terms, so the same pair repeats many times (summed duplicates)
    p = rng.dirichlet(np.full(n_vocab, 0.3))
    ids = rng.choice(n_vocab, size=n_tok, p=p).astype(np.int64)
    doc = np.sort(rng.integers(0, max(1, n_tok // int(rng.integers(1, 30))), size=n_tok))
    vocab = [f"t{i}" for i in range(n_vocab)]
    for window in (2, 5):
        assert _pagerank_terms(ids, doc, vocab, 50, window, 0.85, 30) == \
            pagerank_terms_before(ids, doc, vocab, 50, window, 0.85, 30)


@pytest.mark.parametrize("ids, doc", [
    (np.array([], dtype=np.int64), np.array([], dtype=np.int64)),            # no tokens
    (np.array([0, 1, 2]), np.array([0, 1, 2])),                              # one token per document
    (np.array([3, 3, 3, 3]), np.array([0, 0, 0, 0])),                        # only self-pairs
])
def test_no_pairs_fall_back_like_before(ids: np.ndarray, doc: np.ndarray) -> None:
    vocab = ["a", "b", "c", "d"]
    assert _pagerank_terms(ids, doc, vocab, 3, 5, 0.85, 30) == pagerank_terms_before(ids, doc, vocab, 3, 5, 0.85, 30)
