"""How fast residents get answers: simulated residents answer the whole needs survey through the real bot
(aiogram, long polling, SQLite) against the fake Bot API on 127.0.0.1; beside it, in the same run, a bare
aiogram bot that only echoes with the same API calls per step (answer the button, edit, send): the framework's
own ceiling. Also the peak memory with many residents midway.

Run: .venv/bin/python -m bench.throughput [--residents 50 200 500] [--midway 1000 3000 10000]; figures go to
bench/results.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiogram import Bot

from bench.bare_bot import echo_dispatcher
from bench.report import Section, write_section
from surveys.config import load_settings
from tests.support.config import write_config
from tests.support.fake_telegram import TOKEN, FakeTelegram, User
from tests.support.running_bot import RunningBot

FREE_TEXT = "Mehr Sprachkurse am Abend"


class Driver:
    """One simulated resident: acts, then waits for the bot's answer; records each step's latency."""

    def __init__(self, telegram: FakeTelegram, user: User, latencies: list[float]) -> None:
        self.telegram = telegram
        self.user = user
        self.latencies = latencies

    @property
    def chat(self):  # type: ignore[no-untyped-def]
        return self.telegram.messages(self.user.id)

    async def step(self, action: Callable[[], Awaitable[object]], *, toggle: bool = False) -> None:
        chat_id = self.user.id
        newest = self.chat[-1].message_id if self.chat else 0
        pressed = self.chat[-1] if self.chat else None
        edits = pressed.edits if pressed else 0
        started = time.perf_counter()
        await action()
        while True:
            since = self.telegram.activity.get(chat_id, 0)
            if toggle and pressed is not None and pressed.edits > edits:
                break
            if not toggle and self.chat and self.chat[-1].message_id > newest:
                break
            await self.telegram.activity_after(chat_id, since, timeout=180)
        self.latencies.append(time.perf_counter() - started)

    async def press(self, data: str, toggle: bool = False) -> None:
        message = self.chat[-1]
        await self.step(lambda: self.telegram.press(self.user, message, data), toggle=toggle)

    async def send(self, text: str) -> None:
        await self.step(lambda: self.telegram.send_text(self.user, text))


async def answer_survey(driver: Driver, *, until: int | None = None) -> int:
    """The whole needs survey (or the first `until` answers): first option everywhere, one toggle per
    multi-choice question, a sentence for the free text. Returns the number of answers given."""
    await driver.send("/start")
    await driver.press("y")
    answers = 0
    while until is None or answers < until:
        buttons = [b["callback_data"] for b in driver.chat[-1].buttons]
        if not buttons or "R" in buttons:
            break  # thanks
        toggles = [b for b in buttons if b.startswith("t:")]
        choices = [b for b in buttons if b.startswith("c:")]
        if toggles:
            await driver.press(toggles[0], toggle=True)
            await driver.press(next(b for b in buttons if b.startswith("d:")))
        elif choices:
            await driver.press(choices[0])
        else:
            await driver.send(FREE_TEXT)
        answers += 1
    return answers


async def echo_journey(driver: Driver, steps: int) -> int:
    await driver.send("/start")
    for _ in range(steps):
        await driver.press("x")
    return steps


def users(count: int, offset: int) -> list[User]:
    return [User(id=7_000_000 + offset + i, first_name="Bench", language_code="de") for i in range(count)]


async def run_residents(telegram: FakeTelegram, journey, count: int, offset: int) -> tuple[int, float, list[float]]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    started = time.perf_counter()
    totals = await asyncio.gather(*(journey(Driver(telegram, user, latencies)) for user in users(count, offset)))
    return sum(totals), time.perf_counter() - started, latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def heard_and_bare(sizes: list[int], folder: Path) -> tuple[list[list[str]], dict[int, float]]:
    """The table rows, and the bare bot's steps/s per size (the ceiling the PostgreSQL run is compared with)."""
    telegram = FakeTelegram()
    await telegram.start()
    rows: list[list[str]] = []
    bare_rates: dict[int, float] = {}
    try:
        settings = load_settings(write_config(folder), environ={})
        heard = RunningBot(settings, telegram)
        await heard.start()
        per_resident = 0
        results = {}
        try:
            for n, size in enumerate(sizes):
                answers, seconds, latencies = await run_residents(telegram, answer_survey, size, n * 100_000)
                per_resident = answers // size
                results[size] = (answers, seconds, latencies)
        finally:
            await heard.stop()
        bare_bot = Bot(heard.settings.telegram.token or "", session=_session(telegram))
        dispatcher = echo_dispatcher()
        polling = asyncio.create_task(dispatcher.start_polling(bare_bot, polling_timeout=1, handle_signals=False))
        try:
            for n, size in enumerate(sizes):
                steps, seconds, latencies = await run_residents(
                    telegram, lambda d: echo_journey(d, per_resident), size, 1_000_000 + n * 100_000)
                answers, our_seconds, ours = results[size]
                ours_rate, bare_rate = answers / our_seconds, steps / seconds
                bare_rates[size] = bare_rate
                rows.append([f"{size:,}", f"{answers:,}", f"{ours_rate:,.0f}",
                             f"{statistics.median(ours) * 1000:.0f} / {percentile(ours, 0.99) * 1000:.0f}",
                             f"{bare_rate:,.0f}",
                             f"{statistics.median(latencies) * 1000:.0f} / {percentile(latencies, 0.99) * 1000:.0f}",
                             f"{ours_rate / bare_rate:.2f}"])
        finally:
            await dispatcher.stop_polling()
            await polling
            await bare_bot.session.close()
    finally:
        await telegram.stop()
    return rows, bare_rates


def _session(telegram: FakeTelegram):  # type: ignore[no-untyped-def]
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    return AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))


async def heard_on_postgres(sizes: list[int], folder: Path, bare_rates: dict[int, float]) -> list[list[str]]:
    """The same residents against two `heard-bot webhook` worker processes on one PostgreSQL database (a
    throwaway cluster, as in the tests), the fake Bot API spreading updates over both."""
    import os

    from tests.support.network import free_port
    from tests.support.postgres import PostgresServer, find_bin_dir
    from tests.support.processes import WEBHOOK_SECRET, WorkerProcess

    bin_dir = find_bin_dir()
    if bin_dir is None:
        return [["PostgreSQL binaries not found: run scripts/system-deps.sh --with-postgres"]]
    server = PostgresServer(bin_dir)
    server.start()
    telegram = FakeTelegram()
    await telegram.start()
    rows: list[list[str]] = []
    workers: list[WorkerProcess] = []
    try:
        config = write_config(folder, database_url=server.new_database())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARD_", "TELEGRAM_"))}
        env.update({"HEARD_CONFIG": str(config), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": telegram.base_url,
                    "HEARD_WEBHOOK_SECRET": WEBHOOK_SECRET, "HEARD_WEBHOOK_HOST": "127.0.0.1"})
        ports = [free_port(), free_port()]
        workers = [WorkerProcess({**env, "HEARD_WEBHOOK_URL": f"http://127.0.0.1:{ports[0]}"}, ports[0],
                                 folder / "worker-1.log", register=True),
                   WorkerProcess(env, ports[1], folder / "worker-2.log", register=False)]
        for worker in workers:
            await worker.healthy()
        while telegram.webhook is None:
            await asyncio.sleep(0.1)
        telegram.webhook_targets = [worker.url for worker in workers]
        for n, size in enumerate(sizes):
            answers, seconds, latencies = await run_residents(telegram, answer_survey, size, 3_000_000 + n * 100_000)
            rate = answers / seconds
            rows.append([f"{size:,}", f"{answers:,}", f"{rate:,.0f}",
                         f"{statistics.median(latencies) * 1000:.0f} / {percentile(latencies, 0.99) * 1000:.0f}",
                         f"{rate / bare_rates[size]:.2f}" if size in bare_rates else "–"])
    finally:
        for worker in workers:
            worker.stop()
        await telegram.stop()
        server.stop()
    return rows


def _memory_of(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of a process in MiB, from /proc (Linux)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def memory_midway(sizes: list[int], folder: Path) -> list[list[str]]:
    """RSS of the real `heard-bot` process (its own process: the fake server and the simulated residents live in
    this one) with 0 and then `sizes` residents three answers into the survey, all at once in the database."""
    import os

    from tests.support.processes import BotProcess

    telegram = FakeTelegram()
    await telegram.start()
    config = write_config(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARD_", "TELEGRAM_"))}
    bot = BotProcess(telegram, {**env, "HEARD_CONFIG": str(config)})
    rows: list[list[str]] = []
    try:
        await bot.start()
        assert bot.process is not None
        await asyncio.sleep(1)
        current, peak = _memory_of(bot.process.pid)
        rows.append(["0", f"{current:.0f}", f"{peak:.0f}"])
        midway, batch = 0, 250
        for size in sorted(sizes):
            while midway < size:
                count = min(batch, size - midway)
                latencies: list[float] = []
                await asyncio.gather(*(answer_survey(Driver(telegram, user, latencies), until=3)
                                       for user in users(count, 5_000_000 + midway)))
                midway += count
                telegram.chats.clear()  # the fake server's copy of every chat is not the bot's memory
            current, peak = _memory_of(bot.process.pid)
            rows.append([f"{size:,}", f"{current:.0f}", f"{peak:.0f}"])
    finally:
        await bot.stop()
        await telegram.stop()
    return rows


async def main(sizes: list[int], midway: list[int], parts: set[str]) -> None:
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        if parts == {"memory"}:
            await write_memory(midway, Path(second))
            return
        rows, bare_rates = await heard_and_bare(sizes, Path(first))
        write_section(Section(
            "Throughput: Heard against a bare aiogram bot (SQLite, long polling)",
            f"python -m bench.throughput --only throughput --residents {' '.join(map(str, sizes))}",
            ["residents", "answers", "Heard answers/s", "Heard p50 / p99 ms", "bare steps/s", "bare p50 / p99 ms",
             "ratio (Heard / bare)"],
            rows,
            "All residents answer at once, each waiting for the bot's reply before the next answer. One Heard answer "
            "is a transaction (session row, seen update id) plus answerCallbackQuery, an edit and a new message; "
            "the bare bot makes the same three API calls and stores nothing. Telegram allows a bot about 30 "
            "messages per second, so a rate well above 30 answers/s means the bot is not the bottleneck.",
        ))
        with tempfile.TemporaryDirectory() as third:
            postgres = await heard_on_postgres(sizes, Path(third), bare_rates)
        write_section(Section(
            "Throughput: Heard on PostgreSQL, two webhook workers",
            f"python -m bench.throughput --only throughput --residents {' '.join(map(str, sizes))}",
            ["residents", "answers", "answers/s", "p50 / p99 ms", "ratio (Heard / bare polling bot)"], postgres,
            "Two `heard-bot webhook` processes on one PostgreSQL 15 database, the fake Bot API delivering each update "
            "by webhook to one of them (round robin), at most 40 requests at once in a fair queue, as Telegram "
            "does with its default max_connections. The throwaway cluster runs with fsync off, as in the tests; "
            "the bench process (fake server and residents) shares the same 2 cores. The ratio divides by the bare "
            "bot's steps/s from the table above (one process, long polling), the framework's ceiling on this machine.",
        ))
        if "memory" in parts:
            await write_memory(midway, Path(second))


async def write_memory(sizes: list[int], folder: Path) -> None:
    rows = await memory_midway(sizes, folder)
    write_section(Section(
        "Memory with residents midway",
        f"python -m bench.throughput --only memory --midway {' '.join(map(str, sizes))}",
        ["residents midway (3 answers in)", "bot RSS (MiB)", "bot peak RSS (MiB)"], rows,
        "The real `heard-bot` process (long polling, SQLite) in its own process, measured from /proc; the fake Bot "
        "API server and the simulated residents run in the bench process. Residents start in batches of 250 and "
        "stop after three answers, so every row counts all residents before it: they are all midway at once. "
        "Conversations live in the database, not in the bot's memory.",
    ))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument("--midway", type=int, nargs="+", default=[1_000, 3_000, 10_000])
    parser.add_argument("--only", choices=["throughput", "memory"], help="run one part only")
    arguments = parser.parse_args()
    parts = {arguments.only} if arguments.only else {"throughput", "memory"}
    asyncio.run(main(arguments.residents, arguments.midway, parts))
