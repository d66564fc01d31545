"""``brandlab compare``: an A/B comparison of two sides of the workspace."""

from __future__ import annotations

from pathlib import Path

import click

from brandlab.cli import handle_errors, settings_from


@click.command()
@click.argument("side_a")
@click.argument("side_b")
@click.option("--platform", "platforms", multiple=True, help="Restrict both sides to these platforms.")
@click.option("--since", default=None, help="Only posts published at or after this time (e.g. 2023-04-01).")
@click.option("--until", default=None, help="Only posts published before this time.")
@click.option("--generation", "generations", multiple=True, type=click.Choice(["X", "Y", "Z", "unknown"]),
              help="Only posts by authors of these generations.")
@click.option("--metric", type=click.Choice(["engagement", "likes", "comments", "shares", "plays"]),
              default="engagement", show_default=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Also export the verdict and details as CSV and XLSX into this folder.")
@click.pass_context
@handle_errors
def compare(ctx: click.Context, side_a: str, side_b: str, platforms: tuple[str, ...], since: str | None,
            until: str | None, generations: tuple[str, ...], metric: str, out_dir: Path | None) -> None:
    """Compare two sides: '#话题#', 'tag:a,b', 'kw:火锅|串串' or 'campaign:NAME'."""
    import pandas as pd

    from brandlab.compare.api import compare_sides
    from brandlab.compare.sides import Filters
    from brandlab.compare.store import export_comparison, store_comparison
    from brandlab.workspace import open_workspace

    settings = settings_from(ctx)
    filters = Filters(platforms=platforms, since=since, until=until, generations=generations)
    with open_workspace(settings.workspace) as ws:
        comp = compare_sides(ws, side_a, side_b, settings=settings, filters=filters, metric=metric)
        store_comparison(ws, comp)
    cols = ["section", "test", "effect", "a_value", "b_value", "estimate", "lo", "hi", "p_value", "p_adjusted",
            "n_a", "n_b"]
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4g}".format):
        click.echo(f"A = {comp.side_a}   B = {comp.side_b}   (comparison {comp.comparison_id})")
        click.echo(comp.verdict[cols].to_string(index=False))
        if "keywords" in comp.details and len(comp.details["keywords"]):
            kw = comp.details["keywords"]
            for side in ("A", "B"):
                terms = kw[kw["side"] == side]["term"].head(10).tolist()
                click.echo(f"distinctive of {side}: {' '.join(terms) or '-'}")
    for note in comp.notes:
        click.echo(f"note: {note}")
    for w in comp.verdict["warning"].dropna().unique():
        if w:
            click.echo(f"warning: {w}")
    if out_dir is not None:
        paths = export_comparison(comp, out_dir, pseudonymised=settings.pseudonymise, salt=settings.pseudonym_salt)
        click.echo(f"exported {len(paths)} files to {out_dir}")
