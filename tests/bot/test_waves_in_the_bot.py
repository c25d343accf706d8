"""A survey that runs in waves takes answers only while one is open: before, residents hear when the next
round starts; a wave closing midway ends unfinished conversations and deletes the chat ids kept for them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from surveys.store.schema import Contact, Response, Session
from surveys.waves import add_wave, close_wave
from tests.support.database import count
from tests.support.journeys import answer_needs_survey_in_german
from tests.support.outreach import start_and_answer
from tests.support.residents import Resident, plain


async def test_before_the_wave_opens_residents_hear_when_it_starts(running_bot, telegram):
    opens = dt.datetime.now(ZoneInfo("Europe/Berlin")).replace(hour=8, minute=0) + dt.timedelta(days=3)
    async with running_bot.core.db() as db, db.begin():
        await add_wave(db, "needs", "2027-spring", opens.astimezone(dt.UTC), None)
    resident = Resident(telegram)
    await resident.send("/start")
    text = plain(resident.last.text)
    assert "Diese Umfrage ist im Moment nicht geöffnet." in text
    assert f"Die nächste Runde beginnt am {opens.day}." in text, text
    await resident.send("Hallo?")
    assert "nicht geöffnet" in resident.last.text and await count(running_bot.core, Session) == 0


async def test_answers_belong_to_the_open_wave_and_closing_it_ends_unfinished_conversations(running_bot, telegram):
    async with running_bot.core.db() as db, db.begin():
        await add_wave(db, "needs", "2026-winter", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), None)
    finished, midway = Resident(telegram), Resident(telegram)
    await answer_needs_survey_in_german(finished)
    await start_and_answer(midway, remind=True, answers=2)
    async with running_bot.core.db() as db:
        assert (await db.scalars(select(Response.wave))).all() == ["2026-winter"]
    assert await count(running_bot.core, Contact) == 1

    async with running_bot.core.db() as db, db.begin():
        await close_wave(db, "needs", "2026-winter")
    assert await count(running_bot.core, Contact) == 0 and await count(running_bot.core, Session) == 0
    await midway.tap("30 bis 49")
    assert "Diese Umfrage ist im Moment nicht geöffnet." in plain(midway.last.text)
    assert "Die nächste Runde" not in midway.last.text, "no next round is planned"
    assert await count(running_bot.core, Response) == 1
