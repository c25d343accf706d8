"""The outbox: messages Heard writes on its own, queued in the database so that sending survives restarts.

States: pending (waiting until `due_at`) -> sending (claimed by one sender, in its own committed
transaction, just before the request goes out) -> sent | unreachable (403, chat gone) | failed (gave up after
repeated errors) | withdrawn (no longer wanted: the resident finished, cancelled or deleted everything).
A message left in `sending` by a crash is never sent again: a resident must never get it twice, and
Telegram cannot tell us whether the last request arrived. The chat id is erased once a message is done.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from surveys.store.database import DbSession, as_utc
from surveys.store.schema import Contact, OutboxMessage, ResultsSubscription

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
UNREACHABLE = "unreachable"
FAILED = "failed"
WITHDRAWN = "withdrawn"

REMINDER = "reminder"
RESULTS = "results"


@dataclass(frozen=True, slots=True)
class Outgoing:
    id: int
    kind: str
    survey_id: str
    contact_key: str
    platform: str
    address: str
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...]
    attempts: int


async def enqueue(
    db: DbSession,
    *,
    key: str,
    kind: str,
    survey_id: str,
    contact_key: str,
    platform: str,
    address: str,
    text: str,
    buttons: Sequence[Sequence[tuple[str, str]]] = (),
    due_at: dt.datetime,
    now: dt.datetime,
) -> bool:
    """Queue a message unless one with the same key was ever queued; True if queued now."""
    if await db.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return False
    db.add(OutboxMessage(
        key=key, kind=kind, survey_id=survey_id, contact_key=contact_key, platform=platform, address=address,
        text=text, buttons=json.dumps([list(map(list, row)) for row in buttons]) if buttons else None,
        state=PENDING, attempts=0, due_at=due_at, updated_at=now,
    ))
    await db.flush()
    return True


async def due(db: DbSession, now: dt.datetime, limit: int = 500) -> list[tuple[int, str]]:
    """(id, chat) of pending messages that are due, oldest first."""
    rows = await db.execute(
        select(OutboxMessage.id, OutboxMessage.address)
        .where(OutboxMessage.state == PENDING, OutboxMessage.due_at <= now)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    return [(message_id, address) for message_id, address in rows.all() if address is not None]


async def next_due(db: DbSession) -> dt.datetime | None:
    moment = await db.scalar(select(func.min(OutboxMessage.due_at)).where(OutboxMessage.state == PENDING))
    return as_utc(moment) if moment is not None else None


async def claim(db: DbSession, message_id: int, now: dt.datetime) -> Outgoing | None:
    """Take the message for sending; None if another sender took it first or it is not due (any more)."""
    taken = await db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == PENDING, OutboxMessage.due_at <= now)
        .values(state=SENDING, attempts=OutboxMessage.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    row = await db.get(OutboxMessage, message_id, populate_existing=True)
    assert row is not None and row.address is not None and row.text is not None
    buttons = tuple(tuple((label, data) for label, data in r) for r in json.loads(row.buttons or "[]"))
    return Outgoing(row.id, row.kind, row.survey_id, row.contact_key, row.platform, row.address, row.text, buttons,
                    row.attempts)


async def finish(db: DbSession, message_id: int, state: str, now: dt.datetime) -> None:
    """Sent, unreachable, failed or withdrawn: forget the chat id and the text."""
    await db.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id)
        .values(state=state, address=None, text=None, buttons=None, updated_at=now)
    )


async def release(db: DbSession, message_id: int, retry_at: dt.datetime, now: dt.datetime) -> None:
    """Not delivered (server error, rate limit): back to pending, to be tried again at `retry_at`."""
    await db.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.state == SENDING)
        .values(state=PENDING, due_at=retry_at, updated_at=now)
    )


async def forget_unreachable(db: DbSession, platform: str, address: str) -> None:
    """The resident blocked the bot: every way Heard had of writing to that chat goes."""
    for table in (Contact, ResultsSubscription):
        await db.execute(delete(table).where(table.platform == platform, table.address == address))
    await db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.platform == platform, OutboxMessage.address == address,
               OutboxMessage.state == PENDING)
        .values(state=UNREACHABLE, address=None, text=None, buttons=None)
    )


async def withdraw(db: DbSession, survey_id: str, contact_key: str, kind: str | None = None) -> None:
    """Messages to a resident (by their contact key) that are no longer wanted, before they go out."""
    statement = update(OutboxMessage).where(
        OutboxMessage.survey_id == survey_id, OutboxMessage.contact_key == contact_key,
        OutboxMessage.state == PENDING,
    )
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    await db.execute(statement.values(state=WITHDRAWN, address=None, text=None, buttons=None))


async def tally(db: DbSession, kind: str, survey_id: str, key_prefix: str | None = None) -> dict[str, int]:
    """How many messages of a kind are in each state (for the officer)."""
    statement = select(OutboxMessage.state, func.count()).where(
        OutboxMessage.kind == kind, OutboxMessage.survey_id == survey_id
    )
    if key_prefix is not None:
        statement = statement.where(OutboxMessage.key.startswith(key_prefix, autoescape=True))
    return dict((await db.execute(statement.group_by(OutboxMessage.state))).all())

