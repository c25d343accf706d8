"""Results back to residents: those who asked get one short message about their wave, in their language,
and their chat id is deleted as the message is queued."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from surveys.config import Results
from surveys.conversation import Conversations
from surveys.core.model import Survey
from surveys.outreach import outbox
from surveys.outreach.quiet_hours import QuietHours
from surveys.store.database import DbSession
from surveys.store.schema import ResultsSubscription


@dataclass(frozen=True, slots=True)
class TopNeed:
    question: str
    choice: str
    share: float
    """Share of those asked, already through disclosure control (hidden counts never get here)."""


@dataclass(frozen=True, slots=True)
class Digest:
    respondents: int | None
    """None when the wave had fewer respondents than the minimum cell size."""
    needs: Sequence[TopNeed]


def key_prefix(survey_id: str, wave: str | None) -> str:
    return f"results:{survey_id}:{wave or '-'}:"


async def queue_results(
    db: DbSession,
    conversations: Conversations,
    survey: Survey,
    wave: str | None,
    digest: Digest,
    config: Results,
    quiet: QuietHours,
    now: dt.datetime,
) -> int:
    """Queue one message per resident who asked for the results of `wave` (all of the survey's requests
    when it runs without waves) and delete their requests, in one transaction: run it twice and the second
    run queues nothing. Messages wait for quiet hours to end."""
    statement = select(ResultsSubscription).where(ResultsSubscription.survey_id == survey.id)
    if wave is not None:
        statement = statement.where(ResultsSubscription.wave == wave)
    subscriptions = (await db.scalars(statement)).all()
    needs = [(survey.question(n.question), n.choice, n.share) for n in digest.needs if survey.has_question(n.question)]
    due_at = quiet.next_allowed(now)
    offered = conversations.catalogs.for_survey(survey.id).languages
    queued = 0
    for subscription in subscriptions:
        language = subscription.language if subscription.language in offered else None
        renderer = conversations.renderer(survey, language)
        message = renderer.results(digest.respondents, needs, _next_steps(config, renderer.language), config.link)
        queued += await outbox.enqueue(
            db,
            key=key_prefix(survey.id, wave) + subscription.contact_key,
            kind=outbox.RESULTS,
            survey_id=survey.id,
            contact_key=subscription.contact_key,
            platform=subscription.platform,
            address=subscription.address,
            text=message.text,
            due_at=due_at,
            now=now,
            language=renderer.language,
            last_inbound_at=subscription.last_inbound_at,
        )
        await db.execute(delete(ResultsSubscription).where(
            ResultsSubscription.survey_id == survey.id, ResultsSubscription.contact_key == subscription.contact_key
        ))
    return queued


def _next_steps(config: Results, language: str) -> str | None:
    return config.next_steps.get(language) or config.next_steps.get(language.split("_")[0])
