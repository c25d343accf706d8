"""Needs-analysis summaries: counts per question and answer, optionally broken down by a group (area,
language, age, gender, channel, distributor, wave or any single-choice question), a needs ranking, and who
answered. The database counts (GROUP BY); every number then passes through surveys.disclosure before anyone
sees it.

Trends across waves: with `--by wave`, responses of older survey versions are included for each question whose
definition (type, choices, bounds) is the same as now, so the comparison is like with like.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, literal, select
from sqlalchemy.orm import aliased

from surveys.disclosure import Cell, Hidden, group_shown, min_cell_for, protect_additive, protect_lines
from surveys.loader import parse_survey
from surveys.model import DECLINED, Question, QuestionType, Survey
from surveys.privacy import scrub_free_text
from surveys.store.database import DbSession
from surveys.store.schema import Answer, Distributor, Response, SurveyVersion

NO_ANSWER = "no_answer"
ANSWERED = "answered"
ALL = "all"
META_DIMENSIONS = ("language", "channel", "distributor", "wave")
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
    """Counts of additive rows add up to the group's size (one answer each); multi options do not."""


@dataclass
class QuestionTable:
    question: Question
    k: int
    rows: list[Row]
    groups: list[Group]
    """Shown groups, "all" first; groups below k are dropped whole."""
    cells: dict[tuple[str, str], Cell]
    means: dict[str, float | None] = field(default_factory=dict)

    def cell(self, row: str, group: str = ALL) -> Cell:
        return self.cells[(row, group)]

    def share(self, row: str, group: str = ALL) -> float | None:
        """Share of the group's respondents, only where both numbers are shown."""
        cell = self.cells[(row, group)]
        size = next(g.size for g in self.groups if g.key == group)
        if cell.shown is None or not size.shown:
            return None
        return cell.count / size.count

    def asked(self, group: str = ALL) -> int | None:
        """How many in the group were asked the question (answered or declined), if it follows from shown
        numbers: the shown answer cells, or the group's size minus those not asked."""
        cells = [self.cells[(r.key, group)] for r in self.rows if r.additive and r.key != NO_ANSWER]
        if all(c.shown is not None for c in cells):
            return sum(c.count for c in cells)
        size = next((g.size for g in self.groups if g.key == group), None)
        not_asked = self.cells[(NO_ANSWER, group)]
        if size is not None and size.shown is not None and not_asked.shown is not None:
            return size.count - not_asked.count
        return None

    def share_of_asked(self, row: str, group: str = ALL) -> float | None:
        """Share among those asked: the fair base for questions only some people see (skip logic)."""
        cell = self.cells[(row, group)]
        asked = self.asked(group)
        return cell.count / asked if cell.shown is not None and asked else None


@dataclass(frozen=True)
class NeedItem:
    question: Question
    choice: str
    label: str
    count: Cell
    share: float | None
    """Share of those who were asked the question (answered or declined)."""
    k: int = 5
    """The question's minimum cell size (larger for sensitive questions), for displaying `count`."""


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


def _group_expression(dimension: str | None):  # type: ignore[no-untyped-def]
    """(SQL expression for a response's group, extra outer joins)."""
    if dimension is None:
        return literal(ALL), []
    if dimension == "distributor":
        return func.coalesce(cast(Response.distributor_id, String), NO_ANSWER), []
    if dimension in META_DIMENSIONS:
        return func.coalesce(getattr(Response, dimension), NO_ANSWER), []
    grouping = aliased(Answer)
    expression = case(
        (grouping.declined.is_(True), DECLINED),
        (grouping.choice.is_not(None), grouping.choice),
        else_=NO_ANSWER,
    )
    join = (grouping, and_(grouping.response_id == Response.id, grouping.question == dimension))
    return func.coalesce(expression, NO_ANSWER), [join]


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
    group_of, joins = _group_expression(dimension)
    sizes_by_version = await _group_sizes(db, survey, dimension, all_versions, wave)

    answer_key = case((Answer.declined.is_(True), DECLINED), (Answer.choice.is_not(None), Answer.choice), else_=None)
    counts_statement = (
        select(Response.survey_version, Answer.question, answer_key, Answer.number, group_of, func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
    )
    for target, condition in joins:
        counts_statement = counts_statement.outerjoin(target, condition)
    counts_statement = _scope(counts_statement, survey, all_versions, wave).group_by(
        Response.survey_version, Answer.question, answer_key, Answer.number, group_of
    )

    raw: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for version, question, key, number, group, count in await db.execute(counts_statement):
        if question not in alike or version not in alike[question]:
            continue
        if key is not None:
            raw[question][(key, group)] += count
        elif number is not None:
            raw[question][(f"#{number}", group)] += count
        else:  # a free text, or the row that marks a multi-choice question as answered
            raw[question][(ANSWERED, group)] += count

    labels = await _group_labels(db, survey, dimension)
    total = sum(sum(groups.values()) for version, groups in sizes_by_version.items() if version == survey.version)
    responses = protect_additive({"n": total}, k)["n"]
    wanted = [q for q in survey.answerable() if questions is None or q.name in questions]
    tables = []
    for question in wanted:
        sizes: dict[str, int] = defaultdict(int)
        for version in alike[question.name]:
            for group, count in sizes_by_version.get(version, {}).items():
                sizes[group] += count
        tables.append(_table(question, raw[question.name], dict(sizes), labels, min_cell_for(k, question.sensitive),
                             dimension is not None))
    summary = Summary(survey, wave, dimension, k, responses, tables)
    summary.ranking = needs_ranking(summary)
    return summary


async def _group_sizes(
    db: DbSession, survey: Survey, dimension: str | None, versions: Sequence[int], wave: str | None
) -> dict[int, dict[str, int]]:
    """version -> group -> number of responses."""
    group_of, joins = _group_expression(dimension)
    statement = select(Response.survey_version, group_of, func.count()).select_from(Response)
    for target, condition in joins:
        statement = statement.outerjoin(target, condition)
    statement = _scope(statement, survey, versions, wave).group_by(Response.survey_version, group_of)
    sizes: dict[int, dict[str, int]] = defaultdict(dict)
    for version, group, count in await db.execute(statement):
        sizes[version][group] = count
    return sizes


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
    db: DbSession, survey: Survey, k: int, wave: str | None = None, population: dict[str, int] | None = None
) -> list[Profile]:
    profiles = []
    for name in PROFILE_DIMENSIONS:
        dimension = QUESTION_ALIASES.get(name, name)
        if dimension not in META_DIMENSIONS and not survey.has_question(dimension):
            continue
        sizes = (await _group_sizes(db, survey, dimension, [survey.version], wave)).get(survey.version, {})
        labels = await _group_labels(db, survey, dimension)
        if dimension in META_DIMENSIONS:
            keys = sorted(sizes)
        else:
            keys = [c.name for c in survey.question(dimension).choices] + [DECLINED, NO_ANSWER]
        counts = {key: sizes.get(key, 0) for key in keys}
        counts |= {key: n for key, n in sizes.items() if key not in counts}
        cells = protect_additive(counts, k) if group_shown(sum(counts.values()), k) else {
            key: Cell(n, Hidden.PRIMARY if n else None) for key, n in counts.items()}
        rows = []
        for key, cell in cells.items():
            rate = None
            if dimension == "area" and population and population.get(key) and cell.shown is not None:
                rate = cell.count / population[key]
            rows.append(ProfileRow(key, labels.get(key, key), cell, rate))
        profiles.append(Profile(name, rows))
    return profiles


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
    question: Question, raw: dict[tuple[str, str], int], sizes: dict[str, int], labels: dict[str, str], k: int,
    broken_down: bool,
) -> QuestionTable:
    groups = sorted(sizes) if broken_down else []
    rows = _rows(question)
    counts: dict[tuple[str, str], int] = {}
    for group in groups or [ALL]:
        declined = raw.get((DECLINED, group), 0)
        if question.type in (QuestionType.MULTI, QuestionType.TEXT, QuestionType.DECIMAL):  # decimals are text
            answered = raw.get((ANSWERED, group), 0)
        else:  # one row per answer: choices, scale points, numbers
            answered = sum(n for (key, grp), n in raw.items() if grp == group and key not in (ANSWERED, DECLINED))
            raw[(ANSWERED, group)] = answered
        for row in rows:
            if row.key == NO_ANSWER:
                counts[(row.key, group)] = max(sizes.get(group, 0) - answered - declined, 0)
            elif row.key.isdigit() and question.type is QuestionType.SCALE:
                counts[(row.key, group)] = raw.get((f"#{row.key}", group), 0)
            else:
                counts[(row.key, group)] = raw.get((row.key, group), 0)
    if broken_down:
        for row in rows:
            counts[(row.key, ALL)] = sum(counts[(row.key, g)] for g in groups)
    size_counts = {(f"size:{g}"): sizes.get(g, 0) for g in groups}
    all_size = sum(sizes.values())
    size_counts["size:all"] = all_size
    cells = _protect(question, rows, groups, counts, size_counts, k)
    shown_groups = [Group(ALL, "all", cells[("size", ALL)])]
    for group in groups:
        if cells[("size", group)].hidden is None:
            shown_groups.append(Group(group, labels.get(group, group), cells[("size", group)]))
    table = QuestionTable(question, k, rows, shown_groups,
                          {key: cell for key, cell in cells.items() if key[0] != "size"})
    if question.type in (QuestionType.SCALE, QuestionType.NUMBER):
        for group in [g.key for g in shown_groups]:
            table.means[group] = _mean(raw, group, k, broken_down)
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


def _protect(
    question: Question, rows: list[Row], groups: list[str], counts: dict[tuple[str, str], int],
    sizes: dict[str, int], k: int,
) -> dict[tuple[str, str], Cell]:
    """One table, one call: columns (additive rows add up to the group size), rows (groups add up to
    "all"), and the margin (group sizes add up to the number of responses). Groups below k are dropped."""
    cells: dict[tuple[str, str], int] = dict(counts)
    columns = groups or [ALL]
    for group in [*groups, ALL]:
        cells[("size", group)] = sizes[f"size:{group}"]
    if not groups:
        cells[("size", ALL)] = sizes["size:all"]
    lines: list[tuple[tuple[str, str] | None, list[tuple[str, str]]]] = []
    for group in [*columns, ALL] if groups else [ALL]:
        lines.append((("size", group), [(row.key, group) for row in rows if row.additive]))
    if groups:
        for row in rows:
            lines.append(((row.key, ALL), [(row.key, g) for g in groups]))
        lines.append((("size", ALL), [("size", g) for g in groups]))
    dropped = [g for g in groups if not group_shown(sizes[f"size:{g}"], k)]
    force = [("size", g) for g in dropped] + [(row.key, g) for g in dropped for row in rows]
    if not group_shown(sizes["size:all"], k):
        force += list(cells)
    return protect_lines(cells, lines, k, force)


def _mean(raw: dict[tuple[str, str], int], group: str, k: int, broken_down: bool) -> float | None:
    values: dict[int, int] = defaultdict(int)
    for (key, grp), count in raw.items():
        if key.startswith("#") and (grp == group or (group == ALL and broken_down) or not broken_down):
            values[int(key[1:])] += count
    n = sum(values.values())
    return None if n < k else sum(point * count for point, count in values.items()) / n


# ------------------------------------------------------------------------------------------- needs


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
    shown cells only."""
    found = []
    overall_shares = {(i.question.name, i.choice): i.share for i in overall.ranking}
    for table in broken.tables:
        for choice in table.question.choices:
            base = overall_shares.get((table.question.name, choice.name))
            if base is None or not choice.reports_need(table.question.type):
                continue
            for group in table.groups[1:]:
                share = table.share_of_asked(choice.name, group.key)
                if share is not None:
                    cell = table.cell(choice.name, group.key)
                    item = NeedItem(table.question, choice.name, choice.label, cell, share, table.k)
                    found.append(Difference(broken.by or "", group.key, group.label, item, share, base))
    return sorted(found, key=lambda d: -abs(d.points))[:limit]


async def free_texts(
    db: DbSession, survey: Survey, k: int, wave: str | None = None, limit: int = 30
) -> dict[str, list[str]]:
    """Free-text answers per text question, only where at least k people wrote one; scrubbed again on the way
    out in case an older response predates a scrubbing rule."""
    result: dict[str, list[str]] = {}
    for question in (q for q in survey.questions if q.type is QuestionType.TEXT):
        statement = _scope(
            select(Answer.text).join(Response, Response.id == Answer.response_id)
            .where(Answer.question == question.name, Answer.text.is_not(None)),
            survey, [survey.version], wave,
        )
        texts = [t for t in (await db.scalars(statement)).all() if t and t.strip()]
        result[question.name] = [scrub_free_text(t) for t in texts[:limit]] if len(texts) >= k else []
    return result
