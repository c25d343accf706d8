"""Results survive a Telegram outage: `heard-admin results publish` against a fake Bot API that refuses
connections leaves the messages queued and says so, `results status` says why, and the running bot's sender
delivers them once Telegram answers again (after a few more 502s); and the bot's sender through an outage of
hours on a controlled clock. Every resident who asked gets exactly one message; chat ids stay until their
message is sent, and go when it is given up after [sending] give_up_after_hours."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import socket
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.scheduler import OutreachJobs
from bot.telegram.app import build_bot
from surveys.core.privacy import pseudonym_for
from surveys.outreach import outbox
from surveys.outreach.quiet_hours import quiet_hours_of
from surveys.outreach.results import Digest, TopNeed, queue_results
from surveys.store.schema import OutboxMessage, ResultsSubscription
from tests.bot.test_faults_and_floods import running_sender
from tests.support.commands import BIN
from tests.support.config import write_config
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.journeys import answer_needs_survey_in_german
from tests.support.outreach import Clock, start_and_answer
from tests.support.residents import Resident, plain
from tests.support.running_bot import RunningBot

NO_QUIET_HOURS = "[quiet_hours]\nstarts = 03:00:00\nends = 03:00:00\n"
#: Retries start after 50 ms (doubling), so that riding out an outage takes a moment, not minutes.
FAST_RETRIES = "[sending]\nretry_first_seconds = 0.05\n"
RESULTS = "Personen haben teilgenommen"


@pytest.fixture
def config_path(tmp_path: Path, database_url: str | None) -> Path:
    return write_config(tmp_path, database_url=database_url, extra=NO_QUIET_HOURS + FAST_RETRIES)


def closed_port() -> int:
    """A port nobody listens on: connecting is refused, as when Telegram's servers cannot be reached."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def heard_admin(cli_env: dict[str, str], api_base: str, *args: str) -> tuple[int, str, str]:
    """Run the real command while the fake server keeps serving on this event loop."""
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": api_base}
    process = await asyncio.create_subprocess_exec(
        str(BIN / "heard-admin"), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


class Down:
    """Telegram answers 502 Bad Gateway to the next `calls` sendMessage requests, then works again."""

    def __init__(self, calls: int) -> None:
        self.left = calls

    def __call__(self, method: str, params: dict) -> web.Response | None:  # type: ignore[type-arg]
        if method != "sendMessage" or self.left <= 0:
            return None
        self.left -= 1
        return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)


async def test_results_outlast_an_outage_during_publish_and_every_resident_gets_exactly_one_message(
    settings, cli_env, running_bot, telegram
):
    residents = [Resident(telegram) for _ in range(8)]
    await asyncio.gather(*(answer_needs_survey_in_german(r) for r in residents))
    for resident in residents:
        await resident.tap("📬 Ergebnisse an mich senden")
    before = {r.user.id: len(r.chat) for r in residents}

    # Telegram cannot be reached at all: publish tries for a second, then leaves everything queued
    code, out, err = await heard_admin(cli_env, f"http://127.0.0.1:{closed_port()}",
                                       "results", "publish", "needs", "--wait", "1")
    assert code == 0, err
    assert "Queued 8 results message(s) for needs." in out
    assert "cannot connect to Telegram" in out
    assert "8 results message(s) left queued for the bot's sender" in out, out
    async with running_bot.core.db() as db:
        queued = (await db.scalars(select(OutboxMessage).where(OutboxMessage.kind == outbox.RESULTS))).all()
    assert [m.state for m in queued] == [outbox.PENDING] * 8
    assert {m.address for m in queued} == {str(r.user.id) for r in residents}, "chat ids kept while unsent"

    code, out, err = await heard_admin(cli_env, telegram.base_url, "results", "status", "needs")
    assert code == 0, err
    queued_rows = [int(n) for n in re.findall(r"queued\W+(\d+)\W", out)]
    assert sum(queued_rows) == 8 and "cannot connect to Telegram" in out, out
    assert not any(str(r.user.id) in out for r in residents), "no chat id is ever shown"

    # Telegram is back, but answers 502 to the next five messages: the running bot's sender picks the queue up
    down = Down(5)
    telegram.faults.append(down)
    async with running_sender(running_bot):
        await telegram.wait_until(lambda: all(len(r.chat) > before[r.user.id] for r in residents), timeout=60)
        done = await settled_results(running_bot.core)
    assert down.left == 0, "the outage was met"
    assert [len(r.chat) - before[r.user.id] for r in residents] == [1] * 8, "exactly one message each"
    assert all(RESULTS in plain(r.last.text) for r in residents)
    assert [(m.state, m.address) for m in done] == [(outbox.SENT, None)] * 8, "chat ids erased once sent"


class ChatDown:
    """Telegram answers 502 to every message and edit for one chat (its server cannot reach that chat)."""

    METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup")

    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id

    def __call__(self, method: str, params: dict) -> web.Response | None:  # type: ignore[type-arg]
        if method not in self.METHODS or int(params["chat_id"]) != self.chat_id:
            return None
        return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)


async def test_a_reply_telegram_did_not_take_waits_under_the_contact_key_and_delete_takes_it_away(
    settings, telegram
):
    """The reply to an answer that Telegram did not take waits in the outbox with the chat id: filed under the
    resident's contact key, never beside the pseudonym of their answers, and gone with everything else when
    they send /delete (before the running sender would have delivered it)."""
    settings = settings.model_copy(update={"sending": settings.sending.model_copy(update={"reply_retry_seconds": 0})})
    bot = RunningBot(settings, telegram)
    await bot.start()
    try:
        resident = Resident(telegram)
        await start_and_answer(resident, remind=False, answers=1)
        down = ChatDown(resident.user.id)
        telegram.faults.append(down)
        question = resident.last_with_buttons()
        await resident.press(question, question.buttons[0]["callback_data"])  # handled: the reply is queued
        assert bot.core is not None
        core, chat = bot.core, str(resident.user.id)
        pseudonym = pseudonym_for(core.secret, "needs", "telegram", resident.user.id)
        async with core.db() as db:
            waiting = (await db.scalars(select(OutboxMessage).where(OutboxMessage.kind == outbox.REPLY))).all()
        assert waiting and all(m.state == outbox.PENDING and m.address == chat for m in waiting), \
            "the reply waits with the chat id to write to"
        assert {m.contact_key for m in waiting} == {core.conversations.contact_key_for(pseudonym)}
        columns = OutboxMessage.__table__.columns
        assert not any(pseudonym in str(getattr(m, c.key)) for m in waiting for c in columns), \
            "no pseudonym of answers beside the chat id"

        telegram.faults.remove(down)
        await resident.send("/delete")
        await resident.tap("Ja, alles löschen")
        assert resident.last.text == "Alle Ihre Antworten wurden gelöscht."
        async with core.db() as db:
            left = (await db.scalars(select(OutboxMessage.address).where(OutboxMessage.kind == outbox.REPLY))).all()
        assert left == [], "the queued reply and its chat id went with /delete"
    finally:
        await bot.stop()


async def settled_results(core, timeout: float = 30.0) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    """The results messages once none is queued or under way any more."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = await results_rows(core)
        if all(m.state not in (outbox.PENDING, outbox.SENDING) for m in rows):
            return rows
        assert asyncio.get_running_loop().time() < deadline, [m.state for m in rows]
        await asyncio.sleep(0.05)


async def queue_for(core, settings, chats: list[int], prefix: str, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    async with core.db() as db, db.begin():
        for chat in chats:
            db.add(ResultsSubscription(survey_id="needs", contact_key=f"{prefix}{chat}", platform="telegram",
                                       address=str(chat), language="de", wave=None, created_on=now.date()))
        await queue_results(db, core.conversations, core.registry.default, None,
                            Digest(40, [TopNeed("language_course", "yes", 0.5)]), settings.results,
                            quiet_hours_of(settings), now)


async def results_rows(core) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    """The results messages in the order they were queued."""
    async with core.db() as db:
        return list((await db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == outbox.RESULTS).order_by(OutboxMessage.id))).all())


async def test_the_bots_sender_keeps_results_through_hours_of_outage_and_gives_up_only_after_48_hours(
    settings, core, telegram: FakeTelegram
):
    settings = settings.model_copy(update={"telegram": settings.telegram.model_copy(
        update={"token": TOKEN, "api_base": telegram.base_url})})
    clock = Clock(dt.datetime(2027, 3, 1, 10, 0, tzinfo=dt.UTC))
    early, late = [9_300_000 + i for i in range(12)], [9_400_000 + i for i in range(5)]
    await queue_for(core, settings, early, "e", clock.now)
    down = Down(10**9)
    telegram.faults.append(down)
    bot = build_bot(settings, retrying=False)
    try:
        jobs = OutreachJobs(core, bot, clock)
        for _ in range(9):  # a tick every five hours: 40 hours without Telegram
            await jobs.tick()
            clock.now += dt.timedelta(hours=5)
        tried = 10**9 - down.left
        waiting = await results_rows(core)
        assert tried >= 9 and all(m.state == outbox.PENDING for m in waiting), [m.state for m in waiting]
        assert {m.address for m in waiting} == {str(c) for c in early}, "chat ids kept through the outage"
        assert {m.last_error for m in waiting if m.attempts} == {"Telegram answered with a server error (5xx)"}

        down.left = 0  # Telegram is back
        await jobs.tick()
        assert all(len(telegram.messages(c)) == 1 for c in early), "each exactly one message"
        assert [(m.state, m.address) for m in await results_rows(core)] == [(outbox.SENT, None)] * 12

        # the next wave's messages meet a longer outage: given up after 48 hours, and their chat ids go
        queued_at = clock.now
        await queue_for(core, settings, late, "l", queued_at)
        down.left = 10**9
        for hours in (1, 30, 47):
            clock.now = queued_at + dt.timedelta(hours=hours)
            await jobs.tick()
            assert all(m.state == outbox.PENDING and m.address for m in (await results_rows(core))[12:])
        clock.now = queued_at + dt.timedelta(hours=49)
        await jobs.tick()
    finally:
        await bot.session.close()
    given_up = (await results_rows(core))[12:]
    assert [(m.state, m.address, m.text) for m in given_up] == [(outbox.FAILED, None, None)] * 5
    assert all(m.last_error in ("not sent within 48 h", "not sent within 48 h; last error: Telegram answered with a "
                                "server error (5xx)") for m in given_up), [m.last_error for m in given_up]
    assert not any(telegram.messages(c) for c in late)
