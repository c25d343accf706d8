"""Resuming after a restart, going back, cancelling, declining consent, deleting, and coming back after
having answered: the controls a resident relies on."""

from __future__ import annotations

from sqlalchemy import select

from surveys.store.schema import Answer, ConsentRecord, Contact, Response, Session
from tests.support.database import count
from tests.support.journeys import answer_needs_survey_in_german
from tests.support.residents import Resident


async def test_restart_mid_survey_resumes_at_the_same_question(running_bot, telegram):
    resident = Resident(telegram)
    await resident.send("/start")
    await resident.tap("Ja, los geht's")
    await resident.tap("Altstadt")
    await resident.tap("Mehr als 10 Jahre")
    assert "3/15" in resident.last.text

    await running_bot.stop()
    await running_bot.start()

    await resident.send("/start")
    assert "Willkommen zurück!" in resident.chat[-2].text
    assert "3/15" in resident.last.text and "Wie alt sind Sie?" in resident.last.text
    await resident.tap("⬅ Zurück")
    assert "2/15" in resident.last.text
    assert resident.button("✅ Mehr als 10 Jahre"), "the earlier answer is shown as chosen"
    await resident.tap("Weniger als 1 Jahr")
    async with running_bot.core.db() as db:
        state = await db.scalar(select(Session.state))
    assert '"area":"altstadt"' in state and '"years_here":"under_1"' in state


async def test_declining_consent_stores_nothing(running_bot, telegram):
    resident = Resident(telegram)
    await resident.send("/start")
    await resident.tap("Nein, danke")
    assert "Es wurde nichts gespeichert" in resident.last.text
    for table in (Session, Response, ConsentRecord, Contact):
        assert await count(running_bot.core, table) == 0


async def test_cancel_deletes_unfinished_answers(running_bot, telegram):
    resident = Resident(telegram)
    await resident.send("/start")
    await resident.tap("Ja, und einmal erinnern, falls ich unterbreche")
    await resident.tap("Altstadt")
    assert await count(running_bot.core, Contact) == 1, "the chat id is kept for the agreed reminder"
    await resident.send("/cancel")
    assert "unfertigen Antworten gelöscht" in resident.last.text
    assert await count(running_bot.core, Session) == 0
    assert await count(running_bot.core, Contact) == 0
    await resident.send("Hallo")
    assert "Was brauchen Sie in unserer Stadt?" in resident.last.text, "any message starts anew"


async def test_second_start_offers_review_or_start_again_and_keeps_one_response(running_bot, telegram):
    resident = Resident(telegram)
    await answer_needs_survey_in_german(resident)
    await resident.send("/start")
    assert "Sie haben diese Umfrage schon beantwortet" in resident.last.text
    await resident.tap("Meine Antworten zeigen")
    listing = resident.chat[-2].text
    assert "In welchem Stadtteil wohnen Sie? → Nordstadt" in listing
    assert "Was macht es schwer, eine Ärztin oder einen Arzt zu bekommen? → Möchte ich nicht sagen" in listing
    await resident.tap("Neu beginnen")
    assert "1/15" in resident.last.text
    await resident.tap("Südstadt")
    for _ in range(11):
        await resident.tap("Möchte ich nicht sagen")
    await resident.send("Zweiter Versuch")
    assert "Vielen Dank!" in resident.last.text
    assert await count(running_bot.core, Response) == 1
    async with running_bot.core.db() as db:
        area = await db.scalar(select(Answer.choice).where(Answer.question == "area"))
    assert area == "suedstadt", "the new response replaced the earlier one"


async def test_delete_erases_everything_after_confirmation(running_bot, telegram):
    resident = Resident(telegram)
    other = Resident(telegram)
    await answer_needs_survey_in_german(resident)
    await answer_needs_survey_in_german(other)
    await resident.send("/delete")
    assert "Möchten Sie alle Ihre Antworten löschen?" in resident.last.text
    await resident.tap("Nein, behalten")
    assert resident.last.text == "Es wurde nichts gelöscht."
    assert await count(running_bot.core, Response) == 2
    await resident.send("/delete")
    await resident.tap("Ja, alles löschen")
    assert resident.last.text == "Alle Ihre Antworten wurden gelöscht."
    assert await count(running_bot.core, Response) == 1, "only the other resident's response is left"
    assert await count(running_bot.core, ConsentRecord) == 1
    await resident.send("/delete")
    await resident.tap("Ja, alles löschen")
    assert resident.last.text == "Über Sie war nichts gespeichert."


async def test_help_explains_the_commands(running_bot, telegram):
    resident = Resident(telegram)
    await resident.send("/help")
    assert "Stadt Testhausen" in resident.last.text
    for command in ("/start", "/language", "/cancel", "/delete", "/help"):
        assert command in resident.last.text
    assert {c["command"] for c in telegram.commands[None]} == {"start", "language", "cancel", "delete", "help"}
    assert telegram.commands["de"][0]["description"] == "Umfrage beginnen oder fortsetzen"


async def test_multi_choice_toggles_in_place_and_exclusive_option_clears_others(running_bot, telegram):
    resident = Resident(telegram)
    await resident.send("/start")
    await resident.tap("Ja, los geht's")
    for _ in range(7):
        await resident.tap("Möchte ich nicht sagen")
    question = resident.last
    assert "Was macht es schwer, Arbeit zu finden?" in question.text
    await resident.tap("Sprache")
    await resident.tap("Diskriminierung")
    assert question.message_id == resident.last.message_id, "toggling edits the same message"
    assert resident.button("✅ Sprache") and resident.button("✅ Diskriminierung")
    await resident.tap("Ich suche keine Arbeit")
    assert resident.button("✅ Ich suche keine Arbeit")
    assert resident.button("▫️ Sprache"), "the exclusive option cleared the others"
    await resident.tap("Fertig (1 gewählt)")
    async with running_bot.core.db() as db:
        state = await db.scalar(select(Session.state))
    assert '"work_barriers":["not_looking"]' in state


async def test_changing_language_mid_survey_keeps_answers(running_bot, telegram):
    resident = Resident(telegram)
    await resident.send("/start")
    await resident.tap("Ja, los geht's")
    await resident.tap("Nordstadt")
    await resident.send("/language")
    await resident.tap("English")
    assert "Language changed." in resident.chat[-2].text
    assert "2/15" in resident.last.text and "How long have you lived here?" in resident.last.text
    await resident.tap("⬅ Back")
    assert resident.button("✅ Nordstadt")
