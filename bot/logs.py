"""Logging for the bot process: Heard's own messages, aiogram's update summaries ("Update id=… is handled")
and the schema upgrades Alembic runs, never the database driver's statement logs (they would carry chat ids
and answers at DEBUG) nor Alembic's start-up chatter (plugins set up, the dialect it found)."""

from __future__ import annotations

import logging

QUIET = ("aiosqlite", "sqlalchemy", "asyncpg", "aiohttp.access", "alembic.runtime.plugins")
MIGRATION_LOGGER = "alembic.runtime.migration"


def _upgrades_only(record: logging.LogRecord) -> bool:
    """Of Alembic's migration messages, an operator needs the upgrades it ran (and anything worse than INFO)."""
    return record.levelno > logging.INFO or record.getMessage().startswith(("Running upgrade", "Running downgrade"))


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    migration = logging.getLogger(MIGRATION_LOGGER)
    if _upgrades_only not in migration.filters:
        migration.addFilter(_upgrades_only)
