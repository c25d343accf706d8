"""What every admin command needs: settings loaded with friendly errors, and the core opened for a while."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import typer
from rich.console import Console
from rich.markup import escape

from surveys.config import ConfigError, Settings, load_settings
from surveys.core.model import Survey
from surveys.core.privacy import SecretKeyError
from surveys.forms.loader import SurveyValidationError
from surveys.registry import SurveyRegistry
from surveys.wiring import Runtime, open_core

# piped into a file, tables keep their full width instead of wrapping at 80 columns
console = Console(width=None if sys.stdout.isatty() else 200)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        errors.print(f"[red]Configuration problem:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from exc


def chosen_survey(registry: SurveyRegistry, survey_id: str | None) -> Survey:
    """The survey an officer named (or the configured default); an unknown id ends the command, naming the
    known ones."""
    survey = registry.current(survey_id) if survey_id else registry.default
    if survey is None:
        known = ", ".join(s.id for s in registry.all_current())
        errors.print(f"No survey '{survey_id}'. Known: {known}", highlight=False)
        raise typer.Exit(1)
    return survey


@asynccontextmanager
async def core(*, writes: bool = True) -> AsyncIterator[Runtime]:
    """The opened core; read-only commands pass writes=False so they never hold the bot's write lock."""
    try:
        opened = await open_core(settings(), writes=writes)
    except SurveyValidationError as exc:
        errors.print(f"[red]A survey file is invalid:[/red]\n{exc}", highlight=False)
        raise typer.Exit(2) from exc
    except SecretKeyError as exc:
        errors.print(f"[red]Secret key problem:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    try:
        yield opened
    finally:
        await opened.close()
