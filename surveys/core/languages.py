"""What the core needs to know about a language without reading a catalog: the gettext domain names, a shipped
language's properties, and dates and shares in its CLDR conventions (Babel's locale data, no files of ours)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_percent

BOT_DOMAIN = "bot"
BOT_SOURCE_LANGUAGE = "en"


def survey_domain(survey_id: str) -> str:
    return f"survey-{survey_id}"


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str
    rtl: bool
    fallback: tuple[str, ...]
    status: str
    clients: tuple[str, ...]
    """Client language codes (Telegram's language_code, lower case) that preselect this language."""
    print_size: float | None = None
    """The smallest body font size (pt) for this language on paper, when it needs larger print than usual."""


def exact_cldr_locale(code: str) -> Locale | None:
    """The CLDR locale of exactly this code, or None if CLDR has none."""
    try:
        return Locale.parse(code.split("@")[0])
    except (UnknownLocaleError, ValueError):
        return None


def cldr_locale(code: str) -> Locale:
    """The CLDR locale for dates and numbers in a shipped language: its own, else its base language, else
    English (e.g. de_plain -> de)."""
    return exact_cldr_locale(code) or exact_cldr_locale(code.split("_")[0]) or Locale.parse("en")


def format_day(day: dt.date, code: str) -> str:
    return format_date(day, format="long", locale=cldr_locale(code))


def format_share(share: float, code: str) -> str:
    return format_percent(share, locale=cldr_locale(code))
