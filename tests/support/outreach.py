"""Shared steps for the outreach tests: a controllable clock, the scheduler's jobs, residents midway."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

from bot.scheduler import OutreachJobs
from bot.telegram.app import build_bot
from tests.support.residents import Resident

#: A configuration section that leaves no quiet hours (start == end), so outreach runs at any time of day.
NO_QUIET_HOURS = "[quiet_hours]\nstarts = 03:00:00\nends = 03:00:00\n"


class Clock:
    """The time the scheduler's jobs see; tests move it."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def local(self, days_ahead: int, hour: int, minute: int = 0, zone: str = "Europe/Berlin") -> dt.datetime:
        """A wall-clock time in the municipality some days from the real today, as UTC."""
        tz = ZoneInfo(zone)
        day = dt.datetime.now(tz).date() + dt.timedelta(days=days_ahead)
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz).astimezone(dt.UTC)


@asynccontextmanager
async def outreach_jobs(running_bot, clock: Clock) -> AsyncIterator[OutreachJobs]:  # type: ignore[no-untyped-def]
    bot = build_bot(running_bot.settings, retrying=False)
    try:
        yield OutreachJobs(running_bot.core, bot, clock)
    finally:
        await bot.session.close()


async def start_and_answer(resident: Resident, *, remind: bool, answers: int) -> None:
    """/start, consent (with or without the one reminder), then the first option of `answers` questions;
    by button data, so it works in every language."""
    await resident.send("/start")
    await resident.press(resident.last_with_buttons(), "Y" if remind else "y")
    for _ in range(answers):
        message = resident.last_with_buttons()
        await resident.press(message, message.buttons[0]["callback_data"])
