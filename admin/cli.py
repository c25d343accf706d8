"""`heard-admin`: the officers' command line. Each command group lives in its own module; how failures, help
and --version look is shared with `heard-bot` (surveys/command_line.py)."""

from __future__ import annotations

import typer

from admin import (
    distributor_commands,
    export_commands,
    import_commands,
    outreach_commands,
    report_commands,
    result_commands,
    survey_commands,
    translation_commands,
    wave_commands,
    xlsform_commands,
)
from surveys import command_line

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Heard for officers: surveys, waves, distributors, results, reports and translations. "
    "Reads heard.toml (or $HEARD_CONFIG).",
    context_settings=command_line.CONTEXT_SETTINGS,
)


@app.callback()
def _options(
    version: bool = command_line.version_option(),
    debug: bool = command_line.debug_option(),
) -> None:
    """Heard for officers: surveys, waves, distributors, results, reports and translations."""
xlsform_commands.register(survey_commands.app)
app.add_typer(survey_commands.app, name="surveys")
export_commands.register(result_commands.app)
outreach_commands.register(result_commands.app)
app.add_typer(result_commands.app, name="results")
app.add_typer(translation_commands.app, name="translations")
app.add_typer(distributor_commands.app, name="distributors")
app.add_typer(import_commands.app, name="import")
app.add_typer(wave_commands.app, name="waves")
app.add_typer(outreach_commands.privacy_app, name="privacy")
report_commands.register(app)


def main() -> None:
    command_line.run(app, "heard-admin")
