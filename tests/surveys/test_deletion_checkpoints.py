"""A deletion's checkpoint that a long reader holds up (an officer's report in another process) is repeated in
the background until the write-ahead log is clean; the bot's writes do not wait for the reader meanwhile."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from surveys.core.engine import Consent, Start
from surveys.store.schema import Session
from surveys.wiring import open_core

PSEUDONYM = "5eed" * 16


def in_files(settings, needle: str) -> bool:  # type: ignore[no-untyped-def]
    database = Path(make_url(settings.storage.database_url).database or "")
    return any(needle.encode() in path.read_bytes() for path in database.parent.glob(database.name + "*"))


async def test_a_checkpoint_held_up_by_a_reader_is_repeated_until_the_log_is_clean(settings):
    bot_side = await open_core(settings)
    officer_side = await open_core(settings, writes=False)
    try:
        for event in (Start(language="de"), Consent(True)):
            await bot_side.conversations.handle(lambda _: PSEUDONYM, event, channel="telegram")
        async with officer_side.db() as reader, reader.begin():
            assert await reader.scalar(select(func.count()).select_from(Session)) == 1  # a snapshot, held
            assert await bot_side.conversations.erase(lambda _: PSEUDONYM) == 2  # session and consent
            assert in_files(settings, PSEUDONYM), "the reader still needs the log as it was"
            started = time.perf_counter()
            await bot_side.conversations.handle(lambda _: "a" * 64, Start(language="de"), channel="telegram")
            assert time.perf_counter() - started < 2, "other residents' writes go on meanwhile"
        deadline = time.monotonic() + 30
        while in_files(settings, PSEUDONYM):  # the reader is done: the next try succeeds
            assert time.monotonic() < deadline, "the deleted pseudonym stayed in the files"
            await asyncio.sleep(0.1)
    finally:
        await officer_side.close()
        await bot_side.close()
