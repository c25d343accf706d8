"""Trusted messengers: distributors, their links and invitations, worker accounts, and their reach.

Shared by heard-admin (officers register distributors) and the bot (workers see their reach). A distributor
is known to residents only by an opaque random code; a worker's Telegram account only by a pseudonym; a
resident's answers carry the distributor id and nothing else about the relation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import func, select

from surveys.core.disclosure import EMPTY, Cell, Tally, disclose
from surveys.core.payload import build_payload
from surveys.store.database import DbSession, SyncDbSession
from surveys.store.schema import Distributor, Invitation, Referral, Response, WorkerLink

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 10
INVITE_PREFIX = "w-"
INVITATION_DAYS = 14
WORKER_NAMESPACE = "-workers-"
"""The pseudonym namespace of workers' accounts (survey ids are slugs, so it never collides with one)."""


class DistributorError(Exception):
    """An officer's request that cannot be done; the message says why."""


def new_code() -> str:
    """Random letters and digits only: no names, and never the "--" that separates link segments."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def deep_link(bot_username: str, code: str | None = None, language: str | None = None,
              survey: str | None = None) -> str:
    payload = build_payload(code, language, survey)
    return f"https://t.me/{bot_username.lstrip('@')}?start={quote(payload)}"


#: The word a wa.me link types in before the code: understood in every language (bot/whatsapp/words.py).
WHATSAPP_START_WORD = "start"


def whatsapp_link(number: str, code: str | None = None, language: str | None = None,
                  survey: str | None = None) -> str:
    """A wa.me link that opens a chat with the municipality's WhatsApp number, with the start word and the
    distributor's code already typed in: the resident only presses send."""
    payload = build_payload(code, language, survey) if (code or language or survey) else ""
    text = f"{WHATSAPP_START_WORD} {payload}".strip()
    return f"https://wa.me/{number.lstrip('+')}?text={quote(text)}"


async def add_distributor(
    db: DbSession, name: str, language: str | None = None, note: str | None = None
) -> Distributor:
    if not name.strip():
        raise DistributorError("a distributor needs a name")
    distributor = Distributor(code=new_code(), name=name.strip(), language=language, note=note, active=True,
                              created_on=dt.date.today())
    db.add(distributor)
    await db.flush()
    return distributor


async def by_code(db: DbSession, code: str) -> Distributor:
    distributor = await db.scalar(select(Distributor).where(Distributor.code == code))
    if distributor is None:
        raise DistributorError(f"no distributor with code {code!r} (see `heard-admin distributors list`)")
    return distributor


def active_id(db: SyncDbSession, code: str | None) -> int | None:
    """The id behind a code from a link, if it is a known, active distributor; otherwise None ("organic").
    Synchronous: asked inside the conversation's transaction (surveys.store.transactions)."""
    if not code:
        return None
    return db.scalar(select(Distributor.id).where(Distributor.code == code, Distributor.active.is_(True)))


async def create_invitation(db: DbSession, distributor: Distributor) -> str:
    """A one-time token that links a worker's Telegram account to the distributor; only its hash is kept."""
    if not distributor.active:
        raise DistributorError(f"{distributor.code} is deactivated")
    token = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
    db.add(Invitation(token_hash=_hash(token), distributor_id=distributor.id, created_on=dt.date.today()))
    return token


async def redeem_invitation(db: DbSession, token: str, worker: str) -> Distributor | None:
    """Link the worker (pseudonym) if the token is unused, not expired and its distributor active."""
    invitation = await db.get(Invitation, _hash(token))
    if invitation is None or invitation.used_on is not None:
        return None
    if invitation.created_on < dt.date.today() - dt.timedelta(days=INVITATION_DAYS):
        return None
    distributor = await db.get(Distributor, invitation.distributor_id)
    if distributor is None or not distributor.active:
        return None
    invitation.used_on = dt.date.today()
    await db.merge(WorkerLink(worker=worker, distributor_id=distributor.id, linked_on=dt.date.today()))
    return distributor


async def distributor_of_worker(db: DbSession, worker: str) -> Distributor | None:
    return await db.scalar(
        select(Distributor)
        .join(WorkerLink, WorkerLink.distributor_id == Distributor.id)
        .where(WorkerLink.worker == worker, Distributor.active.is_(True))
    )


@dataclass(frozen=True)
class Reach:
    survey_id: str
    started: Cell
    completed: Cell


async def reach(db: DbSession, distributor_id: int, k: int) -> list[Reach]:
    """Started (consented) and completed per survey, through the disclosure function like every count: the
    completed cell is the same cell as this distributor's group in a summary broken down by distributor."""
    started = {survey_id: Tally(n, int(key_sum or 0)) for survey_id, n, key_sum in await db.execute(
        select(Referral.survey_id, func.count(), func.sum(Referral.record_key))
        .where(Referral.distributor_id == distributor_id).group_by(Referral.survey_id)
    )}
    completed = {survey_id: Tally(n, int(key_sum or 0)) for survey_id, n, key_sum in await db.execute(
        select(Response.survey_id, func.count(), func.sum(Response.record_key))
        .where(Response.distributor_id == distributor_id).group_by(Response.survey_id)
    )}
    return [
        Reach(survey_id, disclose(started.get(survey_id, EMPTY), k), disclose(completed.get(survey_id, EMPTY), k))
        for survey_id in sorted(set(started) | set(completed))
    ]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
