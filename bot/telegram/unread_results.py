"""The Bot API client's session, minus the work of reading results nobody reads.

Telegram answers every sendMessage and edit with the whole message: text, entities, the chat, the sender and
every button of the keyboard. aiogram validates all of it into pydantic objects (one per button, entity and
chat), and that was the largest single cost of a reply in the bot's profile (bench/results.md, issue 19). Heard
never reads those results: it knows what it sent. So for the methods a reply is made of, a successful answer is
checked for `"ok": true` and its result dropped (the call returns None); any other answer (an error, a
429, a body that is not JSON) goes through aiogram's own check and raises as before. Every other method
(getUpdates above all) is validated in full.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import Response

UNREAD_RESULTS = (SendMessage, EditMessageText, EditMessageReplyMarkup, AnswerCallbackQuery)
"""The methods whose results no Heard code reads (their calls return None)."""
_ACCEPTED = Response[Any]
"""Built once: pydantic keeps parametrised classes only weakly, and rebuilding one per reply cost more than the
validation it saves."""


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
        return super().check_response(bot, method, status_code, content)
