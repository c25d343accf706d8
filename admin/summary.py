"""Needs-analysis summaries: counts per question and answer, optionally broken down by a group (area,
language, age, gender, channel, distributor, wave or any single-choice question), a needs ranking, and who
answered. The database counts (GROUP BY); every number then passes through surveys.core.disclosure before anyone
sees it.

Trends across waves: with `--by wave`, responses of older survey versions are included for each question whose
definition (type, choices, bounds) is the same as now, so the comparison is like with like.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select

from admin import counting
from surveys.core.disclosure import (
    EMPTY,
    HIDDEN,
    Cell,
    Tally,
    disclose,
    disclose_group,
    group_shown,
    mean,
    min_cell_for,
    share,
)
from surveys.core.free_text import scrub_free_text
from surveys.core.model import DECLINED, Question, QuestionType, Survey
from surveys.forms.loader import parse_survey
from surveys.store.database import DbSession
from surveys.store.schema import Answer, Distributor, Response, SurveyVersion

NO_ANSWER = "no_answer"
ANSWERED = "answered"
ASKED = "asked"
ALL = "all"
META_DIMENSIONS = ("language", "channel", "distributor", "wave")
TEXT_LIKE = (QuestionType.MULTI, QuestionType.TEXT, QuestionType.DECIMAL, QuestionType.DATE, QuestionType.TIME)
"""Answers counted only as "answered": decimals, dates and times are stored as text, multi-choice answers have
a row that marks them answered."""
QUESTION_ALIASES = {"age": "age_band", "years": "years_here"}
PROFILE_DIMENSIONS = ("language", "area", "age", "years", "gender", "channel", "distributor")


class UnknownDimension(Exception):
    pass


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    size: Cell


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    additive: bool
    """Additive rows are one answer each (a respondent is in exactly one of them); multi options are not."""


@dataclass
class QuestionTable:
    """One question's published counts. Every Cell came out of surveys.core.disclosure.disclose: perturbed by the
    Cell Key Method, so rows need not add up to the group's size."""

    question: Question
    k: int
    rows: list[Row]
    groups: list[Group]
    """Shown groups, "all" first; groups below k are dropped whole."""
    cells: dict[tuple[str, str], Cell]
    means: dict[str, float | None] = field(default_factory=dict)
    asked_cells: dict[str, Cell] = field(default_factory=dict)
    """How many in each group were asked the question (answered or declined), a cell of its own."""

    def cell(self, row: str, group: str = ALL) -> Cell:
        return self.cells[(row, group)]

    def size(self, group: str = ALL) -> Cell:
        return next((g.size for g in self.groups if g.key == group), HIDDEN)

    def share(self, row: str, group: str = ALL) -> float | None:
        """Share of the group's respondents, from published numbers only."""
        return share(self.cells[(row, group)], self.size(group))

    def asked(self, group: str = ALL) -> Cell:
        return self.asked_cells.get(group, HIDDEN)

    def share_of_asked(self, row: str, group: str = ALL) -> float | None:
        """Share among those asked: the fair base for questions only some people see (skip logic)."""
        return share(self.cells[(row, group)], self.asked(group))


@dataclass(frozen=True)
class NeedItem:
    question: Question
    choice: str
    label: str
    count: Cell
    share: float | None
    """Share of those who were asked the question (answered or declined)."""
    k: int = 5
    """The question's minimum cell size (larger for sensitive questions)."""


@dataclass(frozen=True)
class Difference:
    dimension: str
    group: str
    group_label: str
    item: NeedItem
    share: float
    overall: float

    @property
    def points(self) -> float:
        return (self.share - self.overall) * 100


@dataclass
class Summary:
    survey: Survey
    wave: str | None
    by: str | None
    k: int
    responses: Cell
    tables: list[QuestionTable]
    ranking: list[NeedItem] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.responses.shown is not None

    def fields(self) -> list[str]:
        return list(dict.fromkeys(t.question.field for t in self.tables))


def resolve_dimension(survey: Survey, by: str | None) -> str | None:
    if by is None or by in META_DIMENSIONS:
        return by
    name = QUESTION_ALIASES.get(by, by)
    if not survey.has_question(name) or survey.question(name).type is not QuestionType.SINGLE:
        choices = ", ".join([*META_DIMENSIONS, *QUESTION_ALIASES,
                             *(q.name for q in survey.questions if q.type is QuestionType.SINGLE)])
        raise UnknownDimension(f"cannot break down by {by!r}: use one of {choices}")
    return name


# ---------------------------------------------------------------------------------------------- queries


def _scope(statement, survey: Survey, versions: Sequence[int], wave: str | None):  # type: ignore[no-untyped-def]
    statement = statement.where(Response.survey_id == survey.id, Response.survey_version.in_(versions))
    return statement.where(Response.wave == wave) if wave else statement


async def _versions_alike(db: DbSession, survey: Survey) -> dict[str, set[int]]:
    """For each question, the survey versions in which it is defined exactly as now."""
    alike: dict[str, set[int]] = {q.name: {survey.version} for q in survey.questions}
    rows = await db.execute(
        select(SurveyVersion.version, SurveyVersion.definition).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.version != survey.version
        )
    )
    for version, definition in rows:
        try:
            old = parse_survey(definition, f"{survey.id}@{version}")
        except Exception:
            continue
        for question in survey.questions:
            if old.has_question(question.name) and _signature(old.question(question.name)) == _signature(question):
                alike[question.name].add(version)
    return alike


def _signature(question: Question) -> tuple[object, ...]:
    return (question.type, tuple(c.name for c in question.choices if not question.choices_from),
            question.minimum, question.maximum)


async def summarize(
    db: DbSession, survey: Survey, k: int, *, by: str | None = None, wave: str | None = None,
    questions: Sequence[str] | None = None,
) -> Summary:
    dimension = resolve_dimension(survey, by)
    alike = await _versions_alike(db, survey) if dimension == "wave" else {q.name: {survey.version}
                                                                             for q in survey.questions}
    all_versions = sorted(set().union(*alike.values()))
    data = await counting.frame(db, survey, all_versions, wave)
    names = await counting.key_names(db, survey, data)
    sizes_by_version = counting.group_sizes(names, data, dimension)

    raw: dict[str, dict[tuple[str, str], Tally]] = defaultdict(lambda: defaultdict(lambda: EMPTY))
    for version, question, key, group, tally in counting.answer_tallies(names, data, dimension):
        if question in alike and version in alike[question]:
            raw[question][(key, group)] += tally

    labels = await _group_labels(db, survey, dimension)
    size_k = _dimension_k(survey, dimension, k)
    total = sum(sizes_by_version.get(survey.version, {}).values(), EMPTY)
    responses = disclose_group(total, k)
    wanted = [q for q in survey.answerable() if questions is None or q.name in questions]
    tables = []
    for question in wanted:
        sizes: dict[str, Tally] = defaultdict(lambda: EMPTY)
        for version in alike[question.name]:
            for group, tally in sizes_by_version.get(version, {}).items():
                sizes[group] += tally
        tables.append(_table(question, raw[question.name], dict(sizes), labels, min_cell_for(k, question.sensitive),
                             size_k, dimension is not None))
    summary = Summary(survey, wave, dimension, k, responses, tables)
    summary.ranking = needs_ranking(summary)
    return summary


async def completed_responses(db: DbSession, survey: Survey, k: int, wave: str | None = None) -> Cell:
    """The survey's completed responses (current version), the same cell as a summary's total (counted by the
    database: one number needs no answers)."""
    statement = _scope(select(func.count(), func.sum(Response.record_key)), survey, [survey.version], wave)
    count, key_sum = (await db.execute(statement)).one()
    return disclose_group(Tally(count, int(key_sum or 0)), k)


def _dimension_k(survey: Survey, dimension: str | None, k: int) -> int:
    """Group sizes are answer counts of the dimension's question: they take that question's minimum cell size,
    so a group's size is the same number wherever it appears."""
    if dimension is not None and dimension not in META_DIMENSIONS and survey.has_question(dimension):
        return min_cell_for(k, survey.question(dimension).sensitive)
    return k


async def _group_sizes(
    db: DbSession, survey: Survey, dimension: str | None, versions: Sequence[int], wave: str | None
) -> dict[int, dict[str, Tally]]:
    """version -> group -> the group's responses (count and key sum)."""
    data = await counting.frame(db, survey, versions, wave)
    return counting.group_sizes(await counting.key_names(db, survey, data), data, dimension)


@dataclass(frozen=True)
class ProfileRow:
    key: str
    label: str
    count: Cell
    rate: float | None = None
    """Responses per resident of the area, where population figures were given."""


@dataclass(frozen=True)
class Profile:
    """Who answered: the mix of the respondents along one dimension. Not a random sample."""

    dimension: str
    rows: list[ProfileRow]


async def who_answered(
    db: DbSession, survey: Survey, k: int, wave: str | None = None, population: dict[str, int] | None = None,
    languages: Sequence[str] = (),
) -> list[Profile]:
    """The respondents' mix along each profile dimension. Each count is the same cell as that group's size in a
    breakdown by the dimension, so both show the same number; with fewer than k responses nothing is shown.

    Every value the dimension can take is listed (the survey's `languages`, every channel and distributor),
    not only those somebody answered with: a language listed only because somebody used it would tell that
    at least one person did, even where its count shows 0."""
    profiles = []
    for name in PROFILE_DIMENSIONS:
        dimension = QUESTION_ALIASES.get(name, name)
        if dimension not in META_DIMENSIONS and not survey.has_question(dimension):
            continue
        sizes = (await _group_sizes(db, survey, dimension, [survey.version], wave)).get(survey.version, {})
        labels = await _group_labels(db, survey, dimension)
        if dimension in META_DIMENSIONS:
            keys = sorted(set(sizes) | set(await _dimension_values(db, dimension, languages)))
        else:
            keys = [c.name for c in survey.question(dimension).choices] + [DECLINED, NO_ANSWER]
        tallies = {key: sizes.get(key, EMPTY) for key in keys}
        tallies |= {key: tally for key, tally in sizes.items() if key not in tallies}
        size_k = _dimension_k(survey, dimension, k)
        shown = group_shown(sum(tallies.values(), EMPTY), k)
        rows = []
        for key, tally in tallies.items():
            cell = disclose(tally, size_k) if shown else HIDDEN
            rate = None
            if dimension == "area" and population and population.get(key) and cell.shown:
                rate = round(cell.shown / population[key], 3)
            rows.append(ProfileRow(key, labels.get(key, key), cell, rate))
        profiles.append(Profile(name, rows))
    return profiles


CHANNELS = ("telegram", "whatsapp", "assisted", "paper")
"""How answers can come in; listed in full wherever respondents are counted by channel."""


async def _dimension_values(db: DbSession, dimension: str, languages: Sequence[str]) -> list[str]:
    if dimension == "language":
        return list(languages)
    if dimension == "channel":
        return list(CHANNELS)
    if dimension == "distributor":
        return [str(i) for i in (await db.scalars(select(Distributor.id))).all()] + [NO_ANSWER]
    return []


async def _group_labels(db: DbSession, survey: Survey, dimension: str | None) -> dict[str, str]:
    labels = {ALL: "all", NO_ANSWER: "no answer", DECLINED: "prefer not to say"}
    if dimension == "distributor":
        for distributor_id, name in await db.execute(select(Distributor.id, Distributor.name)):
            labels[str(distributor_id)] = name
        labels[NO_ANSWER] = "organic (no distributor)"
    elif dimension is not None and survey.has_question(dimension):
        labels |= {c.name: c.label for c in survey.question(dimension).choices}
    return labels


def _table(
    question: Question, raw: dict[tuple[str, str], Tally], sizes: dict[str, Tally], labels: dict[str, str], k: int,
    size_k: int, broken_down: bool,
) -> QuestionTable:
    """Tallies for every cell of one question's table, then each through `disclose`. The "all" column of a
    breakdown is the sum of its groups' tallies: the same records, so the same numbers as without a breakdown."""
    groups = sorted(sizes) if broken_down else []
    rows = _rows(question)
    tallies: dict[tuple[str, str], Tally] = {}
    asked: dict[str, Tally] = {}
    numbers: dict[tuple[str, str], Tally] = {key: t for key, t in raw.items() if key[0].startswith("#")}
    for group in groups or [ALL]:
        declined = raw.get((DECLINED, group), EMPTY)
        if question.type in TEXT_LIKE:
            answered = raw.get((ANSWERED, group), EMPTY)
        else:  # one row per answer: choices, scale points, numbers
            answered = sum((t for (key, grp), t in raw.items() if grp == group and key not in (ANSWERED, DECLINED)),
                           EMPTY)
        asked[group] = answered + declined
        for row in rows:
            if row.key == NO_ANSWER:
                tallies[(row.key, group)] = sizes.get(group, EMPTY) - answered - declined
            elif row.key == ANSWERED:
                tallies[(row.key, group)] = answered
            elif row.key.isdigit() and question.type is QuestionType.SCALE:
                tallies[(row.key, group)] = raw.get((f"#{row.key}", group), EMPTY)
            else:
                tallies[(row.key, group)] = raw.get((row.key, group), EMPTY)
    if broken_down:
        for row in rows:
            tallies[(row.key, ALL)] = sum((tallies[(row.key, g)] for g in groups), EMPTY)
        asked[ALL] = sum((asked[g] for g in groups), EMPTY)
        for key in {key for key, _group in numbers}:
            numbers[(key, ALL)] = sum((numbers.get((key, g), EMPTY) for g in groups), EMPTY)
    all_size = sum(sizes.values(), EMPTY)
    shown_groups: list[Group] = []
    if group_shown(all_size, size_k, k):
        shown_groups.append(Group(ALL, "all", disclose(all_size, size_k)))
        shown_groups += [Group(g, labels.get(g, g), disclose(sizes[g], size_k)) for g in groups
                         if group_shown(sizes[g], size_k, k)]
    table = QuestionTable(question, k, rows, shown_groups, {})
    for group in (g.key for g in shown_groups):
        for row in rows:
            table.cells[(row.key, group)] = disclose(tallies[(row.key, group)], k)
        table.asked_cells[group] = disclose(asked[group], k)
        if question.type in (QuestionType.SCALE, QuestionType.NUMBER):
            points = {int(key[1:]): disclose(t, k) for (key, grp), t in numbers.items() if grp == group}
            table.means[group] = mean(points)
    for row in rows:  # dropped groups: their cells are hidden
        for group in [ALL, *groups]:
            table.cells.setdefault((row.key, group), HIDDEN)
    return table


def _rows(question: Question) -> list[Row]:
    rows: list[Row] = []
    if question.type is QuestionType.SCALE:
        rows += [Row(str(p), str(p), True) for p in question.scale_points()]
    if question.type in (QuestionType.SINGLE, QuestionType.SCALE):
        rows += [Row(c.name, c.label, True) for c in question.choices]
    elif question.type is QuestionType.MULTI:
        rows += [Row(c.name, c.label, False) for c in question.choices]
        rows.append(Row(ANSWERED, "answered", True))
    else:
        rows.append(Row(ANSWERED, "answered", True))
    return [*rows, Row(DECLINED, "prefer not to say", True), Row(NO_ANSWER, "not asked or no answer", True)]


def needs_ranking(summary: Summary) -> list[NeedItem]:
    """Needs and barriers reported, most frequent first (share of those asked); hidden counts come last."""
    items = []
    for table in summary.tables:
        question = table.question
        for choice in question.choices:
            if choice.reports_need(question.type):
                items.append(NeedItem(question, choice.name, choice.label, table.cell(choice.name),
                                      table.share_of_asked(choice.name), table.k))
    return sorted(items, key=lambda i: (i.share is None, -(i.share or 0), i.question.name))


def differences(overall: Summary, broken: Summary, limit: int = 10) -> list[Difference]:
    """Where a group's share of a need (among those asked) differs most from the whole, in percentage points;
    shown cells only, and only groups of at least twice the minimum size: in smaller groups the protection's
    noise alone can move a share by tens of points."""
    found = []
    overall_shares = {(i.question.name, i.choice): i.share for i in overall.ranking}
    for table in broken.tables:
        for choice in table.question.choices:
            base = overall_shares.get((table.question.name, choice.name))
            if base is None or not choice.reports_need(table.question.type):
                continue
            for group in table.groups[1:]:
                if (group.size.shown or 0) < 2 * broken.k:
                    continue
                share = table.share_of_asked(choice.name, group.key)
                if share is not None:
                    cell = table.cell(choice.name, group.key)
                    item = NeedItem(table.question, choice.name, choice.label, cell, share, table.k)
                    found.append(Difference(broken.by or "", group.key, group.label, item, share, base))
    return sorted(found, key=lambda d: -abs(d.points))[:limit]


async def free_texts(
    db: DbSession, survey: Survey, k: int, wave: str | None = None, limit: int = 30
) -> dict[str, list[str]]:
    """Free-text answers per text question, only where at least k people wrote one (10 for sensitive questions),
    in alphabetical order and without any demographics, so no text can be tied to a group; scrubbed again on
    the way out in case an older response predates a scrubbing rule."""
    result: dict[str, list[str]] = {}
    for question in (q for q in survey.questions if q.type is QuestionType.TEXT):
        statement = _scope(
            select(Answer.text).join(Response, Response.id == Answer.response_id)
            .where(Answer.question == question.name, Answer.text.is_not(None)),
            survey, [survey.version], wave,
        )
        needed = min_cell_for(k, question.sensitive)
        texts = await _first_texts(db, statement, max(limit, needed))
        enough = len(texts) >= needed
        result[question.name] = sorted((scrub_free_text(t) for t in texts[:limit]), key=str.casefold) if enough else []
    return result


async def _first_texts(db: DbSession, statement, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The first `count` non-blank texts the statement gives: enough to know whether k people wrote one and
    to show `limit`, without reading the hundreds of thousands a large survey holds."""
    texts: list[str] = []
    result = await (await db.connection()).stream(statement)  # Core: the ORM's stream reads every row first
    try:
        async for text in result.scalars():
            if text and text.strip():
                texts.append(text)
                if len(texts) >= count:
                    break
    finally:
        await result.close()
    return texts
