"""The resident's conversation: commands, button presses, typed answers and everything else they send.

Each handler is parse -> call the conversation service -> deliver. Which input means what is decided by the
engine; this module only translates Telegram into events.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery
from aiogram.types import Message as TelegramMessage

from bot.delivery import deliver
from bot.identity import Resident
from surveys.conversation import Conversations, Pressed
from surveys.engine import AskLanguage, Cancel, Event, Start, Text, Unsupported
from surveys.payload import parse_payload

MAX_PAYLOAD = 64


async def _handle(
    bot: Bot,
    conversations: Conversations,
    resident: Resident,
    event: Event | Pressed,
    pressed_message_id: int | None = None,
) -> bool:
    reply = await conversations.handle(
        resident.respondent_for,
        event,
        channel="telegram",
        update_id=resident.update_id,
        contact=str(resident.chat_id),
        client_language=resident.client_language,
    )
    await deliver(bot, conversations, resident.chat_id, reply, pressed_message_id)
    return reply.duplicate


async def on_start(
    message: TelegramMessage, command: CommandObject, bot: Bot, conversations: Conversations, resident: Resident
) -> None:
    payload = (command.args or "").strip()[:MAX_PAYLOAD] or None
    hint = parse_payload(payload).language
    language = hint if hint in conversations.catalogs.languages else None
    language = language or conversations.catalogs.match(resident.client_language)
    await _handle(bot, conversations, resident, Start(payload=payload, language=language))


async def on_language(message: TelegramMessage, bot: Bot, conversations: Conversations, resident: Resident) -> None:
    await _handle(bot, conversations, resident, AskLanguage())


async def on_cancel(message: TelegramMessage, bot: Bot, conversations: Conversations, resident: Resident) -> None:
    await _handle(bot, conversations, resident, Cancel())


async def on_button(query: CallbackQuery, bot: Bot, conversations: Conversations, resident: Resident) -> None:
    message_id = query.message.message_id if query.message is not None else None
    await _handle(bot, conversations, resident, Pressed(query.data or ""), message_id)
    await query.answer()


async def on_empty_button(query: CallbackQuery, bot: Bot, conversations: Conversations, resident: Resident) -> None:
    await _handle(bot, conversations, resident, Unsupported("button"))
    await query.answer()


async def on_text(message: TelegramMessage, bot: Bot, conversations: Conversations, resident: Resident) -> None:
    await _handle(bot, conversations, resident, Text(message.text or ""))


async def on_anything_else(
    message: TelegramMessage, bot: Bot, conversations: Conversations, resident: Resident
) -> None:
    """Stickers, photos, voice, files, locations, contacts, unknown commands: say what works instead."""
    kind = "command" if message.text else str(message.content_type)
    await _handle(bot, conversations, resident, Unsupported(kind))


def build_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="survey")
    router.message.register(on_start, CommandStart())
    router.message.register(on_language, Command("language"))
    router.message.register(on_cancel, Command("cancel"))
    router.callback_query.register(on_button, F.data)
    router.callback_query.register(on_empty_button)
    router.message.register(on_text, F.text & ~F.text.startswith("/"))
    router.message.register(on_anything_else)
    return router
