"""The language a resident chose stays after the survey: someone whose phone is set to English picks Arabic,
finishes, and /help, /start ("you have already answered") and the apology after an error come in Arabic. Heard
stores nothing for this: the language is the one kept with their anonymous response anyway."""

from __future__ import annotations

import sqlite3

from aiohttp import web

from bot import texts
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs
from tests.support.residents import Resident, new_user, plain

ARABIC = Catalogs().translations(BOT_DOMAIN, "ar", BOT_SOURCE_LANGUAGE).gettext


async def finish_declining(resident: Resident) -> None:
    """Prefer not to say to every question with buttons, then one word for the closing free text."""
    while any(b["callback_data"][:2] in ("c:", "t:") for b in resident.last.buttons):
        decline = next(b for b in resident.last.buttons if b["callback_data"].startswith("x:"))
        await resident.press(resident.last, decline["callback_data"])
    await resident.send("نعم")


async def test_a_resident_who_chose_arabic_is_answered_in_arabic_after_finishing(running_bot, telegram, settings):
    resident = Resident(telegram, new_user(language_code="en"))
    await resident.send("/start")
    assert "Do you want to take part?" in resident.last.text, "the phone's language first"
    await resident.tap("Language")
    await resident.tap("العربية")
    await resident.tap(ARABIC("Yes, let's start"))
    await finish_declining(resident)
    assert ARABIC("You can delete your answers at any time with /delete.") in plain(resident.last.text)

    await resident.send("/help")
    assert resident.last.text == texts.help_text(running_bot.core.conversations, "ar")

    await resident.send("/start")
    assert ARABIC("You have already answered this survey. Thank you!") in plain(resident.last.text)
    assert ARABIC("Show my answers") in [plain(b["text"]) for b in resident.last.buttons]

    await resident.send("/delete")
    assert plain(resident.last.text) == ARABIC("Do you want to delete all your answers? This cannot be undone.")

    failed: list[str] = []

    def reject_next_reply(method: str, params: dict) -> web.Response | None:
        """Telegram refuses the bot's next reply once: the handler fails and the bot apologises."""
        if method == "sendMessage" and not failed:
            failed.append(method)
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
                                     status=400)
        return None

    telegram.faults.append(reject_next_reply)
    since = telegram.activity.get(resident.user.id, 0)
    await resident.send("مرحبا")
    assert failed, "the reply was refused"
    await telegram.activity_after(resident.user.id, since)  # the apology comes after the handler gave up
    assert plain(resident.last.text) == ARABIC("Sorry, something went wrong. Please try again.")

    # nothing that identifies the person was stored to remember the language
    database = settings.storage.database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(database) as connection:
        dump = "\n".join(connection.iterdump())
    assert str(resident.user.id) not in dump and resident.user.username not in dump
