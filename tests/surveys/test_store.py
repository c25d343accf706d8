"""The store: migrations apply, and an officer's long read never makes a resident wait."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select, text

from surveys.core.engine import Consent, Start
from surveys.store.database import connect
from surveys.store.schema import Response, Session
from surveys.wiring import open_core
from tests.surveys.upgrade_data import assert_counted_after_upgrade, write_before_0011


async def test_a_long_read_does_not_block_the_bots_writes(settings):
    bot_side = await open_core(settings)
    officer_side = await open_core(settings, writes=False)
    try:
        async with officer_side.db() as reader, reader.begin():
            assert await reader.scalar(select(func.count()).select_from(Response)) == 0  # snapshot taken
            started = time.perf_counter()
            reply = await asyncio.wait_for(
                bot_side.conversations.handle(lambda _: "r" * 64, Start(language="de"), channel="telegram"), 5)
            await bot_side.conversations.handle(lambda _: "r" * 64, Consent(True), channel="telegram")
            assert time.perf_counter() - started < 2, "the write did not wait for the reader"
            assert reply.prompts
        async with officer_side.db() as reader:
            assert await reader.scalar(select(func.count()).select_from(Session)) == 1
    finally:
        await officer_side.close()
        await bot_side.close()


async def test_schema_is_at_the_latest_migration(core):
    async with core.db() as db:
        version = await db.scalar(text("SELECT version_num FROM alembic_version"))
    from alembic.script import ScriptDirectory

    from surveys.store.database import MIGRATIONS_DIR

    assert version == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


async def test_responses_stored_before_revision_0011_are_counted_after_the_upgrade(settings):
    engine = connect(settings.storage.database_url)
    try:
        await write_before_0011(engine)
        await assert_counted_after_upgrade(engine)
    finally:
        await engine.dispose()
