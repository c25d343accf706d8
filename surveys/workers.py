"""Outreach workers in the chat: linking their account, their reach, and assisted entry.

A worker is known by a pseudonym in its own namespace. During assisted entry the worker's chat speaks for a
fresh anonymous respondent; the mapping is deleted when that questionnaire ends, so afterwards nothing links
the worker to the answers except the distributor id every attributed response carries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from surveys import distribution
from surveys.core.privacy import anonymous_pseudonym
from surveys.distribution import Reach
from surveys.store.database import DbSession, SyncDbSession
from surveys.store.schema import AssistSession, Distributor, Session, WorkerLink
from surveys.store.transactions import ThroughEngine, Transactions


@dataclass(frozen=True, slots=True)
class AssistTarget:
    respondent: str
    survey_id: str


class Workers:
    def __init__(
        self, db: async_sessionmaker[DbSession], min_cell: int, reads: async_sessionmaker[DbSession] | None = None,
        transactions: Transactions | None = None,
    ) -> None:
        self._db = db
        self._reads = reads or db
        """Lookups on every update must not take SQLite's write lock."""
        self._transactions = transactions or ThroughEngine(db, self._reads)
        self.min_cell = min_cell

    async def link(self, token: str, worker: str) -> Distributor | None:
        async with self._db() as db, db.begin():
            return await distribution.redeem_invitation(db, token, worker)

    async def distributor(self, worker: str) -> Distributor | None:
        async with self._reads() as db:
            return await distribution.distributor_of_worker(db, worker)

    async def reach(self, distributor_id: int) -> list[Reach]:
        async with self._db() as db:
            return await distribution.reach(db, distributor_id, self.min_cell)

    async def assist_target(self, worker: str) -> AssistTarget | None:
        """Whether this account enters for someone. Asked on every update: one read in one hand-off
        (surveys.store.transactions), Core columns, no ORM object."""
        return await self._transactions.read(_assist_target, worker)

    async def start_assist(self, worker: str, survey_id: str) -> AssistTarget:
        target = AssistTarget(anonymous_pseudonym(), survey_id)
        async with self._db() as db, db.begin():
            await db.merge(AssistSession(worker=worker, respondent=target.respondent, survey_id=survey_id,
                                         started_at=dt.datetime.now(dt.UTC)))
        return target

    async def end_assist(self, worker: str) -> None:
        async with self._db() as db, db.begin():
            await db.execute(delete(AssistSession).where(AssistSession.worker == worker))


_ASSISTS = AssistSession.__table__
_ASSIST_OF_WORKER = select(_ASSISTS.c.respondent, _ASSISTS.c.survey_id).where(_ASSISTS.c.worker == bindparam("worker"))
"""Built once (Core, on the connection): asked on every update."""


def _assist_target(db: SyncDbSession, worker: str) -> AssistTarget | None:
    row = db.connection().execute(_ASSIST_OF_WORKER, {"worker": worker}).first()
    return AssistTarget(row.respondent, row.survey_id) if row else None


async def forget_worker(db: DbSession, worker: str) -> int:
    """A worker's /delete: the link to their distributor, and an assisted entry under way with its unfinished
    answers (nobody could finish it any more). Returns how many records were deleted. Completed assisted
    questionnaires stay: they belong to the people who answered them and link to no one."""
    deleted = 0
    assisting = (await db.execute(select(AssistSession.survey_id, AssistSession.respondent)
                                  .where(AssistSession.worker == worker))).all()
    for survey_id, respondent in assisting:
        result = await db.execute(delete(Session).where(Session.survey_id == survey_id,
                                                        Session.respondent == respondent))
        deleted += result.rowcount or 0
    for table in (AssistSession, WorkerLink):
        deleted += (await db.execute(delete(table).where(table.worker == worker))).rowcount or 0
    return deleted
