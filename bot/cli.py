"""`heard-bot`: run the Telegram bot (long polling, or `heard-bot webhook` for several workers behind Telegram
webhooks), the WhatsApp channel (`heard-bot whatsapp`), or the same survey in a terminal (`heard-bot console`)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Coroutine, Iterator
from typing import Any

import typer

from bot.logs import configure_logging
from bot.telegram.bot_api_models import import_lazily
from surveys import command_line
from surveys.config import ConfigError, Settings, load_settings
from surveys.core.privacy import SecretKeyError

NO_TOKEN_STATUS = 3
"""The exit status when there is no Telegram token (after explaining how to get one), apart from 2 for other
configuration problems, so that `make run` without a terminal can tell "explained" from "failed"."""

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    help="Heard's resident-facing channels. Without a command: run the Telegram bot (long polling).\n\n"
    "Example: TELEGRAM_BOT_TOKEN=123456:AA... heard-bot\n\n"
    f"Exit status: 1 on a failure, 2 on a configuration problem, {NO_TOKEN_STATUS} without a Telegram token.",
    context_settings=command_line.CONTEXT_SETTINGS,
)

NO_TOKEN = """\
Heard needs a Telegram bot token to run the bot.

  1. In Telegram, open @BotFather and send /newbot; follow the steps.
  2. Copy the token it gives you (it looks like 123456789:AA...).
  3. Start the bot with:   TELEGRAM_BOT_TOKEN=<token> heard-bot

To try the survey without Telegram, run it in this terminal:   heard-bot console
"""


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        typer.echo(f"Configuration problem: {exc}", err=True)
        raise typer.Exit(2) from exc


@contextlib.contextmanager
def _key_checked() -> Iterator[None]:
    """A key that cannot be used (missing, different from the database's, too short, readable by others)
    ends the command with one line saying what to do."""
    try:
        yield
    except SecretKeyError as exc:
        typer.echo(f"Secret key problem: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.callback(invoke_without_command=True)
def main_command(
    ctx: typer.Context,
    version: bool = command_line.version_option(),
    debug: bool = command_line.debug_option(),
) -> None:
    """Run the Telegram bot (long polling). Without a token, explain how to get one.

    Example: TELEGRAM_BOT_TOKEN=123456:AA... heard-bot
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings()
    if not settings.telegram.token:
        typer.echo(NO_TOKEN)
        if sys.stdin.isatty():
            typer.echo("Starting the console survey now.\n")
            ctx.invoke(console, language=None)
            return
        raise typer.Exit(NO_TOKEN_STATUS)
    configure_logging()
    import_lazily()
    from bot.telegram.app import run_polling

    with _key_checked():
        asyncio.run(run_polling(settings))


@app.command()
def console(
    language: str = typer.Option(None, "--language", metavar="CODE",
                                 help="Language of the console's own words between interviews (default: the "
                                 "survey's); each interview speaks the language chosen in it."),
) -> None:
    """Answer the survey in this terminal (channel "assisted"), e.g. for interviews at an info stand.

    Stop an interview with /cancel; stop the console with Ctrl-C (an unfinished interview is then deleted).

    Example: heard-bot console --language de
    """
    settings = _settings()

    async def run() -> None:
        from bot.console import run_console
        from surveys.wiring import open_core

        core = await open_core(settings)
        try:
            await run_console(core.conversations, language=language)
        finally:
            await core.close()

    with _key_checked(), contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how an interviewer stops
        asyncio.run(run())


async def _until_terminated(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` until it ends or SIGTERM comes (`docker stop`, systemd), which then stops it as cleanly as
    Ctrl-C does: it releases the lead at once for another process, instead of dying with it held until the
    operating system notices."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        if not task.cancelled() or asyncio.current_task().cancelling():  # type: ignore[union-attr]
            raise  # Ctrl-C (asyncio.run cancels this coroutine) or a failure: not a SIGTERM
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _token_or_exit(settings: Settings) -> None:
    if not settings.telegram.token:
        typer.echo(NO_TOKEN, err=True)
        raise typer.Exit(NO_TOKEN_STATUS)


@app.command()
def webhook(
    register: bool = typer.Option(
        False, "--register", help="Also register the webhook with Telegram (setWebhook with the secret) on start."
    ),
) -> None:
    """Serve Telegram webhooks (one worker; start several behind a load balancer). Listens on
    HEARD_WEBHOOK_HOST:HEARD_WEBHOOK_PORT at HEARD_WEBHOOK_PATH; every update must carry HEARD_WEBHOOK_SECRET
    as Telegram's secret-token header. GET /healthz answers 200 while the database does.

    Example: HEARD_WEBHOOK_URL=https://heard.example.org heard-bot webhook --register
    """
    import_lazily()
    from bot.telegram.webhook import WebhookConfigError, run_webhook

    settings = _settings()
    _token_or_exit(settings)
    configure_logging()
    try:
        with _key_checked():
            run_webhook(settings, register=register)
    except WebhookConfigError as exc:
        typer.echo(f"Configuration problem: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def whatsapp() -> None:
    """Serve residents on WhatsApp (Meta's WhatsApp Business Cloud API webhook; one worker, start several
    behind a load balancer). Listens on WHATSAPP_HOST:WHATSAPP_PORT at WHATSAPP_PATH; needs WHATSAPP_TOKEN,
    WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN and WHATSAPP_PHONE_NUMBER_ID (README: "Residents on WhatsApp").

    Example: WHATSAPP_TOKEN=... WHATSAPP_APP_SECRET=... WHATSAPP_VERIFY_TOKEN=... WHATSAPP_PHONE_NUMBER_ID=...
    heard-bot whatsapp
    """
    from bot.whatsapp.server import WhatsAppConfigError, run_whatsapp

    settings = _settings()
    configure_logging()
    try:
        with _key_checked():
            run_whatsapp(settings)
    except WhatsAppConfigError as exc:
        typer.echo(f"Configuration problem: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command("set-webhook")
def set_webhook_command() -> None:
    """Register the webhook with Telegram (HEARD_WEBHOOK_URL + path, secret HEARD_WEBHOOK_SECRET) and publish
    the command menu, without serving. Run once per deployment, or use `heard-bot webhook --register`.

    Example: heard-bot set-webhook
    """
    from bot.telegram.webhook import WebhookConfigError, set_webhook

    settings = _settings()
    _token_or_exit(settings)
    configure_logging()
    try:
        with _key_checked():
            asyncio.run(set_webhook(settings))
    except WebhookConfigError as exc:
        typer.echo(f"Configuration problem: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo("Webhook registered.")


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic) and stop; the bot also does this when it starts. Several
    workers starting at once migrate one after the other.

    Example: HEARD_DATABASE_URL=postgresql+asyncpg://heard:...@db/heard heard-bot migrate
    """
    from surveys.store.database import connect
    from surveys.store.database import migrate as upgrade

    settings = _settings()

    async def run() -> None:
        engine = connect(settings.storage.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    typer.echo("Database schema is up to date.")


@app.command()
def scheduler() -> None:
    """Run only the scheduled jobs (close waves, reminders, the outbox of results and reminders, the nightly
    purge), without serving residents. Start it in as many places as you like: exactly one runs the jobs, the
    others stand by and take over within seconds if it dies. Bot workers stand by for the same lead.

    Example: TELEGRAM_BOT_TOKEN=... HEARD_DATABASE_URL=postgresql+asyncpg://... heard-bot scheduler
    (A town on WhatsApp alone sets WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID instead of the Telegram token.)
    """
    configure_logging()
    settings = _settings()
    whatsapp_set_up = bool(settings.whatsapp.token and settings.whatsapp.phone_number_id)
    if not whatsapp_set_up:
        _token_or_exit(settings)

    import_lazily()

    async def run() -> None:
        from bot.scheduler import lead_outreach
        from bot.telegram.app import build_bot
        from surveys.wiring import open_core

        core = await open_core(settings)
        bot = build_bot(settings, retrying=False) if settings.telegram.token else None
        try:
            await _until_terminated(lead_outreach(core, bot))
        finally:
            if bot is not None:
                await bot.session.close()
            await core.close()

    with _key_checked(), contextlib.suppress(KeyboardInterrupt):  # Ctrl-C / SIGINT is the normal way to stop it
        asyncio.run(run())


def main() -> None:
    command_line.run(app, "heard-bot")
