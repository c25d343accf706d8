"""`heard-admin import paper`: questionnaires collected on paper and typed into a spreadsheet."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from admin.context import core, errors
from admin.paper_import import ImportRejected, ImportResult, PaperImportError, import_paper
from admin.paper_import import Progress as Advance
from admin.paper_sheets import FileScan, scan

app = typer.Typer(no_args_is_help=True, help="Import responses collected outside the chat.")


@contextmanager
def progress_bar(show: bool) -> Iterator[Advance | None]:
    """Rows read so far, on standard error while a terminal watches; nothing otherwise."""
    if not show:
        yield None
        return
    with Progress(TextColumn("Importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=errors, transient=True) as progress:
        task = progress.add_task("import", total=None)

        def advance(done: int, expected: int | None) -> None:
            progress.update(task, completed=done, total=max(expected, done) if expected else None)

        yield advance


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
        None, "--distributor", metavar="CODE", help="Code of the distributor who handed the forms out (a "
        "_distributor column overrides it per row)."
    ),
    again: bool = typer.Option(
        False, "--again", help="Import a file that was imported before, because it holds other questionnaires "
        "that happen to be typed in exactly alike."
    ),
) -> None:
    """Import paper questionnaires typed into a spreadsheet: all rows, or none if any cell is wrong.

    Every problem is listed as row, column and why. Importing the same file again stores nothing new; another
    file is imported even when its rows say the same as earlier ones (they are other questionnaires).

    Example: heard-admin import paper fragebogen-nordstadt.xlsx --distributor Xk29fQ7pAb
    """

    async def run(scanned: FileScan) -> ImportResult:
        with progress_bar(sys.stderr.isatty()) as advance:
            async with core() as opened:
                return await import_paper(opened, file, survey_id, distributor, again=again, progress=advance,
                                          scanned=scanned)

    try:
        result = asyncio.run(run(scan(file)))  # a hostile file is refused before the database is opened
    except ImportRejected as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)  # one line each, unwrapped
        if exc.count > len(exc.problems):
            typer.echo(f"… and {exc.count - len(exc.problems):,} more (fix these first).", err=True)
        typer.echo(f"Nothing was imported: {exc.count:,} problem{'s' if exc.count != 1 else ''} in {file}.",
                   err=True)
        raise typer.Exit(1) from exc
    except PaperImportError as exc:
        typer.echo(f"Nothing was imported: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{file}: {result}")
    if result.earlier_on is not None:
        typer.echo("If it holds other questionnaires that happen to be typed in exactly alike, import it with "
                   "--again.", err=True)
