"""The bot as a webhook worker: an aiohttp server that Telegram posts updates to.

Why webhooks: several workers (processes, containers) can serve one bot behind a load balancer, which long
polling cannot (Telegram hands each getUpdates batch to whoever asks). All state lives in the database, so any
worker may receive any resident's update: per-resident order is kept by the `sessions.revision` check and
redeliveries by the shared `seen_updates` table (see surveys/conversation.py).

Each request must carry Telegram's X-Telegram-Bot-Api-Secret-Token header with the configured secret; anything
else gets 401 and is not processed. A body that is not a valid Telegram update gets 400, and the log says only
that: the validation error would quote the update (a username, a chat id, the message text). Updates are
processed before the response is sent, so a worker that dies mid-update leaves Telegram to deliver it again (to
any worker). GET /healthz answers 200 when the database does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import ValidationError

from bot.health import HEALTH_PATH, health_endpoint
from bot.scheduler import lead_outreach
from bot.telegram.app import build_bot, build_dispatcher, publish_commands
from bot.telegram.bot_api_models import build_used_models
from bot.telegram.unread_results import cut_pressed_message
from surveys.config import Settings
from surveys.wiring import Runtime, open_core

log = logging.getLogger(__name__)



class WebhookConfigError(Exception):
    """Webhook mode cannot start; the message says what to set."""


def check_webhook_settings(settings: Settings, *, register: bool = False) -> None:
    if not settings.webhook.secret:
        raise WebhookConfigError(
            "webhook mode needs a secret that Telegram sends with every update: set HEARD_WEBHOOK_SECRET "
            "(16 to 256 letters, digits, '_' or '-', e.g. `openssl rand -hex 32`)"
        )
    if register and not settings.webhook.url:
        raise WebhookConfigError(
            "registering the webhook needs the public HTTPS address Telegram posts to: set HEARD_WEBHOOK_URL "
            "(e.g. https://heard.example.org)"
        )


class UpdateHandler(SimpleRequestHandler):
    """aiogram's handler, except that a malformed update is refused with 400 instead of failing with 500 and a
    logged validation error that quotes the resident's data."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            content = await request.json(loads=bot.session.json_loads)
            cut_pressed_message(content)  # the keyboard under a pressed button is never read
            update = Update.model_validate(content, context={"bot": bot})
        except (ValueError, ValidationError):  # not JSON, or not an update (pydantic's error quotes the input)
            log.warning("refused a malformed webhook update (400); its content is not logged")
            return web.Response(status=400, text="malformed update")
        result = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


def build_webhook_app(settings: Settings, core: Runtime, bot: Bot, dispatcher: Dispatcher) -> web.Application:
    """The aiohttp application: the webhook path (secret checked) and the health endpoint."""
    assert settings.webhook.secret, "checked by check_webhook_settings"
    app = web.Application()
    UpdateHandler(
        dispatcher, bot, secret_token=settings.webhook.secret, handle_in_background=False
    ).register(app, path=settings.webhook.path)

    app.router.add_get(HEALTH_PATH, health_endpoint(core))
    setup_application(app, dispatcher, bot=bot)
    return app


async def register_webhook(settings: Settings, bot: Bot, dispatcher: Dispatcher, core: Runtime) -> None:
    """setWebhook with the secret, for the update types the handlers use; and the command menu."""
    assert settings.webhook.url and settings.webhook.secret
    await bot.set_webhook(
        settings.webhook.url,
        secret_token=settings.webhook.secret,
        allowed_updates=dispatcher.resolve_used_update_types(),
        drop_pending_updates=False,
    )
    await publish_commands(bot, core.conversations.catalogs)
    log.info("webhook registered with Telegram")  # neither the URL's secret nor the token is logged


async def webhook_app(settings: Settings, *, register: bool = False) -> web.Application:
    """Open the core and build the app; closes the database and the bot's HTTP session on shutdown."""
    core = await open_core(settings)
    bot = build_bot(settings)
    dispatcher = build_dispatcher(settings, core)
    try:
        if register:
            await register_webhook(settings, bot, dispatcher, core)
        app = build_webhook_app(settings, core, bot, dispatcher)
    except BaseException:
        await bot.session.close()
        await core.close()
        raise

    async def scheduled_jobs(_app: web.Application) -> AsyncIterator[None]:
        # every worker stands by for the scheduled jobs; exactly one (the leader) runs them
        outreach_bot = build_bot(settings, retrying=False)
        outreach = asyncio.create_task(lead_outreach(core, outreach_bot))
        yield
        outreach.cancel()
        await asyncio.gather(outreach, return_exceptions=True)
        await outreach_bot.session.close()

    async def close(_app: web.Application) -> None:
        await bot.session.close()
        await core.close()

    app.cleanup_ctx.append(scheduled_jobs)
    app.on_cleanup.append(close)
    return app


def run_webhook(settings: Settings, *, register: bool = False) -> None:
    check_webhook_settings(settings, register=register)
    build_used_models()
    log.info("Heard webhook worker listening on %s:%d", settings.webhook.host, settings.webhook.port)
    web.run_app(
        webhook_app(settings, register=register),
        host=settings.webhook.host,
        port=settings.webhook.port,
        print=None,
        access_log=None,
        handle_signals=True,
    )


async def set_webhook(settings: Settings) -> None:
    """Register the webhook once (e.g. from a deployment step), without serving."""
    check_webhook_settings(settings, register=True)
    core = await open_core(settings)
    bot = build_bot(settings)
    try:
        await register_webhook(settings, bot, build_dispatcher(settings, core), core)
    finally:
        await bot.session.close()
        await core.close()
