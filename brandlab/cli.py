"""The ``brandlab`` command line. With ``brandlab/app``, the only place that catches BrandlabError.

Each subcommand is a thin wrapper over a library function. This module holds the click group
:func:`main` (the console script ``brandlab = "brandlab.cli:main"``), the helpers every command
uses (:func:`handle_errors`, which turns a BrandlabError into one red line and exit code 2,
:class:`TqdmProgress`, :func:`settings_from`) and the registration of the commands. The commands
live in :mod:`brandlab.commands`, one module per area:

========================  ==========================================
brandlab ingest           brandlab/commands/ingest.py
brandlab analyze          brandlab/commands/analyze.py
brandlab cascades         brandlab/commands/analyze.py
brandlab train-sentiment  brandlab/commands/train.py
brandlab compare          brandlab/commands/compare.py
brandlab outcomes ...     brandlab/commands/outcomes.py
brandlab reproduce        brandlab/commands/survey.py
brandlab demo / app       brandlab/commands/demo.py
brandlab report           brandlab/commands/report.py
brandlab bench            brandlab/commands/bench.py
========================  ==========================================

A command module imports its helpers from here and never catches BrandlabError itself.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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


# ---------------------------------------------------------------- commands (brandlab/commands/<area>.py)
# Imported after the helpers above, which the command modules import from here.
from brandlab.commands.analyze import analyze, cascades  # noqa: E402
from brandlab.commands.bench import bench  # noqa: E402
from brandlab.commands.compare import compare  # noqa: E402
from brandlab.commands.demo import app, demo  # noqa: E402
from brandlab.commands.ingest import ingest  # noqa: E402
from brandlab.commands.outcomes import outcomes  # noqa: E402
from brandlab.commands.report import report  # noqa: E402
from brandlab.commands.survey import reproduce  # noqa: E402
from brandlab.commands.train import train_sentiment  # noqa: E402

for _command in (ingest, analyze, cascades, train_sentiment, compare, outcomes, reproduce, demo, report, app, bench):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
