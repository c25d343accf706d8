"""Microdata export: one record per completed response, answers keyed by question and choice names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from surveys.conversation import answers_from_rows
from surveys.model import QuestionType, Survey
from surveys.store.database import DbSession
from surveys.store.schema import Response

BATCH = 2000
META_COLUMNS = ("response_id", "survey_id", "survey_version", "wave", "language", "channel", "submitted_on")


async def records(db: DbSession, survey: Survey) -> AsyncIterator[dict[str, Any]]:
    """Completed responses of this survey version, streamed in batches."""
    statement = (
        select(Response)
        .where(Response.survey_id == survey.id, Response.survey_version == survey.version)
        .order_by(Response.submitted_on, Response.id)
        .options(selectinload(Response.answers))
        .execution_options(yield_per=BATCH)
    )
    async for response in await db.stream_scalars(statement):
        answers = answers_from_rows(survey, response.answers)
        yield {
            "response_id": response.id,
            "survey_id": response.survey_id,
            "survey_version": response.survey_version,
            "wave": response.wave,
            "language": response.language,
            "channel": response.channel,
            "submitted_on": response.submitted_on.isoformat(),
            "answers": {name: list(v) if isinstance(v, tuple) else v for name, v in answers.items()},
        }


async def to_json(db: DbSession, survey: Survey) -> str:
    return json.dumps([record async for record in records(db, survey)], ensure_ascii=False, indent=1)


async def to_csv(db: DbSession, survey: Survey) -> str:
    """One column per question; multi-choice answers as space-separated choice names (as ODK does)."""
    questions = survey.answerable()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*META_COLUMNS, *(q.name for q in questions)])
    async for record in records(db, survey):
        row = [record[c] for c in META_COLUMNS]
        for question in questions:
            value = record["answers"].get(question.name, "")
            if question.type is QuestionType.MULTI and isinstance(value, list):
                value = " ".join(value)
            row.append(value)
        writer.writerow(row)
    return buffer.getvalue()
