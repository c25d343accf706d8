"""Connecting to the database and bringing its schema up to date.

SQLite (the embedded default) gets WAL so readers never block the bot, a busy timeout, foreign keys,
`BEGIN IMMEDIATE` transactions so two writers queue instead of failing with "database is locked" when a read
lock would have to be upgraded, and `secure_delete` with a checkpoint after deletions, so that what a resident
deletes is gone from the files on disk, not only from the tables. A process writes through ONE connection
(a pool of one): SQLite lets one writer in at a time anyway, and with several pooled connections every
waiting writer would sleep-poll in SQLite's busy handler (a lock convoy: 43 s of waiting with 10 residents),
while one connection makes them queue in the event loop, first come first served. Other processes (the
admin CLI) still meet the busy timeout. PostgreSQL needs none of this (`BEGIN
IMMEDIATE` is SQLite's own syntax): its row locks and the `sessions.revision` check serialise the bot's
writers. Several workers starting at once migrate one after the other: on PostgreSQL under a transaction-level
advisory lock, on SQLite under the write lock `BEGIN IMMEDIATE` takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as DbSession
from sqlalchemy.orm import Session as SyncDbSession

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: PostgreSQL advisory lock key held while migrating (any constant that no other lock uses; see leadership.py).
MIGRATION_LOCK_KEY = 0x48454152_0000_0001
#: How long a SQLite statement waits for another connection's lock before it fails.
BUSY_TIMEOUT_MS = 30_000
#: How long a task may queue for the one SQLite write connection before it fails (a backlog, not a lock).
WRITER_QUEUE_TIMEOUT_S = 300
#: How long a WAL checkpoint waits for readers to finish. Writers wait while it does, so it is short; a reader
#: that takes longer (a long report) only postpones the checkpoint (see checkpoint_wal).
CHECKPOINT_WAIT_MS = 3_000

__all__ = [
    "DbSession",
    "DeletionCheckpoints",
    "SyncDbSession",
    "WriteTurns",
    "as_utc",
    "checkpoint_wal",
    "connect",
    "is_sqlite",
    "migrate",
    "session_factory",
    "tune_sqlite",
    "write_turns_of",
]


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; Heard stores UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def connect(url: str, *, writes: bool = True) -> AsyncEngine:
    """Create the engine; for a SQLite file, also create its folder. With `writes=False` (summaries, reports,
    exports) SQLite transactions begin deferred, so a long read never holds the write lock the bot needs."""
    parsed = make_url(url)
    if is_sqlite(url):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": WRITER_QUEUE_TIMEOUT_S} if writes else {}
        engine = create_async_engine(url, connect_args={"timeout": 30}, **pool)
        tune_sqlite(engine.sync_engine, *(("BEGIN IMMEDIATE", write_turns_of(url)) if writes else ("BEGIN", None)))
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


class WriteTurns:
    """Who writes next when a process has two SQLite write connections: the async engine's (outbox, jobs,
    commands) and the conversation's thread (surveys.store.transactions). Between connections SQLite only has
    its busy handler, which sleep-polls (up to 100 ms between looks): under load the thread's back-to-back
    batches could keep the other waiting for seconds. So a writer of the async engine says here that it waits
    for the lock, and the thread lets it go first before its next batch."""

    def __init__(self) -> None:
        self._waiting = 0
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        with self._changed:
            self._waiting += 1
        try:
            yield
        finally:
            with self._changed:
                self._waiting -= 1
                self._changed.notify_all()

    def let_waiting_writers_go_first(self, at_most_s: float = 1.0) -> None:
        """Block (the thread, never an event loop) until no other writer waits, or `at_most_s` passed."""
        with self._changed:
            self._changed.wait_for(lambda: self._waiting == 0, timeout=at_most_s)


_TURNS_BY_FILE: dict[str, WriteTurns] = {}
_TURNS_LOCK = threading.Lock()


def write_turns_of(url: str) -> WriteTurns:
    """The one WriteTurns of a SQLite database file in this process, so writers of one file never wait for
    another's."""
    database = make_url(url).database or ":memory:"
    key = database if database == ":memory:" else str(Path(database).resolve())
    with _TURNS_LOCK:
        return _TURNS_BY_FILE.setdefault(key, WriteTurns())


def tune_sqlite(engine: Engine, begin: str, turns: WriteTurns | None = None) -> None:
    """WAL, foreign keys, the busy timeout and secure deletion on every connection; `begin` opens transactions,
    announced to `turns` while they wait for the lock."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros, not just unlinked
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":  # see checkpoint_wal
            return
        if turns is None:
            connection.exec_driver_sql(begin)
            return
        with turns.waiting():
            connection.exec_driver_sql(begin)


async def checkpoint_wal(engine: AsyncEngine, wait_ms: int = CHECKPOINT_WAIT_MS) -> bool:
    """Copy SQLite's write-ahead log into the database file and truncate the log to zero bytes. After a
    deletion, `secure_delete` has written the affected pages anew with the deleted rows zeroed, but the log
    still holds those pages as they were before; only this leaves a copy of heard.db and heard.db-wal taken
    now without them. Returns False if a reader kept the log busy for `wait_ms` (try again later).

    Nothing to do on PostgreSQL (the database server's files are not Heard's to manage)."""
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")  # outside a transaction
        await connection.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
        try:
            busy, _, _ = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        finally:
            await connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return busy == 0


class DeletionCheckpoints:
    """Checkpoints after deletions (see `checkpoint_wal`). One that a long reader (an officer's report in
    another process) holds up is tried again in the background, without waiting, until it succeeds; closing
    tries a last time and logs if a copy of deleted rows is still in the log."""

    def __init__(self, engine: AsyncEngine, retry_every: float = 2.0) -> None:
        self._engine = engine
        self._retry_every = retry_every
        self._retrying: asyncio.Task[None] | None = None

    async def after_deletion(self) -> None:
        if await checkpoint_wal(self._engine):
            return
        if self._retrying is None or self._retrying.done():
            log.info("a reader holds the database's log; deleted rows leave it as soon as the reader is done")
            self._retrying = asyncio.create_task(self._retry())

    async def _retry(self) -> None:
        while not await checkpoint_wal(self._engine, wait_ms=0):
            await asyncio.sleep(self._retry_every)

    async def close(self) -> None:
        if self._retrying is None or self._retrying.done():
            return
        self._retrying.cancel()
        await asyncio.gather(self._retrying, return_exceptions=True)
        if not await checkpoint_wal(self._engine):
            log.warning("deleted rows are zeroed in the database, but a copy stays in its write-ahead log "
                        "(heard.db-wal) until the next checkpoint: a reader held it")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[DbSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection: Connection):  # type: ignore[no-untyped-def]
    from alembic.config import Config  # Alembic (tens of MiB) only when a migration runs

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(?:['\"]([^'\"]+)['\"]|None)", re.M)


def script_head() -> str:
    """The newest revision among the migration scripts, read from their `revision`/`down_revision` lines
    without importing Alembic (which costs ~50 MiB and a second of CPU at every start). A branched history
    (more than one head) raises: Alembic then decides."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            raise ValueError(f"{path.name}: no revision / down_revision line")
        revisions.add(revision[1])
        if down[1]:
            parents.add(down[1])
    heads = revisions - parents
    if len(heads) != 1:
        raise ValueError(f"migration scripts have {len(heads)} heads")
    return heads.pop()


async def is_current(engine: AsyncEngine) -> bool:
    """Whether the database is already at the scripts' head revision: one SELECT instead of Alembic."""
    try:
        head = script_head()
    except (OSError, ValueError):
        return False
    async with engine.connect() as connection:
        try:
            stored = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
        except Exception:  # no such table: a new database
            return False
    return stored == [head]


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (Alembic), inside the running event loop. A database already at the
    head costs one SELECT (is_current)."""
    if revision == "head" and await is_current(engine):
        return

    def upgrade(connection: Connection) -> None:
        from alembic import command

        command.upgrade(_alembic_config(connection), revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # released at commit; without it, workers creating the same tables at once block each other
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await connection.run_sync(upgrade)
