"""`heard-admin import paper`: questionnaires collected on paper and typed into a spreadsheet."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from admin.context import core
from admin.paper_import import ImportRejected, ImportResult, PaperImportError, import_paper

app = typer.Typer(no_args_is_help=True, help="Import responses collected outside the chat.")


@app.command()
def paper(
    file: Path = typer.Argument(
        ..., metavar="FILE", show_default=False,
        help="A .csv (UTF-8) or .xlsx file, one row per questionnaire. First row: question names (see `heard-admin "
        "surveys show`), optionally _language and _distributor. Cells: choice names or labels in any shipped "
        "language (several separated by ';'), numbers, text, prefer_not_to_say; empty for no answer.",
    ),
    survey_id: str = typer.Option(None, "--survey", help="Survey id (default: the configured default)."),
    distributor: str = typer.Option(
        None, "--distributor", help="Code of the distributor who handed the forms out (a _distributor column "
        "overrides it per row)."
    ),
) -> None:
    """Import paper questionnaires typed into a spreadsheet: all rows, or none if any cell is wrong.

    Every problem is listed as row, column and why. Importing the same file again stores nothing new.

    Example: heard-admin import paper fragebogen-nordstadt.xlsx --distributor Xk29fQ7pAb
    """

    async def run() -> ImportResult:
        async with core() as opened:
            return await import_paper(opened, file, survey_id, distributor)

    try:
        result = asyncio.run(run())
    except ImportRejected as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)  # one line each, unwrapped
        count = len(exc.problems)
        typer.echo(f"Nothing was imported: {count} problem{'s' if count != 1 else ''} in {file}.", err=True)
        raise typer.Exit(1) from exc
    except PaperImportError as exc:
        typer.echo(f"Nothing was imported: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{file}: {result}")
