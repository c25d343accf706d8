"""The real `heard-bot` process, as an operator starts it, against the fake Telegram server; and its logs."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from bot.logs import configure_logging
from tests.support.commands import with_bot_token
from tests.support.fake_telegram import TOKEN
from tests.support.journeys import answer_needs_survey_in_german
from tests.support.residents import Resident, plain


async def test_heard_bot_serves_residents_and_stops_cleanly(telegram, cli_env):
    env = with_bot_token(cli_env, telegram)
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "heard-bot"), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        # start-up imports aiogram and migrates: seconds on an idle machine, much longer on a loaded one
        await telegram.wait_until(lambda: any(c.method == "getUpdates" for c in telegram.calls), timeout=180)
        assert [c.method for c in telegram.calls][:1] == ["deleteWebhook"]
        resident = Resident(telegram)
        await resident.send("/start")
        assert "Was brauchen Sie in unserer Stadt?" in plain(resident.last.text)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    assert "polling" in output.decode()
    # stopping interrupts the outbox job (it runs every 2 s): an operator sees a clean stop, not a traceback
    assert "Traceback" not in output.decode() and "raised an exception" not in output.decode(), output.decode()
    assert str(resident.user.id) not in output.decode()
    # start-up says which schema upgrades ran, not how Alembic set itself up
    assert "alembic.runtime.migration: Running upgrade" in output.decode()
    for chatter in ("alembic.runtime.plugins", "setup plugin", "Context impl", "Will assume"):
        assert chatter not in output.decode(), chatter


async def test_logs_never_contain_user_ids_names_or_usernames(running_bot, telegram, caplog):
    configure_logging()
    for name in ("bot", "surveys", "aiogram"):
        caplog.set_level(logging.DEBUG, logger=name)
    residents = [Resident(telegram) for _ in range(2)]
    for resident in residents:
        await answer_needs_survey_in_german(resident)
    await residents[0].send_content(sticker={"file_id": "s", "file_unique_id": "u", "type": "regular",
                                             "width": 1, "height": 1, "is_animated": False, "is_video": False})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged, "the bot logged something"
    for resident in residents:
        for value in (str(resident.user.id), resident.user.first_name, resident.user.username):
            assert value not in logged
    assert "2345678" not in logged
    assert TOKEN.split(":")[1] not in logged, "the bot token (the running bot has one) never reaches the log"
