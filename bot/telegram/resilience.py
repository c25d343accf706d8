"""Replies must arrive even when Telegram hiccups: a client-session middleware that retries a request after a
429 (waiting `retry_after`), a 5xx or a network error (with exponential backoff), for a bounded time while
the resident's update is handled. What still fails is raised to the caller, which hands a reply to the
outbox (bot.telegram.delivery): the resident gets it once Telegram answers again, without tapping a second time.

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

FIRST_BACKOFF = 0.25
MAX_BACKOFF = 8.0


class RetryingRequests(BaseRequestMiddleware):
    def __init__(self, budget: float = 15.0) -> None:
        self.budget = budget
        """Seconds a request is retried for; a wait that would end later is not begun."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.budget
        backoff = FIRST_BACKOFF
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                wait = float(exc.retry_after)
                if loop.time() + wait > deadline:
                    raise
                log.warning("Telegram asked to wait %s s (%s)", exc.retry_after, type(method).__name__)
            except (TelegramServerError, TelegramNetworkError) as exc:
                wait = backoff
                if loop.time() + wait > deadline:
                    raise
                log.warning("%s failed (%s); trying again in %.2f s", type(method).__name__,
                            type(exc).__name__, wait)
                backoff = min(backoff * 2, MAX_BACKOFF)
            await asyncio.sleep(wait)
