"""Leadership across processes: exactly one leader at a time, and when the leader is killed with SIGKILL (no
clean-up code runs) a waiting process takes over. On SQLite (file lock) and PostgreSQL (advisory lock)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from surveys.store.leadership import Leadership

PROJECT = Path(__file__).resolve().parents[2]

CANDIDATE = """
import asyncio, sys
from surveys.store.leadership import Leadership

async def main():
    lead = Leadership(sys.argv[1], sys.argv[2], poll_interval=0.1)
    print("waiting", flush=True)
    await lead.wait()
    print("leader", flush=True)
    while await lead.still_leading():
        await asyncio.sleep(0.1)
    print("lost", flush=True)

asyncio.run(main())
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'heard.db'}"
    return request.getfixturevalue("postgres_server").new_database()


class Candidate:
    def __init__(self, database: str, name: str = "scheduler") -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", CANDIDATE, database, name], cwd=PROJECT, stdout=subprocess.PIPE, text=True
        )
        assert self.read_line() == "waiting"

    def read_line(self, timeout: float = 20.0) -> str:
        import selectors

        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        if not selector.select(timeout):
            raise TimeoutError("no line from the candidate process")
        return self.process.stdout.readline().strip()  # type: ignore[union-attr]

    def leads_within(self, seconds: float) -> bool:
        try:
            return self.read_line(seconds) == "leader"
        except TimeoutError:
            return False

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def test_the_second_process_takes_over_when_the_leader_is_killed(database):
    first = Candidate(database)
    second = None
    try:
        assert first.leads_within(20)
        second = Candidate(database)
        assert not second.leads_within(1.5), "two leaders at once"
        started = time.monotonic()
        first.kill()
        assert second.leads_within(20), "nobody took over"
        assert time.monotonic() - started < 10
        third = Candidate(database)
        try:
            assert not third.leads_within(1.0), "two leaders after the takeover"
        finally:
            third.kill()
    finally:
        first.kill()
        if second is not None:
            second.kill()


async def test_one_leader_per_name_within_a_process_and_release_hands_over(database):
    one, two = Leadership(database, "scheduler"), Leadership(database, "scheduler")
    other = Leadership(database, "sender")
    try:
        assert await one.try_acquire()
        assert await one.try_acquire()  # already leading
        assert not await two.try_acquire()
        assert await other.try_acquire(), "names are independent"
        assert await one.still_leading()
        await one.release()
        assert not one.is_leader
        assert await two.try_acquire()
    finally:
        for lead in (one, two, other):
            await lead.release()


async def test_context_manager_tries_once_and_releases(database):
    async with Leadership(database, "scheduler") as lead:
        assert lead.is_leader
        async with Leadership(database, "scheduler") as rival:
            assert not rival.is_leader
    async with Leadership(database, "scheduler") as again:
        assert again.is_leader


def test_lock_file_lies_next_to_the_sqlite_database(tmp_path):
    lead = Leadership(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'heard.db'}", "scheduler")
    assert lead.lock_file == tmp_path / "data" / "heard.db.scheduler.lock"
