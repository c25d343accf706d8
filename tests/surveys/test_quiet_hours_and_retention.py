"""Quiet hours in the municipality's time zone, and retention: what is past its time is deleted."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from surveys.config import Retention
from surveys.outreach.quiet_hours import QuietHours
from surveys.retention import purge
from surveys.store.schema import Answer, ConsentRecord, Contact, Response, ResultsSubscription, Session

BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = QuietHours(dt.time(20, 0), dt.time(9, 0), "Europe/Berlin")


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN).astimezone(dt.UTC)


def test_quiet_hours_across_midnight_in_local_time():
    assert not NIGHT.contains(berlin(2027, 3, 2, 19, 59))
    assert NIGHT.contains(berlin(2027, 3, 2, 20, 0))
    assert NIGHT.contains(berlin(2027, 3, 3, 3, 0))
    assert not NIGHT.contains(berlin(2027, 3, 3, 9, 0))
    assert NIGHT.next_allowed(berlin(2027, 3, 2, 22, 30)) == berlin(2027, 3, 3, 9, 0)
    assert NIGHT.next_allowed(berlin(2027, 3, 3, 6, 0)) == berlin(2027, 3, 3, 9, 0)
    assert NIGHT.next_allowed(berlin(2027, 3, 3, 12, 0)) == berlin(2027, 3, 3, 12, 0)


def test_quiet_hours_follow_summer_time():
    # 19:30 UTC is 20:30 in Berlin in winter (quiet) but 21:30 in summer (quiet); 07:30 UTC is 08:30 in
    # winter (quiet) and 09:30 in summer (not quiet)
    assert NIGHT.contains(dt.datetime(2027, 1, 10, 7, 30, tzinfo=dt.UTC))
    assert not NIGHT.contains(dt.datetime(2027, 7, 10, 7, 30, tzinfo=dt.UTC))
    assert NIGHT.next_allowed(dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC)) == berlin(2027, 3, 28, 9, 0)


async def _count(core, table) -> int:  # type: ignore[no-untyped-def]
    async with core.db() as db:
        return await db.scalar(select(func.count()).select_from(table)) or 0


async def test_purge_deletes_only_what_is_past_retention(core):
    now = dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)
    old_day, recent_day = dt.date(2025, 1, 1), dt.date(2027, 5, 20)
    async with core.db() as db, db.begin():
        for rid, day in (("old", old_day), ("new", recent_day)):
            db.add(Response(id=rid, survey_id="needs", survey_version=1, respondent=f"r-{rid}", language="de",
                            channel="telegram", submitted_on=day, answers=[Answer(question="area", choice="altstadt")]))
            db.add(ConsentRecord(survey_id="needs", respondent=f"r-{rid}", consent_version="v", text_hash=rid * 8,
                                 given_on=day))
            db.add(Contact(survey_id="needs", contact_key=f"r-{rid}", platform="telegram", address="1",
                           created_on=dt.date(2027, 1, 1) if rid == "old" else recent_day))
            db.add(ResultsSubscription(survey_id="needs", contact_key=f"r-{rid}", platform="telegram", address="1",
                                       language="de", wave=None,
                                       created_on=dt.date(2027, 1, 1) if rid == "old" else recent_day))
            db.add(Session(survey_id="needs", respondent=f"r-{rid}", channel="telegram", state="{}", revision=0,
                           updated_at=now - dt.timedelta(days=200 if rid == "old" else 1)))
    retention = Retention(responses_days=730, contacts_days=90)

    async with core.db() as db, db.begin():
        preview = await purge(db, retention, now, dry_run=True)
    assert preview["responses"] == 1 and preview["reminder contacts"] == 1 and preview["unfinished sessions"] == 1
    assert await _count(core, Response) == 2, "a dry run deletes nothing"

    async with core.db() as db, db.begin():
        deleted = await purge(db, retention, now)
    assert deleted == preview
    async with core.db() as db:
        assert (await db.scalars(select(Response.id))).all() == ["new"]
        assert await db.scalar(select(func.count()).select_from(Answer)) == 1
    for table in (ConsentRecord, Contact, ResultsSubscription, Session):
        assert await _count(core, table) == 1, table.__tablename__
