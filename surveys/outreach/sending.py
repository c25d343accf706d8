"""Delivering the outbox: claim each due message, wait for the pacer, send it through the channel's adapter,
and record what happened. Safe to run in several processes at once (claims are atomic); issue 8 keeps it to
one scheduler anyway so that the pacer sees all traffic.

An outage delays messages, it never loses them. A network error, a timeout or a 5xx is transient: the message
goes back to the queue with its chat id and its reason, and is tried again later, each time twice as late (up
to `RetryPolicy.longest`) until `RetryPolicy.give_up_after` has passed since it was queued. While Telegram
fails, the sender does not hammer it with every queued message: after a failure it stops taking messages and
tries again, with one pass, after a pause that also doubles (at most a minute: once Telegram is back, the queue
moves within a minute). The pause is per platform: while Telegram rests, WhatsApp's messages go on, and the other
way round.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from surveys.outreach import outbox
from surveys.outreach.outbox import Outgoing
from surveys.outreach.pacing import PlatformPacers, SendPacer
from surveys.outreach.quiet_hours import QuietHours
from surveys.store.database import DbSession
from surveys.store.schema import OutboxMessage

log = logging.getLogger(__name__)

#: While Telegram cannot be reached, the sender tries again at least this often.
PROBE_LONGEST = dt.timedelta(minutes=1)
#: A reply is tried again at least this often: a resident is waiting for it.
REPLY_LONGEST = dt.timedelta(seconds=10)
#: A message claimed this long ago and never settled was being sent when its sender died.
STALE_CLAIM = dt.timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long transient failures are retried (heard.toml [sending])."""

    first: dt.timedelta = dt.timedelta(seconds=2)
    longest: dt.timedelta = dt.timedelta(minutes=10)
    give_up_after: dt.timedelta = dt.timedelta(hours=48)

    def delay(self, failures: int, longest: dt.timedelta | None = None) -> dt.timedelta:
        """`first` after the first failure, then twice as long after each further one, never over `longest`."""
        cap = min(longest, self.longest) if longest is not None else self.longest
        seconds = self.first.total_seconds() * 2.0 ** min(max(failures - 1, 0), 40)
        return min(dt.timedelta(seconds=seconds), cap)


@dataclass(frozen=True, slots=True)
class Sent:
    pass


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """Telegram's 429: the bot must wait this long before writing to anybody."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Transient:
    """A server error, a timeout or a network problem: try again later."""

    reason: str = "temporary error"


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The resident blocked the bot or the chat is gone."""

    reason: str = "the chat cannot be reached"


@dataclass(frozen=True, slots=True)
class Refused:
    """Telegram refused this message for good (e.g. a malformed request): trying again cannot help."""

    reason: str = "refused by the platform"


Outcome = Sent | RetryAfter | Transient | Unreachable | Refused
Send = Callable[[Outgoing], Awaitable[Outcome]]


def by_platform(senders: Mapping[str, Send]) -> Send:
    """One Send that hands each message to its own platform's: an outbox row written for WhatsApp is never
    posted to Telegram. A platform this process cannot send to fails the message, saying so."""

    async def send(message: Outgoing) -> Outcome:
        chosen = senders.get(message.platform)
        if chosen is None:
            return Refused(f"{message.platform} is not set up in the process that sends the outbox")
        return await chosen(message)

    return send
Clock = Callable[[], dt.datetime]


class Sender:
    def __init__(
        self,
        db: async_sessionmaker[DbSession],
        send: Send,
        pacer: SendPacer | PlatformPacers,
        quiet: QuietHours,
        clock: Clock,
        concurrency: int = 8,
        *,
        retry: RetryPolicy = RetryPolicy(),
        reads: async_sessionmaker[DbSession] | None = None,
        leaves: Collection[str] = (),
    ) -> None:
        self._db = db
        self._leaves = frozenset(leaves)
        """Platforms this process cannot send to (e.g. `heard-admin` without WhatsApp's settings): their messages
        stay queued for a process that can, instead of failing."""
        self._reads = reads or db
        """Looking for due messages writes nothing (on SQLite it must not take the write lock every tick)."""
        self._send = send
        self._pacer = pacer
        self._quiet = quiet
        self._clock = clock
        self._concurrency = concurrency
        self._retry = retry
        self._failures: dict[str, int] = {}
        """platform -> passes in a row that met a transient failure there: how long its next pause is."""
        self._resume_at: dict[str, dt.datetime] = {}
        """platform -> until then none of its messages is taken: it failed and is given a rest."""
        self._passing = asyncio.Lock()

    async def deliver_due(self, *, patience: float = 0.0) -> Counter[str]:
        """Send everything due now; with `patience` (seconds, on a clock that moves), also wait for messages
        that become due that soon (retries after a 429 or an error). Returns how many messages ended in each
        state."""
        if self._passing.locked():
            return Counter()  # a pass is under way (the scheduler's jobs overlap): it sends what is due
        async with self._passing:
            return await self._pass(patience)

    async def _pass(self, patience: float) -> Counter[str]:
        started = self._clock()
        deadline = started + dt.timedelta(seconds=patience)
        outcomes = await self._settle_old(started)
        while True:
            now = self._clock()
            replies_only = self._quiet.contains(now)
            resting = self._resting_platforms(now)
            async with self._reads() as db:
                due = await outbox.due(db, now, replies_only=replies_only, excluding=resting | self._leaves)
            if due:
                await self._deliver(due, outcomes)
                continue
            upcoming = await self._upcoming(resting, replies_only)
            if upcoming is None:
                return outcomes
            if upcoming > deadline:
                return outcomes
            await asyncio.sleep(max((upcoming - self._clock()).total_seconds(), 0.01))

    def _resting(self, now: dt.datetime, platform: str) -> bool:
        resume_at = self._resume_at.get(platform)
        return resume_at is not None and now < resume_at

    def _resting_platforms(self, now: dt.datetime) -> set[str]:
        return {platform for platform in self._resume_at if self._resting(now, platform)}

    async def _upcoming(self, resting: set[str], replies_only: bool) -> dt.datetime | None:
        """When the next message can go: the next due of the platforms at work, or a resting platform's next
        due once its rest is over."""
        async with self._reads() as db:
            moments = [await outbox.next_due(db, replies_only=replies_only, excluding=resting | self._leaves)]
            for platform in resting:
                moment = await outbox.next_due(db, replies_only=replies_only, platform=platform)
                moments.append(max(moment, self._resume_at[platform]) if moment is not None else None)
        known = [moment for moment in moments if moment is not None]
        return min(known) if known else None

    async def _settle_old(self, now: dt.datetime) -> Counter[str]:
        """Give up messages queued longer than the policy allows; mark those whose sender died mid-request."""
        overdue = now - self._retry.give_up_after
        stale = now - STALE_CLAIM
        async with self._reads() as db:
            anything = await db.scalar(select(
                exists().where(OutboxMessage.state == outbox.PENDING, OutboxMessage.created_at < overdue)
                | exists().where(OutboxMessage.state == outbox.SENDING, OutboxMessage.updated_at < stale)
            ))
        settled: Counter[str] = Counter()
        if anything:
            async with self._db() as db, db.begin():
                hours = self._retry.give_up_after.total_seconds() / 3600
                settled[outbox.FAILED] = await outbox.give_up_overdue(db, overdue, now, f"not sent within {hours:g} h")
                settled[outbox.INTERRUPTED] = await outbox.mark_interrupted(db, stale, now)
        return +settled

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
        async with self._pacer.slot(chat):
            if self._resting(self._clock(), chat.partition(":")[0]):
                return None  # its platform just failed: this message waits for the next pass
            async with self._db() as db, db.begin():
                message = await outbox.claim(db, message_id, self._clock())
                if message is None:  # taken by another sender, or withdrawn: every end of a session (finished,
                    return None      # cancelled, deleted, wave closed) withdraws its reminder
        try:
            outcome = await self._send(message)
        except Exception:  # an adapter bug must not leave the message claimed forever
            log.exception("sending an outbox message failed unexpectedly")
            outcome = Transient("unexpected error (see the bot's log)")
        async with self._db() as db, db.begin():
            now = self._clock()
            match outcome:
                case Sent():
                    self._failures.pop(message.platform, None)
                    self._resume_at.pop(message.platform, None)
                    await outbox.finish(db, message.id, outbox.SENT, now)
                    return outbox.SENT
                case Unreachable(reason=reason):
                    await outbox.finish(db, message.id, outbox.UNREACHABLE, now, reason)
                    await outbox.forget_unreachable(db, message.platform, message.address)
                    return outbox.UNREACHABLE
                case Refused(reason=reason):
                    await outbox.finish(db, message.id, outbox.FAILED, now, reason)
                    return outbox.FAILED
                case RetryAfter(seconds=seconds):
                    self._pacer.pause(seconds, message.platform)
                    await outbox.release(db, message.id, now + dt.timedelta(seconds=seconds), now,
                                         f"{message.platform.capitalize()} asked to wait {seconds:g} s (429)")
                    return None
                case Transient(reason=reason):
                    self._rest(now, message.platform)
                    longest = REPLY_LONGEST if message.kind == outbox.REPLY else None
                    retry_at = now + self._retry.delay(message.attempts, longest)
                    await outbox.release(db, message.id, retry_at, now, reason)
                    return None
        raise AssertionError(f"unknown outcome {outcome!r}")

    def _rest(self, now: dt.datetime, platform: str) -> None:
        """A transient failure: take no message of this platform for a while (the others go on). Failures of
        one pass (sent at once) count once."""
        if self._resting(now, platform):
            return
        failures = self._failures[platform] = self._failures.get(platform, 0) + 1
        resume_at = self._resume_at[platform] = now + self._retry.delay(failures, PROBE_LONGEST)
        log.warning("sending to %s failed; its messages rest for %.1f s", platform,
                    (resume_at - now).total_seconds())
