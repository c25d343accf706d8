"""The bot under faults and floods: Telegram answering 429, 500, timing out or dropping the connection on a
tenth of all calls while 100 residents answer, and one user flooding the bot while another answers."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter

import pytest
from aiohttp import web
from sqlalchemy import func, select

from surveys.store.schema import Answer, Response
from tests.support.journeys import answer_needs_survey_in_german
from tests.support.residents import Resident, new_user, plain
from tests.support.running_bot import RunningBot

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


class Faults:
    """Seeded: the same calls fail in every run."""

    def __init__(self, share: float, seed: int = 20261129) -> None:
        self.share = share
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
            await asyncio.sleep(2.5)  # past the client's 1 s request timeout
        assert request.transport is not None
        request.transport.close()  # the connection drops without an answer
        return web.Response(status=499)


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
