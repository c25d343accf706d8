"""Everything unexpected a resident can send gets a short, clear, localised reply and the current question
again; nothing crashes, nothing is stored twice."""

from __future__ import annotations

from sqlalchemy import func, select

from surveys.store.schema import Answer, Response, Session
from tests.support.journeys import decline_until_free_text
from tests.support.residents import Resident, plain


async def start_german(resident: Resident) -> None:
    await resident.send("/start")
    await resident.tap("Ja, los geht's")
    assert "1/15" in resident.last.text


async def test_sticker_photo_voice_and_location_get_a_reply_and_the_question_again(running_bot, telegram):
    resident = Resident(telegram)
    await start_german(resident)
    for content in (
        {"sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False}},
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
        {"location": {"latitude": 52.5, "longitude": 13.4}},
    ):
        before = len(resident.chat)
        await resident.send_content(**content)
        reply = resident.last
        assert len(resident.chat) == before + 1
        assert "Ich kann nur Textnachrichten und Knöpfe lesen." in reply.text
        assert "1/15" in reply.text and "In welchem Stadtteil wohnen Sie?" in reply.text
        assert resident.button("Nordstadt", reply)


async def test_text_where_a_button_is_expected_is_not_taken_as_an_answer(running_bot, telegram):
    resident = Resident(telegram)
    await start_german(resident)
    await resident.send("Nordstadt")
    assert "Bitte antworten Sie mit den Knöpfen unten." in resident.last.text
    assert "1/15" in resident.last.text
    async with running_bot.core.db() as db:
        assert await db.scalar(select(func.count()).select_from(Answer)) == 0


async def test_huge_text_message_is_refused_with_the_limit(running_bot, telegram):
    resident = Resident(telegram)
    await start_german(resident)
    await decline_until_free_text(resident)
    assert "Was sollte die Stadt als Erstes ändern?" in resident.last.text
    await resident.send("x" * 10_000)
    assert "Das ist zu lang. Bitte schreiben Sie höchstens 500 Zeichen." in resident.last.text
    assert "Was sollte die Stadt als Erstes ändern?" in resident.last.text
    await resident.send("Kürzer.")
    assert "Vielen Dank!" in resident.last.text


async def test_stale_button_from_an_earlier_question_is_refused(running_bot, telegram):
    resident = Resident(telegram)
    await start_german(resident)
    first_question = resident.last
    area_button = resident.button("Altstadt", first_question)
    await resident.tap("Nordstadt")
    assert "2/15" in resident.last.text
    # the first question's message was edited to show the answer, without buttons
    assert first_question.buttons == []
    assert "→ Nordstadt" in first_question.text
    # a client that still shows the old keyboard sends an earlier question's button
    await resident.press(first_question, area_button["callback_data"])
    assert "Dieser Knopf gehört zu einer früheren Nachricht" in resident.last.text
    assert "2/15" in resident.last.text


async def test_double_tap_stores_the_answer_once(running_bot, telegram):
    resident = Resident(telegram)
    await start_german(resident)
    question = resident.last
    data = resident.button("Südstadt", question)["callback_data"]
    await resident.press(question, data)
    messages_after_first = len(resident.chat)
    await resident.press(question, data)  # the second tap of a double tap
    assert len(resident.chat) == messages_after_first, "a double tap produces no extra message"
    async with running_bot.core.db() as db:
        state = await db.scalar(select(Session.state))
    assert '"area":"suedstadt"' in state
    assert '"current":"years_here"' in state


async def test_forged_and_unparsable_callback_data_is_answered_not_crashing(running_bot, telegram):
    resident = Resident(telegram)
    await start_german(resident)
    question = resident.last
    for forged in ("c:0:not_an_area", "c:99:x", "t:0:altstadt", "zzz", "l:xx", "c:0:" + "a" * 60, "d:"):
        await resident.press(question, forged)
        text = plain(resident.last.text)
        assert "1/15" in text, forged
        assert "Knopf" in text or "Knöpfe" in text, forged
    await resident.tap("Altstadt")
    assert "2/15" in resident.last.text


async def test_unknown_command_gets_help_towards_the_survey(running_bot, telegram):
    resident = Resident(telegram)
    await start_german(resident)
    await resident.send("/foo")
    assert "1/15" in resident.last.text


async def test_redelivered_update_is_not_applied_twice(running_bot, telegram):
    resident = Resident(telegram)
    await start_german(resident)
    await decline_until_free_text(resident)
    since = telegram.activity[resident.user.id]
    update_id = await telegram.send_text(resident.user, "Ein Treffpunkt im Viertel.")
    await telegram.settle(resident.user.id, since)
    assert "Vielen Dank!" in resident.last.text
    await telegram.wait_until(lambda: telegram.consumed(update_id))
    messages = len(resident.chat)
    await telegram.deliver_again(update_id)
    await telegram.wait_until(lambda: telegram.consumed(update_id))
    await telegram.settle(resident.user.id, telegram.activity[resident.user.id] - 1, timeout=1)
    assert len(resident.chat) == messages, "the redelivered answer produced no new conversation"
    async with running_bot.core.db() as db:
        assert await db.scalar(select(func.count()).select_from(Response)) == 1
        texts = (await db.scalars(select(Answer.text).where(Answer.text.is_not(None)))).all()
    assert texts == ["Ein Treffpunkt im Viertel."]


async def test_group_chats_are_ignored(running_bot, telegram):
    resident = Resident(telegram)
    await telegram.push({"message": {
        "message_id": 1, "date": 0, "chat": {"id": -100123, "type": "group", "title": "Nachbarn"},
        "from": resident.user.as_json(), "text": "/start", "entities": [
            {"type": "bot_command", "offset": 0, "length": 6}],
    }})
    await resident.send("/start")  # a private message afterwards still works
    assert telegram.messages(-100123) == []
    assert "Was brauchen Sie" in resident.last.text


async def test_an_update_delivered_again_midway_shows_the_current_question_and_changes_nothing(running_bot, telegram):
    """After a crash Telegram delivers the last update again; the bot cannot know whether its reply arrived."""
    resident = Resident(telegram)
    await start_german(resident)
    message = resident.last_with_buttons()
    since = telegram.activity[resident.user.id]
    update_id, _ = await telegram.press(resident.user, message, resident.button("Altstadt", message)["callback_data"])
    await telegram.settle(resident.user.id, since)
    await telegram.wait_until(lambda: telegram.consumed(update_id))
    assert "2/15" in resident.last.text
    shown = len(resident.chat)
    await telegram.deliver_again(update_id)
    await telegram.wait_until(lambda: len(resident.chat) == shown + 1)
    assert "2/15" in resident.last.text and "⚠" not in resident.last.text
    await resident.tap("Weniger als 1 Jahr")
    assert "3/15" in resident.last.text, "the area was not answered twice, nothing was skipped"
