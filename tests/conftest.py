"""Shared fixtures: a municipality's configuration in a temporary folder, a real SQLite file (or a database on a
throwaway PostgreSQL server, see tests/postgres.py), the fake Telegram server, and the real bot polling it.

The end-to-end bot tests in POSTGRES_MODULES run on both databases: their `backend` fixture is parametrised
("sqlite", "postgresql"); everything else runs on SQLite only."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from surveys.config import Settings, load_settings
from surveys.i18n import Catalogs
from surveys.wiring import Core, open_core
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.postgres import PostgresServer, find_bin_dir, postgres_required

AREAS = [("altstadt", "Altstadt"), ("nordstadt", "Nordstadt"), ("suedstadt", "Südstadt")]


def write_config(folder: Path, *, database_url: str | None = None, extra: str = "") -> Path:
    areas = ",\n".join(f'  {{ name = "{n}", label = "{label}" }}' for n, label in AREAS)
    url = database_url or f"sqlite+aiosqlite:///{folder / 'heard.db'}"
    key_file = folder / "secret.key"
    if not url.startswith("sqlite") and not key_file.exists():  # Heard creates a key only for SQLite
        key_file.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
        key_file.chmod(0o600)  # Heard refuses a key file that others can read
    path = folder / "heard.toml"
    path.write_text(
        f"""
[municipality]
name = "Stadt Testhausen"
time_zone = "Europe/Berlin"
privacy_contact = "datenschutz@testhausen.example"
areas = [
{areas}
]

[storage]
database_url = "{url}"
secret_key_file = "{folder / 'secret.key'}"
{extra}
""",
        encoding="utf-8",
    )
    return path


#: End-to-end modules whose tests also run against PostgreSQL (journey, controls, bad input, trusted messengers).
POSTGRES_MODULES = {
    "tests.bot.test_resident_journey",
    "tests.bot.test_conversation_controls",
    "tests.bot.test_bad_input",
    "tests.bot.test_trusted_messengers",
    "tests.bot.test_webhook",
    "tests.bot.test_reminders",
    "tests.bot.test_waves_in_the_bot",
    "tests.bot.test_results_back",
    "tests.bot.test_scheduler_takeover",
    "tests.bot.test_odd_updates",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: the test inspects the SQLite file itself")
    config.addinivalue_line("markers", "postgres: the test needs the throwaway PostgreSQL server")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        "backend" in metafunc.fixturenames
        and metafunc.module.__name__ in POSTGRES_MODULES
        and metafunc.definition.get_closest_marker("sqlite_only") is None
    ):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server, started on first use. Missing binaries skip, or fail under
    HEARD_REQUIRE_POSTGRES=1 (make test, CI)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL binaries (initdb, pg_ctl) not found; install Debian's postgresql package"
        if postgres_required():
            pytest.fail(f"{message} (HEARD_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(message)
    server = PostgresServer(bin_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    """None: the default SQLite file in the test's folder; else a fresh PostgreSQL database."""
    if backend == "sqlite":
        return None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()


@pytest.fixture
def config_path(tmp_path: Path, database_url: str | None) -> Path:
    return write_config(tmp_path, database_url=database_url)


@pytest.fixture
def settings(config_path: Path) -> Settings:
    return load_settings(config_path, environ={})


@pytest.fixture
def cli_env(config_path: Path) -> dict[str, str]:
    """Environment for running the real console scripts against the test configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARD_", "TELEGRAM_"))}
    env["HEARD_CONFIG"] = str(config_path)
    return env


@pytest.fixture
async def core(settings: Settings) -> AsyncIterator[Core]:
    opened = await open_core(settings)
    yield opened
    await opened.close()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


class RunningBot:
    """The real aiogram bot, long-polling the fake server; can be stopped and started again. `catalogs` replaces
    the shipped locales/ (e.g. a copy that also holds an imported survey's catalogs)."""

    def __init__(self, settings: Settings, telegram: FakeTelegram, catalogs: Catalogs | None = None) -> None:
        self.settings = settings.model_copy(
            update={"telegram": settings.telegram.model_copy(update={"token": TOKEN, "api_base": telegram.base_url})}
        )
        self.telegram = telegram
        self.catalogs = catalogs
        self.core: Core | None = None
        self._task: asyncio.Task[None] | None = None
        self._dispatcher = None
        self._bot = None

    async def start(self) -> None:
        from bot.app import build_bot, build_dispatcher, publish_commands

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


@pytest.fixture
async def running_bot(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[RunningBot]:
    bot = RunningBot(settings, telegram)
    await bot.start()
    yield bot
    await bot.stop()
