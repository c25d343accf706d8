"""`heard-admin surveys import-xlsform|export-xlsform`: surveys designed in Excel (KoboToolbox, ODK) in and out.

An imported survey becomes a YAML file in the first folder of `[surveys] directories` (where the bot looks for
surveys besides the bundled ones) and one catalog per language under locales/<code>/LC_MESSAGES/, exactly as
if it had been written by hand; restart the bot to offer it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from rich.markup import escape

from admin.context import console, errors, settings
from admin.output import METAVAR, check_target, replacing, write_text
from surveys.i18n import LOCALES_DIR, Catalogs
from surveys.loader import load_survey, parse_survey
from surveys.model import Survey
from surveys.registry import SurveyRegistry
from surveys.xlsform import XlsFormError, catalog_texts, read_xlsform, write_catalogs, write_xlsform


def register(app: typer.Typer) -> None:
    app.command("import-xlsform")(import_xlsform)
    app.command("export-xlsform")(export_xlsform)


def import_xlsform(
    file: Path = typer.Argument(..., help="The XLSForm workbook (.xlsx) with survey, choices and settings sheets."),
    survey_id: str = typer.Option(None, "--id", help="Survey id to use instead of the form_id setting."),
    skip_unsupported: bool = typer.Option(
        False, "--skip-unsupported", help="Leave out unsupported rows and cells (each is listed) instead of stopping."
    ),
    language: str = typer.Option(None, "--language",
                                 help="Language code of plain 'label' columns when the settings name none."),
    into: Path = typer.Option(None, "--into", help="Folder for the survey file (default: the first folder of "
                                                   "[surveys] directories in heard.toml)."),
    locales: Path = typer.Option(LOCALES_DIR, "--locales", help="Catalog folder (default: Heard's locales/)."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite a survey file of the same id."),
) -> None:
    """Import an XLSForm as a Heard survey plus one catalog per language; nothing is written unless all is valid.

    Every problem is printed as sheet!cell: why.

    Example: heard-admin surveys import-xlsform bedarfe.xlsx --id bedarfe_2027
    """
    configured = settings()
    folder = into or (configured.surveys.directories[0] if configured.surveys.directories else None)
    if folder is None:
        errors.print("Where should the survey go? Add a folder to [surveys] directories in heard.toml "
                     "(e.g. directories = [\"surveys/local\"]), or pass --into FOLDER.", highlight=False)
        raise typer.Exit(2)
    try:
        imported = read_xlsform(file, survey_id, skip_unsupported=skip_unsupported, catalogs=Catalogs(locales),
                                default_language=language)
    except XlsFormError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"Nothing was imported: {len(exc.problems)} problem(s)."
                   + ("" if skip_unsupported else " Unsupported rows can be left out with --skip-unsupported."),
                   err=True)
        raise typer.Exit(1) from exc
    survey = imported.survey
    target = Path(folder) / f"{survey.id}.yaml"
    clash = _clash(configured, survey.id, target)
    if clash is not None and not replace:
        errors.print(f"A survey with id '{survey.id}' exists already ({escape(str(clash))}). Choose another id with "
                     "--id, or pass --replace (and raise the version if questions changed).", highlight=False)
        raise typer.Exit(1)
    if clash is not None and clash.stem != survey.id:
        errors.print(f"'{survey.id}' is defined in {escape(str(clash))}: remove it there first, or choose another "
                     "id with --id.", highlight=False)
        raise typer.Exit(1)
    if clash is not None and clash.is_file():
        existing = load_survey(clash)
        if existing.version == survey.version and _content(existing) != _content(survey):
            errors.print(f"'{survey.id}' version {survey.version} is already in use with other content: raise the "
                         "version in the settings sheet so that old answers stay with their questions.",
                         highlight=False)
            raise typer.Exit(1)
    for skipped in imported.skipped:
        typer.echo(f"skipped {skipped}", err=True)
    Path(folder).mkdir(parents=True, exist_ok=True)
    written = write_catalogs(imported, locales)  # first: the survey file appears last, with its texts in place
    write_text(target, imported.yaml_text)
    console.print(f"{target}: {survey.id} v{survey.version}, {len(survey.questions)} questions, source language "
                  f"{survey.language}", highlight=False)
    for path in written:
        console.print(f"{path}", highlight=False)
    for warning in imported.warnings:
        errors.print(f"warning: {escape(warning)}", highlight=False)
    if imported.skipped:
        console.print(f"{len(imported.skipped)} unsupported row(s) or cell(s) skipped (listed above).",
                      highlight=False)
    console.print("Restart the bot to offer it.", highlight=False)


def export_xlsform(
    survey_id: str = typer.Argument(..., help="Survey id (see `heard-admin surveys list`)."),
    output: Path = typer.Option(..., "--output", "-o", metavar=METAVAR, help="The .xlsx file to write."),
    locales: Path = typer.Option(LOCALES_DIR, "--locales", help="Catalog folder (default: Heard's locales/)."),
) -> None:
    """Write a survey and all its translations as an XLSForm (KoboToolbox, ODK, pyxform can read it).

    Example: heard-admin surveys export-xlsform needs -o needs.xlsx
    """
    check_target(output, suffixes=(".xlsx",))
    configured = settings()
    paths = {load_survey(path).id: path for path in SurveyRegistry.survey_files(configured)}
    if survey_id not in paths:
        errors.print(f"No survey '{survey_id}'. Known: {', '.join(sorted(paths))}", highlight=False)
        raise typer.Exit(1)
    survey = load_survey(paths[survey_id])  # without areas: they come from heard.toml, not from the form
    translations = catalog_texts(survey, locales)
    with replacing(output) as partial:
        write_xlsform(survey, translations, partial)
    console.print(f"{output}: {survey.id} v{survey.version} in {1 + len(translations)} languages", highlight=False)


def _content(survey: Survey) -> tuple:
    """What residents answer, without where it was read from."""
    return (survey.language, survey.title, survey.intro, survey.thanks, survey.groups,
            tuple(dataclasses.replace(q, line=0) for q in survey.questions))


def _clash(configured, survey_id: str, target: Path) -> Path | None:  # type: ignore[no-untyped-def]
    if target.exists():
        return target
    for path in SurveyRegistry.survey_files(configured):
        try:
            if parse_survey(path.read_text(encoding="utf-8"), str(path)).id == survey_id:
                return path
        except Exception:  # an invalid other file is not this command's business
            continue
    return None

