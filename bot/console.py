"""The terminal channel: the same survey, engine and database, with typed keys instead of buttons.

For assisted interviews at an info stand (channel "assisted": each interview is a new anonymous respondent
that nobody can find again) and for trying Heard without a Telegram token. What differs from a chat:

- Options are chosen by number. Where a question asks for a text or a number, its options (back, "prefer not
  to say") get letters instead, so that a typed 2 is an answer, not the second option.
- The texts speak of an interview (`Wording.INTERVIEW`): no account, no /delete afterwards; a wrong key is
  answered with the numbers that can be typed, in the interview's language, from the same `bot` catalogs.
- Stopping (/cancel, end of input, Ctrl-C) deletes what the interview stored, consent included.
- "Done" with nothing chosen asks once more before it records that none of the options applies.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.texts import translator
from surveys.conversation import Conversations, Pressed, Reply
from surveys.core import actions
from surveys.core.engine import Ask, Done, Event, Problem, Start, SurveyClosed, Text
from surveys.core.model import QuestionType
from surveys.core.privacy import anonymous_pseudonym
from surveys.core.render import RenderedMessage, Wording

ReadLine = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]

PLATFORM = "console"
CHANNEL = "assisted"
CANCEL = ("/cancel", "/quit")
TYPED = (QuestionType.TEXT, QuestionType.NUMBER, QuestionType.DECIMAL)
LETTERS = "abcdefghijklmnopqrstuvwxyz"
WRONG_KEY = (Problem.USE_BUTTONS, Problem.UNKNOWN_OPTION)
"""The engine's "use the buttons": a console has none, it says which keys to type instead."""


class StandardInput:
    """Lines of standard input, read from its file descriptor in a daemon thread, so that Ctrl-C cancels the wait at
    once and the process can end without anyone pressing Enter. Not through input() or sys.stdin: a thread blocked
    there holds the buffered reader's lock, and the interpreter aborts when it flushes stdin at exit meanwhile."""

    def __init__(self, fd: int = 0) -> None:
        self._fd = fd
        self._pending = b""
        self._ended = False

    def _line(self) -> str | None:
        while b"\n" not in self._pending and not self._ended:
            chunk = os.read(self._fd, 4096)
            self._ended = not chunk
            self._pending += chunk
        if not self._pending:
            return None
        line, _, self._pending = self._pending.partition(b"\n")
        return line.decode("utf-8", errors="replace").rstrip("\r")

    async def __call__(self, prompt: str) -> str | None:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        loop = asyncio.get_running_loop()
        line: asyncio.Future[str | None] = loop.create_future()

        def settle(value: str | None) -> None:
            if not line.done():
                line.set_result(value)

        def read() -> None:
            try:
                value = self._line()
            except OSError:
                value = None
            with contextlib.suppress(RuntimeError):  # the loop has closed: the console was stopped meanwhile
                loop.call_soon_threadsafe(settle, value)

        threading.Thread(target=read, name="console-input", daemon=True).start()
        return await line


class ConsoleTexts:
    """What the console says itself, in one language of the `bot` catalogs."""

    def __init__(self, conversations: Conversations, language: str | None) -> None:
        self._ = translator(conversations, language)

    def welcome(self) -> list[str]:
        _ = self._
        return [
            _("Heard console: each interview is stored anonymously, as channel “assisted”."),
            _("Type the number of an option. Where a question asks for a text or a number, type it; the options "
              "below it then have letters."),
            _("Type /cancel to stop an interview; what was answered in it is then deleted."),
            "",
        ]

    def type_a_number(self, last: int) -> str:
        return "⚠️ " + self._("Please type the number of an option (1 to {last}).").format(last=last)

    def confirm_none(self, key: str) -> str:
        return "⚠️ " + self._("Nothing is chosen. Type {key} again to answer that none of these applies, or first "
                              "type the numbers of the options that apply.").format(key=key)

    def cancelled(self) -> str:
        return self._("Interview cancelled; its answers were deleted.")

    def stopped(self) -> str:
        return self._("Interview stopped (Ctrl-C); its answers were deleted.")

    def another(self) -> tuple[str, str, str]:
        _ = self._
        return _("Start another interview?"), _("Yes, the next interview"), _("No, finish")

    def stored(self, count: int) -> str:
        return self._("Interviews stored in this session: {count}").format(count=count)


@dataclass(frozen=True)
class Screen:
    """What one reply put on the screen: the key for each option, and the question it asks (if any)."""

    keys: dict[str, str]
    """key typed -> the option's encoded action"""
    ask: Ask | None
    reply: Reply

    def empty_done(self, action: str) -> bool:
        """The action is "Done" on a multiple-choice question with nothing chosen."""
        if self.ask is None or self.ask.selected:
            return False
        if self.reply.survey.question(self.ask.question).type is not QuestionType.MULTI:
            return False  # a note's "Continue" is a Done too
        return isinstance(actions.decode(self.reply.survey, action), Done)


def show(message: RenderedMessage, write: Write, keys: Sequence[str]) -> dict[str, str]:
    """Print a message with a key before each button; the keys in the order of the buttons."""
    write(message.text)
    shown = {}
    for key, button in zip(keys, message.buttons, strict=False):
        write(f"  [{key}] {button.label}")
        shown[key] = button.action
    write("")
    return shown


def show_reply(reply: Reply, conversations: Conversations, write: Write, texts: ConsoleTexts) -> Screen:
    renderer = conversations.renderer(reply.survey, reply.language, Wording.INTERVIEW)
    keys: dict[str, str] = {}
    ask: Ask | None = None
    for prompt in reply.prompts:
        if isinstance(prompt, Ask):
            ask = prompt
        typed = isinstance(prompt, Ask) and reply.survey.question(prompt.question).type in TYPED
        labels = LETTERS if typed else [str(n) for n in range(1, 100)]
        wrong_key = getattr(prompt, "problem", None) in WRONG_KEY
        if wrong_key:
            prompt = dataclasses.replace(prompt, problem=None)  # type: ignore[type-var]
        message = renderer.render(prompt)
        if wrong_key:
            write(texts.type_a_number(len(message.buttons)))
        keys = show(message, write, labels) or keys
    return Screen(keys, ask, reply)


async def next_event(screen: Screen, read: ReadLine, write: Write, texts: ConsoleTexts) -> Event | Pressed | None:
    """The event the next typed line means; None when the interviewer stops."""
    confirming: str | None = None
    while True:
        line = await read("> ")
        if line is None or line.strip().lower() in CANCEL:
            return None
        key = line.strip().lower()
        action = screen.keys.get(key)
        if action is None:
            return Text(line)
        if screen.empty_done(action) and confirming != key:
            confirming = key
            write(texts.confirm_none(key))
            continue
        return Pressed(action)


async def interview(conversations: Conversations, read: ReadLine, write: Write) -> bool:
    """One anonymous questionnaire. Returns True if it was completed and stored; when it is stopped, whatever it
    stored (its session, its consent) is deleted."""
    respondent = anonymous_pseudonym()

    def respondent_for(_survey_id: str) -> str:
        return respondent

    event: Event | Pressed | None = Start()
    texts = ConsoleTexts(conversations, None)
    try:
        while event is not None:
            reply = await conversations.handle(respondent_for, event, channel=CHANNEL, platform=PLATFORM)
            texts = ConsoleTexts(conversations, reply.language)
            screen = show_reply(reply, conversations, write, texts)
            if reply.state.finished or any(isinstance(p, SurveyClosed) for p in reply.prompts):
                return reply.state.stage.value == "completed"
            event = await next_event(screen, read, write, texts)
    except asyncio.CancelledError:  # Ctrl-C, typed after the "> " prompt
        await conversations.erase(respondent_for)
        write("")
        write(texts.stopped())
        raise
    await conversations.erase(respondent_for)
    write(texts.cancelled())
    return False


async def another_interview(read: ReadLine, write: Write, texts: ConsoleTexts) -> bool:
    question, yes, no = texts.another()
    write(question)
    write(f"  [1] {yes}")
    write(f"  [2] {no}")
    line = await read("> ")
    return line is not None and line.strip() == "1"


async def run_console(
    conversations: Conversations, read: ReadLine | None = None, write: Write = print, language: str | None = None
) -> int:
    """Interviews until the interviewer finishes; returns how many were stored. `read`: standard input unless
    given; `language`: of the console's own words between interviews (within one, the interview's language)."""
    read = read or StandardInput()
    texts = ConsoleTexts(conversations, language)
    for line in texts.welcome():
        write(line)
    completed = 0
    try:
        while True:
            if await interview(conversations, read, write):
                completed += 1
            if not await another_interview(read, write, texts):
                return completed
    finally:
        write(texts.stored(completed))
