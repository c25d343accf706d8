"""`heard-admin results status`: where a wave's results messages are (queued, sent, failed, unreachable,
interrupted) and why. These are counts of messages, not of anybody's answers; no chat id is ever shown."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from sqlalchemy import func, select

from admin.context import chosen_survey, console, core, errors
from surveys.outreach import outbox
from surveys.outreach.outbox import StateLine
from surveys.outreach.results import key_prefix
from surveys.store.schema import OutboxMessage, Wave

#: What each state means to an officer, in the order they are listed.
LABELS = {
    outbox.PENDING: "queued",
    outbox.SENDING: "being sent now",
    outbox.SENT: "sent",
    outbox.FAILED: "failed",
    outbox.UNREACHABLE: "unreachable (chat id deleted)",
    outbox.INTERRUPTED: "interrupted while sending (not sent again: nobody gets it twice)",
    outbox.WITHDRAWN: "withdrawn (no longer wanted)",
}


def status_table(lines: list[StateLine], time_zone: str, now: dt.datetime) -> Table:
    """One row per state and reason: how many, why, and for queued ones when they are tried next."""
    table = Table("results messages", "count", "why", "next try")
    order = list(LABELS)
    for line in sorted(lines, key=lambda line: (order.index(line.state) if line.state in order else 99,
                                                 line.reason or "")):
        table.add_row(LABELS.get(line.state, line.state), str(line.count), _why(line), _next_try(line, time_zone, now))
    return table


def _why(line: StateLine) -> str:
    if line.state == outbox.PENDING:
        if line.reason is None:
            return "not tried yet"
        tries = f"{line.most_attempts} tr{'y' if line.most_attempts == 1 else 'ies'} so far"
        return f"{line.reason} ({tries})"
    return line.reason or ""


def _next_try(line: StateLine, time_zone: str, now: dt.datetime) -> str:
    if line.next_try is None:
        return ""
    if line.next_try <= now:
        return "now"
    return line.next_try.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M:%S %Z")


async def other_waiting(opened_db, survey_id: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Reminders and replies of this survey still waiting to go out."""
    async with opened_db() as db:
        rows = await db.execute(
            select(OutboxMessage.kind, func.count())
            .where(OutboxMessage.survey_id == survey_id, OutboxMessage.kind != outbox.RESULTS,
                   OutboxMessage.state == outbox.PENDING)
            .group_by(OutboxMessage.kind)
        )
        return dict(rows.all())


def register(results_app: typer.Typer) -> None:
    @results_app.command()
    def status(
        survey_id: str = typer.Argument(..., help="Survey id, e.g. needs."),
        wave: str = typer.Option(None, "--wave", help="Only this wave's results messages, e.g. 2027-spring."),
    ) -> None:
        """Where the results messages are: how many are queued (and why: quiet hours, Telegram unreachable, a
        429), sent, failed, unreachable (the resident blocked the bot) or interrupted by a crash, and when the
        queued ones are tried next. Counts of messages only; no chat id is shown.

        Example: heard-admin results status needs --wave 2027-spring
        """
        asyncio.run(_status(survey_id, wave))

    async def _status(survey_id: str, wave: str | None) -> None:
        async with core(writes=False) as opened:
            survey = chosen_survey(opened.registry, survey_id)
            async with opened.db() as db:
                waves = set((await db.scalars(select(Wave.name).where(Wave.survey_id == survey.id))).all())
                if wave is not None and wave not in waves:
                    errors.print(f"Survey {survey.id!r} has no wave {wave!r} (see `heard-admin waves list "
                                 f"{survey.id}`).", highlight=False)
                    raise typer.Exit(1)
                prefix = key_prefix(survey.id, wave) if wave is not None or not waves else None
                lines = await outbox.breakdown(db, outbox.RESULTS, survey.id, prefix)
            others = await other_waiting(opened.db, survey.id)
            scope = f"{survey.id}, wave {wave}" if wave else (f"{survey.id}, all waves" if waves else survey.id)
            if not lines:
                console.print(f"No results messages for {scope} yet (`heard-admin results publish` queues them).",
                              highlight=False)
            else:
                console.print(f"Results messages for {scope}:", highlight=False)
                console.print(status_table(lines, opened.settings.municipality.time_zone, dt.datetime.now(dt.UTC)))
            if others:
                console.print("Also waiting to go out: " + ", ".join(
                    f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in sorted(others.items())) + ".",
                    highlight=False)
