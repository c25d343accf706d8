"""`heard-admin report`: the needs-analysis report (Bestandsaufnahme) as one HTML file or as Markdown."""

from __future__ import annotations

import asyncio
import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from admin import report as reporting
from admin.context import chosen_survey, console, core, errors
from admin.output import METAVAR, check_target, is_stdout, write_text
from admin.result_commands import read_population
from surveys.i18n.catalogs import Catalogs


class ReportFormat(StrEnum):
    html = "html"
    md = "md"


class ReportLanguage(StrEnum):
    de = "de"
    en = "en"


STEPS = (*reporting.STEPS, "writing")


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    output: Path = typer.Option(..., "-o", "--output", metavar=METAVAR,
                                help="File to write, e.g. bedarfsanalyse.html; - for standard output."),
    output_format: ReportFormat = typer.Option(None, "--format",
                                               help="html or md (default: from the file's suffix, else html)."),
    survey_id: str = typer.Option(None, "--survey", help="Survey id (default: the configured default)."),
    wave: str = typer.Option(None, "--wave", help="Only this wave, e.g. 2027-spring."),
    lang: ReportLanguage = typer.Option(ReportLanguage.de, "--lang", help="Language of the report: de or en."),
    population: Path = typer.Option(None, "--population", metavar="FILE",
                                    help="CSV area,population: adds response rates."),
) -> None:
    """The needs-analysis report (Bestandsaufnahme): one HTML file with charts, or Markdown.

    For the neighbourhood, the council and the public: method and reach, who answered, results per thematic
    field, the needs reported most often, differences by area and by language, free-text answers, and what was
    left out. Every number passes small-group protection.

    The HTML file is self-contained (no fonts, scripts or images from the network) and prints on A4.

    Example: heard-admin report --wave 2027-spring --lang de --population einwohner.csv -o bedarfsanalyse.html
    """
    check_target(output, text=True)
    chosen = output_format or (ReportFormat.md if output.suffix.lower() in (".md", ".markdown") else ReportFormat.html)
    figures = read_population(population)
    progress = Progress(TextColumn("{task.description:<14}"), BarColumn(), TimeElapsedColumn(), console=errors,
                        transient=True, disable=not sys.stderr.isatty())
    task = progress.add_task("report", total=len(STEPS))

    def step(what: str) -> None:
        progress.update(task, description=what, completed=STEPS.index(what))

    catalogs = Catalogs()

    async def run() -> reporting.ReportData:
        async with core(writes=False) as opened, opened.db() as db:
            survey = chosen_survey(opened.registry, survey_id)
            opened.registry.offer_area_labels(catalogs)  # the areas in the report's language
            return await reporting.collect(
                db, survey, opened.settings.privacy.min_cell, municipality=opened.settings.municipality.name,
                wave=wave, population=figures, time_zone=opened.settings.municipality.time_zone, step=step,
                languages=opened.conversations.catalogs.for_survey(survey.id).languages)

    with progress:
        data = asyncio.run(run())
        step("writing")
        text = reporting.render(data, chosen.value, lang.value, catalogs)
        progress.update(task, completed=len(STEPS))
    write_text(output, text)
    responses = data.overall.responses.display(data.k)
    shown_as = "standard output" if is_stdout(output) else str(output)
    (errors if is_stdout(output) else console).print(
        f"Wrote {shown_as} ({chosen.value}, {lang.value}; {responses} completed responses).", highlight=False)
