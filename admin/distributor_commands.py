"""`heard-admin distributors add|list|rename|deactivate|link|invite|flyer`: trusted messengers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import select

from admin.bot_identity import UnknownBotUsername, bot_username
from admin.context import console, core, errors
from admin.output import METAVAR, check_target, replacing
from surveys import distribution
from surveys.config import Settings
from surveys.distribution import DistributorError
from surveys.store.schema import Distributor

app = typer.Typer(no_args_is_help=True, help="Trusted messengers: organisations and outreach workers with links.")


def _run(coroutine):  # type: ignore[no-untyped-def]
    try:
        return asyncio.run(coroutine)
    except (DistributorError, UnknownBotUsername) as exc:
        errors.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from exc


def _check_language(opened, language: str | None) -> None:  # type: ignore[no-untyped-def]
    if language and language not in opened.catalogs.languages:
        raise DistributorError(f"language {language!r} is not shipped (known: {', '.join(opened.catalogs.languages)})")


@app.command()
def add(
    name: str = typer.Option(..., "--name", help="Organisation or worker, e.g. \"Frauencafé Nord\"."),
    language: str = typer.Option(None, "--language", help="Their main language; links preselect it."),
    note: str = typer.Option(None, "--note", help="Anything officers want to remember."),
) -> None:
    """Register a distributor under a new opaque code (no name in it).

    Example: heard-admin distributors add --name "Frauencafé Nord" --language ar
    """

    async def run() -> str:
        async with core() as opened, opened.db() as db, db.begin():
            _check_language(opened, language)
            return (await distribution.add_distributor(db, name, language, note)).code

    code = _run(run())
    console.print(f"Added {name!r} with code [bold]{code}[/bold]. Next: heard-admin distributors link {code}")


@app.command("list")
def list_distributors() -> None:
    """Distributors with their reach (started / completed), protected like every published count.

    Example: heard-admin distributors list
    """

    async def run() -> None:
        async with core() as opened, opened.db() as db:
            k = opened.settings.privacy.min_cell
            table = Table("code", "name", "language", "active", "survey", "started", "completed", "note")
            for distributor in (await db.scalars(select(Distributor).order_by(Distributor.name))).all():
                rows = await distribution.reach(db, distributor.id, k) or [None]
                for reach in rows:
                    table.add_row(
                        distributor.code, distributor.name, distributor.language or "",
                        "yes" if distributor.active else "no", reach.survey_id if reach else "",
                        reach.started.display(k) if reach else "0", reach.completed.display(k) if reach else "0",
                        distributor.note or "",
                    )
            console.print(table)

    _run(run())


@app.command()
def rename(code: str, name: str = typer.Option(..., "--name", help="The new name.")) -> None:
    """Change a distributor's name (the code and its links stay the same).

    Example: heard-admin distributors rename Xk29fQ7pAb --name "Frauencafé Nordstadt"
    """

    async def run() -> None:
        async with core() as opened, opened.db() as db, db.begin():
            (await distribution.by_code(db, code)).name = name

    _run(run())
    console.print(f"Renamed {code} to {name!r}.")


@app.command()
def deactivate(code: str) -> None:
    """Stop attributing to a distributor: their links still work, but count as organic.

    Example: heard-admin distributors deactivate Xk29fQ7pAb
    """

    async def run() -> None:
        async with core() as opened, opened.db() as db, db.begin():
            (await distribution.by_code(db, code)).active = False

    _run(run())
    console.print(f"Deactivated {code}.")


@app.command()
def link(
    code: str,
    survey: str = typer.Option(None, "--survey", help="Survey id (default: the default survey)."),
    language: str = typer.Option(None, "--language", help="Language hint (default: the distributor's)."),
    whatsapp: bool = typer.Option(False, "--whatsapp", help="A wa.me link to the WhatsApp number instead."),
) -> None:
    """Print the personal t.me deep link of a distributor (or with --whatsapp their wa.me link, which opens
    the chat with "start" and their code typed in).

    Example: heard-admin distributors link Xk29fQ7pAb --language ar
    """

    async def run() -> str:
        async with core() as opened, opened.db() as db:
            distributor = await distribution.by_code(db, code)
            _check_language(opened, language)
            if survey and opened.registry.current(survey) is None:
                raise DistributorError(f"no survey {survey!r}")
            if whatsapp:
                return distribution.whatsapp_link(_whatsapp_number(opened.settings), code,
                                                  language or distributor.language, survey)
            username = await bot_username(opened.settings)
            return distribution.deep_link(username, code, language or distributor.language, survey)

    typer.echo(_run(run()))


def _whatsapp_number(settings: Settings) -> str:
    if not settings.whatsapp.number:
        raise DistributorError("WhatsApp links need the municipality's WhatsApp number: set WHATSAPP_NUMBER (digits "
                               "with the country code, e.g. 4930123456789) or [whatsapp] number in heard.toml")
    return settings.whatsapp.number


@app.command()
def invite(
    code: str,
    whatsapp: bool = typer.Option(False, "--whatsapp", help="For the worker's WhatsApp account (a wa.me link)."),
) -> None:
    """A one-time link with which a worker connects their Telegram (or WhatsApp) account (valid 14 days).

    Example: heard-admin distributors invite Xk29fQ7pAb
    """

    async def run() -> str:
        async with core() as opened, opened.db() as db, db.begin():
            distributor = await distribution.by_code(db, code)
            number = _whatsapp_number(opened.settings) if whatsapp else None
            username = None if whatsapp else await bot_username(opened.settings)
            token = await distribution.create_invitation(db, distributor)
            if number is not None:
                return f"https://wa.me/{number}?text=start%20{distribution.INVITE_PREFIX}{token}"
            return f"https://t.me/{username}?start={distribution.INVITE_PREFIX}{token}"

    url = _run(run())
    typer.echo(url)
    where = "WhatsApp and press send" if whatsapp else "Telegram and press Start"
    errors.print(f"Give this link to the worker only; it works once. They open it in {where}.")


@app.command()
def flyer(
    code: str,
    languages: list[str] = typer.Option(..., "--language", help="One or more languages, e.g. --language ar "
                                        "--language de."),
    output: Path = typer.Option(..., "-o", "--output", metavar=METAVAR, help="flyer.pdf, flyer.svg or flyer.png"),
    survey: str = typer.Option(None, "--survey", help="Survey id (default: the default survey)."),
    whatsapp: bool = typer.Option(False, "--whatsapp", help="The QR code and link open the WhatsApp chat instead "
                                  "of Telegram (the texts say WhatsApp)."),
) -> None:
    """A printable flyer: QR code, link, invitation and privacy promise in the chosen languages.

    Example: heard-admin distributors flyer Xk29fQ7pAb --language ar --language de -o flyer.pdf
    """
    from surveys.printing import SUFFIXES, render_flyer

    check_target(output, suffixes=SUFFIXES)

    async def run():  # type: ignore[no-untyped-def]
        async with core() as opened, opened.db() as db:
            for language in languages:
                _check_language(opened, language)
            distributor = await distribution.by_code(db, code)
            hint = languages[0] if len(languages) == 1 else None
            if whatsapp:
                url = distribution.whatsapp_link(_whatsapp_number(opened.settings), code, hint, survey)
            else:
                url = distribution.deep_link(await bot_username(opened.settings), code, hint, survey)
            return url, opened.catalogs, opened.settings.municipality.name, distributor

    url, catalogs, municipality, _ = _run(run())
    with replacing(output) as partial:
        render_flyer(url, languages, catalogs, municipality, partial,
                     messenger="whatsapp" if whatsapp else "telegram")
    console.print(f"Wrote {output} ({', '.join(languages)}) for {url}")
