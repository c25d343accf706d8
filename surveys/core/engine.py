"""The survey engine: a pure function of (survey, session state, event) -> (new state, prompts).

It does no I/O and knows no Telegram: channels turn platform input into events and prompts into platform
output; the conversation service persists state between events. Prompts are structured (which question,
which problem), never text, so every channel renders them in the resident's language.

Invariants the property tests check: no event sequence raises, a recorded answer is always one of the
question's choices or within its bounds, and after every event the resident is either finished or being
asked for something.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from surveys.core import xpath
from surveys.core.dates import read_date, read_time
from surveys.core.free_text import scrub_free_text
from surveys.core.model import DECLINED, AnswerValue, Question, QuestionType, Survey


class Stage(StrEnum):
    NEW = "new"
    LANGUAGE = "language"
    CONSENT = "consent"
    ANSWERING = "answering"
    RETURNING = "returning"
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


TERMINAL_STAGES = frozenset({Stage.COMPLETED, Stage.DECLINED, Stage.CANCELLED})


# ---------------------------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class Start:
    payload: str | None = None
    language: str | None = None
    """A shipped language the channel already resolved (payload hint or client language), or None."""
    previous_answers: Mapping[str, AnswerValue] | None = None
    """Answers of this resident's completed response to the same survey version, if any."""
    reachable: bool = False
    """The channel can write to the resident later, so a reminder and the results can be offered."""


@dataclass(frozen=True, slots=True)
class SetLanguage:
    language: str


@dataclass(frozen=True, slots=True)
class AskLanguage:
    """The resident wants to pick another language."""


@dataclass(frozen=True, slots=True)
class Consent:
    accepted: bool
    remind: bool = False
    """The resident also agreed to one reminder if they stop midway."""


@dataclass(frozen=True, slots=True)
class Choose:
    question: str
    option: str
    """A choice name, or a scale point as text."""


@dataclass(frozen=True, slots=True)
class Toggle:
    question: str
    option: str


@dataclass(frozen=True, slots=True)
class Done:
    """Finish a multi-choice question, or move on from a note."""

    question: str


@dataclass(frozen=True, slots=True)
class Decline:
    """"Prefer not to say"."""

    question: str


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Back:
    pass


@dataclass(frozen=True, slots=True)
class Restart:
    pass


@dataclass(frozen=True, slots=True)
class Review:
    pass


@dataclass(frozen=True, slots=True)
class KeepAnswers:
    pass


@dataclass(frozen=True, slots=True)
class Cancel:
    pass


@dataclass(frozen=True, slots=True)
class Unsupported:
    """Something a channel cannot turn into an answer: a sticker, photo, voice message, unparsable button."""

    kind: str


Event = (
    Start | SetLanguage | AskLanguage | Consent | Choose | Toggle | Done | Decline | Text | Back | Restart
    | Review | KeepAnswers | Cancel | Unsupported
)


# --------------------------------------------------------------------------------------------- prompts


class Problem(StrEnum):
    """Why the last input was not accepted; renderers explain what is expected instead."""

    USE_BUTTONS = "use_buttons"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    TOO_LONG = "too_long"
    EMPTY_TEXT = "empty_text"
    NOTHING_CHOSEN = "nothing_chosen"
    REQUIRED = "required"
    UNKNOWN_OPTION = "unknown_option"
    STALE_BUTTON = "stale_button"
    UNSUPPORTED_CONTENT = "unsupported_content"
    FIRST_QUESTION = "first_question"
    CONSTRAINT = "constraint"
    """The answer breaks the question's constraint (renderers show its constraint_message)."""
    NOT_A_DATE = "not_a_date"
    NOT_A_TIME = "not_a_time"


@dataclass(frozen=True, slots=True)
class PickLanguage:
    current: str | None


@dataclass(frozen=True, slots=True)
class Intro:
    problem: Problem | None = None
    offer_reminder: bool = False


@dataclass(frozen=True, slots=True)
class Ask:
    question: str
    position: int
    total: int
    selected: tuple[str, ...] = ()
    """Multi: the options toggled so far. Others: the earlier answer when the resident went back."""
    problem: Problem | None = None
    refresh: bool = False
    """Only the selection changed (a toggle): channels may update the shown question in place."""
    options: tuple[str, ...] | None = None
    """The choices offered when a choice_filter narrows them under the earlier answers; None: all of them."""
    answers: Mapping[str, AnswerValue] = field(default_factory=dict, compare=False)
    """The answers so far, for `${name}` piped into the question's texts."""


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """The answer to `question` was recorded; channels may show it where the question was."""

    question: str
    value: AnswerValue
    answers: Mapping[str, AnswerValue] = field(default_factory=dict, compare=False)
    """The answers so far, for `${name}` piped into the question's label."""


@dataclass(frozen=True, slots=True)
class Returning:
    problem: Problem | None = None


@dataclass(frozen=True, slots=True)
class ShowAnswers:
    answers: Mapping[str, AnswerValue]


class Notice(StrEnum):
    WELCOME_BACK = "welcome_back"
    RESTARTED = "restarted"
    DECLINED_CONSENT = "declined_consent"
    CANCELLED = "cancelled"
    KEPT = "kept"
    LANGUAGE_CHANGED = "language_changed"
    RESULTS_PROMISED = "results_promised"


@dataclass(frozen=True, slots=True)
class Say:
    notice: Notice


@dataclass(frozen=True, slots=True)
class Finished:
    offer_results: bool = False


@dataclass(frozen=True, slots=True)
class SurveyClosed:
    """No wave of the survey is open now (the conversation service says so, not the engine)."""

    next_opens: str | None = None
    """ISO date of the next wave's first day, in the municipality's time zone, if one is planned."""


Prompt = PickLanguage | Intro | Ask | Acknowledge | Returning | ShowAnswers | Say | Finished | SurveyClosed


# ----------------------------------------------------------------------------------------------- state


@dataclass(frozen=True, slots=True)
class SessionState:
    """Everything needed to continue a conversation after a restart; serialised to JSON by the store."""

    survey_id: str
    survey_version: int
    stage: Stage = Stage.NEW
    language: str | None = None
    current: str | None = None
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    payload: str | None = None
    reachable: bool = False
    remind: bool = False
    """Agreed to one reminder: the conversation service keeps the chat id until the survey ends."""

    @classmethod
    def new(cls, survey: Survey) -> SessionState:
        return cls(survey_id=survey.id, survey_version=survey.version)

    @property
    def finished(self) -> bool:
        return self.stage in TERMINAL_STAGES

    def to_json(self) -> str:
        return json.dumps(
            {
                "survey_id": self.survey_id,
                "survey_version": self.survey_version,
                "stage": self.stage.value,
                "language": self.language,
                "current": self.current,
                "answers": {k: list(v) if isinstance(v, tuple) else v for k, v in self.answers.items()},
                "history": list(self.history),
                "pending": list(self.pending),
                "payload": self.payload,
                "reachable": self.reachable,
                "remind": self.remind,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> SessionState:
        data = json.loads(text)
        return cls(
            survey_id=data["survey_id"],
            survey_version=data["survey_version"],
            stage=Stage(data["stage"]),
            language=data["language"],
            current=data["current"],
            answers={k: tuple(v) if isinstance(v, list) else v for k, v in data["answers"].items()},
            history=tuple(data["history"]),
            pending=tuple(data["pending"]),
            payload=data["payload"],
            reachable=data.get("reachable", False),
            remind=data.get("remind", False),
        )


@dataclass(frozen=True, slots=True)
class Transition:
    state: SessionState
    prompts: tuple[Prompt, ...]
    duplicate: bool = False
    """The event repeated one already applied (a double tap): nothing changed and nothing needs saying."""


# ---------------------------------------------------------------------------------------------- engine


def advance(survey: Survey, state: SessionState, event: Event) -> Transition:
    """Apply one event. Never raises for any event; unexpected input re-asks with a Problem."""
    if state.stage in TERMINAL_STAGES or state.stage is Stage.NEW:
        return _begin(survey, SessionState.new(survey), event)
    if isinstance(event, Cancel):
        return Transition(_terminal(state, Stage.CANCELLED), (Say(Notice.CANCELLED),))
    if isinstance(event, SetLanguage):
        return _set_language(survey, state, event.language)
    if isinstance(event, AskLanguage):
        return Transition(state, (PickLanguage(state.language),))
    if isinstance(event, Start):
        return Transition(state, _resume(survey, state, greet=True))
    if state.stage is Stage.LANGUAGE:
        return Transition(state, (PickLanguage(state.language),))
    if state.stage is Stage.CONSENT:
        return _on_consent(survey, state, event)
    if state.stage is Stage.RETURNING:
        return _on_returning(survey, state, event)
    return _on_answering(survey, state, event)


def final_answers(survey: Survey, state: SessionState) -> dict[str, AnswerValue]:
    """The answers to keep: only those of questions still shown under the final answers (back + change
    can hide a question that was answered earlier)."""
    kept: dict[str, AnswerValue] = {}
    for question in survey.questions:
        if question.name in state.answers and question.is_shown(survey.evaluated(kept)):
            kept[question.name] = state.answers[question.name]
    return kept


def progress(survey: Survey, state: SessionState) -> tuple[int, int]:
    """(position of the current question, questions the resident will probably see), e.g. (3, 12).

    A question whose condition depends on a question not yet answered counts as shown, so the total can
    only shrink as the resident goes on."""
    answered = set(state.answers)
    values = survey.evaluated(state.answers)
    visible = [
        q for q in survey.answerable()
        if all(c.question not in answered or c.holds(state.answers) for c in q.show_if)
        and _expressions_allow(survey, q, values, answered)
    ]
    names = [q.name for q in visible]
    position = names.index(state.current) + 1 if state.current in names else len(state.history) + 1
    return position, max(len(visible), position)


def current_prompts(survey: Survey, state: SessionState) -> tuple[Prompt, ...]:
    """What the resident is being asked now (nothing once finished): shown again when the channel cannot
    know whether its last reply arrived, e.g. after a crash Telegram delivers the same update again."""
    if state.finished or state.stage is Stage.NEW:
        return ()
    return _resume(survey, state, greet=False)


def _expressions_allow(survey: Survey, question: Question, values: Mapping[str, object], answered: set[str]) -> bool:
    """For progress: a `relevant` that reads a question not yet answered counts as holding."""

    expressions = (*question.group_relevant, *((question.relevant,) if question.relevant else ()))
    context = xpath.Context(values)  # type: ignore[arg-type]
    return all(
        not _inputs(survey, xpath.parse(e)) <= answered or xpath.holds(e, context) for e in expressions
    )


def _inputs(survey: Survey, node: object) -> set[str]:
    """The questions an expression reads, directly or through calculations."""

    inputs: set[str] = set()
    pending = list(xpath.references(node))  # type: ignore[arg-type]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        calculation = survey.calculation(name)
        if calculation is None:
            inputs.add(name)
        else:
            pending += xpath.references(xpath.parse(calculation.calculation))
    return inputs


def _begin(survey: Survey, state: SessionState, event: Event) -> Transition:
    payload = event.payload if isinstance(event, Start) else None
    language = event.language if isinstance(event, Start) else None
    if isinstance(event, SetLanguage):
        language = event.language
    reachable = event.reachable if isinstance(event, Start) else False
    state = replace(state, payload=payload, language=language, reachable=reachable)
    if isinstance(event, Start) and event.previous_answers:
        state = replace(state, stage=Stage.RETURNING, answers=dict(event.previous_answers))
        return Transition(state, (Returning(),))
    if language is None:
        return Transition(replace(state, stage=Stage.LANGUAGE), (PickLanguage(None),))
    return Transition(replace(state, stage=Stage.CONSENT), (Intro(offer_reminder=reachable),))


def _set_language(survey: Survey, state: SessionState, language: str) -> Transition:
    if state.stage is Stage.LANGUAGE:
        state = replace(state, language=language, stage=Stage.CONSENT)
        return Transition(state, (Intro(offer_reminder=state.reachable),))
    state = replace(state, language=language)
    return Transition(state, (Say(Notice.LANGUAGE_CHANGED), *_resume(survey, state, greet=False)))


def _resume(survey: Survey, state: SessionState, *, greet: bool) -> tuple[Prompt, ...]:
    """Show again what the resident is expected to answer now."""
    if state.stage is Stage.LANGUAGE:
        return (PickLanguage(state.language),)
    if state.stage is Stage.CONSENT:
        return (Intro(offer_reminder=state.reachable),)
    if state.stage is Stage.RETURNING:
        return (Returning(),)
    welcome = (Say(Notice.WELCOME_BACK),) if greet else ()
    return (*welcome, _ask(survey, state))


def _on_consent(survey: Survey, state: SessionState, event: Event) -> Transition:
    if not isinstance(event, Consent):
        problem = Problem.UNSUPPORTED_CONTENT if isinstance(event, Unsupported) else Problem.USE_BUTTONS
        if isinstance(event, Choose | Toggle | Done | Decline):
            problem = Problem.STALE_BUTTON
        return Transition(state, (Intro(problem, offer_reminder=state.reachable),))
    if not event.accepted:
        return Transition(_terminal(state, Stage.DECLINED), (Say(Notice.DECLINED_CONSENT),))
    first = _next_question(survey, {}, after=None)
    if first is None:
        return Transition(_terminal(replace(state, answers={}), Stage.COMPLETED), (Finished(state.reachable),))
    state = replace(state, stage=Stage.ANSWERING, current=first.name, answers={}, history=(), pending=(),
                    remind=event.remind and state.reachable)
    return Transition(state, (_ask(survey, state),))


def _on_returning(survey: Survey, state: SessionState, event: Event) -> Transition:
    if isinstance(event, Review):
        return Transition(state, (ShowAnswers(dict(state.answers)), Returning()))
    if isinstance(event, KeepAnswers):
        return Transition(_terminal(state, Stage.CANCELLED), (Say(Notice.KEPT),))
    if isinstance(event, Restart):
        return _restart(survey, state)
    problem = Problem.UNSUPPORTED_CONTENT if isinstance(event, Unsupported) else Problem.USE_BUTTONS
    return Transition(state, (Returning(problem),))


def _restart(survey: Survey, state: SessionState) -> Transition:
    first = _next_question(survey, {}, after=None)
    assert first is not None, "a loaded survey has at least one question"
    state = replace(state, stage=Stage.ANSWERING, current=first.name, answers={}, history=(), pending=())
    return Transition(state, (Say(Notice.RESTARTED), _ask(survey, state)))


def _on_answering(survey: Survey, state: SessionState, event: Event) -> Transition:
    assert state.current is not None
    question = survey.question(state.current)
    match event:
        case Restart():
            return _restart(survey, state)
        case Back():
            return _back(survey, state)
        case Consent(accepted=True) if not state.history and not state.answers:
            return Transition(state, (), duplicate=True)  # the consent button tapped twice
        case Consent() | Review() | KeepAnswers():
            return _reask(survey, state, Problem.STALE_BUTTON)
        case Unsupported():
            return _reask(survey, state, Problem.UNSUPPORTED_CONTENT)
        case Choose(question=name) | Toggle(question=name) | Done(question=name) | Decline(question=name) if (
            name != question.name
        ):
            if _repeats_last_answer(state, event):
                return Transition(state, (), duplicate=True)
            return _reask(survey, state, Problem.STALE_BUTTON)
        case Decline():
            if not question.offers_decline:
                return _reask(survey, state, Problem.REQUIRED)
            return _record(survey, state, question, DECLINED)
        case Choose(option=option):
            return _on_choose(survey, state, question, option)
        case Toggle(option=option):
            return _on_toggle(survey, state, question, option)
        case Done():
            return _on_done(survey, state, question)
        case Text(text=text):
            return _on_text(survey, state, question, text)
    return _reask(survey, state, Problem.USE_BUTTONS)


def _repeats_last_answer(state: SessionState, event: Event) -> bool:
    """A second tap on the button that answered the previous question (double tap, slow network)."""
    if not state.history or getattr(event, "question", None) != state.history[-1]:
        return False
    recorded = state.answers.get(state.history[-1])
    match event:
        case Choose(option=option):
            return str(recorded) == option
        case Decline():
            return recorded == DECLINED
        case Done() | Toggle():
            return True
    return False


def _on_choose(survey: Survey, state: SessionState, question: Question, option: str) -> Transition:
    if question.type is QuestionType.SINGLE:
        if question.choice(option) is None or not _offered(survey, question, state, option):
            return _reask(survey, state, Problem.UNKNOWN_OPTION)
        return _record(survey, state, question, option)
    if question.type is QuestionType.SCALE:
        if question.choice(option) is not None:
            return _record(survey, state, question, option)
        point = parse_int(option)
        if point is None or point not in question.scale_points():
            return _reask(survey, state, Problem.UNKNOWN_OPTION)
        return _record(survey, state, question, point)
    return _reask(survey, state, Problem.STALE_BUTTON)


def _on_toggle(survey: Survey, state: SessionState, question: Question, option: str) -> Transition:
    choice = question.choice(option)
    if question.type is not QuestionType.MULTI or choice is None or not _offered(survey, question, state, option):
        return _reask(survey, state, Problem.UNKNOWN_OPTION)
    if option in state.pending:
        pending = tuple(p for p in state.pending if p != option)
    elif choice.exclusive:
        pending = (option,)
    else:
        exclusive = {c.name for c in question.choices if c.exclusive}
        pending = (*(p for p in state.pending if p not in exclusive), option)
    # keep the survey's order so the stored answer does not depend on tapping order
    ordered = tuple(c.name for c in question.choices if c.name in pending)
    state = replace(state, pending=ordered)
    return Transition(state, (_ask(survey, state, refresh=True),))


def _offered(survey: Survey, question: Question, state: SessionState, option: str) -> bool:
    return not question.choice_filter or any(
        c.name == option for c in question.offered_choices(survey.evaluated(state.answers))  # type: ignore[arg-type]
    )


def _on_done(survey: Survey, state: SessionState, question: Question) -> Transition:
    if question.type is QuestionType.NOTE:
        return _move_on(survey, state, question, acknowledged=None)
    if question.type is not QuestionType.MULTI:
        return _reask(survey, state, Problem.STALE_BUTTON)
    if not state.pending and question.required:
        return _reask(survey, state, Problem.NOTHING_CHOSEN)
    return _record(survey, state, question, state.pending)


def _on_text(survey: Survey, state: SessionState, question: Question, text: str) -> Transition:
    if question.type is QuestionType.TEXT:
        cleaned = text.strip()
        if not cleaned:
            return _reask(survey, state, Problem.EMPTY_TEXT)
        if len(cleaned) > question.max_length:
            return _reask(survey, state, Problem.TOO_LONG)
        # the form's constraint reads what the resident typed (a phone number matches a phone pattern); what is
        # kept has contact details removed, as every free-text answer in Heard
        return _record(survey, state, question, scrub_free_text(cleaned), checked_as=cleaned)
    if question.type is QuestionType.NUMBER:
        number = parse_int(text)
        if number is None:
            return _reask(survey, state, Problem.NOT_A_NUMBER)
        if question.minimum is not None and question.maximum is not None and not (
            question.minimum <= number <= question.maximum
        ):
            return _reask(survey, state, Problem.OUT_OF_RANGE)
        return _record(survey, state, question, number)
    if question.type is QuestionType.DECIMAL:
        decimal = parse_decimal(text)
        if decimal is None:
            return _reask(survey, state, Problem.NOT_A_NUMBER)
        if question.minimum is not None and question.maximum is not None and not (
            question.minimum <= float(decimal) <= question.maximum
        ):
            return _reask(survey, state, Problem.OUT_OF_RANGE)
        return _record(survey, state, question, decimal)
    if question.type is QuestionType.DATE:
        day = read_date(text, state.language or survey.language)
        return _reask(survey, state, Problem.NOT_A_DATE) if day is None else _record(survey, state, question, day)
    if question.type is QuestionType.TIME:
        moment = read_time(text, state.language or survey.language)
        if moment is None:
            return _reask(survey, state, Problem.NOT_A_TIME)
        return _record(survey, state, question, moment)
    return _reask(survey, state, Problem.USE_BUTTONS)


def parse_decimal(text: str) -> str | None:
    """A decimal number as residents type it (`3,5` or `3.5`, any Unicode digits), kept as canonical text
    (`3.5`) so that it is stored exactly."""
    stripped = text.strip().replace(",", ".").replace("٫", ".")  # Arabic decimal separator
    if not stripped or len(stripped) > 20 or stripped.count(".") > 1:
        return None
    sign = "-" if stripped.startswith("-") else ""
    whole, _, fraction = stripped.lstrip("+-").partition(".")
    if not (whole or fraction) or not all(part == "" or part.isdecimal() for part in (whole, fraction)):
        return None
    whole_digits = str(int(whole)) if whole else "0"
    fraction_digits = "".join(str(int(d)) for d in fraction).rstrip("0")
    value = whole_digits + (f".{fraction_digits}" if fraction_digits else "")
    return "0" if value == "0" else sign + value


def parse_int(text: str) -> int | None:
    """Accepts any Unicode decimal digits (Arabic-Indic, Persian) as residents type them."""
    stripped = text.strip()
    if not stripped or len(stripped) > 12:
        return None
    try:
        return int(stripped)
    except ValueError:
        return None


def _record(survey: Survey, state: SessionState, question: Question, value: AnswerValue,
            checked_as: AnswerValue | None = None) -> Transition:
    checked = value if checked_as is None else checked_as
    if value != DECLINED and not question.accepts(
        _as_number(question, checked), survey.evaluated({**state.answers, question.name: checked})  # type: ignore[arg-type]
    ):
        return _reask(survey, state, Problem.CONSTRAINT)
    answers = {**state.answers, question.name: value}
    return _move_on(survey, replace(state, answers=answers), question, acknowledged=value)


def _as_number(question: Question, value: AnswerValue) -> AnswerValue | float:
    """Decimals are stored as text but compared as numbers in constraints."""
    if question.type is QuestionType.DECIMAL and isinstance(value, str):
        return float(value)
    return value


def _move_on(
    survey: Survey, state: SessionState, question: Question, acknowledged: AnswerValue | None
) -> Transition:
    ack: tuple[Prompt, ...] = () if acknowledged is None else (
        Acknowledge(question.name, acknowledged, answers=state.answers),)
    following = _next_question(survey, state.answers, after=question.name)
    history = (*state.history, question.name)
    if following is None:
        done = replace(state, history=history, pending=(), current=None, answers=final_answers(survey, state))
        return Transition(replace(done, stage=Stage.COMPLETED), (*ack, Finished(state.reachable)))
    state = replace(state, history=history, current=following.name, pending=_preselection(state, following))
    return Transition(state, (*ack, _ask(survey, state)))


def _back(survey: Survey, state: SessionState) -> Transition:
    if not state.history:
        return _reask(survey, state, Problem.FIRST_QUESTION)
    previous = survey.question(state.history[-1])
    state = replace(
        state, current=previous.name, history=state.history[:-1], pending=_preselection(state, previous)
    )
    return Transition(state, (_ask(survey, state),))


def _preselection(state: SessionState, question: Question) -> tuple[str, ...]:
    earlier = state.answers.get(question.name)
    if question.type is QuestionType.MULTI and isinstance(earlier, tuple):
        return earlier
    return ()


def _next_question(
    survey: Survey, answers: Mapping[str, AnswerValue], after: str | None
) -> Question | None:
    start = 0 if after is None else survey.position(after) + 1
    values = survey.evaluated(answers)
    return next((q for q in survey.questions[start:] if q.is_shown(values)), None)  # type: ignore[arg-type]


def _ask(survey: Survey, state: SessionState, problem: Problem | None = None, refresh: bool = False) -> Ask:
    assert state.current is not None
    question = survey.question(state.current)
    position, total = progress(survey, state)
    if question.type is QuestionType.MULTI:
        selected = state.pending
    else:
        earlier = state.answers.get(question.name)
        selected = () if earlier is None or isinstance(earlier, tuple) else (str(earlier),)
    options = tuple(
        c.name for c in question.offered_choices(survey.evaluated(state.answers))  # type: ignore[arg-type]
    ) if question.choice_filter else None
    return Ask(question.name, position, total, selected, problem, refresh, options, answers=state.answers)


def _reask(survey: Survey, state: SessionState, problem: Problem) -> Transition:
    return Transition(state, (_ask(survey, state, problem),))


def _terminal(state: SessionState, stage: Stage) -> SessionState:
    return replace(state, stage=stage, current=None, pending=(), history=(), answers={})
