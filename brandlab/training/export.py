"""Export the trained transformer to ONNX, quantise it to int8, fit the ensemble and calibration on
validation, score every held-out split with the shipped files, and write the model folder.

Called by :func:`brandlab.training.run.train_sentiment` after training.
"""

from __future__ import annotations

import json
import platform
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from brandlab.training import evaluate as E
from brandlab.training.card import render_card
from brandlab.training.data import LABELS, split_sizes

if TYPE_CHECKING:
    from brandlab.training.run import TrainConfig


def export_onnx(ckpt: Path, out: Path, max_len: int) -> None:
    """fp32 ONNX with dynamic batch and sequence axes (inputs input_ids, attention_mask)."""
    import torch
    from transformers import BertForSequenceClassification

    model = BertForSequenceClassification.from_pretrained(ckpt)
    model.eval()  # type: ignore[no-untyped-call]
    model.config.return_dict = False

    class Wrapped(torch.nn.Module):
        def __init__(self, m: Any) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.m(input_ids=input_ids, attention_mask=attention_mask)[0]

    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(Wrapped(model), (ids, mask), str(out), input_names=["input_ids", "attention_mask"],
                      output_names=["logits"], opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                    "logits": {0: "batch"}})


def quantise(fp32: Path, int8: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)


def bench_shipped(cfg: TrainConfig, say: Callable[[str], None], n: int = 5000) -> dict[str, Any]:
    """Throughput of the files just written (the sentiment benchmark, run on them)."""
    import os

    from brandlab.bench.sentiment import measure

    results = measure(n, cfg.model_dir, cfg.out)
    load = os.getloadavg()[0]
    for r in results:
        say(f"bench: {r.extra.get('variant')}: {r.throughput:,.0f} posts/s (load {load:.1f})")
    return {"bench": [r.as_dict() for r in results], "bench_load": load}


def finish(cfg: TrainConfig, df: pd.DataFrame, stats: dict[str, int], say: Callable[[str], None]) -> dict[str, Any]:
    from brandlab.nlp.sentiment_onnx import OnnxClassifier, ShippedModel

    ckpt, exp = cfg.out / "checkpoint", cfg.out / "export"
    exp.mkdir(parents=True, exist_ok=True)
    export_onnx(ckpt, exp / "model.fp32.onnx", cfg.max_len)
    quantise(exp / "model.fp32.onnx", exp / "model.int8.onnx")
    shutil.copy(ckpt / "tokenizer.json", exp / "tokenizer.json")
    shutil.copy(cfg.out / "baseline.npz", exp / "baseline.npz")
    say(f"export: fp32 {(exp / 'model.fp32.onnx').stat().st_size / 2**20:.1f} MB, "
        f"int8 {(exp / 'model.int8.onnx').stat().st_size / 2**20:.1f} MB")

    held = df[df["split"] != "train"].copy()
    y = held["label"].map({lab: i for i, lab in enumerate(LABELS)}).to_numpy()
    is_val = (held["split"] == "val").to_numpy()
    with np.load(cfg.out / "preds" / "baseline.npz") as z:
        p_base = pd.DataFrame(z["proba"], index=z["index"]).loc[held.index].to_numpy()
    with np.load(cfg.out / "preds" / "transformer.npz") as z:
        z_torch = pd.DataFrame(z["logits"], index=z["index"]).loc[held.index].to_numpy()
    texts = held["text"].tolist()
    t0 = time.monotonic()
    z_fp32 = OnnxClassifier(exp / "model.fp32.onnx", exp / "tokenizer.json", max_len=cfg.max_len,
                            threads=cfg.threads).logits(texts)
    z_int8 = OnnxClassifier(exp / "model.int8.onnx", exp / "tokenizer.json", max_len=cfg.max_len,
                            threads=cfg.threads).logits(texts)
    say(f"export: scored {len(texts):,} held-out rows with fp32 and int8 ONNX in {time.monotonic() - t0:.0f}s; "
        f"max |torch - onnx fp32| logit {np.abs(z_torch - z_fp32).max():.2e}, "
        f"int8 vs fp32 argmax agreement {(z_int8.argmax(1) == z_fp32.argmax(1)).mean():.4f}")

    # calibration and ensemble weight: validation only; temperatures on the Weibo validation rows
    # (social posts, the only source with all three classes: the closest to what brandlab scores)
    is_weibo = (held["source"] == "weibo").to_numpy()
    cal = is_val & is_weibo
    t_tr = E.fit_temperature(z_int8[cal], y[cal])
    p_tr = E.softmax(z_int8 / t_tr)
    w = E.choose_weight(p_tr[is_val], p_base[is_val], y[is_val], is_weibo[is_val])
    log_mix = np.log(np.clip(E.mix(p_tr, p_base, w), 1e-12, None))
    t_en = E.fit_temperature(log_mix[cal], y[cal])
    config = {"labels": list(LABELS), "weight_transformer": w, "temperature_transformer": t_tr,
              "temperature_ensemble": t_en, "max_len": cfg.max_len}
    (exp / "ensemble.json").write_text(json.dumps(config, indent=2))
    say(f"calibration: T_transformer={t_tr:.3f}, ensemble weight={w}, T_ensemble={t_en:.3f}")

    # the shipped files, end to end, on every held-out split
    p_ship = ShippedModel(exp, threads=cfg.threads).predict_proba(texts)
    parts = {"baseline (char 1-3 TF-IDF + LR)": p_base,
             "transformer int8 (uncalibrated)": E.softmax(z_int8),
             "transformer int8 (calibrated)": p_tr,
             "transformer fp32 torch": E.softmax(z_torch),
             "ensemble (uncalibrated)": np.exp(log_mix),
             "ensemble, shipped (calibrated)": p_ship}
    rows = E.table(parts, held, "test") + E.table(parts, held, "val")
    test_weibo = (~is_val) & is_weibo
    gain = E.paired_gain(p_ship[test_weibo], p_base[test_weibo], y[test_weibo], seed=cfg.seed)
    say(f"weibo test accuracy gain of the shipped ensemble over the baseline: {gain}")
    metrics = {
        "config": {k: str(v) for k, v in cfg.__dict__.items()},
        "data": stats, "split_sizes": split_sizes(df).fillna(0).astype(int).to_dict(orient="index"),
        "ensemble": config, "results": rows, "weibo_gain": gain,
        "int8_fp32_agreement": float((z_int8.argmax(1) == z_fp32.argmax(1)).mean()),
        "train": json.loads((ckpt / "train_stats.json").read_text()),
        "sizes_mb": {n: round((exp / n).stat().st_size / 2**20, 2)
                     for n in ("model.int8.onnx", "model.fp32.onnx", "tokenizer.json", "baseline.npz")},
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }
    cfg.model_dir.mkdir(parents=True, exist_ok=True)
    for name in ("model.int8.onnx", "tokenizer.json", "baseline.npz", "ensemble.json"):
        shutil.copy(exp / name, cfg.model_dir / name)
    metrics.update(bench_shipped(cfg, say))
    (exp / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False))
    shutil.copy(exp / "metrics.json", cfg.model_dir / "metrics.json")
    (cfg.model_dir / "MODEL_CARD.md").write_text(render_card(metrics), encoding="utf-8")
    vocab = Path(__file__).resolve().parents[1] / "models" / "sentiment" / "vocab.txt"
    if (cfg.model_dir / "vocab.txt").resolve() != vocab.resolve():
        shutil.copy(vocab, cfg.model_dir / "vocab.txt")
    say(f"wrote {cfg.model_dir}\n" + pd.DataFrame(rows)[lambda d: d["split"] == "test"]
        .pivot_table(index="model", columns="source", values=["accuracy", "macro_f1"]).round(4).to_string())
    return metrics
