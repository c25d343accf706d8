"""Dates and times as residents type them, read in their language's way of writing them (`23.05.1990` in
German, `5/23/1990` in English, Arabic-Indic digits in Arabic), and the example that shows them how.

Pure functions over CLDR data (Babel): the engine parses with them, the renderer shows the example. Answers are
kept as ISO text (`1990-05-23`, `14:30`), which XLSForm expressions compare and which exports carry unchanged.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_date_format, parse_date, parse_time

#: The day shown as an example: its day is above 12, so the order of day and month is plain to see.
EXAMPLE_DATE = dt.date(1990, 5, 23)
EXAMPLE_TIME = dt.time(14, 30)


@cache
def locale_for(language: str) -> Locale:
    """CLDR's locale for a Heard language code: its own, else its base language (de_plain -> de), else English."""
    for code in (language.split("@")[0], language.split("_")[0]):
        try:
            return Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def read_date(text: str, language: str) -> str | None:
    """The ISO date a resident typed (ISO itself is always understood), or None if it is not a date."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > 40:
        return None
    try:
        return dt.date.fromisoformat(cleaned).isoformat()
    except ValueError:
        pass
    try:
        day = parse_date(cleaned, locale=locale_for(language))
    except (ValueError, IndexError, TypeError):
        return None
    return day.isoformat() if 1 <= day.year <= 9999 else None


def read_time(text: str, language: str) -> str | None:
    """The time of day a resident typed, as `HH:MM`, or None."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > 20 or not any(ch.isdigit() for ch in cleaned):
        return None
    try:
        moment = parse_time(cleaned, locale=locale_for(language))
    except (ValueError, IndexError, TypeError):
        return None
    return f"{moment.hour:02d}:{moment.minute:02d}"


def date_example(language: str) -> str:
    """EXAMPLE_DATE in the language's short numeric pattern with a four-digit year (what read_date reads)."""
    locale = locale_for(language)
    pattern = get_date_format("short", locale=locale).pattern
    if "yyyy" not in pattern:
        pattern = pattern.replace("yy", "y")
    return format_date(EXAMPLE_DATE, pattern, locale=locale)


def time_example(language: str) -> str:
    return format_time(EXAMPLE_TIME, "short", locale=locale_for(language))


def show_date(iso: str, language: str) -> str:
    """A stored date as the resident's language writes it (the stored text if it is not a date)."""
    try:
        return format_date(dt.date.fromisoformat(iso), "medium", locale=locale_for(language))
    except ValueError:
        return iso


def show_time(iso: str, language: str) -> str:
    try:
        return format_time(dt.time.fromisoformat(iso), "short", locale=locale_for(language))
    except ValueError:
        return iso
