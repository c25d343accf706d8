"""Results back to residents who asked: the real `heard-admin results publish` against the fake Bot API,
killed midway and run again (nobody gets the message twice), and the sender at scale: 500 messages within
Telegram's limits, a 429 honoured, blocked residents marked unreachable while sending goes on."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import signal
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.telegram.app import build_bot
from surveys.core.disclosure import EMPTY, Tally, disclose
from surveys.outreach import outbox
from surveys.outreach.pacing import SendPacer
from surveys.outreach.quiet_hours import quiet_hours_of
from surveys.outreach.results import Digest, TopNeed, queue_results
from surveys.outreach.sending import Sender
from surveys.outreach.telegram import telegram_send
from surveys.store.schema import Contact, OutboxMessage, Response, ResultsSubscription
from surveys.waves import add_wave
from tests.support.commands import BIN, with_bot_token
from tests.support.config import write_config
from tests.support.fake_telegram import TOKEN
from tests.support.interviews import GERMAN_INTERVIEW, interview
from tests.support.journeys import answer_needs_survey_in_german
from tests.support.outreach import NO_QUIET_HOURS
from tests.support.residents import Resident, plain

WAVE = "2026-winter"


@pytest.fixture
def config_path(tmp_path: Path, database_url: str | None) -> Path:
    """These tests send at any time of day: quiet hours are switched off (their rules are tested apart)."""
    return write_config(tmp_path, database_url=database_url, extra=NO_QUIET_HOURS)


async def publish(cli_env: dict[str, str], telegram) -> asyncio.subprocess.Process:  # type: ignore[no-untyped-def]
    env = with_bot_token(cli_env, telegram)
    return await asyncio.create_subprocess_exec(
        str(BIN / "heard-admin"), "results", "publish", "needs", "--wave", WAVE, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def test_publish_sends_each_resident_one_results_message_even_across_a_crash(
    settings, cli_env, running_bot, telegram
):
    async with running_bot.core.db() as db, db.begin():
        await add_wave(db, "needs", WAVE, dt.datetime.now(dt.UTC) - dt.timedelta(days=1), None)
    for _ in range(6):
        await interview(settings, GERMAN_INTERVIEW)
    resident = Resident(telegram)
    await answer_needs_survey_in_german(resident)
    await resident.tap("📬 Ergebnisse an mich senden")
    assert "schicken wir sie Ihnen einmalig zu" in plain(resident.last.text), resident.last.text
    others = list(range(8_800_001, 8_800_040))
    async with running_bot.core.db() as db, db.begin():
        stored = (await db.scalars(select(ResultsSubscription))).all()
        assert [(s.language, s.wave) for s in stored] == [("de", WAVE)]
        for chat in others:  # more residents who asked, in other languages
            db.add(ResultsSubscription(survey_id="needs", contact_key=f"p{chat}", platform="telegram",
                                       address=str(chat), language="ar" if chat % 2 else "uk", wave=WAVE,
                                       created_on=dt.date.today()))
    chats = [resident.user.id, *others]

    telegram.hold_after = sum(c.method == "sendMessage" for c in telegram.calls) + 15
    crashed = await publish(cli_env, telegram)
    await asyncio.wait_for(telegram.holding.wait(), 60)
    crashed.send_signal(signal.SIGKILL)
    await crashed.wait()
    received_before = sum(len(telegram.messages(c)) > 0 for c in others)
    assert 10 <= received_before < len(others), "the first run died midway"

    telegram.hold_after = None
    rerun = await publish(cli_env, telegram)
    out, err = await asyncio.wait_for(rerun.communicate(), 120)
    assert rerun.returncode == 0, err.decode()
    assert "Queued 0 results message(s)" in out.decode(), "requests were deleted as their messages were queued"

    per_chat = {chat: len(telegram.messages(chat)) for chat in others}
    async with running_bot.core.db() as db:
        states = Counter((await db.scalars(select(OutboxMessage.state))).all())
        assert await db.scalar(select(func.count()).select_from(ResultsSubscription)) == 0
    assert max(per_chat.values()) == 1, "nobody gets the results twice"
    missing = [chat for chat, n in per_chat.items() if n == 0]
    # a message whose request was under way at the crash is never sent again (Telegram cannot say whether it
    # arrived); here those requests had reached Telegram, so everybody got exactly one
    assert len(missing) <= 1 and states["sending"] >= 1, (missing, states)
    assert states["sent"] + states["sending"] == len(chats)

    text = plain(resident.last.text)
    async with running_bot.core.db() as db:
        keys = (await db.scalars(select(Response.record_key).where(Response.wave == WAVE))).all()
    assert len(keys) == 7
    took_part = disclose(sum((Tally(1, key) for key in keys), EMPTY), 5).value  # the summary's own number
    assert f"{took_part} Personen haben teilgenommen" in text, text
    assert "Diese Bedürfnisse wurden am häufigsten genannt:" in text and "1. " in text and "%" in text
    arabic = plain(telegram.messages(others[0])[-1].text)
    assert any("\u0600" <= ch <= "\u06ff" for ch in arabic), "each in the resident's own language"

    again = await publish(cli_env, telegram)
    await asyncio.wait_for(again.communicate(), 120)
    assert {chat: len(telegram.messages(chat)) for chat in others} == per_chat


async def test_500_messages_respect_telegrams_limits_429_and_blocked_residents(settings, core, telegram):
    settings = settings.model_copy(update={"telegram": settings.telegram.model_copy(
        update={"token": TOKEN, "api_base": telegram.base_url})})
    chats = [9_100_000 + i for i in range(490)]
    shared = chats[:10]  # ten chats asked twice (two respondents): their two messages must be a second apart
    blocked = set(chats[100:105])
    telegram.blocked |= blocked
    now = dt.datetime.now(dt.UTC)
    async with core.db() as db, db.begin():
        for i, chat in enumerate([*chats, *shared]):
            db.add(ResultsSubscription(survey_id="needs", contact_key=f"q{i}", platform="telegram", address=str(chat),
                                       language="de", wave=None, created_on=now.date()))
        # the same number on another channel is somebody else: a block on Telegram must not erase it
        db.add(Contact(survey_id="needs", contact_key="elsewhere", platform="sms", address=str(chats[100]),
                       created_on=now.date()))
        survey = core.registry.default
        digest = Digest(812, [TopNeed("language_course", "yes", 0.41)])
        queued = await queue_results(db, core.conversations, survey, None, digest, settings.results,
                                     quiet_hours_of(settings), now)
    assert queued == 500

    limited: list[float] = []

    def too_many_requests(method, params):  # type: ignore[no-untyped-def]
        from aiohttp import web

        if method == "sendMessage" and sum(c.method == "sendMessage" for c in telegram.calls) == 120 and not limited:
            limited.append(telegram.calls[-1].at)
            return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests: retry "
                                      "after 2", "parameters": {"retry_after": 2}}, status=429)
        return None

    telegram.faults.append(too_many_requests)
    bot = build_bot(settings, retrying=False)
    try:
        sender = Sender(core.db, telegram_send(bot), SendPacer(30, 1.0), quiet_hours_of(settings),
                        lambda: dt.datetime.now(dt.UTC))
        outcomes = await sender.deliver_due(patience=30)
    finally:
        await bot.session.close()

    assert outcomes == {"sent": 495, "unreachable": 5}
    arrivals = [c.at for c in telegram.calls if c.method == "sendMessage"]
    assert len(arrivals) == 501, "every message once, plus the one Telegram refused with 429"
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= 30, f"{busiest} messages within one second"
    # (a request already on its way when the 429 came back may still arrive within a few milliseconds)
    assert not [t for t in arrivals if limited[0] + 0.1 < t < limited[0] + 2.0], "retry_after was not honoured"
    by_chat: dict[int, list[float]] = defaultdict(list)
    for call in telegram.calls:
        if call.method == "sendMessage":
            by_chat[int(call.params["chat_id"])].append(call.at)
    gaps = [b - a for times in by_chat.values() for a, b in itertools.pairwise(times)]
    assert gaps and min(gaps) >= 1.0, "at most one message per second in a chat"
    assert all(len(telegram.messages(chat)) == (2 if chat in shared else 1) for chat in chats if chat not in blocked)
    async with core.db() as db:
        unreachable = (await db.scalars(select(OutboxMessage).where(OutboxMessage.state == outbox.UNREACHABLE))).all()
    assert len(unreachable) == 5 and all(m.address is None for m in unreachable), "blocked chats are forgotten"
    async with core.db() as db:
        kept = (await db.scalars(select(Contact.platform).where(Contact.address == str(chats[100])))).all()
    assert kept == ["sms"], "only the blocked chat's own platform is forgotten"
