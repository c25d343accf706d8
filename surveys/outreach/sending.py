"""Delivering the outbox: claim each due message, wait for the pacer, send it through the channel's adapter,
and record what happened. Safe to run in several processes at once (claims are atomic); issue 8 keeps it to
one scheduler anyway so that the pacer sees all traffic."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from surveys.outreach import outbox
from surveys.outreach.outbox import Outgoing
from surveys.outreach.pacing import SendPacer
from surveys.outreach.quiet_hours import QuietHours
from surveys.store.database import DbSession

log = logging.getLogger(__name__)

#: After this many failed tries (server errors, network) a message is given up as failed.
MAX_ATTEMPTS = 8
MAX_BACKOFF = dt.timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Sent:
    pass


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """Telegram's 429: the bot must wait this long before writing to anybody."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Transient:
    """A server error or a network problem: try again later."""


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The resident blocked the bot or the chat is gone."""


Outcome = Sent | RetryAfter | Transient | Unreachable
Send = Callable[[Outgoing], Awaitable[Outcome]]
Clock = Callable[[], dt.datetime]


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=2 ** attempts), MAX_BACKOFF)


class Sender:
    def __init__(
        self,
        db: async_sessionmaker[DbSession],
        send: Send,
        pacer: SendPacer,
        quiet: QuietHours,
        clock: Clock,
        concurrency: int = 8,
    ) -> None:
        self._db = db
        self._send = send
        self._pacer = pacer
        self._quiet = quiet
        self._clock = clock
        self._concurrency = concurrency

    async def deliver_due(self, *, patience: float = 0.0) -> Counter[str]:
        """Send everything due now; with `patience` (seconds), also wait for messages that become due that
        soon (retries after a 429 or an error). Returns how many messages ended in each state."""
        outcomes: Counter[str] = Counter()
        while True:
            now = self._clock()
            if self._quiet.contains(now):
                return outcomes
            async with self._db() as db:
                due = await outbox.due(db, now)
            if due:
                await self._deliver(due, outcomes)
                continue
            async with self._db() as db:
                upcoming = await outbox.next_due(db)
            if upcoming is None or patience <= 0:
                return outcomes
            wait = (upcoming - self._clock()).total_seconds()
            if wait > patience:
                return outcomes
            await asyncio.sleep(max(wait, 0.01))

    async def _deliver(self, due: list[tuple[int, str]], outcomes: Counter[str]) -> None:
        queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        for item in due:
            queue.put_nowait(item)

        async def work() -> None:
            while not queue.empty():
                outcome = await self._deliver_one(*queue.get_nowait())
                if outcome is not None:
                    outcomes[outcome] += 1

        await asyncio.gather(*(work() for _ in range(min(self._concurrency, len(due)))))

    async def _deliver_one(self, message_id: int, chat: str) -> str | None:
        # claimed inside the pacer's slot, right before the request: a crash while waiting for a turn leaves
        # the message pending (sent after the restart); a crash during the request leaves it `sending`
        async with self._pacer.slot(chat), self._db() as db, db.begin():
            message = await outbox.claim(db, message_id, self._clock())
            if message is None:  # taken by another sender, or withdrawn: every end of a session (finished,
                return None      # cancelled, deleted, wave closed) withdraws its reminder
        try:
            outcome = await self._send(message)
        except Exception:  # an adapter bug must not leave the message claimed forever
            log.exception("sending an outbox message failed unexpectedly")
            outcome = Transient()
        async with self._db() as db, db.begin():
            now = self._clock()
            match outcome:
                case Sent():
                    await outbox.finish(db, message.id, outbox.SENT, now)
                    return outbox.SENT
                case Unreachable():
                    await outbox.finish(db, message.id, outbox.UNREACHABLE, now)
                    await outbox.forget_unreachable(db, message.platform, message.address)
                    return outbox.UNREACHABLE
                case RetryAfter(seconds=seconds):
                    self._pacer.pause(seconds)
                    await outbox.release(db, message.id, now + dt.timedelta(seconds=seconds), now)
                    return None
                case Transient() if message.attempts >= MAX_ATTEMPTS:
                    await outbox.finish(db, message.id, outbox.FAILED, now)
                    return outbox.FAILED
                case _:
                    await outbox.release(db, message.id, now + backoff(message.attempts - 1), now)
                    return None
