"""The terminal channel (`heard-bot console`) as an interviewer at an info stand uses it: the real console on the
real core and SQLite file, typed into by `Interviewer` (it reads the screen and types the key of an option), and
the real console script for Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading

from sqlalchemy import func, select

from bot.console import run_console
from surveys.core.render import Municipality, Renderer, Wording
from surveys.i18n.catalogs import Catalogs
from surveys.store.schema import Answer, ConsentRecord, Response, Session
from surveys.wiring import open_core
from tests.support.commands import BIN
from tests.support.interviews import GERMAN_INTERVIEW, Interviewer


async def console(settings, script: list[str], language: str | None = None) -> Interviewer:
    interviewer = Interviewer(script)
    core = await open_core(settings)
    try:
        await run_console(core.conversations, interviewer.read, interviewer.write, language=language)
    finally:
        await core.close()
    return interviewer


async def stored(settings) -> dict[str, object]:
    core = await open_core(settings)
    try:
        async with core.db() as db:
            return {
                "responses": await db.scalar(select(func.count()).select_from(Response)),
                "consents": await db.scalar(select(func.count()).select_from(ConsentRecord)),
                "sessions": await db.scalar(select(func.count()).select_from(Session)),
                "answers": {(a.question, a.choice, a.text) for a in (await db.scalars(select(Answer))).all()},
                "consent_hashes": set((await db.scalars(select(ConsentRecord.text_hash))).all()),
            }
    finally:
        await core.close()


async def test_a_wrong_key_says_which_numbers_to_type(settings):
    screen = (await console(settings, ["Deutsch", "Ja, los geht's", "=hallo", "=9", "Nordstadt"])).screen
    warnings = [line for line in screen if line.startswith("⚠️")]
    assert warnings == ["⚠️ Bitte tippen Sie die Nummer einer Option (1 bis 5)."] * 2
    assert not any("Bitte antworten Sie mit den Knöpfen unten." in line for line in screen)
    assert "→ Nordstadt" in "\n".join(screen)


async def test_a_digit_typed_where_a_text_is_asked_is_the_answer(settings):
    """The options of a text question (back, prefer not to say) have letters: a typed 2 is the answer "2"."""
    script = [*GERMAN_INTERVIEW[:-1], "=2"]
    screen = (await console(settings, script)).screen
    assert "  [a] ⬅ Zurück" in screen and "  [b] Möchte ich nicht sagen" in screen
    assert ("town_should_change", None, "2") in (await stored(settings))["answers"]


async def test_done_with_nothing_chosen_asks_before_it_records_none(settings):
    assert GERMAN_INTERVIEW[12:14] == ["Sprache", "Fertig (1 gewählt)"]  # work_barriers, a multiple choice
    script = [*GERMAN_INTERVIEW[:12], "Fertig", "Fertig", *GERMAN_INTERVIEW[14:]]  # the first "Fertig" only asks
    screen = (await console(settings, script)).screen
    assert [line for line in screen if line.startswith("⚠️")] == [
        "⚠️ Nichts ist ausgewählt. Tippen Sie noch einmal 8, um zu antworten, dass nichts davon zutrifft, oder "
        "tippen Sie zuerst die Nummern der Optionen, die zutreffen."
    ]
    answers = (await stored(settings))["answers"]
    assert ("work_barriers", None, None) in answers, "answered, with no option"
    assert not any(question == "work_barriers" and choice for question, choice, _ in answers)


async def test_a_cancelled_interview_leaves_nothing_not_even_its_consent(settings):
    screen = (await console(settings, ["Deutsch", "Ja, los geht's", "Nordstadt"])).screen  # then end of input
    assert "Interview abgebrochen; seine Antworten wurden gelöscht." in screen
    after = await stored(settings)
    assert (after["responses"], after["consents"], after["sessions"]) == (0, 0, 0)


async def test_the_interview_speaks_of_no_telegram_account_and_no_delete_command(settings):
    screen = "\n".join((await console(settings, GERMAN_INTERVIEW)).screen)
    assert "Wir speichern weder Ihren Namen noch Ihre Telefonnummer." in screen
    assert "Sie können jederzeit mit /cancel aufhören; dann werden Ihre Antworten gelöscht." in screen
    assert "Ihre Antworten sind anonym gespeichert: Niemand kann sie Ihnen zuordnen." in screen
    assert "Telegram" not in screen and "/delete" not in screen and "/start" not in screen

    # the consent on record is the text this interview showed
    core = await open_core(settings)
    try:
        survey = core.registry.default
        shown = Renderer(Catalogs(), survey, "de", Municipality(settings.municipality.name,
                         settings.municipality.privacy_contact), Wording.INTERVIEW)
    finally:
        await core.close()
    after = await stored(settings)
    assert after["responses"] == 1 and after["consent_hashes"] == {shown.consent_hash()}


async def test_the_console_speaks_the_interview_language_and_its_own_between_interviews(settings):
    interviewer = await console(settings, ["English", "Yes, let's start", "=hello", "Nordstadt"], language="uk")
    screen = interviewer.screen
    assert screen[0] == "Консоль Heard: кожне інтерв’ю зберігається анонімно, як канал «assisted»."
    assert "⚠️ Please type the number of an option (1 to 5)." in screen
    assert "Interview cancelled; its answers were deleted." in screen  # the interview's language
    assert screen[-4:] == ["Почати ще одне інтерв’ю?", "  [1] Так, наступне інтерв’ю", "  [2] Ні, завершити",
                           "Збережено інтерв’ю за цей сеанс: 0"]


def test_ctrl_c_deletes_the_unfinished_interview_and_says_so(settings, cli_env):
    child = subprocess.Popen([str(BIN / "heard-bot"), "console"], env={**cli_env, "PYTHONUNBUFFERED": "1"},
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    asked = threading.Event()

    def watch() -> None:
        for line in child.stdout:
            seen.append(line)
            if "1/15" in line:
                asked.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        child.stdin.write("1\n1\n")  # German, consent: a session and a consent record are stored
        child.stdin.flush()
        assert asked.wait(timeout=120), "".join(seen)
        assert asyncio.run(stored(settings))["consents"] == 1
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=120) == 0
        watcher.join(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert "\nInterview gestoppt (Strg+C); seine Antworten wurden gelöscht.\n" in "".join(seen)
    assert "Traceback" not in child.stderr.read()
    after = asyncio.run(stored(settings))
    assert (after["consents"], after["sessions"], after["responses"]) == (0, 0, 0)
