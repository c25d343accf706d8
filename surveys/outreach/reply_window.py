"""WhatsApp's 24-hour window, known before a message goes out: free-form messages reach a resident only within
24 hours of their last message, after that only an approved template. When the resident last wrote is kept to
the hour (rounded down, so the window is taken to close early, never late) beside each contact key that may
still receive a message Heard starts (a reminder contact, a results request, a queued message), never beside a
pseudonym of answers. Unknown (None) means: try, and let WhatsApp's 131047 decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import or_, update

from surveys.outreach import outbox
from surveys.store.database import DbSession
from surveys.store.schema import Contact, OutboxMessage, ResultsSubscription

WINDOW = dt.timedelta(hours=24)


def to_the_hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def closed(last_inbound_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Known to be closed: the resident last wrote 24 hours ago or more."""
    return last_inbound_at is not None and now - last_inbound_at >= WINDOW


async def note_inbound(db: DbSession, platform: str, contact_keys: Collection[str], at: dt.datetime) -> None:
    """The resident wrote at `at`: keep it (to the hour) with their contacts, results requests and queued
    messages on `platform`. Writes nothing where the hour is kept already."""
    if not contact_keys:
        return
    hour = to_the_hour(at)
    keys = list(contact_keys)
    for table in (Contact, ResultsSubscription, OutboxMessage):
        statement = (
            update(table)
            .where(table.platform == platform, table.contact_key.in_(keys),
                   or_(table.last_inbound_at.is_(None), table.last_inbound_at < hour))
            .values(last_inbound_at=hour)
            .execution_options(synchronize_session=False)
        )
        if table is OutboxMessage:
            statement = statement.where(OutboxMessage.state == outbox.PENDING)
        await db.execute(statement)
