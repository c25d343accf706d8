"""The real WhatsApp channel of Heard, served on 127.0.0.1 against the fake Cloud API (tests/fake_whatsapp.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from aiohttp import web

from bot.scheduler import utc_now
from bot.whatsapp.server import build_whatsapp_app, open_channel
from surveys.config import Settings
from surveys.wiring import Runtime, open_core
from tests.support.fake_whatsapp import (
    ACCESS_TOKEN,
    APP_SECRET,
    BUSINESS_NUMBER,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    FakeGraph,
    Meta,
)


def whatsapp_settings(settings: Settings, graph: FakeGraph) -> Settings:
    return settings.model_copy(update={"whatsapp": settings.whatsapp.model_copy(update=dict(
        token=ACCESS_TOKEN, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN, phone_number_id=PHONE_NUMBER_ID,
        number=BUSINESS_NUMBER, api_base=graph.api_base))})


class RunningWhatsApp:
    """`heard-bot whatsapp`'s app, in this process (so that it reports each message it has finished)."""

    def __init__(self, settings: Settings, graph: FakeGraph, *, scheduled_jobs: bool = False,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.settings = whatsapp_settings(settings, graph)
        self.scheduled_jobs = scheduled_jobs
        """Also stand for the lead of the scheduled jobs, as `heard-bot whatsapp` does (on `clock`)."""
        self.clock = clock
        self.graph = graph
        self.core: Runtime | None = None
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self.core = await open_core(self.settings)
        self.channel = await open_channel(self.settings, self.core)
        app = build_whatsapp_app(self.settings, self.core, self.channel, on_processed=self.graph.mark_processed,
                                 scheduled_jobs=self.scheduled_jobs, clock=self.clock)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}{self.settings.whatsapp.path}"

    def meta(self) -> Meta:
        return Meta(self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.channel.graph.close()
        if self.core is not None:
            await self.core.close()
