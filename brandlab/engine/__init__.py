"""Execution engines for the per-post stages: in this process (``local``) or on a Dask cluster (``dask``).

An :class:`Engine` maps a top-level function over partitions and yields the results *in input
order*, so a stage that concatenates them gets the same table on either engine. Functions sent to
workers build their heavy resources (tokenizer dictionaries, the sentiment model) through the
library's ``lru_cache`` factories, so each worker process loads them once and keeps them for every
later partition (:func:`resource_loads` reads those caches' miss counts to prove it).

What runs where with ``--engine dask``:

* ingest: every file is parsed on a worker (adapter detection + ``adapter.read``); the driver
  writes the parsed chunks to DuckDB in file order (DuckDB has one writer). See
  :mod:`brandlab.engine.ingest`.
* text stage: cleaning, segmentation and taxonomy tagging per partition of posts; keywords,
  generation attribution and shares on the driver.
* sentiment stage: the model scores partitions of texts on workers
  (:class:`brandlab.engine.cluster.ClusterSentimentBackend`); aggregates on the driver.
* network and triad stages: on the driver, over the aggregated author graph.

With ``--engine local`` (the default) on a machine of several cores, the text stage's partitions
run in one pool of forked processes (:func:`local_workers` of them, started once for the whole
``analyze``); the sentiment model scores in this process on its own intra-op threads, and ingest,
network and triad run here as well.

Open an engine with :func:`open_engine` (a context manager): ``Settings.engine`` picks the kind,
``Settings.scheduler`` an existing cluster's address (else a ``LocalCluster`` of ``n_workers``
single-threaded processes).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gc
import inspect
import itertools
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

from brandlab.config import Settings
from brandlab.engine.providers import onnx_providers

log = logging.getLogger(__name__)

__all__ = ["Engine", "LocalEngine", "open_engine", "stage_kwargs", "resource_loads", "onnx_providers",
           "default_workers", "local_workers"]


@runtime_checkable
class Engine(Protocol):
    """Where per-partition work runs."""

    name: str
    n_workers: int

    def map(self, fn: Callable[..., Any], items: Iterable[Any], *args: Any) -> Iterator[Any]:
        """``fn(item, *args)`` for each item, yielded in input order."""
        ...

    def close(self) -> None: ...


class LocalEngine:
    """This machine: with one worker, everything in this process, one partition after another; with
    ``n_workers > 1``, partitions run in a pool of that many forked processes.

    The pool starts at the first ``map`` given more than one partition and serves every later map
    (every stage of an ``analyze``) until :meth:`close`, so processes start, and import brandlab,
    once per engine rather than once per stage; the ``lru_cache`` factories (tokenizer, taxonomy)
    then build once per worker. Workers are forked after ``gc.freeze()``, so the parent's objects
    stay shared copy-on-write instead of being copied by the children's garbage collector. At most
    ``2 * n_workers`` partitions are in flight, and results are yielded in input order. Where the
    platform cannot fork (Windows, macOS spawn default) it falls back to one process.
    """

    name = "local"

    def __init__(self, n_workers: int = 1) -> None:
        can_fork = "fork" in multiprocessing.get_all_start_methods()
        self.n_workers = max(1, int(n_workers)) if can_fork else 1
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def map(self, fn: Callable[..., Any], items: Iterable[Any], *args: Any) -> Iterator[Any]:
        if self.n_workers <= 1:
            for item in items:
                yield fn(item, *args)
            return
        it = iter(items)
        first = list(itertools.islice(it, 2))
        if len(first) < 2 and self._pool is None:  # one partition: not worth starting processes
            for item in first:
                yield fn(item, *args)
            return
        pool = self._start()
        pending: deque[concurrent.futures.Future[Any]] = deque()
        try:
            for item in itertools.chain(first, it):
                pending.append(pool.submit(fn, item, *args))
                if len(pending) >= 2 * self.n_workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for fut in pending:  # the consumer stopped early or a partition failed
                fut.cancel()

    def _start(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            gc.collect()
            gc.freeze()  # keep the parent's heap out of the forked children's collections
            try:
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    self.n_workers, mp_context=multiprocessing.get_context("fork"))
                # fork every worker now, from this thread, while no result is being received
                list(self._pool.map(_ready, range(self.n_workers)))
            finally:
                gc.unfreeze()
            log.info("local engine: %d worker processes", self.n_workers)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _ready(_: int) -> int:
    return os.getpid()


def local_workers() -> int:
    """``BRANDLAB_LOCAL_WORKERS`` when set, else the CPU cores this process may use (at least 1)."""
    raw = os.environ.get("BRANDLAB_LOCAL_WORKERS", "")
    if raw:
        try:
            return max(1, int(raw))
        except ValueError as err:
            raise ValueError(f"BRANDLAB_LOCAL_WORKERS={raw!r} is not an integer; set a whole number or unset it") \
                from err
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """``BRANDLAB_DASK_WORKERS`` when set, else the number of CPU cores (at least 1)."""
    raw = os.environ.get("BRANDLAB_DASK_WORKERS", "")
    if raw:
        try:
            return max(1, int(raw))
        except ValueError as err:
            raise ValueError(f"BRANDLAB_DASK_WORKERS={raw!r} is not an integer; set a whole number or unset it") \
                from err
    return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def open_engine(settings: Settings, *, n_workers: int | None = None) -> Iterator[Engine]:
    """The engine ``settings.engine`` names, closed (cluster shut down) on exit."""
    if settings.engine == "local":
        local = LocalEngine(n_workers or local_workers())
        try:
            yield local
        finally:
            local.close()
        return
    if settings.engine != "dask":
        from brandlab.errors import format_message

        raise ValueError(format_message(f"unknown engine {settings.engine!r}", expected="'local' or 'dask'",
                                        fix="pass --engine local or --engine dask (BRANDLAB_ENGINE)"))
    from brandlab.engine.cluster import DaskEngine

    engine = DaskEngine(settings.scheduler, n_workers=n_workers or default_workers())
    try:
        yield engine
    finally:
        engine.close()


def stage_kwargs(module: Any, engine: Engine, settings: Settings) -> dict[str, Any]:
    """Keyword arguments that hand ``engine`` to a stage's ``run``.

    A stage whose ``run`` takes ``engine`` gets it. The sentiment stage takes a ``backend``: on a
    cluster it gets one that scores partitions on the workers. Others run on the driver.
    """
    if engine.name == "local" and engine.n_workers <= 1:
        return {}
    params = inspect.signature(module.run).parameters
    if "engine" in params:
        return {"engine": engine}
    if engine.name == "local":  # the model's own threads use the cores; no model copy per process
        return {}
    if module.__name__.endswith("sentiment_stage") and "backend" in params:
        from brandlab.engine.cluster import ClusterSentimentBackend

        return {"backend": ClusterSentimentBackend(engine, settings)}
    return {}


def resource_loads() -> dict[str, int]:
    """How many times this process has built each heavy resource (lru_cache misses).

    Run on every worker (``client.run(resource_loads)``) to check that each loads its tokenizer
    and model once however many partitions it processes.
    """
    from brandlab.nlp.taxonomy import _load
    from brandlab.nlp.tokenize import default_tokenizer

    out = {"tokenizer": default_tokenizer.cache_info().misses, "taxonomy": _load.cache_info().misses}
    try:
        from brandlab.nlp.sentiment import _backend
    except ImportError:  # the sentiment stage is optional
        return out
    out["sentiment_model"] = _backend.cache_info().misses
    return out
