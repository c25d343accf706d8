"""The one reminder: a resident who agreed to it at consent and stopped midway hears from Heard once, after
the configured delay, outside quiet hours, only while their survey's wave is open."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from surveys.conversation import Conversations
from surveys.engine import SessionState, Stage, progress
from surveys.outreach import outbox
from surveys.outreach.quiet_hours import QuietHours
from surveys.store.database import DbSession
from surveys.store.schema import Contact, Session
from surveys.waves import open_wave, wave_status


async def queue_reminders(
    db: DbSession,
    conversations: Conversations,
    *,
    delay: dt.timedelta,
    quiet: QuietHours,
    now: dt.datetime,
) -> int:
    """Queue the reminders that are due now; returns how many. Each resident's chat id is deleted as their
    reminder is queued (the outbox erases it once sent), so nobody can get a second one."""
    if quiet.contains(now):
        return 0
    candidates = (await db.execute(
        select(Contact, Session)
        .join(Session, (Session.survey_id == Contact.survey_id) & (Session.respondent == Contact.respondent))
        .where(Session.updated_at <= now - delay)
    )).all()
    queued = 0
    for contact, session in candidates:
        state = SessionState.from_json(session.state)
        if state.stage is not Stage.ANSWERING or not state.remind:
            continue
        status = await wave_status(db, contact.survey_id, now, quiet.time_zone)
        if status is not None and not status.open:
            continue  # closing the wave deletes these contacts anyway
        survey = await conversations.registry.version(db, state.survey_id, state.survey_version)
        if survey is None:
            continue
        wave = await open_wave(db, survey.id, now)
        position, total = progress(survey, state)
        message = conversations.renderer(survey, state.language).reminder(position - 1, total)
        queued += await outbox.enqueue(
            db,
            key=f"reminder:{survey.id}:{wave.name if wave else '-'}:{contact.respondent}",
            kind=outbox.REMINDER,
            survey_id=survey.id,
            respondent=contact.respondent,
            platform=contact.platform,
            address=contact.address,
            text=message.text,
            buttons=[[(b.label, b.action) for b in row] for row in message.rows],
            due_at=now,
            now=now,
        )
        await db.execute(
            delete(Contact).where(Contact.survey_id == contact.survey_id, Contact.respondent == contact.respondent)
        )
    return queued
