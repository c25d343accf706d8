"""Counting rows in the real database, as the tests check what was (or was not) stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select


async def count(core: Any, table: Any, **where: object) -> int:
    """Rows of `table` (a schema class) in `core`'s database, optionally where column == value for each keyword."""
    async with core.db() as db:
        statement = select(func.count()).select_from(table)
        for column, value in where.items():
            statement = statement.where(getattr(table, column) == value)
        return await db.scalar(statement) or 0
