"""Ingest: one module per exporter, each with a pure ``parse(records)`` and a thin ``read(path)``.

Public verbs: :func:`ingest_file`, :func:`ingest_paths`, :func:`detect`. Adapters register
themselves with :func:`register_adapter` when their module is imported; :func:`load_adapters`
imports them all. Shared value parsing lives in :mod:`brandlab.ingest.values`.
"""

from __future__ import annotations

from brandlab.ingest.base import (
    ADAPTERS,
    Adapter,
    Head,
    IngestReport,
    Parsed,
    ReadContext,
    detect,
    load_adapters,
    quarantine_rows,
    register_adapter,
)
from brandlab.ingest.driver import ingest_file, ingest_paths

__all__ = [
    "ADAPTERS", "Adapter", "Head", "IngestReport", "Parsed", "ReadContext", "detect", "ingest_file",
    "ingest_paths", "load_adapters", "quarantine_rows", "register_adapter",
]
