"""`heard-admin distributors`: register, list, rename, deactivate, links and invitations, as an officer would."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from tests.support.commands import run, with_bot_token


def test_distributor_lifecycle(cli_env):
    added = run("heard-admin", "distributors", "add", "--name", "Frauencafé Nord", "--language", "ar", env=cli_env)
    assert added.returncode == 0, added.stderr
    code = re.search(r"code (\w+)", added.stdout).group(1)
    assert re.fullmatch(r"[A-Za-z0-9]{10}", code) and "Frauen" not in code, "an opaque code, no name in it"

    env = {**cli_env, "HEARD_BOT_USERNAME": "musterstadt_bot"}
    link = run("heard-admin", "distributors", "link", code, env=env)
    assert link.stdout.strip() == f"https://t.me/musterstadt_bot?start={code}--l-ar"
    link_uk = run("heard-admin", "distributors", "link", code, "--language", "uk", "--survey", "needs", env=env)
    assert link_uk.stdout.strip() == f"https://t.me/musterstadt_bot?start={code}--l-uk--s-needs"
    unknown = run("heard-admin", "distributors", "link", "NoSuchCode", env=env)
    assert unknown.returncode == 1 and "no distributor with code 'NoSuchCode'" in unknown.stderr

    invite = run("heard-admin", "distributors", "invite", code, env=env)
    assert re.fullmatch(r"https://t\.me/musterstadt_bot\?start=w-[A-Za-z0-9]+", invite.stdout.strip())

    assert run("heard-admin", "distributors", "rename", code, "--name", "Frauencafé Nordstadt", env=env).returncode == 0
    assert run("heard-admin", "distributors", "deactivate", code, env=env).returncode == 0
    listed = run("heard-admin", "distributors", "list", env=env)
    row = next(line for line in listed.stdout.splitlines() if code in line)
    assert "Frauencafé Nordstadt" in row and "│ no " in row


async def test_link_asks_telegram_for_the_username_when_not_configured(cli_env, telegram):
    code = re.search(r"code (\w+)", run("heard-admin", "distributors", "add", "--name", "Chor", env=cli_env).stdout)[1]
    env = with_bot_token(cli_env, telegram)
    # the fake Telegram server runs in this test's event loop, so the command must not block it
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "heard-admin"), "distributors", "link", code, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert output.decode().strip() == f"https://t.me/heard_test_bot?start={code}"
    no_way = run("heard-admin", "distributors", "link", code, env=cli_env)
    assert no_way.returncode == 1 and "bot_username" in no_way.stderr
