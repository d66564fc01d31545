"""The contract every sentiment backend keeps: shipped ensemble, its parts, a saved-local HF model.

Labels in the set, scores and probabilities in [0, 1] (rows summing to 1), row order and count
kept, empty / None / emoji-only / emoticon-only texts handled.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brandlab.config import Settings
from brandlab.nlp.sentiment import COLUMNS, LABELS, SentimentBackend, get_backend, predict

TEXTS = ["这家店太好吃了，强烈推荐！[赞]", "服务态度极差，再也不来了", "", None, "😂😂😂", "[哈哈][doge]",
         "今天去了宽窄巷子", "一般般吧", "垃圾 " * 200, "Great trip 👍", "  ", "http://t.cn/abc"]


def _tiny_hf(tmp_path_factory: pytest.TempPathFactory) -> SentimentBackend:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tests.nlp.sentiment_helpers import save_tiny_hf_model

    folder = save_tiny_hf_model(tmp_path_factory.mktemp("tiny_hf"))
    return get_backend(Settings(sentiment_model=str(folder), sentiment_labels="LABEL_0=negative,LABEL_1=positive"))


@pytest.fixture(scope="module", params=["shipped", "transformer", "ngram", "hf-local"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SentimentBackend:
    if request.param == "shipped":
        return get_backend(Settings())
    if request.param == "transformer":
        from brandlab.nlp.sentiment_onnx import ShippedModel

        return ShippedModel(part="transformer")
    if request.param == "ngram":
        return get_backend(Settings(sentiment_model="ngram"))
    return _tiny_hf(tmp_path_factory)


def test_is_a_backend(backend: SentimentBackend) -> None:
    assert isinstance(backend, SentimentBackend) and backend.name


def test_frame_shape_labels_and_ranges(backend: SentimentBackend) -> None:
    out = predict(TEXTS, backend)
    assert list(out.columns) == list(COLUMNS)
    assert len(out) == len(TEXTS)
    assert set(out["label"]) <= set(LABELS)
    probs = out[["p_negative", "p_neutral", "p_positive"]].to_numpy()
    assert ((probs >= 0) & (probs <= 1)).all() and np.allclose(probs.sum(axis=1), 1.0)
    assert out["score"].between(0, 1).all()
    assert (out["score"] == probs.max(axis=1)).all()
    assert not out.isna().any().any()


def test_order_and_index_kept(backend: SentimentBackend) -> None:
    s = pd.Series(TEXTS, index=[f"p{i}" for i in range(len(TEXTS))])
    fwd = predict(s, backend)
    rev = predict(s.iloc[::-1], backend)
    assert fwd.index.tolist() == s.index.tolist()
    pd.testing.assert_frame_equal(fwd, rev.loc[fwd.index], atol=1e-5)


def test_empty_and_emoji_only(backend: SentimentBackend) -> None:
    out = predict(["", None, "   ", "😂", "[哈哈]", "👍👍"], backend)
    assert out["label"].iloc[:3].tolist() == ["neutral"] * 3 and (out["score"].iloc[:3] == 1.0).all()
    assert out["label"].iloc[3:].isin(LABELS).all()


def test_empty_input(backend: SentimentBackend) -> None:
    out = predict([], backend)
    assert len(out) == 0 and list(out.columns) == list(COLUMNS)


def test_hf_backend_name_and_mapping(tmp_path_factory: pytest.TempPathFactory) -> None:
    b = _tiny_hf(tmp_path_factory)
    assert b.name.startswith("hf:")
    out = predict(["好", "差"], b)
    assert (out["p_neutral"] == 0).all()  # a two-class model maps nothing to neutral


def test_models_dir_is_small() -> None:
    folder = Path(__file__).resolve().parents[2] / "brandlab" / "models" / "sentiment"
    total = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    assert total < 30 * 2**20
