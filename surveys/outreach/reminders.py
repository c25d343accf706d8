"""The one reminder: a resident who agreed to it at consent and stopped midway hears from Heard once, after
the configured delay, outside quiet hours, only while their survey's wave is open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select

from surveys.conversation import Conversations
from surveys.core.engine import SessionState, Stage, progress
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
    contacts = {(c.survey_id, c.contact_key): c for c in (await db.scalars(select(Contact))).all()}
    if not contacts:
        return 0
    queued = 0
    for session in await _idle_sessions_with_contacts(db, conversations, contacts.keys(), now - delay):
        contact = contacts[(session.survey_id, conversations.contact_key_for(session.respondent))]
        state = SessionState.from_json(session.state)
        if state.stage is not Stage.ANSWERING or not state.remind:
            continue
        status = await db.run_sync(wave_status, contact.survey_id, now, quiet.time_zone)
        if status is not None and not status.open:
            continue  # closing the wave deletes these contacts anyway
        survey = await db.run_sync(conversations.registry.version, state.survey_id, state.survey_version)
        if survey is None:
            continue
        wave = await db.run_sync(open_wave, survey.id, now)
        position, total = progress(survey, state)
        renderer = conversations.renderer(survey, state.language)
        message = renderer.reminder(position - 1, total)
        queued += await outbox.enqueue(
            db,
            key=f"reminder:{survey.id}:{wave.name if wave else '-'}:{contact.contact_key}",
            kind=outbox.REMINDER,
            survey_id=survey.id,
            contact_key=contact.contact_key,
            platform=contact.platform,
            address=contact.address,
            text=message.text,
            buttons=[[(b.label, b.action) for b in row] for row in message.rows],
            due_at=now,
            now=now,
            language=renderer.language,
            last_inbound_at=contact.last_inbound_at,
        )
        await db.execute(
            delete(Contact).where(Contact.survey_id == contact.survey_id, Contact.contact_key == contact.contact_key)
        )
    return queued


async def _idle_sessions_with_contacts(
    db: DbSession, conversations: Conversations, contacts: Iterable[tuple[str, str]], idle_since: dt.datetime
) -> Sequence[Session]:
    """Sessions untouched since `idle_since` whose resident left a contact. A contact names no session (its
    key is not the pseudonym), so the way leads from each idle session's pseudonym to its contact key. The
    sessions are locked: a resident finishing at this moment waits, then withdraws the reminder queued here."""
    wanted = set(contacts)
    idle = (await db.execute(
        select(Session.id, Session.survey_id, Session.respondent).where(Session.updated_at <= idle_since)
    )).all()
    ids = [id_ for id_, survey_id, respondent in idle
           if (survey_id, conversations.contact_key_for(respondent)) in wanted]
    if not ids:
        return []
    return (await db.scalars(select(Session).where(Session.id.in_(ids)).with_for_update())).all()
