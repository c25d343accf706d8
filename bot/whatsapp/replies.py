"""Replies on WhatsApp that reach the resident even when the Graph API fails, as Telegram's do (bot.telegram.delivery).

The client retries each reply briefly (bot.whatsapp.graph); what WhatsApp still does not take (5xx, time-outs,
130429) is handed to the outbox with the rest of the reply, in order, so that the running sender delivers it
as soon as WhatsApp answers again, once. Later replies to the same resident queue behind it. Queued replies
are filed under the chat owner's contact key (never a pseudonym of answers), so "delete" withdraws them too.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.whatsapp.graph import GraphClient, GraphError
from bot.whatsapp.payloads import Audio, Payload, stored
from surveys.conversation import Conversations
from surveys.outreach import outbox
from surveys.store.database import DbSession

log = logging.getLogger(__name__)

PLATFORM = "whatsapp"


class Replies:
    """Sends a reply's messages; queues in the outbox what WhatsApp does not take."""

    def __init__(self, conversations: Conversations, graph: GraphClient, db: async_sessionmaker[DbSession],
                 reads: async_sessionmaker[DbSession] | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self._conversations = conversations
        self._graph = graph
        self._db = db
        self._reads = reads or db
        self._clock = clock
        self._queued_for: set[str] = set()
        """Residents this process queued replies for: until those are out, later replies queue behind them."""

    async def send(self, wa_id: str, payloads: Sequence[Payload], survey_id: str, owner_pseudonym: str) -> None:
        """Send the messages in order. `owner_pseudonym`: the resident's own pseudonym in `survey_id`; only its
        contact key is kept with what is queued."""
        if wa_id in self._queued_for and await self._still_queued(wa_id):
            await self._queue(wa_id, survey_id, owner_pseudonym, payloads)
            return
        for index, payload in enumerate(payloads):
            if isinstance(payload, Audio):
                await self._play(wa_id, payload)
                continue
            try:
                await self._graph.reply(wa_id, payload)
            except GraphError as error:
                log.warning("WhatsApp did not take a reply (%s); the outbox delivers it", error)
                await self._queue(wa_id, survey_id, owner_pseudonym, payloads[index:])
                return

    async def _play(self, wa_id: str, audio: Audio) -> None:
        """Upload the recording and send it as an audio message; a missing or refused file, or a Graph API that
        does not take it, leaves the question's text alone (which follows, and is what is queued if need be)."""
        if not audio.path.is_file():
            log.debug("recording %s is missing: text only", audio.path.name)
            return
        try:
            media_id = await self._graph.upload(audio.path)
            await self._graph.reply(wa_id, Audio(audio.path, media_id))
        except (GraphError, OSError) as error:
            log.warning("recording %s was not sent (%s): text only", audio.path.name, error)

    async def _still_queued(self, wa_id: str) -> bool:
        async with self._reads() as db:
            waiting = await outbox.replies_waiting(db, PLATFORM, wa_id)
        if not waiting:
            self._queued_for.discard(wa_id)
        return waiting

    async def _queue(self, wa_id: str, survey_id: str, owner_pseudonym: str, payloads: Sequence[Payload]) -> None:
        token = secrets.token_hex(8)
        now = self._clock()
        contact_key = self._conversations.contact_key_for(owner_pseudonym)
        async with self._db() as db, db.begin():
            for index, payload in enumerate(p for p in payloads if not isinstance(p, Audio)):  # text only
                await outbox.enqueue(
                    db, key=f"reply:{token}:{index:02d}", kind=outbox.REPLY, survey_id=survey_id,
                    contact_key=contact_key, platform=PLATFORM, address=wa_id, text=stored(payload),
                    due_at=now, now=now,
                )
        self._queued_for.add(wa_id)
