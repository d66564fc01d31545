"""``brandlab ingest``: read exports (files or folders) into the workspace."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from brandlab.cli import TqdmProgress, handle_errors, settings_from


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", default=None, help="Force an adapter (see --list-formats) instead of detecting.")
@click.option("--as-of", "as_of", default=None,
              help="Anchor for relative times ('5分钟前') when a file has no crawl time, e.g. 2025-04-22.")
@click.option("--campaign", default=None, help="Label the ingested posts with this campaign.")
@click.option("--list-formats", is_flag=True, help="List the ingest adapters and exit.")
@click.option("--column-map", "column_map", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML/JSON column map for any other CSV/XLSX export (implies --format generic).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default=None,
              help="dask: parse files on Dask workers, write from here (default local or $BRANDLAB_ENGINE).")
@click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster).")
@click.option("--workers", type=int, default=None, help="LocalCluster worker processes (default: CPU cores).")
@click.pass_context
@handle_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], fmt: str | None, as_of: str | None,
           campaign: str | None, list_formats: bool, column_map: Path | None = None, engine: str | None = None,
           scheduler: str | None = None, workers: int | None = None) -> None:
    """Read exports (files or folders) into the workspace; print what was read, accepted, quarantined."""
    from brandlab.ingest import ingest_paths, load_adapters
    from brandlab.workspace import open_workspace

    if list_formats:
        for name in sorted(load_adapters()):
            click.echo(name)
        return
    if not paths:
        raise click.UsageError("give at least one file or folder (or --list-formats)")
    settings = settings_from(ctx)
    if column_map is not None:
        from brandlab.ingest.generic import use_column_map

        use_column_map(column_map)
        fmt = fmt or "generic"
    failed: list[str] = []
    bar: list[TqdmProgress] = []

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(TqdmProgress("ingest", unit="rows"))
        bar[0](done, total)

    def on_file(report: Any, path: Path, err: Exception | None) -> None:
        if bar:
            bar.pop().close()
        if err is not None:
            failed.append(str(path))
            click.secho(f"error: {err}", fg="red", err=True)
        else:
            click.echo(report.summary())

    settings = settings.with_(engine=engine or settings.engine, scheduler=scheduler or settings.scheduler)
    if column_map is not None and settings.engine != "local":
        click.echo("note: --column-map is read in this process; ingesting locally", err=True)
        settings = settings.with_(engine="local")
    from brandlab.engine import open_engine
    from brandlab.engine.ingest import ingest_paths_on

    with open_engine(settings, n_workers=workers) as eng, open_workspace(settings.workspace) as ws:
        if eng.name == "local":
            ingest_paths(ws, paths, fmt=fmt, as_of=as_of or settings.as_of, campaign=campaign,
                         on_progress=progress, on_file=on_file)
        else:
            ingest_paths_on(eng, ws, list(paths), fmt=fmt, as_of=as_of or settings.as_of, campaign=campaign,
                            on_progress=progress, on_file=on_file)
    if failed:
        click.secho(f"{len(failed)} file(s) failed and were left out (the workspace is unchanged for them)",
                    fg="red", err=True)
        sys.exit(2)
