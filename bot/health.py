"""The health endpoint every webhook server offers (Telegram's and WhatsApp's): a load balancer or Docker asks it
whether this worker can take deliveries, which it can only while the database answers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import text

from surveys.wiring import Runtime

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


def health_endpoint(core: Runtime) -> Callable[[web.Request], Awaitable[web.Response]]:
    """200 `{"status": "ok"}` while the database answers a `SELECT 1`, else 503."""

    async def health(_request: web.Request) -> web.Response:
        try:
            async with core.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("health check: the database does not answer (%s)", type(exc).__name__)
            return web.json_response({"status": "database unavailable"}, status=503)
        return web.json_response({"status": "ok"})

    return health
