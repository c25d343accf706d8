"""The database schema: typed SQLAlchemy 2 models. Shape changes go through Alembic migrations only.

What is deliberately absent: platform user ids, names, usernames, phone numbers. Residents appear only as
per-survey pseudonyms (`respondent`). The chat id needed to write to someone (`address` in contacts, results
requests and the outbox) is filed under a contact key (`contact_key`, privacy.contact_key_for), never under a
pseudonym, so no column joins a chat id to answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from surveys.core import answer_codes
from surveys.core.disclosure import new_record_key

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PSEUDONYM = String(64)
CONTACT_KEY = String(64)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SurveyVersion(Base):
    """Each version of a survey definition ever used, so old responses stay interpretable."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[str] = mapped_column(Text)
    registered_on: Mapped[dt.date] = mapped_column(Date)


class ImportedSurvey(Base):
    """A survey imported from an XLSForm, one row per version: its definition (Heard's YAML) and its
    translations (JSON: language -> msgctxt -> text). Kept in the database, not in files, so that an import
    reaches every worker of a deployment (each notices a row newer than the newest it has read), survives a
    rebuilt container image, and never writes into the installed package's folders."""

    __tablename__ = "imported_surveys"
    __table_args__ = (UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[str] = mapped_column(Text)
    translations: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(String(255))
    source_version: Mapped[str | None] = mapped_column(String(255))
    """The form's own version setting, whatever it is (Heard numbers its versions itself)."""
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Session(Base):
    """A conversation in progress; deleted when it ends. `revision` guards against lost updates when two
    events of the same resident are handled at once."""

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("survey_id", "respondent"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(40))
    respondent: Mapped[str] = mapped_column(PSEUDONYM)
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Response(Base):
    """One completed questionnaire. At most one per respondent and survey version."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "survey_version", "respondent"),
        Index("ix_responses_survey", "survey_id", "survey_version"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(40))
    survey_version: Mapped[int] = mapped_column(Integer)
    respondent: Mapped[str] = mapped_column(PSEUDONYM)
    language: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    distributor_id: Mapped[int | None] = mapped_column(ForeignKey("distributors.id", ondelete="SET NULL"))
    """Who handed out the link (or entered the questionnaire); nothing else about that relation is kept."""
    wave: Mapped[str | None] = mapped_column(String(40))
    """The named wave (e.g. 2027-spring) the response was given in, if the survey runs in waves."""
    record_key: Mapped[int] = mapped_column(BigInteger, default=new_record_key)
    """Random, drawn once; the Cell Key Method adds these up to perturb counts (surveys.core.disclosure). Never
    exported: with it, anyone could undo the perturbation."""
    answer_codes: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The answers packed as integer codes (surveys.core.answer_codes), for counting; filled on insert from the
    answers given with the response (see `_pack_answers`). NULL only where a writer left it out: summaries then
    read that response's answer rows instead. Never exported."""
    answer_numbers: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The numbers among the answers, in the order of their codes."""
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


@event.listens_for(Response, "before_insert")
def _pack_answers(_mapper, _connection, response: Response) -> None:  # type: ignore[no-untyped-def]
    """A response added through the ORM with its answers gets their codes in the same INSERT. Writers that insert
    rows without the ORM pass `answer_codes.pack_values(...)` themselves (admin/paper_import.py)."""
    answers = response.__dict__.get("answers")
    if response.answer_codes is None and answers is not None:
        response.answer_codes, response.answer_numbers = answer_codes.pack(
            (a.question, a.choice, a.number, bool(a.declined)) for a in answers)


class Answer(Base):
    """One answer cell, keyed by names: a single choice, one selected option of a multi question (one row
    each), a scale point or number, free text, or a "prefer not to say"."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question", "choice"),
        Index("ix_answers_question_choice", "question", "choice"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[str] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(40))
    choice: Mapped[str | None] = mapped_column(String(40))
    number: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    declined: Mapped[bool] = mapped_column(Boolean, default=False)
    response: Mapped[Response] = relationship(back_populates="answers")


class ConsentRecord(Base):
    """Proof of consent: which consent text (version and hash) and on which day, nothing finer."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("survey_id", "respondent", "text_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(40))
    respondent: Mapped[str] = mapped_column(PSEUDONYM)
    consent_version: Mapped[str] = mapped_column(String(40))
    text_hash: Mapped[str] = mapped_column(String(64))
    given_on: Mapped[dt.date] = mapped_column(Date)


def this_hour() -> dt.datetime:
    """Now, rounded down to the hour: when a resident last wrote is kept no finer (and a window computed from
    it closes early, never late)."""
    return dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


class Contact(Base):
    """How to reach a resident (chat id) for the one agreed reminder; deleted when the session ends."""

    __tablename__ = "contacts"

    survey_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    contact_key: Mapped[str] = mapped_column(CONTACT_KEY, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[dt.date] = mapped_column(Date)
    last_inbound_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=this_hour)
    """When the resident last wrote, to the hour (rounded down): WhatsApp takes free-form messages only within
    24 hours of it (surveys.outreach.reply_window). Kept beside the contact key, never a pseudonym."""


class SeenUpdate(Base):
    """Platform update ids already applied, so a redelivered update is not applied twice. Written in the
    same transaction as the state change it caused."""

    __tablename__ = "seen_updates"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


def seen_update_key(update_id: int) -> int:
    """The platform's update id as `seen_updates` can hold it (a signed 64-bit integer). Telegram's ids are
    positive and far below 2**63 and are kept as they are; any other id (valid JSON all the same) is folded by a
    hash into the negative numbers, where it meets no real id."""
    if 0 <= update_id < 2**63:
        return update_id
    digest = hashlib.sha256(str(update_id).encode("ascii")).digest()
    return -1 - int.from_bytes(digest[:8], "big") % (2**63 - 1)


class Distributor(Base):
    """A trusted messenger: an organisation or outreach worker, known to residents only by an opaque code."""

    __tablename__ = "distributors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_on: Mapped[dt.date] = mapped_column(Date)


class WorkerLink(Base):
    """A worker's Telegram account (as a pseudonym, never the id) linked to their distributor."""

    __tablename__ = "worker_links"

    worker: Mapped[str] = mapped_column(PSEUDONYM, primary_key=True)
    distributor_id: Mapped[int] = mapped_column(ForeignKey("distributors.id", ondelete="CASCADE"))
    linked_on: Mapped[dt.date] = mapped_column(Date)


class Invitation(Base):
    """A one-time code that links a worker's account; only its hash is stored."""

    __tablename__ = "invitations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    distributor_id: Mapped[int] = mapped_column(ForeignKey("distributors.id", ondelete="CASCADE"))
    created_on: Mapped[dt.date] = mapped_column(Date)
    used_on: Mapped[dt.date | None] = mapped_column(Date)


class Referral(Base):
    """One resident consented through a distributor's link. No respondent is recorded, so it counts reach
    without linking a worker to anybody's answers."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_distributor", "distributor_id", "survey_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    distributor_id: Mapped[int] = mapped_column(ForeignKey("distributors.id", ondelete="CASCADE"))
    survey_id: Mapped[str] = mapped_column(String(40))
    started_on: Mapped[dt.date] = mapped_column(Date)
    record_key: Mapped[int] = mapped_column(BigInteger, default=new_record_key)
    """For the Cell Key Method, like Response.record_key: reach figures are perturbed like every count."""


class AssistSession(Base):
    """While a worker enters a questionnaire for someone, their chat speaks for this anonymous respondent.
    Deleted when that questionnaire ends, after which nothing links the worker to it."""

    __tablename__ = "assist_sessions"

    worker: Mapped[str] = mapped_column(PSEUDONYM, primary_key=True)
    respondent: Mapped[str] = mapped_column(PSEUDONYM)
    survey_id: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Wave(Base):
    """A named period in which a survey is open (e.g. 2027-spring); trends compare waves."""

    __tablename__ = "waves"
    __table_args__ = (UniqueConstraint("survey_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(40))
    opens_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)


class ResultsSubscription(Base):
    """A resident asked to hear the results of the wave they answered in: the chat to write to, in which
    language. Deleted when the results message is queued, on /delete, or when retention runs out."""

    __tablename__ = "results_subscriptions"

    survey_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    contact_key: Mapped[str] = mapped_column(CONTACT_KEY, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    wave: Mapped[str | None] = mapped_column(String(40))
    created_on: Mapped[dt.date] = mapped_column(Date)
    last_inbound_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=this_hour)
    """When the resident last wrote, to the hour (rounded down): WhatsApp takes free-form messages only within
    24 hours of it (surveys.outreach.reply_window). Kept beside the contact key, never a pseudonym."""


class OutboxMessage(Base):
    """A message Heard writes on its own (a reminder, a results message) or a reply Telegram did not take in
    time, queued so that sending survives restarts and outages. `key` makes queueing idempotent; a message is
    claimed (state `sending`) in its own transaction before it goes out, so no crash and no second sender can
    ever send it twice. The chat id is kept while the message may still go out and erased as soon as it is
    sent or cannot be."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "due_at"),
        Index("ix_outbox_contact", "survey_id", "contact_key"),
        Index("ix_outbox_chat", "platform", "address"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    survey_id: Mapped[str] = mapped_column(String(40))
    contact_key: Mapped[str] = mapped_column(CONTACT_KEY)
    platform: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[str | None] = mapped_column(Text)
    """JSON: rows of [label, callback data]."""
    edit_message_id: Mapped[int | None] = mapped_column(BigInteger)
    """For a reply that replaces a message in place (a question turned into its answer): that message's id."""
    language: Mapped[str | None] = mapped_column(String(16))
    """The language the message is written in: WhatsApp sends a reminder or results message more than 24 hours
    after the resident last wrote only as the template approved for that language."""
    last_inbound_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """From the contact it was queued for: when the resident last wrote, to the hour (None: not known)."""
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(120))
    """Why the message still waits or why it ended unsent (never a chat id)."""
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    """When it was queued: it is given up after [sending] give_up_after_hours."""
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PaperImport(Base):
    """A file of paper questionnaires that was imported, known by the SHA-256 of its bytes: importing the same
    file again stores nothing, while another file whose rows happen to say the same imports as the new
    questionnaires it holds. `copy` counts deliberate re-imports of identical bytes (`--again`). Nothing here
    links to the responses the file gave."""

    __tablename__ = "paper_imports"
    __table_args__ = (UniqueConstraint("survey_id", "survey_version", "file_sha256", "copy"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(40))
    survey_version: Mapped[int] = mapped_column(Integer)
    file_sha256: Mapped[str] = mapped_column(String(64))
    copy: Mapped[int] = mapped_column(Integer, default=0)
    questionnaires: Mapped[int] = mapped_column(Integer)
    imported_on: Mapped[dt.date] = mapped_column(Date)


class KeyFingerprint(Base):
    """The fingerprint of the pseudonym key this database was started with (privacy.key_fingerprint: a keyed
    hash of a constant, never the key). One row; every start compares it (see surveys/secret_key.py)."""

    __tablename__ = "key_fingerprint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    recorded_on: Mapped[dt.date] = mapped_column(Date)
