"""The one reminder: only for residents who agreed, after the delay, never in quiet hours, exactly once,
never after /cancel, /delete or the end of the wave; and its button continues where they left off."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.scheduler import start_scheduler
from surveys.store.schema import Contact, OutboxMessage
from surveys.waves import add_wave, close_wave
from tests.support.outreach import Clock, outreach_jobs, start_and_answer
from tests.support.residents import Resident, new_user, plain


def reminders_in(resident: Resident) -> list[str]:
    return [m.text for m in resident.chat if any(b.get("callback_data") == "s" for b in m.buttons)]


async def test_one_reminder_after_the_delay_outside_quiet_hours_in_the_residents_language(running_bot, telegram):
    german, arabic = Resident(telegram), Resident(telegram, new_user("ar", "Samira"))
    silent, cancelled, deleted = (Resident(telegram) for _ in range(3))
    await start_and_answer(german, remind=True, answers=2)
    await start_and_answer(arabic, remind=True, answers=1)
    await start_and_answer(silent, remind=False, answers=2)
    await start_and_answer(cancelled, remind=True, answers=1)
    await cancelled.send("/cancel")
    await start_and_answer(deleted, remind=True, answers=1)
    await deleted.send("/delete")
    await deleted.tap("Ja, alles löschen")
    everyone = (german, arabic, silent, cancelled, deleted)
    before = {r.user.id: len(r.chat) for r in everyone}

    clock = Clock()
    async with outreach_jobs(running_bot, clock) as jobs:
        clock.now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=23)
        await jobs.tick()
        assert all(len(r.chat) == before[r.user.id] for r in everyone), "not before the 24 hours are over"

        clock.now = clock.local(days_ahead=2, hour=22, minute=30)
        await jobs.tick()
        assert all(len(r.chat) == before[r.user.id] for r in everyone), "never in quiet hours (20:00-09:00)"

        clock.now = clock.local(days_ahead=3, hour=9, minute=30)
        await jobs.tick()
        assert len(reminders_in(german)) == 1 and len(reminders_in(arabic)) == 1
        for resident in (silent, cancelled, deleted):
            assert len(resident.chat) == before[resident.user.id], "none without consent, after /cancel or /delete"

        clock.now += dt.timedelta(hours=5)
        await jobs.tick()
        clock.now += dt.timedelta(days=2)
        await jobs.tick()
    assert len(reminders_in(german)) == 1 and len(reminders_in(arabic)) == 1, "exactly one reminder"

    text = plain(reminders_in(german)[0])
    assert "und 2 von 15 Fragen beantwortet" in text, text
    arabic_text = reminders_in(arabic)[0]
    assert arabic_text.startswith("\u200f") and any("\u0600" <= ch <= "\u06ff" for ch in arabic_text)
    async with running_bot.core.db() as db:
        assert await db.scalar(select(func.count()).select_from(Contact)) == 0, "chat ids go once reminded"
        stored = (await db.scalars(select(OutboxMessage))).all()
        assert {m.state for m in stored} == {"sent"} and all(m.address is None and m.text is None for m in stored)

    reminder = next(m for m in german.chat if any(b.get("callback_data") == "s" for b in m.buttons))
    await german.tap("Weiter", reminder)
    assert "3/15" in german.last.text, "the reminder's button continues at the next question"


async def test_no_reminder_once_the_wave_has_closed(running_bot, telegram):
    async with running_bot.core.db() as db, db.begin():
        await add_wave(db, "needs", "2026-winter", dt.datetime.now(dt.UTC) - dt.timedelta(days=1), None)
    resident = Resident(telegram)
    await start_and_answer(resident, remind=True, answers=2)
    async with running_bot.core.db() as db, db.begin():
        assert await close_wave(db, "needs", "2026-winter") == 1, "closing deletes the reminder contact"
    before = len(resident.chat)
    clock = Clock()
    async with outreach_jobs(running_bot, clock) as jobs:
        clock.now = clock.local(days_ahead=3, hour=10)
        await jobs.tick()
    assert len(resident.chat) == before


async def test_on_start_the_scheduler_finds_due_reminders_in_the_database(running_bot, telegram):
    resident = Resident(telegram)
    await start_and_answer(resident, remind=True, answers=1)
    clock = Clock(Clock().local(days_ahead=3, hour=11))
    async with outreach_jobs(running_bot, clock) as jobs:
        scheduler = start_scheduler(jobs)
        try:
            await telegram.wait_until(lambda: len(reminders_in(resident)) == 1, timeout=15)
        finally:
            scheduler.shutdown(wait=False)
