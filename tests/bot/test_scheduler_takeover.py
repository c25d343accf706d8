"""Exactly one process runs the scheduled jobs: two `heard-bot scheduler` processes share the database; the one
sending results is killed with SIGKILL midway, the other takes over and sends the rest, and nobody gets the
message twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from surveys.config import load_settings
from surveys.outreach.quiet_hours import quiet_hours_of
from surveys.outreach.results import Digest, TopNeed, queue_results
from surveys.store.schema import OutboxMessage, ResultsSubscription
from surveys.wiring import open_core
from tests.support.commands import with_bot_token
from tests.support.config import write_config

CHATS = [9_300_000 + i for i in range(120)]


@pytest.fixture
def config_path(tmp_path: Path, database_url: str | None) -> Path:
    return write_config(tmp_path, database_url=database_url, extra=(
        "[quiet_hours]\nstarts = 03:00:00\nends = 03:00:00\n[sending]\nmessages_per_second = 10\n"))


async def scheduler(cli_env: dict[str, str], telegram) -> asyncio.subprocess.Process:  # type: ignore[no-untyped-def]
    env = with_bot_token(cli_env, telegram)
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "heard-bot"), "scheduler", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


def sends(telegram) -> int:  # type: ignore[no-untyped-def]
    return sum(c.method == "sendMessage" for c in telegram.calls)


async def test_killed_scheduler_is_replaced_and_nobody_gets_results_twice(config_path, cli_env, telegram):
    settings = load_settings(config_path, environ={})
    core = await open_core(settings)
    try:
        now = dt.datetime.now(dt.UTC)
        async with core.db() as db, db.begin():
            for i, chat in enumerate(CHATS):
                db.add(ResultsSubscription(survey_id="needs", contact_key=f"t{i}", platform="telegram",
                                           address=str(chat), language="de", wave=None, created_on=now.date()))
        async with core.db() as db, db.begin():
            queued = await queue_results(db, core.conversations, core.registry.default, None,
                                         Digest(240, [TopNeed("language_course", "yes", 0.5)]), settings.results,
                                         quiet_hours_of(settings), now)
        assert queued == len(CHATS)

        first = await scheduler(cli_env, telegram)
        await telegram.wait_until(lambda: sends(telegram) >= 20, timeout=60)
        second = await scheduler(cli_env, telegram)
        await asyncio.sleep(1.0)
        assert sends(telegram) < len(CHATS) - 30, "still sending when the leader dies"
        first.send_signal(signal.SIGKILL)
        await first.wait()
        try:
            async def all_done() -> None:
                while True:
                    async with core.db() as db:
                        states = (await db.scalars(select(OutboxMessage.state))).all()
                    if "pending" not in states:
                        return
                    await asyncio.sleep(0.5)

            await asyncio.wait_for(all_done(), 90)
        finally:
            second.send_signal(signal.SIGINT)
            await asyncio.wait_for(second.wait(), 30)
        async with core.db() as db:
            rows = (await db.scalars(select(OutboxMessage))).all()
    finally:
        await core.close()

    received = {chat: len(telegram.messages(chat)) for chat in CHATS}
    assert max(received.values()) == 1, "nobody gets the results twice"
    interrupted = [row for row in rows if row.state == "sending"]
    assert len(interrupted) <= 1 and sum(received.values()) >= len(CHATS) - len(interrupted)
    assert sum(row.state == "sent" for row in rows) >= len(CHATS) - 1
