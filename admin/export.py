"""Microdata export: one record per completed response, answers keyed by question and choice names.

Nothing leaves before admin/anonymity.py's rules hold: k-anonymity over every quasi-identifier the export carries
(language, channel, wave, month, and the questions about the person), no wave below k on its own, and sensitive
answers only in groups of at least 10 whose answers differ. An export reads the database twice inside one
transaction: first only the quasi-identifiers and sensitive answers of every response (to decide what to
coarsen, blank or withhold, or to refuse), then the full responses, streamed in batches and written out one by
one. Formats:

- json: a list of records, answers nested under "answers" (multi-choice answers as lists);
- csv: one column per question, multi-choice answers as space-separated choice names;
- xlsx: a "data" sheet as the CSV plus one 0/1 column `<question>/<choice>` per option of a multi-choice
  question (as ODK does), and a "labels" sheet with the survey's texts in its source language;
- sav (SPSS): as the xlsx data, single-choice and scale answers as numeric codes with value labels, variable
  labels from the question texts, "prefer not to say" (and a scale's extra choices) as user-missing values.

The submission date leaves as its month only ("2026-11").
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import textwrap
from collections import defaultdict
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from sqlalchemy import extract, select

from admin import anonymity
from admin.anonymity import AGE_MERGES, BLANK, MERGED_AGE_BANDS, OTHER, Mode, Step, protect
from surveys.conversation import answers_from_rows
from surveys.core.model import DECLINED, Question, QuestionType, Survey
from surveys.store.database import DbSession
from surveys.store.schema import Answer, Response

BATCH = 2000
META_COLUMNS = ("response_id", "survey_id", "survey_version", "wave", "language", "channel", "submitted_month")
OTHER_LABEL = "other (small groups combined)"
"""Label of the "other" area that coarsening introduces (no survey text exists for it)."""


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    sav = "sav"


# ------------------------------------------------------------------------------------- what may leave

ABOUT_THE_PERSON = "core"
"""The thematic field of the questions about the person ("About the respondents" in the report)."""
NAMED = (anonymity.AREA, anonymity.AGE_BAND, anonymity.GENDER, anonymity.YEARS_HERE)
RESPONSE_FIELDS = (anonymity.LANGUAGE, anonymity.CHANNEL, anonymity.WAVE, anonymity.MONTH)
"""Quasi-identifiers every export carries as columns of its own (the distributor is never exported)."""


def about_the_person(survey: Survey) -> list[Question]:
    """The questions that are quasi-identifiers: every question of the `core` field (in the bundled survey: area,
    years here, age band, gender), and area, age_band, gender and years_here wherever they are, unless sensitive.
    An imported XLSForm's questions are `core` unless their `heard_field` says otherwise, so a form nobody
    sorted is protected as a whole rather than not at all."""
    return [
        q for q in survey.answerable()
        if not q.sensitive and (q.field == ABOUT_THE_PERSON or q.name in NAMED)
    ]


def _key_for(question: Question) -> str:
    """The name of a question in the records anonymity.protect sees: its own, unless a response field has it."""
    return f"{question.name} (answer)" if question.name in RESPONSE_FIELDS else question.name


def quasi_identifiers(survey: Survey) -> tuple[str, ...]:
    """The response fields and the questions about the person, as anonymity.protect names them."""
    return anonymity.ordered([*RESPONSE_FIELDS, *(_key_for(q) for q in about_the_person(survey))])


def _scope(statement, survey: Survey, wave: str | None):  # type: ignore[no-untyped-def]
    statement = statement.where(Response.survey_id == survey.id, Response.survey_version == survey.version)
    return statement.where(Response.wave == wave) if wave else statement


def _flat(value: Any) -> Any:
    """An answer as a hashable quasi-identifier value: multi-choice as space-separated names, missing blank."""
    if value is None:
        return BLANK
    return " ".join(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Plan:
    """What an export will contain: which responses, and what protection changed in some of them."""

    survey: Survey
    wave: str | None
    k: int = 0
    variables: tuple[str, ...] = ()
    ids: frozenset[str] | None = None
    """The responses that may leave; None: every response, unprotected (for reading them back in process)."""
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Response id -> the variables protection changed, with their new values ("" = blanked)."""
    steps: tuple[Step, ...] = ()
    questions: dict[str, str] = field(default_factory=dict)
    """Name in `variables` and `changes` -> question name, for those that are answers (not response fields)."""

    @property
    def total(self) -> int:
        assert self.ids is not None
        return len(self.ids)

    def describe(self) -> str:
        return "; ".join(step.describe() for step in self.steps)

    def introduced(self, key: str) -> list[str]:
        """Values coarsening put into a question that are not among its choices (e.g. under_30, other)."""
        known = {c.name for c in self.survey.question(self.questions[key]).choices} | {BLANK, DECLINED}
        found = {change[key] for change in self.changes.values() if key in change} - known
        order = [*MERGED_AGE_BANDS, OTHER]
        return sorted(found, key=lambda v: (order.index(v) if v in order else len(order), str(v)))


async def snapshot(db: DbSession) -> None:
    """Both reads of an export must see the same responses. SQLite: one transaction (Heard's SQLite
    transactions are BEGIN IMMEDIATE, so nothing is written meanwhile); PostgreSQL: repeatable read.
    Call before the session's first query."""
    if db.get_bind().dialect.name == "postgresql":
        await db.connection(execution_options={"isolation_level": "REPEATABLE READ"})


async def plan(db: DbSession, survey: Survey, *, k: int, mode: Mode = Mode.coarsen, wave: str | None = None) -> Plan:
    """Read only the quasi-identifiers and the sensitive answers of every response of the survey's version, apply
    anonymity.protect (for one wave: to all of them, releasing that wave's part); raises anonymity.Refused if the
    export may not happen (also for a wave asked for that has fewer than k responses)."""
    variables = quasi_identifiers(survey)
    identifying = {_key_for(q): q.name for q in about_the_person(survey)}
    sensitive = {_key_for(q): q.name for q in survey.answerable() if q.sensitive}
    questions = {**identifying, **sensitive}
    people: dict[str, dict[str, Any]] = {}
    statement = select(Response.id, Response.language, Response.channel, Response.wave, Response.submitted_on)
    for response_id, language, channel, response_wave, submitted_on in await db.execute(
        _scope(statement, survey, None)
    ):
        people[response_id] = {
            "response_id": response_id, anonymity.LANGUAGE: language, anonymity.CHANNEL: channel,
            anonymity.WAVE: response_wave, anonymity.MONTH: month(submitted_on),
        }
    rows: dict[str, list[Any]] = defaultdict(list)
    if questions:
        statement = _scope(
            select(Answer.response_id, Answer.question, Answer.choice, Answer.number, Answer.text, Answer.declined)
            .join(Response, Answer.response_id == Response.id)
            .where(Answer.question.in_(set(questions.values()))),
            survey, None,
        )
        for row in await db.execute(statement):
            rows[row.response_id].append(row)
    records = []
    for response_id, record in people.items():
        answers = answers_from_rows(survey, rows.get(response_id, []))
        records.append({
            **record,
            **{key: _flat(answers.get(name)) for key, name in identifying.items()},
            **{key: answers.get(name) for key, name in sensitive.items()},
        })
    protected = protect(records, variables, k, mode, sensitive=tuple(sensitive), wave=wave)
    changes: dict[str, dict[str, Any]] = {}
    kept = []
    for i in sorted(protected.released):
        before, after = records[i], protected.records[i]
        kept.append(before["response_id"])
        changed = {
            v: after[v] for v in (*variables, *sensitive) if _flat(after.get(v)) != _flat(before.get(v))
        }
        if changed:
            changes[before["response_id"]] = changed
    return Plan(survey, wave, k, variables, frozenset(kept), changes, protected.steps, questions)


def _coarsen(plan: Plan, record: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        name = plan.questions.get(key)
        if name is None:  # a response field: blanked is null
            record[key] = None if value == BLANK else value
        elif value == BLANK:
            record["answers"].pop(name, None)
        elif plan.survey.question(name).type is QuestionType.MULTI:
            record["answers"][name] = value.split(" ")
        else:
            record["answers"][name] = value


class ChangedMeanwhile(Exception):
    """Responses disappeared between the two reads of an export (cannot happen inside one transaction)."""


async def records(db: DbSession, source: Plan | Survey, wave: str | None = None) -> AsyncIterator[dict[str, Any]]:
    """The planned responses, streamed in batches, coarsened as planned. Ordered by month, then by the (random)
    response id, so that the order tells nothing about the day. One streamed query of plain rows (responses
    joined with their answers, several rows per response), grouped as they come.

    Given a Survey instead of a Plan: every completed response of its current version, NOT protected, for
    reading responses back in process (tests, checks); whatever leaves Heard goes through `plan` first."""
    plan = source if isinstance(source, Plan) else Plan(source, wave)
    survey = plan.survey
    statement = (
        _scope(
            select(
                Response.id, Response.survey_id, Response.survey_version, Response.wave, Response.language,
                Response.channel, Response.submitted_on,
                Answer.question, Answer.choice, Answer.number, Answer.text, Answer.declined,
            ).outerjoin(Answer, Answer.response_id == Response.id),
            survey, plan.wave,
        )
        .order_by(extract("year", Response.submitted_on), extract("month", Response.submitted_on), Response.id)
        .execution_options(yield_per=BATCH)
    )
    # a response that arrived after the plan was made was not checked: it does not leave
    seen = 0
    group: list[Any] = []
    async for rows in (await db.stream(statement)).partitions():
        for row in rows:
            if group and row.id != group[0].id:
                if plan.ids is None or group[0].id in plan.ids:
                    seen += 1
                    yield _record(plan, group)
                group = []
            group.append(row)
    if group and (plan.ids is None or group[0].id in plan.ids):
        seen += 1
        yield _record(plan, group)
    if plan.ids is not None and seen != plan.total:
        raise ChangedMeanwhile("responses were deleted during the export; run it again")


def _record(plan: Plan, rows: list[Any]) -> dict[str, Any]:
    first = rows[0]
    answers = answers_from_rows(plan.survey, [row for row in rows if row.question is not None])
    record = {
        "response_id": first.id,
        "survey_id": first.survey_id,
        "survey_version": first.survey_version,
        "wave": first.wave,
        "language": first.language,
        "channel": first.channel,
        "submitted_month": month(first.submitted_on),
        "answers": {name: list(v) if isinstance(v, tuple) else v for name, v in answers.items()},
    }
    if first.id in plan.changes:
        _coarsen(plan, record, plan.changes[first.id])
    return record


def month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# ------------------------------------------------------------------------------------------ labels


@dataclass(frozen=True)
class Labels:
    """Texts in the survey's source language for the labelled formats."""

    declined: str
    """"Prefer not to say" in the survey's language."""
    extra: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Question -> (value, label) of values coarsening introduced."""

    @classmethod
    def of(cls, plan: Plan, declined: str = "Prefer not to say") -> Labels:
        survey = plan.survey
        extra: dict[str, list[tuple[str, str]]] = {}
        for key, name in plan.questions.items():
            values = plan.introduced(key) if key in plan.variables else []
            if values:
                extra[name] = [(value, _introduced_label(survey.question(name), value)) for value in values]
        return cls(declined, extra)


def _introduced_label(question: Question, value: str) -> str:
    merged = [c.label for c in question.choices if AGE_MERGES.get(c.name) == value]
    if merged:
        return " / ".join(merged)
    return OTHER_LABEL if value == OTHER else value


def _answer_cell(question: Question, value: Any) -> Any:
    """An answer as in the CSV: multi-choice as space-separated names, not asked as empty."""
    if value is None:
        return None
    if question.type is QuestionType.MULTI and isinstance(value, list):
        return " ".join(value)
    return value


def _selected(value: Any, choice: str) -> int | None:
    """A 0/1 indicator of one option of a multi-choice answer; empty when not asked or declined."""
    if not isinstance(value, list):
        return None
    return int(choice in value)


# --------------------------------------------------------------------------------------- json, csv


async def write_json(rows: AsyncIterable[dict[str, Any]], out: IO[str]) -> int:
    """The same text as json.dumps(list, indent=1), written record by record."""
    written = 0
    out.write("[")
    async for record in rows:
        out.write(",\n" if written else "\n")
        out.write(textwrap.indent(json.dumps(record, ensure_ascii=False, indent=1), " "))
        written += 1
    out.write("\n]\n" if written else "]\n")
    return written


async def write_csv(rows: AsyncIterable[dict[str, Any]], survey: Survey, out: IO[str]) -> int:
    """One column per question; multi-choice answers as space-separated choice names (as ODK does)."""
    questions = survey.answerable()
    writer = csv.writer(out)
    writer.writerow([*META_COLUMNS, *(q.name for q in questions)])
    written = 0
    async for record in rows:
        answers = record["answers"]
        writer.writerow([
            *(record[c] for c in META_COLUMNS),
            *(_csv_safe(q, _answer_cell(q, answers.get(q.name))) for q in questions),
        ])
        written += 1
    return written


def _csv_safe(question: Question, value: Any) -> Any:
    """A resident's free text that starts like a spreadsheet formula gets a leading apostrophe, so opening the
    CSV in Excel or LibreOffice never runs it (CSV injection)."""
    if value is None:
        return ""
    if question.type is QuestionType.TEXT and isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t"):
        return "'" + value
    return value


# -------------------------------------------------------------------------------------------- xlsx

_ILLEGAL_XML = re.compile(r"[\000-\010\013\014\016-\037]")


def _xlsx_columns(survey: Survey) -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
    columns: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        (name, lambda r, name=name: r[name]) for name in META_COLUMNS
    ]
    for q in survey.answerable():
        columns.append((q.name, lambda r, q=q: _answer_cell(q, r["answers"].get(q.name))))
        if q.type is QuestionType.MULTI:
            columns += [
                (f"{q.name}/{c.name}", lambda r, q=q, c=c: _selected(r["answers"].get(q.name), c.name))
                for c in q.choices
            ]
    return columns


def label_rows(survey: Survey, labels: Labels) -> Iterator[tuple[str, str, str, str, str, str]]:
    """(question, question_label, choice, choice_label, field, type) for every question and answer value."""
    for q in survey.answerable():
        row = (q.name, q.label)
        values: list[tuple[str, str]] = []
        if q.type is QuestionType.SCALE:
            values += [(str(q.minimum), q.low_label or ""), (str(q.maximum), q.high_label or "")]
        values += [(c.name, c.label) for c in q.choices]
        values += labels.extra.get(q.name, [])
        if q.offers_decline:
            values.append((DECLINED, labels.declined))
        for choice, choice_label in values or [("", "")]:
            yield (*row, choice, choice_label, q.field, q.type.value)


async def write_xlsx(rows: AsyncIterable[dict[str, Any]], survey: Survey, labels: Labels, path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    data = workbook.create_sheet("data")
    data.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(sheet: Any, value: Any, header: bool = False) -> Any:
        if isinstance(value, str):
            value = _ILLEGAL_XML.sub("", value)
        written = WriteOnlyCell(sheet, value)
        if isinstance(value, str) and value.startswith("="):
            written.data_type = "s"  # a resident's text is never a formula
        if header:
            written.font = bold
        return written

    def plain(sheet: Any, values: Any) -> list[Any]:
        # only strings need a cell object (illegal characters, "=" at the start); numbers go in as they are
        return [cell(sheet, v) if isinstance(v, str) else v for v in values]

    columns = _xlsx_columns(survey)
    data.append([cell(data, name, header=True) for name, _ in columns])
    written = 0
    async for record in rows:
        data.append(plain(data, (get(record) for _, get in columns)))
        written += 1
    sheet = workbook.create_sheet("labels")
    sheet.freeze_panes = "A2"
    sheet.append([cell(sheet, h, header=True) for h in
                  ("question", "question_label", "choice", "choice_label", "field", "type")])
    for row in label_rows(survey, labels):
        sheet.append(plain(sheet, row))
    workbook.save(path)
    return written


# --------------------------------------------------------------------------------------------- sav

SPSS_NAME_BYTES = 64
SPSS_VARIABLE_LABEL_BYTES = 256
SPSS_VALUE_LABEL_BYTES = 120
SPSS_RESERVED = {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}


def _cut(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, not splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


class SpssNames:
    """Valid, unique SPSS variable names: letters, digits and _ (starting with a letter), at most 64 bytes,
    no reserved word; compared without case, as SPSS does."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, wanted: str) -> str:
        name = re.sub(r"[^A-Za-z0-9_]", "_", wanted)
        if not name[:1].isalpha():
            name = "v" + name
        if name.lower() in SPSS_RESERVED:
            name += "_"
        name = name[:SPSS_NAME_BYTES]
        candidate, number = name, 2
        while candidate.lower() in self.used:
            suffix = f"_{number}"
            candidate = name[: SPSS_NAME_BYTES - len(suffix)] + suffix
            number += 1
        self.used.add(candidate.lower())
        return candidate


@dataclass
class SavVariable:
    name: str
    label: str
    numeric: bool
    get: Callable[[dict[str, Any]], Any]
    measure: str = "nominal"
    codes: dict[str, int] = field(default_factory=dict)
    """For coded variables: answer value -> numeric code."""
    value_labels: dict[float, str] = field(default_factory=dict)
    missing_from: int | None = None
    """Codes from here up to -1 (or the declined code) are user-missing: prefer not to say, a scale's extras."""
    missing_to: int | None = None
    format: str = "F8.0"
    """SPSS print format of numeric variables: whole numbers."""

    def code(self, value: Any) -> Any:
        """The cell for one answer value (coded variables give unknown values a new code labelled by name)."""
        if not self.codes:
            return value
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if value not in self.codes:
            if self.missing_from is not None:  # a scale: further non-numeric values are extras, user-missing
                new = self.missing_from - 1
                self.missing_from = new
            else:
                new = max((c for c in self.codes.values() if c > 0), default=0) + 1
            self.codes[value] = new
            self.value_labels[float(new)] = _cut(str(value), SPSS_VALUE_LABEL_BYTES)
        return self.codes[value]


def _declined_code(question: Question) -> int:
    return min(0, question.minimum if question.minimum is not None else 0) - 1


def sav_variables(survey: Survey, labels: Labels) -> list[SavVariable]:
    names = SpssNames()
    declined = _cut(labels.declined, SPSS_VALUE_LABEL_BYTES)
    variables = [
        SavVariable(names(m), m.replace("_", " "), m == "survey_version", lambda r, m=m: r[m])
        for m in META_COLUMNS
    ]
    for q in survey.answerable():
        label = _cut(q.label, SPSS_VARIABLE_LABEL_BYTES)
        answer = lambda r, q=q: r["answers"].get(q.name)  # noqa: E731
        if q.type in (QuestionType.SINGLE, QuestionType.SCALE, QuestionType.NUMBER):
            var = SavVariable(names(q.name), label, True, answer)
            decline = _declined_code(q)
            var.codes[DECLINED] = decline
            var.value_labels[float(decline)] = declined
            var.missing_to = decline
            if q.type is QuestionType.SINGLE:
                values = [(c.name, c.label) for c in q.choices] + labels.extra.get(q.name, [])
                for number, (value, text) in enumerate(values, start=1):
                    var.codes[value] = number
                    var.value_labels[float(number)] = _cut(text, SPSS_VALUE_LABEL_BYTES)
                var.missing_from = None
            else:
                var.measure = "ordinal" if q.type is QuestionType.SCALE else "scale"
                var.missing_from = decline
                if q.type is QuestionType.SCALE:
                    for point, text in ((q.minimum, q.low_label), (q.maximum, q.high_label)):
                        if text and point is not None:
                            var.value_labels[float(point)] = _cut(text, SPSS_VALUE_LABEL_BYTES)
                for choice in q.choices:  # a scale's extra choices (e.g. "never contacted") are user-missing
                    var.missing_from -= 1
                    var.codes[choice.name] = var.missing_from
                    var.value_labels[float(var.missing_from)] = _cut(choice.label, SPSS_VALUE_LABEL_BYTES)
            variables.append(var)
        elif q.type is QuestionType.MULTI:
            variables.append(SavVariable(names(q.name), label, False, lambda r, q=q: _answer_cell(
                q, r["answers"].get(q.name))))
            for c in q.choices:
                variables.append(SavVariable(
                    names(f"{q.name}_{c.name}"),
                    _cut(f"{q.label}: {c.label}", SPSS_VARIABLE_LABEL_BYTES),
                    True,
                    lambda r, q=q, c=c: _sav_selected(r["answers"].get(q.name), c.name),
                    value_labels={1.0: _cut(c.label, SPSS_VALUE_LABEL_BYTES), -1.0: declined},
                    missing_to=-1,
                    missing_from=-1,
                ))
        else:
            variables.append(SavVariable(names(q.name), label, False, answer))
    return variables


def _sav_selected(value: Any, choice: str) -> int | None:
    if value == DECLINED:
        return -1
    return _selected(value, choice)


async def write_sav(
    rows: AsyncIterable[dict[str, Any]], survey: Survey, labels: Labels, path: Path, expected: int
) -> int:
    """Columns are filled in place while the responses stream by (no list of records in between), then
    written with pyreadstat (ReadStat), which needs the whole table at once."""
    import numpy as np
    import pandas as pd
    import pyreadstat

    variables = sav_variables(survey, labels)
    columns = [np.full(expected, np.nan) if v.numeric else np.full(expected, None, dtype=object) for v in variables]
    written = 0
    async for record in rows:
        if written == expected:  # cannot happen: the plan counted these responses
            raise ChangedMeanwhile("more responses than planned")
        for variable, column in zip(variables, columns, strict=True):
            value = variable.code(variable.get(record))
            if value is not None:
                column[written] = value
        written += 1
    frame = pd.DataFrame({v.name: c[:written] for v, c in zip(variables, columns, strict=True)}, copy=False)
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=_cut(f"{survey.title} ({survey.id} v{survey.version})", 64),
        column_labels={v.name: v.label for v in variables},
        variable_value_labels={v.name: v.value_labels for v in variables if v.value_labels},
        missing_ranges={
            v.name: [{"lo": float(v.missing_from if v.missing_from is not None else v.missing_to),
                      "hi": float(v.missing_to)}]
            for v in variables if v.missing_to is not None
        },
        variable_measure={v.name: v.measure for v in variables},
        variable_format={v.name: v.format for v in variables if v.numeric},
    )
    return written


# ------------------------------------------------------------------------------------------ files


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary file next to `path` that replaces it only when everything was written."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
