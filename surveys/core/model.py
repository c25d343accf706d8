"""The survey as data: immutable descriptions the engine walks and the store keys answers by.

Questions and choices are identified by stable `name`s; labels are source-language text that translations
replace. Nothing here knows how a survey is shown or stored.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from surveys.core import xpath
from surveys.core.values import DECLINED, AnswerValue, Value


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    SCALE = "scale"
    NUMBER = "number"
    DECIMAL = "decimal"
    TEXT = "text"
    NOTE = "note"
    DATE = "date"
    """A calendar day, stored as ISO text (2024-05-03); residents type it as their language writes dates."""
    TIME = "time"
    """A time of day, stored as ISO text (14:30)."""


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
    source_name: str | None = None
    """The name the imported form gave the choice (`Ja, gerne`), when it differs from `name`, the safe key
    answers are stored under; exports write it back."""

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
    """An XPath-subset expression (surveys.core.xpath): the question is asked only when it holds."""
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
    source_name: str | None = None
    """The name the imported form gave the question (`Q1.Age`), when it differs from `name`."""
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

        context = xpath.Context(answers)
        return all(xpath.holds(expression, context) for expression in expressions)

    def offered_choices(self, answers: Mapping[str, AnswerValue]) -> tuple[Choice, ...]:
        """The choices offered under the earlier answers: all of them, or those `choice_filter` lets through."""
        if not self.choice_filter:
            return self.choices

        return tuple(
            c for c in self.choices
            if xpath.holds(self.choice_filter,
                           xpath.Context(answers, columns={**dict(c.attributes), "name": c.source_name or c.name}))
        )

    def accepts(self, value: AnswerValue | float, answers: Mapping[str, AnswerValue]) -> bool:
        """Whether an answer satisfies the question's `constraint` (always, without one). As in ODK, the
        constraint reads the answer being checked both as `.` and under the question's own name."""
        if not self.constraint:
            return True

        value = self.form_value(value)  # type: ignore[arg-type]
        with_value = ChainMap({self.name: value}, answers)  # type: ignore[arg-type]
        return xpath.holds(self.constraint, xpath.Context(with_value, current=value))

    def form_value(self, value: AnswerValue) -> AnswerValue:
        """An answer as the form's expressions read it: choices under the names the form gave them."""
        renamed = {c.name: c.source_name for c in self.choices if c.source_name}
        if not renamed:
            return value
        if isinstance(value, tuple):
            return tuple(renamed.get(v, v) for v in value)
        return renamed.get(value, value) if isinstance(value, str) else value

    @property
    def display_name(self) -> str:
        return self.source_name or self.name


@dataclass(frozen=True, slots=True)
class Group:
    """A section of questions (an XLSForm group, flattened): its label is shown above its questions."""

    name: str
    label: str
    relevant: str | None = None
    source_name: str | None = None


@dataclass(frozen=True, slots=True)
class Calculation:
    """An XLSForm `calculate`: a value derived from answers, never asked and never stored. Expressions and
    labels read it as `${name}`; it is evaluated from the answers of the moment, so it follows their changes."""

    name: str
    calculation: str
    source_name: str | None = None


class Evaluated(Mapping[str, "AnswerValue | Value"]):
    """Answers plus the survey's calculations, as the form's expressions read them: imported choices under the
    names the form gave them (answers are stored under safe keys), calculations evaluated when read and
    remembered for this set of answers; a calculation that reads itself (through others) reads empty."""

    def __init__(self, answers: Mapping[str, AnswerValue], calculations: Mapping[str, Calculation],
                 questions: Mapping[str, Question]) -> None:
        self._answers = answers
        self._calculations = calculations
        self._questions = questions
        self._values: dict[str, Value] = {}
        self._evaluating: set[str] = set()

    def __getitem__(self, name: str) -> AnswerValue | Value:
        if name in self._answers:
            question = self._questions.get(name)
            return question.form_value(self._answers[name]) if question else self._answers[name]
        calculation = self._calculations.get(name)
        if calculation is None:
            raise KeyError(name)
        if name not in self._values:
            if name in self._evaluating:
                return ""

            self._evaluating.add(name)
            try:
                self._values[name] = xpath.value_of(calculation.calculation, xpath.Context(self))
            finally:
                self._evaluating.discard(name)
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._answers
        yield from (name for name in self._calculations if name not in self._answers)

    def __len__(self) -> int:
        return len(self._answers) + sum(1 for name in self._calculations if name not in self._answers)


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
    calculations: tuple[Calculation, ...] = ()
    source_name: str | None = None
    """The form_id of the imported form, when it differs from `id`."""
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    _calculations: dict[str, Calculation] = field(default_factory=dict, compare=False, repr=False)
    _renamed_choices: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({q.name: i for i, q in enumerate(self.questions)})
        self._calculations.update({c.name: c for c in self.calculations})
        self._renamed_choices.update({q.name: q for q in self.questions if any(c.source_name for c in q.choices)})

    def evaluated(self, answers: Mapping[str, AnswerValue]) -> Mapping[str, AnswerValue | Value]:
        """The answers as the survey's expressions read them (see Evaluated); plain answers for surveys
        without calculations or renamed choices."""
        if not self._calculations and not self._renamed_choices:
            return answers
        return Evaluated(answers, self._calculations, self._renamed_choices)

    def calculation(self, name: str) -> Calculation | None:
        return self._calculations.get(name)

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
