"""What the core needs to know about a language without reading a catalog: the gettext domain names, a shipped
language's properties, and dates and shares in its CLDR conventions (Babel's locale data, no files of ours)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

BOT_DOMAIN = "bot"
BOT_SOURCE_LANGUAGE = "en"
REPORT_DOMAIN = "report"
"""The officer-facing texts of `heard-admin report`: English source, translated for REPORT_LANGUAGES only."""
REPORT_SOURCE_LANGUAGE = "en"
REPORT_LANGUAGES = ("de", "en")


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
    names: tuple[tuple[str, str], ...] = ()
    """(language, this language's name in it) where CLDR's name is not what people say (X-Heard-Name-<code>)."""

    def name_in(self, language: str) -> str:
        """This language's name for readers of `language`: as its catalog says, else CLDR's, else its own."""
        given = dict(self.names).get(language)
        if given:
            return given
        cldr = exact_cldr_locale(self.code)
        return language_name_in(cldr, language) if cldr else self.name


def language_name_in(locale: Locale, language: str) -> str:
    """CLDR's name of a locale in another language, capitalised as a table entry is ("Arabisch", "Arabic")."""
    name = locale.get_display_name(cldr_locale(language)) or str(locale)
    return name[:1].upper() + name[1:]


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


def format_share(share: float, code: str, decimals: int = 0) -> str:
    """A share (0.4) as a percentage in the language's CLDR conventions ("40 %", "40%"), rounded half to even."""
    locale = cldr_locale(code)
    pattern = locale.percent_formats[None].pattern
    if decimals and "0" in pattern:
        at = pattern.rindex("0") + 1
        pattern = pattern[:at] + "." + "0" * decimals + pattern[at:]
    return format_percent(share, format=pattern, locale=locale)


def format_number(value: float, code: str, decimals: int = 1) -> str:
    """A decimal number with a fixed number of decimals in the language's CLDR conventions ("2,5", "2.5")."""
    return format_decimal(value, format="#,##0." + "0" * decimals if decimals else "#,##0", locale=cldr_locale(code))
