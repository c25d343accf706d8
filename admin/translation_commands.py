"""`heard-admin translations extract|update|compile|status|check`: the translator workflow."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from admin.context import console, errors
from surveys.config import PROJECT_ROOT, ConfigError, load_settings
from surveys.core.languages import REPORT_DOMAIN
from surveys.core.model import Survey
from surveys.forms.loader import bundled_survey_paths, load_survey
from surveys.i18n import tooling as translations
from surveys.i18n.catalogs import BOT_DOMAIN, LOCALES_DIR, Catalogs
from surveys.registry import SurveyRegistry

app = typer.Typer(no_args_is_help=True, help="Translations: gettext catalogs under locales/.")


def _surveys() -> list[Survey]:
    """Survey files loaded without areas: area names are the municipality's and are not translated. Without a
    heard.toml (a translator's checkout), the bundled surveys."""
    try:
        paths = SurveyRegistry.survey_files(load_settings())
    except ConfigError:
        paths = bundled_survey_paths()
    return [load_survey(path) for path in paths]


@app.command()
def extract() -> None:
    """Write the templates locales/bot.pot, locales/survey-<id>.pot and locales/report.pot from the code and the
    survey files.

    Example: heard-admin translations extract
    """
    for domain, template in translations.templates(_surveys(), PROJECT_ROOT, report=True).items():
        path = LOCALES_DIR / f"{domain}.pot"
        translations.write_template(template, path)
        console.print(f"{path.relative_to(PROJECT_ROOT)}: {len([m for m in template if m.id])} messages")


@app.command()
def update(
    languages: list[str] = typer.Argument(None, help="Language codes (default: all shipped); a new code adds it."),
) -> None:
    """Merge the templates into each language's catalogs: new texts appear empty, changed ones marked fuzzy.

    Example: heard-admin translations update ar   (or a new language: heard-admin translations update sq)
    """
    catalogs = Catalogs()
    surveys = _surveys()
    codes = languages or list(catalogs.languages)
    for domain, template in translations.templates(surveys, PROJECT_ROOT, report=True).items():
        for code in codes:
            if not translations.needs_catalog(code, domain):
                continue
            if translations.is_source(code, domain, surveys) and domain not in (BOT_DOMAIN, REPORT_DOMAIN):
                continue
            path = LOCALES_DIR / code / "LC_MESSAGES" / f"{domain}.po"
            translations.update_catalog(template, path, code)
            console.print(f"updated {path.relative_to(PROJECT_ROOT)}")


@app.command(name="compile")
def compile_() -> None:
    """Compile every catalog to .mo (done by the setup command; Heard also reads .po directly).

    Example: heard-admin translations compile
    """
    for po_path in sorted(LOCALES_DIR.glob("*/LC_MESSAGES/*.po")):
        translations.compile_catalog(po_path)
    console.print(f"compiled {len(list(LOCALES_DIR.glob('*/LC_MESSAGES/*.po')))} catalogs")


@app.command()
def status() -> None:
    """Per language and catalog: share translated, and draft or reviewed by a community translator.

    Example: heard-admin translations status
    """
    catalogs = Catalogs()
    table = Table("language", "name", "catalog", "translated", "status")
    for row in translations.catalog_status(catalogs, _surveys(), report=True):
        language = catalogs.languages[row.language]
        table.add_row(row.language, language.name, row.domain, f"{row.translated}/{row.total} ({row.share:.0%})",
                      row.status)
    console.print(table)


@app.command()
def check(
    languages: list[str] = typer.Argument(None, help="Language codes (default: all shipped)."),
    locales: Path = typer.Option(LOCALES_DIR, help="The locales folder to check."),
) -> None:
    """Exit non-zero if a shipped language lacks a text (the officers' report texts: German only, English is
    their source), has placeholders or commands that differ from the source, or has a right-to-left text that
    starts with a weak or left-to-right character.

    Example: heard-admin translations check
    """
    catalogs = Catalogs(locales)
    problems = translations.check_catalogs(catalogs, _surveys(), languages or None, report=True)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        errors.print(f"{len(problems)} problem(s)")
        raise typer.Exit(1)
    console.print(f"all {len(languages or catalogs.languages)} languages complete")
