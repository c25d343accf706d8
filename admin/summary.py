"""Counts per question and choice over completed responses, protected by disclosure control.

The database does the counting (one GROUP BY over answers); this module shapes the result per question
and passes every count through surveys.disclosure before anyone sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from surveys.disclosure import Cell, group_shown, min_cell_for, protect_additive, protect_independent
from surveys.model import DECLINED, Question, QuestionType, Survey
from surveys.store.database import DbSession
from surveys.store.schema import Answer, Response

NOT_ASKED = "not_asked"
ANSWERED = "answered"


@dataclass(frozen=True)
class SummaryRow:
    key: str
    label: str
    cell: Cell

    def share(self, respondents: int) -> float | None:
        shown = self.cell.shown
        return None if shown is None or not respondents else shown / respondents


@dataclass
class QuestionSummary:
    question: Question
    respondents: int
    k: int
    shown: bool
    rows: list[SummaryRow] = field(default_factory=list)
    mean: float | None = None


@dataclass
class SurveySummary:
    survey: Survey
    responses: int
    k: int
    shown: bool
    questions: list[QuestionSummary]


async def summarize(db: DbSession, survey: Survey, k: int) -> SurveySummary:
    responses = await db.scalar(
        select(func.count()).select_from(Response).where(
            Response.survey_id == survey.id, Response.survey_version == survey.version
        )
    ) or 0
    counts = await _answer_counts(db, survey)
    questions = [
        _question_summary(question, counts.get(question.name, {}), responses, k)
        for question in survey.answerable()
    ]
    return SurveySummary(survey, responses, k, group_shown(responses, k), questions)


async def _answer_counts(db: DbSession, survey: Survey) -> dict[str, dict[str, int]]:
    """question -> {choice name | scale point | DECLINED | ANSWERED (text/number/any): respondents}."""
    key = case(
        (Answer.declined, DECLINED),
        (Answer.choice.is_not(None), Answer.choice),
        else_=None,
    )
    statement = (
        select(Answer.question, key.label("key"), Answer.number, func.count(func.distinct(Answer.response_id)))
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey.id, Response.survey_version == survey.version)
        .group_by(Answer.question, key, Answer.number)
    )
    answered = (
        select(Answer.question, func.count(func.distinct(Answer.response_id)))
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey.id, Response.survey_version == survey.version, ~Answer.declined)
        .group_by(Answer.question)
    )
    result: dict[str, dict[str, int]] = {}
    for question, choice, number, count in await db.execute(statement):
        bucket = result.setdefault(question, {})
        if choice is not None:
            bucket[choice] = bucket.get(choice, 0) + count
        elif number is not None:
            bucket[f"#{number}"] = bucket.get(f"#{number}", 0) + count
    for question, count in await db.execute(answered):
        result.setdefault(question, {})[ANSWERED] = count
    return result


def _question_summary(question: Question, counts: dict[str, int], respondents: int, k: int) -> QuestionSummary:
    k = min_cell_for(k, question.sensitive)
    answered = counts.get(ANSWERED, 0)
    declined = counts.get(DECLINED, 0)
    not_asked = max(respondents - answered - declined, 0)
    summary = QuestionSummary(question, respondents, k, group_shown(respondents, k))
    if not summary.shown:
        return summary
    options: dict[str, int] = {}
    labels: dict[str, str] = {}
    if question.type is QuestionType.SCALE:
        for point in question.scale_points():
            options[str(point)] = counts.get(f"#{point}", 0)
            labels[str(point)] = str(point)
    if question.type in (QuestionType.SINGLE, QuestionType.SCALE, QuestionType.MULTI):
        for choice in question.choices:
            options[choice.name] = counts.get(choice.name, 0)
            labels[choice.name] = choice.label
    else:
        options[ANSWERED] = answered
        labels[ANSWERED] = "answered"
    tail = {DECLINED: declined, NOT_ASKED: not_asked}
    labels |= {DECLINED: "prefer not to say", NOT_ASKED: "not asked (skip logic)"}
    if question.type is QuestionType.MULTI:
        # options overlap (several per person); what adds up is answered + declined + not asked
        cells = protect_independent(options, k) | protect_additive({ANSWERED: answered, **tail}, k)
        labels[ANSWERED] = "answered"
        order = [*options, ANSWERED, *tail]
    else:
        cells = protect_additive({**options, **tail}, k)
        order = [*options, *tail]
    summary.rows = [SummaryRow(key, labels[key], cells[key]) for key in order]
    if question.type in (QuestionType.SCALE, QuestionType.NUMBER):
        summary.mean = _mean(question, counts, k)
    return summary


def _mean(question: Question, counts: dict[str, int], k: int) -> float | None:
    values = {int(key[1:]): n for key, n in counts.items() if key.startswith("#")}
    n = sum(values.values())
    if n < k:
        return None
    return sum(point * count for point, count in values.items()) / n
