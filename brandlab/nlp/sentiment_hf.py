"""Any Hugging Face sequence-classification model as a sentiment backend (transformers + torch).

``--sentiment-model PATH_OR_ID`` loads the model from a local folder or the local Hugging Face
cache only (never the network). Its labels are mapped to negative / neutral / positive by
``Settings.sentiment_labels`` (``"LABEL_0=negative,LABEL_1=positive"``) or, when not given, by
the model's own ``id2label`` names where they are recognisable (negative/neg/消极/负面, ...).
Labels that map to nothing get no probability mass (two-class models give p_neutral = 0 unless a
label maps to neutral); the probabilities of the mapped labels are renormalised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from brandlab.errors import ModelUnavailableError, format_message

LABELS = ("negative", "neutral", "positive")
INSTALL = "pip install 'brandlab[hf]' torch==2.13.0"

_KNOWN = {
    "negative": "negative", "neg": "negative", "消极": "negative", "负面": "negative", "负向": "negative",
    "neutral": "neutral", "neu": "neutral", "中性": "neutral", "中立": "neutral",
    "positive": "positive", "pos": "positive", "积极": "positive", "正面": "positive", "正向": "positive",
}


def _require() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as err:
        raise ModelUnavailableError(format_message(
            f"a Hugging Face sentiment model needs transformers and torch, but {err.name or 'one'} is not installed",
            fix=f"install them with: {INSTALL}  (or leave --sentiment-model unset to use the shipped model)")) from err
    return torch, transformers


def label_index(id2label: dict[int, str], mapping: dict[str, str], model: str) -> np.ndarray:
    """For each model output j, the index into LABELS it maps to (-1: dropped)."""
    out = np.full(len(id2label), -1, dtype=np.int64)
    for j, name in id2label.items():
        target = mapping.get(name) or mapping.get(str(j)) or (None if mapping else _KNOWN.get(str(name).lower()))
        if target is not None:
            out[int(j)] = LABELS.index(target)
    if (out < 0).all() or not ({0, 2} <= set(out.tolist())):
        raise ModelUnavailableError(format_message(
            f"cannot map the labels of sentiment model {model!r} to negative/neutral/positive",
            expected="a mapping covering at least a negative and a positive label",
            found=dict(id2label),
            fix="pass --sentiment-labels, e.g. 'LABEL_0=negative,LABEL_1=positive' (BRANDLAB settings: sentiment_labels)"))
    return out


class HFBackend:
    """transformers ``AutoModelForSequenceClassification`` loaded from local files only."""

    def __init__(self, model: str, mapping: dict[str, str] | None = None, *, threads: int = 0,
                 max_len: int = 256, batch_size: int = 32) -> None:
        torch, transformers = _require()
        if threads > 0:
            torch.set_num_threads(threads)
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(model, local_files_only=True)
            self.model = transformers.AutoModelForSequenceClassification.from_pretrained(model, local_files_only=True)
        except (OSError, ValueError) as err:
            raise ModelUnavailableError(format_message(
                f"sentiment model {model!r} is not available locally ({str(err).splitlines()[0][:200]})",
                expected="a folder written by save_pretrained() or a model id already in the Hugging Face cache",
                fix=f"on a machine with network run `huggingface-cli download {model}` and copy the cache "
                    "(HF_HOME), or pass the folder path; brandlab never downloads at run time")) from err
        self.model.eval()
        self.torch = torch
        self.name = f"hf:{model}"
        max_pos = int(getattr(self.model.config, "max_position_embeddings", 0) or 0)
        self.max_len = min(max_len, max_pos - 2) if max_pos > 2 else max_len  # RoBERTa offsets positions by 2
        self.batch_size = batch_size
        self.index = label_index(dict(self.model.config.id2label), mapping or {}, model)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), len(LABELS)), dtype=np.float64)
        with self.torch.no_grad():
            for s in range(0, len(order), self.batch_size):
                rows = order[s:s + self.batch_size]
                enc = self.tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                     max_length=self.max_len, return_tensors="pt")
                p = self.torch.softmax(self.model(**enc).logits.float(), dim=-1).numpy()
                for j, k in enumerate(self.index):
                    if k >= 0:
                        out[rows, k] += p[:, j]
        total = out.sum(axis=1, keepdims=True)
        return out / np.where(total > 0, total, 1.0)
