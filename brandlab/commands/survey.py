"""``brandlab reproduce``: compare a survey export with published findings."""

from __future__ import annotations

from pathlib import Path

import click

from brandlab.cli import handle_errors, settings_from


@click.command()
@click.argument("survey", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="YAML mapping the survey's questions to brandlab concepts (see brandlab/survey/mapping.py).")
@click.option("--findings", "findings_path", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Findings YAML (default: the BCG x Douyin 2020 study shipped with brandlab).")
@click.option("--workspace", "out_workspace", default=None, type=click.Path(path_type=Path),
              help="Also write respondents, answers, shares, tests, verdicts and quarantine to this workspace.")
@click.option("--n-boot", type=int, default=None, help="Bootstrap draws (default: settings, 1000).")
@click.option("--min-group-size", type=int, default=None, help="Smallest generation judged (default 30).")
@click.pass_context
@handle_errors
def reproduce(ctx: click.Context, survey: Path, mapping_path: str, findings_path: str | None,
              out_workspace: Path | None, n_boot: int | None, min_group_size: int | None) -> None:
    """Compare a 问卷星 / 腾讯问卷 survey with published findings: a verdict per finding."""
    import warnings

    from brandlab import survey as sv
    from brandlab.errors import SmallSampleWarning

    settings = settings_from(ctx).with_(**{k: v for k, v in (("n_boot", n_boot), ("min_group_size", min_group_size))
                                           if v is not None})
    data = sv.read_survey(survey, mapping_path, settings=settings)
    findings = sv.load_findings(findings_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)  # small groups are reported in the verdict table
        result = sv.analyze_survey(data, settings, findings=findings)
    gens = data.respondents["generation"].value_counts().to_dict()
    click.echo(f"{survey} ({data.source_format}): {len(data.respondents)} respondents "
               + ", ".join(f"{g} {gens.get(g, 0)}" for g in ("X", "Y", "Z", "unknown"))
               + f"; {len(data.quarantine)} answers quarantined")
    click.echo(f"findings: {findings.citation}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(sv.format_verdicts(result.verdicts))
    if len(data.quarantine):
        click.echo("quarantined (first 10):")
        click.echo(data.quarantine[["source_row", "column", "value", "reason"]].head(10).to_string(index=False))
    if out_workspace is not None:
        from brandlab.workspace import Workspace

        with Workspace(out_workspace) as ws:
            written = sv.write_results(ws, result)
        click.echo(f"wrote {', '.join(f'{t} {n}' for t, n in written.items())} to {out_workspace}")
