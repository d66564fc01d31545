"""``brandlab analyze`` (text, sentiment, network and triad stages) and ``brandlab cascades``
(cascade metrics of a DeepHawkes cascade file)."""

from __future__ import annotations

from pathlib import Path

import click

from brandlab.cli import TqdmProgress, handle_errors, settings_from


@click.command()
@click.option("--stage", "stages", multiple=True,
              help="Run only these stages (text, sentiment, network, triad); default all.")
@click.option("--sentiment-model", default=None,
              help="Path or Hugging Face id of a sequence-classification model (default: the shipped model).")
@click.option("--sentiment-labels", default=None, help="Label mapping for that model, e.g. 'LABEL_0=negative,...'.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default=None, help="Execution engine.")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster).")
@click.option("--workers", type=int, default=None,
              help="Worker processes of the Dask LocalCluster, or of the local engine's pool "
                   "(default: CPU cores; $BRANDLAB_LOCAL_WORKERS for the local engine).")
@click.option("--taxonomy", "taxonomy_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra taxonomy YAML extending the shipped city-brand taxonomy.")
@click.pass_context
@handle_errors
def analyze(ctx: click.Context, stages: tuple[str, ...], sentiment_model: str | None,
            sentiment_labels: str | None, engine: str | None, scheduler: str | None,
            taxonomy_files: tuple[str, ...], workers: int | None = None) -> None:
    """Run text analytics, sentiment, network and triad stages over the workspace."""
    from brandlab.pipeline import analyze as run_analyze
    from brandlab.workspace import open_workspace

    settings = settings_from(ctx).with_(
        sentiment_model=sentiment_model, sentiment_labels=sentiment_labels,
        engine=engine or settings_from(ctx).engine, scheduler=scheduler,
        taxonomy_files=tuple(taxonomy_files))
    bars: list[TqdmProgress] = []

    def on_stage(name: str) -> TqdmProgress:
        bar = TqdmProgress(name, unit="posts")
        bars.append(bar)
        return bar

    from brandlab.engine import open_engine

    with open_engine(settings, n_workers=workers) as eng, open_workspace(settings.workspace) as ws:
        results = run_analyze(ws, settings, stages=list(stages) or None, on_stage=on_stage, engine=eng)
    for b in bars:
        b.close()
    for stage, tables in results.items():
        for table, n in tables.items():
            click.echo(f"{stage:10s} {table:28s} {n:>10,d} rows")


# ---------------------------------------------------------------- network: DeepHawkes cascade files


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--platform", default="weibo", show_default=True, help="Platform the cascades come from.")
@click.option("--store", is_flag=True, default=False,
              help="Write cascade_nodes/cascade_metrics/cascade_growth (tree 'deephawkes') to the workspace.")
@click.option("--top", default=10, show_default=True, help="Print this many largest cascades.")
@click.pass_context
@handle_errors
def cascades(ctx: click.Context, path: Path, platform: str, store: bool, top: int) -> None:
    """Cascade metrics of a DeepHawkes cascade file (id, root user, time, size, paths u1/u2:delay)."""
    import pandas as pd

    from brandlab.network.deephawkes import read_deephawkes
    from brandlab.network.stage import measure_deephawkes

    frame = read_deephawkes(path)
    nodes, metrics, growth = measure_deephawkes(frame, platform)
    cols = ["root_id", "size", "depth", "max_breadth", "structural_virality", "t50_s", "t90_s", "n_repairs"]
    click.echo(f"{len(metrics):,} cascades, {len(nodes):,} nodes from {path}")
    with pd.option_context("display.width", 200, "display.float_format", "{:.4g}".format):
        click.echo(metrics[["size", "depth", "max_breadth", "structural_virality"]].describe().to_string())
        click.echo(metrics.sort_values("size", ascending=False, kind="stable")[cols].head(top).to_string(index=False))
    if store:
        from brandlab.schema import CASCADE_GROWTH, CASCADE_METRICS, CASCADE_NODE
        from brandlab.workspace import open_workspace

        settings = settings_from(ctx)
        with open_workspace(settings.workspace) as ws, ws.transaction():
            for schema, df in ((CASCADE_NODE, nodes), (CASCADE_METRICS, metrics), (CASCADE_GROWTH, growth)):
                ws.replace(df, schema, where={"tree": "deephawkes", "platform": platform})
        click.echo(f"stored in {settings.workspace} (tree 'deephawkes')")
