"""Updates that are valid Telegram but odd: an update id beyond 64 bits, and free text holding a lone
surrogate (a JSON escape such as \\ud800 that no UTF-8 text can carry). Both are handled like any other
update, through the real bot; neither ends in an apology."""

from __future__ import annotations

from sqlalchemy import func, select

from surveys.store.schema import Answer, Response
from tests.bot.test_bad_input import decline_until_free_text, start_german
from tests.support.residents import Resident

APOLOGIES = ("Entschuldigung", "Sorry, something went wrong")


async def test_update_ids_beyond_64_bits_are_applied_once_and_recognised_when_delivered_again(running_bot, telegram):
    telegram.number_updates_from(2**64 + 7)
    resident = Resident(telegram)
    await start_german(resident)
    message = resident.last_with_buttons()
    since = telegram.activity[resident.user.id]
    update_id, _ = await telegram.press(resident.user, message, resident.button("Altstadt", message)["callback_data"])
    assert update_id > 2**64
    await telegram.settle(resident.user.id, since)
    await telegram.wait_until(lambda: telegram.consumed(update_id))
    assert "2/15" in resident.last.text
    shown = len(resident.chat)
    await telegram.deliver_again(update_id)
    await telegram.wait_until(lambda: len(resident.chat) == shown + 1)
    assert "2/15" in resident.last.text, "the redelivered press showed the current question"
    await resident.tap("Weniger als 1 Jahr")
    assert "3/15" in resident.last.text, "the area was not answered twice, nothing was skipped"
    assert not any(a in m.text for a in APOLOGIES for m in resident.chat)


async def test_a_lone_surrogate_in_free_text_is_replaced_and_the_answer_stored(running_bot, telegram):
    resident = Resident(telegram)
    await start_german(resident)
    await decline_until_free_text(resident)
    await resident.send("Mehr Kurse \ud800 am Abend \udfff")
    assert "Vielen Dank!" in resident.last.text
    assert not any(a in m.text for a in APOLOGIES for m in resident.chat)
    async with running_bot.core.db() as db:
        assert await db.scalar(select(func.count()).select_from(Response)) == 1
        texts = (await db.scalars(select(Answer.text).where(Answer.text.is_not(None)))).all()
    assert texts == ["Mehr Kurse \ufffd am Abend \ufffd"]

