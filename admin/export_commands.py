"""`heard-admin results export`: microdata, one record per completed response."""

from __future__ import annotations

import asyncio
import sys
from enum import StrEnum
from pathlib import Path

import typer

from admin import export as exporting
from admin.context import core, errors


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"


def _survey(opened, survey_id: str | None):  # type: ignore[no-untyped-def]
    survey = opened.registry.current(survey_id) if survey_id else opened.registry.default
    if survey is None:
        errors.print(f"No survey '{survey_id}'.")
        raise typer.Exit(1)
    return survey


def register(app: typer.Typer) -> None:
    app.command()(export)


def export(
    survey_id: str = typer.Option(None, "--survey", help="Survey id (default: the configured default)."),
    output_format: ExportFormat = typer.Option(ExportFormat.json, "--format", help="json or csv."),
    output: Path = typer.Option(None, "-o", "--output", help="File to write (default: standard output)."),
) -> None:
    """One record per completed response, answers keyed by question and choice names.

    Example: heard-admin results export --format csv -o responses.csv
    """

    async def run() -> str:
        async with core() as opened, opened.db() as db:
            survey = _survey(opened, survey_id)
            if output_format is ExportFormat.json:
                return await exporting.to_json(db, survey)
            return await exporting.to_csv(db, survey)

    text = asyncio.run(run())
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        errors.print(f"Wrote {output}")
