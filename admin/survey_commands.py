"""`heard-admin surveys validate|list|show`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.table import Table

from admin.context import chosen_survey, console, core, errors, settings
from admin.output import METAVAR, check_target, replacing
from surveys.forms.loader import SurveyValidationError, load_survey
from surveys.registry import SurveyRegistry

app = typer.Typer(no_args_is_help=True, help="Survey definitions: check, list and show them.")


def _registry() -> SurveyRegistry:
    """The surveys Heard runs, imported ones included (they live in the database)."""

    async def load() -> SurveyRegistry:
        async with core(writes=False) as opened:
            return opened.registry

    return asyncio.run(load())


@app.command()
def validate(files: list[Path] = typer.Argument(..., help="Survey YAML files.")) -> None:
    """Check survey files; print every problem as file:line: what is wrong.

    Example: heard-admin surveys validate surveys/bundled/needs.yaml
    """
    failed = 0
    for path in files:
        try:
            survey = load_survey(path)
        except SurveyValidationError as exc:
            failed += 1
            for problem in exc.problems:
                typer.echo(str(problem), err=True)  # one line each, unwrapped, for editors and grep
            continue
        typer.echo(f"{path}: ok ({survey.id} v{survey.version}, {len(survey.questions)} questions)")
    if failed:
        typer.echo(f"{failed} of {len(files)} survey file{'s' if len(files) != 1 else ''} with problems (listed "
                   "above); fix them and run again.", err=True)
        raise typer.Exit(1)


@app.command("list")
def list_surveys() -> None:
    """List the surveys Heard runs, with their response counts.

    Example: heard-admin surveys list
    """

    async def run() -> None:
        from admin.summary import completed_responses

        async with core() as opened, opened.db() as db:
            k = opened.settings.privacy.min_cell
            table = Table("id", "version", "title", "questions", "completed responses", "default")
            for survey in opened.registry.all_current():
                count = await completed_responses(db, survey, k)
                table.add_row(survey.id, str(survey.version), survey.title, str(len(survey.questions)),
                              count.display(), "yes" if survey.id == opened.registry.default.id else "")
            console.print(table)

    asyncio.run(run())


@app.command()
def show(survey_id: str = typer.Argument(None, help="Survey id; the default survey if omitted.")) -> None:
    """Show a survey's questions, types, choices and skip logic.

    Example: heard-admin surveys show needs
    """
    survey = chosen_survey(_registry(), survey_id)
    console.print(f"[bold]{survey.title}[/bold]  ({survey.id} v{survey.version}, source language {survey.language})")
    table = Table("#", "name", "type", "field", "question", "choices", "shown if", show_lines=True)
    for number, question in enumerate(survey.questions, start=1):
        choices = "\n".join(f"{c.name}: {c.label}" for c in question.choices)
        if question.type.value in ("scale", "number", "decimal") and question.minimum is not None:
            choices = f"{question.minimum}..{question.maximum}" + (f"\n{choices}" if choices else "")
        if question.type.value == "text":
            choices = f"text, max {question.max_length} characters"
        condition = "\n".join(
            [f"{c.question} in {', '.join(sorted(c.any_of))}" for c in question.show_if]
            + list(question.group_relevant) + ([question.relevant] if question.relevant else [])
        )
        if question.constraint:
            choices = (f"{choices}\n" if choices else "") + f"constraint: {question.constraint}"
        flags = " (required)" if question.required else ""
        table.add_row(str(number), question.name, question.type.value + flags, question.field, question.label,
                      choices, condition)
    console.print(table)


@app.command("print")
def print_questionnaire(
    survey_id: str = typer.Argument(None, help="Survey id; the default survey if omitted."),
    language: str = typer.Option(None, "--language", "-l",
                                 help="Language code (see `heard-admin translations status`); "
                                      "the survey's source language if omitted."),
    output: Path = typer.Option(None, "--output", "-o", metavar=METAVAR,
                                help="File to write: .pdf, .svg or .png (default: SURVEY-LANGUAGE.pdf)."),
    paper: str = typer.Option("A4", "--paper", help="Paper size: A4 or A5."),
) -> None:
    """Write a survey as a paper questionnaire in one language; question and choice names are printed small.

    The names beside each question and box are the columns and values to type in when the forms come back.

    Example: heard-admin surveys print needs --language ar -o fragebogen-ar.pdf
    """
    from rich.markup import escape

    from surveys.i18n.catalogs import Catalogs
    from surveys.printing import SUFFIXES, PrintingError, render_questionnaire

    configured = settings()
    registry = _registry()
    survey = chosen_survey(registry, survey_id)
    catalogs = Catalogs()
    registry.offer_imported_languages(catalogs)  # an imported survey's translations come from the database
    code = language or survey.language
    if code not in catalogs.languages:
        errors.print(f"No language '{code}'. Shipped: {', '.join(catalogs.languages)}")
        raise typer.Exit(1)
    written = output or Path(f"{survey.id}-{code}.pdf")
    check_target(written, suffixes=SUFFIXES)
    try:
        with replacing(written) as partial:
            render_questionnaire(survey, code, catalogs, configured.municipality.name, partial, paper=paper)
    except PrintingError as exc:
        errors.print(f"[red]Cannot print:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from exc
    status = catalogs.languages[code].status
    note = "" if status == "reviewed" else f" (translation status: {status}; have it reviewed before a large print run)"
    console.print(f"{written}: {survey.id} v{survey.version} in {catalogs.languages[code].name}{note}",
                  highlight=False)
