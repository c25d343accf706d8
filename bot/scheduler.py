"""The bot's scheduled work (APScheduler 3.11, AsyncIOScheduler): close waves that are over, queue due
reminders, deliver the outbox (every few seconds: replies waiting for Telegram are among it), and purge what
is past retention once a day.

The scheduler only decides *when* to look; *what* is due is always read from the database, so nothing is
lost with the scheduler's memory: on start every job runs once at once and finds the work left over.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.whatsapp.graph import GraphClient
from bot.whatsapp.outbound import whatsapp_send
from surveys.config import Settings
from surveys.outreach.quiet_hours import quiet_hours_of
from surveys.outreach.reminders import queue_reminders
from surveys.outreach.senders import sender_for, utc_now
from surveys.outreach.sending import Send
from surveys.retention import purge
from surveys.waves import close_due_waves
from surveys.wiring import Runtime

log = logging.getLogger(__name__)

#: How often the bot looks for due reminders and waves to close.
TICK = dt.timedelta(seconds=20)
#: How often the bot looks for queued messages that are due (a resident may be waiting for a reply).
SEND_TICK = dt.timedelta(seconds=2)


class OutreachJobs:
    """Each job is one call with the current time from `clock`; tests call them directly with their own."""

    def __init__(self, core: Runtime, bot: Bot | None, clock: Callable[[], dt.datetime] = utc_now,
                 whatsapp: Send | None = None) -> None:
        self.core = core
        self.clock = clock
        self.quiet = quiet_hours_of(core.settings)
        self.sender = sender_for(core, bot, clock, whatsapp)

    async def tick(self) -> None:
        """Close waves that are over, queue due reminders, send what is due."""
        now = self.clock()
        async with self.core.db() as db, db.begin():
            closed = await close_due_waves(db, now)
        if closed:
            log.info("closed %d wave(s) whose time was over", len(closed))
        queued = 0
        if self.core.settings.reminders.enabled:
            async with self.core.db() as db, db.begin():
                queued = await queue_reminders(
                    db, self.core.conversations, quiet=self.quiet, now=now,
                    delay=dt.timedelta(hours=self.core.settings.reminders.delay_hours),
                )
            if queued:
                log.info("queued %d reminder(s)", queued)
        outcomes = await self._deliver(patience=0.0)
        if closed or queued or outcomes:  # chat ids were deleted or erased: from the files on disk too
            await self.core.checkpoints.after_deletion()

    async def send(self, patience: float = 0.0) -> None:
        """Send what is due in the outbox, and what becomes due within `patience` seconds (a retry)."""
        if await self._deliver(patience):  # the chat ids of messages done leave the files on disk too
            await self.core.checkpoints.after_deletion()

    async def _deliver(self, patience: float) -> Counter[str]:
        outcomes = await self.sender.deliver_due(patience=patience)
        if outcomes:
            log.info("outbox: %s", ", ".join(f"{n} {state}" for state, n in sorted(outcomes.items())))
        return outcomes

    async def purge(self) -> None:
        async with self.core.db() as db, db.begin():
            counts = await purge(db, self.core.settings.retention, self.clock())
        if any(counts.values()):
            log.info("retention: deleted %s", ", ".join(f"{n} {kind}" for kind, n in counts.items() if n))
            await self.core.checkpoints.after_deletion()


def _ending_quietly(job: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """The job, ending without a word when the bot stops in the middle of it: APScheduler would log the
    cancellation as a failed job with a traceback, yet nothing failed (a claimed outbox message is settled on the
    next start)."""

    @functools.wraps(job)
    async def run(*args: Any, **kwargs: Any) -> None:
        try:
            await job(*args, **kwargs)
        except asyncio.CancelledError:
            log.debug("%s stopped with the bot", job.__name__)

    return run


def start_scheduler(jobs: OutreachJobs) -> AsyncIOScheduler:
    """Start the jobs on the running event loop; each runs once right away to pick up due work."""
    time_zone = jobs.core.settings.municipality.time_zone
    scheduler = AsyncIOScheduler(timezone=time_zone)
    now = dt.datetime.now(dt.UTC)
    scheduler.add_job(_ending_quietly(jobs.tick), IntervalTrigger(seconds=TICK.total_seconds()), id="outreach",
                      next_run_time=now, max_instances=1, coalesce=True)
    scheduler.add_job(_ending_quietly(jobs.send), IntervalTrigger(seconds=SEND_TICK.total_seconds()), id="outbox",
                      kwargs={"patience": SEND_TICK.total_seconds() * 0.75}, max_instances=1, coalesce=True)
    scheduler.add_job(_ending_quietly(jobs.purge), CronTrigger(hour=3, minute=30, timezone=time_zone), id="retention",
                      next_run_time=now, max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler


#: How often a leading scheduler checks that it still leads, and a standby one tries to take over.
LEADERSHIP_CHECK = 2.0


async def lead_outreach(core: Runtime, bot: Bot | None, clock: Callable[[], dt.datetime] = utc_now) -> None:
    """Run the scheduled jobs in exactly one process among all that share the database: wait to lead (a
    PostgreSQL advisory lock, or a file lock beside the SQLite file), run the jobs while leading, and stand by
    again if the lead is lost. Another process takes over within seconds when the leader dies. `bot`: Telegram's
    client, None in a town on WhatsApp alone (WhatsApp's own client is made here from the settings). Runs until
    cancelled."""
    from surveys.store.leadership import Leadership

    leadership = Leadership(core.settings.storage.database_url, "scheduler", poll_interval=LEADERSHIP_CHECK)
    graph, whatsapp = whatsapp_sender(core.settings, clock)
    try:
        while True:
            await leadership.wait()
            log.info("this process runs the scheduled jobs (reminders, outbox, waves, retention)")
            scheduler = start_scheduler(OutreachJobs(core, bot, clock, whatsapp))
            try:
                while await leadership.still_leading():
                    await asyncio.sleep(LEADERSHIP_CHECK)
                log.warning("lost the lead for the scheduled jobs; standing by")
            finally:
                scheduler.shutdown(wait=False)
    finally:
        await leadership.release()
        if graph is not None:
            await graph.close()


def whatsapp_sender(settings: Settings, clock: Callable[[], dt.datetime] = utc_now
                    ) -> tuple[GraphClient | None, Send | None]:
    """WhatsApp's sender for the outbox, where the WhatsApp channel is set up (else its rows fail, saying so)."""
    config = settings.whatsapp
    if not (config.token and config.phone_number_id):
        return None, None
    graph = GraphClient(config)
    return graph, whatsapp_send(graph, config.templates, clock)
