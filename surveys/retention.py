"""Retention: what is past its keeping period is deleted, by a daily job and by `heard-admin privacy purge`.

Completed responses (with their answers) and consent records live `responses_days`; chat ids kept for a
reminder or the results, unfinished sessions and finished outbox entries live `contacts_days`. Callers checkpoint
the database once the purge is committed (`Core.checkpoints.after_deletion`), so nothing purged stays on disk.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Delete, delete, func, select

from surveys.config import Retention
from surveys.outreach import outbox
from surveys.store.database import DbSession
from surveys.store.schema import (
    Answer,
    ConsentRecord,
    Contact,
    OutboxMessage,
    Response,
    ResultsSubscription,
    Session,
)


async def purge(db: DbSession, retention: Retention, now: dt.datetime, *, dry_run: bool = False) -> dict[str, int]:
    """Delete (or, with `dry_run`, count) everything past retention; returns counts per kind of record."""
    responses_before = now.date() - dt.timedelta(days=retention.responses_days)
    contacts_before = now.date() - dt.timedelta(days=retention.contacts_days)
    idle_before = now - dt.timedelta(days=retention.contacts_days)
    old_responses = select(Response.id).where(Response.submitted_on < responses_before)
    targets = {
        "answers": delete(Answer).where(Answer.response_id.in_(old_responses)),
        "responses": delete(Response).where(Response.submitted_on < responses_before),
        "consent records": delete(ConsentRecord).where(ConsentRecord.given_on < responses_before),
        "reminder contacts": delete(Contact).where(Contact.created_on < contacts_before),
        "results requests": delete(ResultsSubscription).where(ResultsSubscription.created_on < contacts_before),
        "unfinished sessions": delete(Session).where(Session.updated_at < idle_before),
        "outbox messages": delete(OutboxMessage).where(  # unsent ones too: retention ends their chat ids
            ((OutboxMessage.updated_at < idle_before) & (OutboxMessage.state != outbox.PENDING))
            | (OutboxMessage.created_at < idle_before)
        ),
    }
    counts: dict[str, int] = {}
    for name, statement in targets.items():
        if dry_run:
            counts[name] = await _count(db, statement)
        else:
            counts[name] = (await db.execute(statement)).rowcount or 0
    return counts


async def _count(db: DbSession, statement: Delete) -> int:
    table = statement.table
    return await db.scalar(select(func.count()).select_from(table).where(statement.whereclause)) or 0
