"""Who is writing, as far as Heard may know: per-survey pseudonyms, never the Telegram user.

This middleware is the only place a Telegram user id is read. It hands handlers a `Author` that can
produce pseudonyms (keyed HMAC, per survey) and knows the chat to answer; it never logs anything about them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from surveys.core.privacy import pseudonym_for
from surveys.distribution import WORKER_NAMESPACE
from surveys.workers import AssistTarget, Workers


@dataclass(frozen=True, slots=True)
class Author:
    respondent_for: Callable[[str], str]
    """survey id -> the pseudonym this chat answers for (while assisting: the person assisted)"""
    own_respondent_for: Callable[[str], str]
    """survey id -> the account holder's own pseudonym, also while assisting: whose records /delete removes"""
    chat_id: int
    update_id: int | None
    client_language: str | None
    worker: str
    """The account's pseudonym in the workers' namespace (meaningful only if it is linked to a distributor)."""
    assisting: AssistTarget | None = None
    """Set while this account enters a questionnaire for someone else: answers go to that respondent."""

    @property
    def channel(self) -> str:
        return "assisted" if self.assisting else "telegram"

    @property
    def contact(self) -> str | None:
        """The chat to write to later: never the worker's chat for someone else's questionnaire."""
        return None if self.assisting else str(self.chat_id)


class ResidentMiddleware(BaseMiddleware):
    """Adds `resident` to handler data for private-chat events; events from groups and channels stop here."""

    def __init__(self, secret: bytes, workers: Workers) -> None:
        self._secret = secret
        self._workers = workers

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        resident = await self.resident(data)
        if resident is None:
            return None
        data["resident"] = resident
        return await handler(event, data)

    async def resident(self, data: dict[str, Any]) -> Author | None:
        """The resident of a private chat, from aiogram's context data (`event_from_user`, `event_chat`); None
        for groups, channels and bots. Also used by the error handler, to apologise in the resident's language."""
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if user is None or user.is_bot or chat is None or chat.type != "private":
            return None
        update: Update | None = data.get("event_update")
        user_id = user.id
        secret = self._secret
        worker = pseudonym_for(secret, WORKER_NAMESPACE, "telegram", user_id)
        assisting = await self._workers.assist_target(worker)

        def own_respondent_for(survey_id: str) -> str:
            return pseudonym_for(secret, survey_id, "telegram", user_id)

        def respondent_for(survey_id: str) -> str:
            if assisting is not None:
                return assisting.respondent
            return own_respondent_for(survey_id)

        return Author(
            respondent_for=respondent_for,
            own_respondent_for=own_respondent_for,
            chat_id=chat.id,
            update_id=update.update_id if update is not None else None,
            client_language=user.language_code,
            worker=worker,
            assisting=assisting,
        )
