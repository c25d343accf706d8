"""Paper questionnaires typed into a spreadsheet: read the file, check every cell, store all or nothing.

Three steps, kept apart:

- `read_sheet` turns a .csv or .xlsx file into a header and rows of text, or raises `PaperFileError` with a
  message an officer can act on (empty, no header, duplicate columns, binary content, not a workbook).
- `check_sheet` is pure: given the survey, the labels of every shipped language (`Vocabulary`) and the
  distributors the file names, it returns the responses to store or every problem found, each as
  `row R, column C: why` (row numbers as the spreadsheet shows them, the header is row 1).
- `store` writes the responses in the caller's transaction, skipping those already imported: each row's
  respondent is a pseudonym derived from the survey version, the row's normalised content and how often the
  same content came before it in the file, so importing a file twice stores nothing new.

Answers go through `surveys.conversation.answer_rows`, so a paper response looks exactly like a chat response
(channel "paper") and counts in the same summaries.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import secrets
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from surveys.conversation import answer_rows
from surveys.engine import parse_decimal, parse_int
from surveys.free_text import scrub_free_text
from surveys.i18n import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs, survey_domain
from surveys.model import DECLINED, AnswerValue, Question, QuestionType, Survey
from surveys.store.database import DbSession
from surveys.store.schema import Distributor, Response
from surveys.waves import open_wave
from surveys.wiring import Core

CHANNEL = "paper"
LANGUAGE_COLUMN = "_language"
DISTRIBUTOR_COLUMN = "_distributor"
SPECIAL_COLUMNS = (LANGUAGE_COLUMN, DISTRIBUTOR_COLUMN)
SEPARATOR = ";"
"""Between several choices of a multi question; choice names may also be separated by spaces (as the CSV
export writes them)."""
PSEUDONYM_PREFIX = "paper-"
PSEUDONYM_LENGTH = 64  # the width of the respondent column
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_DECLINED_MSGID = "Prefer not to say"
_QUERY_CHUNK = 500  # respondents per IN (...) query, well below any database's parameter limit


# ------------------------------------------------------------------------------------------------ errors


class PaperImportError(Exception):
    """Nothing was imported; the message says why."""


class PaperFileError(PaperImportError):
    """The file cannot be read as one table of questionnaires."""


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
    """The file was read but has problems; `problems` holds every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Sheet:
    """A table as text: the header's cells and the rows below it with their numbers as the spreadsheet shows
    them (the header is row 1). Rows may be shorter or longer than the header."""

    source: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def read_sheet(path: Path) -> Sheet:
    """Read a .csv (UTF-8, comma, semicolon or tab separated) or the first worksheet of an .xlsx file."""
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        raise PaperFileError(
            f"{path}: expected a .csv or .xlsx file (in the spreadsheet program: save as \"CSV UTF-8\" or "
            "\"Excel workbook (.xlsx)\")"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PaperFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise PaperFileError(f"{path}: the file is empty")
    if suffix in XLSX_SUFFIXES:
        return parse_xlsx(data, str(path))
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise PaperFileError(
            f"{path}: this is a spreadsheet workbook, not CSV text; name it .xlsx (Excel 2007 or later) or save "
            "it as \"CSV UTF-8\""
        )
    return parse_csv(data, str(path))


def parse_csv(data: bytes, source: str) -> Sheet:
    text = _decode(data, source)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    try:
        records = [list(record) for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise PaperFileError(f"{source}: not a well-formed CSV file ({exc})") from exc
    return _sheet(records, source)


def _decode(data: bytes, source: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        encoding = "utf-16"
    elif b"\x00" in data:
        raise PaperFileError(f"{source}: this is not a CSV file (it holds binary data)")
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise PaperFileError(
            f"{source}: this is not UTF-8 text (a byte at position {exc.start} cannot be read); save it as "
            "\"CSV UTF-8\" or as .xlsx"
        ) from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in line):
            raise PaperFileError(f"{source}: line {number} holds control characters: is this really a CSV file?")
    return text


def parse_xlsx(data: bytes, source: str) -> Sheet:
    import openpyxl  # only needed for workbooks

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
        if not workbook.worksheets:
            raise PaperFileError(f"{source}: the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        records = [
            [_cell_text(value) for value in row]
            for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True)
        ]
    except PaperFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged or foreign file
        raise PaperFileError(
            f"{source}: not a readable .xlsx workbook ({type(exc).__name__}); save it again as "
            "\"Excel workbook (.xlsx)\" or as \"CSV UTF-8\""
        ) from exc
    return _sheet(records, source)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _sheet(records: list[list[str]], source: str) -> Sheet:
    if not records or not any(cell.strip() for record in records for cell in record):
        raise PaperFileError(f"{source}: the file has no rows")
    header = tuple(cell.strip() for cell in records[0])
    if not any(header):
        raise PaperFileError(
            f"{source}: row 1 is empty; the first row must name the columns (the questions' names, e.g. area)"
        )
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            continue
        key = _normalise(name)
        if key in seen:
            raise PaperFileError(
                f"{source}: column {name!r} appears twice in the header (columns {column_letter(seen[key])} "
                f"and {column_letter(index)})"
            )
        seen[key] = index
    rows = tuple((number, tuple(record)) for number, record in enumerate(records[1:], start=2))
    if not any(cell.strip() for _, cells in rows for cell in cells):
        raise PaperFileError(f"{source}: no questionnaires: only the header row has values")
    return Sheet(source, header, rows)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, as spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# ---------------------------------------------------------------------------------------------- checking


def _normalise(text: str) -> str:
    """For comparing what an officer typed with names and labels: Unicode-normalised (NFKC), without
    invisible format characters (direction marks, zero-width joiners), whitespace collapsed, case folded."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split()).casefold()


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
        languages = {_normalise(code): code for code in codes} | {
            _normalise(code.replace("_", "-")): code for code in codes
        }
        declined = {_normalise(DECLINED), _normalise(_DECLINED_MSGID)}
        labels: dict[str, dict[str, dict[str, set[str]]]] = {}
        for code in codes:
            declined.add(_normalise(catalogs.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE).gettext(
                _DECLINED_MSGID)))
            content = catalogs.translations(survey_domain(survey.id), code, survey.language)
            for question in survey.answerable():
                for choice in question.choices:
                    label = content.pgettext(f"{question.name}.{choice.name}", choice.label)
                    by_label = labels.setdefault(question.name, {}).setdefault(_normalise(label), {})
                    by_label.setdefault(code, set()).add(choice.name)
        frozen = {
            question: {label: {code: frozenset(names) for code, names in by_code.items()}
                       for label, by_code in by_label.items()}
            for question, by_label in labels.items()
        }
        return cls(survey.language, languages, frozenset(declined - {""}), frozen)

    def choice(self, question: Question, text: str, language: str) -> str | frozenset[str] | None:
        """The choice `text` names or labels: its name; several names if the label is ambiguous; or None."""
        key = _normalise(text)
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
    respondent: str


@dataclass
class Checked:
    responses: list[PaperResponse] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _Bad(Exception):
    """A cell's value is not acceptable; the message says why."""


def distributor_codes(sheet: Sheet, default: str | None) -> set[str]:
    """The distributor codes a file refers to (its _distributor column and the --distributor option)."""
    codes = {default} if default else set()
    index = next((i for i, name in enumerate(sheet.header) if _normalise(name) == DISTRIBUTOR_COLUMN), None)
    if index is not None:
        codes |= {cells[index].strip() for _, cells in sheet.rows if index < len(cells) and cells[index].strip()}
    return codes


def check_sheet(
    sheet: Sheet,
    survey: Survey,
    vocabulary: Vocabulary,
    distributors: Mapping[str, KnownDistributor],
    default_distributor: str | None = None,
) -> Checked:
    """Check every cell against the survey; pure (no database). `distributors` maps the codes the file refers
    to (see `distributor_codes`) to what the database knows of them; a code missing there is unknown."""
    checked = Checked()
    columns = _columns(sheet, survey, checked.problems)
    if default_distributor:
        problem = _distributor_problem(default_distributor, distributors)
        if problem:
            checked.problems.append(Problem(None, None, f"--distributor: {problem}"))
    numbers = {q.name: n for n, q in enumerate(survey.answerable(), start=1)}
    occurrences: Counter[str] = Counter()
    for row, cells in sheet.rows:
        def cell(name: str, cells: tuple[str, ...] = cells) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        if not any(c.strip() for c in cells):
            continue  # a blank line between questionnaires
        problems: list[Problem] = []
        language = _row_language(cell(LANGUAGE_COLUMN), vocabulary, row, problems) or survey.language
        code = cell(DISTRIBUTOR_COLUMN)
        if code:
            problem = _distributor_problem(code, distributors)
            if problem:
                problems.append(Problem(row, DISTRIBUTOR_COLUMN, problem))
        else:
            code = default_distributor or ""
        answers = _row_answers(survey, vocabulary, numbers, row, language, cell, name_in_file=columns, out=problems)
        if not problems and not answers:
            problems.append(Problem(row, None, "no answers in this row (a questionnaire needs at least one)"))
        checked.problems += problems
        if problems:
            continue
        known = distributors.get(code) if code else None
        content = _canonical(survey, language, answers)
        occurrences[content] += 1
        checked.responses.append(PaperResponse(
            row=row,
            language=language,
            distributor_id=known.id if known else None,
            answers=answers,
            respondent=pseudonym(content, occurrences[content] - 1),
        ))
    checked.problems.sort(key=lambda p: (p.row or 0, columns.get(p.column or "", -1)))
    return checked


def _columns(sheet: Sheet, survey: Survey, problems: list[Problem]) -> dict[str, int]:
    """Question name or special column -> its index in the rows; reports unknown and unnamed columns."""
    columns: dict[str, int] = {}
    answerable = [q.name for q in survey.answerable()]
    for index, name in enumerate(sheet.header):
        key = _normalise(name)
        if key in SPECIAL_COLUMNS or key in answerable:
            columns[key] = index
        elif key and survey.has_question(key):
            problems.append(Problem(1, name, f"question {key!r} is a note: it takes no answers"))
        elif key:
            problems.append(Problem(
                1, name,
                f"not a question of survey {survey.id!r} (questions: {', '.join(answerable)}; "
                f"optional: {', '.join(SPECIAL_COLUMNS)})",
            ))
    width = max([len(sheet.header), *(len(cells) for _, cells in sheet.rows)])
    for index in range(width):
        if index < len(sheet.header) and sheet.header[index]:
            continue
        filled = next((row for row, cells in sheet.rows if index < len(cells) and cells[index].strip()), None)
        if filled is not None:
            problems.append(Problem(
                1, column_letter(index), f"no name in the header, but row {filled} has a value in this column"
            ))
    return columns


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
    code = vocabulary.languages.get(_normalise(text))
    if code is None:
        known = ", ".join(sorted(set(vocabulary.languages.values())))
        problems.append(Problem(row, LANGUAGE_COLUMN, f"{_shown(text)} is not a shipped language (codes: {known})"))
    return code


def _row_answers(
    survey: Survey,
    vocabulary: Vocabulary,
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
    for question in survey.answerable():
        text = cell(question.name)
        depends_on_unsure = any(c.question in unsure for c in question.show_if)
        shown = question.is_shown(answers)
        if not text:
            if question.required and shown and not depends_on_unsure:
                missing = "" if question.name in name_in_file else f" (the file has no column {question.name})"
                out.append(Problem(row, question.name, f"required, but left empty{missing}"))
            continue
        try:
            value = parse_value(question, text, vocabulary, language)
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
    if _normalise(text) in vocabulary.declined:
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
        if _normalise(part) in vocabulary.declined:
            raise _Bad("\"prefer not to say\" cannot be combined with choices")
        found = vocabulary.choice(question, part, language)
        if isinstance(found, frozenset):
            raise _Bad(f"{_shown(part)} is ambiguous: it is the label of {', '.join(sorted(found))}; write the name")
        if found is not None:
            chosen.append(found)
            continue
        words = [_normalise(word) for word in part.split()]
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


# -------------------------------------------------------------------------------------------- identity


def _canonical(survey: Survey, language: str, answers: Mapping[str, AnswerValue]) -> str:
    """A row's normalised content: what it records, not how it was written (labels, case, spacing)."""
    return json.dumps(
        {
            "survey": survey.id,
            "version": survey.version,
            "language": language,
            "answers": {name: list(v) if isinstance(v, tuple) else v for name, v in sorted(answers.items())},
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def pseudonym(content: str, occurrence: int) -> str:
    """The respondent of the `occurrence`-th (from 0) row with this normalised content in a file: the same
    file gives the same pseudonyms, so the unique (survey, version, respondent) keeps it from counting twice.
    It is derived from the answers alone and links to no one."""
    digest = hashlib.sha256(f"{content}\n{occurrence}".encode()).hexdigest()
    return (PSEUDONYM_PREFIX + digest)[:PSEUDONYM_LENGTH]


# ------------------------------------------------------------------------------------------------ writing


@dataclass(frozen=True)
class ImportResult:
    imported: int
    already: int

    def __str__(self) -> str:
        return f"{self.imported} imported, {self.already} already imported"


async def known_distributors(db: DbSession, codes: Iterable[str]) -> dict[str, KnownDistributor]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await db.execute(select(Distributor.code, Distributor.id, Distributor.active).where(
        Distributor.code.in_(wanted)))
    return {code: KnownDistributor(id_, bool(active)) for code, id_, active in rows}


async def store(
    db: DbSession, survey: Survey, responses: Sequence[PaperResponse], today: dt.date | None = None
) -> ImportResult:
    """Add the responses not imported before, in the caller's transaction."""
    respondents = [r.respondent for r in responses]
    existing: set[str] = set()
    for start in range(0, len(respondents), _QUERY_CHUNK):
        existing |= set((await db.scalars(select(Response.respondent).where(
            Response.survey_id == survey.id,
            Response.survey_version == survey.version,
            Response.respondent.in_(respondents[start:start + _QUERY_CHUNK]),
        ))).all())
    wave = await open_wave(db, survey.id)  # as for a chat response: the wave open when it is stored
    imported = 0
    for paper in responses:
        if paper.respondent in existing:
            continue
        response = Response(
            id=secrets.token_hex(16),
            survey_id=survey.id,
            survey_version=survey.version,
            respondent=paper.respondent,
            language=paper.language,
            channel=CHANNEL,
            submitted_on=today or dt.date.today(),
            distributor_id=paper.distributor_id,
            wave=wave.name if wave else None,
        )
        response.answers = answer_rows(survey, paper.answers)
        db.add(response)
        imported += 1
    await db.flush()
    return ImportResult(imported, len(responses) - imported)


async def import_paper(
    core: Core, path: Path, survey_id: str | None = None, distributor: str | None = None
) -> ImportResult:
    """Read, check and store a file in one transaction; raises PaperImportError (nothing stored) otherwise."""
    survey = core.registry.current(survey_id) if survey_id else core.registry.default
    if survey is None:
        known = ", ".join(s.id for s in core.registry.all_current())
        raise PaperImportError(f"no survey {survey_id!r} (known: {known})")
    sheet = read_sheet(path)
    # every shipped language, also one withheld from the bot for missing texts: forms may be printed in it
    vocabulary = Vocabulary.of(survey, Catalogs(core.catalogs.locales_dir))
    try:
        async with core.db() as db, db.begin():
            distributors = await known_distributors(db, distributor_codes(sheet, distributor))
            checked = check_sheet(sheet, survey, vocabulary, distributors, distributor)
            if checked.problems:
                raise ImportRejected(checked.problems)
            return await store(db, survey, checked.responses)
    except IntegrityError as exc:
        raise PaperImportError(
            "another import of the same questionnaires was stored at the same moment; run the command again "
            "(what is already stored is recognised)"
        ) from exc
