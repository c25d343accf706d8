"""Translation lookup: gettext catalogs under locales/, one mechanism for the bot's texts and survey content.

Layout: `locales/<code>/LC_MESSAGES/bot.po` (the bot's own texts, English msgids) and
`locales/<code>/LC_MESSAGES/survey-<id>.po` (survey content, msgids in the survey's source language,
msgctxt from stable names, e.g. `area.label`, `area.elsewhere`). A language is shipped when its folder has a
`bot.po`; its PO header says what Babel cannot know:

    X-Heard-Name: العربية          the language's name in itself (default: from CLDR)
    X-Heard-Name-de: Dari           its name in German (or -en, …) where CLDR's is not what people say
                                    (officers' reports name languages in the report's language)
    X-Heard-Direction: rtl          default: from CLDR
    X-Heard-Fallback: en de         where missing strings come from (default: the base language, en, de)
    X-Heard-Status: draft           or "reviewed" once a community translator has checked it
    X-Heard-Clients: fa-af fa prs   client language codes that preselect it (default: its code and base)
    X-Heard-Print-Size: 14          the smallest body font size, in points, of its printed questionnaire
                                    (Leichte Sprache asks for 14 pt; default: the paper's usual size)

Catalogs are read from the .po files with Babel and compiled in memory, so a fresh checkout works without a
build step; `.mo` files, when present and newer, are used as they are. Surveys imported from XLSForms keep their
translations in the database; the registry hands them to `Catalogs.set_survey_texts`, and they take the place of
.po files for that survey.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from surveys.config import PROJECT_ROOT
from surveys.core.languages import BOT_DOMAIN, Language, exact_cldr_locale, language_name_in, survey_domain

# also offered here, beside the catalogs, for callers that read both
from surveys.core.languages import BOT_SOURCE_LANGUAGE as BOT_SOURCE_LANGUAGE
from surveys.core.languages import cldr_locale as cldr_locale
from surveys.core.languages import format_day as format_day
from surveys.core.languages import format_share as format_share

LOCALES_DIR = PROJECT_ROOT / "locales"

_HEADER = re.compile(r'^"X-Heard-(?P<key>[A-Za-z-]+):\s*(?P<value>[^"\\]*)', re.MULTILINE)


def _headers(po_path: Path) -> dict[str, str]:
    head = po_path.read_text(encoding="utf-8")[:4000]
    return {m["key"].lower(): m["value"].strip() for m in _HEADER.finditer(head)}


def _language_from(folder: Path) -> Language:
    code = folder.name
    headers = _headers(folder / "LC_MESSAGES" / f"{BOT_DOMAIN}.po")
    # CLDR only for what the catalog does not say: loading a locale's CLDR data costs ~40 ms of CPU, for each
    # of two dozen languages at every start
    cldr = None if headers.get("name") and headers.get("direction") else exact_cldr_locale(code)
    base = code.split("_")[0]
    default_fallback = tuple(dict.fromkeys(c for c in (base, "en", "de") if c != code))
    direction = headers.get("direction") or ("rtl" if cldr and cldr.character_order == "right-to-left" else "ltr")
    return Language(
        code=code,
        name=headers.get("name") or (cldr.language_name if cldr else code) or code,
        rtl=direction == "rtl",
        fallback=tuple(headers["fallback"].split()) if "fallback" in headers else default_fallback,
        status=headers.get("status", "draft"),
        clients=tuple(c.lower() for c in headers["clients"].split())
        if "clients" in headers
        else tuple(dict.fromkeys((code.lower().replace("_", "-"), base.lower()))),
        print_size=float(headers["print-size"]) if headers.get("print-size") else None,
        names=tuple((key.removeprefix("name-"), value) for key, value in headers.items()
                    if key.startswith("name-") and value),
    )


class ContextTranslations(gettext.NullTranslations):
    """Survey texts by msgctxt alone (imported surveys' translations come from the database with their
    definition, so there is no stale msgid to guard against)."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        super().__init__()
        self._texts = texts

    def pgettext(self, context: str, message: str) -> str:
        text = self._texts.get(context)
        if text:
            return text
        return self._fallback.pgettext(context, message) if self._fallback else message


class Catalogs:
    """The shipped languages and their translations, read from one locales folder."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self.locales_dir = locales_dir
        folders = sorted(p for p in locales_dir.glob("*") if (p / "LC_MESSAGES" / f"{BOT_DOMAIN}.po").is_file())
        self.languages: dict[str, Language] = {f.name: _language_from(f) for f in folders}
        self._survey_withheld: dict[str, frozenset[str]] = {}
        self._narrowed: dict[str, Catalogs] = {}
        self._survey_texts: dict[str, Mapping[str, Mapping[str, str]]] = {}
        """domain -> language -> msgctxt -> text, for surveys whose texts are not in .po files."""
        self._configured: dict[str, Mapping[str, Mapping[str, str]]] = {}
        """domain -> language -> msgctxt -> text from the municipality's configuration (area labels), read
        before the catalogs."""

    def set_configured_texts(self, survey_id: str, texts: Mapping[str, Mapping[str, str]]) -> None:
        """Texts the configuration gives per language (heard.toml's area labels); they win over the catalogs."""
        self._configured[survey_domain(survey_id)] = texts

    def set_survey_texts(self, survey_id: str, texts: Mapping[str, Mapping[str, str]], withheld: set[str]) -> None:
        """An imported survey's translations, and the languages its residents may not choose (incomplete)."""
        self._survey_texts[survey_domain(survey_id)] = texts
        self._survey_withheld[survey_id] = frozenset(withheld)
        self._narrowed.pop(survey_id, None)

    def without(self, codes: set[str], per_survey: dict[str, set[str]] | None = None) -> Catalogs:
        """The same catalogs with some languages withheld (e.g. those failing `translations check`): `codes`
        everywhere, `per_survey` only for residents of that survey (an imported form in three languages must
        not take the other languages away from the needs survey)."""
        narrowed = Catalogs.__new__(Catalogs)
        narrowed.locales_dir = self.locales_dir
        narrowed.languages = {code: lang for code, lang in self.languages.items() if code not in codes}
        narrowed._survey_withheld = {survey: frozenset(withheld) for survey, withheld in (per_survey or {}).items()}
        narrowed._narrowed = {}
        narrowed._survey_texts = self._survey_texts  # shared: an import seen later reaches every narrowing
        narrowed._configured = self._configured
        return narrowed

    def for_survey(self, survey_id: str) -> Catalogs:
        """The languages a resident of this survey may choose."""
        withheld = self._survey_withheld.get(survey_id)
        if not withheld:
            return self
        if survey_id not in self._narrowed:
            self._narrowed[survey_id] = self.without(set(withheld))
        return self._narrowed[survey_id]

    def language(self, code: str) -> Language:
        return self.languages[code]

    def language_name(self, code: str, reader: str) -> str:
        """A language's name for readers of `reader` (a report's language): a shipped language's catalog
        decides; an unshipped one is named by CLDR, or by its code if CLDR does not know it."""
        if code in self.languages:
            return self.languages[code].name_in(reader)
        cldr = exact_cldr_locale(code)
        return language_name_in(cldr, reader) if cldr else code

    def match(self, client_code: str | None) -> str | None:
        """The shipped language a client's language code (e.g. Telegram's "ar", "fa-AF") points to."""
        if not client_code:
            return None
        wanted = client_code.lower().replace("_", "-")
        for candidate in (wanted, wanted.split("-")[0]):
            for language in self.languages.values():
                if candidate in language.clients:
                    return language.code
        return None

    def translations(self, domain: str, code: str, source: str) -> gettext.NullTranslations:
        """Translations for `code`, falling back along its declared chain. The chain ends at the catalog's
        source language (`en` for the bot, the survey's language for survey content), whose text is the msgid."""
        chain = [code, *self.languages[code].fallback] if code in self.languages else [code]
        head: gettext.NullTranslations | None = None
        imported = self._survey_texts.get(domain)
        configured = self._configured.get(domain, {})
        for link in dict.fromkeys(chain):
            if link in configured:
                head = _chained(head, ContextTranslations(configured[link]))
            if link == source:
                break
            if imported is not None:
                loaded: gettext.NullTranslations | None = (
                    ContextTranslations(imported[link]) if link in imported else None)
            else:
                loaded = _load(self.locales_dir / link / "LC_MESSAGES", domain)
            if loaded is None:
                continue
            head = _chained(head, loaded)
        return head or gettext.NullTranslations()


def _chained(head: gettext.NullTranslations | None, link: gettext.NullTranslations) -> gettext.NullTranslations:
    """`link` appended to the fallback chain that starts at `head`."""
    if head is None:
        return link
    head.add_fallback(link)
    return head


@cache
def _load_cached(folder: Path, domain: str, stamp: float) -> gettext.GNUTranslations | None:
    po_path = folder / f"{domain}.po"
    mo_path = folder / f"{domain}.mo"
    if mo_path.is_file() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=None, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _load(folder: Path, domain: str) -> gettext.NullTranslations | None:
    po_path = folder / f"{domain}.po"
    if not po_path.is_file():
        return None
    loaded = _load_cached(folder, domain, po_path.stat().st_mtime)
    if loaded is None:
        return None
    # a fresh object per chain: add_fallback mutates, and chains differ per language
    copy = gettext.GNUTranslations.__new__(gettext.GNUTranslations)
    copy.__dict__.update(loaded.__dict__)
    copy._fallback = None
    return copy
