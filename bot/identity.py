"""Who is writing, as far as Heard may know: per-survey pseudonyms, never the Telegram user.

This middleware is the only place a Telegram user id is read. It hands handlers a `Resident` that can
produce pseudonyms (keyed HMAC, per survey) and knows the chat to answer; it never logs anything about them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from surveys.privacy import pseudonym_for


@dataclass(frozen=True, slots=True)
class Resident:
    respondent_for: Callable[[str], str]
    """survey id -> pseudonym"""
    chat_id: int
    update_id: int | None
    client_language: str | None


class ResidentMiddleware(BaseMiddleware):
    """Adds `resident` to handler data for private-chat events; events from groups and channels stop here."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if user is None or user.is_bot or chat is None or chat.type != "private":
            return None
        update: Update | None = data.get("event_update")
        user_id = user.id
        secret = self._secret
        data["resident"] = Resident(
            respondent_for=lambda survey_id: pseudonym_for(secret, survey_id, "telegram", user_id),
            chat_id=chat.id,
            update_id=update.update_id if update is not None else None,
            client_language=user.language_code,
        )
        return await handler(event, data)
