"""Whole transactions as one synchronous function, handed to the database in one piece.

The bot's hot path (one resident's answer) is a handful of small statements. Through aiosqlite every statement
is three or four round trips between the event loop and aiosqlite's thread (cursor, execute, fetch, close),
and those hand-offs were about a third of the bot's CPU (bench/results.md, issue 19). Here a transaction is a
plain function of a synchronous SQLAlchemy `Session`:

- On a SQLite file it runs in one dedicated thread over the standard `sqlite3` module: one hand-off per
  transaction, whatever it does. That thread owns one write connection (`BEGIN IMMEDIATE`, like the async
  engine's) and one read connection (deferred `BEGIN`, so a lookup never takes the write lock), and being one
  thread it also queues the transactions, first come first served, as the async engine's pool of one does.
- On PostgreSQL (and in-memory SQLite) the same function runs through the async engine with
  `AsyncSession.run_sync`, in SQLAlchemy's greenlet: the code is the same, only the hand-off differs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import sessionmaker

from surveys.store.database import BUSY_TIMEOUT_MS, DbSession, SyncDbSession, tune_sqlite

P = ParamSpec("P")
T = TypeVar("T")
Work = Callable[Concatenate[SyncDbSession, P], T]
"""A whole transaction: called with an open synchronous session; its return value is the result."""


class Transactions:
    """Runs `Work` as a write transaction (committed if it returns, rolled back if it raises) or as a read."""

    write_engine: Engine
    """The synchronous engine the write transactions go through (for listeners: statement counts in tests)."""

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
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
    """On a SQLite file: every transaction in one thread over `sqlite3`, one hand-off each (see the module)."""

    def __init__(self, url: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="heard-sqlite")
        self._writes = self.write_engine = _sync_engine(url, "BEGIN IMMEDIATE")
        self._reads = _sync_engine(url, "BEGIN")
        self._write_session = sessionmaker(self._writes, expire_on_commit=False)
        self._read_session = sessionmaker(self._reads, expire_on_commit=False)

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: self._in_transaction(self._write_session, work, *args, **kwargs))

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: self._in_transaction(self._read_session, work, *args, **kwargs))

    @staticmethod
    def _in_transaction(sessions: sessionmaker[SyncDbSession], work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        with sessions() as session, session.begin():
            return work(session, *args, **kwargs)

    async def close(self) -> None:
        def dispose() -> None:
            self._writes.dispose()
            self._reads.dispose()

        await asyncio.get_running_loop().run_in_executor(self._executor, dispose)
        self._executor.shutdown(wait=True)


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
