"""Commands for outreach workers: link the account once, then /mystats, /mylink, /myflyer and /assist.

Residents never reach these: the commands only answer accounts linked to an active distributor; for anybody
else they fall through to the survey like any unknown command.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart, Filter
from aiogram.types import FSInputFile
from aiogram.types import Message as TelegramMessage

from bot import texts
from bot.telegram.chat import Relay
from bot.telegram.identity import Author
from surveys.conversation import Conversations
from surveys.core.engine import Start
from surveys.distribution import INVITE_PREFIX, deep_link
from surveys.printing import PrintingError, render_flyer
from surveys.store.schema import Distributor
from surveys.workers import Workers

log = logging.getLogger(__name__)


class LinkedWorker(Filter):
    """Passes for accounts linked to an active distributor, and hands the distributor to the handler."""

    async def __call__(self, message: TelegramMessage, workers: Workers, resident: Author) -> bool | dict[str, Any]:
        distributor = await workers.distributor(resident.worker)
        return {"distributor": distributor} if distributor is not None else False


def _language(conversations: Conversations, resident: Author, distributor: Distributor | None) -> str | None:
    return conversations.catalogs.match(resident.client_language) or (distributor.language if distributor else None)


async def on_invitation(
    message: TelegramMessage, command: CommandObject, workers: Workers, conversations: Conversations,
    resident: Author,
) -> None:
    token = (command.args or "")[len(INVITE_PREFIX):]
    distributor = await workers.link(token, resident.worker)
    language = _language(conversations, resident, distributor)
    if distributor is None:
        await message.answer(texts.invitation_invalid(conversations, language))
    else:
        await message.answer(texts.worker_linked(conversations, language, distributor.name))


async def on_mystats(
    message: TelegramMessage, workers: Workers, conversations: Conversations, resident: Author,
    distributor: Distributor,
) -> None:
    rows = []
    for reach in await workers.reach(distributor.id):
        survey = conversations.registry.current(reach.survey_id)
        title = survey.title if survey else reach.survey_id
        rows.append((title, reach.started.display(workers.min_cell), reach.completed.display(workers.min_cell)))
    await message.answer(texts.worker_stats(conversations, _language(conversations, resident, distributor), rows,
                                            workers.min_cell))


async def on_mylink(
    message: TelegramMessage, bot: Bot, conversations: Conversations, resident: Author, distributor: Distributor
) -> None:
    me = await bot.me()
    link = deep_link(me.username or "", distributor.code, distributor.language)
    await message.answer(texts.worker_link(conversations, _language(conversations, resident, distributor), link))


async def on_myflyer(
    message: TelegramMessage, bot: Bot, conversations: Conversations, resident: Author, distributor: Distributor
) -> None:
    """The worker's flyer as a PDF: QR code and link with their code, texts in their language (and German)."""
    me = await bot.me()
    language = _language(conversations, resident, distributor) or conversations.registry.default.language
    languages = list(dict.fromkeys([distributor.language or language, conversations.registry.default.language]))
    languages = [code for code in languages if code in conversations.catalogs.languages]
    link = deep_link(me.username or "", distributor.code, distributor.language)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flyer.pdf"
        try:
            await asyncio.to_thread(render_flyer, link, languages, conversations.catalogs,
                                    conversations.municipality.name, path)
        except PrintingError as exc:
            log.error("flyer could not be rendered: %s", exc)
            await message.answer(texts.failure(conversations, language))
            return
        await bot.send_document(resident.chat_id, FSInputFile(path, filename=f"flyer-{distributor.code}.pdf"),
                                caption=texts.worker_flyer_caption(conversations, language))


async def on_assist(
    message: TelegramMessage, bot: Bot, workers: Workers, chat: Relay, resident: Author, distributor: Distributor
) -> None:
    """Enter one questionnaire for someone: from now until it ends, this chat answers for a new anonymous
    respondent (channel "assisted", attributed to the worker's distributor)."""
    conversations = chat.conversations
    language = _language(conversations, resident, distributor)
    target = await workers.start_assist(resident.worker, conversations.registry.default.id)
    await message.answer(texts.assist_started(conversations, language))
    assisting = replace(resident, assisting=target, respondent_for=lambda _survey_id: target.respondent)
    await chat.handle(bot, assisting, Start(payload=distributor.code, language=language))


def build_router() -> Router:
    router = Router(name="workers")
    router.message.register(on_invitation, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX)))
    router.message.register(on_mystats, Command("mystats"), LinkedWorker())
    router.message.register(on_mylink, Command("mylink"), LinkedWorker())
    router.message.register(on_myflyer, Command("myflyer"), LinkedWorker())
    router.message.register(on_assist, Command("assist"), LinkedWorker())
    return router
