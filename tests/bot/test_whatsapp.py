"""Residents on WhatsApp: the real webhook and channel against a fake Cloud API on 127.0.0.1, a real SQLite file.
Residents press the reply buttons and list rows the bot actually sent, or type the numbers it showed."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from surveys.config import load_settings
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE
from surveys.store.schema import Answer, ConsentRecord, Distributor, Referral, Response, SeenUpdate, Session
from tests.bot.whatsapp_harness import RunningWhatsApp
from tests.support.commands import run
from tests.support.config import write_config
from tests.support.fake_whatsapp import (
    BUSINESS_NUMBER,
    VERIFY_TOKEN,
    FakeGraph,
    Meta,
    WhatsAppResident,
    delivery,
    message_id_for,
    plain,
    signature,
    status_delivery,
)


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
    """Type the number before the language's name (23 languages: a numbered list), or press it where few are
    offered."""
    if resident.last.choices:
        await resident.tap(name)
    else:
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


async def test_meta_verifies_the_webhook_with_the_verify_token_only(whatsapp):
    async with aiohttp.ClientSession() as http:
        query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
        async with http.get(whatsapp.url, params=query) as response:
            assert (response.status, await response.text()) == (200, "1158201444")
        async with http.get(whatsapp.url, params={**query, "hub.verify_token": "guessed"}) as response:
            assert response.status == 403
            assert "1158201444" not in await response.text()


async def test_a_delivery_without_the_app_secrets_signature_is_refused_before_it_is_read(whatsapp, graph, meta,
                                                                                        caplog):
    resident = WhatsAppResident(graph, meta)
    real = json.dumps(delivery(resident.number, {"id": message_id_for(resident.number), "type": "text",
                                                 "text": {"body": "start"}})).encode()
    not_json = b"{ this is not json"
    # a body that cannot be parsed gets 401, not 400: the signature is checked before anything is parsed
    assert await meta.post(not_json, signature(not_json, "another-apps-secret")) == 401
    assert await meta.post(not_json, None) == 401
    assert await meta.post(real, signature(real, "another-apps-secret")) == 401
    assert await meta.post(real, None) == 401
    assert await meta.post(real + b" ", signature(real)) == 401  # signed body changed on the way
    assert await meta.post(not_json, signature(not_json)) == 400  # signed, but not a delivery
    assert graph.requests == []
    async with whatsapp.core.db() as db:
        assert (await db.scalars(select(Session))).all() == []
    assert "refused a delivery with a missing or wrong signature" in caplog.text
    assert resident.number not in caplog.text


async def test_a_delivery_meta_repeats_is_applied_once(whatsapp, graph, meta):
    resident = WhatsAppResident(graph, meta)
    await resident.send("start")
    await pick_language(resident, "Deutsch")
    await resident.tap("Ja, los geht's", copies=2)  # the same delivery twice, at once
    await resident.tap("Nordstadt", copies=2)
    message_id = await resident.tap("1 bis 3 Jahre")
    status = await meta.deliver(delivery(resident.number, {"id": message_id, "type": "interactive", "interactive": {
        "type": "list_reply", "list_reply": {"id": "c:1:from_1_to_3", "title": "1 bis 3 Jahre"}}}))  # later again
    assert status == 200
    await resident.tap("30 bis 49")
    assert "4/15" in plain(resident.last.text), "each answer moved the survey on by exactly one question"
    assert "früheren Nachricht" not in resident.texts(), "no repeated delivery was taken for a stale button"
    async with whatsapp.core.db() as db:
        state = (await db.scalars(select(Session.state))).one()
        seen = (await db.scalars(select(SeenUpdate.update_id))).all()
    answers = json.loads(state)["answers"]
    assert answers == {"area": "nordstadt", "years_here": "from_1_to_3", "age_band": "from_30_to_49"}
    assert len(seen) == len(set(resident.sent_ids)) == 6  # start, language, consent, three answers: once each


async def test_commands_are_words_in_the_residents_language(whatsapp, graph, meta):
    resident = WhatsAppResident(graph, meta)
    await resident.send("start")
    await pick_language(resident, "Deutsch")
    await resident.tap("Ja, los geht's")
    await resident.send("Hilfe")
    menu = resident.last
    assert menu.kind == "list"
    assert [plain(c["title"]) for c in menu.choices] == ["start", "sprache", "abbrechen", "löschen", "hilfe"]
    await resident.tap("sprache", menu)  # the menu row does what the word does
    assert "Bitte wählen Sie Ihre Sprache" in plain(resident.last.text)
    await resident.send("ABBRECHEN")
    cancelled = plain(resident.last.text)
    assert "„start“" in cancelled and "/" not in cancelled
    async with whatsapp.core.db() as db:
        assert (await db.scalars(select(Session))).all() == []
    await resident.send("löschen")
    await resident.tap("Ja, alles löschen")
    assert plain(resident.last.text) in ("Alle Ihre Antworten wurden gelöscht.",
                                         "Über Sie war nichts gespeichert.")


@pytest.mark.sqlite_only
async def test_no_phone_number_reaches_the_database_file_or_the_logs(whatsapp, graph, meta, settings, caplog):
    caplog.set_level(logging.DEBUG)
    residents = [WhatsAppResident(graph, meta, name=f"Amira{n}") for n in range(2)]
    for resident in residents:
        await answer_needs_survey_in_german(resident)
    await resident.send("löschen")
    await whatsapp.stop()
    database = settings.storage.database_url.split("///", 1)[1]
    raw = b""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(database + suffix):
            raw += open(database + suffix, "rb").read()  # noqa: SIM115
    assert raw
    for resident in residents:
        number = resident.number.encode()
        for form in (number, number[2:], base64.b64encode(number)[:12], resident.name.encode()):
            assert form not in raw, form
            assert form.decode() not in caplog.text, form
        for message_id in resident.sent_ids:
            assert message_id.encode() not in raw and message_id not in caplog.text
    assert b"2345678" not in raw
    await whatsapp.start()


SERVICES_SURVEY = """\
id: services
version: 1
language: de
title: Welche Angebote kennen Sie?
questions:
  - name: offices
    type: single
    field: information
    label: Wo waren Sie zuletzt?
    choices:
{offices}
  - name: known
    type: multi
    field: information
    label: Welche Angebote kennen Sie?
    choices:
{known}
  - name: wish
    type: text
    field: closing
    label: Was fehlt Ihnen?
"""


@pytest.fixture
def services_settings(tmp_path):
    folder = tmp_path / "surveys"
    folder.mkdir()
    offices = "\n".join(f"      - {{name: office_{n}, label: Amt Nummer {n}}}" for n in range(1, 13))
    known = "\n".join(f"      - {{name: offer_{n}, label: Angebot {n}}}" for n in range(1, 10))
    (folder / "services.yaml").write_text(SERVICES_SURVEY.format(offices=offices, known=known), encoding="utf-8")
    path = write_config(tmp_path, extra=f'\n[surveys]\ndefault = "services"\ndirectories = ["{folder}"]\n')
    return load_settings(path, environ={})


async def test_more_options_than_a_list_holds_are_numbered_and_answered_by_typing_numbers(services_settings, graph):
    whatsapp = RunningWhatsApp(services_settings, graph)
    await whatsapp.start()
    try:
        resident = WhatsAppResident(graph, whatsapp.meta())
        await resident.send("start")
        if "Language · Sprache" in plain(resident.last.text):
            await pick_language(resident, "Deutsch")
        await resident.tap("Ja, los geht's")
        offices = resident.last
        assert offices.kind == "text" and not offices.choices  # 12 offices and "prefer not to say": too many
        assert "Tippen Sie die Nummer Ihrer Antwort." in plain(offices.text)
        await resident.send("99")
        assert "1 bis 13" in plain(resident.last.text), "a number outside the list is answered with the range"
        await resident.send(str(resident.number_of("Amt Nummer 11", offices)))
        known = resident.last
        assert "Tippen Sie die Nummern aller Antworten, die zutreffen" in plain(known.text)
        typed = ", ".join(str(resident.number_of(f"Angebot {n}", known)) for n in (1, 3, 5))
        await resident.send(typed.replace("3", "٣"))  # Arabic-Indic digits count too
        assert "Was fehlt Ihnen?" in plain(resident.last.text)
        await resident.send("Ein Sprachcafé")
        async with whatsapp.core.db() as db:
            rows = (await db.scalars(select(Answer))).all()
        chosen = {(a.question, a.choice) for a in rows if a.choice}
        assert chosen == {("offices", "office_11"), ("known", "offer_1"), ("known", "offer_3"), ("known", "offer_5")}
    finally:
        await whatsapp.stop()


async def test_a_distributors_wa_me_link_opens_the_survey_in_their_language_and_counts_for_them(
        whatsapp, graph, cli_env):
    added = run("heard-admin", "distributors", "add", "--name", "Frauencafé Nord", "--language", "ar", env=cli_env)
    code = re.search(r"code (\w+)", added.stdout).group(1)
    missing = run("heard-admin", "distributors", "link", code, "--whatsapp", env=cli_env)
    assert missing.returncode == 1 and "set WHATSAPP_NUMBER" in missing.stderr and "Traceback" not in missing.stderr
    link = run("heard-admin", "distributors", "link", code, "--whatsapp",
               env={**cli_env, "WHATSAPP_NUMBER": BUSINESS_NUMBER}).stdout.strip()
    assert link == f"https://wa.me/{BUSINESS_NUMBER}?text=start%20{code}--l-ar"
    prefilled = parse_qs(urlsplit(link).query)["text"][0]  # what WhatsApp types in for the resident
    resident = WhatsAppResident(graph, whatsapp.meta())
    await resident.send(prefilled)
    texts = bot_text(whatsapp, "ar")
    await resident.tap(texts.gettext("Yes, let's start"))  # Arabic straight away: no language list
    assert "1/15" in plain(resident.last.text)
    async with whatsapp.core.db() as db:
        referrals = (await db.scalars(select(Referral))).all()
        distributor = (await db.scalars(select(Distributor))).one()
    assert [r.distributor_id for r in referrals] == [distributor.id]


async def test_statuses_in_any_order_change_nothing_and_server_errors_are_retried(whatsapp, graph, meta, caplog):
    resident = WhatsAppResident(graph, meta)
    await resident.send("start")
    sent = resident.last.message_id
    for status, error in (("read", None), ("delivered", None), ("sent", None), ("failed", 131026)):
        assert await meta.deliver(status_delivery(resident.number, sent, status, error)) == 200
    assert "WhatsApp error 131026" in caplog.text and resident.number not in caplog.text
    failures = iter([web.json_response({"error": {"code": 1, "message": "unknown"}}, status=500),
                     web.json_response({"error": {"code": 130429, "message": "throughput"}}, status=400)])
    graph.faults.append(lambda _request: next(failures, None))
    await pick_language(resident, "Deutsch")
    assert "Was brauchen Sie in unserer Stadt?" in resident.texts(), "the reply arrived after two refusals"
    assert len(graph.requests) == 4, "one picker, two refused tries and the intro"


def test_heard_bot_whatsapp_without_meta_settings_says_in_one_line_what_to_set(cli_env):
    done = run("heard-bot", "whatsapp", env={**cli_env, "WHATSAPP_TOKEN": "EAAG-set"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Configuration problem: the WhatsApp channel needs WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, "
        "WHATSAPP_PHONE_NUMBER_ID (from Meta's developer dashboard, see the README section “Residents on WhatsApp”)"
    ]
    assert "EAAG-set" not in done.stdout + done.stderr


async def test_an_outreach_worker_links_their_whatsapp_and_sees_their_reach(whatsapp, graph, meta, cli_env):
    env = {**cli_env, "WHATSAPP_NUMBER": BUSINESS_NUMBER}
    code = re.search(r"code (\w+)", run("heard-admin", "distributors", "add", "--name", "Chor", "--language", "de",
                                        env=env).stdout).group(1)
    invite = run("heard-admin", "distributors", "invite", code, "--whatsapp", env=env).stdout.strip()
    assert invite.startswith(f"https://wa.me/{BUSINESS_NUMBER}?text=start%20w-")
    worker = WhatsAppResident(graph, meta, name="Worker")
    await worker.send("mystats")  # not linked yet: an ordinary message, the survey answers it
    assert "Über Ihren Link erreichte Menschen" not in worker.texts()
    await worker.send(parse_qs(urlsplit(invite).query)["text"][0])
    assert plain(worker.last.text).startswith("Dieses WhatsApp-Konto ist jetzt mit Chor verbunden.")
    await worker.send("mylink")
    link = re.search(r"https://wa\.me/\S+", plain(worker.last.text)).group(0)
    assert link == f"https://wa.me/{BUSINESS_NUMBER}?text=start%20{code}--l-de"
    await worker.send("mystats")  # nobody yet: pointed to the link itself, not to Telegram's commands
    nobody_yet = plain(worker.last.text)
    assert nobody_yet.startswith("Über Ihren Link erreichte Menschen:") and link in nobody_yet
    assert "/mylink" not in nobody_yet and "/myflyer" not in nobody_yet
    resident = WhatsAppResident(graph, meta)
    await resident.send(parse_qs(urlsplit(link).query)["text"][0])
    await resident.tap("Ja, los geht's")
    await worker.send("/mystats")
    stats = plain(worker.last.text)
    assert stats.startswith("Über Ihren Link erreichte Menschen:") and "Was brauchen Sie in unserer Stadt?" in stats
    assert "begonnen: 1," not in stats, "one person started: shown as 0 or k, never 1"
