"""Waves: named periods in which a survey is open. A response belongs to the wave open when it was given."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, or_, select, update

from surveys.core.disclosure import EMPTY, Tally
from surveys.store.database import DbSession, SyncDbSession, as_utc
from surveys.store.schema import Contact, OutboxMessage, Response, Session, Wave


def open_wave(db: SyncDbSession, survey_id: str, now: dt.datetime | None = None) -> Wave | None:
    """The wave open at `now` (the most recently opened if several overlap), or None. Synchronous, for the
    conversation's transaction (surveys.store.transactions); async callers use `await db.run_sync(open_wave, ...)`."""
    now = now or dt.datetime.now(dt.UTC)
    return db.scalar(
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


class WaveError(Exception):
    """An officer's request about waves that cannot be done; the message says why."""


WAVE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def parse_moment(text: str, time_zone: str) -> dt.datetime:
    """"2027-03-01" (start of that day) or "2027-03-01 18:00", in the municipality's time zone, as UTC."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise WaveError(f"{text!r} is not a date like 2027-03-01 or 2027-03-01 18:00") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(time_zone))
    return moment.astimezone(dt.UTC)


async def add_wave(
    db: DbSession, survey_id: str, name: str, opens_at: dt.datetime, closes_at: dt.datetime | None
) -> Wave:
    if not WAVE_NAME.match(name):
        raise WaveError(f"wave name {name!r}: use letters, digits, '-', '_' or '.', e.g. 2027-spring")
    if closes_at is not None and closes_at <= opens_at:
        raise WaveError("a wave must close after it opens")
    if await db.scalar(select(Wave.id).where(Wave.survey_id == survey_id, Wave.name == name)):
        raise WaveError(f"survey {survey_id!r} already has a wave {name!r}")
    wave = Wave(survey_id=survey_id, name=name, opens_at=opens_at, closes_at=closes_at, closed=False)
    db.add(wave)
    await db.flush()
    return wave


async def close_wave(db: DbSession, survey_id: str, name: str, now: dt.datetime | None = None) -> int:
    """Close the wave now. Returns how many contact records were deleted (see `_after_closing`)."""
    now = now or dt.datetime.now(dt.UTC)
    wave = await db.scalar(select(Wave).where(Wave.survey_id == survey_id, Wave.name == name))
    if wave is None:
        raise WaveError(f"survey {survey_id!r} has no wave {name!r}")
    return await _close(db, wave, now)


async def close_due_waves(db: DbSession, now: dt.datetime) -> list[str]:
    """Close every wave whose closing time has passed (the scheduler's job); returns their names."""
    due = (await db.scalars(
        select(Wave).where(Wave.closed.is_(False), Wave.closes_at.is_not(None), Wave.closes_at <= now)
    )).all()
    for wave in due:
        await _close(db, wave, now)
    return [wave.name for wave in due]


async def _close(db: DbSession, wave: Wave, now: dt.datetime) -> int:
    """After a wave nobody is written to about it and nothing half-answered is kept: the survey's contact
    records (chat ids kept for a reminder), unfinished sessions and queued reminders are deleted. Requests
    for the results stay until the results are sent (or retention ends)."""
    wave.closed = True
    if wave.closes_at is None or as_utc(wave.closes_at) > now:
        wave.closes_at = now
    result = await db.execute(delete(Contact).where(Contact.survey_id == wave.survey_id))
    await db.execute(delete(Session).where(Session.survey_id == wave.survey_id))
    await db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.survey_id == wave.survey_id, OutboxMessage.kind == "reminder",
               OutboxMessage.state == "pending")
        .values(state="withdrawn", address=None, text=None, buttons=None)
    )
    return result.rowcount or 0


@dataclass(frozen=True, slots=True)
class WaveStatus:
    open: bool
    next_opens: dt.date | None
    """The first day of the next planned wave, in the municipality's time zone."""


_WAVES_OF_SURVEY = select(Wave.__table__.c.closed, Wave.__table__.c.opens_at, Wave.__table__.c.closes_at).where(
    Wave.__table__.c.survey_id == bindparam("survey_id"))
"""Built once (Core, on the connection): asked on every answer a resident gives."""


def wave_status(db: SyncDbSession, survey_id: str, now: dt.datetime, time_zone: str) -> WaveStatus | None:
    """None for a survey that does not run in waves (always open); else whether one is open now. Synchronous,
    as `open_wave`."""
    # columns, not ORM objects: asked on every answer a resident gives
    waves = db.connection().execute(_WAVES_OF_SURVEY, {"survey_id": survey_id}).all()
    if not waves:
        return None
    is_open = any(
        not w.closed and as_utc(w.opens_at) <= now and (w.closes_at is None or as_utc(w.closes_at) > now)
        for w in waves
    )
    upcoming = sorted(as_utc(w.opens_at) for w in waves if not w.closed and as_utc(w.opens_at) > now)
    next_opens = upcoming[0].astimezone(ZoneInfo(time_zone)).date() if upcoming else None
    return WaveStatus(is_open, next_opens)


async def waves_of(db: DbSession, survey_id: str) -> list[tuple[Wave, Tally]]:
    """The survey's waves, oldest first, with their completed responses as tallies (callers disclose them)."""
    counts = {wave: Tally(n, int(key_sum or 0)) for wave, n, key_sum in await db.execute(
        select(Response.wave, func.count(), func.sum(Response.record_key)).where(Response.survey_id == survey_id)
        .group_by(Response.wave)
    )}
    waves = (await db.scalars(select(Wave).where(Wave.survey_id == survey_id).order_by(Wave.opens_at))).all()
    return [(wave, counts.get(wave.name, EMPTY)) for wave in waves]

