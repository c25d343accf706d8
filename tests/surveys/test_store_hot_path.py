"""The bot's hot path on SQLite: one write connection (writers queue for it, not in SQLite's busy handler), one
short transaction per answer, the finished response's answers in one batch, and a start that
finds its database current without loading Alembic."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import threading
import time

from sqlalchemy import event, func, insert, select

from surveys.core.engine import Ask, Consent, Decline, Start
from surveys.store.database import script_head
from surveys.store.schema import Answer, Response, SeenUpdate
from surveys.wiring import open_core


class Statements:
    """Every SQL statement the conversation's write engine sends, as (first word, table-ish text)."""

    def __init__(self, core) -> None:  # type: ignore[no-untyped-def]
        self.sent: list[str] = []
        self.connections = 0
        engine = core.transactions.write_engine
        event.listen(engine, "before_cursor_execute", self._record)
        event.listen(engine, "connect", self._connected)

    def _record(self, _conn, _cursor, statement, _parameters, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
        self.sent.append(" ".join(statement.split()))

    def _connected(self, _dbapi, _record) -> None:  # type: ignore[no-untyped-def]
        self.connections += 1

    def count(self, prefix: str) -> int:
        return sum(statement.upper().startswith(prefix) for statement in self.sent)

    def work(self) -> list[str]:
        """The statements that read or write, without the savepoints group commit wraps each transaction in."""
        return [s for s in self.sent if not s.upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


async def answer_all(core, pseudonym: str, first_update: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Start, consent and decline every question; returns the statements each answer cost."""
    handle = core.conversations.handle
    update = first_update
    reply = await handle(lambda _: pseudonym, Start(language="de"), channel="telegram", update_id=update)
    reply = await handle(lambda _: pseudonym, Consent(True), channel="telegram", update_id=update + 1)
    update += 2
    asked = [p for p in reply.prompts if isinstance(p, Ask)]
    while asked:
        reply = await handle(lambda _: pseudonym, Decline(asked[0].question), channel="telegram", update_id=update)
        update += 1
        asked = [p for p in reply.prompts if isinstance(p, Ask)]
    return list(range(first_update, update))


async def test_an_answer_is_one_short_transaction_and_the_last_stores_its_answers_in_one_batch(settings):
    core = await open_core(settings)
    try:
        await answer_all(core, "a" * 64, 100)  # warm: survey versions, caches
        statements = Statements(core)
        handle = core.conversations.handle
        reply = await handle(lambda _: "b" * 64, Start(language="de"), channel="telegram", update_id=500)
        reply = await handle(lambda _: "b" * 64, Consent(True), channel="telegram", update_id=501)
        question = next(p for p in reply.prompts if isinstance(p, Ask)).question
        statements.sent.clear()
        reply = await handle(lambda _: "b" * 64, Decline(question), channel="telegram", update_id=502)
        assert any(isinstance(p, Ask) for p in reply.prompts), "the survey goes on"
        assert statements.count("BEGIN") == 1, statements.sent
        # BEGIN, the session row, the update id, the waves, the new state (COMMIT is not a statement here)
        assert len(statements.work()) <= 5, statements.sent

        statements.sent.clear()
        update = 503
        asked = [p for p in reply.prompts if isinstance(p, Ask)]
        while asked:
            reply = await handle(lambda _: "b" * 64, Decline(asked[0].question), channel="telegram", update_id=update)
            update += 1
            asked = [p for p in reply.prompts if isinstance(p, Ask)]
        assert statements.count("INSERT INTO ANSWERS") == 1, "the answers go in one executemany"
        async with core.db() as db:
            response_id = await db.scalar(select(Response.id).where(Response.respondent == "b" * 64))
            stored = await db.scalar(select(func.count()).select_from(Answer).where(Answer.response_id == response_id))
        assert stored == update - 502, "one row per declined question, none lost"
    finally:
        await core.close()


async def test_a_redelivered_update_changes_nothing(settings):
    core = await open_core(settings)
    try:
        updates = await answer_all(core, "c" * 64, 900)
        async with core.db() as db:
            before = await db.scalar(select(func.count()).select_from(Answer))
            assert await db.scalar(select(func.count()).select_from(SeenUpdate)) == len(updates)
        for update in updates[-3:]:  # the last answer (the response) delivered again, and two before it
            reply = await core.conversations.handle(lambda _: "c" * 64, Decline("x"), channel="telegram",
                                                    update_id=update)
            assert reply.duplicate
        async with core.db() as db:
            assert await db.scalar(select(func.count()).select_from(Answer)) == before
            assert await db.scalar(select(func.count()).select_from(Response)) == 1
    finally:
        await core.close()


async def test_many_residents_at_once_write_through_one_connection(settings):
    core = await open_core(settings)
    try:
        statements = Statements(core)
        await asyncio.gather(*(answer_all(core, f"{n:064d}", 10_000 + 1_000 * n) for n in range(12)))
        async with core.db() as db:
            assert await db.scalar(select(func.count()).select_from(Response)) == 12
        assert statements.connections <= 1, "writers queue for one connection instead of SQLite's busy handler"
    finally:
        await core.close()


async def _queued_behind_a_busy_thread(core, writes):  # type: ignore[no-untyped-def]
    """Hold the database thread busy, queue `writes` (functions of a session), release it; returns their
    outcomes and how many transactions were committed for them."""
    transactions = core.transactions
    commits: list[None] = []
    started, release = threading.Event(), threading.Event()

    def hold(_session) -> None:  # type: ignore[no-untyped-def]
        started.set()
        release.wait()

    held = asyncio.ensure_future(transactions.write(hold))
    await asyncio.to_thread(started.wait)  # the thread is busy: what comes now queues up
    event.listen(transactions.write_engine, "commit", lambda _connection: commits.append(None))
    queued = [asyncio.ensure_future(transactions.write(write)) for write in writes]
    await asyncio.sleep(0)  # every write handed to the thread's queue
    release.set()
    await held
    outcomes = await asyncio.gather(*queued, return_exceptions=True)
    return outcomes, len(commits)


def _record(number: int):  # type: ignore[no-untyped-def]
    def write(session) -> int:  # type: ignore[no-untyped-def]
        now = dt.datetime.now(dt.UTC)
        session.execute(insert(SeenUpdate).values(platform="test", update_id=number, seen_at=now))
        return number

    return write


def _record_then_fail(number: int):  # type: ignore[no-untyped-def]
    def write(session) -> int:  # type: ignore[no-untyped-def]
        _record(number)(session)
        raise ValueError("a bug in one transaction")

    return write


async def _recorded(core) -> list[int]:  # type: ignore[no-untyped-def]
    async with core.db() as db:
        return sorted((await db.scalars(select(SeenUpdate.update_id).where(SeenUpdate.platform == "test"))).all())


async def test_writes_queued_together_share_one_commit(settings):
    core = await open_core(settings)
    try:
        outcomes, commits = await _queued_behind_a_busy_thread(core, [_record(n) for n in range(10)])
        assert outcomes == list(range(10)), "each write hears that it is stored"
        assert commits == 1, "the ten queued writes went in one transaction"
        assert await _recorded(core) == list(range(10))
    finally:
        await core.close()


async def test_a_failing_write_among_queued_ones_fails_alone(settings):
    core = await open_core(settings)
    try:
        writes = [_record(n) for n in range(5)] + [_record_then_fail(99)] + [_record(n) for n in range(5, 10)]
        outcomes, _ = await _queued_behind_a_busy_thread(core, writes)
        assert outcomes[:5] + outcomes[6:] == list(range(10)), "the others are stored and say so"
        assert isinstance(outcomes[5], ValueError), "the failing one hears of its failure"
        assert await _recorded(core) == list(range(10)), "the failing write left nothing behind, the others all"
    finally:
        await core.close()


async def test_a_writer_beside_the_busy_conversation_thread_gets_its_turn(settings):
    """The outbox, jobs and commands write through the async engine while residents keep the conversation's
    thread writing back to back: the other writer must get in next, not after seconds of SQLite's busy polls (a
    resident once waited a minute for a reply parked in the outbox)."""
    core = await open_core(settings)
    try:
        transactions, thread_commits, stop = core.transactions, [0], asyncio.Event()

        def count_commit(_connection) -> None:  # type: ignore[no-untyped-def]
            thread_commits[0] += 1

        event.listen(transactions.write_engine, "commit", count_commit)

        def a_slow_write(number: int):  # type: ignore[no-untyped-def]
            def write(session) -> int:  # type: ignore[no-untyped-def]
                time.sleep(0.005)  # holds the write lock, as a batch of many answers does
                return _record(number)(session)

            return write

        async def keep_the_thread_writing(first: int) -> None:
            number = first
            while not stop.is_set():
                await transactions.write(a_slow_write(number))
                number += 4

        writers = [asyncio.ensure_future(keep_the_thread_writing(first)) for first in range(4)]
        while thread_commits[0] < 20:  # the thread is writing back to back
            await asyncio.sleep(0.01)
        before = thread_commits[0]
        async with core.db() as db, db.begin():
            now = dt.datetime.now(dt.UTC)
            await db.execute(insert(SeenUpdate).values(platform="other", update_id=1, seen_at=now))
        commits_meanwhile = thread_commits[0] - before
        stop.set()
        await asyncio.gather(*writers)
        assert commits_meanwhile <= 2, (  # the batch under way when it asked, and perhaps one begun just before
            f"the conversation's thread committed {commits_meanwhile} times while the other writer waited")
    finally:
        await core.close()


def test_the_stored_head_is_alembics_head():
    from alembic.script import ScriptDirectory

    from surveys.store.database import MIGRATIONS_DIR

    assert script_head() == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


STARTS = """
import asyncio, sys
from surveys.config import load_settings
from surveys.wiring import open_core

async def main():
    core = await open_core(load_settings())
    await core.close()
    print("alembic" in sys.modules)

asyncio.run(main())
"""


def test_a_current_database_starts_without_loading_alembic(cli_env):
    def start() -> str:
        done = subprocess.run([sys.executable, "-c", STARTS], env=cli_env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert start() == "True", "a new database is migrated"
    assert start() == "False", "a current one is only checked"
