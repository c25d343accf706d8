"""Paper questionnaires typed into a spreadsheet: read the file as a stream, check every cell, store all or nothing.

Three steps, kept apart:

- `admin.paper_sheets` reads a .csv or .xlsx file as a header and a stream of rows of text through the shared
  sheet reader (surveys.forms.sheets), refusing a hostile or mistaken file (empty, binary, a zip bomb, too many
  rows or columns) with a message an officer can act on.
- `Checker` is pure: given the survey, the labels of every shipped language (`Vocabulary`) and the known
  distributors, it turns one row at a time into a response to store, or into problems, each as
  `row R, column C: why` (row numbers as the spreadsheet shows them, the header is row 1).
- `import_paper` stores the responses in batches inside one transaction while the rows stream by, and rolls it
  back if any row had a problem: memory stays bounded however long the file, and a file is imported whole or
  not at all. Each file is recorded by the SHA-256 of its bytes (`PaperImport`): importing the same file again
  stores nothing new, while another file whose rows happen to say the same is imported as the new
  questionnaires it holds.

Answers go through `surveys.conversation.answer_values`, so a paper response looks exactly like a chat response
(channel "paper") and counts in the same summaries.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from admin.paper_sheets import (
    FileScan,
    PaperFileError,
    PaperImportError,
    Sheet,
    column_letter,
    csv_sheet,
    normalise,
    open_sheet,
    scan,
)
from surveys.conversation import answer_values as answers_as_values
from surveys.core.answer_codes import pack_values
from surveys.core.engine import parse_decimal, parse_int
from surveys.core.free_text import scrub_free_text
from surveys.core.model import DECLINED, AnswerValue, Question, QuestionType, Survey
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs, survey_domain
from surveys.store.database import DbSession
from surveys.store.schema import Answer, Distributor, PaperImport, Response
from surveys.waves import open_wave
from surveys.wiring import Runtime

__all__ = [
    "Checker", "ImportRejected", "ImportResult", "PaperFileError", "PaperImportError", "Problem", "Vocabulary",
    "check_sheet", "import_paper", "parse_csv",
]

CHANNEL = "paper"
LANGUAGE_COLUMN = "_language"
DISTRIBUTOR_COLUMN = "_distributor"
SPECIAL_COLUMNS = (LANGUAGE_COLUMN, DISTRIBUTOR_COLUMN)
SEPARATOR = ";"
"""Between several choices of a multi question; choice names may also be separated by spaces (as the CSV
export writes them)."""
PSEUDONYM_PREFIX = "paper-"
PSEUDONYM_LENGTH = 64  # the width of the respondent column
_DECLINED_MSGID = "Prefer not to say"
BATCH = 1000
"""Questionnaires per multi-row INSERT: few round trips, little memory."""
SQLITE_CACHE_KIB = 32 * 1024
PARSED_REMEMBERED = 20_000
"""Distinct (question, cell text, language) whose parsed value the checker keeps."""
LISTED_PROBLEMS = 200
"""Problems kept to be listed; a file with more is counted, not listed in full (fix the first ones first)."""


# ------------------------------------------------------------------------------------------------ errors


@dataclass(frozen=True, order=True)
class Problem:
    """One reason the file cannot be imported: a bad cell, a bad column, or a bad option."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column}" if self.column is not None else "",
            ) if part
        )
        return f"{where}: {self.message}" if where else self.message


class ImportRejected(PaperImportError):
    """The file was read but has problems: `problems` lists the first ones (all of them, unless there are more
    than LISTED_PROBLEMS), `count` says how many there are."""

    def __init__(self, problems: Sequence[Problem], count: int | None = None) -> None:
        self.problems = list(problems)
        self.count = count if count is not None else len(self.problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# ---------------------------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Vocabulary:
    """Everything a cell may say, in every shipped language: choice labels per question (area labels as the
    registry loaded them from the municipality's configuration), "prefer not to say", language codes."""

    source_language: str
    languages: Mapping[str, str]
    """normalised code (fa-af, fa_af) -> shipped code (fa_AF)"""
    declined: frozenset[str]
    labels: Mapping[str, Mapping[str, Mapping[str, frozenset[str]]]]
    """question -> normalised label -> language -> the choice names with that label"""

    @classmethod
    def of(cls, survey: Survey, catalogs: Catalogs) -> Vocabulary:
        codes = sorted({*catalogs.languages, survey.language})
        languages = {normalise(code): code for code in codes} | {
            normalise(code.replace("_", "-")): code for code in codes
        }
        declined = {normalise(DECLINED), normalise(_DECLINED_MSGID)}
        labels: dict[str, dict[str, dict[str, set[str]]]] = {}
        for code in codes:
            declined.add(normalise(catalogs.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE).gettext(
                _DECLINED_MSGID)))
            content = catalogs.translations(survey_domain(survey.id), code, survey.language)
            for question in survey.answerable():
                for choice in question.choices:
                    label = content.pgettext(f"{question.name}.{choice.name}", choice.label)
                    by_label = labels.setdefault(question.name, {}).setdefault(normalise(label), {})
                    by_label.setdefault(code, set()).add(choice.name)
        frozen = {
            question: {label: {code: frozenset(names) for code, names in by_code.items()}
                       for label, by_code in by_label.items()}
            for question, by_label in labels.items()
        }
        return cls(survey.language, languages, frozenset(declined - {""}), frozen)

    def choice(self, question: Question, text: str, language: str) -> str | frozenset[str] | None:
        """The choice `text` names or labels: its name; several names if the label is ambiguous; or None."""
        key = normalise(text)
        if question.choice(key) is not None:
            return key
        by_language = self.labels.get(question.name, {}).get(key)
        if not by_language:
            return None
        for preferred in (language, self.source_language):
            if len(by_language.get(preferred, ())) == 1:
                return next(iter(by_language[preferred]))
        names = frozenset().union(*by_language.values())
        return next(iter(names)) if len(names) == 1 else names


@dataclass(frozen=True)
class KnownDistributor:
    id: int
    active: bool


@dataclass(frozen=True)
class PaperResponse:
    """One questionnaire, checked and ready to store."""

    row: int
    language: str
    distributor_id: int | None
    answers: Mapping[str, AnswerValue]


class _Bad(Exception):
    """A cell's value is not acceptable; the message says why."""


class Checker:
    """Checks a sheet one row at a time against the survey; pure (no database), and bounded in memory: it keeps
    the problems it lists (at most LISTED_PROBLEMS of the rows') and counts the rest. `distributors` maps
    every code the database knows to what it knows of it; a code missing there is unknown."""

    def __init__(
        self,
        header: Sequence[str],
        survey: Survey,
        vocabulary: Vocabulary,
        distributors: Mapping[str, KnownDistributor],
        default_distributor: str | None = None,
    ) -> None:
        self.survey = survey
        self.vocabulary = vocabulary
        self.distributors = distributors
        self.default_distributor = default_distributor
        self.count = 0
        """Every problem found so far, listed or not."""
        self._preamble: list[Problem] = []
        self._header: list[Problem] = []
        self._rows: list[Problem] = []
        self._stray: dict[int, int] = {}  # unnamed column index -> the first row with a value in it
        self._questions = tuple(survey.answerable())
        self._numbers = {q.name: n for n, q in enumerate(self._questions, start=1)}
        self._width = len(header)
        self._unnamed = [index for index, name in enumerate(header) if not name]
        self._parsed: dict[tuple[str, str, str], tuple[AnswerValue | None, str | None]] = {}
        self.columns = self._columns(header)
        if default_distributor:
            problem = _distributor_problem(default_distributor, distributors)
            if problem:
                self._preamble.append(Problem(None, None, f"--distributor: {problem}"))
        self.count = len(self._preamble) + len(self._header)

    @property
    def clean(self) -> bool:
        """No problem so far: what was checked may be stored."""
        return self.count == 0

    def _columns(self, header: Sequence[str]) -> dict[str, int]:
        """Question name or special column -> its index in the rows; reports unknown columns and notes."""
        columns: dict[str, int] = {}
        answerable = [q.name for q in self.survey.answerable()]
        for index, name in enumerate(header):
            key = normalise(name)
            if key in SPECIAL_COLUMNS or key in answerable:
                columns[key] = index
            elif key and self.survey.has_question(key):
                self._header.append(Problem(1, name, f"question {key!r} is a note: it takes no answers"))
            elif key:
                self._header.append(Problem(
                    1, name,
                    f"not a question of survey {self.survey.id!r} (questions: {', '.join(answerable)}; "
                    f"optional: {', '.join(SPECIAL_COLUMNS)})",
                ))
        return columns

    def check(self, row: int, cells: Sequence[str]) -> PaperResponse | None:
        """The row's questionnaire, or None: a blank row, or one with problems (recorded here)."""
        self._note_stray_values(row, cells)
        columns = self.columns

        def cell(name: str) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        if not any(c.strip() for c in cells):
            return None  # a blank line between questionnaires
        problems: list[Problem] = []
        language = _row_language(cell(LANGUAGE_COLUMN), self.vocabulary, row, problems) or self.survey.language
        code = cell(DISTRIBUTOR_COLUMN)
        if code:
            problem = _distributor_problem(code, self.distributors)
            if problem:
                problems.append(Problem(row, DISTRIBUTOR_COLUMN, problem))
        else:
            code = self.default_distributor or ""
        answers = _row_answers(self.survey, self._questions, self._parse, self._numbers, row, language, cell,
                               name_in_file=columns, out=problems)
        if not problems and not answers:
            problems.append(Problem(row, None, "no answers in this row (a questionnaire needs at least one)"))
        if problems:
            problems.sort(key=lambda p: columns.get(p.column or "", -1))
            self.count += len(problems)
            self._rows += problems[: max(LISTED_PROBLEMS - len(self._rows), 0)]
            return None
        known = self.distributors.get(code) if code else None
        return PaperResponse(row=row, language=language, distributor_id=known.id if known else None, answers=answers)

    def _parse(self, question: Question, text: str, language: str) -> AnswerValue:
        """`parse_value`, remembered: a file repeats the same few labels in every row, and normalising and
        looking them up is most of the time an import takes. Free text is parsed each time (it rarely repeats);
        the memory is bounded by emptying it when full."""
        if question.type is QuestionType.TEXT:
            return parse_value(question, text, self.vocabulary, language)
        key = (question.name, text, language)
        found = self._parsed.get(key)
        if found is None:
            try:
                found = (parse_value(question, text, self.vocabulary, language), None)
            except _Bad as exc:
                found = (None, str(exc))
            if len(self._parsed) >= PARSED_REMEMBERED:
                self._parsed.clear()
            self._parsed[key] = found
        value, bad = found
        if bad is not None:
            raise _Bad(bad)
        return value  # type: ignore[return-value]

    def _note_stray_values(self, row: int, cells: Sequence[str]) -> None:
        """A value in a column without a name in the header is reported once, naming the first row."""
        for index in (*self._unnamed, *range(self._width, len(cells))):
            if index < len(cells) and index not in self._stray and cells[index].strip():
                self._stray[index] = row
                self.count += 1

    @property
    def problems(self) -> list[Problem]:
        """The listed problems: --distributor, the header, then the rows in order."""
        stray = [
            Problem(1, column_letter(index), f"no name in the header, but row {row} has a value in this column")
            for index, row in sorted(self._stray.items())
        ]
        return [*self._preamble, *self._header, *stray, *self._rows]

    def rejection(self) -> ImportRejected | None:
        return ImportRejected(self.problems, self.count) if self.count else None


@dataclass
class Checked:
    responses: list[PaperResponse] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_sheet(
    sheet: Sheet,
    survey: Survey,
    vocabulary: Vocabulary,
    distributors: Mapping[str, KnownDistributor],
    default_distributor: str | None = None,
) -> Checked:
    """Every row of a (small) sheet checked, in memory: the responses and the problems."""
    checker = Checker(sheet.header, survey, vocabulary, distributors, default_distributor)
    checked = Checked()
    for row, cells in sheet.rows:
        response = checker.check(row, cells)
        if response is not None:
            checked.responses.append(response)
    checked.problems = checker.problems
    return checked


def parse_csv(data: bytes, source: str) -> Sheet:
    """A CSV table held in memory (for checks of a few rows; files are streamed by `open_sheet`)."""
    return csv_sheet(io.BytesIO(data), source)


def _distributor_problem(code: str, distributors: Mapping[str, KnownDistributor]) -> str | None:
    known = distributors.get(code)
    if known is None:
        return f"no distributor with code {code!r} (see `heard-admin distributors list`)"
    if not known.active:
        return f"distributor {code!r} is deactivated"
    return None


def _row_language(text: str, vocabulary: Vocabulary, row: int, problems: list[Problem]) -> str | None:
    if not text:
        return None
    code = vocabulary.languages.get(normalise(text))
    if code is None:
        known = ", ".join(sorted(set(vocabulary.languages.values())))
        problems.append(Problem(row, LANGUAGE_COLUMN, f"{_shown(text)} is not a shipped language (codes: {known})"))
    return code


def _row_answers(
    survey: Survey,
    questions: Sequence[Question],
    parse: Callable[[Question, str, str], AnswerValue],
    numbers: Mapping[str, int],
    row: int,
    language: str,
    cell: Callable[[str], str],
    *,
    name_in_file: Mapping[str, int],
    out: list[Problem],
) -> dict[str, AnswerValue]:
    """The row's answers in survey order, with skip logic applied as the engine applies it."""
    answers: dict[str, AnswerValue] = {}
    unsure: set[str] = set()  # questions whose cell was wrong: what depends on them cannot be judged
    for question in questions:
        text = cell(question.name)
        if not text and not question.required:
            continue  # nothing to store and nothing to miss: no need to evaluate whether it was shown
        depends_on_unsure = any(c.question in unsure for c in question.show_if)
        shown = question.is_shown(answers)
        if not text:
            if question.required and shown and not depends_on_unsure:
                missing = "" if question.name in name_in_file else f" (the file has no column {question.name})"
                out.append(Problem(row, question.name, f"required, but left empty{missing}"))
            continue
        try:
            value = parse(question, text, language)
        except _Bad as exc:
            out.append(Problem(row, question.name, str(exc)))
            unsure.add(question.name)
            continue
        if depends_on_unsure:
            unsure.add(question.name)
        elif not shown:
            out.append(Problem(row, question.name, _skipped(survey, question, numbers, answers)))
            unsure.add(question.name)
        else:
            answers[question.name] = value
    return answers


def _skipped(survey: Survey, question: Question, numbers: Mapping[str, int], answers: Mapping[str, AnswerValue]) -> str:
    reasons = []
    for condition in question.show_if:
        if condition.holds(answers):
            continue
        source = survey.question(condition.question)
        ordered = [c.name for c in source.choices if c.name in condition.any_of]
        ordered += sorted(condition.any_of - set(ordered), key=lambda v: (len(v), v))
        value = answers.get(condition.question)
        here = "left empty" if value is None else _shown(" ".join(value) if isinstance(value, tuple) else str(value))
        reasons.append(
            f"question {numbers[source.name]} ({source.name}) is not {' or '.join(map(_shown, ordered))} "
            f"(here: {here})"
        )
    return f"answered although question {numbers[question.name]} is skipped when {' and '.join(reasons)}"


def parse_value(question: Question, text: str, vocabulary: Vocabulary, language: str) -> AnswerValue:
    """One non-empty cell as the engine would record it; raises _Bad with the reason otherwise."""
    if normalise(text) in vocabulary.declined:
        if not question.offers_decline:
            raise _Bad("\"prefer not to say\" is not possible: this question is required")
        return DECLINED
    match question.type:
        case QuestionType.SINGLE:
            return _one_choice(question, text, vocabulary, language)
        case QuestionType.MULTI:
            return _several_choices(question, text, vocabulary, language)
        case QuestionType.SCALE:
            return _scale(question, text, vocabulary, language)
        case QuestionType.NUMBER:
            number = parse_int(text)
            if number is None:
                raise _Bad(f"{_shown(text)} is not a whole number")
            if question.minimum is not None and question.maximum is not None and not (
                question.minimum <= number <= question.maximum
            ):
                raise _Bad(f"{number} is not between {question.minimum} and {question.maximum}")
            return number
        case QuestionType.DECIMAL:
            decimal = parse_decimal(text)
            if decimal is None:
                raise _Bad(f"{_shown(text)} is not a number")
            if question.minimum is not None and question.maximum is not None and not (
                question.minimum <= float(decimal) <= question.maximum
            ):
                raise _Bad(f"{decimal} is not between {question.minimum} and {question.maximum}")
            return decimal
        case _:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            if len(text) > question.max_length:
                raise _Bad(f"the text has {len(text)} characters, at most {question.max_length} are allowed")
            return scrub_free_text(text)


def _one_choice(question: Question, text: str, vocabulary: Vocabulary, language: str) -> str:
    found = vocabulary.choice(question, text, language)
    if isinstance(found, frozenset):
        raise _Bad(f"{_shown(text)} is ambiguous: it is the label of {', '.join(sorted(found))}; write the name")
    if found is None:
        raise _Bad(f"{_shown(text)} is not a choice (choices: {_names(question)})")
    return found


def _several_choices(question: Question, text: str, vocabulary: Vocabulary, language: str) -> tuple[str, ...]:
    chosen: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in text.split(SEPARATOR)):
        if not part:
            continue
        if normalise(part) in vocabulary.declined:
            raise _Bad("\"prefer not to say\" cannot be combined with choices")
        found = vocabulary.choice(question, part, language)
        if isinstance(found, frozenset):
            raise _Bad(f"{_shown(part)} is ambiguous: it is the label of {', '.join(sorted(found))}; write the name")
        if found is not None:
            chosen.append(found)
            continue
        words = [normalise(word) for word in part.split()]
        if len(words) > 1 and all(question.choice(word) is not None for word in words):
            chosen += words  # names separated by spaces, as `results export --format csv` writes them
        else:
            unknown.append(part)
    if unknown:
        listed = ", ".join(_shown(u) for u in unknown)
        verb = "is not a choice" if len(unknown) == 1 else "are not choices"
        raise _Bad(f"{listed} {verb} (choices: {_names(question)}; separate several with {SEPARATOR!r})")
    exclusive = [name for name in dict.fromkeys(chosen) if question.choice(name).exclusive]  # type: ignore[union-attr]
    if exclusive and len(set(chosen)) > 1:
        raise _Bad(f"{_shown(exclusive[0])} cannot be combined with other choices")
    return tuple(c.name for c in question.choices if c.name in chosen)


def _scale(question: Question, text: str, vocabulary: Vocabulary, language: str) -> AnswerValue:
    found = vocabulary.choice(question, text, language) if question.choices else None
    if isinstance(found, str):
        return found
    point = parse_int(text)
    if point is not None and point in question.scale_points():
        return point
    extra = f" or a choice ({_names(question)})" if question.choices else ""
    raise _Bad(f"{_shown(text)} is not a point from {question.minimum} to {question.maximum}{extra}")


def _names(question: Question) -> str:
    return ", ".join(c.name for c in question.choices)


def _shown(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


# ------------------------------------------------------------------------------------------------ writing


@dataclass(frozen=True)
class ImportResult:
    imported: int
    """Questionnaires stored now."""
    earlier_on: dt.date | None = None
    """Set when this very file was imported before (on that day): nothing was stored again."""
    earlier: int = 0
    """The questionnaires that earlier import stored."""

    def __str__(self) -> str:
        if self.earlier_on is not None:
            return (f"already imported on {self.earlier_on.isoformat()} ({_questionnaires(self.earlier)}); nothing "
                    "was stored again")
        return f"{_questionnaires(self.imported)} imported"


def _questionnaires(count: int) -> str:
    return f"{count:,} questionnaire{'s' if count != 1 else ''}"


Progress = Callable[[int, int | None], None]
"""Told (rows read, rows expected if known) while a file is imported."""


async def known_distributors(db: DbSession) -> dict[str, KnownDistributor]:
    """Every distributor by code (a town has hundreds at most; a file may name any of them)."""
    rows = await db.execute(select(Distributor.code, Distributor.id, Distributor.active))
    return {code: KnownDistributor(id_, bool(active)) for code, id_, active in rows}


def new_respondent() -> str:
    """A paper questionnaire's respondent: random, derived from nothing, linked to no one."""
    return (PSEUDONYM_PREFIX + secrets.token_hex(PSEUDONYM_LENGTH))[:PSEUDONYM_LENGTH]


async def _insert(
    db: DbSession, survey: Survey, responses: Sequence[PaperResponse], wave: str | None, today: dt.date
) -> None:
    """One multi-row INSERT for the responses and one for their answers (no ORM objects kept in the session)."""
    response_values: list[dict[str, Any]] = []
    answer_values: list[dict[str, Any]] = []
    for paper in responses:
        response_id = secrets.token_hex(16)
        values = answers_as_values(survey, paper.answers)
        codes, numbers = pack_values(values)
        response_values.append({
            "id": response_id, "survey_id": survey.id, "survey_version": survey.version,
            "respondent": new_respondent(), "language": paper.language, "channel": CHANNEL, "submitted_on": today,
            "distributor_id": paper.distributor_id, "wave": wave, "answer_codes": codes, "answer_numbers": numbers,
        })
        answer_values += [{"response_id": response_id, **row} for row in values]
    if response_values:
        await db.execute(insert(Response.__table__), response_values)
    if answer_values:
        await db.execute(insert(Answer.__table__), answer_values)


async def import_paper(
    core: Runtime,
    path: Path,
    survey_id: str | None = None,
    distributor: str | None = None,
    *,
    again: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
    scanned: FileScan | None = None,
) -> ImportResult:
    """Read, check and store a file in one transaction; raises PaperImportError (nothing stored) otherwise.
    A file imported before (the same bytes) stores nothing, unless `again` says it holds other questionnaires
    that were typed in identically. `scanned`: the file's `scan`, if the caller made it already (to refuse a
    hostile file before opening the database)."""
    survey = core.registry.current(survey_id) if survey_id else core.registry.default
    if survey is None:
        known = ", ".join(s.id for s in core.registry.all_current())
        raise PaperImportError(f"no survey {survey_id!r} (known: {known})")
    day = today or dt.date.today()
    scanned = scanned or scan(path)
    # every shipped language, also one withheld from the bot for missing texts: forms may be printed in it
    every_language = Catalogs(core.catalogs.locales_dir)
    core.registry.offer_area_labels(every_language)  # an area may be written in any of its configured labels
    vocabulary = Vocabulary.of(survey, every_language)
    try:
        async with core.db() as db, db.begin():
            earlier = await db.scalar(
                select(PaperImport).where(
                    PaperImport.survey_id == survey.id,
                    PaperImport.survey_version == survey.version,
                    PaperImport.file_sha256 == scanned.sha256,
                ).order_by(PaperImport.copy.desc()).limit(1)
            )
            if earlier is not None and not again:
                return ImportResult(0, earlier.imported_on, earlier.questionnaires)
            # first: a second import of the same file at the same moment waits for this one, then fails
            batch = PaperImport(survey_id=survey.id, survey_version=survey.version, file_sha256=scanned.sha256,
                                copy=earlier.copy + 1 if earlier else 0, questionnaires=0, imported_on=day)
            db.add(batch)
            await db.flush()
            imported = await _store_rows(db, scanned, survey, vocabulary, distributor, progress, day)
            if scan(path).sha256 != scanned.sha256:
                raise PaperImportError(f"{path} changed while it was imported; run the command again")
            batch.questionnaires = imported
            return ImportResult(imported)
    except IntegrityError as exc:
        raise PaperImportError(
            "another import of the same file was stored at the same moment; run the command again (the file "
            "will be recognised)"
        ) from exc


async def _store_rows(
    db: DbSession,
    scanned: FileScan,
    survey: Survey,
    vocabulary: Vocabulary,
    distributor: str | None,
    progress: Progress | None,
    day: dt.date,
) -> int:
    """Check the rows as they stream and insert them in batches while the file is clean; raises ImportRejected
    (the caller's transaction then rolls back what was inserted) when any row has a problem."""
    if db.bind.dialect.name == "sqlite":
        # a big file inserts rows at random places of the id indexes: with SQLite's default 2 MB page cache
        # every batch spills pages to the WAL and reads them back (measured on SQLite alone: a 64 MB cache nearly
        # halved the time of 200,000 rows; 32 MB keeps most of that and the import's memory small)
        await db.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
    wave = await db.run_sync(open_wave, survey.id)  # as for a chat response: the wave open when it is stored
    distributors = await known_distributors(db)
    imported = 0
    pending: list[PaperResponse] = []
    with open_sheet(scanned) as sheet:
        checker = Checker(sheet.header, survey, vocabulary, distributors, distributor)
        for row, cells in sheet.rows:
            response = checker.check(row, cells)
            if response is not None and checker.clean:
                pending.append(response)
                if len(pending) == BATCH:
                    await _insert(db, survey, pending, wave.name if wave else None, day)
                    imported += len(pending)
                    pending.clear()
            if progress is not None and row % BATCH == 0:
                progress(row - 1, sheet.expected_rows)
        rejection = checker.rejection()
        if rejection is not None:
            raise rejection
        await _insert(db, survey, pending, wave.name if wave else None, day)
        imported += len(pending)
        if progress is not None:
            progress(imported, imported)
    return imported
