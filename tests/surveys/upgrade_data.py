"""Responses written before revision 0011 (no packed answer codes), and the check that after the upgrade the
summary counts them from their codes exactly as from their answer rows. Shared by the SQLite and PostgreSQL
migration tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from admin.summary import summarize
from surveys.config import Area
from surveys.core.disclosure import possible_counts
from surveys.forms.loader import load_survey
from surveys.store.database import migrate, session_factory
from surveys.store.schema import Response

AREAS = [Area(name="nord", label="Nord"), Area(name="sued", label="Süd")]
SURVEY = load_survey(Path("surveys/bundled/needs.yaml"), AREAS)
OLD_RESPONSES = 14
"""Twelve in the north, two in the south; half of them rate the town's understanding 4, half 2."""


async def write_before_0011(engine: AsyncEngine) -> None:
    await migrate(engine, "0006")
    async with engine.begin() as connection:
        for i in range(OLD_RESPONSES):
            response_id = f"{i:032x}"
            await connection.execute(text(
                "INSERT INTO responses (id, survey_id, survey_version, respondent, language, channel, submitted_on, "
                "wave, record_key) VALUES (:id, 'needs', :v, :r, 'de', 'paper', :d, NULL, :k)"),
                {"id": response_id, "v": SURVEY.version, "r": f"old-{i}", "d": dt.date(2026, 5, 1), "k": 977 * i})
            rows = [("area", "nord" if i < 12 else "sued", None, False),
                    ("understood_by_town", None, 4 - 2 * (i % 2), False),
                    ("course_barriers", None, None, False), ("course_barriers", "childcare", None, False),
                    ("gender", None, None, True), ("town_should_change", None, None, False)]
            for question, choice, number, declined in rows:
                await connection.execute(text(
                    "INSERT INTO answers (response_id, question, choice, number, text, declined) "
                    "VALUES (:r, :q, :c, :n, :t, :dc)"),
                    {"r": response_id, "q": question, "c": choice, "n": number, "dc": declined,
                     "t": "Mehr Kurse" if question == "town_should_change" else None})


async def assert_counted_after_upgrade(engine: AsyncEngine) -> None:
    await migrate(engine)
    factory = session_factory(engine)
    async with factory() as db:
        assert await db.scalar(select(func.count()).where(Response.answer_codes.is_(None))) == 0
        upgraded = await summarize(db, SURVEY, 5, by="area")
    area = next(t for t in upgraded.tables if t.question.name == "area")
    low, high = possible_counts(area.cell("nord").shown or 0, 5)
    assert low <= 12 <= high
    barriers = next(t for t in upgraded.tables if t.question.name == "course_barriers")
    low, high = possible_counts(barriers.cell("childcare").shown or 0, 5)
    assert low <= OLD_RESPONSES <= high
    understood = next(t for t in upgraded.tables if t.question.name == "understood_by_town")
    assert understood.means["all"] == 3.0
    async with factory() as db, db.begin():  # the same numbers as counted from the answer rows themselves
        await db.execute(update(Response).values(answer_codes=None, answer_numbers=None))
        from_rows = await summarize(db, SURVEY, 5, by="area")
        await db.rollback()
    assert [t.cells for t in from_rows.tables] == [t.cells for t in upgraded.tables]
    assert [t.means for t in from_rows.tables] == [t.means for t in upgraded.tables]
