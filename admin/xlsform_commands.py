"""`heard-admin surveys import-xlsform|export-xlsform`: surveys designed in Excel (KoboToolbox, ODK) in and out.

An imported survey and its translations go into the database, where every worker of the bot finds it within a
second: nothing is written into folders, so it survives a rebuilt container image and the installed package
stays as it was installed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape

from admin.context import console, core, errors, settings
from admin.output import METAVAR, check_target, replacing
from surveys.forms.loader import load_survey, parse_survey
from surveys.forms.xlsform import XlsFormError, catalog_texts, read_xlsform, write_xlsform
from surveys.i18n.catalogs import LOCALES_DIR, Catalogs
from surveys.imported_surveys import store_import
from surveys.registry import SurveyRegistry
from surveys.secret_key import unlock
from surveys.store.database import connect, is_sqlite, migrate, session_factory
from surveys.store.schema import ImportedSurvey


def register(app: typer.Typer) -> None:
    app.command("import-xlsform")(import_xlsform)
    app.command("export-xlsform")(export_xlsform)


def import_xlsform(
    file: Path = typer.Argument(..., help="The XLSForm workbook (.xlsx, .xlsm or .xls)."),
    survey_id: str = typer.Option(None, "--id", help="Survey id to use instead of the form_id setting."),
    skip_unsupported: bool = typer.Option(
        False, "--skip-unsupported", help="Leave out what a chat cannot ask (each is listed) instead of stopping."
    ),
    language: str = typer.Option(None, "--language",
                                 help="Language code of plain 'label' columns when the settings name none."),
    locales: Path = typer.Option(LOCALES_DIR, "--locales", help="The bot's catalogs (default: Heard's locales/)."),
) -> None:
    """Import an XLSForm as a Heard survey with its translations; nothing is stored unless all is valid.

    Every problem is printed as sheet!cell: why. Importing a changed form again adds a version.

    Example: heard-admin surveys import-xlsform bedarfe.xlsx --id bedarfe_2027 --skip-unsupported
    """
    if not file.is_file():
        errors.print(f"No file {escape(str(file))}.", highlight=False)
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

    async def store() -> None:
        configured = settings()
        engine = connect(configured.storage.database_url, writes=True)
        try:
            await migrate(engine)
            sessions = session_factory(engine)
            # the same key check as every start: an import never goes into a database of another key
            await unlock(sessions, configured.storage, may_create=is_sqlite(configured.storage.database_url))
            registry = SurveyRegistry(configured)  # not opened as the bot opens it: the default may be this one
            async with sessions() as db, db.begin():
                await registry.load_imported(db)
                known = registry.current(imported.survey.id)
                if known is not None and not registry.is_imported(known.id):
                    errors.print(f"'{known.id}' is the survey file {escape(known.source)}: choose another id with "
                                 "--id.", highlight=False)
                    raise typer.Exit(1)
                stored = await store_import(db, imported, file.name, dt.datetime.now(dt.UTC))
        finally:
            await engine.dispose()
        for skipped in imported.skipped:
            typer.echo(f"skipped {skipped}", err=True)
        for warning in imported.warnings:
            errors.print(f"warning: {escape(warning)}", highlight=False)
        survey = stored.form.survey
        languages = ", ".join([survey.language, *sorted(stored.form.translations)])
        what = "unchanged" if not stored.changed else "new version" if stored.previous else "new survey"
        console.print(f"{survey.id} v{survey.version} ({what}): {len(survey.questions)} questions, source language "
                      f"{survey.language}, languages {languages}", highlight=False)
        if imported.skipped:
            console.print(f"{len(imported.skipped)} unsupported row(s) or cell(s) left out (listed above).",
                          highlight=False)
        if stored.changed:
            console.print("Running bots offer it within a second; residents who started an earlier version finish "
                          "that one.", highlight=False)

    asyncio.run(store())


def export_xlsform(
    survey_id: str = typer.Argument(..., help="Survey id (see `heard-admin surveys list`)."),
    output: Path = typer.Option(..., "--output", "-o", metavar=METAVAR, help="The .xlsx file to write."),
    locales: Path = typer.Option(LOCALES_DIR, "--locales", help="Catalog folder (default: Heard's locales/)."),
) -> None:
    """Write a survey and all its translations as an XLSForm (KoboToolbox, ODK, pyxform can read it).

    Example: heard-admin surveys export-xlsform needs -o needs.xlsx
    """
    check_target(output, suffixes=(".xlsx",))

    async def load() -> tuple:  # type: ignore[type-arg]
        async with core(writes=False) as opened:
            survey = opened.registry.current(survey_id)
            if survey is None:
                known = ", ".join(sorted(s.id for s in opened.registry.all_current()))
                errors.print(f"No survey '{survey_id}'. Known: {known}", highlight=False)
                raise typer.Exit(1)
            if opened.registry.is_imported(survey_id):
                return await _imported(opened, survey_id)
            paths = {load_survey(path).id: path for path in SurveyRegistry.survey_files(opened.settings)}
            plain = load_survey(paths[survey_id])  # without areas: they come from heard.toml, not from the form
            return plain, catalog_texts(plain, locales)

    survey, translations = asyncio.run(load())
    with replacing(output) as partial:
        write_xlsform(survey, translations, partial)
    console.print(f"{output}: {survey.id} v{survey.version} in {1 + len(translations)} languages", highlight=False)


async def _imported(opened, survey_id: str) -> tuple:  # type: ignore[no-untyped-def,type-arg]
    import json

    from sqlalchemy import select

    async with opened.db() as db:
        row = await db.scalar(select(ImportedSurvey).where(ImportedSurvey.survey_id == survey_id)
                              .order_by(ImportedSurvey.version.desc()).limit(1))
    return parse_survey(row.definition, row.source_file), json.loads(row.translations)
