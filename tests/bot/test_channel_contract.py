"""The channel seam's contract: the same resident journey, read from the screen and answered by label, stores the
same answers whichever channel carries it: Telegram (buttons), WhatsApp (reply buttons, list rows, numbered
lists) and the console (typed keys). Only the channel column tells them apart."""

from __future__ import annotations

from sqlalchemy import select

from surveys.store.schema import Answer, Response
from tests.bot.whatsapp_harness import RunningWhatsApp
from tests.support.fake_whatsapp import FakeGraph, WhatsAppResident
from tests.support.interviews import GERMAN_INTERVIEW, interview
from tests.support.residents import Resident, new_user


async def on_telegram(telegram) -> None:  # type: ignore[no-untyped-def]
    resident = Resident(telegram, new_user(language_code=None))  # no language from the app: the list shows
    await resident.send("/start")
    for step in GERMAN_INTERVIEW:
        await (resident.send(step[1:]) if step.startswith("=") else resident.tap(step))


async def on_whatsapp(settings) -> None:  # type: ignore[no-untyped-def]
    graph = FakeGraph()
    await graph.start()
    whatsapp = RunningWhatsApp(settings, graph)
    await whatsapp.start()
    try:
        resident = WhatsAppResident(graph, whatsapp.meta())
        await resident.send("start")
        for step in GERMAN_INTERVIEW:
            if step.startswith("="):
                await resident.send(step[1:])
            elif resident.last.choices:
                await resident.tap(step)
            else:  # a numbered list (the 23 languages)
                await resident.send(str(resident.number_of(step)))
    finally:
        await whatsapp.stop()
        await graph.stop()


async def test_the_same_journey_stores_the_same_answers_on_every_channel(running_bot, telegram, settings):
    await on_telegram(telegram)
    await on_whatsapp(settings)
    await interview(settings, GERMAN_INTERVIEW)
    async with running_bot.core.db() as db:
        responses = (await db.scalars(select(Response))).all()
        stored = {}
        for response in responses:
            rows = (await db.scalars(select(Answer).where(Answer.response_id == response.id))).all()
            stored[response.channel] = (response.language, sorted(
                (a.question, a.choice or "", a.number or 0, a.text or "", a.declined) for a in rows))
    assert set(stored) == {"telegram", "whatsapp", "assisted"}
    assert stored["telegram"] == stored["whatsapp"] == stored["assisted"]
    language, answers = stored["whatsapp"]
    assert language == "de" and ("area", "nordstadt", 0, "", False) in answers and len(answers) > 15
