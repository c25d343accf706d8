"""Telegram as the outbox's channel: send (or, for a queued reply, edit) one message and say how it went, in
the sender's terms. Here, not in bot/, so that `heard-admin results publish` sends through the outbox's sender
without the bot.

Telegram's answers map to what the sender does next: 429 -> wait `retry_after` (the whole bot); 403 or a
vanished chat -> the resident is unreachable; 5xx, timeouts and network trouble -> try again later, keeping
the message and its chat id; any other refusal -> failed (trying again cannot help). Each outcome carries a
short reason for `heard-admin results status`, never a chat id.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from surveys.config import Settings
from surveys.outreach.outbox import Outgoing
from surveys.outreach.sending import Outcome, Refused, RetryAfter, Send, Sent, Transient, Unreachable

log = logging.getLogger(__name__)

#: Telegram's descriptions of a 400 that means the chat itself is gone.
GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")


def sending_client(settings: Settings) -> Bot:
    """A Bot API client for the outbox: no retries of its own (the sender paces and retries); close its
    session when done."""
    assert settings.telegram.token, "checked by the caller"
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram.api_base),
                             timeout=settings.telegram.request_timeout)
    return Bot(settings.telegram.token, session=session)


def telegram_send(bot: Bot) -> Send:
    async def send(message: Outgoing) -> Outcome:
        try:
            await _perform(bot, message)
        except TelegramRetryAfter as exc:
            return RetryAfter(float(exc.retry_after))
        except TelegramForbiddenError:
            return Unreachable("the resident blocked the bot (403)")
        except TelegramNotFound:
            return Unreachable("the chat no longer exists")
        except TelegramBadRequest as exc:
            if message.edit_message_id is not None:
                return Sent()  # the message to edit is gone or already shows this: nothing left to do
            if any(gone in exc.message.lower() for gone in GONE):
                return Unreachable("the chat no longer exists")
            log.warning("Telegram refused a queued %s message: %s", message.kind, exc.message)
            return Refused("Telegram refused the message (400)")
        except TelegramServerError:
            return Transient("Telegram answered with a server error (5xx)")
        except TelegramNetworkError as exc:
            return Transient(network_reason(exc.message))
        except TimeoutError:
            return Transient("Telegram did not answer in time")
        return Sent()

    return send


def network_reason(message: str) -> str:
    """aiogram's description of a network failure, as an officer would put it (no host, no chat)."""
    lower = message.lower()
    if "timeout" in lower:
        return "Telegram did not answer in time"
    if "cannot connect" in lower or "clientconnector" in lower:
        return "cannot connect to Telegram"
    return "the connection to Telegram broke off"


async def _perform(bot: Bot, message: Outgoing) -> None:
    chat = int(message.address)
    markup = _keyboard(message)
    if message.edit_message_id is None:
        assert message.text is not None, "a new message has a text"
        await bot.send_message(chat, message.text, reply_markup=markup)
    elif message.text is None:
        await bot.edit_message_reply_markup(chat_id=chat, message_id=message.edit_message_id, reply_markup=markup)
    else:
        await bot.edit_message_text(text=message.text, chat_id=chat, message_id=message.edit_message_id,
                                    reply_markup=markup)


def _keyboard(message: Outgoing) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=data) for label, data in row] for row in message.buttons
    ])
