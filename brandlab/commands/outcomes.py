"""``brandlab outcomes``: campaign effects on talent and tourism outcomes (estimate, summit,
exposure, link)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from brandlab.cli import handle_errors, settings_from


@click.group()
def outcomes() -> None:
    """Campaign effects on talent and tourism outcomes, against counterfactuals."""


@outcomes.command("estimate")
@click.argument("panels", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--events", "events_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Policy-event sheet (CSV/XLSX/YAML: city, date, kind, description).")
@click.option("--treated", required=True, help="Treated city, e.g. 成都.")
@click.option("--treatment", required=True,
              help="First treated period, e.g. 2023-04; 'exposure' = suggested from the stored exposure (printed).")
@click.option("--metric", "metrics", multiple=True, help="Metric(s) to estimate (default: all in the panel).")
@click.option("--estimator", "estimators", multiple=True, type=click.Choice(["synth", "did", "bsts", "its", "all"]),
              default=("all",), show_default=True)
@click.option("--donor", "donors", multiple=True, help="Comparison cities (default: every other city).")
@click.option("--start", default=None, help="First period of the estimation window.")
@click.option("--end", default=None, help="Last period of the estimation window.")
@click.option("--offset-metric", default=None, help="ITS exposure offset, e.g. resident_population.")
@click.option("--store/--no-store", default=True, show_default=True, help="Write results to the workspace.")
@click.pass_context
@handle_errors
def outcomes_estimate(ctx: click.Context, panels: tuple[Path, ...], events_path: Path | None, treated: str,
                      treatment: str, metrics: tuple[str, ...], estimators: tuple[str, ...], donors: tuple[str, ...],
                      start: str | None, end: str | None, offset_metric: str | None, store: bool) -> None:
    """Estimate the campaign effect with each estimator; the naive before/after number sits beside it."""
    import warnings

    import pandas as pd

    from brandlab.errors import FitWarning
    from brandlab.outcomes.api import ESTIMATORS, estimate
    from brandlab.outcomes.api import store as store_results
    from brandlab.outcomes.panel import read_events, read_panel
    from brandlab.outcomes.result import results_table
    from brandlab.workspace import open_workspace

    settings = settings_from(ctx)
    panel = pd.concat([read_panel(p) for p in panels], ignore_index=True)
    if treatment == "exposure":
        treatment = _treatment_from_exposure(settings.workspace, panel, treated, metrics)
    events = read_events(events_path) if events_path else None
    chosen = list(ESTIMATORS) if "all" in estimators else list(dict.fromkeys(estimators))
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)  # printed below from each result's warnings list
        for metric in metrics or sorted(panel["metric"].unique()):
            results += estimate(panel, metric=metric, treated=treated, treatment=treatment, estimators=chosen,
                                donors=list(donors) or None, events=events, start=start, end=end,
                                offset_metric=offset_metric, seed=settings.seed)
    table = results_table(results)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:,.4g}".format):
        click.echo(table.drop(columns=["treated"]).to_string(index=False))
    for r in results:
        for w in r.warnings:
            click.secho(f"warning [{r.estimator} {r.metric}]: {w}", fg="yellow")
    if store:
        with open_workspace(settings.workspace) as ws:
            written = store_results(ws, panel, events, results)
        click.echo(", ".join(f"{k}: {v} rows" for k, v in written.items()) + f" -> {settings.workspace}")


def _treatment_from_exposure(workspace: Path, panel: Any, treated: str, metrics: tuple[str, ...]) -> str:
    """The treatment period suggested by the treated city's stored exposure, announced before it is used."""
    from brandlab.outcomes.exposure import ALL_CAMPAIGNS
    from brandlab.outcomes.linkage import align_exposure, suggest_treatment
    from brandlab.workspace import open_workspace

    with open_workspace(workspace, read_only=True) as ws:
        exposure = ws.read("exposure_series", where="city = ? AND metric = 'posts'", params=[treated])
    metric = metrics[0] if metrics else sorted(panel.loc[panel["city"] == treated, "metric"].unique())[0]
    s = suggest_treatment(align_exposure(exposure, panel, city=treated, metric=metric, campaign=ALL_CAMPAIGNS))
    click.secho(f"treatment from exposure: {s.period:%Y-%m-%d} ({s.reason}); pass --treatment to override",
                fg="cyan")
    return f"{s.period:%Y-%m-%d}"


@outcomes.command("summit")
@click.argument("panels", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Event sheet (CSV/XLSX/YAML): event, city, date and the red-line inputs.")
@click.option("--metric", "metrics", multiple=True, help="Metrics for the windows (default: all).")
@handle_errors
def outcomes_summit(panels: tuple[Path, ...], sheet: Path, metrics: tuple[str, ...]) -> None:
    """Three windows of each event's effect per metric, and the three red lines."""
    import pandas as pd

    from brandlab.outcomes.panel import read_panel
    from brandlab.outcomes.summit import read_event_sheet, red_lines, summit_windows

    panel = pd.concat([read_panel(p) for p in panels], ignore_index=True)
    events = read_event_sheet(sheet)
    lines = red_lines(events)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:,.4g}".format):
        for i in range(len(events)):
            ev = events.iloc[i]
            click.secho(f"{ev['event']} ({ev['city']}, {ev['date']})", bold=True)
            win = summit_windows(panel, str(ev["city"]), ev["date"], metrics=list(metrics) or None)
            click.echo(win.drop(columns=["city"]).to_string(index=False))
            mine = lines[lines["event"] == str(ev["event"])]
            for _, r in mine.iterrows():
                state = "n/a" if pd.isna(r["breached"]) else ("BREACHED" if r["breached"] else "ok")
                click.echo(f"  red line {r['label']}: {r['value']:.3g} ({r['side']} {r['threshold']:g}?) {state} "
                           f"{r['note']}")


@outcomes.command("exposure")
@click.option("--campaign", "pairs", multiple=True, help="CAMPAIGN=CITY (repeatable); posts found by their campaign.")
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML: campaigns {name: {city, hashtags}}, city_keywords, freq, half_life "
                   "(see fixtures/demo/outcomes/exposure_mapping.yaml).")
@click.option("--index", "index_paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Search-index export (e.g. Baidu index CSV: a date column, one column per keyword).")
@click.option("--keyword", "keywords", multiple=True, help="KEYWORD=CITY for each --index column (repeatable).")
@click.option("--freq", type=click.Choice(["D", "W", "M"]), default=None,
              help="Period of the series [default: the mapping's, else W].")
@click.option("--half-life", type=float, default=None, help="Adstock half-life in periods [default: mapping's, else 0].")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the rows to this CSV.")
@click.option("--store/--no-store", default=True, show_default=True, help="Write exposure_series to the workspace.")
@click.pass_context
@handle_errors
def outcomes_exposure(ctx: click.Context, pairs: tuple[str, ...], mapping_path: Path | None,
                      index_paths: tuple[Path, ...], keywords: tuple[str, ...], freq: str | None,
                      half_life: float | None, out: Path | None, store: bool) -> None:
    """Exposure series per city and campaign (workspace posts and/or index CSVs), adstocked, into exposure_series."""
    import dataclasses

    import pandas as pd

    from brandlab.outcomes.api import store_exposure, workspace_exposure
    from brandlab.outcomes.exposure import ExposureMapping, index_rows, read_exposure_mapping, read_index_csv
    from brandlab.workspace import open_workspace

    def split(items: tuple[str, ...], hint: str, what: str) -> dict[str, str]:
        got = {}
        for item in items:
            if "=" not in item:
                raise click.BadParameter(f"{item!r}: write {what}=CITY", param_hint=hint)
            k, v = item.split("=", 1)
            got[k.strip()] = v.strip()
        return got

    if not (pairs or mapping_path or index_paths):
        raise click.UsageError("give --campaign CAMPAIGN=CITY, --mapping FILE or --index FILE")
    mapping = read_exposure_mapping(mapping_path) if mapping_path else ExposureMapping({}, freq="W")
    mapping = dataclasses.replace(mapping, campaign_city={**mapping.campaign_city, **split(pairs, "--campaign",
                                                                                            "CAMPAIGN")})
    mapping = dataclasses.replace(mapping, freq=freq or mapping.freq,
                                  half_life=mapping.half_life if half_life is None else half_life)
    frames = []
    settings = settings_from(ctx)
    if mapping.campaign_city:
        with open_workspace(settings.workspace, read_only=True) as ws:
            frames.append(workspace_exposure(ws, mapping))
    kw = split(keywords, "--keyword", "KEYWORD")
    for path in index_paths:
        frames.append(index_rows(read_index_csv(path, freq=mapping.freq), kw, half_life=mapping.half_life,
                                 source=path.name))
    rows = pd.concat(frames, ignore_index=True)
    for (city, campaign), g in rows.groupby(["city", "campaign"]):
        click.echo(f"{city} / {campaign}: {g['period'].nunique()} periods ({mapping.freq}), "
                   + ", ".join(f"{m} {v:,.4g}" for m, v in g.groupby("metric")["value"].sum().items()
                               if m not in ("share_of_voice", "search_index")))
    if out is not None:
        rows.to_csv(out, index=False)
        click.echo(f"wrote {len(rows)} rows to {out}")
    if store:
        with open_workspace(settings.workspace) as ws:
            written = store_exposure(ws, rows)
        click.echo(f"exposure_series: {written['exposure_series']} rows -> {settings.workspace}")


@outcomes.command("link")
@click.argument("panels", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--city", required=True, help="City whose exposure and outcome are put side by side, e.g. 成都.")
@click.option("--metric", "metric", required=True, help="Outcome metric, e.g. tourist_arrivals.")
@click.option("--exposure-metric", default="posts", show_default=True,
              type=click.Choice(["posts", "plays", "reads", "engagement", "share_of_voice", "search_index"]))
@click.option("--campaign", default="all", show_default=True, help="Campaign (or index keyword); all = city total.")
@click.option("--max-lag", type=int, default=6, show_default=True, help="Largest lead of exposure, in outcome periods.")
@click.option("--transform", type=click.Choice(["diff", "level"]), default="diff", show_default=True)
@click.option("--n-perm", type=int, default=1999, show_default=True, help="Block permutations of the exposure.")
@click.option("--suggest-treatment", is_flag=True, help="Also print a treatment date suggested by the exposure rise.")
@click.option("--store/--no-store", default=True, show_default=True,
              help="Write exposure_outcome and exposure_lags to the workspace.")
@click.pass_context
@handle_errors
def outcomes_link(ctx: click.Context, panels: tuple[Path, ...], city: str, metric: str, exposure_metric: str,
                  campaign: str, max_lag: int, transform: str, n_perm: int, suggest_treatment: bool,
                  store: bool) -> None:
    """Stored exposure beside an outcome (PANELS, else the workspace's), with a lagged-correlation summary."""
    import warnings

    import pandas as pd

    from brandlab.errors import FitWarning
    from brandlab.outcomes.api import link_exposure, store_link
    from brandlab.outcomes.panel import read_panel
    from brandlab.workspace import open_workspace

    settings = settings_from(ctx)
    panel = pd.concat([read_panel(p) for p in panels], ignore_index=True) if panels else None
    with open_workspace(settings.workspace, read_only=not store) as ws:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)  # printed below from link.warnings
            link = link_exposure(ws, panel, city=city, metric=metric, exposure_metric=exposure_metric,
                                 campaign=campaign, max_lag=max_lag, transform=transform, n_perm=n_perm,
                                 seed=settings.seed, store=False)
        written = store_link(ws, link) if store else {}
    shown = link.aligned[link.aligned["exposure"].notna()]
    with pd.option_context("display.width", 200, "display.float_format", "{:,.4g}".format):
        click.echo(shown[["period", "exposure", "exposure_adstocked", "outcome", "coverage"]].to_string(index=False))
        if link.summary is not None:
            click.echo(link.summary.table.to_string(index=False))
            click.echo(link.summary.statement())
    for w in link.warnings:
        click.secho(f"warning: {w}", fg="yellow")
    if suggest_treatment and link.suggestion is not None:
        s = link.suggestion
        click.echo(f"suggested treatment: {s.period:%Y-%m-%d} ({s.reason}); pass it with --treatment to use it")
    if written:
        click.echo(", ".join(f"{k}: {v} rows" for k, v in written.items()) + f" -> {settings.workspace}")
