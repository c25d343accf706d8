"""The Bot API client's session, minus the work of reading results nobody reads.

Telegram answers every sendMessage and edit with the whole message: text, entities, the chat, the sender and
every button of the keyboard. aiogram validates all of it into pydantic objects (one per button, entity and
chat), and that was the largest single cost of a reply in the bot's profile (bench/results.md, issue 19). Heard
never reads those results: it knows what it sent. So for the methods a reply is made of, a successful answer is
checked for `"ok": true` and its result dropped (the call returns None); any other answer (an error, a
429, a body that is not JSON) goes through aiogram's own check and raises as before.

getUpdates is read, but a button press carries the whole message the button was under, keyboard included, and
Heard reads only which message that was (its id and chat): the rest of it is left out before the updates are
validated (in the profile, validating pressed messages' keyboards was the largest cost left on the event
loop). Every other method is validated in full.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetUpdates,
    SendMessage,
    TelegramMethod,
)
from aiogram.methods.base import Response
from aiogram.types import Update
from pydantic import ValidationError

UNREAD_RESULTS = (SendMessage, EditMessageText, EditMessageReplyMarkup, AnswerCallbackQuery)
"""The methods whose results no Heard code reads (their calls return None)."""
_ACCEPTED = Response[Any]
"""Built once: pydantic keeps parametrised classes only weakly, and rebuilding one per reply cost more than the
validation it saves."""
_UPDATES = Response[list[Update]]
"""What aiogram's own check builds for getUpdates (`Response[GetUpdates.__returning__]`), built once as above."""

PRESSED_MESSAGE_READ = ("message_id", "date", "chat", "message_thread_id")
"""What Heard reads of the message under a pressed button (a `date` of 0 marks one Telegram no longer shows)."""


class ReplySession(AiohttpSession):
    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        if isinstance(method, UNREAD_RESULTS) and HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            try:
                answer = self.json_loads(content)
            except Exception:  # aiogram's check below says what is wrong
                answer = None
            if isinstance(answer, dict) and answer.get("ok") is True:
                return _ACCEPTED.model_construct(ok=True, result=None)
        if isinstance(method, GetUpdates) and HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            updates = self._updates(bot, content)
            if updates is not None:
                return updates
        return super().check_response(bot, method, status_code, content)

    def _updates(self, bot: Bot, content: str) -> Response[Any] | None:
        """The updates, with pressed messages cut to what Heard reads; None for anything but a good answer
        (aiogram's own check then says what is wrong)."""
        try:
            answer = self.json_loads(content)
        except Exception:
            return None
        if not (isinstance(answer, dict) and answer.get("ok") is True and isinstance(answer.get("result"), list)):
            return None
        for update in answer["result"]:
            cut_pressed_message(update)
        try:
            return _UPDATES.model_validate(answer, context={"bot": bot})
        except ValidationError as error:
            raise ClientDecodeError("Failed to deserialize object", error, answer) from error


def cut_pressed_message(update: Any) -> None:
    """Of a button press (an update as Telegram's JSON), keep only what Heard reads of the message the button
    was under (PRESSED_MESSAGE_READ); anything else is left as it is. Used for getUpdates and webhooks alike."""
    query = update.get("callback_query") if isinstance(update, dict) else None
    message = query.get("message") if isinstance(query, dict) else None
    if isinstance(message, dict):
        query["message"] = {key: message[key] for key in PRESSED_MESSAGE_READ if key in message}
