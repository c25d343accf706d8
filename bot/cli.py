"""`heard-bot`: run the Telegram bot (long polling), or the same survey in a terminal (`heard-bot console`)."""

from __future__ import annotations

import asyncio
import sys

import typer

from bot.logs import configure_logging
from surveys.config import ConfigError, Settings, load_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    help="Heard's resident-facing channels. Without a command: run the Telegram bot (long polling).\n\n"
    "Example: TELEGRAM_BOT_TOKEN=123456:AA... heard-bot",
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


@app.callback(invoke_without_command=True)
def main_command(ctx: typer.Context) -> None:
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
            ctx.invoke(console)
            return
        raise typer.Exit(2)
    configure_logging()
    from bot.app import run_polling

    asyncio.run(run_polling(settings))


@app.command()
def console() -> None:
    """Answer the survey in this terminal (channel "assisted"), e.g. for interviews at an info stand.

    Example: heard-bot console
    """
    settings = _settings()

    async def run() -> None:
        from bot.console import run_console
        from surveys.wiring import open_core

        core = await open_core(settings)
        try:
            await run_console(core.conversations)
        finally:
            await core.close()

    asyncio.run(run())


def main() -> None:
    app()
