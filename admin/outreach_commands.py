"""`heard-admin results publish` (results back to residents who asked), `results status` (registered from
admin/outbox_status.py) and `heard-admin privacy purge` (retention)."""

from __future__ import annotations

import asyncio
import datetime as dt

import typer
from rich.table import Table
from sqlalchemy import Select, select

from admin import outbox_status
from admin.context import chosen_survey, console, core, errors
from admin.summary import needs_ranking, summarize
from surveys.outreach import outbox
from surveys.outreach.quiet_hours import quiet_hours_of
from surveys.outreach.results import Digest, TopNeed, key_prefix, queue_results
from surveys.retention import purge
from surveys.store.schema import Wave
from surveys.wiring import Runtime

privacy_app = typer.Typer(no_args_is_help=True, help="Privacy housekeeping: retention.")

#: How many needs the results message names.
TOP_NEEDS = 3
#: How long `results publish` keeps trying messages delayed by Telegram (429, an outage) before leaving them
#: to the running bot (--wait).
PATIENCE_SECONDS = 120.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def digest_of(opened: Runtime, survey_id: str | None, wave: str | None) -> Digest:
    """The wave's top needs and size, through the same disclosure control as every summary."""
    survey = chosen_survey(opened.registry, survey_id)
    async with opened.db() as db:
        summary = await summarize(db, survey, opened.settings.privacy.min_cell, wave=wave)
    ranking = [item for item in needs_ranking(summary) if item.share is not None and item.count.shown]
    needs = [TopNeed(item.question.name, item.choice, item.share) for item in ranking[:TOP_NEEDS]
             if item.share is not None]
    return Digest(summary.responses.shown, needs)


def register(results_app: typer.Typer) -> None:
    @results_app.command()
    def publish(
        survey_id: str = typer.Argument(..., help="Survey id, e.g. needs."),
        wave: str = typer.Option(None, "--wave", help="The wave whose results go out, e.g. 2027-spring."),
        send: bool = typer.Option(True, "--send/--queue-only",
                                  help="Send now (default), or only queue for the running bot to send."),
        wait: float = typer.Option(PATIENCE_SECONDS, "--wait", min=0, max=3600, metavar="SECONDS",
                                   help="How long to keep trying while Telegram cannot be reached or asks to "
                                   "wait, before leaving the rest to the running bot."),
    ) -> None:
        """Send every resident who asked for the results of this wave one short message in their language:
        how many took part, the needs named most often (same small-group protection as summaries), what
        happens next and a link (next_steps and link in the results section of heard.toml). Each request's chat
        id is deleted as its message is queued; the queued message keeps it until it is sent. Safe to run again
        after a crash: nobody gets the message twice. Quiet hours are respected: messages queued at night go out
        in the morning. If Telegram cannot be reached, what is not sent stays queued and the running bot keeps
        trying (for [sending] give_up_after_hours); `heard-admin results status` shows where they are.

        Example: heard-admin results publish needs --wave 2027-spring
        """
        asyncio.run(_publish(survey_id, wave, send, wait))

    outbox_status.register(results_app)

    async def _publish(survey_id: str, wave: str | None, send: bool, wait: float) -> None:
        async with core() as opened:
            survey = chosen_survey(opened.registry, survey_id)
            async with opened.db() as db:
                waves = set((await db.scalars(select_wave_names(survey.id))).all())
            if wave is not None and wave not in waves:
                errors.print(f"Survey {survey.id!r} has no wave {wave!r} (see `heard-admin waves list {survey.id}`).")
                raise typer.Exit(1)
            if wave is None and waves:
                errors.print(f"Survey {survey.id!r} runs in waves: name one with --wave ({', '.join(sorted(waves))}).")
                raise typer.Exit(1)
            digest = await digest_of(opened, survey.id, wave)
            quiet = quiet_hours_of(opened.settings)
            async with opened.db() as db, db.begin():
                queued = await queue_results(db, opened.conversations, survey, wave, digest,
                                             opened.settings.results, quiet, _now())
            console.print(f"Queued {queued} results message(s) for {survey.id} {wave or ''}".rstrip() + ".")
            if send and opened.settings.telegram.token:
                await _send(opened, wait)
                await opened.checkpoints.after_deletion()  # the chat ids of sent messages leave the files too
            elif send:
                console.print("No TELEGRAM_BOT_TOKEN here: the running bot sends them within a minute.")
            if quiet.contains(_now()):
                console.print(f"Quiet hours now: messages go out from {quiet.next_allowed(_now()):%H:%M} UTC.")
            async with opened.db() as db:
                lines = await outbox.breakdown(db, outbox.RESULTS, survey.id, key_prefix(survey.id, wave))
            if lines:
                console.print(outbox_status.status_table(lines, opened.settings.municipality.time_zone, _now()))
            _say_what_is_left(lines, opened, survey.id, wave)

    async def _send(opened: Runtime, wait: float) -> None:
        from surveys.outreach.senders import sender_for
        from surveys.outreach.telegram import sending_client
        from surveys.store.leadership import Leadership

        # one sender at a time keeps Telegram's limits: while a running bot leads the scheduled jobs, it sends
        async with Leadership(opened.settings.storage.database_url, "scheduler") as lead:
            if not lead.is_leader:
                console.print("The running bot is sending them (it leads the scheduled jobs).")
                return
            bot = sending_client(opened.settings)
            try:
                await sender_for(opened, bot).deliver_due(patience=wait)
            finally:
                await bot.session.close()


def _say_what_is_left(lines: list[outbox.StateLine], opened: Runtime, survey_id: str, wave: str | None) -> None:
    """The last line: how many are still queued and who sends them."""
    left = sum(line.count for line in lines if line.state == outbox.PENDING)
    if not left:
        return
    hours = opened.settings.sending.give_up_after_hours
    status = f"heard-admin results status {survey_id}" + (f" --wave {wave}" if wave else "")
    console.print(f"{left} results message(s) left queued for the bot's sender: the running bot (heard-bot) "
                  f"sends them as soon as Telegram answers, trying for up to {hours:g} hours; see `{status}`.",
                  highlight=False)


def select_wave_names(survey_id: str) -> Select[tuple[str]]:
    return select(Wave.name).where(Wave.survey_id == survey_id)


@privacy_app.command("purge")
def purge_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count what would be deleted."),
) -> None:
    """Delete what is past retention (the retention section of heard.toml): responses with their answers and consent
    records after responses_days; chat ids kept for a reminder or the results, unfinished sessions and
    finished outbox entries after contacts_days. The bot also does this every night.

    Example: heard-admin privacy purge --dry-run
    """

    async def run() -> dict[str, int]:
        async with core() as opened:
            async with opened.db() as db, db.begin():
                counts = await purge(db, opened.settings.retention, _now(), dry_run=dry_run)
            if not dry_run:
                await opened.checkpoints.after_deletion()  # what was deleted leaves the files on disk too
            return counts

    counts = asyncio.run(run())
    table = Table("record", "would be deleted" if dry_run else "deleted")
    for kind, n in counts.items():
        table.add_row(kind, str(n))
    console.print(table)
