"""Replies must arrive even when Telegram hiccups: a client-session middleware that retries a request after a
429 (waiting `retry_after`), a 5xx or a network error (with exponential backoff), a few times.

Long polling is left alone (aiogram's polling loop has its own backoff), and so is the outbox's bot, whose
sender paces and retries messages itself (surveys.outreach.sending).
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)

ATTEMPTS = 6
FIRST_BACKOFF = 0.25
MAX_BACKOFF = 8.0


class RetryingRequests(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        backoff = FIRST_BACKOFF
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == ATTEMPTS:
                    raise
                log.warning("Telegram asked to wait %s s (%s)", exc.retry_after, type(method).__name__)
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt == ATTEMPTS:
                    raise
                log.warning("%s failed (%s); trying again in %.2f s", type(method).__name__,
                            type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
        raise AssertionError("unreachable")
