"""Sentiment throughput on short posts: the shipped int8 model beside the same model in fp32 ONNX
and, where torch is installed, the transformers pipeline over the training checkpoint.

All variants run in this one process on the same generated posts with 2 threads. The fp32 ONNX and
the torch checkpoint are work products of ``brandlab train-sentiment`` (``.train/export/`` and
``.train/checkpoint/``); variants whose files are absent are reported as skipped in the notes.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from brandlab.bench import BenchResult, PeakRSS, register, timed

THREADS = 2
TRAIN_DIR = Path(os.environ.get("BRANDLAB_TRAIN_DIR", ".train"))

_PHRASES = ["今天去了宽窄巷子", "火锅太好吃了", "排队两个小时，累死了", "风景真美", "服务态度一般", "下次还来",
            "地铁好挤", "夜景绝了", "价格有点贵", "这座城市很有烟火气", "酒店很干净", "再也不来了", "求攻略",
            "好想去", "人太多了", "太治愈了", "景区管理混乱", "小吃便宜又好吃", "天气不错", "路痴表示找不到"]
_TAILS = ["", "[哈哈]", "[赞]", "[泪]", "[doge]", "😂", "👍", "😭", "！", "~", "。。。", "#city walk#"]


def short_posts(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct deterministic short posts (1-3 phrases, a number, an emoticon or emoji; 8-50 chars),
    distinct so that scoring each distinct text once gives no shortcut."""
    rng = random.Random(seed)
    return ["，".join(rng.sample(_PHRASES, rng.randint(1, 3))) + f"，第{i}次" + rng.choice(_TAILS) for i in range(n)]


def _time(fn: object, texts: list[str]) -> tuple[float, float]:
    fn(texts[:64])  # type: ignore[operator]  # warm-up
    with PeakRSS() as mem, timed() as t:
        fn(texts)  # type: ignore[operator]
    return t[0], mem.peak_mb


@register("sentiment")
def bench_sentiment(n_posts: int, workdir: Path) -> list[BenchResult]:
    return measure(n_posts)


def measure(n_posts: int, model_dir: Path | None = None, train_dir: Path = TRAIN_DIR) -> list[BenchResult]:
    """Time every variant on ``n_posts`` short posts (shipped files in ``model_dir``)."""
    from brandlab.nlp.sentiment import predict
    from brandlab.nlp.sentiment_onnx import SHIPPED_DIR, ShippedModel

    model_dir = model_dir or SHIPPED_DIR
    texts = short_posts(n_posts)
    ship = ShippedModel(model_dir, threads=THREADS)
    int8_tr = ShippedModel(model_dir, threads=THREADS, part="transformer")
    notes: list[str] = []
    fp32_path = train_dir / "export" / "model.fp32.onnx"
    s_ship, m_ship = _time(lambda t: predict(t, ship), texts)
    s_tr, m_tr = _time(lambda t: predict(t, int8_tr), texts)
    fp32_s = fp32_tr_s = None
    if fp32_path.is_file():
        fp32_ship = ShippedModel(model_dir, threads=THREADS, onnx_path=fp32_path)
        fp32_tr = ShippedModel(model_dir, threads=THREADS, onnx_path=fp32_path, part="transformer")
        fp32_s, _ = _time(lambda t: predict(t, fp32_ship), texts)
        fp32_tr_s, _ = _time(lambda t: predict(t, fp32_tr), texts)
    else:
        notes.append(f"fp32 ONNX not found at {fp32_path} (run brandlab train-sentiment)")
    target = ">= 1,000 posts/s on 2 cores"
    results = [
        BenchResult("sentiment", n_posts, "posts", s_ship, m_ship,
                    baseline=None if fp32_s is None else "same ensemble with the fp32 ONNX transformer",
                    baseline_seconds=fp32_s, target=target,
                    notes="; ".join(["shipped: int8 transformer + n-gram ensemble, cleaning included", *notes]),
                    extra={"variant": "shipped ensemble int8", "threads": THREADS}),
        BenchResult("sentiment", n_posts, "posts", s_tr, m_tr,
                    baseline=None if fp32_tr_s is None else "same transformer part, fp32 ONNX",
                    baseline_seconds=fp32_tr_s, target=target,
                    notes="int8 transformer part alone, cleaning included",
                    extra={"variant": "transformer int8", "threads": THREADS}),
    ]
    ckpt = train_dir / "checkpoint"
    try:
        import torch
        from transformers import BertForSequenceClassification, PreTrainedTokenizerFast, pipeline
    except ImportError:
        results[0].notes += "; torch/transformers not installed: no pipeline comparison"
        return results
    if not (ckpt / "config.json").is_file():
        results[0].notes += f"; no torch checkpoint at {ckpt}: no pipeline comparison"
        return results
    torch.set_num_threads(THREADS)
    tok = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
                                  tokenizer_file=str(ckpt / "tokenizer.json"), unk_token="[UNK]", pad_token="[PAD]",
                                  cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    pipe = pipeline("text-classification", model=BertForSequenceClassification.from_pretrained(ckpt),
                    tokenizer=tok, device="cpu")
    max_len = int(ship.config["max_len"])
    s_pipe, m_pipe = _time(lambda t: pipe(t, batch_size=64, truncation=True, max_length=max_len), texts)
    results.append(BenchResult("sentiment", n_posts, "posts", s_pipe, m_pipe,
                               baseline="shipped int8 ensemble", baseline_seconds=s_ship,
                               notes="transformers pipeline, torch fp32, same checkpoint, batch 64 (no cleaning)",
                               extra={"variant": "transformers pipeline fp32", "threads": THREADS}))
    return results
