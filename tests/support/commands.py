"""The real console scripts (`heard-admin`, `heard-bot`), run as an officer or operator would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.fake_telegram import TOKEN, FakeTelegram

#: The folder holding this environment's console scripts.
BIN = Path(sys.executable).parent


def run(command: str, *args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / command), *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def with_bot_token(env: dict[str, str], telegram: FakeTelegram) -> dict[str, str]:
    """`env` plus the test bot's token and the fake Bot API's address, as an operator's environment holds them."""
    return {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": telegram.base_url}
