"""`heard-bot whatsapp`: the webhook Meta posts residents' messages to, as an aiohttp server.

- GET answers Meta's verification (hub.mode=subscribe, hub.verify_token = WHATSAPP_VERIFY_TOKEN) with
  hub.challenge, and 403 to anything else.
- POST is checked first: X-Hub-Signature-256 must be the HMAC-SHA256 of the raw body under the app secret;
  anything else gets 401 and is never parsed. A signed body that is not a delivery gets 400 (its content is
  not logged). A good delivery gets 200 at once (Meta retries slow webhooks) and is worked through after,
  each resident's messages in the order they came; a delivery Meta repeats is applied once (seen_updates).
- GET /healthz answers 200 while the database does.

Several workers may serve one number behind a load balancer: all state is in the database. Each also stands for
the lead of the scheduled jobs (reminders, the outbox, waves, retention); exactly one of all processes that
share the database runs them (bot.scheduler.lead_outreach), so a town on WhatsApp alone needs nothing more.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
import weakref
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.health import HEALTH_PATH, health_endpoint
from bot.scheduler import lead_outreach, utc_now
from bot.telegram.app import build_bot
from bot.whatsapp.conversation import WhatsAppChannel
from bot.whatsapp.deliveries import Incoming, MalformedDelivery, parse_delivery
from bot.whatsapp.graph import GraphClient
from surveys.config import Settings
from surveys.wiring import Runtime, open_core
from surveys.workers import Workers

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY = 1024 * 1024


class WhatsAppConfigError(Exception):
    """The WhatsApp channel cannot start; the message says what to set."""


def check_whatsapp_settings(settings: Settings) -> None:
    missing = settings.whatsapp.missing()
    if missing:
        raise WhatsAppConfigError(
            f"the WhatsApp channel needs {', '.join(missing)} (from Meta's developer dashboard, see the README "
            "section “Residents on WhatsApp”)"
        )


def signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Meta's X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body under the app secret."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


class Inbox:
    """The work after the 200: each resident's messages in arrival order, different residents at once."""

    def __init__(self, channel: WhatsAppChannel, on_processed: Callable[[str], None] | None = None) -> None:
        self._channel = channel
        self._on_processed = on_processed
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def accept(self, incoming: Incoming) -> None:
        lock = self._locks.setdefault(incoming.wa_id, asyncio.Lock())
        task = asyncio.create_task(self._work(incoming, lock))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _work(self, incoming: Incoming, lock: asyncio.Lock) -> None:
        async with lock:  # asyncio.Lock is fair: the order of arrival
            try:
                await self._channel.receive(incoming)
            except Exception as exc:  # one resident's failure must not stop the others; no content logged
                log.error("a WhatsApp message could not be handled: %s", type(exc).__name__)
            finally:
                if self._on_processed is not None:
                    self._on_processed(incoming.message_id)

    async def drain(self) -> None:
        """Finish what was accepted (on shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def build_whatsapp_app(settings: Settings, core: Runtime, channel: WhatsAppChannel,
                       on_processed: Callable[[str], None] | None = None, *, scheduled_jobs: bool = False,
                       clock: Callable[[], dt.datetime] = utc_now) -> web.Application:
    """The webhook app. With `scheduled_jobs` the process also stands for the lead of the scheduled jobs
    (reminders, outbox, waves, retention; bot.scheduler.lead_outreach), as Telegram's bot processes do: a
    town on WhatsApp alone needs no Telegram token and no separate scheduler."""
    config = settings.whatsapp
    assert config.app_secret and config.verify_token, "checked by check_whatsapp_settings"
    app_secret, verify_token = config.app_secret, config.verify_token
    inbox = Inbox(channel, on_processed)
    app = web.Application(client_max_size=MAX_BODY)

    async def verify(request: web.Request) -> web.Response:
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(token.encode(), verify_token.encode()):
            log.info("webhook verified by Meta")
            return web.Response(text=query.get("hub.challenge", ""))
        log.warning("refused a webhook verification with a wrong verify token (403)")
        return web.Response(status=403, text="wrong verify token")

    async def deliver(request: web.Request) -> web.Response:
        body = await request.read()
        if not signature_valid(app_secret, body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("refused a delivery with a missing or wrong signature (401); it was not read")
            return web.Response(status=401, text="bad signature")
        try:
            incoming, statuses = parse_delivery(body)
        except MalformedDelivery as exc:
            log.warning("refused a malformed delivery (400): %s", exc)
            return web.Response(status=400, text="malformed delivery")
        for status in statuses:
            if status.errors:
                log.warning("a message was not delivered: WhatsApp error %s", ", ".join(map(str, status.errors)))
        for message in incoming:
            inbox.accept(message)
        return web.Response(text="ok")

    async def finish_work(_app: web.Application) -> None:
        await inbox.drain()

    async def lead_the_scheduled_jobs(_app: web.Application) -> AsyncIterator[None]:
        telegram = build_bot(settings, retrying=False) if settings.telegram.token else None
        leading = asyncio.create_task(lead_outreach(core, telegram, clock))
        yield
        leading.cancel()
        await asyncio.gather(leading, return_exceptions=True)
        if telegram is not None:
            await telegram.session.close()

    app.router.add_get(config.path, verify)
    app.router.add_post(config.path, deliver)
    app.router.add_get(HEALTH_PATH, health_endpoint(core))
    app.on_shutdown.append(finish_work)
    if scheduled_jobs:
        app.cleanup_ctx.append(lead_the_scheduled_jobs)
    return app


async def open_channel(settings: Settings, core: Runtime) -> WhatsAppChannel:
    graph = GraphClient(settings.whatsapp)
    workers = Workers(core.db, settings.privacy.min_cell, reads=core.reads, transactions=core.transactions)
    return WhatsAppChannel(core.conversations, graph, core.secret, settings.whatsapp.number, workers,
                           db=core.db, reads=core.reads)


async def whatsapp_app(settings: Settings) -> web.Application:
    """Open the core and build the app; closes the database and the HTTP session on shutdown."""
    core = await open_core(settings)
    channel = await open_channel(settings, core)
    app = build_whatsapp_app(settings, core, channel, scheduled_jobs=True)

    async def close(_app: web.Application) -> AsyncIterator[None]:
        yield
        await channel.graph.close()
        await core.close()

    app.cleanup_ctx.append(close)
    return app


def run_whatsapp(settings: Settings) -> None:
    check_whatsapp_settings(settings)
    log.info("Heard WhatsApp webhook listening on %s:%d", settings.whatsapp.host, settings.whatsapp.port)
    web.run_app(whatsapp_app(settings), host=settings.whatsapp.host, port=settings.whatsapp.port, print=None,
                access_log=None, handle_signals=True)
