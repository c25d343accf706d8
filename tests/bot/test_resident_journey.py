"""A resident answers the whole needs survey over the fake Telegram API, pressing the buttons the real bot
sent, and the answers land in the database keyed by names, with nothing identifying stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveys.core.answer_codes import pack
from surveys.store.schema import Answer, ConsentRecord, Contact, Response, Session
from tests.support.journeys import answer_needs_survey_in_german
from tests.support.residents import Resident


async def test_resident_completes_survey_and_answers_are_stored_by_name(running_bot, telegram):
    resident = Resident(telegram)
    await answer_needs_survey_in_german(resident)
    assert "Vielen Dank!" in resident.last.text

    async with running_bot.core.db() as db:
        responses = (await db.scalars(select(Response))).all()
        assert len(responses) == 1
        response = responses[0]
        assert (response.survey_id, response.survey_version, response.language, response.channel) == (
            "needs", 1, "de", "telegram"
        )
        rows = (await db.scalars(select(Answer).where(Answer.response_id == response.id))).all()
        stored = {(a.question, a.choice, a.number, a.declined) for a in rows if a.text is None}
        assert ("area", "nordstadt", None, False) in stored
        assert ("course_barriers", "times", None, False) in stored
        assert ("course_barriers", "childcare", None, False) in stored
        assert ("understood_by_town", None, 2, False) in stored
        assert ("health_barriers", None, None, True) in stored
        assert ("feel_at_home", None, 4, False) in stored
        assert not any(a.question == "school_system" for a in rows)
        # summaries count the packed codes stored with the response: they must say what the rows say
        assert (response.answer_codes, response.answer_numbers) == tuple(
            pack((a.question, a.choice, a.number, a.declined) for a in sorted(rows, key=lambda a: a.id)))
        text = next(a.text for a in rows if a.question == "town_should_change")
        assert text == "Mehr Deutschkurse am Abend. Ruft mich an: [phone]"
        # the conversation is over: no session, no contact; consent is on record, by day only
        assert (await db.scalars(select(Session))).all() == []
        assert (await db.scalars(select(Contact))).all() == []
        consents = (await db.scalars(select(ConsentRecord))).all()
        assert len(consents) == 1 and len(consents[0].text_hash) == 64


@pytest.mark.sqlite_only
async def test_raw_database_file_holds_nothing_identifying(running_bot, telegram, settings):
    residents = [Resident(telegram) for _ in range(3)]
    for resident in residents:
        await answer_needs_survey_in_german(resident)
    await running_bot.stop()
    database = settings.storage.database_url.split("///", 1)[1]
    raw = b""
    for suffix in ("", "-wal", "-shm"):
        try:
            with open(database + suffix, "rb") as handle:
                raw += handle.read()
        except FileNotFoundError:
            pass
    assert raw, "the database file exists"
    for resident in residents:
        user = resident.user
        assert str(user.id).encode() not in raw
        assert user.first_name.encode() not in raw
        assert user.username.encode() not in raw
    assert b"2345678" not in raw
    await running_bot.start()
