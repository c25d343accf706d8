"""Connecting to the database and bringing its schema up to date.

SQLite (the embedded default) gets WAL so readers never block the bot, a busy timeout, foreign keys, and
`BEGIN IMMEDIATE` transactions so two writers queue instead of failing with "database is locked" when a read
lock would have to be upgraded. PostgreSQL needs none of this (`BEGIN IMMEDIATE` is SQLite's own syntax): its
row locks and the `sessions.revision` check serialise the bot's writers. Several workers starting at once
migrate one after the other: on PostgreSQL under a transaction-level advisory lock, on SQLite under the write lock
`BEGIN IMMEDIATE` takes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: PostgreSQL advisory lock key held while migrating (any constant that no other lock uses; see leadership.py).
MIGRATION_LOCK_KEY = 0x48454152_0000_0001

__all__ = ["DbSession", "as_utc", "connect", "is_sqlite", "migrate", "session_factory"]


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
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _tune_sqlite(engine, "BEGIN IMMEDIATE" if writes else "BEGIN")
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _tune_sqlite(engine: AsyncEngine, begin: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[DbSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (Alembic), inside the running event loop."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(_alembic_config(connection), revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # released at commit; without it, workers creating the same tables at once block each other
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await connection.run_sync(upgrade)
