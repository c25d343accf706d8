"""The bot under faults and floods: Telegram answering 429, 500, timing out or dropping the connection on a
tenth of all calls, and now and then not reaching a chat for a while, as 100 residents answer; and one user
flooding the bot while another answers."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.scheduler import lead_outreach
from bot.telegram.app import build_bot
from surveys.outreach import outbox
from surveys.store.schema import Answer, OutboxMessage, Response
from tests.support.journeys import answer_needs_survey_in_german
from tests.support.residents import Resident, new_user, plain
from tests.support.running_bot import RunningBot

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


class Faults:
    """Seeded: the same calls fail in every run."""

    def __init__(self, share: float, seed: int = 20261129, stall: float = 2.5) -> None:
        self.share = share
        self.stall = stall
        """How long a "timeout" keeps the request: past the client's request timeout."""
        self.random = random.Random(seed)
        self.injected: Counter[str] = Counter()

    async def __call__(self, request: web.Request, method: str) -> web.StreamResponse | None:
        if self.random.random() >= self.share:
            return None
        kind = self.random.choice(["429", "500", "timeout", "drop"])
        self.injected[kind] += 1
        if kind == "429":
            return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                      "parameters": {"retry_after": 1}}, status=429)
        if kind == "500":
            return web.json_response({"ok": False, "error_code": 500, "description": "Internal Server Error"},
                                     status=500)
        if kind == "timeout":
            await asyncio.sleep(self.stall)
        assert request.transport is not None
        request.transport.close()  # the connection drops without an answer
        return web.Response(status=499)


class Outages:
    """Seeded: now and then one chat cannot be written to for its next `length` requests (sendMessage and
    edits answer 502), longer than the bot retries while it handles an update."""

    METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup")

    def __init__(self, share: float, length: int, seed: int = 20261206) -> None:
        self.share = share
        self.length = length
        self.random = random.Random(seed)
        self.left: dict[int, int] = {}
        self.started = 0

    def __call__(self, method: str, params: dict) -> web.Response | None:  # type: ignore[type-arg]
        if method not in self.METHODS:
            return None
        chat = int(params["chat_id"])
        if not self.left.get(chat) and self.random.random() < self.share:
            self.left[chat] = self.length
            self.started += 1
        if not self.left.get(chat):
            return None
        self.left[chat] -= 1
        return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)


async def test_every_resident_completes_under_faults_on_a_tenth_of_all_calls(settings, telegram):
    settings = settings.model_copy(update={"telegram": settings.telegram.model_copy(update={"request_timeout": 1.0})})
    bot = RunningBot(settings, telegram)
    await bot.start()
    faults = Faults(0.10)
    telegram.async_faults.append(faults)
    try:
        residents = [Resident(telegram, patient=True) for _ in range(100)]
        await asyncio.gather(*(answer_needs_survey_in_german(r) for r in residents))
        for resident in residents:
            await telegram.wait_until(lambda r=resident: "Vielen Dank!" in plain(r.last.text), timeout=30)
    finally:
        telegram.async_faults.clear()
        await bot.stop()
    assert sum(faults.injected.values()) > 200 and len(faults.injected) == 4, faults.injected
    assert bot.core is not None
    from surveys.wiring import open_core

    core = await open_core(settings)
    try:
        async with core.db() as db:
            assert await db.scalar(select(func.count()).select_from(Response)) == 100
            per_response = Counter((await db.scalars(select(Answer.response_id))).all())
            rows = (await db.execute(select(Answer.question, Answer.choice))).all()
        assert set(per_response.values()) == {len(rows) // 100}, "every answer exactly once"
        assert Counter(rows)[("area", "nordstadt")] == 100
    finally:
        await core.close()


@asynccontextmanager
async def running_sender(bot: RunningBot) -> AsyncIterator[None]:
    """The scheduled jobs as `heard-bot` runs them beside polling: they deliver what the outbox holds. (Their
    client waits 5 s for an answer: a test's 1 s would let a busy machine time out requests that arrived.)"""
    settings = bot.settings.model_copy(update={"telegram": bot.settings.telegram.model_copy(
        update={"request_timeout": max(bot.settings.telegram.request_timeout, 5.0)})})
    outreach_bot = build_bot(settings, retrying=False)
    assert bot.core is not None
    task = asyncio.create_task(lead_outreach(bot.core, outreach_bot))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await outreach_bot.session.close()


async def until_settled(core, kind: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until the sender has finished with every message of `kind`: none is queued or under way any more
    (a state of the outbox, not a moment: a busy machine only makes it come later)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with core.db() as db:
            busy = await db.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.kind == kind, OutboxMessage.state.in_((outbox.PENDING, outbox.SENDING))))
        if not busy:
            return
        assert loop.time() < deadline, f"{busy} {kind} message(s) still queued or under way"
        await asyncio.sleep(0.05)


async def test_every_answer_gets_its_next_question_without_extra_taps_when_telegram_misses_replies(settings, telegram):
    """A tenth of all calls fail (429, 500, timeout, dropped connection), and now and then a chat cannot be
    written to for longer than a reply is retried while its update is handled: the outbox takes those replies
    and the running sender delivers them. Residents tap each button once and wait; nobody taps again."""
    settings = settings.model_copy(update={
        "telegram": settings.telegram.model_copy(update={"request_timeout": 3.0}),
        "sending": settings.sending.model_copy(update={"reply_retry_seconds": 4.0, "retry_first_seconds": 0.05}),
    })
    bot = RunningBot(settings, telegram)
    await bot.start()
    faults, outages = Faults(0.10, stall=4.0), Outages(0.02, length=6)
    telegram.async_faults.append(faults)
    telegram.faults.append(outages)
    try:
        async with running_sender(bot):
            residents = [Resident(telegram, patient=True) for _ in range(30)]
            await asyncio.gather(*(answer_needs_survey_in_german(r) for r in residents))
            for resident in residents:
                await telegram.wait_until(lambda r=resident: "Vielen Dank!" in plain(r.last.text), timeout=30)
            # a reply the resident already sees may not be recorded as sent yet: the sender stops once it is
            assert bot.core is not None
            await until_settled(bot.core, outbox.REPLY)
    finally:
        telegram.async_faults.clear()
        telegram.faults.clear()
        await bot.stop()
    assert len(faults.injected) == 4, faults.injected
    assert outages.started >= 5, outages.started
    for resident in residents:
        assert not any("Entschuldigung" in m.text for m in resident.chat), "no apology: every reply arrived"
    from surveys.wiring import open_core

    core = await open_core(settings)
    try:
        async with core.db() as db:
            assert await db.scalar(select(func.count()).select_from(Response)) == 30
            per_response = Counter((await db.scalars(select(Answer.response_id))).all())
            rows = (await db.execute(select(Answer.question, Answer.choice))).all()
            replies = Counter((await db.scalars(
                select(OutboxMessage.state).where(OutboxMessage.kind == outbox.REPLY))).all())
        assert set(per_response.values()) == {len(rows) // 30}, "every answer exactly once"
        assert Counter(rows)[("area", "nordstadt")] == 30
        assert replies[outbox.SENT] >= 5 and set(replies) == {outbox.SENT}, replies
    finally:
        await core.close()


async def test_a_flood_from_one_chat_gets_few_answers_and_slows_nobody_else(running_bot, telegram):
    flooder, neighbour = Resident(telegram), Resident(telegram, new_user("de", "Nadia"))
    await neighbour.send("/start")
    before = len(flooder.chat)
    await asyncio.gather(*(telegram.send_text(flooder.user, f"spam {i}") for i in range(200)))
    started = time.monotonic()
    await neighbour.tap("Ja, los geht's")
    assert "1/15" in neighbour.last.text
    assert time.monotonic() - started < 2.0, "the neighbour waited behind the flood"
    await telegram.wait_until(lambda: all(telegram.consumed(u) for u in list(telegram.sent)), timeout=20)
    await asyncio.sleep(0.5)
    assert 1 <= len(flooder.chat) - before <= 10, len(flooder.chat) - before
