"""WhatsApp and the outbox: a reply the Graph API does not take is delivered later by the running sender, once
and in order; the sender rests only the platform that failed; a WhatsApp-only town runs its scheduled jobs;
the 24-hour window is known before a message goes out. Real channel, fake Cloud API, real SQLite file."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select, update

from bot.scheduler import OutreachJobs, sender_for, whatsapp_sender
from bot.telegram.app import build_bot
from surveys.config import load_settings
from surveys.outreach import outbox
from surveys.outreach.quiet_hours import quiet_hours_of
from surveys.outreach.results import Digest, TopNeed, queue_results
from surveys.store.schema import Contact, OutboxMessage, ResultsSubscription
from surveys.wiring import open_core
from tests.bot.test_whatsapp import answer_needs_survey_in_german, pick_language
from tests.bot.test_whatsapp_outreach import TEMPLATES, opt_in
from tests.bot.whatsapp_harness import RunningWhatsApp
from tests.support.commands import run
from tests.support.config import write_config
from tests.support.fake_telegram import TOKEN
from tests.support.fake_whatsapp import ACCESS_TOKEN, PHONE_NUMBER_ID, FakeGraph, WhatsAppResident, new_number, plain
from tests.support.outreach import NO_QUIET_HOURS, Clock
from tests.support.recordings import voiced_survey_config


@pytest.fixture
def config_path(tmp_path, database_url):  # type: ignore[no-untyped-def]
    return write_config(tmp_path, database_url=database_url, extra=NO_QUIET_HOURS)


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def whatsapp(settings, graph) -> AsyncIterator[RunningWhatsApp]:
    quick = settings.whatsapp.model_copy(update={"seconds_per_resident": 0.05})  # not WhatsApp's 6 s pair rate
    running = RunningWhatsApp(settings.model_copy(update={"whatsapp": quick}), graph)
    await running.start()
    yield running
    await running.stop()


def server_error(_body: dict) -> web.Response:  # type: ignore[type-arg]
    return web.json_response({"error": {"message": "Service temporarily unavailable", "code": 2}}, status=503)


async def send_outbox(whatsapp: RunningWhatsApp, clock: Clock | None = None) -> None:
    """One pass of the running sender over the outbox, WhatsApp only (no Telegram token)."""
    graph, send = whatsapp_sender(whatsapp.settings)
    assert graph is not None
    try:
        await OutreachJobs(whatsapp.core, None, clock or Clock(), send).send()
    finally:
        await graph.close()


async def test_a_reply_whatsapp_does_not_take_reaches_the_resident_once_when_it_recovers(whatsapp, graph):
    resident = WhatsAppResident(graph, whatsapp.meta())
    graph.faults.append(server_error)
    await resident.send("start")
    assert resident.chat == [], "WhatsApp is down: nothing arrived"

    graph.faults.clear()
    await resident.send("help")
    assert resident.chat == [], "a later reply queues behind the one still waiting, never overtakes it"

    await send_outbox(whatsapp, Clock())
    shown = [plain(message.text) for message in resident.chat]
    assert len(shown) == 2 and "Language · Sprache" in shown[0], shown
    assert resident.chat[1].kind == "list", "the help menu arrives as the list it was"
    await send_outbox(whatsapp, Clock())
    assert len(resident.chat) == 2, "each reply exactly once"
    async with whatsapp.core.db() as db:
        rows = (await db.scalars(select(OutboxMessage))).all()
    assert {(row.kind, row.state, row.address) for row in rows} == {("reply", "sent", None)}, "numbers erased"
    await resident.send(str(resident.number_of("Deutsch", resident.chat[0])))
    assert "Was brauchen Sie in unserer Stadt?" in plain(resident.last.text), "the conversation goes on"


async def test_while_telegram_rests_after_a_failure_whatsapp_messages_still_go_out(whatsapp, graph):
    unreachable = socket.socket()
    unreachable.bind(("127.0.0.1", 0))
    dead_port = unreachable.getsockname()[1]
    unreachable.close()  # nobody listens there: Telegram cannot be reached
    settings = whatsapp.settings.model_copy(update={"telegram": whatsapp.settings.telegram.model_copy(
        update={"token": TOKEN, "api_base": f"http://127.0.0.1:{dead_port}"})})
    resident = WhatsAppResident(graph, whatsapp.meta())
    graph.last_inbound[resident.number] = time.time()  # they wrote a minute ago: the window is open
    clock = Clock()
    started = clock.now = clock.local(days_ahead=1, hour=10)  # outside quiet hours
    async with whatsapp.core.db() as db, db.begin():
        await outbox.enqueue(db, key="results:telegram", kind=outbox.RESULTS, survey_id="needs", contact_key="k1",
                             platform="telegram", address="777001", text="Ergebnisse", due_at=started, now=started)
        await outbox.enqueue(db, key="results:whatsapp", kind=outbox.RESULTS, survey_id="needs", contact_key="k2",
                             platform="whatsapp", address=resident.number, text="Die Ergebnisse sind da",
                             due_at=started + dt.timedelta(seconds=1), now=started)
    bot = build_bot(settings, retrying=False)
    wa_graph, send = whatsapp_sender(settings)
    try:
        sender = sender_for(whatsapp.core, bot, clock, send)
        assert await sender.deliver_due() == Counter(), "Telegram failed: its message waits"
        clock.now = started + dt.timedelta(seconds=1.5)  # Telegram still rests (2 s after its first failure)
        assert await sender.deliver_due() == Counter({outbox.SENT: 1}), "WhatsApp goes on meanwhile"
    finally:
        await bot.session.close()
        assert wa_graph is not None
        await wa_graph.close()
    assert [plain(message.text) for message in resident.chat] == ["Die Ergebnisse sind da"]
    async with whatsapp.core.db() as db:
        states = {row.platform: row.state for row in (await db.scalars(select(OutboxMessage))).all()}
    assert states == {"telegram": "pending", "whatsapp": "sent"}


async def until_sent_to(resident: WhatsAppResident, count: int, timeout: float = 60.0) -> None:
    """Wait until the resident's phone shows `count` messages (an event; the timeout only ends a hung test)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(resident.chat) < count:
        assert loop.time() < deadline, f"only {len(resident.chat)} message(s) arrived"
        await asyncio.sleep(0.02)


async def test_in_a_whatsapp_only_town_the_whatsapp_process_runs_the_reminders(tmp_path, graph):
    settings = load_settings(write_config(tmp_path, extra=TEMPLATES), environ={})
    assert settings.telegram.token is None, "no Telegram in this town"
    quick = settings.whatsapp.model_copy(update={"seconds_per_resident": 0.05})
    settings = settings.model_copy(update={"whatsapp": quick})
    serving = RunningWhatsApp(settings, graph)
    await serving.start()
    try:
        resident = await opt_in(serving, "de", "Deutsch")
    finally:
        await serving.stop()
    shown = len(resident.chat)

    clock = Clock()
    clock.now = clock.local(days_ahead=2, hour=10)
    graph.clock = lambda: time.time() + (clock.now - dt.datetime.now(dt.UTC)).total_seconds()
    restarted = RunningWhatsApp(settings, graph, scheduled_jobs=True, clock=clock)
    await restarted.start()  # `heard-bot whatsapp`, started next morning: it takes the lead for the jobs
    try:
        await until_sent_to(resident, shown + 1)
    finally:
        await restarted.stop()
    reminder = resident.last.request
    assert reminder["type"] == "template" and reminder["template"]["name"] == "heard_reminder_de"
    assert "1 von 15 Fragen beantwortet" in reminder["template"]["components"][0]["parameters"][0]["text"]


async def test_after_24_hours_a_reminder_goes_straight_to_the_template_or_is_not_sent(tmp_path, graph):
    settings = load_settings(write_config(tmp_path, extra=TEMPLATES), environ={})
    running = RunningWhatsApp(settings, graph)
    await running.start()
    try:
        german, arabic = await opt_in(running, "de", "Deutsch"), await opt_in(running, "ar", "العربية")
        older = await opt_in(running, "de", "Deutsch")
        async with running.core.db() as db, db.begin():  # a contact kept before Heard knew when they wrote
            await db.execute(update(Contact).where(Contact.address == older.number).values(last_inbound_at=None))
        before = len(graph.requests)
        clock = Clock()
        clock.now = clock.local(days_ahead=2, hour=10)  # over 24 hours after they last wrote, on both sides
        graph.clock = lambda: time.time() + (clock.now - dt.datetime.now(dt.UTC)).total_seconds()
        wa_graph, send = whatsapp_sender(running.settings, clock)
        assert wa_graph is not None
        try:
            await OutreachJobs(running.core, None, clock, send).tick()
        finally:
            await wa_graph.close()
        to = {resident.number: [r["type"] for r in graph.requests[before:] if r["to"] == resident.number]
              for resident in (german, arabic, older)}
        assert to[german.number] == ["template"], "known to be closed: the template at once, no 131047 first"
        assert to[arabic.number] == [], "no template for Arabic: not even tried"
        assert to[older.number] == ["interactive", "template"], "not known: tried, 131047, then the template"
        async with running.core.db() as db:
            reasons = {(m.language, m.state, m.last_error) for m in (await db.scalars(select(OutboxMessage))).all()
                       if m.kind == outbox.REMINDER}
        assert ("ar", "failed", "more than 24 hours since the resident last wrote, and no WhatsApp template for "
                "reminder in ar") in reasons
    finally:
        await running.stop()




async def test_questions_and_choices_are_read_aloud_as_whatsapp_audio_before_the_question(tmp_path, graph):
    extra = voiced_survey_config(tmp_path)
    running = RunningWhatsApp(load_settings(write_config(tmp_path, extra=extra), environ={}), graph)
    await running.start()
    try:
        resident = WhatsAppResident(graph, running.meta())
        await resident.send("start")
        await pick_language(resident, "Deutsch")
        before = len(resident.chat)
        await resident.tap("Ja, los geht's")
        sent = resident.chat[before:]
        assert [m.kind for m in sent] == ["audio", "audio", "button"], "question, choice, then the question"
        played = [graph.media[m.request["audio"]["id"]] for m in sent[:2]]
        assert played == [("audio/ogg", b"OggS-recording:course-de.ogg"), ("audio/mpeg", b"OggS-recording:yes-de.mp3")]
        assert "Besuchen Sie einen Sprachkurs?" in plain(sent[2].text)

        before = len(resident.chat)
        await resident.tap("Ja", sent[2])
        assert "audio" not in [m.kind for m in resident.chat[before:]], "no German recording: text only"
        assert "Leben Kinder bei Ihnen?" in plain(resident.last.text)
        before = len(resident.chat)
        await resident.tap("Nein")
        assert "audio" not in [m.kind for m in resident.chat[before:]], "a missing file: text only, no error"
        assert "Was wünschen Sie sich?" in plain(resident.last.text)
    finally:
        await running.stop()


async def test_results_status_says_why_a_whatsapp_results_message_was_not_sent(settings, cli_env, graph):
    running = RunningWhatsApp(settings, graph)
    await running.start()
    try:
        resident = WhatsAppResident(graph, running.meta())
        await answer_needs_survey_in_german(resident)
        await resident.tap("📬 Ergebnisse an mich senden")
        published = await asyncio.to_thread(run, "heard-admin", "results", "publish", "needs", "--queue-only",
                                            env=cli_env)
        assert published.returncode == 0, published.stderr
        clock = Clock(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25))  # no results template for German
        graph.clock = lambda: time.time() + (clock.now - dt.datetime.now(dt.UTC)).total_seconds()
        await send_outbox(running, clock)
    finally:
        await running.stop()
    shown = await asyncio.to_thread(run, "heard-admin", "results", "status", "needs",
                                    env={**cli_env, "COLUMNS": "250"})
    assert shown.returncode == 0, shown.stderr
    out = " ".join(shown.stdout.split())
    assert re.search(r"failed\W+1\W", out), out
    assert ("more than 24 hours since the resident last wrote, and no WhatsApp template for results in de"
            in out), out
    assert resident.number not in shown.stdout, "no number is ever shown"


async def test_heard_bot_scheduler_runs_without_a_telegram_token_and_sends_over_whatsapp(settings, cli_env, graph):
    number = new_number()
    graph.last_inbound[number] = time.time()  # they wrote a moment ago
    core = await open_core(settings)
    try:
        now = dt.datetime.now(dt.UTC)
        async with core.db() as db, db.begin():
            db.add(ResultsSubscription(survey_id="needs", contact_key="w1", platform="whatsapp", address=number,
                                       language="de", wave=None, created_on=now.date()))
        async with core.db() as db, db.begin():
            await queue_results(db, core.conversations, core.registry.default, None,
                                Digest(240, [TopNeed("language_course", "yes", 0.5)]), settings.results,
                                quiet_hours_of(settings), now)
    finally:
        await core.close()
    env = {**cli_env, "WHATSAPP_TOKEN": ACCESS_TOKEN, "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
           "WHATSAPP_API_BASE": graph.api_base}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "heard-bot"), "scheduler", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not graph.chats.get(number):
            assert process.returncode is None, "the scheduler ended (it needs no Telegram token)"
            assert loop.time() < deadline, "nothing was sent"
            await asyncio.sleep(0.05)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = await process.communicate()
    assert "Telegram" not in err.decode(), err.decode()
    assert graph.chats[number][0].kind == "text", "the results, as a WhatsApp message"


async def test_a_process_without_whatsapp_leaves_its_messages_queued_for_one_that_has_it(whatsapp, graph, telegram):
    """`heard-admin results publish` on a machine without WhatsApp's settings sends the Telegram results and
    leaves the WhatsApp ones queued (not failed), and the WhatsApp process delivers them."""
    settings = whatsapp.settings.model_copy(update={"telegram": whatsapp.settings.telegram.model_copy(
        update={"token": TOKEN, "api_base": telegram.base_url})})
    resident = WhatsAppResident(graph, whatsapp.meta())
    graph.last_inbound[resident.number] = time.time()
    clock = Clock()
    started = clock.now = clock.local(days_ahead=1, hour=10)  # outside quiet hours
    async with whatsapp.core.db() as db, db.begin():
        await outbox.enqueue(db, key="results:telegram", kind=outbox.RESULTS, survey_id="needs", contact_key="k1",
                             platform="telegram", address="777002", text="Ergebnisse", due_at=started, now=started)
        await outbox.enqueue(db, key="results:whatsapp", kind=outbox.RESULTS, survey_id="needs", contact_key="k2",
                             platform="whatsapp", address=resident.number, text="Die Ergebnisse sind da",
                             due_at=started, now=started)
    bot = build_bot(settings, retrying=False)
    try:
        assert await sender_for(whatsapp.core, bot, clock).deliver_due() == Counter({outbox.SENT: 1})
    finally:
        await bot.session.close()
    async with whatsapp.core.db() as db:
        states = {row.platform: row.state for row in (await db.scalars(select(OutboxMessage))).all()}
    assert states == {"telegram": "sent", "whatsapp": "pending"}, "the WhatsApp message waits, it is not failed"
    assert [plain(m.text) for m in telegram.messages(777002)] == ["Ergebnisse"]

    wa_graph, send = whatsapp_sender(settings)
    try:
        assert await sender_for(whatsapp.core, None, clock, send).deliver_due() == Counter({outbox.SENT: 1})
    finally:
        assert wa_graph is not None
        await wa_graph.close()
    assert [plain(message.text) for message in resident.chat] == ["Die Ergebnisse sind da"]
