"""An XLSForm as a Heard survey: pyxform's normalised form translated into Heard's survey document (the YAML
the loader validates) and one set of translations per language.

What Heard runs it keeps, under safe keys with the form's own names beside them; what a chat cannot ask
(repeats, locations, media, device metadata) is left out with one line each when the officer asks for that
(`skip_unsupported`) and refused otherwise; nothing is returned while a problem remains.

Heard-specific details XLSForm has no column for travel in `heard_*` columns (XLSForm tools ignore unknown
columns): the thematic field, sensitive questions, exclusive and need choices, scales with extra choices, the
municipality's areas, intro and thanks, translated titles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from surveys.core.model import THEMATIC_FIELDS, QuestionType, Survey
from surveys.forms.loader import NAME_PATTERN, SurveyValidationError, parse_survey
from surveys.forms.xlsform import expressions
from surveys.forms.xlsform.expressions import Names
from surveys.forms.xlsform.languages import Languages
from surveys.forms.xlsform.loops import one_round
from surveys.forms.xlsform.names import Keys
from surveys.forms.xlsform.problems import Report, XlsFormError, XlsProblem
from surveys.forms.xlsform.show_if import relevant_to_show_if
from surveys.forms.xlsform.texts import (
    FormLanguages,
    TextCollector,
    as_written,
    resolve_languages,
    single_colon_texts,
)
from surveys.forms.xlsform.types import REPEAT, kind_of
from surveys.forms.xlsform.workbook import Workbook, read_workbook
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs
from surveys.i18n.tooling import survey_messages

_YES = {"yes", "true", "true()", "1"}
_NO = {"no", "false", "false()", "0", ""}
#: Survey columns whose behaviour Heard lacks: a filled cell is left out (or refused), one line each.
_UNSUPPORTED_CELLS = {
    "default": "default answers are not supported",
    "trigger": "triggers are not supported",
}


def N_(message: str) -> str:
    """Marks a text for the bot's catalog (`heard-admin translations extract`) without translating it here."""
    return message


#: Texts Heard adds for `or_other`, translated from the bot's own catalog into the form's languages.
OTHER_LABEL = N_("Other")
SPECIFY_OTHER_LABEL = N_("Please specify:")


@dataclass
class ImportedForm:
    survey: Survey
    document: dict[str, Any]
    """The survey as Heard's YAML document (the loader validated it)."""
    translations: dict[str, dict[str, str]]
    """language code -> msgctxt -> translated text (the source language is the document itself)."""
    languages: dict[str, str]
    """Heard language code -> the language as the workbook names it."""
    source_version: str | None = None
    """The form's own version (any text: `vw6VTbhmVCMEtuN7LhcmjP`, `2024031501`); Heard numbers its own."""
    skipped: list[XlsProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def yaml_text(self) -> str:
        return render_yaml(self.document, self.survey.source)

    def with_version(self, version: int) -> ImportedForm:
        """The same form as Heard's version `version`."""
        document = {**self.document, "version": version}
        survey = parse_survey(render_yaml(document, self.survey.source), self.survey.source)
        return replace(self, survey=survey, document=document)


def render_yaml(document: Mapping[str, Any], source: str) -> str:
    header = f"# Imported from XLSForm {Path(source.removesuffix(' (imported)')).name} by heard-admin.\n"
    return header + yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False, width=100)


def read_xlsform(
    path: Path,
    survey_id: str | None = None,
    *,
    skip_unsupported: bool = False,
    catalogs: Catalogs | None = None,
    default_language: str | None = None,
) -> ImportedForm:
    """Read an XLSForm workbook (.xlsx, .xlsm, .xls). Raises XlsFormError with every problem; returns the
    survey and its texts.

    `catalogs` tells which languages Heard's bot speaks (to match language names to them, to translate the
    texts Heard adds, and to warn about languages residents cannot choose yet); `default_language` names the
    language of plain `label` columns when the settings do not."""
    workbook = read_workbook(path)
    report = Report(skip_unsupported)
    return _Translator(workbook, report, catalogs, survey_id, default_language).run()


@dataclass
class _Open:
    """A group being walked: its key if it is a section heading (it has a label), and its own relevant."""

    key: str | None
    relevant: str | None


class _Translator:
    def __init__(self, workbook: Workbook, report: Report, catalogs: Catalogs | None, survey_id: str | None,
                 default_language: str | None) -> None:
        self.wb = workbook
        self.report = report
        self.catalogs = catalogs
        self.survey_id = survey_id
        self.languages: FormLanguages = resolve_languages(
            workbook.form, workbook.cells, Languages(catalogs.languages if catalogs else ()), report,
            default_language,
        )
        self.texts = TextCollector(self.languages)
        self.names = Names()
        self.keys = Keys()
        self.questions: list[dict[str, Any]] = []
        self.groups: list[dict[str, Any]] = []
        self.calculations: list[dict[str, Any]] = []
        self.rows_of: dict[str, str] = {}  # safe key -> "survey!B5", for the loader's messages
        self.row_cursor = 0
        self.piped_left_out: set[str] = set()
        self.unrolled: dict[str, int] = {}  # names of rows asked once per choice of a loop -> the row written

    # -- the whole form -------------------------------------------------------------------------------------

    def run(self) -> ImportedForm:
        form = self.wb.form
        self.names.everything = set(self._all_names(form.get("children", [])))
        self._prepare_keys(form.get("children", []))
        self.walk(form.get("children", []), [])
        document = self.document()
        if not self.questions:
            self.report.problem(self.wb.cells.title("survey"), "", "the form has no question Heard can ask")
        if self.report.problems:
            raise XlsFormError(self.report.problems)
        source = f"{self.wb.source} (imported)"
        try:
            survey = parse_survey(render_yaml(document, source), source)
        except SurveyValidationError as exc:
            raise XlsFormError([self._locate(p.message) for p in exc.problems]) from exc
        translations = self.check_translations(survey)
        version = form.get("version")
        return ImportedForm(survey, document, translations, self.languages.spelled(),
                            str(version) if version not in (None, "") else None,
                            self.report.skipped, self.report.warnings)

    def document(self) -> dict[str, Any]:
        form = self.wb.form
        form_id = str(form.get("id_string") or Path(self.wb.source).stem)
        survey_id = self.survey_id or (form_id if NAME_PATTERN.match(form_id) else Keys().key(form_id))
        if not NAME_PATTERN.match(survey_id):
            self.report.problem("settings", "", f"survey id '{survey_id}' must start with a lowercase letter and use "
                                           "only a-z, 0-9 and _ (max 40); choose one with --id")
        written = list(self.wb.settings.values())
        title = self.texts.take(form.get("heard_title"), "survey.title", written=written)
        title = title or as_written(str(form.get("title") or form_id), written)
        document: dict[str, Any] = {"id": survey_id, "version": 1, "language": self.languages.source,
                                    "title": title}
        if form_id != survey_id:
            document["source_name"] = form_id
        for key in ("intro", "thanks"):
            text = self.texts.take(form.get(f"heard_{key}"), f"survey.{key}", written=written)
            if text:
                document[key] = text
        used = {q.get("group") for q in self.questions}
        groups = [g for g in self.groups if g["name"] in used]
        if groups:
            document["groups"] = groups
        if self.calculations:
            document["calculations"] = self.calculations
        document["questions"] = self.questions
        return document

    def _all_names(self, children: list[dict[str, Any]]) -> Iterator[str]:
        for element in children:
            if element.get("name"):
                yield str(element["name"])
            yield from self._all_names(element.get("children", []))

    def _prepare_keys(self, children: list[dict[str, Any]]) -> None:
        """Safe keys for every named element, in sheet order, before any expression is read."""
        for element in children:
            name = element.get("name")
            if name and not self._generated(element):
                self.names.keys.setdefault(str(name), self.keys.key(str(name)))
                if kind_of(str(element.get("type", ""))).calculation:
                    self.names.available.add(self.names.keys[str(name)])
            if element.get("type") not in ("repeat", "loop"):
                self._prepare_keys(element.get("children", []))

    def _generated(self, element: dict[str, Any]) -> bool:
        """Made by pyxform, not written in the sheet: the meta block, or_other's text question, table-list
        labels."""
        name = str(element.get("name", ""))
        if name == "meta" and element.get("control", {}).get("bodyless"):
            return True
        return name not in self.unrolled and self.wb.survey_row(name) is None

    def row_of(self, name: str) -> int | None:
        if name in self.unrolled:
            return self.unrolled[name]
        row = self.wb.survey_row(name, after=self.row_cursor) or self.wb.survey_row(name)
        self.row_cursor = max(self.row_cursor, row or 0)
        return row

    def loop(self, element: dict[str, Any], row: int | None, stack: list[_Open]) -> None:
        """`begin loop over list`: the block is asked once for each choice of the list (a section each, its
        label in `%(label)s`), as ODK does; references to the block's own rows stay within the round."""
        loop_name = str(element["name"])
        children = [child for child in element.get("children", []) if child.get("name")]
        inner = {str(child["name"]) for child in children}
        written = {str(value).strip() for row_cells in self.wb.rows["choices"] for key, value in row_cells.items()
                   if key.strip().lower() in ("name", "value")}
        for column in element.get("columns") or []:
            column_name = str(column.get("name", ""))
            if column_name == "other" and column_name not in written:
                continue  # pyxform's, added to the list for an or_other question elsewhere
            copies = {name: f"{loop_name}_{column_name}_{name}" for name in inner}
            for name, copy in copies.items():
                self.unrolled[copy] = self.wb.survey_row(name) or row or 0
                self.names.everything.add(copy)
                self.names.keys[copy] = self.keys.key(copy)
            group = {"type": "group", "name": f"{loop_name}_{column_name}", "label": column.get("label"),
                     "children": [one_round(child, copies, column) for child in children]}
            self.unrolled[group["name"]] = row or 0
            self.names.keys[group["name"]] = self.keys.key(group["name"])
            self.walk([group], stack)

    def _locate(self, message: str) -> XlsProblem:
        match = re.search(r"(?:question|calculation) '([^']+)'", message)
        if match and match.group(1) in self.rows_of:
            sheet, _, cell = self.rows_of[match.group(1)].partition("!")
            return XlsProblem(sheet, cell, message)
        return XlsProblem(self.wb.cells.title("survey"), "", message)

    # -- walking the rows -------------------------------------------------------------------------------------

    def walk(self, children: list[dict[str, Any]], stack: list[_Open]) -> None:
        for element in children:
            if self._generated(element):
                continue
            name = str(element["name"])
            row = self.row_of(name)
            kind = str(element.get("type", ""))
            if kind == "loop" and element.get("columns"):
                self.loop(element, row, stack)
            elif kind in ("repeat", "loop"):
                self.leave_out_block(element, row)
            elif kind == "group":
                self.group(element, row, stack)
            else:
                self.element(element, row, kind, stack)

    def where(self, row: int | None, key: str = "type", language: str | None = None) -> tuple[str, str]:
        return self.wb.cells.title("survey"), self.wb.cells.cell("survey", row, key, language)

    def left_out(self, name: str, row: int | None, message: str, key: str = "type") -> None:
        sheet, cell = self.where(row, key)
        self.report.unsupported(sheet, cell, message)
        self.names.left_out[name] = f"{sheet}!{cell}"
        self.names.keys.pop(name, None)

    def leave_out_block(self, element: dict[str, Any], row: int | None) -> None:
        inside = [n for n in self._all_names(element.get("children", []))]
        count = sum(1 for n in inside if self.wb.survey_row(n) is not None)
        name = str(element["name"])
        self.left_out(name, row, f"'{name}': repeat with {count} row{'s' if count != 1 else ''} left out: {REPEAT}")
        for inner in inside:
            self.names.left_out.setdefault(inner, self.names.left_out[name])
        self.row_cursor = max([self.row_cursor, *(self.wb.survey_row(n) or 0 for n in inside)])

    def group(self, element: dict[str, Any], row: int | None, stack: list[_Open]) -> None:
        name = str(element["name"])
        key = self.names.keys[name]
        relevant = self.expression(element, row, "relevant", name)
        if relevant is False:
            self.leave_out_group(element, row)
            return
        label = self.texts.take(element.get("label"), f"{key}.label", self.piped,
                                single_colon_texts(element, "label"), self.written(row))
        entry = _Open(key if label else None, relevant or None)
        if label:
            outer = [o.relevant for o in stack if o.relevant]
            parts = [*outer, *([relevant] if relevant else [])]
            group: dict[str, Any] = {"name": key, "label": label}
            if parts:
                group["relevant"] = _conjunction(parts)
            if key != name:
                group["source_name"] = name
            self.groups.append(group)
        self.walk(element.get("children", []), [*stack, entry])

    def leave_out_group(self, element: dict[str, Any], row: int | None) -> None:
        """A group whose relevant reads a left-out question: its rows are left out with it (one line)."""
        for inner in self._all_names(element.get("children", [])):
            self.names.left_out.setdefault(inner, self.names.left_out.get(str(element["name"]), ""))
            self.names.keys.pop(inner, None)
        inside = list(self._all_names(element.get("children", [])))
        self.row_cursor = max([self.row_cursor, *(self.wb.survey_row(n) or 0 for n in inside)])

    def element(self, element: dict[str, Any], row: int | None, kind: str, stack: list[_Open]) -> None:
        name = str(element["name"])
        what = f"'{name}'"
        heard = kind_of(kind)
        if heard.unsupported:
            shown = self._type_cell(row) or kind
            self.left_out(name, row, f"{what} ({shown}): {heard.unsupported}")
            return
        if heard.calculation:
            self.calculation(element, row)
            return
        assert heard.question is not None
        question = self.question(element, row, heard.question, stack)
        if question is not None:
            self.questions.append(question)
            self.names.available.add(question["name"])
            if self._or_other(row) and question["type"] in ("single", "multi"):
                self.or_other(question, row)

    def written(self, row: int | None) -> list[str]:
        return list(self.wb.rows["survey"][row - 2].values()) if row else []

    def _or_other(self, row: int | None) -> bool:
        """`select_one list or_other` (or the older `... or specify other`)."""
        return re.search(r"\bor[_ ](?:specify )?other$", self._type_cell(row) or "") is not None

    def _type_cell(self, row: int | None) -> str | None:
        if row is None:
            return None
        for key, value in self.wb.rows["survey"][row - 2].items():
            if key.strip().lower() in ("type", "command"):
                return re.sub(r"\s+", " ", str(value).strip())
        return None

    # -- expressions -----------------------------------------------------------------------------------------

    def expression(self, element: dict[str, Any], row: int | None, column: str, name: str) -> str | bool | None:
        """The checked expression of a cell; None if empty or refused; False if it reads a left-out question
        (then the caller leaves its row out too, as the line it reports says)."""
        bind = element.get("bind", {})
        text = {"relevant": bind.get("relevant"), "constraint": bind.get("constraint"),
                "calculation": bind.get("calculate"), "choice_filter": element.get("choice_filter")}[column]
        if not text or not str(text).strip():
            return None
        text = str(text).strip()
        choice_columns = None
        if column == "choice_filter":
            choice_columns = {"name"} | {str(k) for entry in element.get("choices") or [] for k in entry
                                         if k not in _CHOICE_KEYS and not str(k).startswith(("label:", "heard_", "_"))}
        outcome = expressions.translate(text, column, self.names, own=name if column == "constraint" else None,
                                        choice_columns=choice_columns)
        sheet, cell = self.where(row, column)
        if outcome.reads_left_out is not None:
            gone = outcome.reads_left_out
            place = self.names.left_out.get(gone, "")
            consequence = {"relevant": "left out with it", "calculation": "left out with it",
                           "constraint": "its constraint is left out",
                           "choice_filter": "all its choices are offered"}[column]
            message = f"'{name}': {column} reads ${{{gone}}}, which is left out{f' ({place})' if place else ''}: " \
                      f"{consequence}"
            if column in ("relevant", "calculation"):
                self.left_out(name, row, message, key=column)
                return False
            self.report.unsupported(sheet, cell, message)
            return None
        if outcome.problem is not None and outcome.unsupported:
            if column in ("relevant", "calculation"):
                self.left_out(name, row, f"'{name}': {outcome.problem}", key=column)
                return False
            consequence = "it is left out" if column == "constraint" else "all its choices are offered"
            self.report.unsupported(sheet, cell, f"'{name}': {outcome.problem}: {consequence}")
            return None
        if outcome.problem is not None:
            self.report.problem(sheet, cell, outcome.problem)
            return None
        return outcome.expression

    def piped(self, text: str) -> str:
        """A label or hint with `${name}` in safe keys; a left-out name shows nothing (said once)."""
        for reference in re.findall(r"\$\{\s*([^}\s]*)\s*\}", text):
            if reference in self.names.left_out and reference not in self.piped_left_out:
                self.piped_left_out.add(reference)
                self.report.warn(f"texts that show ${{{reference}}} show nothing in its place: it is left out")
        return expressions.rename_in_text(text, self.names.keys, self.names.left_out)

    # -- calculations ----------------------------------------------------------------------------------------

    def calculation(self, element: dict[str, Any], row: int | None) -> None:
        name = str(element["name"])
        if not element.get("bind", {}).get("calculate"):
            self.left_out(name, row, f"'{name}' (calculate): it has no calculation (defaults are not supported)")
            return
        expression = self.expression(element, row, "calculation", name)
        if expression is False:
            return
        if expression is None:
            self.names.left_out.setdefault(name, "")
            return
        key = self.names.keys[name]
        entry: dict[str, Any] = {"name": key, "calculation": expression}
        if key != name:
            entry["source_name"] = name
        self.calculations.append(entry)
        self.rows_of[key] = "!".join(self.where(row, "calculation"))
        self.names.available.add(key)

    # -- questions -------------------------------------------------------------------------------------------

    def question(self, element: dict[str, Any], row: int | None, kind: QuestionType,
                 stack: list[_Open]) -> dict[str, Any] | None:
        name = str(element["name"])
        key = self.names.keys[name]
        what = f"'{name}'"
        relevant = self.expression(element, row, "relevant", name)
        if relevant is False:
            return None
        if not self.cells_supported(element, row, what):
            return None
        question: dict[str, Any] = {"name": key, "type": kind.value}
        if key != name:
            question["source_name"] = name
        heard_field = str(element.get("heard_field") or "core")
        if heard_field not in THEMATIC_FIELDS:
            self.report.problem(*self.where(row, "heard_field"),
                           f"heard_field must be one of {', '.join(THEMATIC_FIELDS)}")
        question["field"] = heard_field
        written = self.written(row)
        label = self.texts.take(element.get("label"), f"{key}.label", self.piped, single_colon_texts(element, "label"),
                                written)
        hint = self.texts.take(element.get("hint"), f"{key}.hint", self.piped, single_colon_texts(element, "hint"),
                               written)
        if not label and hint:
            label, hint = hint, None
            for texts in self.texts.translations.values():
                if f"{key}.hint" in texts:
                    texts[f"{key}.label"] = texts.pop(f"{key}.hint")
        if not label:
            if element.get("media"):
                self.left_out(name, row, f"{what}: it shows only a picture or recording, no text")
                return None
            sheet, cell = self.where(row, "label", self._source_spelling())
            self.report.problem(sheet, cell, f"{what} has no label in the source language ({self.languages.source})")
            label = ""
        question["label"] = label
        if hint:
            question["hint"] = hint
        self.required(element, row, question, what)
        bind = element.get("bind", {})
        for source_key, target in (("jr:constraintMsg", "constraint_message"), ("jr:requiredMsg", "required_message")):
            text = self.texts.take(bind.get(source_key), f"{key}.{target}", self.piped, written=written)
            if text:
                question[target] = text
        for column in ("constraint", "choice_filter"):
            expression = self.expression(element, row, column, name)
            if expression:
                question[column] = expression
        own = [o.relevant for o in stack]
        heading = next((o for o in reversed(stack) if o.key is not None), None)
        if heading is not None:
            question["group"] = heading.key
            own = [o.relevant for o in stack[stack.index(heading) + 1:]]
        parts = [p for p in own if p] + ([relevant] if isinstance(relevant, str) else [])
        if parts:
            question["relevant"] = _conjunction(parts)
        if _flag(element.get("heard_sensitive")):
            question["sensitive"] = True
        max_length = str(element.get("heard_max_length") or "")
        if max_length.isdigit() and kind is QuestionType.TEXT:
            question["max_length"] = int(max_length)
        if kind in (QuestionType.NUMBER, QuestionType.DECIMAL):
            self.bounds(element, question)
        if kind is QuestionType.SCALE and not self.range(element, row, question, what):
            return None
        if kind in (QuestionType.SINGLE, QuestionType.MULTI) and not self.choices(element, row, question, what):
            return None
        for low_high in ("low_label", "high_label"):
            text = self.texts.take(element.get(f"heard_{low_high}"), f"{key}.{low_high}", written=written)
            if text and question["type"] == "scale":
                question[low_high] = text
            elif text:
                self.texts.drop([f"{key}.{low_high}"])
        if question["type"] == "note":
            question.pop("required", None)
        self.rows_of[key] = "!".join(self.where(row, "name"))
        relevant_to_show_if(question, self.questions)
        return question

    def _source_spelling(self) -> str | None:
        for spelled, code in self.languages.codes.items():
            if code == self.languages.source and spelled != "default" and self.wb.cells.has("survey", "label",
                                                                                            spelled):
                return spelled
        return None

    def cells_supported(self, element: dict[str, Any], row: int | None, what: str) -> bool:
        """Cells with behaviour Heard lacks: each is one line; a read-only question is left out entirely."""
        bind = element.get("bind", {})
        if str(bind.get("readonly", "")).strip().lower() in _YES and element.get("type") != "note":
            self.left_out(str(element["name"]), row, f"{what}: read-only questions are not asked in a chat",
                          key="read_only")
            return False
        for column, why in _UNSUPPORTED_CELLS.items():
            if element.get(column) not in (None, ""):
                self.report.unsupported(*self.where(row, column), f"{what}: {why}")
        if bind.get("calculate"):
            self.report.unsupported(*self.where(row, "calculation"), f"{what}: calculated answers are not supported "
                                                                 "(use a calculate row)")
        media = element.get("media")
        if media:
            for kind in media:
                self.report.unsupported(*self.where(row, kind if kind in ("image", "audio", "video") else "image"),
                                   f"{what}: pictures and recordings beside questions are not shown (the text is)")
        return True

    def required(self, element: dict[str, Any], row: int | None, question: dict[str, Any], what: str) -> None:
        value = str(element.get("bind", {}).get("required", "")).strip()
        if value.lower() in _YES:
            question["required"] = True
        elif value.lower() not in _NO:
            self.report.unsupported(*self.where(row, "required"),
                               f"{what}: required only under a condition is not supported: the question is optional")

    def bounds(self, element: dict[str, Any], question: dict[str, Any]) -> None:
        minimum, maximum = str(element.get("heard_min") or ""), str(element.get("heard_max") or "")
        if _whole(minimum) and _whole(maximum):
            question["min"], question["max"] = int(float(minimum)), int(float(maximum))
            if question.get("constraint") == _bounds_constraint(question["min"], question["max"]):
                del question["constraint"]

    def range(self, element: dict[str, Any], row: int | None, question: dict[str, Any], what: str) -> bool:
        """A range of whole points with at most ten is a scale (buttons); any other becomes a number or a
        decimal question bounded by its start and end, its step checked by a constraint."""
        parameters = element.get("parameters") or {}
        try:
            start, end, step = (float(parameters.get(k, default)) for k, default in
                                (("start", 1), ("end", 10), ("step", 1)))
        except (TypeError, ValueError):
            self.report.problem(*self.where(row, "parameters"), f"{what}: range parameters must be numbers")
            return False
        if step <= 0 or end <= start:
            self.report.problem(*self.where(row, "parameters"), f"{what}: a range needs start < end and a step above 0")
            return False
        whole = all(v.is_integer() for v in (start, end, step))
        if whole and step == 1 and end - start <= 9:
            question["min"], question["max"] = int(start), int(end)
            return True
        question["type"] = "number" if whole else "decimal"
        checks = []
        if whole:
            question["min"], question["max"] = int(start), int(end)
        else:
            checks.append(f". >= {_number(start)} and . <= {_number(end)}")
        if step != 1 or not whole:
            checks.append(f"abs(round((. - {_number(start)}) div {_number(step)}) * {_number(step)} + "
                          f"{_number(start)} - .) < 0.000001")
        if checks:
            question["constraint"] = _conjunction([*checks, *([question["constraint"]]
                                                               if question.get("constraint") else [])])
        return True

    def choices(self, element: dict[str, Any], row: int | None, question: dict[str, Any], what: str) -> bool:
        list_name = str(element.get("itemset") or element.get("list_name") or "")
        entries = element.get("choices")
        if not entries:
            if list_name and "." in list_name:  # select_one_from_file fruits.csv
                self.left_out(str(element["name"]), row, f"{what}: choices from the file '{list_name}' are not "
                                                         "supported")
            else:
                self.report.problem(*self.where(row), f"{what}: list '{list_name}' has no choices")
            return False
        written = self.wb.choice_rows(list_name)
        keys = Keys(choices=True)
        choices = []
        for entry in entries:
            name = str(entry.get("name", "")).strip()
            if name == "other" and name not in written:
                continue  # pyxform's for or_other (in every question sharing the list): Heard adds its own
            choices.append(self.choice(entry, name, keys, question["name"], list_name, written.get(name)))
        if not choices:
            self.report.problem(*self.where(row), f"{what}: list '{list_name}' has no choices")
            return False
        question["choices"] = choices
        if str(element.get("heard_type") or "").lower() == "scale":
            minimum, maximum = str(element.get("heard_min") or ""), str(element.get("heard_max") or "")
            if _whole(minimum) and _whole(maximum):
                self.as_scale(question, int(float(minimum)), int(float(maximum)))
        choices_from = element.get("heard_choices_from")
        if choices_from:
            question["choices_from"] = str(choices_from)
        return True

    def choice(self, entry: dict[str, Any], name: str, keys: Keys, question: str, list_name: str,
               row: int | None) -> dict[str, Any]:
        key = keys.key(name)
        context = f"{question}.{key}"
        written = self.wb.rows["choices"][row - 2].values() if row else ()
        label = self.texts.take(entry.get("label"), context, self.piped, single_colon_texts(entry, "label"), written)
        result: dict[str, Any] = {"name": key, "label": label or name}
        if not label:
            self.report.warn(f"list '{list_name}': choices without a label in {self.languages.source} show their name")
        if key != name:
            result["source_name"] = name
        if _flag(entry.get("heard_exclusive")):
            result["exclusive"] = True
        if entry.get("heard_need") not in (None, ""):
            result["need"] = _flag(entry.get("heard_need"))
        if entry.get("media"):
            where = self.wb.cells.header_cell("choices", "image") or self.wb.cells.header_cell("choices", "audio")
            self.report.unsupported(self.wb.cells.title("choices"), where,
                               f"list '{list_name}': pictures and recordings of choices are not shown (labels are)")
        attributes = {k: str(v) for k, v in entry.items() if k not in _CHOICE_KEYS and isinstance(v, str | int | float)
                      and not str(k).startswith(("label:", "heard_", "_"))}
        if attributes:
            result["attributes"] = attributes
        return result

    def as_scale(self, question: dict[str, Any], minimum: int, maximum: int) -> None:
        """A Heard scale with extra choices travels as select_one over the points plus those choices."""
        points = {str(p) for p in range(minimum, maximum + 1)}
        question["type"] = "scale"
        question["min"], question["max"] = minimum, maximum
        extra = [c for c in question["choices"] if c["name"] not in points]
        if extra:
            question["choices"] = extra
        else:
            del question["choices"]
        self.texts.drop(f"{question['name']}.{point}" for point in points)

    def or_other(self, question: dict[str, Any], row: int | None) -> None:
        """`select_one list or_other`: an "Other" choice, and a text question asked when it is chosen."""
        key = question["name"]
        if not any(c["name"] == "other" for c in question["choices"]):
            question["choices"].append({"name": "other", "label": self.heard_text(OTHER_LABEL, f"{key}.other")})
        specify = self.keys.key(f"{key}_other")
        follow_up: dict[str, Any] = {
            "name": specify, "type": "text", "field": question["field"],
            "label": self.heard_text(SPECIFY_OTHER_LABEL, f"{specify}.label"),
            "relevant": _conjunction([*([question["relevant"]] if question.get("relevant") else []),
                                      f"selected(${{{key}}}, 'other')"]),
        }
        if question.get("group"):
            follow_up["group"] = question["group"]
        self.questions.append(follow_up)
        self.names.available.add(specify)
        self.rows_of[specify] = "!".join(self.where(row, "type"))

    def heard_text(self, message: str, context: str) -> str:
        """A text Heard adds (`Other`), in the source language, translated into the form's other languages."""
        for code in self.languages.spelled():
            if code != self.languages.source:
                self.texts.put(code, context, self.bot_text(message, code))
        return self.bot_text(message, self.languages.source)

    def bot_text(self, message: str, code: str) -> str:
        if self.catalogs is None or code not in self.catalogs.languages:
            return message
        return self.catalogs.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE).gettext(message)

    # -- translations ----------------------------------------------------------------------------------------

    def check_translations(self, survey: Survey) -> dict[str, dict[str, str]]:
        """Keep translations of texts the survey has; say which languages are incomplete or unknown to the bot."""
        contexts = [context for context, _ in survey_messages(survey)]
        result: dict[str, dict[str, str]] = {}
        for code, texts in sorted(self.texts.translations.items()):
            if code == survey.language:
                continue
            kept = {c: texts[c] for c in contexts if c in texts}
            result[code] = kept
            missing = [c for c in contexts if c not in kept]
            if missing:
                title = (" (XLSForm cannot translate form_title: add a heard_title::Language (code) column to the "
                         "settings sheet)") if "survey.title" in missing else ""
                self.report.warn(
                    f"{code}: {len(missing)} of {len(contexts)} texts have no translation "
                    f"(e.g. {', '.join(missing[:3])}){title}; residents of this survey can choose {code} once "
                    "they are translated"
                )
            if self.catalogs is not None and code not in self.catalogs.languages:
                self.report.warn(
                    f"{code}: Heard's bot has no catalog for this language, so residents cannot choose it yet: the "
                    f"bot's own buttons and messages need translating first (heard-admin translations update {code})"
                )
        return result


_CHOICE_KEYS = {"name", "label", "media", "list_name", "list name", "heard_exclusive", "heard_need", "__row_number"}


def _flag(value: object) -> bool:
    return str(value or "").strip().lower() in _YES


def _whole(text: str) -> bool:
    try:
        return float(text).is_integer()
    except ValueError:
        return False


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _conjunction(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return " and ".join(f"({part})" for part in parts)


def _bounds_constraint(minimum: int, maximum: int) -> str:
    return f". >= {minimum} and . <= {maximum}"
