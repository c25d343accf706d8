"""Logging for the bot process: Heard's own messages and aiogram's update summaries ("Update id=… is
handled"), never the database driver's statement logs, which would carry chat ids and answers at DEBUG."""

from __future__ import annotations

import logging

QUIET = ("aiosqlite", "sqlalchemy", "asyncpg", "aiohttp.access")


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
