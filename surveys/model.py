"""The survey as data: immutable descriptions the engine walks and the store keys answers by.

Questions and choices are identified by stable `name`s; labels are source-language text that translations
replace. Nothing here knows how a survey is shown or stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

#: The value recorded when a resident presses "prefer not to say"; reserved, no choice may be named so.
DECLINED = "prefer_not_to_say"


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    SCALE = "scale"
    NUMBER = "number"
    DECIMAL = "decimal"
    TEXT = "text"
    NOTE = "note"


#: Thematic fields (Handlungsfelder) a question can belong to; reports group by them.
THEMATIC_FIELDS = (
    "core",
    "information",
    "language",
    "work",
    "education",
    "health",
    "housing",
    "living_together",
    "participation",
    "closing",
)

AnswerValue = str | int | tuple[str, ...]
"""A recorded answer: a choice name (single, or a scale's extra choice), an int (scale, number),
free text, a tuple of choice names (multi), or DECLINED."""


@dataclass(frozen=True, slots=True)
class Choice:
    name: str
    label: str
    exclusive: bool = False
    """For multi questions: choosing it clears the others (e.g. "none of these")."""
    need: bool | None = None
    """Whether choosing it reports a need or barrier, for the needs ranking. Unset: every option of a multi
    question that is not exclusive counts; of single questions, only options marked `need: true`."""
    attributes: tuple[tuple[str, str], ...] = ()
    """Further columns of the choice (from an XLSForm choices sheet), read by `choice_filter` expressions."""

    def reports_need(self, question_type: QuestionType) -> bool:
        if self.need is not None:
            return self.need
        return question_type is QuestionType.MULTI and not self.exclusive


@dataclass(frozen=True, slots=True)
class Condition:
    """Show a question only if an earlier question's answer is one of `any_of` (for multi: any selected)."""

    question: str
    any_of: frozenset[str]

    def holds(self, answers: Mapping[str, AnswerValue]) -> bool:
        value = answers.get(self.question)
        if value is None or value == DECLINED:
            return False
        if isinstance(value, tuple):
            return any(v in self.any_of for v in value)
        return str(value) in self.any_of


@dataclass(frozen=True, slots=True)
class Question:
    name: str
    type: QuestionType
    label: str
    field: str
    hint: str | None = None
    required: bool = False
    sensitive: bool = False
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 500
    low_label: str | None = None
    high_label: str | None = None
    show_if: tuple[Condition, ...] = ()
    choices_from: str | None = None
    """Where choices come from besides the file, e.g. "areas" from the municipality's configuration."""
    relevant: str | None = None
    """An XPath-subset expression (surveys.xpath): the question is asked only when it holds."""
    constraint: str | None = None
    """An expression over `.` (this answer) and earlier answers that an answer must satisfy."""
    constraint_message: str | None = None
    required_message: str | None = None
    choice_filter: str | None = None
    """An expression over choice columns (bare names) and earlier answers: which choices are offered."""
    group: str | None = None
    """The name of the section (Survey.groups) the question belongs to; its label is shown as a heading."""
    group_relevant: tuple[str, ...] = ()
    """The `relevant` expressions of the question's section (and the sections around it)."""
    line: int = 0

    @property
    def offers_decline(self) -> bool:
        """Non-required questions carry a "prefer not to say" button; notes need none."""
        return not self.required and self.type is not QuestionType.NOTE

    def choice(self, name: str) -> Choice | None:
        return next((c for c in self.choices if c.name == name), None)

    def scale_points(self) -> range:
        assert self.type is QuestionType.SCALE and self.minimum is not None and self.maximum is not None
        return range(self.minimum, self.maximum + 1)

    def is_shown(self, answers: Mapping[str, AnswerValue]) -> bool:
        if not all(condition.holds(answers) for condition in self.show_if):
            return False
        expressions = (*self.group_relevant, *((self.relevant,) if self.relevant else ()))
        if not expressions:
            return True
        from surveys import xpath

        context = xpath.Context(answers)
        return all(xpath.holds(expression, context) for expression in expressions)

    def offered_choices(self, answers: Mapping[str, AnswerValue]) -> tuple[Choice, ...]:
        """The choices offered under the earlier answers: all of them, or those `choice_filter` lets through."""
        if not self.choice_filter:
            return self.choices
        from surveys import xpath

        return tuple(
            c for c in self.choices
            if xpath.holds(self.choice_filter, xpath.Context(answers, columns={**dict(c.attributes), "name": c.name}))
        )

    def accepts(self, value: AnswerValue | float, answers: Mapping[str, AnswerValue]) -> bool:
        """Whether an answer satisfies the question's `constraint` (always, without one)."""
        if not self.constraint:
            return True
        from surveys import xpath

        return xpath.holds(self.constraint, xpath.Context(answers, current=value))


@dataclass(frozen=True, slots=True)
class Group:
    """A section of questions (an XLSForm group, flattened): its label is shown above its questions."""

    name: str
    label: str
    relevant: str | None = None


@dataclass(frozen=True, slots=True)
class Survey:
    id: str
    version: int
    language: str
    title: str
    intro: str
    thanks: str
    questions: tuple[Question, ...]
    source: str = "<memory>"
    groups: tuple[Group, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({q.name: i for i, q in enumerate(self.questions)})

    def question(self, name: str) -> Question:
        return self.questions[self._index[name]]

    def has_question(self, name: str) -> bool:
        return name in self._index

    def position(self, name: str) -> int:
        return self._index[name]

    def group(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)

    def answerable(self) -> Sequence[Question]:
        return [q for q in self.questions if q.type is not QuestionType.NOTE]
