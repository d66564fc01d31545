"""The shipped sentiment model, served with onnxruntime and ``tokenizers`` (no torch).

Files in ``brandlab/models/sentiment/`` (written by ``brandlab train-sentiment``):
``model.int8.onnx`` (the small BERT, dynamically quantised), ``tokenizer.json``, ``baseline.npz``
(the n-gram part) and ``ensemble.json`` (labels, ensemble weight, temperatures, max length).

Texts are tokenised, sorted by length and run in batches padded only to the longest text of the
batch; results come back in input order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from brandlab.errors import ModelUnavailableError, format_message
from brandlab.nlp.sentiment_ngram import NgramModel

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "models" / "sentiment"
SHIPPED_FILES = ("model.int8.onnx", "tokenizer.json", "baseline.npz", "ensemble.json")


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)


def require_files(folder: Path, names: Sequence[str] = SHIPPED_FILES) -> None:
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise ModelUnavailableError(format_message(
            f"sentiment model files {missing} are missing from {folder}",
            expected="the files written by `brandlab train-sentiment`",
            fix="reinstall brandlab, or run `brandlab train-sentiment` (needs pip install -e '.[train]')"))


class OnnxClassifier:
    """Logits from a BERT-style ONNX graph (inputs input_ids, attention_mask)."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path, *, max_len: int = 128, threads: int = 0,
                 batch_size: int = 128) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from brandlab.engine.providers import onnx_providers

        opts = ort.SessionOptions()
        if threads > 0:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        # no busy-waiting between batches: on shared cores spinning threads slow everyone (measured
        # 1,168 -> 2,420 posts/s with 2 threads at load average ~8 on 2 cores)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(onnx_path), opts, providers=onnx_providers())
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=max_len)
        self.tokenizer.no_padding()
        self.batch_size = batch_size

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        encs = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encs], dtype=np.int64)
        order = np.argsort(lengths, kind="stable")
        out: np.ndarray | None = None
        for s in range(0, len(order), self.batch_size):
            rows = order[s:s + self.batch_size]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                ids[r, :lengths[i]] = encs[i].ids
                mask[r, :lengths[i]] = 1
            feed: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feed["token_type_ids"] = np.zeros_like(ids)
            z = self.session.run(None, feed)[0]
            if out is None:
                out = np.zeros((len(texts), z.shape[1]), dtype=np.float32)
            out[rows] = z
        return out if out is not None else np.zeros((0, 3), dtype=np.float32)


class ShippedModel:
    """brandlab's own model: calibrated ensemble of the int8 transformer and the n-gram baseline.

    ``p = softmax(log(w * softmax(z / T_t) + (1 - w) * p_ngram) / T_e)`` with ``w``, ``T_t``, ``T_e``
    fitted on the validation split (see MODEL_CARD.md).
    """

    name = "brandlab-shipped"

    def __init__(self, folder: Path = SHIPPED_DIR, *, threads: int = 0, onnx_path: Path | None = None,
                 part: str = "ensemble") -> None:
        """``onnx_path`` swaps in another export of the same transformer (the benchmark's fp32 file)."""
        require_files(folder)
        self.config = json.loads((folder / "ensemble.json").read_text(encoding="utf-8"))
        self.labels: tuple[str, ...] = tuple(self.config["labels"])
        self.part = part
        self.transformer = OnnxClassifier(onnx_path or folder / "model.int8.onnx", folder / "tokenizer.json",
                                          max_len=int(self.config["max_len"]), threads=threads)
        self.ngram = NgramModel(folder / "baseline.npz")
        if self.ngram.labels != self.labels:
            raise ModelUnavailableError(format_message(
                f"{folder}/baseline.npz labels {self.ngram.labels} differ from ensemble.json {self.labels}",
                fix="re-run `brandlab train-sentiment` so both parts come from one run"))
        if part != "ensemble":
            self.name = f"brandlab-shipped-{part}"

    def transformer_proba(self, texts: Sequence[str]) -> np.ndarray:
        return softmax(self.transformer.logits(texts) / float(self.config["temperature_transformer"]))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities (n, 3) in :attr:`labels` order, for already-cleaned texts."""
        if self.part == "transformer":
            return self.transformer_proba(texts)
        if self.part == "ngram":
            return self.ngram.predict_proba(texts)
        w = float(self.config["weight_transformer"])
        p = w * self.transformer_proba(texts) + (1.0 - w) * self.ngram.predict_proba(texts)
        return softmax(np.log(np.clip(p, 1e-12, None)) / float(self.config["temperature_ensemble"]))
