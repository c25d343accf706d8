"""The platforms' limits for messages Heard sends on its own. Telegram: about 30 per second overall and one per
second per chat; after a 429 the whole bot waits for `retry_after`. WhatsApp: the number's throughput (80 per
second by default) and its pair rate (about one message every 6 seconds to the same person). One pacer per
platform per sending process (`PlatformPacers`); the outbox names a chat "<platform>:<address>"."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

#: A little slack over one second, so that network jitter cannot squeeze 31 messages into Telegram's second.
WINDOW = 1.1


class SendPacer:
    def __init__(
        self, per_second: int, seconds_per_chat: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_second = per_second
        self.seconds_per_chat = seconds_per_chat
        self._clock = clock
        self._recent: deque[float] = deque()
        self._last_in_chat: dict[str, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float, platform: str | None = None) -> None:
        """The platform said 429: nobody is written to until `seconds` have passed. (`platform`: for the same
        call on PlatformPacers; a single pacer paces one platform.)"""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @asynccontextmanager
    async def slot(self, chat: str) -> AsyncIterator[None]:
        """Wait until one more message, to `chat`, stays within every limit. The caller prepares the message
        inside (one at a time, so a slow database cannot bunch requests up) and sends right after."""
        async with self._lock:
            while (wait := self._wait(chat)) > 0:
                await asyncio.sleep(wait)
            yield
            now = self._clock()
            self._recent.append(now)
            self._last_in_chat[chat] = now
            if len(self._last_in_chat) > 10_000:
                self._forget_quiet_chats(now)

    def _wait(self, chat: str) -> float:
        now = self._clock()
        while self._recent and now - self._recent[0] >= WINDOW:
            self._recent.popleft()
        wait = self._paused_until - now
        if len(self._recent) >= self.per_second:
            wait = max(wait, self._recent[0] + WINDOW - now)
        if (last := self._last_in_chat.get(chat)) is not None:
            wait = max(wait, last + self.seconds_per_chat + (WINDOW - 1) - now)
        return wait

    def _forget_quiet_chats(self, now: float) -> None:
        self._last_in_chat = {c: t for c, t in self._last_in_chat.items() if now - t < self.seconds_per_chat}


class PlatformPacers:
    """Each platform's messages paced by that platform's limits, independently: a pause Telegram asks for does
    not hold up WhatsApp. Chats are "<platform>:<address>" (surveys.outreach.outbox.due); a platform without a
    pacer of its own uses `default`'s."""

    def __init__(self, pacers: dict[str, SendPacer], default: str = "telegram") -> None:
        self._pacers = pacers
        self._default = default

    def pacer(self, platform: str) -> SendPacer:
        return self._pacers.get(platform) or self._pacers[self._default]

    def slot(self, chat: str) -> AbstractAsyncContextManager[None]:
        platform, _, address = chat.partition(":")
        return self.pacer(platform).slot(address)

    def pause(self, seconds: float, platform: str | None = None) -> None:
        self.pacer(platform or self._default).pause(seconds)
