"""Waves: named periods in which a survey is open. A response belongs to the wave open when it was given."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from surveys.store.database import DbSession
from surveys.store.schema import Wave


async def open_wave(db: DbSession, survey_id: str, now: dt.datetime | None = None) -> Wave | None:
    """The wave open at `now` (the most recently opened if several overlap), or None."""
    now = now or dt.datetime.now(dt.UTC)
    return await db.scalar(
        select(Wave)
        .where(
            Wave.survey_id == survey_id,
            Wave.closed.is_(False),
            Wave.opens_at <= now,
            or_(Wave.closes_at.is_(None), Wave.closes_at > now),
        )
        .order_by(Wave.opens_at.desc())
        .limit(1)
    )
