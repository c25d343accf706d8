"""The store on a real PostgreSQL server: the Alembic migrations run there as on SQLite, also when several
workers start at once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect, text

from surveys.store.database import connect, migrate
from tests.surveys.upgrade_data import assert_counted_after_upgrade, write_before_0011

pytestmark = pytest.mark.postgres


async def test_migrations_run_on_postgresql_up_to_head_and_are_idempotent(postgres_server):
    url = postgres_server.new_database()
    engine = connect(url)
    try:
        await migrate(engine)
        await migrate(engine)  # a second worker starting at the same time finds nothing to do
        async with engine.connect() as connection:
            tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert {"sessions", "responses", "answers", "seen_updates", "distributors", "waves"} <= tables
        assert version is not None
        assert engine.dialect.name == "postgresql"
    finally:
        await engine.dispose()


async def test_workers_migrating_at_once_on_postgresql(postgres_server):
    url = postgres_server.new_database()
    engines = [connect(url) for _ in range(3)]
    try:
        await asyncio.gather(*(migrate(engine) for engine in engines))
        async with engines[0].connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    finally:
        for engine in engines:
            await engine.dispose()


async def test_responses_stored_before_revision_0011_are_counted_after_the_upgrade_on_postgresql(postgres_server):
    engine = connect(postgres_server.new_database())
    try:
        await write_before_0011(engine)
        await assert_counted_after_upgrade(engine)
    finally:
        await engine.dispose()
