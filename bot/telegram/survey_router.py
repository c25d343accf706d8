"""The resident's conversation: commands, button presses, typed answers and everything else they send.

Each handler is parse -> call the conversation service -> deliver. Which input means what is decided by the
engine; this module only translates Telegram into events.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery
from aiogram.types import Message as TelegramMessage

from bot.telegram.chat import Relay
from bot.telegram.delivery import acknowledge
from bot.telegram.identity import Author
from bot.telegram.loop_filters import on_loop
from surveys.conversation import Pressed
from surveys.core.engine import AskLanguage, Cancel, Start, Text, Unsupported
from surveys.core.payload import parse_payload

MAX_PAYLOAD = 64


async def on_start(message: TelegramMessage, command: CommandObject, bot: Bot, chat: Relay, resident: Author) -> None:
    payload = (command.args or "").strip()[:MAX_PAYLOAD] or None
    hints = parse_payload(payload)
    catalogs = chat.conversations.catalogs
    language = hints.language if hints.language in catalogs.languages else catalogs.match(resident.client_language)
    await chat.handle(bot, resident, Start(payload=payload, language=language), survey_id=hints.survey)


async def on_language(message: TelegramMessage, bot: Bot, chat: Relay, resident: Author) -> None:
    await chat.handle(bot, resident, AskLanguage())


async def on_cancel(message: TelegramMessage, bot: Bot, chat: Relay, resident: Author) -> None:
    await chat.handle(bot, resident, Cancel())


async def on_button(query: CallbackQuery, bot: Bot, chat: Relay, resident: Author) -> None:
    message_id = query.message.message_id if query.message is not None else None
    await chat.handle(bot, resident, Pressed(query.data or ""), message_id)
    await acknowledge(query)


async def on_empty_button(query: CallbackQuery, bot: Bot, chat: Relay, resident: Author) -> None:
    await chat.handle(bot, resident, Unsupported("button"))
    await acknowledge(query)


async def on_text(message: TelegramMessage, bot: Bot, chat: Relay, resident: Author) -> None:
    await chat.handle(bot, resident, Text(message.text or ""))


async def on_anything_else(message: TelegramMessage, bot: Bot, chat: Relay, resident: Author) -> None:
    """Stickers, photos, voice, files, locations, contacts, unknown commands: say what works instead."""
    kind = "command" if message.text else str(message.content_type)
    await chat.handle(bot, resident, Unsupported(kind))


def build_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="survey")
    router.message.register(on_start, CommandStart())
    router.message.register(on_language, Command("language"))
    router.message.register(on_cancel, Command("cancel"))
    router.callback_query.register(on_button, on_loop(F.data))
    router.callback_query.register(on_empty_button)
    router.message.register(on_text, on_loop(F.text & ~F.text.startswith("/")))
    router.message.register(on_anything_else)
    return router
