"""Deletion that holds on disk: /delete removes what it says in every role (resident, worker, worker in the
middle of /assist); nothing filed under a resident's pseudonym or contact key outlives it; and a copy of the
SQLite files taken while the bot runs holds no deleted answer or chat id, after /delete, /cancel, closing a
wave, the retention purge and sending the results. And chat ids are never filed beside answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from surveys.core.privacy import pseudonym_for
from surveys.outreach.quiet_hours import quiet_hours_of
from surveys.outreach.results import Digest, TopNeed, queue_results
from surveys.store.schema import (
    AssistSession,
    ConsentRecord,
    Contact,
    OutboxMessage,
    Response,
    ResultsSubscription,
    Session,
    WorkerLink,
)
from surveys.waves import add_wave
from tests.bot.test_trusted_messengers import complete_via, invitation, make_distributor
from tests.support.commands import BIN
from tests.support.config import write_config
from tests.support.database import count
from tests.support.fake_telegram import User
from tests.support.journeys import decline_until_free_text
from tests.support.outreach import NO_QUIET_HOURS, Clock, outreach_jobs, start_and_answer
from tests.support.residents import Resident, new_user, plain

pytestmark = pytest.mark.sqlite_only

#: Ten-digit ids that occur nowhere else in a database file by chance.
_traceable_ids = itertools.count(7_319_468_205, 7_919)
RESULTS_BUTTON = "📬 Ergebnisse an mich senden"


@pytest.fixture
def config_path(tmp_path: Path, database_url: str | None) -> Path:
    """Results go out at any time of day here (quiet hours are tested apart)."""
    return write_config(tmp_path, database_url=database_url, extra=NO_QUIET_HOURS)


def traceable(telegram) -> Resident:  # type: ignore[no-untyped-def]
    user_id = next(_traceable_ids)
    return Resident(telegram, User(id=user_id, first_name="Lina", username=f"lina_{user_id}", language_code="de"))


def on_disk(settings, *needles: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Which of the needles a copy of the database files taken now would hold (heard.db, -wal, -shm)."""
    database = Path(make_url(settings.storage.database_url).database or "")
    content = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    return {needle for needle in needles if needle.encode() in content}


class Traces:
    """What identifies one resident in the files: their chat id, pseudonym and contact key."""

    def __init__(self, running_bot, resident: Resident) -> None:  # type: ignore[no-untyped-def]
        core = running_bot.core
        self.chat_id = str(resident.user.id)
        self.pseudonym = pseudonym_for(core.secret, "needs", "telegram", resident.user.id)
        self.contact_key = core.conversations.contact_key_for(self.pseudonym)

    @property
    def all(self) -> tuple[str, str, str]:
        return self.chat_id, self.pseudonym, self.contact_key


async def complete_with(resident: Resident, text: str, *, remind: bool = False) -> None:
    await resident.send("/start")
    await resident.tap("Ja, und einmal erinnern, falls ich unterbreche" if remind else "Ja, los geht's")
    await decline_until_free_text(resident)
    await resident.send(text)
    assert "Vielen Dank!" in plain(resident.last.text)


async def assist(worker: Resident) -> None:
    """/assist, then wait for the consent question (it follows the worker's own notice, which can come alone)."""
    newest = worker.chat[-1].message_id
    await worker.send("/assist")
    await worker.telegram.wait_until(lambda: any(m.message_id > newest and m.buttons for m in worker.chat))


async def delete_everything(resident: Resident) -> None:
    await resident.send("/delete")
    await resident.tap("Ja, alles löschen")


async def publish_results(running_bot, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    """What `heard-admin results publish` does, in process: queue the messages, then the bot's tick sends."""
    core = running_bot.core
    async with core.db() as db, db.begin():
        await queue_results(db, core.conversations, core.registry.default, None,
                            Digest(12, [TopNeed("language_course", "yes", 0.5)]), core.settings.results,
                            quiet_hours_of(core.settings), clock.now)
    async with outreach_jobs(running_bot, clock) as jobs:
        await jobs.tick()


# ------------------------------------------------------------------------------------------------ /delete


async def test_delete_leaves_no_copy_of_the_answers_or_the_chat_id_in_the_files(running_bot, telegram, settings):
    resident, other = traceable(telegram), Resident(telegram)
    await complete_with(resident, "Zebrafink-Quittung 4711 am Gartenweg")
    await resident.tap(RESULTS_BUTTON)
    await complete_with(other, "Mehr Sprachcafés")
    traces = Traces(running_bot, resident)
    assert on_disk(settings, "Zebrafink-Quittung", *traces.all) == {"Zebrafink-Quittung", *traces.all}, \
        "the answer, the chat id (results request) and the keys are in the files before"

    await delete_everything(resident)
    assert resident.last.text == "Alle Ihre Antworten wurden gelöscht."
    assert on_disk(settings, "Zebrafink-Quittung", *traces.all) == set(), "a copy taken now holds none of it"
    core = running_bot.core
    assert await count(core, Response) == 1 and await count(core, ResultsSubscription) == 0
    assert on_disk(settings, "Mehr Sprachcafés"), "the other resident's answers stay"


async def test_delete_removes_the_messages_filed_under_the_resident_too(running_bot, telegram, settings):
    resident, other = traceable(telegram), traceable(telegram)
    for person in (resident, other):
        await complete_with(person, "Abends Kurse")
        await person.tap(RESULTS_BUTTON)
    await publish_results(running_bot, Clock())
    assert "Ergebnisse" in plain(resident.last.text), "the results message arrived"
    core, traces = running_bot.core, Traces(running_bot, resident)
    assert await count(core, OutboxMessage) == 2

    await delete_everything(resident)
    assert resident.last.text == "Alle Ihre Antworten wurden gelöscht."
    assert await count(core, OutboxMessage, contact_key=traces.contact_key) == 0
    assert await count(core, OutboxMessage) == 1, "the other resident's message record stays"
    assert on_disk(settings, *traces.all) == set()


async def test_a_worker_deleting_during_assist_loses_their_own_records_not_the_people_they_helped(
    running_bot, telegram, settings
):
    core = running_bot.core
    code, _ = await make_distributor(core, "Beratungsstelle Ost")
    worker = Resident(telegram, new_user(language_code="de", name="Worker"))
    await worker.send(f"/start w-{await invitation(core, code)}")
    await complete_with(worker, "Meine eigene Antwort als Anwohnerin")  # the worker answered for themselves
    await assist(worker)  # one assisted questionnaire completed for somebody
    await worker.tap("Ja, los geht's")
    await decline_until_free_text(worker)
    await worker.send("Antwort der begleiteten Person")
    await assist(worker)  # and a second one under way
    await worker.tap("Ja, los geht's")
    await worker.tap("Südstadt")
    await complete_via(Resident(telegram), code)  # a resident reached through the worker's link
    assert (await count(core, Response), await count(core, WorkerLink), await count(core, AssistSession)) == (3, 1, 1)

    await worker.send("/delete")
    await worker.tap("Ja, alles löschen")
    assert worker.last.text == "Alle Ihre Antworten wurden gelöscht."
    own = pseudonym_for(core.secret, "needs", "telegram", worker.user.id)
    for table in (Response, ConsentRecord, Session):
        assert await count(core, table, respondent=own) == 0, table.__tablename__
    assert await count(core, WorkerLink) == 0, "the account is no longer linked to the distributor"
    assert await count(core, AssistSession) == 0 and await count(core, Session) == 0, "the entry under way is gone"
    assert await count(core, Response) == 2, "the questionnaires of the people helped stay"
    assert on_disk(settings, "Meine eigene Antwort", own) == set()
    assert on_disk(settings, "Antwort der begleiteten Person")

    await worker.send("/mystats")
    assert "begonnen:" not in plain(worker.last.text), "no worker commands without a link"


# --------------------------------------------------------------------------------- the other deletions


async def test_cancel_leaves_no_copy_of_the_unfinished_answers_or_the_chat_id(running_bot, telegram, settings):
    resident = traceable(telegram)
    await start_and_answer(resident, remind=True, answers=3)
    traces = Traces(running_bot, resident)
    async with running_bot.core.db() as db:
        unfinished = await db.scalar(select(Session.state))  # the answers so far, as stored
    assert on_disk(settings, traces.chat_id, traces.contact_key, unfinished) == {
        traces.chat_id, traces.contact_key, unfinished}
    await resident.send("/cancel")
    assert "unfertigen Antworten gelöscht" in resident.last.text
    assert on_disk(settings, traces.chat_id, traces.contact_key, unfinished) == set()


async def test_closing_a_wave_leaves_no_copy_of_the_reminder_chat_ids(running_bot, telegram, settings, cli_env):
    async with running_bot.core.db() as db, db.begin():
        await add_wave(db, "needs", "2026-winter", dt.datetime.now(dt.UTC) - dt.timedelta(days=1), None)
    resident = traceable(telegram)
    await start_and_answer(resident, remind=True, answers=2)
    traces = Traces(running_bot, resident)
    async with running_bot.core.db() as db:
        unfinished = await db.scalar(select(Session.state))
    assert traces.chat_id in on_disk(settings, traces.chat_id)
    closing = await asyncio.create_subprocess_exec(  # the officer's command, while the bot runs
        str(BIN / "heard-admin"), "waves", "close", "needs", "2026-winter", env=cli_env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(closing.communicate(), 120)
    assert closing.returncode == 0, err.decode()
    assert "deleted 1 contact record(s)" in out.decode()
    assert on_disk(settings, traces.chat_id, traces.contact_key, unfinished) == set()


async def test_sending_the_results_leaves_no_copy_of_the_chat_id(running_bot, telegram, settings):
    resident = traceable(telegram)
    await complete_with(resident, "Kita-Plätze")
    await resident.tap(RESULTS_BUTTON)
    traces = Traces(running_bot, resident)
    assert traces.chat_id in on_disk(settings, traces.chat_id)
    await publish_results(running_bot, Clock())
    assert "Ergebnisse" in plain(resident.last.text)
    assert on_disk(settings, traces.chat_id) == set(), "the request and the message's chat id are erased"
    assert on_disk(settings, "Kita-Plätze"), "the answers stay"


async def test_the_retention_purge_leaves_no_copy_of_what_it_deleted(running_bot, telegram, settings):
    resident = traceable(telegram)
    await complete_with(resident, "Wohnung in Bahnhofsnähe")
    await resident.tap(RESULTS_BUTTON)
    traces = Traces(running_bot, resident)
    later = Clock(dt.datetime.now(dt.UTC) + dt.timedelta(days=settings.retention.responses_days + 1))
    async with outreach_jobs(running_bot, later) as jobs:
        await jobs.purge()  # the bot's nightly job
    assert await count(running_bot.core, Response) == 0
    assert on_disk(settings, "Wohnung in Bahnhofsnähe", *traces.all) == set()


# --------------------------------------------------------------------------- chat ids never beside answers


async def test_no_contact_results_or_outbox_row_carries_a_pseudonym_of_answers(running_bot, telegram):
    """The whole journey with the reminder and the results: at every step, no value in a row that holds a chat
    id equals (or contains) a pseudonym that responses, sessions or consents carry."""
    core = running_bot.core
    resident = traceable(telegram)
    pseudonyms: set[str] = set()
    contact_values: dict[str, set[str]] = {"contacts": set(), "results_subscriptions": set(), "outbox": set()}

    async def look() -> None:
        async with core.db() as db:
            for table in (Response, Session, ConsentRecord):
                pseudonyms.update((await db.scalars(select(table.respondent))).all())
            for table in (Contact, ResultsSubscription, OutboxMessage):
                for row in (await db.execute(select(table))).scalars().all():
                    contact_values[table.__tablename__].update(
                        str(getattr(row, column.key)) for column in table.__table__.columns
                        if getattr(row, column.key) is not None
                    )

    await start_and_answer(resident, remind=True, answers=2)
    await look()
    clock = Clock(Clock().local(days_ahead=3, hour=10))
    async with outreach_jobs(running_bot, clock) as jobs:
        await jobs.tick()
    reminder = next(m for m in resident.chat if any(b.get("callback_data") == "s" for b in m.buttons))
    await look()
    await resident.tap("Weiter", reminder)
    for _ in range(10):
        await resident.tap("Möchte ich nicht sagen")
    assert "Was sollte die Stadt als Erstes ändern?" in resident.last.text
    await resident.send("Ein Jugendzentrum")
    await resident.tap(RESULTS_BUTTON)
    await look()
    await publish_results(running_bot, clock)
    assert "Ergebnisse" in plain(resident.last.text)
    await look()

    assert all(contact_values.values()) and pseudonyms, "every kind of row was seen"
    assert str(resident.user.id) in contact_values["contacts"] | contact_values["results_subscriptions"]
    linked = {value for values in contact_values.values() for value in values
              if any(pseudonym in value for pseudonym in pseudonyms)}
    assert linked == set(), "a chat id's row names the pseudonym of answers"
