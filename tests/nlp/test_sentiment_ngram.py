"""The numpy re-implementation of the n-gram baseline agrees with scikit-learn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from brandlab.nlp.sentiment_ngram import NgramModel, char_ngrams
from brandlab.training.baseline import fit_baseline, save_baseline

TEXTS = ["太好吃了 强烈推荐", "服务太差 再也不来", "一般般吧", "EMO_哈哈 开心", "垃圾  垃圾 退货", "风景很美 EMO_赞",
         "还行 不过有点贵", "失望 EMO_泪", "AbC 好评!", "差评差评", "今天天气不错", "心情一般"] * 3
LABELS = np.array([2, 0, 1, 2, 0, 2, 1, 0, 2, 0, 1, 1] * 3)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, NgramModel]:
    pipe = fit_baseline(TEXTS, LABELS, C=4.0)
    path = tmp_path_factory.mktemp("ngram") / "baseline.npz"
    save_baseline(pipe, path)
    return pipe, NgramModel(path)


def test_char_ngrams_match_sklearn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).build_analyzer()
    for text in ["AbC  好评!", "a", "", "中文 文本"]:
        assert char_ngrams(text, 1, 3) == analyzer(text)


@pytest.mark.parametrize("text", ["太好吃了 强烈推荐", "没见过的字 鑫鑫", "", "EMO_哈哈", "差评 but 好吃", "AbC"])
def test_probabilities_agree_with_sklearn(fitted: tuple[object, NgramModel], text: str) -> None:
    pipe, model = fitted
    expected = pipe.predict_proba([text])  # type: ignore[attr-defined]
    np.testing.assert_allclose(model.predict_proba([text]), expected, atol=1e-5)


def test_no_pickle_in_file(fitted: tuple[object, NgramModel], tmp_path: Path) -> None:
    pipe, _ = fitted
    save_baseline(pipe, tmp_path / "b.npz")
    with np.load(tmp_path / "b.npz", allow_pickle=False) as z:  # raises if any array needed pickle
        assert {"grams", "idf", "coef", "intercept"} <= set(z.files)
