"""Flood protection: one chat sending hundreds of messages must not slow the bot down for anybody else, and
gets at most a few answers. A token bucket per chat, in memory only (never stored, never logged): a burst of
`burst` events is handled, then one per `refill_seconds`; the rest are dropped unanswered.

Typed messages get a small bucket (a resident types a command or one free-text answer now and then); button
presses a large one, because a resident may tap through several questions quickly and must never lose a tap.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, TelegramObject


class FloodGuard(BaseMiddleware):
    def __init__(self, burst: int, refill_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.refill_seconds = refill_seconds
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}
        """chat -> (tokens, when last counted); a chat without an entry has a full bucket"""
        self._refilled_after = burst * refill_seconds
        """After this long without events any bucket is full again, the same as no entry: it is forgotten."""
        self._last_sweep = clock()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat = data.get("event_chat")
        if chat is None or self._allow(chat.id):
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            await event.answer()  # stop the client's spinner; nothing else
        return None

    def _allow(self, chat_id: int) -> bool:
        now = self._clock()
        tokens, since = self._buckets.get(chat_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - since) / self.refill_seconds)
        allowed = tokens >= 1
        self._buckets[chat_id] = (tokens - 1 if allowed else tokens, now)
        if now - self._last_sweep > self._refilled_after:  # memory holds only the chats of the last seconds
            self._buckets = {c: (t, s) for c, (t, s) in self._buckets.items() if now - s < self._refilled_after}
            self._last_sweep = now
        return allowed


def message_guard() -> FloodGuard:
    return FloodGuard(burst=8, refill_seconds=1.0)


def button_guard() -> FloodGuard:
    return FloodGuard(burst=40, refill_seconds=0.2)
