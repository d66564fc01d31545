"""``brandlab demo`` (the synthetic demo campaign end to end) and ``brandlab app`` (the local
Streamlit app)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from brandlab.cli import handle_errors, settings_from


def _workspace_for(ctx: click.Context, workspace: Path | None, default: Path) -> Path:
    """--workspace on the command, else on the group / $BRANDLAB_WORKSPACE, else ``default``."""
    from brandlab.config import DEFAULT_WORKSPACE

    if workspace is not None:
        return workspace
    ws = settings_from(ctx).workspace
    return default if ws == DEFAULT_WORKSPACE else ws


@click.command()
@click.option("--workspace", "-w", type=click.Path(path_type=Path), default=None,
              help="Demo workspace (default .brandlab/demo.duckdb; rebuilt from scratch).")
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=None,
              help="Write the HTML report here and exit without starting the app.")
@click.option("--no-browser", is_flag=True, help="Build the workspace and report, do not start the app.")
@click.option("--port", type=int, default=8501, show_default=True, help="Port of the local app.")
@click.pass_context
@handle_errors
def demo(ctx: click.Context, workspace: Path | None, report_path: Path | None, no_browser: bool, port: int) -> None:
    """Build a workspace from the SYNTHETIC demo campaign, analyse it, write the report, open the app."""
    from brandlab.demo.run import DEFAULT_WORKSPACE, build_demo, serve

    settings = settings_from(ctx)
    path = _workspace_for(ctx, workspace, DEFAULT_WORKSPACE)
    result = build_demo(settings.with_(workspace=path), workspace=path, report=report_path,
                        step=lambda msg: click.echo(msg, err=True))
    click.echo(f"demo workspace: {result.workspace}  (SYNTHETIC data)")
    click.echo(f"report: {result.report}")
    click.echo(f"done in {result.seconds:.1f}s")
    if report_path is not None or no_browser:
        click.echo(f"start the app with: BRANDLAB_WORKSPACE={result.workspace} streamlit run app.py")
        return
    sys.exit(serve(result.workspace, port=port, open_browser=True))


@click.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.pass_context
@handle_errors
def app(ctx: click.Context, port: int) -> None:
    """Start the Streamlit app on localhost over the workspace."""
    from brandlab.demo.run import serve

    sys.exit(serve(settings_from(ctx).workspace, port=port, open_browser=True))
