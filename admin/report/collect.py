"""Step 1 of the report: read everything it shows from the database. Every number in it is a `Cell` that has
passed disclosure control (surveys.core.disclosure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from admin.summary import Profile, Summary, UnknownDimension, free_texts, summarize, who_answered
from surveys.core.model import Survey
from surveys.store.database import DbSession
from surveys.store.schema import Response, Wave

FREE_TEXT_LIMIT = 20
STEPS = ("summary", "who answered", "areas", "languages", "free texts")
"""What `collect()` reports doing, in order (for a progress bar)."""


@dataclass
class ReportData:
    """Everything the report shows, read from the database; every count already protected."""

    survey: Survey
    municipality: str
    k: int
    wave: str | None
    overall: Summary
    profiles: list[Profile]
    by_area: Summary | None = None
    by_language: Summary | None = None
    texts: dict[str, list[str]] = field(default_factory=dict)
    period: tuple[dt.date, dt.date] | None = None
    """First and last day a response came in; only when results are shown at all."""
    wave_period: tuple[dt.date, dt.date | None] | None = None
    population: bool = False


async def collect(
    db: DbSession, survey: Survey, k: int, *, municipality: str, wave: str | None = None,
    population: dict[str, int] | None = None, time_zone: str = "Europe/Berlin",
    step: Callable[[str], None] = lambda _: None, languages: Sequence[str] = (),
) -> ReportData:
    """Read the report's numbers. `step` is told what is being done next (for a progress bar); wave dates are
    days in the municipality's `time_zone`."""
    step("summary")
    overall = await summarize(db, survey, k, wave=wave)
    step("who answered")
    profiles = await who_answered(db, survey, k, wave, population, languages)
    data = ReportData(survey, municipality, k, wave, overall, profiles, population=bool(population))
    if wave:
        opened = await db.execute(
            select(Wave.opens_at, Wave.closes_at).where(Wave.survey_id == survey.id, Wave.name == wave).limit(1))
        row = opened.first()
        if row is not None:
            data.wave_period = (_local_day(row[0], time_zone), _local_day(row[1], time_zone) if row[1] else None)
    if not overall.shown:
        return data
    step("areas")
    data.by_area = await _breakdown(db, survey, k, "area", wave)
    step("languages")
    data.by_language = await _breakdown(db, survey, k, "language", wave)
    step("free texts")
    data.texts = await free_texts(db, survey, k, wave, limit=FREE_TEXT_LIMIT)
    statement = select(func.min(Response.submitted_on), func.max(Response.submitted_on)).where(
        Response.survey_id == survey.id, Response.survey_version == survey.version)
    if wave:
        statement = statement.where(Response.wave == wave)
    first, last = (await db.execute(statement)).one()
    if first is not None and last is not None:
        data.period = (first, last)
    return data


def _local_day(moment: dt.datetime, time_zone: str) -> dt.date:
    if moment.tzinfo is None:  # SQLite hands back UTC without a zone
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(time_zone)).date()


async def _breakdown(db: DbSession, survey: Survey, k: int, by: str, wave: str | None) -> Summary | None:
    try:
        return await summarize(db, survey, k, by=by, wave=wave)
    except UnknownDimension:
        return None
