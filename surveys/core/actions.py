"""Button actions: engine events encoded as short strings that fit Telegram's 64-byte callback data.

Questions travel by their position in the survey (names can be 40 characters), options by their stable name.
`decode` never trusts its input: anything that does not parse, or names a question the survey does not have,
gives None, and the channel answers it as an unreadable button.
"""

from __future__ import annotations

import re

from surveys.core.engine import (
    AskLanguage,
    Back,
    Choose,
    Consent,
    Decline,
    Done,
    Event,
    KeepAnswers,
    Restart,
    Review,
    SetLanguage,
    Start,
    Toggle,
)
from surveys.core.model import Survey

MAX_BYTES = 64
#: "Send me the results", shown after the last answer; the conversation service handles it, not the engine.
SUBSCRIBE_RESULTS = "R"
_SIMPLE: dict[str, Event] = {
    "y": Consent(True),
    "Y": Consent(True, remind=True),
    "n": Consent(False),
    "s": Start(),
    "b": Back(),
    "r": Restart(),
    "v": Review(),
    "k": KeepAnswers(),
    "L": AskLanguage(),
}
_SIMPLE_CODES = {type(event): (code, event) for code, event in _SIMPLE.items()}
_OPTION = re.compile(r"^(?P<kind>[ct]):(?P<index>\d{1,3}):(?P<option>[a-z0-9_]{1,40})$")
_QUESTION = re.compile(r"^(?P<kind>[dx]):(?P<index>\d{1,3})$")
_LANGUAGE = re.compile(r"^l:(?P<code>[A-Za-z]{2,3}(?:_[A-Za-z0-9]{2,8})?)$")


def encode(survey: Survey, event: Event) -> str:
    match event:
        case Choose(question=q, option=o):
            data = f"c:{survey.position(q)}:{o}"
        case Toggle(question=q, option=o):
            data = f"t:{survey.position(q)}:{o}"
        case Done(question=q):
            data = f"d:{survey.position(q)}"
        case Decline(question=q):
            data = f"x:{survey.position(q)}"
        case SetLanguage(language=code):
            data = f"l:{code}"
        case Consent(accepted=accepted, remind=remind):
            data = ("Y" if remind else "y") if accepted else "n"
        case _ if type(event) in _SIMPLE_CODES:
            data = _SIMPLE_CODES[type(event)][0]
        case _:
            raise ValueError(f"{event!r} has no button form")
    assert len(data.encode()) <= MAX_BYTES
    return data


def decode(survey: Survey, data: str | None) -> Event | None:
    if not data or len(data) > MAX_BYTES:
        return None
    if data in _SIMPLE:
        return _SIMPLE[data]
    if match := _OPTION.match(data):
        question = _question_at(survey, match["index"])
        if question is None:
            return None
        kind = Choose if match["kind"] == "c" else Toggle
        return kind(question, match["option"])
    if match := _QUESTION.match(data):
        question = _question_at(survey, match["index"])
        if question is None:
            return None
        return Done(question) if match["kind"] == "d" else Decline(question)
    if match := _LANGUAGE.match(data):
        return SetLanguage(match["code"])
    return None


def _question_at(survey: Survey, index: str) -> str | None:
    position = int(index)
    return survey.questions[position].name if position < len(survey.questions) else None
