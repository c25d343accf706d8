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


async def scheduler(cli_env: dict[str, str], telegram, stderr: int = asyncio.subprocess.DEVNULL  # type: ignore[no-untyped-def]
                    ) -> asyncio.subprocess.Process:
    env = with_bot_token(cli_env, telegram)
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "heard-bot"), "scheduler", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=stderr)


async def queue_results_for(core, settings, chats: list[int]) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    async with core.db() as db, db.begin():
        for i, chat in enumerate(chats):
            db.add(ResultsSubscription(survey_id="needs", contact_key=f"t{i}", platform="telegram",
                                       address=str(chat), language="de", wave=None, created_on=now.date()))
    async with core.db() as db, db.begin():
        queued = await queue_results(db, core.conversations, core.registry.default, None,
                                     Digest(240, [TopNeed("language_course", "yes", 0.5)]), settings.results,
                                     quiet_hours_of(settings), now)
    assert queued == len(chats)


async def all_sent(core) -> None:  # type: ignore[no-untyped-def]
    while True:
        async with core.db() as db:
            states = (await db.scalars(select(OutboxMessage.state))).all()
        if "pending" not in states:
            return
        await asyncio.sleep(0.5)


def sends(telegram) -> int:  # type: ignore[no-untyped-def]
    return sum(c.method == "sendMessage" for c in telegram.calls)


async def test_killed_scheduler_is_replaced_and_nobody_gets_results_twice(config_path, cli_env, telegram):
    settings = load_settings(config_path, environ={})
    core = await open_core(settings)
    try:
        await queue_results_for(core, settings, CHATS)

        first = await scheduler(cli_env, telegram)
        await telegram.wait_until(lambda: sends(telegram) >= 20, timeout=60)
        second = await scheduler(cli_env, telegram)
        await asyncio.sleep(1.0)
        assert sends(telegram) < len(CHATS) - 30, "still sending when the leader dies"
        first.send_signal(signal.SIGKILL)
        await first.wait()
        try:
            await asyncio.wait_for(all_sent(core), 90)
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


async def test_a_scheduler_stopped_by_docker_stop_ends_cleanly_and_another_sends_the_rest(config_path, cli_env,
                                                                                          telegram):
    """`docker stop` sends SIGTERM: the scheduler stops as on Ctrl-C (status 0, no traceback, the lead
    released), and the standby one sends what was left, each message once."""
    settings = load_settings(config_path, environ={})
    chats = CHATS[:40]
    core = await open_core(settings)
    try:
        await queue_results_for(core, settings, chats)
        first = await scheduler(cli_env, telegram, stderr=asyncio.subprocess.PIPE)
        await telegram.wait_until(lambda: sends(telegram) >= 5, timeout=60)
        second = await scheduler(cli_env, telegram)
        first.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(first.communicate(), 60)
        assert first.returncode == 0, err.decode()
        assert "Traceback" not in err.decode(), err.decode()
        try:
            await asyncio.wait_for(all_sent(core), 90)
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 30)
        assert second.returncode == 0
    finally:
        await core.close()
    received = [len(telegram.messages(chat)) for chat in chats]
    assert max(received) == 1, "nobody gets the results twice"
    assert sum(received) >= len(chats) - 1, "the standby sent the rest (one may have been under way)"
