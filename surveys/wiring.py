"""Open what every shell needs, from settings: the migrated database, the surveys, the catalogs, the
conversation service. The bot, the console and the admin CLI all start here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from surveys.config import Settings
from surveys.conversation import Conversations
from surveys.core.privacy import contact_key_for, update_number
from surveys.core.render import Municipality
from surveys.forms.loader import load_survey
from surveys.i18n import tooling as translations
from surveys.i18n.catalogs import BOT_DOMAIN, Catalogs
from surveys.i18n.tooling import CatalogProblem, check_catalogs
from surveys.registry import SurveyRegistry
from surveys.secret_key import present_secret, unlock
from surveys.store.database import DbSession, DeletionCheckpoints, connect, is_sqlite, migrate, session_factory
from surveys.store.schema import SeenUpdate
from surveys.store.transactions import ThroughEngine, Transactions, transactions_for

log = logging.getLogger(__name__)

#: Where the outcome of the catalog check is kept, beside the catalogs it checked (see checked_catalogs).
CHECK_RECORD = ".catalog-check.json"

#: Telegram keeps undelivered updates for 24 hours; ids older than this cannot come again.
UPDATE_ID_MEMORY = dt.timedelta(days=2)


async def forget_old_update_ids(session: DbSession) -> None:
    await session.execute(delete(SeenUpdate).where(SeenUpdate.seen_at < dt.datetime.now(dt.UTC) - UPDATE_ID_MEMORY))


def offered_languages(catalogs: Catalogs, registry: SurveyRegistry) -> Catalogs:
    """Withhold every language whose catalogs fail `translations check`, so that no resident ever sees a
    message key, an empty label or two languages mixed in one message: a gap in the bot's own texts withholds
    the language everywhere, a gap in one survey's texts only for that survey."""
    problems = checked_catalogs(catalogs, registry.files())
    everywhere = {p.language for p in problems if p.domain == BOT_DOMAIN}
    per_survey: dict[str, set[str]] = {}
    for problem in problems:
        if problem.domain != BOT_DOMAIN and problem.language not in everywhere:
            per_survey.setdefault(problem.domain.removeprefix("survey-"), set()).add(problem.language)
    for code in sorted({p.language for p in problems}):
        count = sum(1 for p in problems if p.language == code)
        where = "everywhere" if code in everywhere else "in " + ", ".join(
            sorted(s for s, codes in per_survey.items() if code in codes))
        log.warning("language %s is withheld %s: %d translation problem(s); see `heard-admin translations check %s`",
                    code, where, count, code)
    return catalogs.without(everywhere, per_survey)


def checked_catalogs(catalogs: Catalogs, survey_files: list[Path]) -> list[CatalogProblem]:
    """`check_catalogs` over these surveys, or its stored outcome when nothing it reads has changed since: the
    check reads every catalog of every language (most of a second of CPU at each start), while its inputs
    (the .po files, the survey files, the checking code) change only with a deployment. The record lives beside
    the catalogs, keyed by a SHA-256 of all those inputs; where that folder is read-only, the check runs."""
    digest = hashlib.sha256(Path(translations.__file__).read_bytes())
    for path in sorted(catalogs.locales_dir.glob("*/LC_MESSAGES/*.po")) + sorted(survey_files):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(",".join(sorted(catalogs.languages)).encode())
    fingerprint = digest.hexdigest()
    record = catalogs.locales_dir / CHECK_RECORD
    try:
        stored = json.loads(record.read_text(encoding="utf-8"))
        if stored.get("fingerprint") == fingerprint:
            return [CatalogProblem(**problem) for problem in stored["problems"]]
    except (OSError, ValueError, TypeError, KeyError):
        pass
    problems = check_catalogs(catalogs, [load_survey(path) for path in survey_files])
    try:
        written = record.with_name(f"{CHECK_RECORD}.{os.getpid()}")
        written.write_text(json.dumps({"fingerprint": fingerprint,
                                       "problems": [dataclasses.asdict(p) for p in problems]}), encoding="utf-8")
        written.replace(record)  # atomic: a worker starting at the same time reads the old record or this one
    except OSError:
        log.debug("the catalog check's outcome cannot be kept in %s", record.parent)
    return problems


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    db: async_sessionmaker[DbSession]
    registry: SurveyRegistry
    catalogs: Catalogs
    conversations: Conversations
    secret: bytes = field(repr=False)
    """The pseudonym key, checked against the database's fingerprint of it (surveys/secret_key.py)."""
    checkpoints: DeletionCheckpoints
    """`await core.checkpoints.after_deletion()` after deleting outside the conversation service (waves,
    retention, sent messages), so no copy of the deleted rows stays on disk."""
    reads: async_sessionmaker[DbSession] | None = None
    """For lookups that write nothing (on SQLite: deferred transactions that never wait for the write lock)."""
    reads_engine: AsyncEngine | None = None
    transactions: Transactions | None = None
    """Where the conversation's transactions run (surveys.store.transactions)."""

    async def close(self) -> None:
        await self.checkpoints.close()
        if self.transactions is not None:
            await self.transactions.close()
        await self.engine.dispose()
        if self.reads_engine is not None:
            await self.reads_engine.dispose()


async def open_core(
    settings: Settings,
    catalogs: Catalogs | None = None,
    *,
    writes: bool = True,
    clock: Callable[[], dt.datetime] | None = None,
) -> Runtime:
    """Migrate the database, check the key against it, load surveys, and record their versions. `writes=False`
    is for read-only work (summaries, reports, exports): deferred SQLite transactions that never block the bot.
    A key that cannot be used ends here with privacy.SecretKeyError."""
    present_secret(settings.storage)  # a short key or a key file others can read: refused before anything else
    engine = connect(settings.storage.database_url, writes=True)
    db = session_factory(engine)
    try:
        await migrate(engine)
        secret = await unlock(db, settings.storage, may_create=is_sqlite(settings.storage.database_url))
    except BaseException:
        await engine.dispose()
        raise
    registry = SurveyRegistry(settings)
    async with db() as session, session.begin():
        await registry.load_imported(session)
        registry.require_default()
        await registry.record_versions(session)
        await forget_old_update_ids(session)
    if not writes:
        await engine.dispose()
        engine = connect(settings.storage.database_url, writes=False)
        db = session_factory(engine)
    catalogs = offered_languages(catalogs or Catalogs(), registry)
    registry.offer_imported_languages(catalogs)
    municipality = Municipality(settings.municipality.name, settings.municipality.privacy_contact)
    reads_engine = connect(settings.storage.database_url, writes=False) if writes else None
    reads = session_factory(reads_engine) if reads_engine is not None else db
    checkpoints = DeletionCheckpoints(engine)
    transactions = transactions_for(settings.storage.database_url, db, reads) if writes else ThroughEngine(db)
    conversations = Conversations(db, registry, catalogs, municipality, settings.municipality.time_zone, clock,
                                  reads=reads, contact_key_for=partial(contact_key_for, secret),
                                  after_deletion=checkpoints.after_deletion,
                                  update_number_for=partial(update_number, secret), transactions=transactions)
    return Runtime(settings, engine, db, registry, catalogs, conversations, secret, checkpoints, reads, reads_engine,
                   transactions)
