"""Telegram as the outbox's channel: send one queued message and say how it went, in the sender's terms.

Telegram's answers map to what the sender does next: 429 -> wait `retry_after` (the whole bot), 403 or a
vanished chat -> the resident is unreachable, 5xx and network trouble -> try again later with backoff.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from surveys.outreach.outbox import Outgoing
from surveys.outreach.sending import Outcome, RetryAfter, Send, Sent, Transient, Unreachable


def telegram_send(bot: Bot) -> Send:
    async def send(message: Outgoing) -> Outcome:
        markup = None
        if message.buttons:
            markup = InlineKeyboardMarkup(inline_keyboard=[
                [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
                for row in message.buttons
            ])
        try:
            await bot.send_message(int(message.address), message.text, reply_markup=markup)
        except TelegramRetryAfter as exc:
            return RetryAfter(float(exc.retry_after))
        except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest):
            return Unreachable()
        except (TelegramServerError, TelegramNetworkError, TimeoutError):
            return Transient()
        return Sent()

    return send
