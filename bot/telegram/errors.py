"""Last line of defence: an unexpected error in a handler becomes a short apology, and a log line that
names the error but nothing about the resident or the update's content."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Dispatcher
from aiogram.types import ErrorEvent

from bot import texts
from bot.telegram.identity import ResidentMiddleware
from surveys.conversation import Conversations

log = logging.getLogger(__name__)


def install_error_handler(dispatcher: Dispatcher, conversations: Conversations, residents: ResidentMiddleware) -> None:
    @dispatcher.errors()
    async def on_error(event: ErrorEvent, **data: Any) -> bool:
        update = event.update
        log.error("handler failed for update %s: %s", update.update_id, type(event.exception).__name__,
                  exc_info=(type(event.exception), event.exception, event.exception.__traceback__))
        chat = None
        if update.message is not None and update.message.chat.type == "private":
            chat = update.message.chat.id
        elif update.callback_query is not None and update.callback_query.message is not None:
            chat = update.callback_query.message.chat.id
        if chat is not None and update.bot is not None:
            language = await _language(conversations, residents, data)
            try:
                await update.bot.send_message(chat, texts.failure(conversations, language))
            except Exception:
                log.warning("could not send the apology for update %s", update.update_id)
        return True


async def _language(conversations: Conversations, residents: ResidentMiddleware, data: dict[str, Any]) -> str | None:
    """The resident's language, if Heard still knows it (the failure may be the database's: then the default)."""
    try:
        resident = await residents.resident(data)
        if resident is None:
            return None
        return await conversations.language_of(resident.respondent_for, resident.client_language)
    except Exception:
        log.warning("the resident's language could not be looked up for the apology")
        return None
