"""The terminal channel: the same survey, engine and database, with numbered options instead of buttons.

For assisted interviews at an info stand (channel "assisted": each interview is a new anonymous
respondent) and for trying Heard without a Telegram token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from surveys.conversation import Conversations, Pressed
from surveys.engine import Cancel, Event, Start, Text
from surveys.privacy import anonymous_pseudonym
from surveys.render import Message

ReadLine = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]


async def read_stdin(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


def show(message: Message, write: Write) -> list[str]:
    """Print a message with its buttons numbered; return the actions in that numbering."""
    write(message.text)
    actions = []
    for number, button in enumerate(message.buttons, start=1):
        write(f"  [{number}] {button.label}")
        actions.append(button.action)
    write("")
    return actions


async def interview(conversations: Conversations, read: ReadLine, write: Write) -> bool:
    """One anonymous questionnaire. Returns True if it was completed and stored."""
    respondent = anonymous_pseudonym()

    def respondent_for(_survey_id: str) -> str:
        return respondent

    event: Event | Pressed = Start()
    while True:
        reply = await conversations.handle(respondent_for, event, channel="assisted", platform="console")
        renderer = conversations.renderer(reply.survey, reply.language)
        actions: list[str] = []
        for prompt in reply.prompts:
            actions = show(renderer.render(prompt), write) or actions
        if reply.state.finished:
            return reply.state.stage.value == "completed"
        line = await read("> ")
        if line is None or line.strip().lower() in {"/cancel", "/quit"}:
            await conversations.handle(respondent_for, Cancel(), channel="assisted", platform="console")
            write("Interview cancelled; nothing was stored.")
            return False
        choice = line.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(actions):
            event = Pressed(actions[int(choice) - 1])
        else:
            event = Text(line)


async def run_console(conversations: Conversations, read: ReadLine = read_stdin, write: Write = print) -> int:
    write("Heard console: answer by typing the number of an option, or type a text answer.")
    write("Type /cancel to stop an interview. Each interview is stored anonymously as channel 'assisted'.\n")
    completed = 0
    while True:
        if await interview(conversations, read, write):
            completed += 1
        again = await read("Start another interview? [y/N] ")
        if again is None or again.strip().lower() not in {"y", "yes", "j", "ja"}:
            write(f"{completed} interview(s) stored.")
            return completed
