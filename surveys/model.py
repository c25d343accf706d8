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
        return all(condition.holds(answers) for condition in self.show_if)


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
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({q.name: i for i, q in enumerate(self.questions)})

    def question(self, name: str) -> Question:
        return self.questions[self._index[name]]

    def has_question(self, name: str) -> bool:
        return name in self._index

    def position(self, name: str) -> int:
        return self._index[name]

    def answerable(self) -> Sequence[Question]:
        return [q for q in self.questions if q.type is not QuestionType.NOTE]
