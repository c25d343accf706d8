"""Whole transactions as one synchronous function, handed to the database in one piece.

The bot's hot path (one resident's answer) is a handful of small statements. Through aiosqlite every statement
is three or four round trips between the event loop and aiosqlite's thread (cursor, execute, fetch, close),
and those hand-offs were about a third of the bot's CPU (bench/results.md, issue 19). Here a transaction is a
plain function of a synchronous SQLAlchemy `Session`:

- On a SQLite file it runs in one dedicated thread over the standard `sqlite3` module: at most one hand-off
  per transaction, whatever it does (writes queued together share one, see SqliteThread). That thread owns one
  write connection (`BEGIN IMMEDIATE`, like the async engine's) and one read connection (deferred `BEGIN`, so
  a lookup never takes the write lock), and being one thread it also queues the transactions, first come first
  served, as the async engine's pool of one does.
- On PostgreSQL (and in-memory SQLite) the same function runs through the async engine with
  `AsyncSession.run_sync`, in SQLAlchemy's greenlet: the code is the same, only the hand-off differs.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import async_sessionmaker

from surveys.store.database import BUSY_TIMEOUT_MS, DbSession, SyncDbSession, tune_sqlite, write_turns_of

P = ParamSpec("P")
T = TypeVar("T")
Work = Callable[Concatenate[SyncDbSession, P], T]
"""A whole transaction: called with an open synchronous session; its return value is the result."""


class Transactions:
    """Runs `Work` as a write transaction (committed if it returns, rolled back if it raises) or as a read."""

    write_engine: Engine
    """The synchronous engine the write transactions go through (for listeners: statement counts in tests)."""

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`work` may run twice (see SqliteThread): it must do nothing outside the database."""
        raise NotImplementedError

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        raise NotImplementedError

    async def close(self) -> None:
        """Release connections and threads."""


class ThroughEngine(Transactions):
    """Through the async engine's sessions (PostgreSQL, in-memory SQLite): `run_sync` in SQLAlchemy's greenlet."""

    def __init__(self, db: async_sessionmaker[DbSession], reads: async_sessionmaker[DbSession] | None = None) -> None:
        self._db = db
        self._reads = reads or db
        self.write_engine = db.kw["bind"].sync_engine

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self._db() as db, db.begin():
            return await db.run_sync(work, *args, **kwargs)

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self._reads() as db:
            return await db.run_sync(work, *args, **kwargs)


class SqliteThread(Transactions):
    """On a SQLite file: every transaction in one thread over `sqlite3` (see the module), with group commit.

    Whatever writes queued up while the thread was busy run together as ONE SQLite transaction, and every result
    is handed back only after the common COMMIT, so nobody is told of a change that is not stored. If one of
    them fails (a bug, a constraint), the whole transaction is rolled back and each write runs again in a
    transaction of its own: the failing one fails alone (savepoints per write would cost more than this rare
    second run). A busy bot (many residents at once) then pays SQLite's BEGIN IMMEDIATE and COMMIT, and the
    hand-off back to the event loop, once per batch instead of once per answer; a quiet one runs each write
    alone."""

    def __init__(self, url: str, batch_limit: int = 64) -> None:
        self._writes = self.write_engine = _sync_engine(url, "BEGIN IMMEDIATE")
        self._reads = _sync_engine(url, "BEGIN")
        self._turns = write_turns_of(url)
        self._batch_limit = batch_limit
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="heard-sqlite", daemon=True)
        self._thread.start()

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._submit(True, lambda session: work(session, *args, **kwargs))

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._submit(False, lambda session: work(session, *args, **kwargs))

    async def _submit(self, writes: bool, call: Callable[[SyncDbSession], T]) -> T:
        if not self._thread.is_alive():
            raise RuntimeError("the database thread has stopped")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(writes, call, loop, future))
        return await future

    async def close(self) -> None:
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join)

    # -- in the thread -------------------------------------------------------------------------------------------

    def _serve(self) -> None:
        try:
            while (first := self._queue.get()) is not None:
                jobs, stopping = [first], False
                while len(jobs) < self._batch_limit:
                    try:
                        job = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if job is None:
                        stopping = True
                        break
                    jobs.append(job)
                for job in jobs:
                    if not job.writes:
                        job.outcome = _attempt(self._reads, job.call)
                self._write_together([job for job in jobs if job.writes])
                _hand_back(jobs)
                if stopping:
                    break
        finally:
            self._writes.dispose()
            self._reads.dispose()

    def _write_together(self, jobs: list[_Job]) -> None:
        """All of them in one transaction; if any fails, none of that is kept and each runs again alone."""
        if len(jobs) > 1 and self._all_or_nothing(jobs):
            return
        for job in jobs:
            self._turns.let_waiting_writers_go_first()
            job.outcome = _attempt(self._writes, job.call)

    def _all_or_nothing(self, jobs: list[_Job]) -> bool:
        """One transaction for every job (no savepoints: they cost more than the rare run again); False, with
        nothing stored, if one of them or the COMMIT failed."""
        results: list[Any] = []
        self._turns.let_waiting_writers_go_first()
        try:
            with self._writes.connect() as connection, connection.begin():
                for job in jobs:
                    # rollback_only: the session flushes its objects at the end of the job and rolls the whole
                    # transaction back if the job fails, but leaves the COMMIT to the batch
                    with SyncDbSession(bind=connection, join_transaction_mode="rollback_only",
                                       expire_on_commit=False) as session, session.begin():
                        results.append(job.call(session))
        except Exception:
            return False
        for job, result in zip(jobs, results, strict=True):
            job.outcome = _Done(result)
        return True


def _attempt(engine: Engine, call: Callable[[SyncDbSession], T]) -> _Done | _Failed:
    try:
        with SyncDbSession(engine, expire_on_commit=False) as session, session.begin():
            return _Done(call(session))
    except Exception as error:
        return _Failed(error)


@dataclass(slots=True)
class _Done:
    value: Any


@dataclass(slots=True)
class _Failed:
    error: Exception


@dataclass(slots=True)
class _Job:
    writes: bool
    call: Callable[[SyncDbSession], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    outcome: _Done | _Failed | None = None


def _hand_back(jobs: list[_Job]) -> None:
    """One wake-up of each event loop for the whole batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
    for job in jobs:
        by_loop.setdefault(job.loop, []).append(job)
    for loop, its_jobs in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits for these any more
            loop.call_soon_threadsafe(_settle, its_jobs)


def _settle(jobs: list[_Job]) -> None:
    for job in jobs:
        if job.future.cancelled():
            continue
        if isinstance(job.outcome, _Done):
            job.future.set_result(job.outcome.value)
        else:
            assert job.outcome is not None
            job.future.set_exception(job.outcome.error)


def _sync_engine(url: str, begin: str) -> Engine:
    """A one-connection engine over the standard sqlite3 module, tuned as the async engines are. The connection
    is used only from the transactions' thread."""
    engine = create_engine(make_url(url).set(drivername="sqlite"), pool_size=1, max_overflow=0,
                           connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
    tune_sqlite(engine, begin)
    return engine


def transactions_for(url: str, db: async_sessionmaker[DbSession],
                     reads: async_sessionmaker[DbSession] | None = None) -> Transactions:
    """The thread for a SQLite file, the async engine for everything else."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not parsed.database.startswith("file:"):
        return SqliteThread(url)
    return ThroughEngine(db, reads)
