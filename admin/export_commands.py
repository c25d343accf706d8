"""`heard-admin results export`: microdata, one record per completed response, k-anonymous or not at all."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from admin import export as exporting
from admin.anonymity import Mode, Refused
from admin.context import chosen_survey, core, errors
from admin.export import ExportFormat
from admin.output import METAVAR, check_target, is_stdout, replacing, text_stream

PROGRESS_FROM = 1000
"""Show a progress bar from this many records on (and only when writing a file with stderr on a terminal)."""
PROGRESS_STEP = 250


def register(app: typer.Typer) -> None:
    app.command()(export)


def _say(text: str) -> None:
    errors.print(text, markup=False, highlight=False, soft_wrap=True)


def format_for(requested: ExportFormat | None, output: Path | None) -> ExportFormat:
    """The format asked for, else the one the output file's suffix names, else json."""
    if requested is not None:
        return requested
    suffix = output.suffix.lower().lstrip(".") if output else ""
    return ExportFormat(suffix) if suffix in ExportFormat.__members__ else ExportFormat.json


@contextmanager
def progress_bar(total: int, console: Console, show: bool) -> Iterator[Callable[[int], None]]:
    """A callback advancing a rich progress bar over `total` records, or doing nothing."""
    if not show:
        yield lambda _n: None
        return
    with Progress(
        TextColumn("Exporting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    ) as progress:
        task = progress.add_task("export", total=total)
        yield lambda n: progress.advance(task, n)


async def counted(rows: AsyncIterable[dict[str, Any]], advance: Callable[[int], None]) -> AsyncIterator[dict[str, Any]]:
    pending = 0
    async for row in rows:
        yield row
        pending += 1
        if pending == PROGRESS_STEP:
            advance(pending)
            pending = 0
    advance(pending)


def export(
    survey_id: str = typer.Option(None, "--survey", help="Survey id (default: the configured default)."),
    output_format: ExportFormat = typer.Option(
        None, "--format", help="json, csv, xlsx or sav (SPSS). Default: the -o file's suffix, else json."
    ),
    wave: str = typer.Option(None, "--wave", help="Only responses of this wave, e.g. 2027-spring."),
    k_anonymity: Mode = typer.Option(
        Mode.coarsen, "--k-anonymity",
        help="coarsen: blank, merge or set to \"other\" the month, channel, questions about the person, "
        "gender, age band, area, language and wave in small groups, in this order, until every combination of "
        "them occurs at least k times, then withhold the few still below k; sensitive answers are blanked in "
        "groups below 10 or whose answers are all alike. refuse: refuse instead of changing anything.",
    ),
    output: Path = typer.Option(None, "-o", "--output", metavar=METAVAR,
                                help="File to write (default or -: standard output; xlsx and sav need a file)."),
) -> None:
    """One record per completed response of the survey's current version: answers keyed by question and choice
    names, response id, survey id and version, wave, language, channel and the month of submission.

    Nothing is written unless every combination of the quasi-identifiers occurs
    at least k times (k = privacy.min_cell in heard.toml, default 5): language,
    channel, wave, month, and the questions about the person (area, age band,
    gender, years here, any other of the survey's core field). A wave with fewer
    than k responses is never named. Sensitive answers show only in groups of
    at least 10 whose answers differ. See --k-anonymity. Exits with 1 when the
    export is refused.

    Example: heard-admin results export --format xlsx -o responses.xlsx
    """
    if is_stdout(output):
        output = None
    chosen = format_for(output_format, output)
    if chosen in (ExportFormat.xlsx, ExportFormat.sav) and output is None:
        _say(f"--format {chosen} writes a file: add -o FILE, e.g. -o responses.{chosen}")
        raise typer.Exit(2)
    if output is not None:
        check_target(output)

    async def run() -> int:
        async with core(writes=False) as opened, opened.db() as db:
            survey = chosen_survey(opened.registry, survey_id)
            await exporting.snapshot(db)
            try:
                plan = await exporting.plan(
                    db, survey, k=opened.settings.privacy.min_cell, mode=k_anonymity, wave=wave
                )
            except Refused as refused:
                if refused.total == 0:
                    where = f" in wave '{wave}'" if wave else ""
                    _say(f"No completed responses of {survey.id} v{survey.version}{where}; nothing was written.")
                else:
                    _say(refused.explain())
                raise typer.Exit(1) from refused
            if plan.steps:
                _say(f"Protected for anonymity (k = {plan.k}): {plan.describe()}.")
            declined = opened.catalogs.translations("bot", survey.language, "en").gettext("Prefer not to say")
            labels = exporting.Labels.of(plan, declined)
            show = output is not None and sys.stderr.isatty() and plan.total >= PROGRESS_FROM
            with progress_bar(plan.total, errors, show) as advance:
                rows = counted(exporting.records(db, plan), advance)
                try:
                    return await write(chosen, rows, plan, labels, output)
                except exporting.ChangedMeanwhile as exc:
                    what = "Nothing was written." if output else "What was printed is incomplete: discard it."
                    _say(f"Export stopped: {exc}. {what}")
                    raise typer.Exit(1) from exc

    written = asyncio.run(run())
    if output is not None:
        _say(f"Wrote {output} ({written} record{'s' if written != 1 else ''}).")


async def write(
    chosen: ExportFormat,
    rows: AsyncIterable[dict[str, Any]],
    plan: exporting.Plan,
    labels: exporting.Labels,
    output: Path | None,
) -> int:
    """Write the records to `output` (replaced only when complete) or, for json and csv, to standard output."""
    survey = plan.survey
    if chosen in (ExportFormat.xlsx, ExportFormat.sav):
        assert output is not None
        with replacing(output) as partial:
            if chosen is ExportFormat.xlsx:
                return await exporting.write_xlsx(rows, survey, labels, partial)
            return await exporting.write_sav(rows, survey, labels, partial, plan.total)
    with text_stream(output, newline="") as handle:
        if chosen is ExportFormat.json:
            return await exporting.write_json(rows, handle)
        return await exporting.write_csv(rows, survey, handle)
