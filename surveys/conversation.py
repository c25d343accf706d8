"""The conversation service: apply one resident event to the stored session, exactly once.

Channels (Telegram, the console) call `handle`; it loads the session, runs the pure engine, and persists the
outcome in one transaction: the new state, or on completion the response with its answers, plus the
update id that caused it, so a redelivered update or a double tap is recognised and changes nothing.

This is the bot's hot path, so it speaks SQLAlchemy Core (no ORM objects, identity map or flush), and a
typical answer is one transaction of four statements: read the session row (FOR UPDATE), record the update
id (an INSERT that does nothing if the id is known: the duplicate check and the record in one statement),
read the survey's waves, write the new state. The last answer adds the response and its answers in one
batch (executemany).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from surveys import distribution
from surveys.core import actions
from surveys.core.answer_codes import pack_values
from surveys.core.engine import (
    AskLanguage,
    Event,
    Notice,
    Prompt,
    Say,
    SessionState,
    SetLanguage,
    Stage,
    Start,
    SurveyClosed,
    Transition,
    Unsupported,
    advance,
    current_prompts,
)
from surveys.core.model import DECLINED, AnswerValue, QuestionType, Survey
from surveys.core.payload import parse_payload
from surveys.core.render import Municipality, Renderer, Wording, wording_for
from surveys.i18n.catalogs import Catalogs
from surveys.outreach import outbox
from surveys.registry import SurveyRegistry
from surveys.store.database import DbSession, SyncDbSession, as_utc
from surveys.store.schema import (
    Answer,
    ConsentRecord,
    Contact,
    OutboxMessage,
    Referral,
    Response,
    ResultsSubscription,
    SeenUpdate,
    Session,
    SurveyVersion,
    seen_update_key,
)
from surveys.store.transactions import ThroughEngine, Transactions
from surveys.waves import open_wave, wave_status
from surveys.workers import forget_worker

RespondentFor = Callable[[str], str]
"""survey id -> the resident's pseudonym in that survey (built by the channel from privacy.pseudonym_for)."""
ContactKeyFor = Callable[[str], str]
"""pseudonym -> the key the resident's chat id is filed under (privacy.contact_key_for with the secret)."""
UpdateNumberFor = Callable[[str, str], int]
"""(platform, string update id) -> the number `seen_updates` keeps (privacy.update_number with the secret)."""

_ATTEMPTS = 8
#: A repeated tap this long after the last change is a resident asking again, not a double tap.
RETAP_AFTER = dt.timedelta(seconds=3)


@dataclass(frozen=True, slots=True)
class Pressed:
    """A button press as the channel received it; decoded against the survey the resident is in."""

    data: str


class _Conflict(Exception):
    """Another worker changed the same session first; the event is applied again on the fresh state."""


@dataclass(frozen=True, slots=True)
class Reply:
    survey: Survey
    state: SessionState
    prompts: tuple[Prompt, ...]
    duplicate: bool = False

    @property
    def language(self) -> str:
        return self.state.language or self.survey.language


class Conversations:
    def __init__(
        self,
        db: async_sessionmaker[DbSession],
        registry: SurveyRegistry,
        catalogs: Catalogs,
        municipality: Municipality,
        time_zone: str = "Europe/Berlin",
        clock: Callable[[], dt.datetime] | None = None,
        reads: async_sessionmaker[DbSession] | None = None,
        *,
        contact_key_for: ContactKeyFor,
        after_deletion: Callable[[], Awaitable[None]],
        update_number_for: UpdateNumberFor | None = None,
        transactions: Transactions | None = None,
    ) -> None:
        self._db = db
        self._transactions = transactions or ThroughEngine(db, reads)
        """Where an event's whole transaction runs (on a SQLite file: one thread, one hand-off per event)."""
        self._update_number_for = update_number_for
        """For platforms whose update ids are strings (WhatsApp's message ids): a keyed hash to a number."""
        self._reads = reads or db
        """Lookups that write nothing (on SQLite they must not take the write lock)."""
        self.contact_key_for = contact_key_for
        self._after_deletion = after_deletion
        """Called once a deletion is committed, before the resident hears of it: no copy stays on disk."""
        self._time_zone = time_zone
        self._clock = clock or _now
        self.registry = registry
        self.catalogs = catalogs
        self.municipality = municipality
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def renderer(self, survey: Survey, language: str | None, wording: Wording = Wording.CHAT) -> Renderer:
        return Renderer(self.catalogs.for_survey(survey.id), survey, language or survey.language, self.municipality,
                        wording)

    async def handle(
        self,
        respondent_for: RespondentFor,
        event: Event | Pressed,
        *,
        channel: str,
        platform: str = "telegram",
        update_id: int | str | None = None,
        contact: str | None = None,
        survey_id: str | None = None,
        client_language: str | None = None,
    ) -> Reply:
        """Apply one event. `client_language` (e.g. Telegram's language_code) preselects the language when
        the event starts a new conversation. `update_id` is the platform's id of the update that carried the
        event (Telegram: a number; WhatsApp: a string): the same id twice is applied once."""
        if isinstance(update_id, str):
            if self._update_number_for is None:
                raise TypeError("string update ids need update_number_for (privacy.update_number with the key)")
            update_id = self._update_number_for(platform, update_id)
        await self.registry.refresh(self._reads, self.catalogs)  # surveys imported since (by another process)
        survey = self.registry.current(survey_id or "") or await self._active_survey(respondent_for)
        respondent = respondent_for(survey.id)
        lock = self._locks.setdefault(respondent, asyncio.Lock())
        async with lock:
            for attempt in range(_ATTEMPTS):
                try:
                    reply, erased = await self._transactions.write(
                        self._apply, survey, respondent, event, channel, platform, update_id, contact, client_language
                    )
                    break
                except (_Conflict, IntegrityError):
                    if attempt == _ATTEMPTS - 1:
                        raise
                    await asyncio.sleep(0.01 * (attempt + 1))
        if erased:
            await self._after_deletion()
        return reply

    async def current(self, respondent_for: RespondentFor) -> Reply | None:
        """What the resident is being asked now, read without changing anything; None outside a conversation.
        For channels that let residents answer by typing the number of an option they were shown."""
        await self.registry.refresh(self._reads, self.catalogs)
        survey = await self._active_survey(respondent_for)
        async with self._reads() as db:
            stored = await db.scalar(
                select(Session.state).where(Session.survey_id == survey.id,
                                            Session.respondent == respondent_for(survey.id))
            )
            if stored is None:
                return None
            state = SessionState.from_json(stored)
            survey = await db.run_sync(self.registry.version, state.survey_id, state.survey_version) or survey
        prompts = current_prompts(survey, state)
        return Reply(survey, state, prompts) if prompts else None

    async def _active_survey(self, respondent_for: RespondentFor) -> Survey:
        """The survey the resident is in the middle of (the most recent, if several), else the default."""
        surveys = self.registry.all_current()
        if len(surveys) == 1:
            return surveys[0]
        conditions = [
            (Session.survey_id == s.id) & (Session.respondent == respondent_for(s.id)) for s in surveys
        ]
        async with self._reads() as db:
            found = await db.scalar(
                select(Session.survey_id).where(or_(*conditions)).order_by(Session.updated_at.desc()).limit(1)
            )
        return self.registry.current(found or "") or self.registry.default

    def _apply(
        self,
        db: SyncDbSession,
        survey: Survey,
        respondent: str,
        event: Event | Pressed,
        channel: str,
        platform: str,
        update_id: int | None,
        contact: str | None,
        client_language: str | None,
    ) -> tuple[Reply, bool]:
        """The reply, and whether something was deleted (unfinished answers, a chat id)."""
        # FOR UPDATE: on PostgreSQL a second worker with the same resident's update waits here for the first to
        # commit and then reads its result, instead of retrying on a stale revision (SQLite ignores it: there
        # BEGIN IMMEDIATE already serialises writers); the revision check below stays as the guarantee
        row = db.connection().execute(_SESSION_ROW, {"survey_id": survey.id, "respondent": respondent}).first()
        state = SessionState.new(survey)
        if row is not None:
            state = SessionState.from_json(row.state)
            survey = self.registry.version(db, state.survey_id, state.survey_version) or survey
        if update_id is not None and not _first_sighting(db, platform, seen_update_key(update_id)):
            # delivered again: applied already, but whether our reply arrived is unknown (a crash between
            # commit and reply), so the current question is shown again rather than nothing
            return Reply(survey, state, current_prompts(survey, state) if row is not None else (),
                         duplicate=True), False
        offered = self.catalogs.for_survey(survey.id)
        remembered = self._remembered_language(db, survey, respondent) if row is None or state.finished else None
        if remembered not in offered.languages:
            remembered = None
        closed = self._closed(db, survey)
        if closed is not None and not isinstance(event, AskLanguage | SetLanguage):
            shown = replace(state, language=state.language or remembered or offered.match(client_language))
            return Reply(survey, shown, (closed,)), False
        if isinstance(event, Pressed) and event.data == actions.SUBSCRIBE_RESULTS and contact is not None:
            promised = self._subscribe_results(db, survey, respondent, platform, contact)
            if promised is not None:
                return promised, False
        if isinstance(event, Pressed):
            event = actions.decode(survey, event.data) or Unsupported("button")
        if isinstance(event, SetLanguage) and event.language not in offered.languages:
            event = Unsupported("language")
        if isinstance(event, Start) and event.language is not None and event.language not in offered.languages:
            event = replace(event, language=offered.match(client_language))
        starts_anew = row is None or state.finished
        if starts_anew and not isinstance(event, Start | SetLanguage):
            event = Start(language=offered.match(client_language))  # any first message opens the survey
        if isinstance(event, Start) and starts_anew:
            hints = parse_payload(event.payload)
            code = hints.distributor
            if remembered is not None and hints.language not in offered.languages:
                event = replace(event, language=remembered)  # the language they chose last time, not the phone's
            event = replace(
                event,
                payload=code if distribution.active_id(db, code) else None,  # unknown codes: organic
                previous_answers=self._previous_answers(db, survey, respondent),
                reachable=contact is not None,
            )
        transition = advance(survey, state, event)
        erased = self._persist(db, survey, respondent, row, state, transition, channel, platform, contact)
        prompts = transition.prompts
        if transition.duplicate and row is not None and self._clock() - as_utc(row.updated_at) > RETAP_AFTER:
            # not a double tap but a resident tapping again because no answer came (e.g. the bot crashed
            # after saving): show where they are
            prompts = current_prompts(survey, transition.state)
        return Reply(survey, transition.state, prompts, transition.duplicate), erased

    def _persist(
        self,
        db: SyncDbSession,
        survey: Survey,
        respondent: str,
        row: Row[Any] | None,
        before: SessionState,
        transition: Transition,
        channel: str,
        platform: str,
        contact: str | None,
    ) -> bool:
        """Store the transition; True if it deleted unfinished answers or a chat id."""
        after = transition.state
        core = db.connection()  # Core statements on the connection: no ORM bookkeeping on the hot path
        if after.stage is Stage.COMPLETED:
            self._save_response(db, survey, respondent, after, row.channel if row else channel)
        if after.finished:
            if row is not None:
                core.execute(delete(_SESSIONS).where(_SESSIONS.c.id == row.id))
            contact_key = self.contact_key_for(respondent)
            contacts = Contact.__table__
            forgotten = core.execute(
                delete(contacts).where(contacts.c.survey_id == survey.id, contacts.c.contact_key == contact_key)
            )
            outbox.withdraw(db, survey.id, contact_key, outbox.REMINDER)
            return bool(forgotten.rowcount) or (row is not None and after.stage is not Stage.COMPLETED)
        if before.stage in (Stage.CONSENT, Stage.RETURNING) and after.stage is Stage.ANSWERING:
            self._record_consent(db, survey, respondent, after, before.stage is Stage.CONSENT, platform)
            distributor_id = distribution.active_id(db, after.payload)
            if distributor_id is not None and before.stage is Stage.CONSENT:
                db.add(Referral(distributor_id=distributor_id, survey_id=survey.id, started_on=dt.date.today()))
            if contact is not None and after.remind:  # the chat id is kept only for the agreed reminder
                db.merge(Contact(survey_id=survey.id, contact_key=self.contact_key_for(respondent),
                                 platform=platform, address=contact, created_on=dt.date.today()))
        if after == before and row is not None:
            return False
        if row is None:
            core.execute(insert(_SESSIONS).values(survey_id=survey.id, respondent=respondent, channel=channel,
                                                  state=after.to_json(), revision=0, updated_at=_now()))
            return False
        result = core.execute(_NEXT_STATE, {
            "row_id": row.id, "seen_revision": row.revision, "new_state": after.to_json(),
            "new_revision": row.revision + 1, "now": _now()})
        if result.rowcount != 1:
            raise _Conflict
        return False

    def _closed(self, db: SyncDbSession, survey: Survey) -> SurveyClosed | None:
        """A survey that runs in waves takes answers only while one is open."""
        status = wave_status(db, survey.id, self._clock(), self._time_zone)
        if status is None or status.open:
            return None
        return SurveyClosed(status.next_opens.isoformat() if status.next_opens else None)

    def _subscribe_results(
        self, db: SyncDbSession, survey: Survey, respondent: str, platform: str, contact: str
    ) -> Reply | None:
        """"Send me the results", pressed after the last answer: keep the chat id for that one message.
        None if there is no completed response to hear back about."""
        response = db.scalar(
            select(Response).where(Response.survey_id == survey.id, Response.respondent == respondent)
            .order_by(Response.survey_version.desc()).limit(1)
        )
        if response is None:
            return None
        db.merge(ResultsSubscription(
            survey_id=survey.id, contact_key=self.contact_key_for(respondent), platform=platform, address=contact,
            language=response.language, wave=response.wave, created_on=self._clock().date(),
        ))
        state = replace(SessionState.new(survey), language=response.language)
        return Reply(survey, state, (Say(Notice.RESULTS_PROMISED),))

    def _record_consent(
        self, db: SyncDbSession, survey: Survey, respondent: str, state: SessionState, fresh: bool, platform: str
    ) -> None:
        # the text this channel showed (a terminal interview's speaks of no account and no /delete)
        text_hash = self.renderer(survey, state.language, wording_for(platform)).consent_hash()
        exists = db.scalar(
            select(ConsentRecord.id).where(
                ConsentRecord.survey_id == survey.id,
                ConsentRecord.respondent == respondent,
                ConsentRecord.text_hash == text_hash,
            )
        )
        if exists is None and fresh:
            db.add(ConsentRecord(survey_id=survey.id, respondent=respondent,
                                 consent_version=f"{survey.id}@{survey.version}/{state.language}",
                                 text_hash=text_hash, given_on=dt.date.today()))

    def _save_response(
        self, db: SyncDbSession, survey: Survey, respondent: str, state: SessionState, channel: str
    ) -> None:
        """Write the completed response; a resident who started again replaces their earlier one."""
        core, responses = db.connection(), Response.__table__
        core.execute(
            delete(responses).where(
                responses.c.survey_id == survey.id,
                responses.c.survey_version == survey.version,
                responses.c.respondent == respondent,
            )
        )
        response_id = secrets.token_hex(16)
        answers = answer_values(survey, state.answers)
        packed = pack_values(answers)  # what summaries count (surveys/core/answer_codes.py)
        core.execute(insert(responses).values(
            answer_codes=packed.codes,
            answer_numbers=packed.numbers,
            id=response_id,
            survey_id=survey.id,
            survey_version=survey.version,
            respondent=respondent,
            language=state.language or survey.language,
            channel=channel,
            submitted_on=dt.date.today(),
            distributor_id=distribution.active_id(db, state.payload),
            wave=wave.name if (wave := open_wave(db, survey.id, self._clock())) else None,
        ))
        if answers:  # one executemany, not one INSERT per answer
            core.execute(insert(Answer.__table__), [{**values, "response_id": response_id} for values in answers])

    def _remembered_language(self, db: SyncDbSession, survey: Survey, respondent: str) -> str | None:
        """The language the resident chose for their last completed response (stored with it anyway, under
        the same pseudonym): after the survey, Heard keeps speaking it without storing anything more."""
        return db.scalar(
            select(Response.language).where(Response.survey_id == survey.id, Response.respondent == respondent)
            .order_by(Response.submitted_on.desc(), Response.survey_version.desc()).limit(1)
        )

    def _previous_answers(self, db: SyncDbSession, survey: Survey, respondent: str) -> dict[str, AnswerValue]:
        response = db.scalar(
            select(Response).where(
                Response.survey_id == survey.id,
                Response.survey_version == survey.version,
                Response.respondent == respondent,
            )
        )
        if response is None:
            return {}
        rows = (db.scalars(select(Answer).where(Answer.response_id == response.id))).all()
        return answers_from_rows(survey, rows)

    async def language_of(self, respondent_for: RespondentFor, client_language: str | None) -> str | None:
        """The language the resident speaks with Heard: that of their conversation under way, else the one they
        chose for their last completed response (both under their pseudonyms, nothing stored for this), else
        the shipped language their client asks for."""
        surveys = self.registry.all_current()
        mine = [(s.id, respondent_for(s.id)) for s in surveys]
        async with self._reads() as db:
            stored = await db.scalar(
                select(Session.state).where(or_(*((Session.survey_id == survey_id) & (Session.respondent == who)
                                                  for survey_id, who in mine)))
                .order_by(Session.updated_at.desc()).limit(1)
            )
            language = SessionState.from_json(stored).language if stored is not None else None
            if not language:
                language = await db.scalar(
                    select(Response.language).where(or_(*(
                        (Response.survey_id == survey_id) & (Response.respondent == who) for survey_id, who in mine)))
                    .order_by(Response.submitted_on.desc()).limit(1)
                )
        if language and language in self.catalogs.languages:
            return language
        return self.catalogs.match(client_language)

    async def erase(self, respondent_for: RespondentFor, *, worker: str | None = None) -> int:
        """Delete everything stored about a person in every survey, in one transaction: sessions, responses
        (with their answers) and consents under their pseudonyms; reminder contacts, results requests and
        outbox messages under their contact keys; and, with `worker` (their pseudonym as an outreach worker),
        the link to a distributor and an assisted entry under way. Returns how many records were deleted. When
        it returns, the deletion has reached the files on disk too (or, if another process's long read holds
        SQLite's log, it does within seconds of that read ending: store.database.DeletionCheckpoints)."""
        async with self._db() as db, db.begin():
            survey_ids = set((await db.scalars(select(SurveyVersion.survey_id))).all())
            survey_ids |= {s.id for s in self.registry.all_current()}
            deleted = await forget_worker(db, worker) if worker is not None else 0
            for survey_id in sorted(survey_ids):
                respondent = respondent_for(survey_id)
                for table in (Session, Response, ConsentRecord):
                    result = await db.execute(
                        delete(table).where(table.survey_id == survey_id, table.respondent == respondent)
                    )
                    deleted += result.rowcount or 0
                contact_key = self.contact_key_for(respondent)
                for keyed in (Contact, ResultsSubscription, OutboxMessage):
                    result = await db.execute(
                        delete(keyed).where(keyed.survey_id == survey_id, keyed.contact_key == contact_key)
                    )
                    deleted += result.rowcount or 0
        await self._after_deletion()
        return deleted


def answer_rows(survey: Survey, answers: Mapping[str, AnswerValue]) -> list[Answer]:
    """Answers as rows keyed by names: one per selected option of a multi question."""
    return [Answer(**values) for values in answer_values(survey, answers)]


def answer_values(survey: Survey, answers: Mapping[str, AnswerValue]) -> list[dict[str, Any]]:
    """The column values of `answer_rows` (every column but the response), for bulk inserts that need no ORM
    objects (paper import)."""
    rows: list[dict[str, Any]] = []

    def row(name: str, *, choice: str | None = None, number: int | None = None, text: str | None = None,
            declined: bool = False) -> dict[str, Any]:
        return {"question": name, "choice": choice, "number": number, "text": text, "declined": declined}

    for name, value in answers.items():
        kind = survey.question(name).type
        if value == DECLINED:
            rows.append(row(name, declined=True))
        elif isinstance(value, tuple):
            # one row without a choice says "answered" (also when nothing was chosen), so that summaries count
            # respondents per question in one pass, without COUNT(DISTINCT)
            rows += [row(name), *(row(name, choice=choice) for choice in value)]
        elif isinstance(value, int):
            rows.append(row(name, number=value))
        elif kind in (QuestionType.TEXT, QuestionType.DECIMAL, QuestionType.DATE, QuestionType.TIME):
            rows.append(row(name, text=value))
        else:
            rows.append(row(name, choice=value))
    return rows


def answers_from_rows(survey: Survey, rows: Sequence[Answer]) -> dict[str, AnswerValue]:
    answers: dict[str, AnswerValue] = {}
    for row in rows:
        if not survey.has_question(row.question):
            continue
        question = survey.question(row.question)
        if row.declined:
            answers[row.question] = DECLINED
        elif question.type is QuestionType.MULTI:
            existing = answers.get(row.question, ())
            assert isinstance(existing, tuple)
            answers[row.question] = (*existing, row.choice) if row.choice else existing
        elif row.number is not None:
            answers[row.question] = row.number
        else:
            answers[row.question] = row.choice or row.text or ""
    for name, value in answers.items():
        if isinstance(value, tuple):  # rows come in any order; keep the survey's order of options
            order = [c.name for c in survey.question(name).choices]
            answers[name] = tuple(sorted(value, key=lambda v: order.index(v) if v in order else len(order)))
    return answers


def _first_sighting(db: SyncDbSession, platform: str, update_id: int) -> bool:
    """Record the update id; False if it was recorded before (a redelivery). One INSERT ... ON CONFLICT DO
    NOTHING, in the transaction that applies the update: rolled back with it, so an update whose change
    was not stored is not taken for seen. On PostgreSQL a second worker holding the same update waits here
    for the first to commit, then sees the conflict."""
    connection = db.connection()
    statement = _RECORD_UPDATE_ID[connection.dialect.name == "postgresql"]
    result = connection.execute(statement, {"platform": platform, "update_id": update_id, "now": _now()})
    return bool(result.rowcount)


# -- the hot path's statements, built once: no statement construction or cache key per answer, and executed on
# the connection (Core), not through the ORM session ------------------------------------------------------------

_SESSIONS = Session.__table__
_SESSION_ROW = (
    select(_SESSIONS.c.id, _SESSIONS.c.state, _SESSIONS.c.revision, _SESSIONS.c.channel, _SESSIONS.c.updated_at)
    .where(_SESSIONS.c.survey_id == bindparam("survey_id"), _SESSIONS.c.respondent == bindparam("respondent"))
    .with_for_update()
)
"""The resident's session row. FOR UPDATE: see Conversations._apply."""
_NEXT_STATE = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("row_id"), _SESSIONS.c.revision == bindparam("seen_revision"))
    .values(state=bindparam("new_state"), revision=bindparam("new_revision"), updated_at=bindparam("now"))
)
"""The new state, only if nobody changed the row since it was read (the revision)."""
_RECORD_UPDATE_ID = {
    on_postgresql: dialect_insert(SeenUpdate.__table__)
    .values(platform=bindparam("platform"), update_id=bindparam("update_id"), seen_at=bindparam("now"))
    .on_conflict_do_nothing()
    for on_postgresql, dialect_insert in ((True, postgresql.insert), (False, sqlite.insert))
}
"""`_first_sighting`'s INSERT, by whether the database is PostgreSQL (else SQLite)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)

