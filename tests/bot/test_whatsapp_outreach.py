"""Reminders on WhatsApp within its 24-hour rule: free-form (with its button) while the resident wrote less
than 24 hours ago, after that only as the template approved for the resident's language, and not at all
(saying why) where there is none. The fake Cloud API enforces the rule on a clock the test moves."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from bot.scheduler import OutreachJobs, whatsapp_sender
from bot.telegram.app import build_bot
from bot.whatsapp.graph import GraphError
from bot.whatsapp.outbound import outcome_of
from surveys.config import load_settings
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE
from surveys.outreach.outbox import Outgoing
from surveys.outreach.sending import Refused, RetryAfter, Sent, Transient, Unreachable, by_platform
from surveys.store.schema import Contact, OutboxMessage
from tests.bot.whatsapp_harness import RunningWhatsApp
from tests.support.config import write_config
from tests.support.fake_telegram import TOKEN
from tests.support.fake_whatsapp import FakeGraph, WhatsAppResident, plain
from tests.support.outreach import Clock

TEMPLATES = '\n[reminders]\ndelay_hours = 2\n\n[whatsapp.templates]\nreminder = { de = "heard_reminder_de" }\n'


@pytest.fixture
async def whatsapp(tmp_path, telegram) -> AsyncIterator[RunningWhatsApp]:
    settings = load_settings(write_config(tmp_path, extra=TEMPLATES), environ={})
    settings = settings.model_copy(update={"telegram": settings.telegram.model_copy(
        update={"token": TOKEN, "api_base": telegram.base_url})})
    graph = FakeGraph()
    await graph.start()
    running = RunningWhatsApp(settings, graph)
    await running.start()
    yield running
    await running.stop()
    await graph.stop()


async def opt_in(whatsapp: RunningWhatsApp, language: str, language_name: str) -> WhatsAppResident:
    """Start, choose the language, agree to one reminder, answer the first question, stop."""
    resident = WhatsAppResident(whatsapp.graph, whatsapp.meta())
    texts = whatsapp.core.catalogs.translations(BOT_DOMAIN, language, BOT_SOURCE_LANGUAGE)
    await resident.send("start")
    await resident.send(str(resident.number_of(language_name)))
    await resident.tap(texts.gettext("Yes, and remind me once if I stop"))
    first = resident.last.choices[0]
    await resident.tap(plain(first.get("description") or first["title"]))
    return resident


async def tick(whatsapp: RunningWhatsApp, clock: Clock, hours_since_they_wrote: float) -> None:
    """The scheduled jobs at `clock`, the residents having last written that many hours before (Meta's clock
    and what Heard keeps, to the hour, agree)."""
    whatsapp.graph.clock = lambda: time.time() + hours_since_they_wrote * 3600
    async with whatsapp.core.db() as db, db.begin():
        await db.execute(update(Contact).where(Contact.platform == "whatsapp").values(
            last_inbound_at=clock.now - dt.timedelta(hours=hours_since_they_wrote)))
    bot = build_bot(whatsapp.settings, retrying=False)
    graph, send = whatsapp_sender(whatsapp.settings, clock)
    try:
        await OutreachJobs(whatsapp.core, bot, clock, send).tick()
    finally:
        whatsapp.graph.clock = time.time  # residents write again in the present
        await bot.session.close()
        assert graph is not None
        await graph.close()


async def test_reminders_keep_to_the_24_hour_rule(whatsapp):
    early = await opt_in(whatsapp, "de", "Deutsch")
    async with whatsapp.core.db() as db:
        contact = (await db.scalars(select(Contact))).one()
    assert (contact.platform, contact.address) == ("whatsapp", early.number), "kept only for the reminder"

    clock = Clock()
    clock.now = clock.local(days_ahead=1, hour=10)
    await tick(whatsapp, clock, hours_since_they_wrote=3)
    reminder = early.last
    assert reminder.kind == "button" and "1 von 15 Fragen beantwortet" in plain(reminder.text)
    await early.tap("Weiter", reminder)
    assert "2/15" in plain(early.last.text), "the reminder's button continues where they left off"

    late, arabic = await opt_in(whatsapp, "de", "Deutsch"), await opt_in(whatsapp, "ar", "العربية")
    clock.now = clock.local(days_ahead=2, hour=10)
    before = len(whatsapp.graph.requests)
    await tick(whatsapp, clock, hours_since_they_wrote=25)
    template = late.last.request
    assert template["type"] == "template" and template["template"]["name"] == "heard_reminder_de"
    assert template["template"]["language"]["code"] == "de"
    parameter = template["template"]["components"][0]["parameters"][0]["text"]
    assert "1 von 15 Fragen beantwortet" in parameter and "\n" not in parameter
    assert all(m.request["type"] != "template" for m in arabic.chat), "no template for Arabic: nothing sent"
    tried = [r for r in whatsapp.graph.requests[before:] if r["to"] in (arabic.number, late.number)]
    assert tried == [template], "the window was known to be closed: no free-form try provoking 131047 first"
    async with whatsapp.core.db() as db:
        rows = {(m.state, m.language, m.last_error) for m in (await db.scalars(select(OutboxMessage))).all()}
        left = (await db.scalars(select(Contact))).all()
    assert ("failed", "ar", "more than 24 hours since the resident last wrote, and no WhatsApp template for "
            "reminder in ar") in rows
    assert {state for state, _, _ in rows} == {"sent", "failed"} and left == [], "every number erased"
    assert json.dumps(template).count(late.number) == 1  # only as the recipient


@pytest.mark.parametrize(("status", "code", "expected"), [
    (400, 131026, Unreachable("not a WhatsApp number, or it cannot receive this message (131026)")),
    (400, 131056, Transient("too many messages to this resident in a short time (131056)")),
    (400, 130429, RetryAfter(5.0)),
    (503, 0, Transient("WhatsApp answered with a server error (5xx)")),
    (0, 0, Transient("WhatsApp did not answer in time, or could not be reached")),
    (400, 131009, Refused("WhatsApp refused the message (error 131009)")),
])
def test_each_whatsapp_error_leads_to_what_the_outbox_does_next(status, code, expected):
    assert outcome_of(GraphError(status, code)) == expected


async def test_a_row_for_a_platform_this_process_cannot_send_to_fails_saying_so():
    sent = []

    async def telegram(message):  # type: ignore[no-untyped-def]
        sent.append(message)
        return Sent()

    send = by_platform({"telegram": telegram})
    row = Outgoing(1, "reminder", "needs", "key", "whatsapp", "4915100000009", "Hallo", (), 1)
    assert await send(row) == Refused("whatsapp is not set up in the process that sends the outbox")
    assert sent == [], "a WhatsApp row is never posted to Telegram"
