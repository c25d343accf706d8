"""The real `heard-bot` process is killed with SIGKILL at random moments while 100 residents answer, and
started again each time. Residents behave as people do: when no answer comes, they tap again after a few
seconds. Nothing already acknowledged is lost, nothing is stored twice, and everyone goes on at the right
question: each response holds exactly the answers its resident gave."""

from __future__ import annotations

import asyncio
import random
import re

from sqlalchemy import select

from surveys.core.model import DECLINED
from surveys.store.schema import Answer, Response
from surveys.wiring import open_core
from tests.support.processes import BotProcess
from tests.support.residents import Resident, new_user, plain

RESIDENTS = 100
RETAP_SECONDS = 5.0
_OPTION = re.compile(r"^c:(\d+):(\w+)$")


async def wait_for_news(resident: Resident, newest: int, seconds: float) -> bool:
    try:
        await resident.telegram.wait_until(lambda: bool(resident.chat) and resident.chat[-1].message_id > newest,
                                           timeout=seconds)
        return True
    except TimeoutError:
        return False


async def answer_with_retaps(resident: Resident) -> dict[int, str]:
    """First option of every question with options, "prefer not to say" elsewhere; returns what was meant:
    question position -> choice name or DECLINED."""
    meant: dict[int, str] = {}
    newest = 0
    await resident.telegram.send_text(resident.user, "/start")
    while not await wait_for_news(resident, newest, RETAP_SECONDS):
        await resident.telegram.send_text(resident.user, "/start")
    for _ in range(200):
        message = resident.chat[-1]
        data = [b["callback_data"] for b in message.buttons]
        if "Vielen Dank!" in plain(message.text) or (("y" in data or "k" in data) and meant):
            # finished: a retap after the last answer, whose thanks a crash swallowed, starts the survey anew,
            # which shows the introduction or "you have already answered" (keep / start again)
            return meant
        if not data:
            await wait_for_news(resident, message.message_id, RETAP_SECONDS)
            continue
        choice = "y" if "y" in data else next((d for d in data if d.startswith("c:")), None)
        if choice is None:
            choice = next(d for d in data if d.startswith("x:"))
        if match := _OPTION.match(choice):
            meant[int(match[1])] = match[2]
        elif choice.startswith("x:"):
            meant[int(choice[2:])] = DECLINED
        await resident.telegram.press(resident.user, message, choice)
        while not await wait_for_news(resident, message.message_id, RETAP_SECONDS):
            await resident.telegram.press(resident.user, message, choice)  # "nothing happened": tap again
    raise AssertionError("the resident never finished")


async def test_sigkill_at_random_moments_loses_and_duplicates_nothing(settings, cli_env, telegram):
    bot = BotProcess(telegram, cli_env)
    await bot.start()
    chaos = random.Random(1129)
    residents = [Resident(telegram, new_user("de", "Crash")) for _ in range(RESIDENTS)]
    journeys = asyncio.gather(*(answer_with_retaps(r) for r in residents))

    async def killer() -> None:
        while not journeys.done():
            await asyncio.sleep(chaos.uniform(0.5, 3.0))
            if journeys.done():
                return
            await bot.kill()
            await asyncio.sleep(chaos.uniform(0.0, 1.0))
            await bot.start()

    killing = asyncio.create_task(killer())
    try:
        meant = await asyncio.wait_for(journeys, 600)
    finally:
        killing.cancel()
        await asyncio.gather(killing, return_exceptions=True)
        if bot.process is not None and bot.process.returncode is None:
            await bot.stop()
    assert bot.kills >= 5, bot.kills

    core = await open_core(settings)
    try:
        survey = core.registry.default
        async with core.db() as db:
            responses = (await db.scalars(select(Response))).all()
            assert len(responses) == RESIDENTS, "everyone completed exactly once"
            stored: dict[str, dict[str, str]] = {}
            for answer in (await db.scalars(select(Answer))).all():
                value = DECLINED if answer.declined else (answer.choice or str(answer.number))
                if answer.choice is None and not answer.declined and answer.number is None:
                    continue  # the "answered" row of a multi-choice question
                assert value not in stored.setdefault(answer.response_id, {}).get(answer.question, ""), "twice"
                stored[answer.response_id][answer.question] = value
    finally:
        await core.close()
    expected = [{survey.questions[position].name: value for position, value in m.items()} for m in meant]
    def canonical(answers: list[dict[str, str]]) -> list[list[tuple[str, str]]]:
        return sorted(sorted(a.items()) for a in answers)

    assert canonical(list(stored.values())) == canonical(expected), "each response holds what its resident gave"
