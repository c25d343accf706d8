"""The bot side of performance, measured with CPU time from /proc rather than the wall clock (which swings
2-5x with the machine's load): `heard-bot` and the bare aiogram bot (bench.bare_bot) each run in their own
process, each long-polling its own fake Bot API server (the same code, tests/fake_telegram.py) in this process,
where simulated residents answer the needs survey. Rounds alternate Heard, bare, Heard, bare, ... so that
both see the same machine load.

- throughput: all residents at once, each waiting for the reply before the next step; CPU per step of each
  bot process next to steps/s and the latency of each step.
- think time: residents pause 2-5 s before each step, as people do; p50/p99 latency.
- memory: RSS of heard-bot right after start, with residents midway through the survey live, and with many
  more midway sessions in the database (seeded as copies of a real midway session: driving 10,000 residents
  through the bot would take longer than a benchmark may run here).
- start: CPU from process start to the first getUpdates, on a new database and on an existing one.

Run: .venv/bin/python -m bench.bot_speed [--only throughput|think|memory|start]; figures go to bench/results.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.report import Section, write_section
from bench.throughput import Driver, answer_survey, percentile, users
from tests.support.config import write_config
from tests.support.fake_telegram import TOKEN, FakeTelegram

TICKS = os.sysconf("SC_CLK_TCK")


class BotUnderTest:
    """One bot process polling its own fake Bot API server."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path | None = None) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.telegram = FakeTelegram()
        self.process: asyncio.subprocess.Process | None = None
        self.log = open(log, "wb") if log else open(os.devnull, "wb")  # noqa: SIM115 - closed in close()

    async def start(self) -> float:
        """Start the process; returns its CPU seconds until its first getUpdates."""
        if not self.telegram.base_url:
            await self.telegram.start()
        env = {**self.env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": self.telegram.base_url}
        polls = sum(c.method == "getUpdates" for c in self.telegram.calls)
        self.process = await asyncio.create_subprocess_exec(*self.command, env=env, stdout=self.log,
                                                            stderr=self.log)
        await self.telegram.wait_until(
            lambda: sum(c.method == "getUpdates" for c in self.telegram.calls) > polls, timeout=120)
        return self.cpu()

    @property
    def pid(self) -> int:
        """The bot's pid (under --profile, py-spy's child: the bot itself)."""
        assert self.process is not None
        if PROFILE is None or self.name != "Heard":
            return self.process.pid
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return int(children[0])

    def cpu(self) -> float:
        """User + system CPU seconds of the process so far (/proc/<pid>/stat fields 14 and 15)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss(self) -> float:
        """Resident set size in MiB (/proc/<pid>/status)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(2)  # SIGINT: aiogram's polling stops cleanly
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self.process = None

    async def close(self) -> None:
        await self.stop()
        await self.telegram.stop()
        self.log.close()


PROFILE: Path | None = None
"""With --profile FILE: heard-bot runs under py-spy, which writes its samples there (collapsed stacks)."""


def heard(folder: Path) -> BotUnderTest:
    config = write_config(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARD_", "TELEGRAM_"))}
    command = [str(Path(sys.executable).parent / "heard-bot")]
    if PROFILE is not None:
        command = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw", "--rate", "200",
                   "--nonblocking", "-o", str(PROFILE), "--", *command]
    return BotUnderTest("Heard", command, {**env, "HEARD_CONFIG": str(config)},
                       folder / "heard-bot.log")


def bare() -> BotUnderTest:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARD_", "TELEGRAM_"))}
    return BotUnderTest("bare aiogram", [sys.executable, "-m", "bench.bare_bot"], env)


class PatientDriver(Driver):
    """A resident who, with `think`, reads and thinks 2-5 s before each step (not counted in its latency), and
    gives up after a minute without a reply (counted as stalled: the bot lost the step)."""

    def __init__(self, telegram: FakeTelegram, user, latencies: list[float],  # type: ignore[no-untyped-def]
                 think: tuple[float, float] | None = None, chance: random.Random | None = None) -> None:
        super().__init__(telegram, user, latencies)
        self.think = think
        self.chance = chance or random.Random(19)

    async def step(self, action: Callable[[], Awaitable[object]], *, toggle: bool = False) -> None:
        if self.think is not None:
            await asyncio.sleep(self.chance.uniform(*self.think))
        chat_id = self.user.id
        newest = self.chat[-1].message_id if self.chat else 0
        pressed = self.chat[-1] if self.chat else None
        edits = pressed.edits if pressed else 0
        started = time.perf_counter()
        await action()
        while not ((toggle and pressed is not None and pressed.edits > edits)
                   or (not toggle and self.chat and self.chat[-1].message_id > newest)):
            since = self.telegram.activity.get(chat_id, 0)
            await self.telegram.activity_after(chat_id, since, timeout=STALLED_AFTER)
        self.latencies.append(time.perf_counter() - started)


STALLED_AFTER = 60.0


async def bare_journey(driver: Driver, steps: int) -> int:
    """As many steps as a Heard resident takes: /start, then presses."""
    await driver.send("/start")
    for _ in range(steps - 1):
        await driver.press("x")
    return steps


STEPS_PER_RESIDENT = 21
"""/start, consent, 15 answers and a toggle for each multi question of the bundled needs survey."""


async def one_round(bot: BotUnderTest, count: int, offset: int, driver_for, steps: int | None = None):  # type: ignore[no-untyped-def]
    """Run `count` residents against `bot`; returns (steps, wall seconds, CPU seconds, latencies)."""
    latencies: list[float] = []
    telegram = bot.telegram
    cpu, started = bot.cpu(), time.perf_counter()

    stalled = 0

    async def journey(user) -> None:  # type: ignore[no-untyped-def]
        nonlocal stalled
        driver = driver_for(telegram, user, latencies)
        try:
            if bot.name == "Heard":
                await answer_survey(driver)
            else:
                await bare_journey(driver, steps or STEPS_PER_RESIDENT)
        except TimeoutError:
            stalled += 1

    await asyncio.gather(*(journey(user) for user in users(count, offset)))
    seconds, used = time.perf_counter() - started, bot.cpu() - cpu
    telegram.chats.clear()
    telegram.calls.clear()
    return len(latencies), seconds, used, latencies, stalled


async def interleaved(bots: list[BotUnderTest], count: int, rounds: int, driver_for) -> list[list[str]]:  # type: ignore[no-untyped-def]
    totals = {bot.name: [0, 0.0, 0.0, [], 0] for bot in bots}
    for n in range(rounds):
        for bot in bots:
            steps, seconds, cpu, latencies, stalled = await one_round(bot, count, (n + 1) * 100_000, driver_for)
            total = totals[bot.name]
            total[0] += steps
            total[1] += seconds
            total[2] += cpu
            total[3] += latencies
            total[4] += stalled
    rows = []
    per_step = {}
    for name, (steps, seconds, cpu, latencies, stalled) in totals.items():
        per_step[name] = cpu / steps
        rows.append([name, f"{count:,}", f"{steps:,}", f"{stalled}", f"{steps / seconds:,.0f}",
                     f"{cpu / steps * 1000:.1f}",
                     f"{statistics.median(latencies) * 1000:.0f} / {percentile(latencies, 0.99) * 1000:.0f}"])
    ratio = per_step["bare aiogram"] / per_step["Heard"]
    rows[0].append(f"{ratio:.2f}")
    rows[1].append("")
    return rows


HEADER = ["bot", "residents", "steps", "stalled residents", "steps/s", "CPU ms per step", "p50 / p99 ms",
          "CPU ratio bare / Heard"]


async def throughput(residents: int, rounds: int, folder: Path) -> None:
    bots = [heard(folder), bare()]
    try:
        for bot in bots:
            await bot.start()
        rows = await interleaved(bots, residents, rounds, PatientDriver)
    finally:
        for bot in bots:
            await bot.close()
    write_section(Section(
        "Bot: CPU per step, Heard beside a bare aiogram bot",
        f"python -m bench.bot_speed --only throughput --residents {residents} --rounds {rounds}", HEADER, rows,
        f"{residents} residents at once, each waiting for the reply before the next step, in {rounds} rounds per bot, "
        "alternating Heard and bare. A stalled resident waited a minute for a reply that never came (the bot "
        "failed the update). A step is one message or button press; a Heard resident takes 21 (/start, "
        "consent, 15 answers with a toggle before each multi-choice Done, the last storing the response), the "
        "bare bot's as many (same Bot API calls: "
        "answerCallbackQuery, edit, sendMessage). CPU is the bot process's user+system time from /proc; the "
        "fake Bot API and the residents run in the bench process on the same 2 cores.",
    ))


async def think_time(residents: int, rounds: int, folder: Path) -> None:
    chance = random.Random(19)

    def driver_for(telegram, user, latencies):  # type: ignore[no-untyped-def]
        return PatientDriver(telegram, user, latencies, (2.0, 5.0), chance)

    bots = [heard(folder), bare()]
    try:
        for bot in bots:
            await bot.start()
        rows = await interleaved(bots, residents, rounds, driver_for)
    finally:
        for bot in bots:
            await bot.close()
    write_section(Section(
        f"Bot: latency with think time, {residents:,} residents",
        f"python -m bench.bot_speed --only think --residents {residents} --rounds {rounds}", HEADER, rows,
        f"{residents:,} residents who each think 2-5 s (uniformly) before every step, through the whole survey; "
        "latency is from the update's arrival at the fake server to the bot's reply reaching it.",
    ))


def seed_midway(database: Path, count: int) -> int:
    """Copy the newest midway session `count` times under new (random) pseudonyms; returns how many exist."""
    with sqlite3.connect(database, timeout=30) as connection:
        survey_id, channel, state, updated_at = connection.execute(
            "SELECT survey_id, channel, state, updated_at FROM sessions ORDER BY id DESC LIMIT 1").fetchone()
        connection.executemany(
            "INSERT INTO sessions (survey_id, respondent, channel, state, revision, updated_at) "
            "VALUES (?, ?, ?, ?, 1, ?)",
            ((survey_id, secrets.token_hex(32), channel, state, updated_at) for _ in range(count)))
        return connection.execute("SELECT count(*) FROM sessions").fetchone()[0]


async def memory(live: int, seeded: int, folder: Path) -> None:
    bot = heard(folder)
    rows = []
    try:
        await bot.start()
        await asyncio.sleep(1)
        rows.append(["0", "0", f"{bot.rss():.0f}"])
        latencies: list[float] = []
        await asyncio.gather(*(answer_survey(PatientDriver(bot.telegram, user, latencies), until=3)
                               for user in users(live, 500_000)))
        bot.telegram.chats.clear()
        bot.telegram.calls.clear()
        rows.append([f"{live:,}", f"{live:,}", f"{bot.rss():.0f}"])
        total = seed_midway(folder / "heard.db", seeded)
        await asyncio.gather(*(answer_survey(PatientDriver(bot.telegram, user, latencies), until=3)
                               for user in users(live, 600_000)))
        bot.telegram.chats.clear()
        rows.append([f"{total:,}", f"{2 * live:,}", f"{bot.rss():.0f}"])
    finally:
        await bot.close()
    write_section(Section(
        "Bot: memory with residents midway",
        f"python -m bench.bot_speed --only memory --live {live} --seeded {seeded}",
        ["sessions midway in the database", "of them driven through this bot", "heard-bot RSS (MiB)"], rows,
        "RSS of the `heard-bot` process from /proc. Residents stop three answers in, so all are midway at once; "
        f"the {seeded:,} seeded sessions are copies of a real midway session under new pseudonyms, written "
        f"straight into the database, then {live:,} more residents answer so that the bot works over the "
        "larger table. Conversations live in the database, not in the bot's memory.",
    ))


async def start_cpu(folder: Path, times: int) -> None:
    rows = []
    for label, make, starts in (("Heard, new database", lambda: heard(folder), 1),
                                ("Heard, existing database", lambda: heard(folder), times),
                                ("bare aiogram", bare, times)):
        samples, rss = [], 0.0
        for _ in range(starts):
            bot = make()
            try:
                samples.append(await bot.start())
                rss = bot.rss()
            finally:
                await bot.close()
        rows.append([label, f"{min(samples):.2f}", f"{statistics.median(samples):.2f}", f"{rss:.0f}"])
    write_section(Section(
        "Bot: start to first getUpdates",
        f"python -m bench.bot_speed --only start --times {times}",
        ["process", "CPU s (best)", "CPU s (median)", "RSS at first getUpdates (MiB)"], rows,
        "CPU time (user+system, /proc) from exec to the first getUpdates the fake Bot API receives: imports, "
        "configuration, migrations check, surveys and catalogs, setMyCommands. A new database is migrated "
        "first (once: the same file then serves the 'existing database' starts).",
    ))


async def main(arguments: argparse.Namespace) -> None:
    parts = {arguments.only} if arguments.only else {"start", "throughput", "think", "memory"}
    for part in ("start", "throughput", "think", "memory"):
        if part not in parts:
            continue
        with tempfile.TemporaryDirectory() as folder:
            if part == "start":
                await start_cpu(Path(folder), arguments.times)
            elif part == "throughput":
                await throughput(arguments.residents or 50, arguments.rounds, Path(folder))
            elif part == "think":
                await think_time(arguments.residents or 100, arguments.rounds, Path(folder))
            else:
                await memory(arguments.live, arguments.seeded, Path(folder))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["start", "throughput", "think", "memory"])
    parser.add_argument("--residents", type=int, help="50 for throughput, 100 for think time unless given")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--live", type=int, default=200, help="residents driven midway through the bot")
    parser.add_argument("--seeded", type=int, default=10_000, help="midway sessions copied into the database")
    parser.add_argument("--times", type=int, default=3, help="starts per process for --only start")
    parser.add_argument("--profile", type=Path, help="run heard-bot under py-spy, samples to this file")
    arguments = parser.parse_args()
    PROFILE = arguments.profile
    asyncio.run(main(arguments))
