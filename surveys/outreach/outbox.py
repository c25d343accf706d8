"""The outbox: messages Heard writes on its own (reminders, results) and replies that could not reach a resident
while their message was handled, queued in the database so that sending survives restarts and outages.

States: pending (waiting until `due_at`) -> sending (claimed by one sender, in its own committed transaction,
just before the request goes out) -> sent | unreachable (403, chat gone) | failed (refused by Telegram, or not
sent within the configured hours) | withdrawn (no longer wanted: the resident finished, cancelled or deleted
everything). A network error, a timeout or a 5xx puts a message back to pending with its reason, to be tried
again later; its chat id stays until it is done. A message left in `sending` by a crash is never sent again (a
resident must never get it twice, and Telegram cannot tell us whether the last request arrived): after a while
it is marked interrupted. The chat id and the text are erased once a message is done.

Replies to one chat go out in the order they were queued: a reply waits while an earlier one to the same chat
is unsent, so a next question never overtakes the answer it follows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, exists, func, literal, select, update
from sqlalchemy.orm import aliased

from surveys.store.database import DbSession, SyncDbSession, as_utc
from surveys.store.schema import Contact, OutboxMessage, ResultsSubscription

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
UNREACHABLE = "unreachable"
FAILED = "failed"
WITHDRAWN = "withdrawn"
INTERRUPTED = "interrupted"

REMINDER = "reminder"
RESULTS = "results"
REPLY = "reply"
"""An answer to something the resident just did, handed over by the bot when Telegram did not take it in time.
Filed, like every message here, under the chat owner's contact key and never a pseudonym: nothing links it to
the resident's answers, and /delete removes it with the rest."""

#: Reasons stored beside a message (never a chat id): why it waits, or why it ended as it did.
REASON_LIMIT = 120


@dataclass(frozen=True, slots=True)
class Outgoing:
    id: int
    kind: str
    survey_id: str
    contact_key: str
    platform: str
    address: str
    text: str | None
    """None only for an edit that changes the buttons alone."""
    buttons: tuple[tuple[tuple[str, str], ...], ...]
    attempts: int
    edit_message_id: int | None = None
    """The platform's message this replaces in place (a question turned into its answer); None: a new message."""
    language: str | None = None
    """The language the text is in (for a platform that needs a template in that language later on)."""
    last_inbound_at: dt.datetime | None = None
    """When the resident last wrote, to the hour (None: not known): WhatsApp's 24-hour window."""


async def enqueue(
    db: DbSession,
    *,
    key: str,
    kind: str,
    survey_id: str,
    contact_key: str,
    platform: str,
    address: str,
    text: str | None,
    buttons: Sequence[Sequence[tuple[str, str]]] = (),
    due_at: dt.datetime,
    now: dt.datetime,
    edit_message_id: int | None = None,
    language: str | None = None,
    last_inbound_at: dt.datetime | None = None,
) -> bool:
    """Queue a message unless one with the same key was ever queued; True if queued now."""
    if await db.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return False
    db.add(OutboxMessage(
        key=key, kind=kind, survey_id=survey_id, contact_key=contact_key, platform=platform, address=address,
        text=text, buttons=json.dumps([list(map(list, row)) for row in buttons]) if buttons else None,
        edit_message_id=edit_message_id, language=language, last_inbound_at=last_inbound_at, state=PENDING,
        attempts=0, due_at=due_at, created_at=now, updated_at=now,
    ))
    await db.flush()
    return True


def _next_in_its_chat() -> ColumnElement[bool]:
    """True for a message that no earlier unsent message of its kind to the same chat waits before."""
    earlier = aliased(OutboxMessage)
    return ~exists().where(
        earlier.platform == OutboxMessage.platform,
        earlier.address == OutboxMessage.address,
        earlier.kind == OutboxMessage.kind,
        earlier.id < OutboxMessage.id,
        earlier.state.in_((PENDING, SENDING)),
    )


async def due(
    db: DbSession, now: dt.datetime, *, replies_only: bool = False, limit: int = 500,
    excluding: Collection[str] = (),
) -> list[tuple[int, str]]:
    """(id, chat) of pending messages that are due and next in their chat, oldest first; the chat is
    "<platform>:<address>", for each platform's pacer. `replies_only` in quiet hours: a resident who wrote to the
    bot at night still gets its answer. `excluding`: platforms resting after a failure."""
    statement = (
        select(OutboxMessage.id, OutboxMessage.platform, OutboxMessage.address)
        .where(OutboxMessage.state == PENDING, OutboxMessage.due_at <= now, _next_in_its_chat())
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    if replies_only:
        statement = statement.where(OutboxMessage.kind == REPLY)
    if excluding:
        statement = statement.where(OutboxMessage.platform.not_in(list(excluding)))
    rows = await db.execute(statement)
    return [(message_id, f"{platform}:{address}") for message_id, platform, address in rows.all()
            if address is not None]


async def next_due(db: DbSession, *, replies_only: bool = False, excluding: Collection[str] = (),
                   platform: str | None = None) -> dt.datetime | None:
    """When the next message that is next in its chat becomes due (of `platform` only, or of every platform
    but those `excluding`)."""
    statement = select(func.min(OutboxMessage.due_at)).where(OutboxMessage.state == PENDING, _next_in_its_chat())
    if replies_only:
        statement = statement.where(OutboxMessage.kind == REPLY)
    if excluding:
        statement = statement.where(OutboxMessage.platform.not_in(list(excluding)))
    if platform is not None:
        statement = statement.where(OutboxMessage.platform == platform)
    moment = await db.scalar(statement)
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
    assert row is not None and row.address is not None
    buttons = tuple(tuple((label, data) for label, data in r) for r in json.loads(row.buttons or "[]"))
    return Outgoing(row.id, row.kind, row.survey_id, row.contact_key, row.platform, row.address, row.text, buttons,
                    row.attempts, row.edit_message_id, row.language,
                    as_utc(row.last_inbound_at) if row.last_inbound_at is not None else None)


async def finish(db: DbSession, message_id: int, state: str, now: dt.datetime, reason: str | None = None) -> None:
    """Sent, unreachable, failed or withdrawn: forget the chat id and the text; keep why (not for sent ones)."""
    await db.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id)
        .values(state=state, address=None, text=None, buttons=None, last_error=_short(reason), updated_at=now)
    )


async def release(db: DbSession, message_id: int, retry_at: dt.datetime, now: dt.datetime, reason: str) -> None:
    """Not delivered (network, timeout, server error, rate limit): back to pending with its chat id, to be tried
    again at `retry_at`."""
    await db.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.state == SENDING)
        .values(state=PENDING, due_at=retry_at, last_error=_short(reason), updated_at=now)
    )


async def give_up_overdue(db: DbSession, queued_before: dt.datetime, now: dt.datetime, why: str) -> int:
    """Messages still unsent that were queued before `queued_before` are failed: their chat ids go. `why`
    comes first in their reason, then the last error they met."""
    reason = literal(why) + func.coalesce(literal("; last error: ") + OutboxMessage.last_error, "")
    result = await db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == PENDING, OutboxMessage.created_at < queued_before)
        .values(state=FAILED, address=None, text=None, buttons=None, updated_at=now,
                last_error=func.substr(reason, 1, REASON_LIMIT))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


async def mark_interrupted(db: DbSession, claimed_before: dt.datetime, now: dt.datetime) -> int:
    """Messages claimed before `claimed_before` and never settled: their sender died during the request. They
    are not sent again (they may have arrived); their chat ids go."""
    result = await db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == SENDING, OutboxMessage.updated_at < claimed_before)
        .values(state=INTERRUPTED, address=None, text=None, buttons=None, updated_at=now,
                last_error="the sender stopped while the request was under way")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


async def replies_waiting(db: DbSession, platform: str, address: str) -> bool:
    """Whether a reply to this chat still waits (so that a new one must queue behind it)."""
    return await db.scalar(select(exists().where(
        OutboxMessage.platform == platform, OutboxMessage.address == address, OutboxMessage.kind == REPLY,
        OutboxMessage.state.in_((PENDING, SENDING)),
    ))) or False


async def forget_unreachable(db: DbSession, platform: str, address: str) -> None:
    """The resident blocked the bot: every way Heard had of writing to that chat goes."""
    for table in (Contact, ResultsSubscription):
        await db.execute(delete(table).where(table.platform == platform, table.address == address))
    await db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.platform == platform, OutboxMessage.address == address,
               OutboxMessage.state == PENDING)
        .values(state=UNREACHABLE, address=None, text=None, buttons=None, last_error="the chat cannot be reached")
    )


def withdraw(db: SyncDbSession, survey_id: str, contact_key: str, kind: str | None = None) -> None:
    """Messages to a resident (by their contact key) that are no longer wanted, before they go out.
    Synchronous: part of the conversation's transaction (surveys.store.transactions)."""
    statement = update(OutboxMessage).where(
        OutboxMessage.survey_id == survey_id, OutboxMessage.contact_key == contact_key,
        OutboxMessage.state == PENDING,
    )
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    db.execute(statement.values(state=WITHDRAWN, address=None, text=None, buttons=None))


async def tally(db: DbSession, kind: str, survey_id: str, key_prefix: str | None = None) -> dict[str, int]:
    """How many messages of a kind are in each state (for the officer)."""
    statement = select(OutboxMessage.state, func.count()).where(
        OutboxMessage.kind == kind, OutboxMessage.survey_id == survey_id
    )
    if key_prefix is not None:
        statement = statement.where(OutboxMessage.key.startswith(key_prefix, autoescape=True))
    return dict((await db.execute(statement.group_by(OutboxMessage.state))).all())


@dataclass(frozen=True, slots=True)
class StateLine:
    """Operational counts for the officer: how many messages are in one state for one reason. No chat ids."""

    state: str
    reason: str | None
    count: int
    most_attempts: int
    next_try: dt.datetime | None
    oldest: dt.datetime | None


async def breakdown(db: DbSession, kind: str, survey_id: str, key_prefix: str | None = None) -> list[StateLine]:
    """Messages of a kind by state and reason, with the next try and the oldest still waiting."""
    statement = select(
        OutboxMessage.state, OutboxMessage.last_error, func.count(), func.max(OutboxMessage.attempts),
        func.min(OutboxMessage.due_at), func.min(OutboxMessage.created_at),
    ).where(OutboxMessage.kind == kind, OutboxMessage.survey_id == survey_id)
    if key_prefix is not None:
        statement = statement.where(OutboxMessage.key.startswith(key_prefix, autoescape=True))
    rows = (await db.execute(statement.group_by(OutboxMessage.state, OutboxMessage.last_error))).all()
    return [
        StateLine(state, reason, count, attempts or 0,
                  as_utc(next_try) if state == PENDING and next_try is not None else None,
                  as_utc(oldest) if state == PENDING and oldest is not None else None)
        for state, reason, count, attempts, next_try, oldest in rows
    ]


def _short(reason: str | None) -> str | None:
    return reason[:REASON_LIMIT] if reason is not None else None
