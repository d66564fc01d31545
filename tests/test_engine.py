"""Engines without a cluster: the local engine, engine selection, stage wiring and the ONNX provider choice."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from brandlab.config import Settings
from brandlab.engine import LocalEngine, default_workers, open_engine, resource_loads, stage_kwargs
from brandlab.engine.providers import CPU, CUDA, onnx_providers


def square_plus(x: int, k: int) -> int:
    return x * x + k


def test_local_engine_maps_in_order() -> None:
    assert list(LocalEngine().map(square_plus, [3, 1, 2], 10)) == [19, 11, 14]


def test_open_engine_local_and_unknown() -> None:
    with open_engine(Settings()) as engine:
        assert engine.name == "local"
    with pytest.raises(ValueError, match="unknown engine 'spark'"):
        with open_engine(Settings(engine="spark")):
            pass


def test_default_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANDLAB_DASK_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.setenv("BRANDLAB_DASK_WORKERS", "many")
    with pytest.raises(ValueError, match="BRANDLAB_DASK_WORKERS"):
        default_workers()


def test_stage_kwargs() -> None:
    def with_engine(ws: Any, settings: Any, *, on_progress: Any = None, engine: Any = None) -> None: ...

    def without(ws: Any, settings: Any, *, on_progress: Any = None) -> None: ...

    text = SimpleNamespace(__name__="brandlab.nlp.stage", run=with_engine)
    net = SimpleNamespace(__name__="brandlab.network.stage", run=without)
    cluster = SimpleNamespace(name="dask", n_workers=2)
    assert stage_kwargs(text, LocalEngine(), Settings()) == {}
    assert stage_kwargs(text, cluster, Settings()) == {"engine": cluster}  # type: ignore[arg-type]
    assert stage_kwargs(net, cluster, Settings()) == {}  # type: ignore[arg-type]


def test_text_stage_same_with_explicit_local_engine(ws: Any, fixtures_dir: Path) -> None:
    """Passing an engine changes where chunks run, not what they give."""
    import warnings

    from brandlab.ingest import ingest_paths
    from brandlab.nlp import stage

    ingest_paths(ws, [fixtures_dir / "demo" / "douyin-creator-center-SYNTHETIC"])
    settings = Settings(n_boot=20, as_of="2026-04-20")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stage.run(ws, settings)
        a = ws.sql("SELECT * FROM post_text ORDER BY platform, post_id")
        stage.run(ws, settings, engine=LocalEngine(), chunk_size=7)
        b = ws.sql("SELECT * FROM post_text ORDER BY platform, post_id")
    assert len(a) > 0 and a["tokens"].map(list).tolist() == b["tokens"].map(list).tolist()
    assert resource_loads()["tokenizer"] >= 1


# ------------------------------------------------------------------------------------ providers


@pytest.mark.parametrize(("available", "expected"), [
    ([CPU], [CPU]),
    (["AzureExecutionProvider", CPU], [CPU]),
    ([CUDA, CPU], [CUDA, CPU]),
    (["TensorrtExecutionProvider", CUDA, CPU], [CUDA, CPU]),
])
def test_provider_choice(available: list[str], expected: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRANDLAB_ONNX_PROVIDER", raising=False)
    assert onnx_providers(available) == expected


def test_provider_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    assert onnx_providers([CUDA, CPU], force="cpu") == [CPU]
    with pytest.raises(ValueError, match="onnxruntime-gpu"):
        onnx_providers([CPU], force="cuda")
    with pytest.raises(ValueError, match="expected 'auto'"):
        onnx_providers([CPU], force="tpu")
    monkeypatch.setenv("BRANDLAB_ONNX_PROVIDER", "cpu")
    assert onnx_providers([CUDA, CPU]) == [CPU]


def test_this_machine_uses_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    ort = pytest.importorskip("onnxruntime")
    monkeypatch.delenv("BRANDLAB_ONNX_PROVIDER", raising=False)
    if CUDA in ort.get_available_providers():
        pytest.skip("this machine has CUDA")
    assert onnx_providers() == [CPU]


def test_sentiment_session_asks_for_cuda_when_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped model's session gets CUDA first when onnxruntime lists it (no GPU needed to check)."""
    ort = pytest.importorskip("onnxruntime")
    from brandlab.nlp.sentiment_onnx import SHIPPED_DIR, OnnxClassifier

    if not (SHIPPED_DIR / "model.int8.onnx").is_file():
        pytest.skip("the shipped sentiment model is absent")
    monkeypatch.delenv("BRANDLAB_ONNX_PROVIDER", raising=False)
    asked: list[list[str]] = []
    real = ort.InferenceSession

    def spy(path: str, opts: Any = None, providers: list[str] | None = None, **kw: Any) -> Any:
        asked.append(list(providers or []))
        return real(path, opts, providers=[CPU], **kw)

    monkeypatch.setattr(ort, "InferenceSession", spy)
    monkeypatch.setattr(ort, "get_available_providers", lambda: [CUDA, CPU])
    OnnxClassifier(SHIPPED_DIR / "model.int8.onnx", SHIPPED_DIR / "tokenizer.json")
    monkeypatch.setattr(ort, "get_available_providers", lambda: [CPU])
    OnnxClassifier(SHIPPED_DIR / "model.int8.onnx", SHIPPED_DIR / "tokenizer.json", threads=2)
    # one session on CUDA; on the CPU one one-thread session per thread
    assert asked == [[CUDA, CPU], [CPU], [CPU]]


def test_dask_workers_do_not_rerun_a_script_main(monkeypatch) -> None:
    """Under Streamlit/AppTest ``__main__`` is a page script run from a path; spawned workers must
    not re-execute it (it opens the workspace the parent holds)."""
    import sys
    import types

    from brandlab.engine.cluster import _main_not_reimported

    script = types.ModuleType("__main__")
    script.__file__ = "/tmp/page_script.py"
    monkeypatch.setitem(sys.modules, "__main__", script)
    with _main_not_reimported():
        assert not hasattr(sys.modules["__main__"], "__file__")
    assert sys.modules["__main__"] is script
