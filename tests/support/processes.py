"""The real `heard-bot` as separate processes: a long-polling bot and webhook workers."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from bot.health import HEALTH_PATH
from tests.support.commands import with_bot_token
from tests.support.fake_telegram import FakeTelegram

PROJECT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "test-webhook-secret_0123456789abcdef"


_REPLIES = {"sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"}


class BotProcess:
    """The real `heard-bot` (long polling the fake server), started, killed and stopped as an operator would."""

    def __init__(self, telegram: FakeTelegram, env: dict[str, str]) -> None:
        self.env = with_bot_token(env, telegram)
        self.telegram = telegram
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def start(self) -> None:
        polls = sum(c.method == "getUpdates" for c in self.telegram.calls)
        self.process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "heard-bot"), env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        process = self.process

        def polled_or_died() -> bool:
            return sum(c.method == "getUpdates" for c in self.telegram.calls) > polls or process.returncode is not None

        # an event (its first poll) or its death; the timeout only guards against a hang on a crawling machine
        await self.telegram.wait_until(polled_or_died, timeout=900)
        assert process.returncode is None, f"heard-bot exited with {process.returncode} while starting"

    def replies(self) -> int:
        """How many replies (messages, edits, button acknowledgements) the bot has made so far."""
        return sum(c.method in _REPLIES for c in self.telegram.calls)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            await asyncio.wait_for(self.process.wait(), 30)


class WorkerProcess:
    """A real `heard-bot webhook` worker on `port`, its output in `log`."""

    def __init__(self, env: dict[str, str], port: int, log: Path, *, register: bool) -> None:
        self.port = port
        self.log = log
        command = [str(Path(sys.executable).parent / "heard-bot"), "webhook", *(["--register"] if register else [])]
        self.handle = log.open("wb")
        self.process = subprocess.Popen(
            command, env={**env, "HEARD_WEBHOOK_PORT": str(port)}, stdout=self.handle, stderr=subprocess.STDOUT,
            cwd=PROJECT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/webhook"

    async def healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as client:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, self.log.read_text(errors="replace")
                try:
                    async with client.get(f"http://127.0.0.1:{self.port}{HEALTH_PATH}") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(f"worker on port {self.port} did not become healthy")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.handle.close()
