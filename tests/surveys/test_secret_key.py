"""The key and the database belong together: the database remembers the key's fingerprint, and the real
commands refuse to start with a missing or different key (or one that others can read, or one too short) in
one line that says what to do, instead of silently making a new key under which returning residents would not
be recognised, /delete would miss their answers and a second answer would be counted twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from surveys.core.privacy import contact_key_for, create_secret, key_fingerprint, pseudonym_for
from surveys.store.database import connect, migrate
from surveys.store.schema import Contact, KeyFingerprint, OutboxMessage, Response, ResultsSubscription
from surveys.wiring import open_core
from tests.support.commands import BIN
from tests.support.interviews import GERMAN_INTERVIEW, interview

RESTORE = "restore that file from your backup"
DIFFERENT = "is not the one this database was started with"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING) ")


async def refused(command: list[str], env: dict[str, str]) -> str:
    """Run a real command that must refuse to start; returns its one line of explanation."""
    process = await asyncio.create_subprocess_exec(
        str(BIN / command[0]), *command[1:], env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    said = (out + err).decode().strip()
    assert process.returncode == 2, said
    lines = [line for line in said.splitlines() if not LOG_LINE.match(line)]  # the bot's log, as it starts
    assert "Traceback" not in said and len(lines) == 1, f"not one line: {said}"
    assert lines[0].startswith("Secret key problem: ")
    return lines[0]


async def starts(command: list[str], env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        str(BIN / command[0]), *command[1:], env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()


async def test_a_missing_or_different_key_is_refused_once_the_database_holds_answers(settings, cli_env):
    await interview(settings, GERMAN_INTERVIEW)  # the first start made the key; one answer is stored
    key_file = settings.storage.secret_key_file
    original = key_file.read_bytes()
    engine = connect(settings.storage.database_url)
    try:
        async with engine.connect() as connection:
            recorded = await connection.scalar(select(KeyFingerprint.fingerprint))
    finally:
        await engine.dispose()
    assert recorded == key_fingerprint(original.strip())
    database = Path(make_url(settings.storage.database_url).database or "")
    assert original.strip() not in database.read_bytes(), "the database keeps a fingerprint, never the key"

    key_file.unlink()
    admin, console = await asyncio.gather(refused(["heard-admin", "surveys", "list"], cli_env),
                                          refused(["heard-bot", "console"], cli_env))
    assert "is missing" in admin and str(key_file) in admin and RESTORE in admin
    assert "is missing" in console and RESTORE in console
    assert not key_file.exists(), "no new key was made"

    create_secret(key_file)  # somebody "fixed" it with a new key
    polling = {**cli_env, "TELEGRAM_BOT_TOKEN": "123456:test-token", "TELEGRAM_API_BASE": "http://127.0.0.1:9"}
    admin, bot, other_variable = await asyncio.gather(
        refused(["heard-admin", "surveys", "list"], cli_env),
        refused(["heard-bot"], polling),
        refused(["heard-admin", "surveys", "list"], {**cli_env, "HEARD_SECRET_KEY": "another-key-" + "x" * 32}),
    )
    assert DIFFERENT in admin and str(key_file) in admin and "put the original key back" in admin
    assert DIFFERENT in bot and DIFFERENT in other_variable and "HEARD_SECRET_KEY" in other_variable

    key_file.unlink()
    key_file.write_bytes(original)
    key_file.chmod(0o600)
    await starts(["heard-admin", "surveys", "list"], cli_env)
    core = await open_core(settings)
    try:
        async with core.db() as db:
            assert await db.scalar(select(func.count()).select_from(Response)) == 1, "counted once"
    finally:
        await core.close()


async def test_a_key_file_others_can_read_and_a_short_key_end_in_one_line(settings, cli_env):
    key_file = settings.storage.secret_key_file
    create_secret(key_file)
    key_file.chmod(0o644)
    short = {**cli_env, "HEARD_SECRET_KEY": "too-short"}
    polling = {**short, "TELEGRAM_BOT_TOKEN": "123456:test-token", "TELEGRAM_API_BASE": "http://127.0.0.1:9"}
    open_file, *too_short = await asyncio.gather(
        refused(["heard-admin", "surveys", "list"], cli_env),
        refused(["heard-admin", "surveys", "list"], short),
        refused(["heard-bot", "console"], short),
        refused(["heard-bot"], polling),
    )
    assert f"chmod 600 {key_file}" in open_file and "can be read by other users" in open_file
    assert all("HEARD_SECRET_KEY must be at least 32 characters" in said for said in too_short)


async def test_a_database_with_nothing_made_with_the_key_takes_a_new_one(settings):
    core = await open_core(settings)
    await core.close()
    settings.storage.secret_key_file.unlink()
    core = await open_core(settings)  # nothing was stored under the lost key: a new one is harmless
    try:
        async with core.db() as db:
            recorded = await db.scalar(select(KeyFingerprint.fingerprint))
        assert recorded == key_fingerprint(core.secret)
    finally:
        await core.close()


async def test_contacts_kept_before_contact_keys_are_refiled_on_the_first_start(settings):
    """A database from before revision 0006 kept chat ids under the pseudonym: the first start re-files them."""
    secret = create_secret(settings.storage.secret_key_file)
    pseudonym = pseudonym_for(secret, "needs", "telegram", 4242)
    engine = connect(settings.storage.database_url)
    today = dt.date.today().isoformat()
    try:
        await migrate(engine, "0004")
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO contacts (survey_id, respondent, platform, address, created_on) "
                "VALUES ('needs', :p, 'telegram', '4242', :d)"), {"p": pseudonym, "d": today})
            await connection.execute(text(
                "INSERT INTO results_subscriptions (survey_id, respondent, platform, address, language, wave, "
                "created_on) VALUES ('needs', :p, 'telegram', '4242', 'de', NULL, :d)"), {"p": pseudonym, "d": today})
            await connection.execute(text(
                "INSERT INTO outbox (key, kind, survey_id, respondent, platform, address, state, attempts, due_at, "
                "updated_at) VALUES (:k, 'reminder', 'needs', :p, 'telegram', NULL, 'sent', 1, :t, :t)"),
                {"k": f"reminder:needs:-:{pseudonym}", "p": pseudonym, "t": dt.datetime.now(dt.UTC)})
    finally:
        await engine.dispose()

    core = await open_core(settings)
    try:
        contact_key = contact_key_for(secret, pseudonym)
        async with core.db() as db:
            assert (await db.scalars(select(Contact.contact_key))).all() == [contact_key]
            assert (await db.scalars(select(ResultsSubscription.contact_key))).all() == [contact_key]
            message = await db.scalar(select(OutboxMessage))
            assert (message.contact_key, message.key) == (contact_key, f"reminder:needs:-:{contact_key}")
    finally:
        await core.close()
    core = await open_core(settings)  # the second start leaves them as they are
    try:
        async with core.db() as db:
            assert (await db.scalars(select(Contact.contact_key))).all() == [contact_key]
    finally:
        await core.close()

