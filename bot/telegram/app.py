"""Assemble the running bot: settings -> database -> conversation service -> aiogram dispatcher."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand

from bot.scheduler import lead_outreach
from bot.telegram import inbound_text, privacy_router, survey_router, worker_router
from bot.telegram.bot_api_models import build_used_models, keep_response_types
from bot.telegram.chat import Relay
from bot.telegram.delivery import Delivery
from bot.telegram.errors import install_error_handler
from bot.telegram.flood import button_guard, message_guard
from bot.telegram.identity import ResidentMiddleware
from bot.telegram.resilience import RetryingRequests
from bot.telegram.unread_results import ReplySession
from surveys.config import Settings
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs
from surveys.wiring import Runtime, open_core
from surveys.workers import Workers

log = logging.getLogger(__name__)

def N_(message: str) -> str:
    """Marks a text for extraction into the bot catalog; translated where it is shown."""
    return message


COMMANDS = (
    ("start", N_("Start or continue the survey")),
    ("language", N_("Change the language")),
    ("cancel", N_("Stop and delete unfinished answers")),
    ("delete", N_("Delete everything you have answered")),
    ("help", N_("What this bot does")),
)


def build_bot(settings: Settings, *, retrying: bool = True) -> Bot:
    """The Bot API client. Replies retry through Telegram's hiccups (bot.telegram.resilience); the outbox's sender
    passes `retrying=False` because it paces and retries by itself."""
    assert settings.telegram.token, "checked by the caller"
    session = ReplySession(api=TelegramAPIServer.from_base(settings.telegram.api_base),
                           timeout=settings.telegram.request_timeout, json_loads=inbound_text.loads)
    session.middleware(keep_response_types())
    if retrying:
        session.middleware(RetryingRequests(settings.sending.reply_retry_seconds))
    return Bot(settings.telegram.token, session=session)


def build_dispatcher(settings: Settings, core: Runtime) -> Dispatcher:
    workers = Workers(core.db, settings.privacy.min_cell, reads=core.reads, transactions=core.transactions)
    chat = Relay(core.conversations, workers, Delivery(core.conversations, core.db, core.reads))
    # no FSM: conversations live in the database, and aiogram's in-memory FSM storage would keep a record for
    # every chat that ever wrote (it creates one on each update's state lookup), growing with every resident
    dispatcher = Dispatcher(conversations=core.conversations, workers=workers, chat=chat, disable_fsm=True)
    middleware = ResidentMiddleware(core.secret, workers)
    for observer, guard in ((dispatcher.message, message_guard()), (dispatcher.callback_query, button_guard())):
        observer.outer_middleware(guard)
        observer.outer_middleware(middleware)
    dispatcher.include_routers(
        privacy_router.build_router(), worker_router.build_router(), survey_router.build_router()
    )
    install_error_handler(dispatcher, core.conversations, middleware)
    return dispatcher


def _commands(catalogs: Catalogs, code: str) -> list[BotCommand]:
    _ = catalogs.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE).gettext
    return [BotCommand(command=name, description=_(description)) for name, description in COMMANDS]


async def publish_commands(bot: Bot, catalogs: Catalogs) -> None:
    """The command menu: English by default, and each shipped language Telegram knows by its code."""
    await bot.set_my_commands(_commands(catalogs, "en"))
    for code in catalogs.languages:
        if len(code) == 2 and code != "en":
            await bot.set_my_commands(_commands(catalogs, code), language_code=code)


async def run_polling(settings: Settings) -> None:
    build_used_models()
    core = await open_core(settings)
    bot = build_bot(settings)
    dispatcher = build_dispatcher(settings, core)
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        await publish_commands(bot, core.conversations.catalogs)
        me = await bot.get_me()
        log.info("Heard bot @%s is polling for updates", me.username)
        outreach_bot = build_bot(settings, retrying=False)
        outreach = asyncio.create_task(lead_outreach(core, outreach_bot))
        try:
            await dispatcher.start_polling(bot, handle_signals=True, close_bot_session=True)
        finally:
            outreach.cancel()
            await asyncio.gather(outreach, return_exceptions=True)
            await outreach_bot.session.close()
    finally:
        await core.close()
