"""The real aiogram bot, in this process, long-polling the fake Telegram server."""

from __future__ import annotations

import asyncio

from surveys.config import Settings
from surveys.i18n.catalogs import Catalogs
from surveys.wiring import Runtime, open_core
from tests.support.fake_telegram import TOKEN, FakeTelegram


class RunningBot:
    """The real aiogram bot, long-polling the fake server; can be stopped and started again. `catalogs` replaces
    the shipped locales/ (e.g. a copy that also holds an imported survey's catalogs)."""

    def __init__(self, settings: Settings, telegram: FakeTelegram, catalogs: Catalogs | None = None) -> None:
        self.settings = settings.model_copy(
            update={"telegram": settings.telegram.model_copy(update={"token": TOKEN, "api_base": telegram.base_url})}
        )
        self.telegram = telegram
        self.catalogs = catalogs
        self.core: Runtime | None = None
        self._task: asyncio.Task[None] | None = None
        self._dispatcher = None
        self._bot = None

    async def start(self) -> None:
        from bot.telegram.app import build_bot, build_dispatcher, publish_commands

        self.core = await open_core(self.settings, self.catalogs)
        self._bot = build_bot(self.settings)
        self._dispatcher = build_dispatcher(self.settings, self.core)
        telegram = self.telegram

        async def report_handled(handler, update, data):  # type: ignore[no-untyped-def]
            try:
                return await handler(update, data)
            finally:
                telegram.mark_handled(update.update_id)

        self._dispatcher.update.outer_middleware(report_handled)
        telegram.tracks_handling = True
        await publish_commands(self._bot, self.core.conversations.catalogs)
        self._task = asyncio.create_task(
            self._dispatcher.start_polling(self._bot, polling_timeout=1, handle_signals=False, close_bot_session=True)
        )
        await self.telegram.wait_until(lambda: any(c.method == "getUpdates" for c in self.telegram.calls))

    async def stop(self) -> None:
        try:
            if self._dispatcher is not None and self._task is not None:
                await self._dispatcher.stop_polling()
                await asyncio.wait_for(self._task, 10)
        finally:
            if self._bot is not None:
                await self._bot.session.close()  # polling closes it too, unless it was cut short
            if self.core is not None:
                await self.core.close()
            self._task = None
            self.telegram.tracks_handling = False
