"""Helpers for the sentiment tests: a tiny Hugging Face model saved locally (seeded random init)."""

from __future__ import annotations

from pathlib import Path

from brandlab.nlp.sentiment_onnx import SHIPPED_DIR


def save_tiny_hf_model(folder: Path, num_labels: int = 2) -> Path:
    """A 1-layer BERT sequence classifier with the shipped tokenizer, saved with save_pretrained()."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(tokenizer_file=str(SHIPPED_DIR / "tokenizer.json"), unk_token="[UNK]",
                                  pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=130, num_labels=num_labels)
    BertForSequenceClassification(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder
