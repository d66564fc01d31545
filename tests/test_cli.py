"""brandlab.cli: the group, its helpers and the command modules of brandlab/commands."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import brandlab.cli as cli
from brandlab.cli import handle_errors, main
from brandlab.errors import InsufficientDataError

#: command name -> the module under brandlab/commands that defines it (as cli.py's docstring says)
HOMES = {
    "ingest": "ingest", "analyze": "analyze", "cascades": "analyze", "train-sentiment": "train",
    "compare": "compare", "outcomes": "outcomes", "reproduce": "survey", "demo": "demo", "app": "demo",
    "report": "report", "bench": "bench",
}
OUTCOMES = {"estimate", "summit", "exposure", "link"}
COMMANDS_DIR = pathlib.Path(cli.__file__).parent / "commands"


def test_every_command_registered_from_its_module() -> None:
    assert set(main.commands) == set(HOMES)
    for name, area in HOMES.items():
        cmd = main.commands[name]
        module = cmd.callback.__module__ if cmd.callback else ""
        assert module == f"brandlab.commands.{area}", name
        assert f"brandlab/commands/{area}.py" in (cli.__doc__ or ""), f"cli.py docstring does not name {area}.py"
    outcomes = main.commands["outcomes"]
    assert isinstance(outcomes, click.Group) and set(outcomes.commands) == OUTCOMES


def test_command_objects_still_reachable_on_cli() -> None:
    # brandlab.cli.<command> was the click command before the split; it still is
    for name in HOMES:
        assert getattr(cli, name.replace("-", "_")) is main.commands[name]


def _walk(group: click.Group, path: list[str]) -> list[tuple[list[str], click.Command]]:
    out: list[tuple[list[str], click.Command]] = [(path, group)]
    for name, cmd in sorted(group.commands.items()):
        out += _walk(cmd, [*path, name]) if isinstance(cmd, click.Group) else [([*path, name], cmd)]
    return out


@pytest.mark.parametrize(("path", "cmd"), _walk(main, []), ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_help_lists_every_option(path: list[str], cmd: click.Command) -> None:
    res = CliRunner().invoke(main, [*path, "--help"], terminal_width=200)
    assert res.exit_code == 0, res.output
    assert res.output.startswith(f"Usage: main {' '.join(path)}".rstrip())
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.opts[-1] in res.output, f"{param.opts} missing from {' '.join(path)} --help"


@pytest.mark.parametrize("area", sorted(set(HOMES.values())))
def test_importing_a_command_module_first_works(area: str) -> None:
    code = (f"import brandlab.commands.{area}\nimport json, brandlab.cli as c\n"
            "print(json.dumps(sorted(c.main.commands)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == sorted(HOMES)


def test_handle_errors_prints_one_line_and_exits_2() -> None:
    @click.command()
    @handle_errors
    def boom() -> None:
        raise InsufficientDataError("no posts for campaign 'x'; ingest some first")

    res = CliRunner().invoke(boom, [])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == ["error: no posts for campaign 'x'; ingest some first"]


def test_handle_errors_lets_other_exceptions_through() -> None:
    @click.command()
    @handle_errors
    def bug() -> None:
        raise KeyError("a bug, not a user error")

    res = CliRunner().invoke(bug, [])
    assert res.exit_code == 1 and isinstance(res.exception, KeyError)


def test_real_command_error_is_one_line(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "panel.csv"
    bad.write_text("city,period\n成都,2023-01\n", encoding="utf-8")
    sheet = tmp_path / "events.csv"
    sheet.write_text("event,city,date\nx,成都,2023-04-01\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["outcomes", "summit", str(bad), "--sheet", str(sheet)])
    assert res.exit_code == 2, res.output
    assert len(res.output.strip().splitlines()) == 1 and res.output.startswith("error: ")


@pytest.mark.parametrize("module", sorted(p.name for p in COMMANDS_DIR.glob("*.py")))
def test_command_modules_leave_brandlab_errors_to_handle_errors(module: str) -> None:
    text = (COMMANDS_DIR / module).read_text(encoding="utf-8")
    assert "except BrandlabError" not in text and "except Exception" not in text
    if module != "__init__.py":
        assert "from brandlab.cli import" in text and "@handle_errors" in text
