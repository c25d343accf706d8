"""Right-to-left languages read right: what the bot sends in Arabic, laid out by the Unicode bidi algorithm (the
Rust unicode-bidi crate, through python-bidi) as a chat client lays it out, shows multi-word names in their
order and arrows pointing the way the text reads; every message and every line of every right-to-left language,
the shell's own texts included, starts right to left."""

from __future__ import annotations

from pathlib import Path

import pytest
from bidi import get_display

from bot import texts
from surveys.config import load_settings
from surveys.core.bidi import starts_with_strong_rtl
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs
from tests.bot.test_trusted_messengers import invitation, make_distributor
from tests.support.config import write_config
from tests.support.residents import Resident, new_user, plain
from tests.support.running_bot import RunningBot

CATALOGS = Catalogs()
RIGHT_TO_LEFT = sorted(code for code, language in CATALOGS.languages.items() if language.rtl)
AREAS = [
    '  { name = "ortsteile", label = "Ortsteile / Dörfer" }',
    '  { name = "neue_mitte", label = "Neue Mitte" }',
    '  { name = "altstadt", label = "Altstadt" }',
]


def seen(text: str) -> list[str]:
    """Each line as a reader sees it from left to right: laid out by the bidi algorithm, each line a paragraph
    whose direction its first strong character decides (as chat clients do), invisible controls removed."""
    return [plain(get_display(line)) for line in text.split("\n")]


def arabic(message: str) -> str:
    return CATALOGS.translations(BOT_DOMAIN, "ar", BOT_SOURCE_LANGUAGE).gettext(message)


@pytest.fixture
async def town_bot(tmp_path: Path, telegram):
    bot = RunningBot(load_settings(write_config(tmp_path, areas_toml=AREAS), environ={}), telegram)
    await bot.start()
    yield bot
    await bot.stop()


def test_the_layout_this_test_relies_on_reverses_separately_isolated_words():
    """The bidi algorithm below is the real one: two Latin words isolated one by one swap places in an RTL line."""
    assert seen("\u200fفي \u2068Stadt\u2069 \u2068Testhausen\u2069")[0].startswith("Testhausen Stadt")


async def test_arabic_conversation_shows_names_in_their_order_and_arrows_the_right_way(town_bot, telegram):
    resident = Resident(telegram, new_user(language_code="ar"))
    await resident.send("/start")
    intro = seen(resident.last.text)
    assert any("Stadt Testhausen" in line for line in intro), intro
    assert not any("Testhausen Stadt" in line for line in intro)
    assert any("datenschutz@testhausen.example" in line for line in intro)

    await resident.tap(arabic("Yes, let's start"))
    question = resident.last
    assert {seen(b["text"])[0] for b in question.buttons} >= {"Ortsteile / Dörfer", "Neue Mitte", "Altstadt"}
    await resident.tap("Ortsteile / Dörfer", question)
    acknowledged = seen(question.text)
    assert acknowledged[-1] == "Ortsteile / Dörfer ←", "the answer, and the arrow pointing to it from the right"

    back = next(b["text"] for b in resident.last.buttons if b["callback_data"].startswith("b"))
    assert plain(back) == "➡ " + arabic("Back"), "Back points right: where a right-to-left reader came from"

    await resident.send("/help")
    shown = resident.last.text
    assert all(starts_with_strong_rtl(line) for line in shown.split("\n") if line), shown
    assert any("Stadt Testhausen" in line for line in seen(shown))
    assert any(line.endswith("/start") or line.startswith("/start") for line in seen(shown))

    await resident.send("/delete")
    prompt = resident.last
    assert plain(prompt.text) == arabic("Do you want to delete all your answers? This cannot be undone.")
    assert all(starts_with_strong_rtl(text) for text in [prompt.text, *(b["text"] for b in prompt.buttons)])
    await resident.tap(arabic("No, keep them"))
    assert starts_with_strong_rtl(resident.last.text) and plain(resident.last.text) == arabic("Nothing was deleted.")


async def test_an_arabic_speaking_worker_reads_their_organisation_in_order(running_bot, telegram):
    core = running_bot.core
    code, _ = await make_distributor(core, name="Frauencafé Nord")
    worker = Resident(telegram, new_user(language_code="ar", name="Worker"))
    await worker.send(f"/start w-{await invitation(core, code)}")
    reached = Resident(telegram, new_user(language_code="de"))
    await reached.send(f"/start {code}")
    await reached.tap("Ja, los geht's")
    for command in (None, "/mystats", "/mylink"):
        if command:
            await worker.send(command)
        text = worker.last.text
        assert all(starts_with_strong_rtl(line) for line in text.split("\n") if line), (command, text)
    linked = seen(worker.chat[0].text)
    assert any("Frauencafé Nord" in line for line in linked), linked
    assert any(f"https://t.me/heard_test_bot?start={code}" in line for line in seen(worker.last.text))


@pytest.mark.parametrize("code", RIGHT_TO_LEFT)
async def test_every_shell_text_of_every_rtl_language_starts_right_to_left(core, code):
    assert {"ar", "fa", "fa_AF", "ps", "ckb"} <= set(RIGHT_TO_LEFT)
    conversations = core.conversations
    said = [
        texts.help_text(conversations, code), *texts.delete_question(conversations, code),
        texts.deleted(conversations, code, 1), texts.deleted(conversations, code, 0),
        texts.not_deleted(conversations, code), texts.failure(conversations, code),
        texts.worker_linked(conversations, code, "Frauencafé Nord"), texts.invitation_invalid(conversations, code),
        texts.worker_stats(conversations, code, [("Bedarfe 2026", "5", "0")], 5),
        texts.worker_stats(conversations, code, [], 5),
        texts.worker_link(conversations, code, "https://t.me/heard_test_bot?start=Ab1"),
        texts.worker_flyer_caption(conversations, code), texts.assist_started(conversations, code),
        texts.assist_finished(conversations, code),
    ]
    for text in said:
        lines = [line for line in text.split("\n") if line]
        assert lines and all(starts_with_strong_rtl(line) for line in lines), (code, text)
    assert any("Frauencafé Nord" in line for line in seen(said[8]))
    assert any("Stadt Testhausen" in line for line in seen(said[0]))
