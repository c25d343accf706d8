"""`heard-admin waves add|list|close`: the named periods in which a survey runs (e.g. 2027-spring)."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from admin.context import console, core, errors
from surveys import waves
from surveys.core.disclosure import disclose
from surveys.waves import WaveError

app = typer.Typer(no_args_is_help=True, help="Waves: named periods in which a survey runs; trends compare them.")


def _run(coroutine):  # type: ignore[no-untyped-def]
    try:
        return asyncio.run(coroutine)
    except WaveError as exc:
        errors.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from exc


def _survey_id(opened, survey_id: str) -> str:  # type: ignore[no-untyped-def]
    if opened.registry.current(survey_id) is None:
        raise WaveError(f"no survey {survey_id!r} (see `heard-admin surveys list`)")
    return survey_id


@app.command()
def add(
    survey_id: str = typer.Argument(..., help="Survey id, e.g. needs."),
    name: str = typer.Option(..., "--name", help="Wave name, e.g. 2027-spring."),
    opens: str = typer.Option(..., "--opens", help="Date (and time) it opens, in the municipality's time zone."),
    closes: str = typer.Option(None, "--closes", help="Date (and time) it closes; open-ended if omitted."),
) -> None:
    """Add a wave. Responses given while it is open are counted in it.

    Example: heard-admin waves add needs --name 2027-spring --opens 2027-03-01 --closes "2027-04-30 23:59"
    """

    async def run() -> None:
        async with core() as opened, opened.db() as db, db.begin():
            zone = opened.settings.municipality.time_zone
            await waves.add_wave(db, _survey_id(opened, survey_id), name, waves.parse_moment(opens, zone),
                                 waves.parse_moment(closes, zone) if closes else None)

    _run(run())
    console.print(f"Added wave {name} to {survey_id}.")


@app.command("list")
def list_waves(survey_id: str = typer.Argument(..., help="Survey id, e.g. needs.")) -> None:
    """The survey's waves with their dates and completed responses (protected like every count).

    Example: heard-admin waves list needs
    """

    async def run() -> None:
        async with core(writes=False) as opened, opened.db() as db:
            k = opened.settings.privacy.min_cell
            rows = await waves.waves_of(db, _survey_id(opened, survey_id))
            cells = {wave.name: disclose(tally, k) for wave, tally in rows}
            zone = ZoneInfo(opened.settings.municipality.time_zone)

            def local(moment: dt.datetime) -> str:
                aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
                return f"{aware.astimezone(zone):%Y-%m-%d %H:%M}"

            table = Table("wave", f"opens ({zone.key})", "closes", "state", "completed responses")
            for wave, _count in rows:
                state = "closed" if wave.closed else "scheduled"
                table.add_row(wave.name, local(wave.opens_at), local(wave.closes_at) if wave.closes_at else
                              "open-ended", state, cells[wave.name].display(k))
            console.print(table)

    _run(run())


@app.command()
def close(
    survey_id: str = typer.Argument(..., help="Survey id, e.g. needs."),
    name: str = typer.Argument(..., help="Wave name."),
) -> None:
    """Close a wave now and delete the survey's contact records (nobody is written to about it afterwards).

    Example: heard-admin waves close needs 2027-spring
    """

    async def run() -> int:
        async with core() as opened:
            async with opened.db() as db, db.begin():
                deleted = await waves.close_wave(db, _survey_id(opened, survey_id), name)
            await opened.checkpoints.after_deletion()  # the chat ids leave the files on disk too
            return deleted

    deleted = _run(run())
    console.print(f"Closed wave {name}; deleted {deleted} contact record(s).")
