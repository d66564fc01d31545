"""The fast scoring path gives the scores of the straightforward one it replaced.

The reference below is the earlier implementation, kept verbatim in spirit: one onnxruntime
session, texts tokenised with ``encode_batch`` and padded row by row, the n-gram part counted per
text with :func:`char_ngrams` and a dict, then the ensemble formula. The shipped path now runs
one-thread sessions side by side, fills the batches in numpy, counts n-grams as integer keys and
pipelines chunks; labels must be the same and probabilities equal within 1e-6 (they are equal).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from brandlab.nlp.sentiment import clean_for_model, score_cleaned
from brandlab.nlp.sentiment_ngram import NgramModel, char_ngrams, gram_counts
from brandlab.nlp.sentiment_onnx import ShippedModel, softmax
from brandlab.nlp.synth import synth_texts

ODD = ["", " ", "a", "AB  cd", "İstanbul ΣΑΣ", "\U0001F600 ab", "垃圾 " * 60, "EMO_赞 EMO_赞 好", "x\ty\n\nz",
       "ÀÉÎ õ", "💯💯 太棒了", "Ǆ ǅ ǆ", "ﬀ ﬁ"]


def reference_ngram(model: NgramModel, texts: Sequence[str]) -> np.ndarray:
    from scipy.sparse import csr_matrix

    indptr, cols = [0], []
    for text in texts:
        cols.extend(j for g in char_ngrams(text, model.lo, model.hi) if (j := model.index.get(g)) is not None)
        indptr.append(len(cols))
    x = csr_matrix((np.ones(len(cols)), np.asarray(cols, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                   shape=(len(texts), len(model.idf)))
    x.sum_duplicates()
    x.data = 1.0 + np.log(x.data)
    sq = x.copy()
    sq.data = (sq.data * model.idf[sq.indices]) ** 2
    norms = np.sqrt(np.asarray(sq.sum(axis=1)).ravel())
    z = np.asarray(x @ model.weights) / np.where(norms > 0, norms, 1.0)[:, None] + model.intercept[None, :]
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def reference_logits(model: ShippedModel, texts: Sequence[str]) -> np.ndarray:
    clf = model.transformer
    encs = clf.tokenizer.encode_batch(list(texts))
    lengths = np.array([len(e.ids) for e in encs], dtype=np.int64)
    order = np.argsort(lengths, kind="stable")
    out = np.zeros((len(texts), 3), dtype=np.float32)
    for s in range(0, len(order), clf.batch_size):
        rows = order[s:s + clf.batch_size]
        width = int(lengths[rows].max())
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, i in enumerate(rows):
            ids[r, :lengths[i]] = encs[i].ids
            mask[r, :lengths[i]] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in clf.input_names:
            feed["token_type_ids"] = np.zeros_like(ids)
        out[rows] = clf.session.run(None, feed)[0]
    return out


def reference_proba(model: ShippedModel, texts: Sequence[str]) -> np.ndarray:
    cfg = model.config
    p_tr = softmax(reference_logits(model, texts) / float(cfg["temperature_transformer"]))
    w = float(cfg["weight_transformer"])
    p = w * p_tr + (1.0 - w) * reference_ngram(model.ngram, texts)
    return softmax(np.log(np.clip(p, 1e-12, None)) / float(cfg["temperature_ensemble"]))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    cleaned = clean_for_model(synth_texts(3000, seed=7))
    return [*ODD, *cleaned[:1500], *ODD, *cleaned[1500:]]


@pytest.fixture(scope="module")
def model() -> ShippedModel:
    return ShippedModel(threads=2)


def test_ngram_counts_equal_the_per_text_loop(model: ShippedModel, texts: list[str]) -> None:
    ng = model.ngram
    fast = gram_counts(texts, ng.lo, ng.hi, ng.keys, ng.key_cols)
    slow = ng.counts_python(texts)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ng.predict_proba(texts), reference_ngram(ng, texts))


@pytest.mark.slow
def test_stage_chunks_score_as_the_reference(model: ShippedModel, texts: list[str]) -> None:
    chunk = 1024  # the stage's chunks, smaller: three chunks, the last one short
    live = np.array([bool(t) for t in texts])
    got = score_cleaned(texts, model, batch_size=chunk)
    # empty texts are (0, 1, 0) without the model; the reference scored them
    distinct_live = [t for t in dict.fromkeys(texts) if t]
    assert len(distinct_live) < live.sum()  # the repeated ODD texts are scored once
    first = {t: i for i, t in reversed(list(enumerate(texts)))}
    order = [first[t] for t in distinct_live]
    expected_unique = np.concatenate([reference_proba(model, distinct_live[s:s + chunk])
                                      for s in range(0, len(distinct_live), chunk)])
    np.testing.assert_allclose(got[order], expected_unique, rtol=0, atol=1e-6)
    assert (got[order].argmax(axis=1) == expected_unique.argmax(axis=1)).all()
    assert (got[~live] == [0.0, 1.0, 0.0]).all()
    # and predict_proba on one chunk is the reference on that chunk
    np.testing.assert_allclose(model.predict_proba(texts[:chunk]), reference_proba(model, texts[:chunk]),
                               rtol=0, atol=1e-6)


def test_thread_count_does_not_change_scores(texts: list[str]) -> None:
    one, three = ShippedModel(threads=1), ShippedModel(threads=3)
    sample = texts[:700]
    np.testing.assert_array_equal(one.predict_proba(sample), three.predict_proba(sample))
    chunks = [sample[:300], sample[300:650], sample[650:]]
    piped = np.concatenate(list(three.predict_chunks(chunks)))
    np.testing.assert_array_equal(piped, np.concatenate([one.predict_proba(c) for c in chunks]))
