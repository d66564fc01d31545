"""``brandlab bench``: time each stage beside its baseline in the same run."""

from __future__ import annotations

from pathlib import Path

import click

from brandlab.cli import handle_errors


@click.command()
@click.option("--stage", "stages", multiple=True, help="Benchmarks to run (default: all registered).")
@click.option("--size", "-n", type=int, default=10_000, show_default=True, help="Number of posts to generate.")
@click.option("--workdir", type=click.Path(path_type=Path), default=Path(".bench"), show_default=True)
@click.option("--json", "json_out", type=click.Path(path_type=Path), default=None,
              help="Write the report as JSON (default: WORKDIR/bench-N.json).")
@click.option("--list", "list_only", is_flag=True, help="List the registered benchmarks and exit.")
@click.option("--compare", "compare_to", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="An earlier bench JSON: also print each stage's throughput now / then.")
@handle_errors
def bench(stages: tuple[str, ...], size: int, workdir: Path, json_out: Path | None, list_only: bool,
          compare_to: Path | None = None) -> None:
    """Time each stage beside its baseline in the same run; print a table and write JSON."""
    from brandlab import bench as b

    b.load_all()
    if list_only:
        for name in sorted(b.BENCHES):
            click.echo(name)
        return

    def show(r: b.BenchResult) -> None:
        ratio = "" if r.ratio is None else f"  ({r.ratio:.2f}x {r.baseline})"
        click.echo(f"  {r.stage}: {r.throughput:,.0f} {r.unit}/s{ratio}", err=True)

    try:
        report = b.run(list(stages) or None, size, workdir, on_result=show)
    except KeyError as err:
        raise click.BadParameter(str(err.args[0]), param_hint="--stage") from err
    click.echo(b.format_table(report))
    out = json_out or workdir / f"bench-{size}.json"
    b.write_json(report, out)
    click.echo(f"wrote {out}")
    if compare_to is not None:
        import json

        from brandlab.bench.pipeline import compare_reports

        click.echo(compare_reports(json.loads(compare_to.read_text(encoding="utf-8")), report))
