"""The pseudonym key and the database belong together: answers, consents and contacts are filed under keyed
hashes made with one key, and only that key finds them again.

On first use the database records the key's fingerprint (privacy.key_fingerprint, never the key itself); every
start compares it. A missing or different key is refused with one line that says what to do. Without this a
new key would be made silently: returning residents would not be recognised, /delete would report success
while their earlier answers stayed, and a second questionnaire from the same person would be counted twice.
"""

from __future__ import annotations

import datetime as dt
import hmac

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from surveys.config import Storage
from surveys.core.privacy import SecretKeyError, contact_key_for, create_secret, key_fingerprint, read_secret
from surveys.store.database import DbSession
from surveys.store.schema import (
    AssistSession,
    ConsentRecord,
    Contact,
    KeyFingerprint,
    OutboxMessage,
    Response,
    ResultsSubscription,
    Session,
    WorkerLink,
)

#: Tables whose rows were made with the key (pseudonyms, contact keys): a database holding any is not new.
KEYED_TABLES = (Response, Session, ConsentRecord, Contact, ResultsSubscription, OutboxMessage, WorkerLink,
                AssistSession)


def present_secret(storage: Storage) -> bytes | None:
    """The configured key, checked for what can be checked without the database (length, file permissions);
    None if there is none yet."""
    return read_secret(storage.secret_key, storage.secret_key_file)


async def unlock(db: async_sessionmaker[DbSession], storage: Storage, *, may_create: bool) -> bytes:
    """The key this database belongs to. A new key file is made only for a database that holds nothing made
    with a key yet, and only where that is allowed (`may_create`: the embedded SQLite default)."""
    secret = present_secret(storage)
    async with db() as session:
        recorded = await session.get(KeyFingerprint, 1)
        in_use = await _holds_keyed_rows(session)
    if secret is None:
        if in_use:
            raise SecretKeyError(
                f"the key file {storage.secret_key_file} is missing, but this database holds data made with a "
                "key: restore that file from your backup (or set HEARD_SECRET_KEY to the key used so far); Heard "
                "makes no new key, under which returning residents would not be recognised"
            )
        if not may_create:
            raise SecretKeyError(f"no secret key: set HEARD_SECRET_KEY or create {storage.secret_key_file}")
        try:
            secret = create_secret(storage.secret_key_file)
        except FileExistsError:  # another process starting at the same moment made it: use that one
            secret = present_secret(storage)
            assert secret is not None
    if recorded is None:
        recorded = await _record(db, secret)
    if hmac.compare_digest(recorded.fingerprint, key_fingerprint(secret)):
        return secret
    if in_use:
        where = "HEARD_SECRET_KEY" if storage.secret_key else f"the key file {storage.secret_key_file}"
        raise SecretKeyError(
            f"the secret key ({where}) is not the one this database was started with on {recorded.recorded_on}: "
            "put the original key back; with another key returning residents would not be recognised and "
            "/delete would not find their answers"
        )
    async with db() as session, session.begin():  # nothing was made with the old key: adopt the new one
        await session.execute(update(KeyFingerprint).where(KeyFingerprint.id == 1).values(
            fingerprint=key_fingerprint(secret), recorded_on=dt.date.today()))
    return secret


async def _holds_keyed_rows(session: DbSession) -> bool:
    for table in KEYED_TABLES:
        if await session.scalar(select(exists().select_from(table))):
            return True
    return False


async def _record(db: async_sessionmaker[DbSession], secret: bytes) -> KeyFingerprint:
    """First use: remember the key's fingerprint. Contacts kept before contact keys existed (revision 0006)
    are re-filed in the same transaction, so it happens exactly once."""
    try:
        async with db() as session, session.begin():
            recorded = KeyFingerprint(id=1, fingerprint=key_fingerprint(secret), recorded_on=dt.date.today())
            session.add(recorded)
            await session.flush()  # a process recording at the same moment waits here, then fails: never re-files
            await _file_contacts_under_contact_keys(session, secret)
            return recorded
    except IntegrityError:  # another process recorded first: compare with that one
        async with db() as session:
            found = await session.get(KeyFingerprint, 1)
        assert found is not None
        return found


async def _file_contacts_under_contact_keys(session: DbSession, secret: bytes) -> None:
    for table in (Contact, ResultsSubscription):
        for row in (await session.scalars(select(table))).all():
            row.contact_key = contact_key_for(secret, row.contact_key)
    for message in (await session.scalars(select(OutboxMessage))).all():
        pseudonym, message.contact_key = message.contact_key, contact_key_for(secret, message.contact_key)
        message.key = message.key.replace(pseudonym, message.contact_key)
