"""`heard-admin translations extract|update|compile|status|check`: the translator workflow."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from admin.context import console, errors
from surveys.config import PROJECT_ROOT, ConfigError, load_settings
from surveys.core.languages import REPORT_DOMAIN
from surveys.core.model import Survey
from surveys.forms.loader import bundled_survey_paths, load_survey
from surveys.i18n import exchange
from surveys.i18n import tooling as translations
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, LOCALES_DIR, Catalogs, survey_domain
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
def status(locales: Path = typer.Option(LOCALES_DIR, help="The locales folder to report on.")) -> None:
    """Per language and catalog: share translated, how many texts a reviewer approved, and draft or reviewed.

    Example: heard-admin translations status
    """
    catalogs = Catalogs(locales)
    table = Table("language", "name", "catalog", "translated", "reviewed", "status")
    for row in translations.catalog_status(catalogs, _surveys(), report=True):
        language = catalogs.languages[row.language]
        reviewed = "–" if row.status == "source" else f"{row.reviewed}/{row.total}"
        table.add_row(row.language, language.name, row.domain, f"{row.translated}/{row.total} ({row.share:.0%})",
                      reviewed, row.status)
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


class ExchangeFormat(StrEnum):
    po = "po"
    xliff = "xliff"


@app.command()
def export(
    language: str = typer.Argument(..., help="Language code, e.g. ar."),
    format_: ExchangeFormat = typer.Option(ExchangeFormat.po, "--format", help="po (one file per catalog) or "
                                           "xliff (one XLIFF 1.2 file)."),
    output: Path = typer.Option(Path("."), "--output", "-o", help="Folder (po) or file (xliff) to write."),
    locales: Path = typer.Option(LOCALES_DIR, help="The locales folder to export from."),
) -> None:
    """Hand a language's catalogs to a translation platform (Weblate, Crowdin, Poedit) for review.

    Example: heard-admin translations export ar --format xliff -o heard-ar.xlf
    """
    try:
        if format_ is ExchangeFormat.po:
            written = exchange.export_po(locales, language, output)
        else:
            target = output if output.suffix else output / f"heard-{language}.xlf"
            sources = {domain: _source_language(domain) for domain in translations.templates(_surveys(), PROJECT_ROOT)}
            written = [exchange.export_xliff(locales, language, sources, target)]
    except exchange.ExchangeError as exc:
        errors.print(str(exc))
        raise typer.Exit(1) from None
    for path in written:
        console.print(f"wrote {path}")


def _source_language(domain: str) -> str:
    if domain == BOT_DOMAIN:
        return BOT_SOURCE_LANGUAGE
    return next((s.language for s in _surveys() if survey_domain(s.id) == domain), "de")


@app.command(name="import")
def import_(
    files: list[Path] = typer.Argument(..., help=".po or .xlf files from the translation platform."),
    reviewer: str = typer.Option(..., "--reviewer", help="Who reviewed the texts (recorded with each entry)."),
    language: str = typer.Option(None, "--language", "-l", help="Language code, if a PO file does not say."),
    reviewed: bool = typer.Option(False, "--reviewed", help="PO files only: count their finished (not fuzzy) "
                                  "texts as reviewed (XLIFF says so per text: approved=\"yes\")."),
    locales: Path = typer.Option(LOCALES_DIR, help="The locales folder to write into."),
) -> None:
    """Take reviewed texts back: changed texts replace the old ones; approved ones are marked reviewed by
    --reviewer today. Then run `heard-admin translations check`.

    Example: heard-admin translations import heard-ar.xlf --reviewer "Leyla Demir"
    """
    catalogs = Catalogs(locales)
    today = dt.date.today()
    for path in files:
        try:
            if not path.is_file():
                raise exchange.ExchangeError(f"{path}: no such file")
            if path.suffix.lower() in (".xlf", ".xliff"):
                code, incoming = exchange.read_xliff(path)
            elif path.suffix.lower() == ".po":
                found, incoming = exchange.read_po_file(path, reviewed)
                code = language or found or ""
            else:
                raise exchange.ExchangeError(f"{path}: a .po or .xlf file is needed")
            if code not in catalogs.languages:
                raise exchange.ExchangeError(f"{path}: language {code!r} is not shipped; give --language "
                                             f"({', '.join(catalogs.languages)})")
            result = exchange.apply(locales, code, incoming, reviewer, today)
        except exchange.ExchangeError as exc:
            errors.print(str(exc))
            raise typer.Exit(1) from None
        console.print(f"{path}: {code}: {result.changed} texts changed, {result.reviewed} marked reviewed by "
                      f"{reviewer}" + (f", {len(result.unknown)} not in Heard's catalogs (left out)"
                                       if result.unknown else ""))
