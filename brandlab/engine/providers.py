"""Which onnxruntime execution provider serves a model: CUDA where it is available, else the CPU.

``onnx_providers()`` is what :class:`brandlab.nlp.sentiment_onnx.OnnxClassifier` hands to
``onnxruntime.InferenceSession``. With the ``onnxruntime-gpu`` wheel on a machine with a CUDA
device, ``CUDAExecutionProvider`` is listed by ``onnxruntime.get_available_providers()`` and is put
first (the CPU provider stays as onnxruntime's fallback for any operator CUDA lacks). Everywhere
else the list is ``["CPUExecutionProvider"]`` and the CPU path is unchanged.

``BRANDLAB_ONNX_PROVIDER=cpu`` forces the CPU even when a GPU is present (e.g. to compare).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
#: preferred order: first available wins, CPU always last
PREFERENCE = (CUDA, CPU)


def onnx_providers(available: Sequence[str] | None = None, *, force: str | None = None) -> list[str]:
    """Providers for an InferenceSession, best first; ``available`` defaults to onnxruntime's list."""
    force = (force if force is not None else os.environ.get("BRANDLAB_ONNX_PROVIDER", "")).strip().lower()
    if force == "cpu":
        return [CPU]
    if force not in ("", "auto", "cuda"):
        raise ValueError(f"BRANDLAB_ONNX_PROVIDER={force!r}: expected 'auto', 'cpu' or 'cuda'")
    if available is None:
        import onnxruntime

        available = onnxruntime.get_available_providers()
    chosen = [p for p in PREFERENCE if p in available and p != CPU]
    if force == "cuda" and CUDA not in chosen:
        raise ValueError(f"BRANDLAB_ONNX_PROVIDER=cuda but onnxruntime offers only {list(available)}; "
                         "install onnxruntime-gpu on a machine with a CUDA device, or unset it")
    return [*chosen, CPU]
