"""Last line of defence: an unexpected error in a handler becomes a short apology, and a log line that
names the error but nothing about the resident or the update's content."""

from __future__ import annotations

import logging

from aiogram import Dispatcher
from aiogram.types import ErrorEvent

from bot import texts
from surveys.conversation import Conversations

log = logging.getLogger(__name__)


def install_error_handler(dispatcher: Dispatcher, conversations: Conversations) -> None:
    @dispatcher.errors()
    async def on_error(event: ErrorEvent) -> bool:
        update = event.update
        log.error("handler failed for update %s: %s", update.update_id, type(event.exception).__name__,
                  exc_info=(type(event.exception), event.exception, event.exception.__traceback__))
        chat = None
        if update.message is not None and update.message.chat.type == "private":
            chat = update.message.chat.id
        elif update.callback_query is not None and update.callback_query.message is not None:
            chat = update.callback_query.message.chat.id
        if chat is not None and update.bot is not None:
            try:
                await update.bot.send_message(chat, texts.failure(conversations, None))
            except Exception:
                log.warning("could not send the apology for update %s", update.update_id)
        return True
