"""Training helpers: calibration, ensemble weight, tokenizer; and the shipped model against its card."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from brandlab.nlp.sentiment_onnx import SHIPPED_DIR
from brandlab.training.evaluate import choose_weight, ece, fit_temperature, mix, scores, softmax


def test_ece_zero_when_confidence_matches_accuracy() -> None:
    proba = np.array([[0.75, 0.25, 0.0]] * 4)
    assert ece(proba, np.array([0, 0, 0, 1])) == pytest.approx(0.0)
    assert ece(proba, np.array([1, 1, 1, 1])) == pytest.approx(0.75)


def test_temperature_recovers_the_generating_one() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, size=(4000, 3))
    y = np.array([rng.choice(3, p=p) for p in softmax(z / 2.0)])
    assert fit_temperature(z, y) == pytest.approx(2.0, rel=0.1)


def test_choose_weight_prefers_the_informative_part() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 600)
    good = np.eye(3)[y] * 0.8 + 0.2 / 3
    noise = softmax(rng.normal(size=(600, 3)))
    w = choose_weight(good, noise, y, np.ones(600, dtype=bool))
    assert w >= 0.5
    assert np.allclose(mix(good, noise, 1.0), good)


def test_binary_scores_ignore_neutral() -> None:
    proba = np.array([[0.3, 0.6, 0.1], [0.1, 0.5, 0.4]])
    s = scores(proba, np.array([0, 2]), binary=True)
    assert s["accuracy"] == 1.0 and s["macro_f1"] == 1.0


def test_tokenizer_keeps_emoticons_whole() -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(SHIPPED_DIR / "tokenizer.json"))
    enc = tok.encode("太美了 EMO_哈哈 EMO_face_with_tears_of_joy 成都")
    assert "EMO_哈哈" in enc.tokens and "EMO_face_with_tears_of_joy" in enc.tokens
    assert "[UNK]" not in enc.tokens


@pytest.mark.slow
def test_shipped_model_reproduces_its_card_on_held_out_weibo(shared_dir: Path, tmp_path: Path) -> None:
    """Re-split the data (seeded), score the Weibo test split with the shipped files, compare with
    metrics.json, and check the shipped ensemble beats its own n-gram (baseline) part there."""
    from brandlab.nlp.sentiment_onnx import ShippedModel
    from brandlab.training.data import LABELS, prepare

    metrics = json.loads((SHIPPED_DIR / "metrics.json").read_text(encoding="utf-8"))
    seed = int(metrics["config"]["seed"])
    df, _ = prepare(shared_dir / "data" / "sentiment", tmp_path, seed)
    test = df[(df["source"] == "weibo") & (df["split"] == "test")]
    y = test["label"].map({lab: i for i, lab in enumerate(LABELS)}).to_numpy()
    texts = test["text"].tolist()
    acc = float((ShippedModel().predict_proba(texts).argmax(1) == y).mean())
    acc_base = float((ShippedModel(part="ngram").predict_proba(texts).argmax(1) == y).mean())
    card = {(r["model"], r["source"]): r for r in metrics["results"] if r["split"] == "test"}
    assert acc == pytest.approx(card[("ensemble, shipped (calibrated)", "weibo")]["accuracy"], abs=2e-3)
    assert acc_base == pytest.approx(card[("baseline (char 1-3 TF-IDF + LR)", "weibo")]["accuracy"], abs=2e-3)
    assert acc > acc_base


def test_train_sentiment_cli_options() -> None:
    from click.testing import CliRunner

    from brandlab.cli import main

    res = CliRunner().invoke(main, ["train-sentiment", "--help"])
    assert res.exit_code == 0
    for opt in ("--epochs", "--max-train", "--out", "--source-caps", "--device", "--reuse"):
        assert opt in res.output


def test_capped_train_is_seeded_and_capped() -> None:
    import pandas as pd

    from brandlab.training.run import capped_train

    df = pd.DataFrame({"source": ["weibo"] * 50 + ["shopping"] * 50, "split": "train", "text": "x",
                       "label": "positive"})
    a = capped_train(df, None, 1, "weibo=10,shopping=5")
    assert a["source"].value_counts().to_dict() == {"weibo": 10, "shopping": 5}
    assert a.index.tolist() == capped_train(df, None, 1, "weibo=10,shopping=5").index.tolist()
    assert len(capped_train(df, 7, 1, None)) == 7
