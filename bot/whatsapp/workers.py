"""Outreach workers on WhatsApp: a worker links their WhatsApp account with the invitation an officer made
(`heard-admin distributors invite`, opened as "start w-<token>"), then sends "mystats" (how many people started
and finished through their link, through disclosure control) or "mylink" (their wa.me link). For anybody not
linked these words are ordinary text. Like every WhatsApp id, the worker's number becomes a pseudonym (in the
workers' namespace) on arrival."""

from __future__ import annotations

from bot import texts
from surveys import distribution
from surveys.conversation import Conversations
from surveys.core.privacy import pseudonym_for
from surveys.distribution import WORKER_NAMESPACE
from surveys.workers import Workers

MYSTATS, MYLINK = "mystats", "mylink"
WORDS = (MYSTATS, MYLINK)


class WhatsAppWorkers:
    def __init__(self, conversations: Conversations, workers: Workers, secret: bytes, number: str | None) -> None:
        self._conversations = conversations
        self._workers = workers
        self._secret = secret
        self._number = number

    def worker(self, wa_id: str) -> str:
        """The account's pseudonym in the workers' namespace."""
        return pseudonym_for(self._secret, WORKER_NAMESPACE, "whatsapp", wa_id)

    async def link(self, wa_id: str, token: str, language: str | None) -> str:
        distributor = await self._workers.link(token, self.worker(wa_id))
        if distributor is None:
            return texts.invitation_invalid(self._conversations, language)
        _ = texts.translator(self._conversations, language or distributor.language)
        return "\n".join((
            _("This WhatsApp account is now linked to {name}.").format(name=distributor.name),
            _("/mystats – how many people started and finished through your link"),
            _("/mylink – your personal link to hand out"),
        ))

    async def answer(self, wa_id: str, word: str, language: str | None) -> str | None:
        """The answer to a worker's word; None if the account is not linked to an active distributor."""
        distributor = await self._workers.distributor(self.worker(wa_id))
        if distributor is None:
            return None
        language = language or distributor.language
        conversations = self._conversations
        if not self._number:  # no wa.me link to hand out (nor to have been invited through)
            return texts.failure(conversations, language)
        link = distribution.whatsapp_link(self._number, distributor.code, distributor.language)
        if word == MYLINK:
            return texts.worker_link(conversations, language, link)
        rows = []
        for reach in await self._workers.reach(distributor.id):
            survey = conversations.registry.current(reach.survey_id)
            title = survey.title if survey else reach.survey_id
            rows.append((title, reach.started.display(self._workers.min_cell),
                         reach.completed.display(self._workers.min_cell)))
        return texts.worker_stats(conversations, language, rows, self._workers.min_cell, link=link)
