"""Shared fixtures: a municipality's configuration in a temporary folder, a real SQLite file (or a database on a
throwaway PostgreSQL server, see tests/support/postgres.py), the fake Telegram server, and the real bot polling it.

The end-to-end bot tests in POSTGRES_MODULES run on both databases: their `backend` fixture is parametrised
("sqlite", "postgresql"); everything else runs on SQLite only."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from surveys.config import Settings, load_settings
from surveys.wiring import Runtime, open_core
from tests.support.config import write_config
from tests.support.fake_telegram import FakeTelegram
from tests.support.postgres import PostgresServer, find_bin_dir, postgres_required
from tests.support.running_bot import RunningBot

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
    # Started in the background by a script (`make test &`), the suite inherits SIGINT ignored, and so would every
    # heard-bot it starts: the tests that stop one with Ctrl-C's signal would wait for it forever.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
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
async def core(settings: Settings) -> AsyncIterator[Runtime]:
    opened = await open_core(settings)
    yield opened
    await opened.close()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def running_bot(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[RunningBot]:
    bot = RunningBot(settings, telegram)
    await bot.start()
    yield bot
    await bot.stop()
