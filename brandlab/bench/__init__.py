"""``brandlab bench``: stage timings beside baselines measured in the same run.

A benchmark module registers a function with :func:`register`. The function takes the
number of posts and a scratch directory and returns :class:`BenchResult` rows, each a
measurement of brandlab's implementation *and* of its baseline in the same process, so that
the ratio (not the absolute time) is what gets compared between runs on noisy machines.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class BenchResult:
    stage: str
    n_items: int
    unit: str                      # posts, rows, MB, nodes, edges
    seconds: float
    peak_rss_mb: float | None = None
    baseline: str | None = None    # what the baseline is, e.g. "pyarrow.csv.read_csv"
    baseline_seconds: float | None = None
    target: str | None = None      # the stated target, e.g. ">= 10x baseline"
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.n_items / self.seconds if self.seconds > 0 else float("inf")

    @property
    def baseline_throughput(self) -> float | None:
        if self.baseline_seconds is None:
            return None
        return self.n_items / self.baseline_seconds if self.baseline_seconds > 0 else float("inf")

    @property
    def ratio(self) -> float | None:
        """Speed relative to the baseline (>1 = faster than the baseline)."""
        if self.baseline_seconds is None or self.seconds <= 0:
            return None
        return self.baseline_seconds / self.seconds

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(throughput=self.throughput, baseline_throughput=self.baseline_throughput, ratio=self.ratio)
        return d


BenchFn = Callable[[int, Path], list[BenchResult]]
BENCHES: dict[str, BenchFn] = {}


def register(name: str) -> Callable[[BenchFn], BenchFn]:
    def deco(fn: BenchFn) -> BenchFn:
        BENCHES[name] = fn
        return fn
    return deco


class PeakRSS:
    """Track the peak resident set size (MB) of this process while a block runs.

    Samples /proc/self/statm every 20 ms, so short spikes may be missed; ``ru_maxrss`` is the
    lifetime peak and is reported beside it in the JSON.
    """

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._t: threading.Thread | None = None

    @staticmethod
    def current_mb() -> float:
        try:
            with open("/proc/self/statm") as f:
                pages = int(f.read().split()[1])
            return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self.current_mb())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self.peak_mb = self.current_mb()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._t:
            self._t.join()
        self.peak_mb = max(self.peak_mb, self.current_mb())


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    """``with timed() as t: ...`` then ``t[0]`` holds the elapsed seconds."""
    box = [0.0]
    start = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - start


def load_all() -> None:
    """Import every benchmark module so that it registers itself."""
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")


def run(names: list[str] | None, n_posts: int, workdir: Path,
        on_result: Callable[[BenchResult], None] | None = None) -> dict[str, Any]:
    """Run the named benchmarks (all when None) and return a JSON-able report."""
    load_all()
    chosen = names or sorted(BENCHES)
    unknown = [n for n in chosen if n not in BENCHES]
    if unknown:
        raise KeyError(f"unknown benchmark(s) {unknown}; choose from {sorted(BENCHES)}")
    results: list[BenchResult] = []
    for name in chosen:
        d = workdir / name
        d.mkdir(parents=True, exist_ok=True)
        for r in BENCHES[name](n_posts, d):
            r.extra.setdefault("bench", name)  # which registered benchmark measured it
            results.append(r)
            if on_result:
                on_result(r)
    from brandlab import __version__

    return {
        "brandlab_version": __version__,
        "n_posts": n_posts,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "results": [r.as_dict() for r in results],
    }


def format_table(report: dict[str, Any]) -> str:
    rows = [("stage", "items", "unit", "s", "items/s", "baseline", "base items/s", "ratio", "peak MB", "target")]
    for r in report["results"]:
        rows.append((
            r["stage"], f"{r['n_items']:,}", r["unit"], f"{r['seconds']:.2f}", f"{r['throughput']:,.0f}",
            r["baseline"] or "-",
            "-" if r["baseline_throughput"] is None else f"{r['baseline_throughput']:,.0f}",
            "-" if r["ratio"] is None else f"{r['ratio']:.2f}x",
            "-" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:,.0f}",
            r["target"] or "",
        ))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows)


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
