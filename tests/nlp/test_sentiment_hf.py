"""The Hugging Face backend's errors and label mapping (no network, ever)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from brandlab.errors import ModelUnavailableError
from brandlab.nlp.sentiment import parse_label_map
from brandlab.nlp.sentiment_hf import HFBackend, label_index


def test_missing_torch_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ModelUnavailableError) as err:
        HFBackend("IDEA-CCNL/Erlangshen-Roberta-110M-Sentiment")
    assert "pip install 'brandlab[hf]' torch==2.13.0" in str(err.value)
    assert isinstance(err.value, ImportError)


def test_uncached_model_is_unavailable_not_downloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError) as err:
        HFBackend("brandlab-test/no-such-model")
    assert "never downloads" in str(err.value)


@pytest.mark.parametrize("spec,expected", [
    (None, {}),
    ("LABEL_0=negative,LABEL_1=positive", {"LABEL_0": "negative", "LABEL_1": "positive"}),
    (" neg = Negative , neu=neutral", {"neg": "negative", "neu": "neutral"}),
])
def test_parse_label_map(spec: str | None, expected: dict[str, str]) -> None:
    assert parse_label_map(spec) == expected


@pytest.mark.parametrize("spec", ["LABEL_0", "LABEL_0=happy", "=negative"])
def test_parse_label_map_rejects(spec: str) -> None:
    with pytest.raises(ValueError, match="--sentiment-labels"):
        parse_label_map(spec)


@pytest.mark.parametrize("id2label,mapping,expected", [
    ({0: "negative", 1: "positive"}, {}, [0, 2]),
    ({0: "Negative", 1: "Neutral", 2: "Positive"}, {}, [0, 1, 2]),
    ({0: "消极", 1: "积极"}, {}, [0, 2]),
    ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, {"LABEL_0": "positive", "LABEL_2": "negative"}, [2, -1, 0]),
])
def test_label_index(id2label: dict[int, str], mapping: dict[str, str], expected: list[int]) -> None:
    assert label_index(id2label, mapping, "m").tolist() == expected


def test_unmappable_labels_raise_with_fix() -> None:
    with pytest.raises(ModelUnavailableError, match="--sentiment-labels"):
        label_index({0: "LABEL_0", 1: "LABEL_1"}, {}, "m")
