"""XLSForm in and out: officers design surveys in Excel (KoboToolbox, ODK) and Heard runs them in the chat.

`read_xlsform` turns a workbook's survey, choices and settings sheets into a Heard survey (YAML text, validated
by the same loader as hand-written files) plus one catalog per language; `write_xlsform` writes a survey and
its catalogs back as an XLSForm that pyxform converts. Nothing is written while a problem remains: every
problem is collected as `sheet!cell: why` (the cell an officer has to change), so a broken workbook never
half-imports.

Heard-specific details that XLSForm has no column for travel in custom `heard_*` columns (XLSForm tools
ignore unknown columns): the thematic field, sensitive questions, exclusive and need choices, scales with
extra choices, the municipality's areas, intro and thanks.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from surveys import xpath
from surveys.i18n import Catalogs, survey_domain
from surveys.loader import NAME_PATTERN, SurveyValidationError, parse_survey
from surveys.model import THEMATIC_FIELDS, Question, QuestionType, Survey
from surveys.translations import read_catalog, survey_template

#: Language names used in exported column headers (`label::Dari (fa-AF)`), where CLDR's would mislead.
LANGUAGE_NAMES = {"fa_AF": "Dari", "kmr": "Kurmanji", "de_plain": "Plain German"}

#: XLSForm types that Heard cannot ask in a chat, with the reason shown to the officer.
UNSUPPORTED_TYPES = {
    "begin repeat": "repeats (asking a block several times) are not supported",
    "end repeat": "repeats are not supported",
    "calculate": "calculations are not supported",
    "geopoint": "locations are not collected (residents are anonymous)",
    "geotrace": "locations are not collected (residents are anonymous)",
    "geoshape": "locations are not collected (residents are anonymous)",
    "image": "photos and media are not collected",
    "audio": "audio recordings are not collected",
    "video": "videos are not collected",
    "file": "files are not collected",
    "background-audio": "audio recordings are not collected",
    "barcode": "barcodes are not supported",
    "date": "dates are not supported (ask a single-choice question instead)",
    "time": "times are not supported",
    "datetime": "dates are not supported",
    "acknowledge": "acknowledge is not supported (use a note)",
    "rank": "ranking is not supported",
    "hidden": "hidden fields are not supported",
    "trigger": "triggers are not supported",
    "xml-external": "external data is not supported",
    "csv-external": "external data is not supported",
    "select_one_from_file": "choices from files are not supported",
    "select_multiple_from_file": "choices from files are not supported",
    "audit": "audit logs are not collected",
}
METADATA_TYPES = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
                  "email", "start-geopoint", "imei", "uri:deviceid", "uri:email", "uri:username"}
#: Survey columns that carry behaviour Heard lacks; a filled cell is reported.
UNSUPPORTED_COLUMNS = {
    "default": "default answers are not supported",
    "read_only": "read-only questions are not supported",
    "calculation": "calculations are not supported",
    "repeat_count": "repeats are not supported",
    "trigger": "triggers are not supported",
    "image": "media in labels is not supported",
    "audio": "media in labels is not supported",
    "video": "media in labels is not supported",
    "big-image": "media in labels is not supported",
}
_TRANSLATABLE = {"label", "hint", "constraint_message", "required_message", "heard_low_label", "heard_high_label",
                 "heard_title", "heard_intro", "heard_thanks", "media"}
_COLUMN_ALIASES = {"constraint message": "constraint_message", "required message": "required_message",
                   "choice filter": "choice_filter", "list name": "list_name", "jr:constraintmsg": "constraint_message",
                   "jr:requiredmsg": "required_message", "bind::jr:constraintmsg": "constraint_message",
                   "bind::jr:requiredmsg": "required_message", "media::image": "image", "media::audio": "audio",
                   "media::video": "video"}
_CODE_IN_NAME = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\)\s*$")
_YES = {"yes", "true", "true()", "1"}
_NO = {"no", "false", "false()", "0", ""}
_SHOW_IF_TERM = re.compile(r"^selected\(\$\{(?P<q>[a-z][a-z0-9_]*)\}, '(?P<v>[^']*)'\)$")


@dataclass(frozen=True)
class XlsProblem:
    sheet: str
    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}: {self.message}" if self.cell else f"{self.sheet}: {self.message}"


class XlsFormError(Exception):
    """Raised with every problem found; nothing was imported."""

    def __init__(self, problems: Iterable[XlsProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class ImportedForm:
    survey: Survey
    yaml_text: str
    translations: dict[str, dict[str, str]]
    """language code -> msgctxt -> translated text (the source language is the YAML itself)."""
    languages: dict[str, str]
    """Heard language code -> the language as the workbook names it."""
    skipped: list[XlsProblem] = field(default_factory=list)
    """Unsupported rows and cells left out (with --skip-unsupported)."""
    warnings: list[str] = field(default_factory=list)
    """Things the officer should know: missing translations, languages the bot has no catalog for."""


# ------------------------------------------------------------------------------------------------ reading


class _Sheet:
    """A sheet with named columns: `value(row, "label", "ar")` and the cell address of it."""

    def __init__(self, title: str, rows: list[tuple[Any, ...]]) -> None:
        self.title = title
        header = rows[0] if rows else ()
        self.rows = rows[1:]
        self.columns: dict[tuple[str, str | None], int] = {}
        self.raw_headers: dict[tuple[str, str | None], str] = {}
        for index, cell in enumerate(header):
            if cell is None or not str(cell).strip():
                continue
            text = str(cell).strip()
            base, _, language = text.partition("::")
            plain = base.strip().lower()
            key_base = _COLUMN_ALIASES.get(text.lower(), _COLUMN_ALIASES.get(plain, plain))
            if key_base in ("image", "audio", "video") or text.lower().startswith("media::"):
                key = (key_base if key_base in ("image", "audio", "video") else "image", language.strip() or None)
            elif key_base in _TRANSLATABLE and language:
                key = (key_base, language.strip())
            else:
                key = (_COLUMN_ALIASES.get(text.lower(), text.lower() if not language else text), None)
            self.columns[key] = index
            self.raw_headers[key] = text

    def cell(self, row_number: int, key: tuple[str, str | None]) -> str:
        return f"{get_column_letter(self.columns[key] + 1)}{row_number}"

    def column_cell(self, key: tuple[str, str | None]) -> str:
        return f"{get_column_letter(self.columns[key] + 1)}1"

    def text(self, row: tuple[Any, ...], key: tuple[str, str | None]) -> str:
        index = self.columns.get(key)
        if index is None or index >= len(row) or row[index] is None:
            return ""
        value = row[index]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def has(self, name: str) -> bool:
        return any(key[0] == name for key in self.columns)


class _Reader:
    def __init__(self, source: str, catalogs: Catalogs | None, skip_unsupported: bool) -> None:
        self.source = source
        self.catalogs = catalogs
        self.skip_unsupported = skip_unsupported
        self.problems: list[XlsProblem] = []
        self.skipped: list[XlsProblem] = []
        self.warnings: list[str] = []
        self.languages: dict[str, str] = {}  # workbook spelling -> Heard code

    def problem(self, sheet: str, cell: str, message: str) -> None:
        self.problems.append(XlsProblem(sheet, cell, message))

    def unsupported(self, sheet: str, cell: str, message: str) -> None:
        (self.skipped if self.skip_unsupported else self.problems).append(XlsProblem(sheet, cell, message))

    # -- languages ----------------------------------------------------------------------------------------

    def language_code(self, sheet: _Sheet, key: tuple[str, str | None]) -> str | None:
        spelled = key[1]
        assert spelled is not None
        if spelled in self.languages:
            return self.languages[spelled]
        match = _CODE_IN_NAME.match(spelled)
        code = None
        code = self._heard_code(match["code"]) if match else self._code_from_name(spelled)
        if code is None:
            self.problem(sheet.title, sheet.column_cell(key),
                         f"language '{spelled}' has no code: write it as '{spelled} (xx)' with its language code")
            return None
        self.languages[spelled] = code
        return code

    def _heard_code(self, written: str) -> str:
        wanted = written.replace("-", "_").lower()
        known = list(self.catalogs.languages) if self.catalogs else []
        for code in known:
            if code.lower() == wanted:
                return code
        if self.catalogs is not None:
            matched = self.catalogs.match(written)
            if matched is not None and matched.lower().split("_")[0] == wanted.split("_")[0]:
                return matched
        base, _, region = written.replace("-", "_").partition("_")
        return base.lower() + (f"_{region.upper()}" if region and len(region) == 2 else f"_{region}" if region else "")

    def _code_from_name(self, name: str) -> str | None:
        wanted = name.strip().lower()
        for code, english in LANGUAGE_NAMES.items():
            if english.lower() == wanted:
                return code
        for code in (self.catalogs.languages if self.catalogs else []):
            try:
                if Locale.parse(code).english_name.lower() == wanted:
                    return code
            except (UnknownLocaleError, ValueError):
                continue
        return None


def read_xlsform(
    path: Path,
    survey_id: str | None = None,
    *,
    skip_unsupported: bool = False,
    catalogs: Catalogs | None = None,
    default_language: str | None = None,
) -> ImportedForm:
    """Read an XLSForm workbook. Raises XlsFormError with every problem; returns the survey and its texts.

    `catalogs` tells which languages Heard ships (for language codes and the warning about languages the bot
    cannot speak); `default_language` names the language of plain `label` columns when the settings do not."""
    source = path.name
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for files that are not workbooks
        raise XlsFormError([XlsProblem(source, "", f"cannot read the workbook: {exc}")]) from exc
    sheets = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
    reader = _Reader(source, catalogs, skip_unsupported)
    if "survey" not in sheets:
        raise XlsFormError([XlsProblem(source, "", "the workbook has no 'survey' sheet")])
    survey_sheet = _Sheet(sheets["survey"].title, [tuple(r) for r in sheets["survey"].iter_rows(values_only=True)])
    choices_sheet = (_Sheet(sheets["choices"].title, [tuple(r) for r in sheets["choices"].iter_rows(values_only=True)])
                     if "choices" in sheets else None)
    settings_sheet = (_Sheet(sheets["settings"].title,
                             [tuple(r) for r in sheets["settings"].iter_rows(values_only=True)])
                      if "settings" in sheets else None)
    workbook.close()
    return _Importer(reader, survey_sheet, choices_sheet, settings_sheet, survey_id, default_language).run()


class _Importer:
    def __init__(self, reader: _Reader, survey: _Sheet, choices: _Sheet | None, settings: _Sheet | None,
                 survey_id: str | None, default_language: str | None) -> None:
        self.r = reader
        self.survey = survey
        self.choices = choices
        self.settings = settings
        self.survey_id = survey_id
        self.default_language = default_language
        self.texts: dict[str, dict[str, str]] = {}  # language -> context -> text
        self.source_language = ""
        self.rows_of: dict[str, str] = {}  # question name -> "survey!A5"

    # -- helpers ------------------------------------------------------------------------------------------

    def language_columns(self, sheet: _Sheet, base: str) -> list[tuple[tuple[str, str | None], str]]:
        """(column key, Heard code) for each column of `base`, e.g. label::Arabic (ar) -> ar."""
        found = []
        for key in sheet.columns:
            if key[0] != base:
                continue
            if key[1] is None:
                found.append((key, self.source_language))
            else:
                code = self.r.language_code(sheet, key)
                if code is not None:
                    found.append((key, code))
        return found

    def translated(self, sheet: _Sheet, row: tuple[Any, ...], row_number: int, base: str, context: str,
                   *, required_what: str | None = None) -> str | None:
        """Store a translatable cell's texts under `context`; returns the source-language text."""
        source_text = None
        for key, code in self.language_columns(sheet, base):
            value = sheet.text(row, key)
            if not value:
                continue
            if code == self.source_language:
                if source_text is None or key[1] is not None:
                    source_text = value
            else:
                self.texts.setdefault(code, {})[context] = value
        if source_text is None and required_what:
            columns = [sheet.cell(row_number, k) for k, c in self.language_columns(sheet, base)
                       if c == self.source_language]
            self.r.problem(sheet.title, columns[0] if columns else f"A{row_number}",
                           f"{required_what} has no {base} in the source language ({self.source_language})")
        return source_text

    # -- the whole workbook -------------------------------------------------------------------------------

    def run(self) -> ImportedForm:
        self.check_columns()
        settings = self.read_settings()
        lists = self.read_choices()
        questions, groups = self.read_questions(lists)
        document: dict[str, Any] = {
            "id": settings["id"],
            "version": settings["version"],
            "language": self.source_language,
            "title": settings["title"],
        }
        for key in ("intro", "thanks"):
            if settings.get(key):
                document[key] = settings[key]
        if groups:
            document["groups"] = groups
        document["questions"] = questions
        if not questions:
            self.r.problem(self.survey.title, "", "the form has no question Heard can ask")
        if self.r.problems:
            raise XlsFormError(self.r.problems)
        text = f"# Imported from XLSForm {self.r.source} by heard-admin surveys import-xlsform.\n"
        text += yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
        try:
            survey = parse_survey(text, f"{self.r.source} (imported)")
        except SurveyValidationError as exc:
            raise XlsFormError([self._locate(p.message) for p in exc.problems]) from exc
        translations = self.check_translations(survey)
        return ImportedForm(survey, text, translations,
                            {code: spelled for spelled, code in self.r.languages.items()},
                            self.r.skipped, self.r.warnings)

    def _locate(self, message: str) -> XlsProblem:
        match = re.search(r"question '([^']+)'", message)
        if match and match.group(1) in self.rows_of:
            sheet, _, cell = self.rows_of[match.group(1)].partition("!")
            return XlsProblem(sheet, cell, message)
        return XlsProblem(self.survey.title, "", message)

    def check_columns(self) -> None:
        if not self.survey.has("type"):
            self.r.problem(self.survey.title, "A1", "the survey sheet needs a 'type' column")
        if not self.survey.has("name"):
            self.r.problem(self.survey.title, "A1", "the survey sheet needs a 'name' column")
        if not self.survey.has("label"):
            self.r.problem(self.survey.title, "A1", "the survey sheet needs a 'label' column (or label::Language)")

    def read_settings(self) -> dict[str, Any]:
        sheet = self.settings
        row: tuple[Any, ...] = sheet.rows[0] if sheet and sheet.rows else ()
        where = sheet.title if sheet else "settings"

        def setting(name: str) -> str:
            return sheet.text(row, (name, None)) if sheet else ""

        def cell(name: str) -> str:
            return sheet.cell(2, (name, None)) if sheet and (name, None) in sheet.columns else ""

        default = setting("default_language")
        if default:
            match = _CODE_IN_NAME.match(default)
            code = self.r._heard_code(match["code"]) if match else self.r._code_from_name(default)
            if code is None:
                self.r.problem(where, cell("default_language"),
                               f"default_language '{default}' has no code: write it as '{default} (xx)'")
                code = ""
            self.source_language = code
            self.r.languages.setdefault(default, code)
        else:
            spelled = [k[1] for k in self.survey.columns if k[0] == "label" and k[1]]
            has_plain = ("label", None) in self.survey.columns
            if has_plain and self.default_language:
                self.source_language = self.default_language
            elif has_plain and spelled:
                self.source_language = self.r.language_code(self.survey, ("label", spelled[0])) or ""
            elif has_plain:
                self.r.problem(where, "", "say which language the 'label' column is in: default_language in "
                                          "the settings sheet (e.g. 'German (de)'), or --language")
            elif spelled:
                self.source_language = self.r.language_code(self.survey, ("label", spelled[0])) or ""

        form_id = self.survey_id or setting("form_id")
        if not form_id:
            self.r.problem(where, cell("form_id"), "form_id is missing: give it in the settings sheet, or --id")
        elif not NAME_PATTERN.match(form_id):
            self.r.problem(where, "" if self.survey_id else cell("form_id"),
                           f"survey id '{form_id}' must start with a lowercase letter and use only a-z, 0-9 and _ "
                           "(max 40); choose one with --id")
        version_text = setting("version") or "1"
        version = int(version_text) if version_text.isdigit() and 0 < int(version_text) < 2**31 else None
        if version is None:
            self.r.problem(where, cell("version"), f"version '{version_text}' must be a whole number (Heard counts "
                                                   "versions up: raise it when questions change)")
        title = None
        if sheet:
            title = self.translated(sheet, row, 2, "heard_title", "survey.title")
        title = title or setting("form_title")
        if not title:
            self.r.problem(where, cell("form_title"), "form_title is missing: it is the first thing residents read")
        result: dict[str, Any] = {"id": form_id, "version": version, "title": title}
        if sheet:
            result["intro"] = self.translated(sheet, row, 2, "heard_intro", "survey.intro")
            result["thanks"] = self.translated(sheet, row, 2, "heard_thanks", "survey.thanks")
        return result

    def read_choices(self) -> dict[str, list[dict[str, Any]]]:
        lists: dict[str, list[dict[str, Any]]] = {}
        sheet = self.choices
        if sheet is None:
            return lists
        for needed in ("list_name", "name"):
            if not sheet.has(needed):
                self.r.problem(sheet.title, "A1", f"the choices sheet needs a '{needed}' column")
                return lists
        known = {"list_name", "name", "label", "heard_exclusive", "heard_need", "image", "audio", "video", "media"}
        extra = [k for k in sheet.columns if k[1] is None and k[0] not in known]
        for offset, row in enumerate(sheet.rows):
            number = offset + 2
            list_name = sheet.text(row, ("list_name", None))
            name = sheet.text(row, ("name", None))
            if not list_name and not name:
                continue
            if not list_name:
                self.r.problem(sheet.title, sheet.cell(number, ("list_name", None)), "choice without a list_name")
                continue
            if not re.fullmatch(r"[a-z0-9][a-z0-9_]{0,39}", name):
                self.r.problem(sheet.title, sheet.cell(number, ("name", None)),
                               f"choice name '{name}' must use only a-z, 0-9 and _ (max 40)")
                continue
            for media in ("image", "audio", "video"):
                for key in [k for k in sheet.columns if k[0] == media]:
                    if sheet.text(row, key):
                        self.r.unsupported(sheet.title, sheet.cell(number, key), "media in choices is not supported")
            entries = lists.setdefault(list_name, [])
            if any(e["name"] == name for e in entries):
                self.r.problem(sheet.title, sheet.cell(number, ("name", None)),
                               f"choice '{name}' appears twice in list '{list_name}'")
                continue
            entry: dict[str, Any] = {"name": name, "_row": number}
            entry["_labels"] = {code: sheet.text(row, key) for key, code in self.language_columns(sheet, "label")
                                if sheet.text(row, key)}
            entry["label"] = next((sheet.text(row, k) for k, c in self.language_columns(sheet, "label")
                                   if c == self.source_language and k[1] is not None and sheet.text(row, k)),
                                  entry["_labels"].get(self.source_language))
            if not entry["label"]:
                self.r.problem(sheet.title, f"A{number}",
                               f"choice '{name}' of list '{list_name}' has no label in {self.source_language}")
            if _flag(sheet.text(row, ("heard_exclusive", None))):
                entry["exclusive"] = True
            need = sheet.text(row, ("heard_need", None))
            if need:
                entry["need"] = _flag(need)
            attributes = {sheet.raw_headers[k]: sheet.text(row, k) for k in extra if sheet.text(row, k)}
            if attributes:
                entry["attributes"] = attributes
            entries.append(entry)
        return lists

    def read_questions(self, lists: dict[str, list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[dict]]:
        sheet = self.survey
        questions: list[dict[str, Any]] = []
        groups: list[dict[str, Any]] = []
        # each open group: (name, combined relevant, its name if it is a heading else None, row, own relevant)
        stack: list[tuple[str, str | None, str | None, int, str | None]] = []
        skipping_repeat = 0
        self.asked: set[str] = set()
        self.all_names = {sheet.text(row, ("name", None)) for row in sheet.rows}
        names_seen: dict[str, int] = {}
        for offset, row in enumerate(sheet.rows):
            number = offset + 2
            raw_type = sheet.text(row, ("type", None))
            name = sheet.text(row, ("name", None))
            if not raw_type and not name and not any(v is not None and str(v).strip() for v in row):
                continue
            kind = re.sub(r"\s+", " ", raw_type.strip()).lower()
            type_cell = sheet.cell(number, ("type", None)) if ("type", None) in sheet.columns else f"A{number}"
            _head, _, _rest = kind.replace("begin_", "begin ").replace("end_", "end ").partition(" ")
            if kind in ("begin repeat", "begin_repeat"):
                skipping_repeat += 1
                self.r.unsupported(sheet.title, type_cell, f"'{raw_type}': {UNSUPPORTED_TYPES['begin repeat']}")
                continue
            if kind in ("end repeat", "end_repeat"):
                skipping_repeat = max(0, skipping_repeat - 1)
                if self.r.skip_unsupported:
                    self.r.skipped.append(XlsProblem(sheet.title, type_cell, "end of the skipped repeat"))
                continue
            if skipping_repeat:
                if self.r.skip_unsupported:
                    self.r.skipped.append(XlsProblem(sheet.title, type_cell,
                                                     f"'{name or raw_type}' is inside a repeat"))
                continue
            if not kind:
                self.r.problem(sheet.title, type_cell, f"row {number} has no type")
                continue
            if kind in ("begin group", "begin_group"):
                self.begin_group(row, number, name, stack, groups, names_seen)
                continue
            if kind in ("end group", "end_group"):
                if not stack:
                    self.r.problem(sheet.title, type_cell, "'end group' without a 'begin group' before it")
                else:
                    stack.pop()
                continue
            question = self.read_question(row, number, kind, raw_type, name, lists, type_cell)
            if question is None:
                continue
            if name in names_seen:
                self.r.problem(sheet.title, sheet.cell(number, ("name", None)),
                               f"name '{name}' is used twice (first in row {names_seen[name]})")
                continue
            names_seen[name] = number
            self.rows_of[name] = f"{sheet.title}!{sheet.cell(number, ('name', None))}"
            # the innermost labelled group is the heading; the relevant of groups inside it joins the question's
            heading = next((entry for entry in reversed(stack) if entry[2] is not None), None)
            inner = [entry[4] for entry in stack[stack.index(heading) + 1 if heading else 0:] if entry[4]]
            if heading is not None:
                question["group"] = heading[2]
            own = question.get("relevant")
            parts = [*inner, *([own] if own else [])]
            if heading is None:
                parts = [entry[4] for entry in stack if entry[4]] + ([own] if own else [])
            if parts:
                question["relevant"] = _conjunction(parts)
            _relevant_to_show_if(question, questions)
            questions.append(question)
            self.asked.add(name)
        for entry in stack:
            self.r.problem(sheet.title, f"A{entry[3]}", f"group '{entry[0]}' is never closed with 'end group'")
        used = {q.get("group") for q in questions}
        return questions, [g for g in groups if g["name"] in used]

    def begin_group(self, row: tuple[Any, ...], number: int, name: str, stack: list, groups: list,
                    names_seen: dict[str, int]) -> None:
        sheet = self.survey
        if not NAME_PATTERN.match(name or ""):
            self.r.problem(sheet.title, sheet.cell(number, ("name", None)),
                           f"group name '{name}' must start with a lowercase letter and use only a-z, 0-9 and _")
            stack.append((name, None, None, number, None))
            return
        if name in names_seen:
            self.r.problem(sheet.title, sheet.cell(number, ("name", None)),
                           f"name '{name}' is used twice (first in row {names_seen[name]})")
        names_seen[name] = number
        relevant = self.expression(row, number, "relevant")
        label = self.translated(sheet, row, number, "label", f"{name}.label")
        if label:
            outer = [entry[4] for entry in stack if entry[4]]
            combined = _conjunction([*outer, *([relevant] if relevant else [])]) if (outer or relevant) else None
            group: dict[str, Any] = {"name": name, "label": label}
            if combined:
                group["relevant"] = combined
            groups.append(group)
            stack.append((name, combined, name, number, relevant))
        else:
            stack.append((name, None, None, number, relevant))

    def expression(self, row: tuple[Any, ...], number: int, column: str, own: str | None = None) -> str | None:
        """A checked expression cell: it parses, and reads only questions asked before (or `.`, in constraints)."""
        sheet = self.survey
        text = sheet.text(row, (column, None))
        if not text:
            return None
        cell = sheet.cell(number, (column, None))
        try:
            node = xpath.parse(text)
        except xpath.ExpressionError as exc:
            self.r.problem(sheet.title, cell, f"{column} {text!r}: {exc}")
            return None
        for name in sorted(xpath.references(node)):
            if name == own and column == "constraint":
                continue
            if name not in self.asked:
                later = " (it is asked later, so this would never hold)" if name in self.all_names else ""
                self.r.problem(sheet.title, cell, f"{column} refers to ${{{name}}}, which is not a question asked "
                                                  f"before this row{later}")
                return None
        if xpath.uses_current(node) and column != "constraint":
            self.r.problem(sheet.title, cell, f"{column}: '.' (this answer) can only be used in a constraint")
            return None
        if xpath.columns(node) and column != "choice_filter":
            self.r.problem(sheet.title, cell, f"{column} reads {', '.join(sorted(xpath.columns(node)))}: "
                                              "refer to questions as ${name}")
            return None
        return text

    def read_question(self, row: tuple[Any, ...], number: int, kind: str, raw_type: str, name: str,
                      lists: dict[str, list[dict[str, Any]]], type_cell: str) -> dict[str, Any] | None:
        sheet = self.survey
        what = f"'{name or raw_type}'"
        base = kind.split(" ")[0]
        if kind in METADATA_TYPES:
            self.r.unsupported(sheet.title, type_cell,
                               f"{what}: metadata '{raw_type}' is not collected (residents are anonymous)")
            return None
        if base in UNSUPPORTED_TYPES or kind in UNSUPPORTED_TYPES:
            self.r.unsupported(sheet.title, type_cell, f"{what}: '{raw_type}': "
                                                       f"{UNSUPPORTED_TYPES.get(kind, UNSUPPORTED_TYPES.get(base))}")
            return None
        if kind.endswith(" or_other"):
            self.r.unsupported(sheet.title, type_cell,
                               f"{what}: 'or_other' is not supported "
                               "(add an 'other' choice and a text question shown if it is chosen)")
            return None
        mapping = {"integer": QuestionType.NUMBER, "int": QuestionType.NUMBER, "decimal": QuestionType.DECIMAL,
                   "text": QuestionType.TEXT, "string": QuestionType.TEXT, "note": QuestionType.NOTE,
                   "range": QuestionType.SCALE, "select_one": QuestionType.SINGLE,
                   "select_multiple": QuestionType.MULTI, "select1": QuestionType.SINGLE,
                   "select all that apply": QuestionType.MULTI}
        qtype = mapping.get(base)
        if qtype is None:
            self.r.unsupported(sheet.title, type_cell, f"{what}: type '{raw_type}' is not supported")
            return None
        if not NAME_PATTERN.match(name):
            cell = sheet.cell(number, ("name", None)) if ("name", None) in sheet.columns else type_cell
            self.r.problem(sheet.title, cell, f"name '{name}' must start with a lowercase letter and use only "
                                              "a-z, 0-9 and _ (max 40): Heard stores answers under it")
            return None
        for column, why in UNSUPPORTED_COLUMNS.items():
            for key in [k for k in sheet.columns if k[0] == column]:
                if sheet.text(row, key):
                    self.r.unsupported(sheet.title, sheet.cell(number, key), f"{what}: {why}")
        for key in [k for k in sheet.columns if k[0] == "media"]:
            if sheet.text(row, key):
                self.r.unsupported(sheet.title, sheet.cell(number, key), f"{what}: media in labels is not supported")
        question: dict[str, Any] = {"name": name, "type": qtype.value}
        heard_field = sheet.text(row, ("heard_field", None)) or "core"
        if heard_field not in THEMATIC_FIELDS:
            self.r.problem(sheet.title, sheet.cell(number, ("heard_field", None)),
                           f"heard_field must be one of {', '.join(THEMATIC_FIELDS)}")
        question["field"] = heard_field
        label = self.translated(sheet, row, number, "label", f"{name}.label", required_what=what)
        question["label"] = label or ""
        hint = self.translated(sheet, row, number, "hint", f"{name}.hint")
        if hint:
            question["hint"] = hint
        required_text = sheet.text(row, ("required", None)).lower()
        if required_text not in _YES | _NO:
            self.r.unsupported(sheet.title, sheet.cell(number, ("required", None)),
                               f"{what}: required must be yes or no (expressions are not supported)")
        elif required_text in _YES and qtype is not QuestionType.NOTE:
            question["required"] = True
        for key in ("constraint_message", "required_message"):
            text = self.translated(sheet, row, number, key, f"{name}.{key}")
            if text:
                question[key] = text
        for column in ("relevant", "constraint", "choice_filter"):
            expression = self.expression(row, number, column, own=name)
            if expression:
                question[column] = expression
        if _flag(sheet.text(row, ("heard_sensitive", None))):
            question["sensitive"] = True
        max_length = sheet.text(row, ("heard_max_length", None))
        if max_length.isdigit() and qtype is QuestionType.TEXT:
            question["max_length"] = int(max_length)
        parameters = sheet.text(row, ("parameters", None))
        if parameters and qtype is not QuestionType.SCALE:
            self.r.unsupported(sheet.title, sheet.cell(number, ("parameters", None)),
                               f"{what}: parameters are only read for range questions")
        minimum, maximum = sheet.text(row, ("heard_min", None)), sheet.text(row, ("heard_max", None))
        if qtype in (QuestionType.NUMBER, QuestionType.DECIMAL) and minimum and maximum:
            question["min"], question["max"] = int(float(minimum)), int(float(maximum))
            if question.get("constraint") == _bounds_constraint(question["min"], question["max"]):
                del question["constraint"]
        if qtype is QuestionType.SCALE and not self.read_range(question, parameters, number, what):
            return None
        if qtype in (QuestionType.SINGLE, QuestionType.MULTI):
            list_name = kind.split(" ", 1)[1].strip() if " " in kind else ""
            original = raw_type.split(None, 1)[1].strip() if len(raw_type.split(None, 1)) > 1 else ""
            entries = lists.get(original) or lists.get(list_name)
            if not list_name:
                self.r.problem(sheet.title, type_cell, f"{what}: '{raw_type}' needs a list name")
                return None
            if entries is None:
                self.r.problem(sheet.title, type_cell, f"{what}: list '{original}' is not in the choices sheet")
                return None
            question["choices"] = self.choice_entries(entries, name)
            if sheet.text(row, ("heard_type", None)).lower() == "scale" and minimum and maximum:
                self.as_scale(question, int(minimum), int(maximum), number, what)
            choices_from = sheet.text(row, ("heard_choices_from", None))
            if choices_from:
                question["choices_from"] = choices_from
        for low_high in ("low_label", "high_label"):
            text = self.translated(sheet, row, number, f"heard_{low_high}", f"{name}.{low_high}")
            if text and question["type"] == "scale":
                question[low_high] = text
        return question

    def read_range(self, question: dict[str, Any], parameters: str, number: int, what: str) -> bool:
        sheet = self.survey
        cell = sheet.cell(number, ("parameters", None)) if ("parameters", None) in sheet.columns else f"A{number}"
        values = {"start": "0", "end": "10", "step": "1"}
        for part in parameters.replace(";", " ").replace(",", " ").split():
            key, _, value = part.partition("=")
            if key.strip() not in values:
                self.r.unsupported(sheet.title, cell, f"{what}: range parameter '{key}' is not supported")
                return False
            values[key.strip()] = value.strip()
        try:
            start, end, step = (float(values[k]) for k in ("start", "end", "step"))
        except ValueError:
            self.r.problem(sheet.title, cell, f"{what}: range parameters must be numbers")
            return False
        if step != 1 or not start.is_integer() or not end.is_integer():
            self.r.unsupported(sheet.title, cell, f"{what}: a range becomes a scale of whole points: step must be 1")
            return False
        if not 0 < end - start <= 9:
            self.r.unsupported(sheet.title, cell, f"{what}: a range becomes a scale of 2 to 10 points "
                                                  f"(start={int(start)} end={int(end)})")
            return False
        question["min"], question["max"] = int(start), int(end)
        return True

    def as_scale(self, question: dict[str, Any], minimum: int, maximum: int, number: int, what: str) -> None:
        """A Heard scale with extra choices travels as select_one over the points plus those choices."""
        points = {str(p) for p in range(minimum, maximum + 1)}
        question["type"] = "scale"
        question["min"], question["max"] = minimum, maximum
        extra = [c for c in question["choices"] if c["name"] not in points]
        if extra:
            question["choices"] = extra
        else:
            del question["choices"]
        for point in points:
            for language in self.texts.values():
                language.pop(f"{question['name']}.{point}", None)

    def choice_entries(self, entries: list[dict[str, Any]], question: str) -> list[dict[str, Any]]:
        result = []
        for entry in entries:
            for code, text in entry["_labels"].items():
                if code != self.source_language:
                    self.texts.setdefault(code, {})[f"{question}.{entry['name']}"] = text
            result.append({k: v for k, v in entry.items() if not k.startswith("_")})
        return result

    def check_translations(self, survey: Survey) -> dict[str, dict[str, str]]:
        """Keep translations of texts the survey has; say which languages are incomplete or unknown to the bot."""
        contexts = [context for context, _ in survey_template_entries(survey)]
        result: dict[str, dict[str, str]] = {}
        for code, texts in sorted(self.texts.items()):
            kept = {c: texts[c] for c in contexts if c in texts}
            result[code] = kept
            missing = [c for c in contexts if c not in kept]
            if missing:
                title = (" (XLSForm cannot translate form_title: add a heard_title::Language (code) column to the "
                         "settings sheet)") if "survey.title" in missing else ""
                self.r.warnings.append(
                    f"{code}: {len(missing)} of {len(contexts)} texts have no translation "
                    f"(e.g. {', '.join(missing[:3])}){title}; residents of this survey can choose {code} once "
                    "they are translated"
                )
            if self.r.catalogs is not None and code not in self.r.catalogs.languages:
                self.r.warnings.append(
                    f"{code}: Heard's bot has no catalog for this language, so residents cannot choose it yet: the "
                    f"bot's own buttons and messages need translating first (heard-admin translations update {code})"
                )
        return result


def survey_template_entries(survey: Survey) -> list[tuple[str, str]]:
    from surveys.translations import survey_messages

    return survey_messages(survey)


def _flag(text: str) -> bool:
    return text.strip().lower() in _YES


def _conjunction(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return " and ".join(f"({part})" for part in parts)


def _bounds_constraint(minimum: int, maximum: int) -> str:
    return f". >= {minimum} and . <= {maximum}"


def _relevant_to_show_if(question: dict[str, Any], earlier: list[dict[str, Any]]) -> None:
    """`selected(${q}, 'a') or selected(${q}, 'b')` over an earlier choice question is Heard's `show_if`: use
    it, so paper questionnaires print the skip instruction and the round trip gives back the same survey."""
    relevant = question.get("relevant")
    if not relevant:
        return
    conditions: dict[str, list[str]] = {}
    for conjunct in _split_top(relevant, " and "):
        terms = _split_top(conjunct.strip().removeprefix("(").removesuffix(")")
                           if _wrapped(conjunct.strip()) else conjunct.strip(), " or ")
        names = set()
        values = []
        for term in terms:
            match = _SHOW_IF_TERM.match(term.strip())
            if match is None:
                return
            names.add(match["q"])
            values.append(match["v"])
        if len(names) != 1:
            return
        (name,) = names
        source = next((q for q in earlier if q["name"] == name), None)
        if source is None or source["type"] not in ("single", "multi", "scale") or name in conditions:
            return
        valid = {c["name"] for c in source.get("choices", [])}
        if source["type"] == "scale":
            valid |= {str(p) for p in range(source["min"], source["max"] + 1)}
        if not set(values) <= valid:
            return
        conditions[name] = values
    question["show_if"] = conditions
    del question["relevant"]
    # keep the key order of hand-written files: show_if after the texts
    choices = question.pop("choices", None)
    if choices is not None:
        question["choices"] = choices


def _wrapped(text: str) -> bool:
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for index, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and index < len(text) - 1:
            return False
    return True


def _split_top(text: str, separator: str) -> list[str]:
    """Split at `separator` outside parentheses and quotes."""
    parts, depth, quote, start, index = [], 0, "", 0, 0
    while index < len(text):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index])
            index += len(separator)
            start = index
            continue
        index += 1
    parts.append(text[start:])
    return parts


# ------------------------------------------------------------------------------------------------ writing


def catalog_texts(survey: Survey, locales_dir: Path) -> dict[str, dict[str, str]]:
    """language -> msgctxt -> translation, from every language folder with a catalog of this survey."""
    result: dict[str, dict[str, str]] = {}
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{survey_domain(survey.id)}.po")):
        code = po_path.parent.parent.name
        if code == survey.language:
            continue
        catalog = read_catalog(po_path)
        texts = {}
        for message in catalog:
            if message.id and message.context and message.string and not message.fuzzy:
                texts[message.context] = message.string if isinstance(message.string, str) else message.string[0]
        result[code] = texts
    return result


def language_header(code: str) -> str:
    name = LANGUAGE_NAMES.get(code)
    if name is None:
        try:
            name = Locale.parse(code).english_name
        except (UnknownLocaleError, ValueError):
            name = code
    return f"{name} ({code.replace('_', '-')})"


def write_xlsform(survey: Survey, translations: Mapping[str, Mapping[str, str]], target: Path | io.BytesIO) -> None:
    """Write `survey` (loaded without areas) and its translations as an XLSForm workbook."""
    languages = [survey.language, *sorted(code for code in translations if code != survey.language)]
    headers = {code: language_header(code) for code in languages}

    def texts(context: str, source: str | None) -> list[str]:
        if not source:
            return ["" for _ in languages]
        return [source if code == survey.language else translations.get(code, {}).get(context, "")
                for code in languages]

    def columns(base: str) -> list[str]:
        return [f"{base}::{headers[code]}" for code in languages]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    header = ["type", "name", *columns("label"), *columns("hint"), "required", *columns("required_message"),
              "relevant", "constraint", *columns("constraint_message"), "choice_filter", "parameters",
              "heard_field", "heard_sensitive", "heard_type", "heard_min", "heard_max", "heard_max_length",
              "heard_choices_from", *columns("heard_low_label"), *columns("heard_high_label")]
    sheet.append(header)
    choices_rows: list[list[Any]] = []
    attribute_names = sorted({k for q in survey.questions for c in q.choices for k, _ in c.attributes})
    blank = {key: "" for key in header}

    def row(values: dict[str, Any]) -> list[Any]:
        return [values.get(key, "") for key in header]

    current_group: str | None = None
    for question in survey.questions:
        if question.group != current_group:
            if current_group is not None:
                sheet.append(row({"type": "end_group"}))
            if question.group is not None:
                group = survey.group(question.group)
                assert group is not None
                values = {**blank, "type": "begin_group", "name": group.name, "relevant": group.relevant or ""}
                values.update(zip(columns("label"), texts(f"{group.name}.label", group.label), strict=True))
                sheet.append(row(values))
            current_group = question.group
        sheet.append(row(_question_row(question, columns, texts)))
        choices_rows += _choice_rows(question, languages, texts, attribute_names)
    if current_group is not None:
        sheet.append(row({"type": "end_group"}))

    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", *columns("label"), "heard_exclusive", "heard_need", *attribute_names])
    for choice_row in choices_rows:
        choices.append(choice_row)

    settings = workbook.create_sheet("settings")
    settings_header = ["form_id", "version", "default_language", "form_title", *columns("heard_title")]
    settings_values: list[Any] = [survey.id, str(survey.version), headers[survey.language], survey.title,
                                  *texts("survey.title", survey.title)]
    for key in ("intro", "thanks"):
        if getattr(survey, key):
            settings_header += columns(f"heard_{key}")
            settings_values += texts(f"survey.{key}", getattr(survey, key))
    settings.append(settings_header)
    settings.append(settings_values)
    workbook.save(target)


def _question_row(question: Question, columns, texts) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    name = question.name
    values: dict[str, Any] = {"name": name, "heard_field": question.field}
    for base, source in (("label", question.label), ("hint", question.hint),
                         ("required_message", question.required_message),
                         ("constraint_message", question.constraint_message),
                         ("heard_low_label", question.low_label), ("heard_high_label", question.high_label)):
        context = f"{name}.{base.removeprefix('heard_')}"
        values.update(zip(columns(base), texts(context, source), strict=True))
    if question.required:
        values["required"] = "yes"
    relevant = [_show_if_expression(c.question, sorted(c.any_of)) for c in question.show_if]
    if question.relevant:
        relevant.append(question.relevant)
    if relevant:
        values["relevant"] = _conjunction(relevant)
    if question.constraint:
        values["constraint"] = question.constraint
    if question.choice_filter:
        values["choice_filter"] = question.choice_filter
    if question.sensitive:
        values["heard_sensitive"] = "yes"
    if question.choices_from:
        values["heard_choices_from"] = question.choices_from
    kind = question.type
    if kind is QuestionType.SINGLE:
        values["type"] = f"select_one {name}"
    elif kind is QuestionType.MULTI:
        values["type"] = f"select_multiple {name}"
    elif kind is QuestionType.SCALE and question.choices:
        values.update({"type": f"select_one {name}", "heard_type": "scale", "heard_min": question.minimum,
                       "heard_max": question.maximum})
    elif kind is QuestionType.SCALE:
        values.update({"type": "range", "parameters": f"start={question.minimum} end={question.maximum} step=1"})
    elif kind in (QuestionType.NUMBER, QuestionType.DECIMAL):
        values["type"] = "integer" if kind is QuestionType.NUMBER else "decimal"
        if question.minimum is not None and question.maximum is not None:
            values.update({"heard_min": question.minimum, "heard_max": question.maximum})
            if not question.constraint:  # so that ODK and Kobo enforce the same bounds
                values["constraint"] = _bounds_constraint(question.minimum, question.maximum)
    elif kind is QuestionType.TEXT:
        values["type"] = "text"
        if question.max_length != 500:
            values["heard_max_length"] = question.max_length
    else:
        values["type"] = "note"
    return values


def _choice_rows(question: Question, languages: list[str], texts, attribute_names: list[str]) -> list[list[Any]]:  # type: ignore[no-untyped-def]
    rows: list[list[Any]] = []
    if question.type is QuestionType.SCALE and question.choices:
        assert question.minimum is not None and question.maximum is not None
        for point in range(question.minimum, question.maximum + 1):
            rows.append([question.name, str(point), *[str(point) for _ in languages], "", "",
                         *["" for _ in attribute_names]])
    for choice in question.choices:
        attributes = dict(choice.attributes)
        rows.append([
            question.name, choice.name, *texts(f"{question.name}.{choice.name}", choice.label),
            "yes" if choice.exclusive else "", "" if choice.need is None else ("yes" if choice.need else "no"),
            *[attributes.get(a, "") for a in attribute_names],
        ])
    return rows


def _show_if_expression(question: str, values: list[str]) -> str:
    return " or ".join(f"selected(${{{question}}}, '{value}')" for value in values)


def write_catalogs(imported: ImportedForm, locales_dir: Path) -> list[Path]:
    """Write one survey catalog per translated language (and compile it); returns the .po paths."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from surveys.translations import _babel_locale, compile_catalog

    template = survey_template(imported.survey)
    written = []
    for code, texts in imported.translations.items():
        catalog = Catalog(locale=_babel_locale(code), domain=survey_domain(imported.survey.id), fuzzy=False,
                          project=f"Heard survey {imported.survey.id}")
        for message in template:
            if message.id:
                catalog.add(message.id, string=texts.get(message.context or "", ""), context=message.context)
        po_path = locales_dir / code / "LC_MESSAGES" / f"{survey_domain(imported.survey.id)}.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=100)
        po_path.write_bytes(buffer.getvalue())
        compile_catalog(po_path)
        written.append(po_path)
    return written
