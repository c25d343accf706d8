"""The bot as webhook workers: Telegram's secret-token header is checked, /healthz reports the database, a
resident answers the whole survey through webhook deliveries, and two worker processes on one PostgreSQL
database serve 200 impatient residents (double taps, every update delivered to both workers at once) with
exactly one answer per question each (and 50 on one SQLite file)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.health import HEALTH_PATH
from bot.telegram.webhook import build_webhook_app, webhook_app
from surveys.config import Settings, Webhook, load_settings
from surveys.store.database import connect
from surveys.store.schema import Answer, Response, SeenUpdate, Session
from surveys.wiring import open_core
from tests.support.commands import with_bot_token
from tests.support.config import write_config
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.journeys import answer_needs_survey_in_german
from tests.support.network import free_port
from tests.support.processes import WEBHOOK_SECRET, WorkerProcess
from tests.support.residents import Resident, new_user, plain


def webhook_settings(settings: Settings, telegram: FakeTelegram, port: int) -> Settings:
    return settings.model_copy(
        update={
            "telegram": settings.telegram.model_copy(update={"token": TOKEN, "api_base": telegram.base_url}),
            "webhook": Webhook(host="127.0.0.1", port=port, public_url=f"http://127.0.0.1:{port}",
                               secret=WEBHOOK_SECRET),
        }
    )


class InProcessWorker:
    def __init__(self, app: web.Application, port: int) -> None:
        self.app, self.port = app, port
        self.runner = web.AppRunner(app, access_log=None)

    async def start(self) -> None:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        await self.runner.cleanup()


@pytest.fixture
async def webhook_worker(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[InProcessWorker]:
    port = free_port()
    configured = webhook_settings(settings, telegram, port)
    worker = InProcessWorker(await webhook_app(configured, register=True), port)
    await worker.start()
    yield worker
    await worker.stop()


async def test_registering_sets_the_webhook_with_its_secret(webhook_worker, telegram):
    assert telegram.webhook == {
        "url": f"{webhook_worker.base}/telegram/webhook",
        "secret_token": WEBHOOK_SECRET,
        "allowed_updates": telegram.webhook["allowed_updates"],
    }
    assert {"message", "callback_query"} <= set(telegram.webhook["allowed_updates"])
    assert telegram.commands, "the command menu is published"


async def test_a_resident_answers_the_whole_survey_through_the_webhook(webhook_worker, telegram, settings, backend):
    resident = Resident(telegram)
    await answer_needs_survey_in_german(resident)
    assert "Vielen Dank" in plain(resident.last.text)
    engine = connect(settings.storage.database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(Response)) == 1
    finally:
        await engine.dispose()
    assert not any(call.method == "getUpdates" for call in telegram.calls)


async def test_updates_without_the_right_secret_are_refused_and_not_processed(webhook_worker, telegram, settings):
    user = new_user()
    url = telegram.webhook["url"]
    update = {
        "update_id": 424242,
        "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": user.id, "type": "private"},
                    "from": user.as_json(), "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}]},
    }
    assert await telegram.post_update(update, url, secret="", attempts=1) == 401  # header sent empty
    assert await telegram.post_update(update, url, secret="wrong-secret-0123456789", attempts=1) == 401
    async with aiohttp.ClientSession() as client, client.post(url, json=update) as response:  # no header at all
        assert response.status == 401
    await asyncio.sleep(0.3)
    assert telegram.messages(user.id) == []
    engine = connect(settings.storage.database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(SeenUpdate)) == 0
    finally:
        await engine.dispose()
    assert await telegram.post_update(update, url, attempts=1) == 200  # the right secret
    assert telegram.messages(user.id), "the bot answered"


async def test_a_malformed_update_with_the_right_secret_gets_400_and_nothing_of_it_is_logged(
    webhook_worker, telegram, caplog
):
    caplog.set_level(logging.DEBUG)
    user = new_user()
    url = telegram.webhook["url"]
    header = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    message = {"message_id": 1, "chat": {"id": user.id, "type": "private"}, "from": user.as_json(),
               "text": "Ich wohne im Gartenweg 17, Hinterhaus"}  # no date: not a valid message
    async with aiohttp.ClientSession() as client:
        for body in ({"update_id": 434343, "message": message}, [message], b"{not json"):
            send = {"data": body} if isinstance(body, bytes) else {"json": body}
            async with client.post(url, headers=header, **send) as response:
                assert response.status == 400, body
    logged = caplog.text
    assert "refused a malformed webhook update" in logged
    for content in (str(user.id), user.username, user.first_name, "Gartenweg", "434343"):
        assert content not in logged, f"{content} appears in the log"
    assert telegram.messages(user.id) == []

    valid = {"update_id": 434344, "message": {**message, "date": int(time.time())}}
    assert await telegram.post_update(valid, url, attempts=1) == 200, "the worker goes on serving"


async def test_health_endpoint_reports_whether_the_database_answers(settings, telegram):
    port = free_port()
    configured = webhook_settings(settings, telegram, port)
    core = await open_core(configured)
    from bot.telegram.app import build_bot, build_dispatcher

    bot = build_bot(configured)
    healthy = InProcessWorker(build_webhook_app(configured, core, bot, build_dispatcher(configured, core)), port)
    dead_port = free_port()
    unreachable = dataclasses.replace(core, engine=connect(f"postgresql+asyncpg://nobody@127.0.0.1:{dead_port}/x"))
    sick = InProcessWorker(
        build_webhook_app(configured, unreachable, bot, build_dispatcher(configured, unreachable)), free_port()
    )
    await healthy.start()
    await sick.start()
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(healthy.base + HEALTH_PATH) as response:
                assert response.status == 200
                assert (await response.json())["status"] == "ok"
            async with client.get(sick.base + HEALTH_PATH) as response:
                assert response.status == 503
    finally:
        await healthy.stop()
        await sick.stop()
        await unreachable.engine.dispose()
        await bot.session.close()
        await core.close()


def test_webhook_mode_refuses_to_start_without_a_secret(cli_env, telegram):
    env = with_bot_token(cli_env, telegram)
    result = subprocess.run([str(Path(sys.executable).parent / "heard-bot"), "webhook"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "HEARD_WEBHOOK_SECRET" in result.stderr


async def test_set_webhook_command_registers_without_logging_the_secret(cli_env, telegram):
    env = {**with_bot_token(cli_env, telegram),
           "HEARD_WEBHOOK_SECRET": WEBHOOK_SECRET, "HEARD_WEBHOOK_URL": "https://heard.example.org"}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "heard-bot"), "set-webhook", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    assert telegram.webhook is not None
    assert telegram.webhook["url"] == "https://heard.example.org/telegram/webhook"
    assert telegram.webhook["secret_token"] == WEBHOOK_SECRET
    assert WEBHOOK_SECRET not in out.decode() + err.decode()


# ------------------------------------------------------------------------- two worker processes, PostgreSQL

RESIDENTS = int(os.environ.get("HEARD_WEBHOOK_RESIDENTS", "100"))


async def _wait(telegram: FakeTelegram, condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    """Wake on every change of the fake server (not a 50 ms poll per resident); `timeout` guards a hang."""
    try:
        await telegram.wait_until(condition, timeout)
    except TimeoutError:
        raise TimeoutError(what) from None


class ImpatientResident(Resident):
    """Taps every button that may be tapped twice (choices, consent, done) twice in a row."""

    async def shown(self, label: str, *, after: int | None) -> tuple:  # type: ignore[type-arg]
        def find():  # type: ignore[no-untyped-def]
            for message in reversed(self.chat):
                if not message.buttons:
                    continue
                if after is not None and message.message_id <= after:
                    return None
                for button in message.buttons:
                    text = plain(button["text"])
                    if text == label or text.endswith(" " + label) or text.startswith(label + " "):
                        return message, button["callback_data"]
                return None
            return None

        await _wait(self.telegram, lambda: find() is not None, 180, f"{label!r} was not shown")
        return find()  # type: ignore[return-value]

    async def tap_twice(self, label: str, *, after: int | None, twice: bool = True) -> int:
        """Tap (twice), then wait until both workers have finished with every delivery of the taps: the
        resident's next tap comes after the bot reacted, the two taps and their redeliveries race each other."""
        message, data = await self.shown(label, after=after)
        taps = [(await self.telegram.press(self.user, message, data))[0]]
        if twice:
            taps.append((await self.telegram.press(self.user, message, data))[0])
        await _wait(self.telegram, lambda: all(self.telegram.delivered(u) >= 2 for u in taps), 180,
                    f"{label!r} not processed")
        return message.message_id

    async def answer(self) -> None:
        start = await self.telegram.send_text(self.user, "/start")
        await _wait(self.telegram, lambda: self.telegram.delivered(start) >= 2, 180, "/start not processed")
        seen = await self.tap_twice("Ja, los geht's", after=None)
        for label in ("Nordstadt", "1 bis 3 Jahre", "30 bis 49", "Frau", "Teilweise", "2", "Ja"):
            seen = await self.tap_twice(label, after=seen)
        # toggles are tapped once each (a second tap unticks), the next after the first shows its tick: two
        # workers editing one keyboard at the same moment may land their edits in either order
        multi = await self.tap_twice("Die Kurszeiten passen nicht", after=seen, twice=False)
        await self.shown("Fertig (1 gewählt)", after=multi - 1)
        await self.tap_twice("Keine Kinderbetreuung", after=multi - 1, twice=False)
        seen = await self.tap_twice("Fertig (2 gewählt)", after=multi - 1)
        multi = await self.tap_twice("Sprache", after=seen, twice=False)
        seen = await self.tap_twice("Fertig (1 gewählt)", after=multi - 1)
        seen = await self.tap_twice("Nein", after=seen)
        seen = await self.tap_twice("Möchte ich nicht sagen", after=seen)
        multi = await self.tap_twice("Keine Probleme", after=seen, twice=False)
        seen = await self.tap_twice("Fertig (1 gewählt)", after=multi - 1)
        seen = await self.tap_twice("4", after=seen)
        question = "Was sollte die Stadt als Erstes ändern?"
        await _wait(self.telegram, lambda: any(question in m.text for m in self.chat if m.message_id > seen),
                    180, "the text question was not shown")
        await self.telegram.send_text(self.user, "Mehr Deutschkurse am Abend")
        await _wait(self.telegram, lambda: "Vielen Dank" in plain(self.last.text), 180, "no thanks at the end")


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
async def test_two_worker_processes_serve_impatient_residents_exactly_once(database, telegram, tmp_path, request):
    """On PostgreSQL with RESIDENTS residents; on one SQLite file (two processes on one machine) with 50."""
    if database == "postgresql":
        url = request.getfixturevalue("postgres_server").new_database()
        count = RESIDENTS
    else:
        url, count = None, min(RESIDENTS, 50)
    config = write_config(tmp_path, database_url=url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARD_", "TELEGRAM_"))}
    env.update({
        "HEARD_CONFIG": str(config), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": telegram.base_url,
        "HEARD_WEBHOOK_SECRET": WEBHOOK_SECRET, "HEARD_WEBHOOK_HOST": "127.0.0.1",
    })
    first_port, second_port = free_port(), free_port()
    first = WorkerProcess({**env, "HEARD_WEBHOOK_URL": f"http://127.0.0.1:{first_port}"}, first_port,
                          tmp_path / "worker-1.log", register=True)
    second = WorkerProcess(env, second_port, tmp_path / "worker-2.log", register=False)
    try:
        await first.healthy()
        await second.healthy()
        await _wait(telegram, lambda: telegram.webhook is not None, 30, "the webhook was not registered")
        telegram.webhook_targets = [first.url, second.url]  # the load balancer
        telegram.duplicate_deliveries = True  # and every update redelivered to the other worker at once

        residents = [ImpatientResident(telegram) for _ in range(count)]
        started = time.monotonic()
        await asyncio.gather(*(resident.answer() for resident in residents))
        await telegram.wait_for_deliveries(120)
        elapsed = time.monotonic() - started

        statuses = {status for _, _, status in telegram.deliveries}
        assert statuses == {200}, f"delivery statuses {statuses}"
        hits = {target for _, target, _ in telegram.deliveries}
        assert hits == {first.url, second.url}, "both workers served"

        settings = load_settings(config, environ={})
        engine = connect(settings.storage.database_url)
        try:
            async with engine.connect() as connection:
                responses = await connection.scalar(select(func.count()).select_from(Response))
                sessions = await connection.scalar(select(func.count()).select_from(Session))
                rows = (await connection.execute(
                    select(Answer.response_id, Answer.question, Answer.choice, Answer.number, Answer.declined,
                           Answer.text)
                )).all()
                seen = await connection.scalar(select(func.count()).select_from(SeenUpdate))
        finally:
            await engine.dispose()
        assert responses == count, "every resident completed once"
        assert sessions == 0
        per_response: dict[str, list[tuple]] = {}  # type: ignore[type-arg]
        for response_id, *answer in rows:
            per_response.setdefault(response_id, []).append(tuple(answer))
        expected = sorted(next(iter(per_response.values())), key=repr)
        questions = {answer[0] for answer in expected}
        assert len(questions) == 14, "every shown question answered, school_system skipped"
        assert ("course_barriers", "times", None, False, None) in expected
        assert ("feel_at_home", None, 4, False, None) in expected
        for answers in per_response.values():
            assert sorted(answers, key=repr) == expected, "exactly one answer per question, none skipped"
        assert seen == len(telegram.sent), "each update applied once, by whichever worker came first"
        deliveries = len(telegram.deliveries)
        print(f"\n{database}: {count} residents, {deliveries} deliveries over 2 workers in {elapsed:.1f}s")
    finally:
        first.stop()
        second.stop()
    logs = first.log.read_text(errors="replace") + second.log.read_text(errors="replace")
    assert WEBHOOK_SECRET not in logs and TOKEN not in logs
    for resident in residents[:20]:
        assert str(resident.user.id) not in logs
        assert resident.user.first_name not in logs and resident.user.username not in logs
