"""`heard-admin`: the officers' command line. Each command group lives in its own module; how failures, help
and --version look is shared with `heard-bot` (surveys/command_line.py).

Only the group a command names is imported: the groups pull in openpyxl, pyxform, pandas, WeasyPrint, aiogram
and Alembic between them, and importing all of them made every command (even `--version`) spend seconds
starting. `--help`, an unknown name or no arguments load them all, so help always lists everything."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

import typer

from surveys import command_line

HELP = ("Heard for officers: surveys, waves, distributors, results, reports and translations. "
        "Reads heard.toml (or $HEARD_CONFIG).")


def _surveys(app: typer.Typer) -> None:
    from admin import survey_commands, xlsform_commands

    xlsform_commands.register(survey_commands.app)
    app.add_typer(survey_commands.app, name="surveys")


def _results(app: typer.Typer) -> None:
    from admin import export_commands, outreach_commands, result_commands

    export_commands.register(result_commands.app)
    outreach_commands.register(result_commands.app)
    app.add_typer(result_commands.app, name="results")


def _privacy(app: typer.Typer) -> None:
    from admin import outreach_commands

    app.add_typer(outreach_commands.privacy_app, name="privacy")


def _report(app: typer.Typer) -> None:
    from admin import report_commands

    report_commands.register(app)


def _group(module: str, name: str) -> Callable[[typer.Typer], None]:
    def add(app: typer.Typer) -> None:
        app.add_typer(importlib.import_module(f"admin.{module}").app, name=name)

    return add


#: Each top-level command and how to add it, in the order `--help` lists them.
COMMANDS: dict[str, Callable[[typer.Typer], None]] = {
    "surveys": _surveys,
    "results": _results,
    "translations": _group("translation_commands", "translations"),
    "distributors": _group("distributor_commands", "distributors"),
    "import": _group("import_commands", "import"),
    "waves": _group("wave_commands", "waves"),
    "privacy": _privacy,
    "report": _report,
}


def build_app(names: Sequence[str] = tuple(COMMANDS)) -> typer.Typer:
    """The command line with the named top-level commands (all by default)."""
    app = typer.Typer(add_completion=False, no_args_is_help=True, help=HELP,
                      context_settings=command_line.CONTEXT_SETTINGS)

    @app.callback()
    def _options(
        version: bool = command_line.version_option(),
        debug: bool = command_line.debug_option(),
    ) -> None:
        """Heard for officers: surveys, waves, distributors, results, reports and translations."""

    for name in names:
        COMMANDS[name](app)
    return app


def commands_needed(args: Sequence[str]) -> tuple[str, ...]:
    """The one top-level command the arguments name, or all of them when they name none we know (help, a
    typo: the full list is then the answer)."""
    named = next((a for a in args if not a.startswith("-")), None)
    if named in COMMANDS:
        return (named,)
    return () if named is None and "--version" in args else tuple(COMMANDS)


def main() -> None:
    args = sys.argv[1:]
    command_line.run(build_app(commands_needed(args)), "heard-admin", args)
