"""``brandlab report``: the self-contained HTML report (and summary XLSX) of the workspace."""

from __future__ import annotations

from pathlib import Path

import click

from brandlab.cli import handle_errors, settings_from


@click.command()
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True, help="HTML file to write.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--xlsx", type=click.Path(path_type=Path), default=None, help="Also write the summary XLSX here.")
@click.pass_context
@handle_errors
def report(ctx: click.Context, out: Path, lang: str, xlsx: Path | None) -> None:
    """Write the self-contained HTML report of the workspace (pseudonymised unless --no-pseudonymise)."""
    from brandlab.report.render import summary_xlsx, write_report
    from brandlab.workspace import open_workspace

    settings = settings_from(ctx)
    with open_workspace(settings.workspace) as ws:
        click.echo(f"wrote {write_report(ws, settings, out, lang=lang)}")
        if xlsx is not None:
            xlsx.write_bytes(summary_xlsx(ws, settings))
            click.echo(f"wrote {xlsx}")
