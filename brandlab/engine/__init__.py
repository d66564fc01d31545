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

Open an engine with :func:`open_engine` (a context manager): ``Settings.engine`` picks the kind,
``Settings.scheduler`` an existing cluster's address (else a ``LocalCluster`` of ``n_workers``
single-threaded processes).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

from brandlab.config import Settings
from brandlab.engine.providers import onnx_providers

log = logging.getLogger(__name__)

__all__ = ["Engine", "LocalEngine", "open_engine", "stage_kwargs", "resource_loads", "onnx_providers",
           "default_workers"]


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
    """Everything in this process, one partition after another."""

    name = "local"
    n_workers = 1

    def map(self, fn: Callable[..., Any], items: Iterable[Any], *args: Any) -> Iterator[Any]:
        for item in items:
            yield fn(item, *args)

    def close(self) -> None:
        return None


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
        yield LocalEngine()
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
    if engine.name == "local":
        return {}
    params = inspect.signature(module.run).parameters
    if "engine" in params:
        return {"engine": engine}
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
