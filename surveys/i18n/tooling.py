"""The translator workflow on gettext catalogs: extract templates, update and compile catalogs, report status,
check completeness. Babel does the PO/MO work; this module knows which catalogs Heard has.

Templates: `locales/bot.pot` (msgids extracted from the code), `locales/survey-<id>.pot` (from the survey
file, msgctxt = stable names such as `area.label` or `language_course.no_need`) and, for officers,
`locales/report.pot` (the texts of `heard-admin report`, msgctxt = their keys). The report's catalog is needed
only in REPORT_LANGUAGES (German and English): the report is read by officers, not residents, so the other
languages neither have it nor are held back without it, and the bot never checks it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from surveys.config import PROJECT_ROOT
from surveys.core.bidi import starts_with_strong_rtl
from surveys.core.languages import REPORT_DOMAIN, REPORT_LANGUAGES, REPORT_SOURCE_LANGUAGE
from surveys.core.model import Survey
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs, survey_domain

CODE_DIRS = ("surveys", "bot")
REPORT_DIR = "admin/report"
REPORT_KEYWORDS = {"source_text": ((1, "c"), 2)}
"""admin/report/words.py marks each text as `source_text(key, English text)`."""
_PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
_COMMAND = re.compile(r"/[a-z]+")


def bot_template(root: Path = PROJECT_ROOT) -> Catalog:
    """Every resident-facing text in the code: `_()`, `gettext()` and `N_()` calls in surveys/ and bot/."""
    template = Catalog(domain=BOT_DOMAIN, project="Heard", fuzzy=False)
    for folder in CODE_DIRS:
        method_map = [("**.py", "python")]
        for filename, lineno, message, comments, context in extract_from_dir(
            root / folder, method_map, keywords={**DEFAULT_KEYWORDS, "N_": None}
        ):
            if message:
                template.add(message, locations=[(f"{folder}/{filename}", lineno)], auto_comments=comments,
                             context=context)
    return template


def report_template(root: Path = PROJECT_ROOT) -> Catalog:
    """The officer-facing texts of the report, from their `source_text(key, text)` markers."""
    template = Catalog(domain=REPORT_DOMAIN, project="Heard report", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        root / REPORT_DIR, [("**.py", "python")], keywords=REPORT_KEYWORDS
    ):
        if message:
            template.add(message, locations=[(f"{REPORT_DIR}/{filename}", lineno)], auto_comments=comments,
                         context=context)
    return template


def survey_messages(survey: Survey) -> list[tuple[str, str]]:
    """(msgctxt, source text) for everything a resident reads of the survey, in survey order.

    Load the survey without areas for this: the municipality's area names are proper nouns from its
    configuration and are shown as configured."""
    entries = [("survey.title", survey.title), ("survey.intro", survey.intro), ("survey.thanks", survey.thanks)]
    entries = [(context, text) for context, text in entries if text]
    entries += [(f"{group.name}.label", group.label) for group in survey.groups]
    for question in survey.questions:
        entries.append((f"{question.name}.label", question.label))
        for key in ("hint", "low_label", "high_label", "constraint_message", "required_message"):
            value = getattr(question, key)
            if value:
                entries.append((f"{question.name}.{key}", value))
        entries += [(f"{question.name}.{choice.name}", choice.label) for choice in question.choices]
    return entries


def survey_template(survey: Survey) -> Catalog:
    template = Catalog(domain=survey_domain(survey.id), project=f"Heard survey {survey.id}", fuzzy=False)
    for context, text in survey_messages(survey):
        template.add(text, context=context, locations=[(Path(survey.source).name, 0)])
    return template


def write_template(template: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False)


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=None)


def update_catalog(template: Catalog, po_path: Path, language: str) -> None:
    """Merge a template into a language's catalog (new strings appear untranslated, changed ones fuzzy).
    Heard's own X-Heard-* header lines are kept."""
    if po_path.is_file():
        header = _heard_headers(po_path)
        catalog = read_catalog(po_path)
        catalog.update(template, update_header_comment=False)
    else:
        header = ["X-Heard-Status: draft"]
        catalog = Catalog(locale=_babel_locale(language), domain=template.domain, fuzzy=False)
        catalog.update(template)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, ignore_obsolete=True)
    text = buffer.getvalue().decode("utf-8")
    if header:
        extra = "".join(f'"{line}\\n"\n' for line in header)
        text = text.replace('"Generated-By:', extra + '"Generated-By:', 1)
    po_path.parent.mkdir(parents=True, exist_ok=True)
    po_path.write_text(text, encoding="utf-8")


def save_catalog(catalog: Catalog, po_path: Path) -> None:
    """Write a language's catalog back in place, keeping Heard's own X-Heard-* header lines."""
    header = _heard_headers(po_path) if po_path.is_file() else []
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, ignore_obsolete=True)
    text = buffer.getvalue().decode("utf-8")
    if header and "X-Heard-" not in text:
        extra = "".join(f'"{line}\\n"\n' for line in header)
        text = text.replace('"Generated-By:', extra + '"Generated-By:', 1)
    po_path.write_text(text, encoding="utf-8")


def _heard_headers(po_path: Path) -> list[str]:
    head = po_path.read_text(encoding="utf-8")[:4000]
    return [m.group(1) for m in re.finditer(r'^"(X-Heard-[A-Za-z-]+:[^"\\]*)', head, re.MULTILINE)]


def _babel_locale(language: str) -> str | None:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(language)
        return language
    except (UnknownLocaleError, ValueError):
        return None


def compile_catalog(po_path: Path) -> Path:
    mo_path = po_path.with_suffix(".mo")
    catalog = read_catalog(po_path)
    with mo_path.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)
    return mo_path


# -------------------------------------------------------------------------------------------- status/check


@dataclass(frozen=True)
class CatalogStatus:
    language: str
    domain: str
    translated: int
    total: int
    status: str
    reviewed: int = 0
    """Entries a reviewer approved (surveys.i18n.exchange): the catalog is reviewed when all are."""

    @property
    def share(self) -> float:
        return self.translated / self.total if self.total else 1.0


@dataclass(frozen=True)
class CatalogProblem:
    language: str
    domain: str
    context: str | None
    msgid: str
    why: str

    def __str__(self) -> str:
        where = f"{self.context} " if self.context else ""
        return f"{self.language}/{self.domain}: {where}{self.msgid[:50]!r}: {self.why}"


def templates(surveys: Iterable[Survey], root: Path = PROJECT_ROOT, report: bool = False) -> dict[str, Catalog]:
    """Resident-facing templates; with `report`, the officers' report template too."""
    result = {BOT_DOMAIN: bot_template(root)}
    for survey in surveys:
        result[survey_domain(survey.id)] = survey_template(survey)
    if report:
        result[REPORT_DOMAIN] = report_template(root)
    return result


def needs_catalog(language: str, domain: str) -> bool:
    """Every shipped language needs the bot's and the surveys' catalogs; only the report's languages its."""
    return domain != REPORT_DOMAIN or language in REPORT_LANGUAGES


def is_source(language: str, domain: str, surveys: Iterable[Survey]) -> bool:
    """The source language of a catalog needs no translations: its msgids are the text."""
    if domain == BOT_DOMAIN:
        return language == BOT_SOURCE_LANGUAGE
    if domain == REPORT_DOMAIN:
        return language == REPORT_SOURCE_LANGUAGE
    return any(survey_domain(s.id) == domain and s.language == language for s in surveys)


def _translated(catalog: Catalog | None, template_message: Message) -> str | None:
    if catalog is None:
        return None
    found = catalog.get(template_message.id, context=template_message.context)
    if found is None or found.fuzzy:
        return None
    value = found.string
    if isinstance(value, tuple | list):
        return value[0] if all(value) else None
    return value or None


def catalog_status(catalogs: Catalogs, surveys: list[Survey], report: bool = False) -> list[CatalogStatus]:
    rows = []
    for domain, template in templates(surveys, report=report).items():
        total = len([m for m in template if m.id])
        for code, language in catalogs.languages.items():
            if not needs_catalog(code, domain):
                continue
            po_path = catalogs.locales_dir / code / "LC_MESSAGES" / f"{domain}.po"
            if is_source(code, domain, surveys):
                rows.append(CatalogStatus(code, domain, total, total, "source"))
                continue
            catalog = read_catalog(po_path) if po_path.is_file() else None
            translated = sum(1 for m in template if m.id and _translated(catalog, m))
            reviewed = sum(1 for m in template if m.id and _translated(catalog, m) and catalog is not None
                           and "reviewed" in catalog.get(m.id, context=m.context).flags)  # type: ignore[union-attr]
            status = "reviewed" if total and reviewed == total else language.status
            rows.append(CatalogStatus(code, domain, translated, total, status, reviewed))
    return rows


def check_catalogs(
    catalogs: Catalogs, surveys: list[Survey], languages: Iterable[str] | None = None, report: bool = False
) -> list[CatalogProblem]:
    """Problems that would show a resident (or, with `report`, an officer) a wrong message: a missing string,
    placeholders that differ from the source, or a right-to-left string that does not start with a right-to-left
    character."""
    problems: list[CatalogProblem] = []
    wanted = list(languages) if languages is not None else list(catalogs.languages)
    for domain, template in templates(surveys, report=report).items():
        for code in wanted:
            language = catalogs.languages.get(code)
            if language is None or is_source(code, domain, surveys) or not needs_catalog(code, domain):
                continue
            po_path = catalogs.locales_dir / code / "LC_MESSAGES" / f"{domain}.po"
            catalog = read_catalog(po_path) if po_path.is_file() else None
            for message in template:
                if not message.id:
                    continue
                text = _translated(catalog, message)
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                if text is None:
                    problems.append(CatalogProblem(code, domain, message.context, msgid, "missing translation"))
                    continue
                if sorted(_PLACEHOLDER.findall(text)) != sorted(_PLACEHOLDER.findall(msgid)):
                    problems.append(CatalogProblem(
                        code, domain, message.context, msgid,
                        f"placeholders differ: source has {sorted(_PLACEHOLDER.findall(msgid))}, "
                        f"translation has {sorted(_PLACEHOLDER.findall(text))}",
                    ))
                if sorted(_COMMAND.findall(text)) != sorted(_COMMAND.findall(msgid)) and _COMMAND.search(msgid):
                    problems.append(CatalogProblem(code, domain, message.context, msgid,
                                                   "commands such as /delete must stay as in the source"))
                if language.rtl and not starts_with_strong_rtl(text):
                    problems.append(CatalogProblem(code, domain, message.context, msgid,
                                                   "right-to-left text starts with a weak or left-to-right "
                                                   "character"))
    return problems
