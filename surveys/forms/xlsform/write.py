"""A Heard survey and its translations as an XLSForm workbook that pyxform (KoboToolbox, ODK) converts.

Imported forms go back out under their own names (`Q1.Age`, `Ja, gerne`), with every `${key}` in expressions and
texts written as the name the form gave it; Heard's own details travel in `heard_*` columns, so that importing
the export gives back the same survey.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from surveys.core import xpath
from surveys.core.model import Question, QuestionType, Survey
from surveys.forms.xlsform.languages import language_header
from surveys.i18n.catalogs import survey_domain
from surveys.i18n.tooling import read_catalog

_TYPES = {QuestionType.TEXT: "text", QuestionType.NOTE: "note", QuestionType.DATE: "date",
          QuestionType.TIME: "time", QuestionType.NUMBER: "integer", QuestionType.DECIMAL: "decimal"}


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


def form_names(survey: Survey) -> dict[str, str]:
    """safe key -> the form's own name, for everything expressions and texts can name."""
    names = {q.name: q.source_name for q in survey.questions if q.source_name}
    names.update({c.name: c.source_name for c in survey.calculations if c.source_name})
    names.update({g.name: g.source_name for g in survey.groups if g.source_name})
    return names


def write_xlsform(survey: Survey, translations: Mapping[str, Mapping[str, str]], target: Path | io.BytesIO) -> None:
    """Write `survey` (loaded without areas) and its translations as an XLSForm workbook."""
    languages = [survey.language, *sorted(code for code in translations if code != survey.language)]
    headers = {code: language_header(code) for code in languages}
    renamed = form_names(survey)

    def named(text: str) -> str:
        return xpath.rename_references(text, renamed) if renamed else text

    def texts(context: str, source: str | None) -> list[str]:
        if not source:
            return ["" for _ in languages]
        return [named(source if code == survey.language else translations.get(code, {}).get(context, ""))
                for code in languages]

    def columns(base: str) -> list[str]:
        return [f"{base}::{headers[code]}" for code in languages]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    header = ["type", "name", *columns("label"), *columns("hint"), "required", *columns("required_message"),
              "relevant", "constraint", *columns("constraint_message"), "choice_filter", "calculation",
              "parameters", "heard_field", "heard_sensitive", "heard_type", "heard_min", "heard_max",
              "heard_max_length", "heard_choices_from", *columns("heard_low_label"), *columns("heard_high_label")]
    sheet.append(header)

    def row(values: dict[str, Any]) -> list[Any]:
        return [values.get(key, "") for key in header]

    for calculation in survey.calculations:
        sheet.append(row({"type": "calculate", "name": calculation.source_name or calculation.name,
                          "calculation": named(calculation.calculation)}))
    choices_rows: list[list[Any]] = []
    attribute_names = sorted({k for q in survey.questions for c in q.choices for k, _ in c.attributes})
    current_group: str | None = None
    for question in survey.questions:
        if question.group != current_group:
            if current_group is not None:
                sheet.append(row({"type": "end_group"}))
            if question.group is not None:
                group = survey.group(question.group)
                assert group is not None
                values = {"type": "begin_group", "name": group.source_name or group.name,
                          "relevant": named(group.relevant or "")}
                values.update(zip(columns("label"), texts(f"{group.name}.label", group.label), strict=True))
                sheet.append(row(values))
            current_group = question.group
        sheet.append(row(_question_row(question, columns, texts, named)))
        choices_rows += _choice_rows(question, languages, texts, attribute_names)
    if current_group is not None:
        sheet.append(row({"type": "end_group"}))

    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", *columns("label"), "heard_exclusive", "heard_need", *attribute_names])
    for choice_row in choices_rows:
        choices.append(choice_row)

    settings = workbook.create_sheet("settings")
    settings_header = ["form_id", "version", "default_language", "form_title", *columns("heard_title")]
    settings_values: list[Any] = [survey.source_name or survey.id, str(survey.version), headers[survey.language],
                                  survey.title, *texts("survey.title", survey.title)]
    for key in ("intro", "thanks"):
        if getattr(survey, key):
            settings_header += columns(f"heard_{key}")
            settings_values += texts(f"survey.{key}", getattr(survey, key))
    if _duplicate_choice_names(survey):
        settings_header.append("allow_choice_duplicates")
        settings_values.append("yes")
    settings.append(settings_header)
    settings.append(settings_values)
    workbook.save(target)


def _duplicate_choice_names(survey: Survey) -> bool:
    for question in survey.questions:
        written = [c.source_name or c.name for c in question.choices]
        if len(written) != len(set(written)):
            return True
    return False


def _question_row(question: Question, columns: Callable[[str], list[str]],
                  texts: Callable[[str, str | None], list[str]], named: Callable[[str], str]) -> dict[str, Any]:
    name = question.name
    values: dict[str, Any] = {"name": question.source_name or name, "heard_field": question.field}
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
        values["relevant"] = named(_conjunction(relevant))
    if question.constraint:
        values["constraint"] = named(question.constraint)
    if question.choice_filter:
        values["choice_filter"] = named(question.choice_filter)
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
    else:
        values["type"] = _TYPES[kind]
    if kind in (QuestionType.NUMBER, QuestionType.DECIMAL) and question.minimum is not None:
        values.update({"heard_min": question.minimum, "heard_max": question.maximum})
        if not question.constraint:  # so that ODK and Kobo enforce the same bounds
            values["constraint"] = f". >= {question.minimum} and . <= {question.maximum}"
    if kind is QuestionType.TEXT and question.max_length != 500:
        values["heard_max_length"] = question.max_length
    return values


def _choice_rows(question: Question, languages: list[str], texts: Callable[[str, str | None], list[str]],
                 attribute_names: list[str]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    if question.type is QuestionType.SCALE and question.choices:
        assert question.minimum is not None and question.maximum is not None
        for point in range(question.minimum, question.maximum + 1):
            rows.append([question.name, str(point), *[str(point) for _ in languages], "", "",
                         *["" for _ in attribute_names]])
    for choice in question.choices:
        attributes = dict(choice.attributes)
        rows.append([
            question.name, choice.source_name or choice.name, *texts(f"{question.name}.{choice.name}", choice.label),
            "yes" if choice.exclusive else "", "" if choice.need is None else ("yes" if choice.need else "no"),
            *[attributes.get(a, "") for a in attribute_names],
        ])
    return rows


def _show_if_expression(question: str, values: list[str]) -> str:
    return " or ".join(f"selected(${{{question}}}, '{value}')" for value in values)


def _conjunction(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return " and ".join(f"({part})" for part in parts)
