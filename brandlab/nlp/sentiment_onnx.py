"""The shipped sentiment model, served with onnxruntime and ``tokenizers`` (no torch).

Files in ``brandlab/models/sentiment/`` (written by ``brandlab train-sentiment``):
``model.int8.onnx`` (the small BERT, dynamically quantised), ``tokenizer.json``, ``baseline.npz``
(the n-gram part) and ``ensemble.json`` (labels, ensemble weight, temperatures, max length).

Texts are tokenised, sorted by length and run in batches padded only to the longest text of the
batch; results come back in input order.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
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


def session_count(threads: int) -> int:
    """How many one-thread sessions serve the model: ``threads`` when set, else the cores this
    process may use (``os.sched_getaffinity``, else ``os.cpu_count``)."""
    if threads > 0:
        return threads
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class OnnxClassifier:
    """Logits from a BERT-style ONNX graph (inputs input_ids, attention_mask).

    On the CPU the model is served by ``session_count(threads)`` sessions of one intra-op thread
    each, running different batches side by side from a small thread pool (onnxruntime releases the
    GIL): on 2 cores that beat one session of 2 threads, and a batch's logits do not depend on the
    thread count. Batches are cut exactly as before (texts sorted by token count, stable, runs of
    ``batch_size`` padded to their longest): the int8 graph quantises activations per batch, so the
    batches fix the scores.
    """

    def __init__(self, onnx_path: Path, tokenizer_path: Path, *, max_len: int = 128, threads: int = 0,
                 batch_size: int = 128) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from brandlab.engine.providers import CPU, onnx_providers

        providers = onnx_providers()
        on_cpu = providers[0] == CPU
        n_sessions = session_count(threads) if on_cpu else 1
        opts = ort.SessionOptions()
        if on_cpu or threads > 0:
            opts.intra_op_num_threads = 1 if on_cpu else threads
            opts.inter_op_num_threads = 1
        # no busy-waiting between batches: on shared cores spinning threads slow everyone (measured
        # 1,168 -> 2,420 posts/s with 2 threads at load average ~8 on 2 cores)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sessions: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for _ in range(n_sessions):
            self.sessions.put(ort.InferenceSession(str(onnx_path), opts, providers=providers))
        self.session = self.sessions.get()
        self.sessions.put(self.session)
        self.n_sessions = n_sessions
        self.pool = ThreadPoolExecutor(max_workers=n_sessions, thread_name_prefix="brandlab-onnx")
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=max_len)
        self.tokenizer.no_padding()
        self.batch_size = batch_size

    def batches(self, texts: Sequence[str]) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
        """(rows of ``texts``, model inputs) per batch: sorted by token count, padded to the longest."""
        encs = self.tokenizer.encode_batch_fast(list(texts))
        lengths = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        flat = np.fromiter(itertools.chain.from_iterable(e.ids for e in encs), dtype=np.int64,
                           count=int(lengths.sum()))
        starts = np.cumsum(lengths) - lengths
        order = np.argsort(lengths, kind="stable")
        out = []
        for s in range(0, len(order), self.batch_size):
            rows = order[s:s + self.batch_size]
            width = int(lengths[rows].max())
            mask = (np.arange(width)[None, :] < lengths[rows][:, None]).astype(np.int64)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            ids[mask.astype(bool)] = flat[(starts[rows][:, None] + np.arange(width)[None, :])[mask.astype(bool)]]
            feed: dict[str, np.ndarray] = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feed["token_type_ids"] = np.zeros_like(ids)
            out.append((rows, feed))
        return out

    def _run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        session = self.sessions.get()
        try:
            return np.asarray(session.run(None, feed)[0])
        finally:
            self.sessions.put(session)

    def submit(self, texts: Sequence[str]) -> Callable[[], np.ndarray]:
        """Start the batches of ``texts`` on the pool; the returned function waits for the logits."""
        parts = [(rows, self.pool.submit(self._run, feed)) for rows, feed in self.batches(texts)]
        n = len(texts)

        def result() -> np.ndarray:
            out: np.ndarray | None = None
            for rows, fut in parts:
                z = fut.result()
                if out is None:
                    out = np.zeros((n, z.shape[1]), dtype=np.float32)
                out[rows] = z
            return out if out is not None else np.zeros((0, 3), dtype=np.float32)

        return result

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        return self.submit(texts)()


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
        return self._combine(self.transformer.logits(texts), None)

    def _combine(self, logits: np.ndarray, p_ngram: np.ndarray | None) -> np.ndarray:
        p_tr = softmax(logits / float(self.config["temperature_transformer"]))
        if p_ngram is None:
            return p_tr
        w = float(self.config["weight_transformer"])
        p = w * p_tr + (1.0 - w) * p_ngram
        return softmax(np.log(np.clip(p, 1e-12, None)) / float(self.config["temperature_ensemble"]))

    def _start(self, texts: Sequence[str]) -> Callable[[], np.ndarray]:
        """Start the transformer's batches on the pool, score the n-gram part here meanwhile."""
        if self.part == "ngram":
            p = self.ngram.predict_proba(texts)
            return lambda: p
        pending = self.transformer.submit(texts)
        p_ngram = self.ngram.predict_proba(texts) if self.part == "ensemble" else None
        return lambda: self._combine(pending(), p_ngram)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities (n, 3) in :attr:`labels` order, for already-cleaned texts."""
        return self._start(texts)()

    def predict_chunks(self, chunks: Iterable[Sequence[str]]) -> Iterator[np.ndarray]:
        """:meth:`predict_proba` of each chunk, in order, the next chunk's batches started on the
        pool before this one's are collected (the pool never waits for tokenising or n-grams)."""
        pending: Callable[[], np.ndarray] | None = None
        for chunk in chunks:
            started = self._start(chunk)
            if pending is not None:
                yield pending()
            pending = started
        if pending is not None:
            yield pending()
