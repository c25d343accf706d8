"""Residents on WhatsApp: the real webhook and channel against a fake Cloud API on 127.0.0.1, a real SQLite file.
Residents press the reply buttons and list rows the bot actually sent, or type the numbers it showed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from surveys.i18n import BOT_DOMAIN, BOT_SOURCE_LANGUAGE
from surveys.store.schema import Answer, ConsentRecord, Response, Session
from tests.bot.whatsapp_harness import RunningWhatsApp
from tests.fake_whatsapp import FakeGraph, Meta, WhatsAppResident, plain


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def whatsapp(settings, graph) -> AsyncIterator[RunningWhatsApp]:
    running = RunningWhatsApp(settings, graph)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def meta(whatsapp) -> Meta:
    return whatsapp.meta()


async def pick_language(resident: WhatsAppResident, name: str) -> None:
    await resident.send(str(resident.number_of(name)))


async def answer_needs_survey_in_german(resident: WhatsAppResident) -> None:
    await resident.send("start")
    assert "Language · Sprache" in plain(resident.last.text)
    await pick_language(resident, "Deutsch")
    assert "Was brauchen Sie in unserer Stadt?" in resident.texts()
    await resident.tap("Ja, los geht's")
    assert "1/15" in plain(resident.last.text)
    for label in ("Nordstadt", "1 bis 3 Jahre", "30 bis 49", "Frau", "Teilweise", "2", "Ja"):
        await resident.tap(label)
    assert "Was hält Sie von einem Deutschkurs ab?" in plain(resident.last.text)
    await resident.tap("Die Kurszeiten passen nicht")
    await resident.tap("Keine Kinderbetreuung")
    await resident.tap("Fertig (2 gewählt)")
    await resident.tap("Sprache")  # work barriers
    await resident.tap("Fertig (1 gewählt)")
    await resident.tap("Nein")  # children: no -> school_system skipped
    assert "Ärztin" in plain(resident.last.text)
    await resident.tap("Möchte ich nicht sagen")  # health: declined
    await resident.tap("Keine Probleme")  # housing
    await resident.tap("Fertig (1 gewählt)")
    await resident.tap("4")  # feel at home
    assert "Was sollte die Stadt als Erstes ändern?" in plain(resident.last.text)
    await resident.send("Mehr Deutschkurse am Abend. Ruft mich an: 0171 2345678")


async def test_resident_completes_the_needs_survey_in_german_by_buttons_and_list_rows(whatsapp, graph):
    resident = WhatsAppResident(graph, whatsapp.meta())
    await answer_needs_survey_in_german(resident)
    assert "Vielen Dank!" in resident.texts()
    assert graph.refused == []  # every message kept within WhatsApp's limits
    async with whatsapp.core.db() as db:
        response = (await db.scalars(select(Response))).one()
        assert (response.language, response.channel) == ("de", "whatsapp")
        rows = (await db.scalars(select(Answer).where(Answer.response_id == response.id))).all()
        stored = {(a.question, a.choice, a.number, a.declined) for a in rows if a.text is None}
        assert ("area", "nordstadt", None, False) in stored
        assert ("course_barriers", "times", None, False) in stored
        assert ("course_barriers", "childcare", None, False) in stored
        assert ("health_barriers", None, None, True) in stored
        assert ("feel_at_home", None, 4, False) in stored
        assert (await db.scalars(select(Session))).all() == []
        assert len((await db.scalars(select(ConsentRecord))).all()) == 1


def bot_text(whatsapp: RunningWhatsApp, language: str):  # type: ignore[no-untyped-def]
    return whatsapp.core.catalogs.translations(BOT_DOMAIN, language, BOT_SOURCE_LANGUAGE)


async def answer_in(whatsapp: RunningWhatsApp, resident: WhatsAppResident, language: str) -> None:
    """The whole needs survey in one language, reading only what the bot sent: the first option of each
    question, "Done" after one pick on a question with several answers, a sentence where it asks for one."""
    catalogs = whatsapp.core.catalogs
    texts = bot_text(whatsapp, language)
    done = texts.ngettext("Done ({count} chosen)", "Done ({count} chosen)", 1).format(count=1)
    closing = texts.gettext("You can delete your answers at any time by sending “{delete}”.").format(
        delete=texts.pgettext("command word", "delete"))
    await resident.send("start")
    await pick_language(resident, catalogs.languages[language].name)
    await resident.tap(texts.gettext("Yes, let's start"))
    for _step in range(40):
        if closing in resident.texts(len(resident.chat) - 2):
            return
        last = resident.last
        if not last.choices or all(c["id"] in ("b",) or c["id"].startswith("x:") for c in last.choices):
            await resident.send("Mehr Kurse am Abend")  # a question that asks for words
            continue
        first = last.choices[0]
        label = plain(first.get("description") or first["title"]).removeprefix("▫️ ")
        await resident.tap(label, last)
        if any(plain(c["title"]).startswith(done) or plain(c["title"]).startswith("✅") for c in resident.last.choices):
            await resident.tap(done)
    raise AssertionError(f"the survey did not end in {language}: {resident.texts(len(resident.chat) - 3)!r}")


async def test_resident_completes_the_needs_survey_in_arabic_right_to_left(whatsapp, graph):
    resident = WhatsAppResident(graph, whatsapp.meta(), name="أمينة")
    await answer_in(whatsapp, resident, "ar")
    assert graph.refused == []
    after_picker = resident.chat[1:]
    assert all(m.text.startswith("\u200f") for m in after_picker), "every Arabic message reads right to left"
    assert all(c["title"].startswith("\u200f") for m in after_picker for c in m.choices)
    consent = next(plain(m.text) for m in resident.chat if "«" in m.text)
    assert "«إلغاء»" in consent and "«حذف»" in consent and "Telegram" not in consent and "/" not in consent
    async with whatsapp.core.db() as db:
        response = (await db.scalars(select(Response))).one()
        assert (response.language, response.channel) == ("ar", "whatsapp")


async def test_every_shipped_language_completes_the_survey(whatsapp, graph):
    languages = sorted(whatsapp.core.catalogs.languages)
    assert len(languages) == 23
    for language in languages:
        await answer_in(whatsapp, WhatsAppResident(graph, whatsapp.meta()), language)
    assert graph.refused == []
    async with whatsapp.core.db() as db:
        stored = sorted((await db.scalars(select(Response.language))).all())
    assert stored == languages
