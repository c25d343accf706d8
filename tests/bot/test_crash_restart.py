"""The real `heard-bot` process is killed with SIGKILL at random moments while 40 residents answer, and
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

RESIDENTS = 40
KILLS = 8
"""Enough kills to hit every stage of handling an update (each kill lands after a random number of the bot's
replies, so at a random point of its work); more only make the test longer, not stronger."""
RETAP_SECONDS = 5.0
HANG_GUARD = 900.0
_OPTION = re.compile(r"^c:(\d+):(\w+)$")


async def answered_or_lost(resident: Resident, newest: int, update_id: int) -> bool:
    """Wait as a person does after a tap: True once the bot answered (a message newer than `newest`). While the
    tap waits for the bot to take it (the bot is down, starting or busy) the person sees it pending and waits, so
    a slow machine never snowballs into retaps; once the bot took it, RETAP_SECONDS of silence means it died
    while handling it: False, tap again."""
    telegram = resident.telegram

    def answered() -> bool:
        return bool(resident.chat) and resident.chat[-1].message_id > newest

    await telegram.wait_until(lambda: answered() or telegram.consumed(update_id), timeout=HANG_GUARD)
    try:
        await telegram.wait_until(answered, timeout=RETAP_SECONDS)
        return True
    except TimeoutError:
        return False


async def answer_with_retaps(resident: Resident) -> dict[int, str]:
    """First option of every question with options, "prefer not to say" elsewhere; returns what was meant:
    question position -> choice name or DECLINED."""
    meant: dict[int, str] = {}
    telegram = resident.telegram
    while not await answered_or_lost(resident, 0, await telegram.send_text(resident.user, "/start")):
        pass
    for _ in range(200):
        message = resident.chat[-1]
        data = [b["callback_data"] for b in message.buttons]
        if "Vielen Dank!" in plain(message.text) or (("y" in data or "k" in data) and meant):
            # finished: a retap after the last answer, whose thanks a crash swallowed, starts the survey anew,
            # which shows the introduction or "you have already answered" (keep / start again)
            return meant
        if not data:
            await telegram.wait_until(lambda m=message: resident.chat[-1].message_id > m.message_id,
                                      timeout=HANG_GUARD)
            continue
        choice = "y" if "y" in data else next((d for d in data if d.startswith("c:")), None)
        if choice is None:
            choice = next(d for d in data if d.startswith("x:"))
        if match := _OPTION.match(choice):
            meant[int(match[1])] = match[2]
        elif choice.startswith("x:"):
            meant[int(choice[2:])] = DECLINED
        while True:  # "nothing happened": tap again
            update_id, _ = await telegram.press(resident.user, message, choice)
            if await answered_or_lost(resident, message.message_id, update_id):
                break
    raise AssertionError("the resident never finished")


async def test_sigkill_at_random_moments_loses_and_duplicates_nothing(settings, cli_env, telegram):
    bot = BotProcess(telegram, cli_env)
    await bot.start()
    chaos = random.Random(1129)
    residents = [Resident(telegram, new_user("de", "Crash")) for _ in range(RESIDENTS)]
    journeys = asyncio.gather(*(answer_with_retaps(r) for r in residents))

    async def killer() -> None:
        """Kill after a random number of the bot's replies (a moment in its work, whatever the machine's speed),
        KILLS times, then let everyone finish."""
        for _ in range(KILLS):
            started_at = bot.replies()
            target = started_at + chaos.randint(1, 60)
            await telegram.wait_until(lambda t=target: bot.replies() >= t or journeys.done(), timeout=HANG_GUARD)
            if journeys.done():
                return
            await bot.kill()
            await bot.start()

    killing = asyncio.create_task(killer())
    try:
        meant = await asyncio.wait_for(journeys, 1200)  # a hang guard only: progress is driven by events
    finally:
        killing.cancel()
        await asyncio.gather(killing, return_exceptions=True)
        if bot.process is not None and bot.process.returncode is None:
            await bot.stop()
    assert bot.kills == KILLS, bot.kills

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
