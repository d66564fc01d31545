"""The Dask engine: a ``distributed`` client on an existing scheduler or on a ``LocalCluster``.

Workers are single-threaded processes (our per-post code is Python that holds the GIL, and the
model is given one intra-op thread per worker), so ``n_workers`` is the parallelism. Results come
back in input order; at most ``2 * n_workers`` partitions are in flight, so the driver never holds
more than that many results at once.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import types
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from brandlab.config import Settings
from brandlab.errors import ModelUnavailableError, format_message

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _main_not_reimported() -> Iterator[None]:
    """Hide a ``__main__`` that multiprocessing would re-run in each spawned worker.

    Spawned processes re-execute the parent's ``__main__`` when it was run from a file path (no
    ``__spec__`` name) — under Streamlit (or its AppTest) that is the page script, which opens the
    workspace the parent already holds, and the worker dies ("Nanny failed to start"). Workers
    need only importable brandlab code, so a bare module stands in while they start.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(getattr(main, "__spec__", None), "name", None):
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class DaskEngine:
    """Partitions run as Dask tasks; ``scheduler=None`` starts a LocalCluster of ``n_workers``."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, *, n_workers: int = 2, window: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:
            raise ModelUnavailableError(format_message(
                "the dask engine needs dask.distributed, which is not installed",
                fix="pip install 'brandlab[dask]' (or use --engine local)")) from err
        self.cluster: Any = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="30s")
            except OSError as err:
                raise ModelUnavailableError(format_message(
                    f"cannot reach the Dask scheduler at {scheduler!r}: {err}",
                    expected="a running `dask scheduler` whose address is tcp://HOST:8786",
                    fix="start it (see README, Scale), check the address and firewall, or drop --scheduler "
                        "to use a LocalCluster")) from err
        else:
            with _main_not_reimported():
                self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                            dashboard_address=":0", silence_logs=logging.WARNING)
            self.client = Client(self.cluster)
        workers = self.client.scheduler_info().get("workers", {})
        self.n_workers = max(1, len(workers) or n_workers)
        self.window = window or 2 * self.n_workers
        log.info("dask engine: %d workers at %s", self.n_workers, self.client.scheduler.address)

    def map(self, fn: Callable[..., Any], items: Iterable[Any], *args: Any) -> Iterator[Any]:
        pending: deque[Any] = deque()
        for item in items:
            pending.append(self.client.submit(fn, item, *args, pure=False))
            if len(pending) >= self.window:
                yield self._take(pending)
        while pending:
            yield self._take(pending)

    @staticmethod
    def _take(pending: deque[Any]) -> Any:
        fut = pending.popleft()
        try:
            return fut.result()
        finally:
            fut.release()

    def run_on_workers(self, fn: Callable[[], Any]) -> dict[str, Any]:
        """``fn()`` on every worker: {worker address: result}."""
        return dict(self.client.run(fn))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


# ------------------------------------------------------------------------------------ sentiment


def _worker_settings(key: tuple[str | None, str | None, int]) -> Settings:
    model, labels, threads = key
    return Settings(sentiment_model=model, sentiment_labels=labels, threads=threads)


def backend_name(key: tuple[str | None, str | None, int]) -> str:
    """The name of the backend a worker builds for ``key`` (loads it there, once)."""
    from brandlab.nlp.sentiment import get_backend

    return str(get_backend(_worker_settings(key)).name)


def predict_part(texts: list[str], key: tuple[str | None, str | None, int]) -> np.ndarray:
    """Probabilities for cleaned texts, with the worker's cached backend."""
    from brandlab.nlp.sentiment import get_backend

    return np.asarray(get_backend(_worker_settings(key)).predict_proba(texts))


class ClusterSentimentBackend:
    """A :class:`~brandlab.nlp.sentiment.SentimentBackend` whose model lives on the workers.

    Each ``predict_proba`` call is split into one part per worker; every worker builds the backend
    ``settings`` names once (lru_cache in :func:`brandlab.nlp.sentiment.get_backend`) and keeps it.
    With ``Settings.threads == 0`` each worker gives the model one thread (workers are the
    parallelism; more threads per worker would oversubscribe the cores).
    """

    def __init__(self, engine: Any, settings: Settings, *, min_part: int = 64) -> None:
        self.engine = engine
        self.key = (settings.sentiment_model, settings.sentiment_labels, settings.threads or 1)
        self.min_part = min_part
        self.name = next(iter(engine.map(backend_name, [self.key])))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, 3))
        order, batch = shipped_batches(texts, self.key)
        size = max(self.min_part, math.ceil(len(texts) / self.engine.n_workers))
        size = math.ceil(size / batch) * batch
        parts = [order[i:i + size] for i in range(0, len(order), size)]
        out = np.zeros((len(texts), 3))
        for rows, proba in zip(parts, self.engine.map(predict_part, [[texts[j] for j in r] for r in parts], self.key),
                               strict=True):
            out[rows] = proba
        return out


def shipped_batches(texts: Sequence[str], key: tuple[str | None, str | None, int]) -> tuple[np.ndarray, int]:
    """The order and batch size in which the shipped model's classifier batches ``texts``.

    Its int8 graph quantises activations per batch (dynamic quantisation), so a text's scores depend
    on the texts it shares a batch with. The classifier sorts texts by token count (stable) and cuts
    batches of ``batch_size``; parts cut from that same order at multiples of ``batch_size`` give every
    worker exactly the local engine's batches, hence the same scores. Other backends: input order, 1.
    """
    if key[0] not in (None, "shipped", "brandlab"):
        return np.arange(len(texts)), 1
    import inspect

    from brandlab.nlp.sentiment_onnx import OnnxClassifier

    tok = _shipped_tokenizer()
    lengths = np.array([len(e.ids) for e in tok.encode_batch(list(texts))], dtype=np.int64)
    batch = int(inspect.signature(OnnxClassifier.__init__).parameters["batch_size"].default)
    return np.argsort(lengths, kind="stable"), batch


@lru_cache(maxsize=1)
def _shipped_tokenizer() -> Any:
    import json

    from tokenizers import Tokenizer

    from brandlab.nlp.sentiment_onnx import SHIPPED_DIR

    tok = Tokenizer.from_file(str(SHIPPED_DIR / "tokenizer.json"))
    tok.enable_truncation(max_length=int(json.loads((SHIPPED_DIR / "ensemble.json").read_text())["max_len"]))
    tok.no_padding()
    return tok
