"""Which language a workbook's column is in: `label::English (en)`, `label::English`, `label::Français`,
`label::العربية`, `label::EN` or `label::de-AT` all name one, resolved with Babel's language data (the names of
languages in English, in German and in themselves), and mapped onto the languages Heard's bot speaks where one
fits (`Dari` -> fa_AF)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from babel import Locale, UnknownLocaleError, localedata

#: Language names used in exported column headers (`label::Dari (fa-AF)`), where CLDR's would mislead.
LANGUAGE_NAMES = {"fa_AF": "Dari", "kmr": "Kurmanji", "de_plain": "Plain German"}
_CODE_IN_NAME = re.compile(r"^(?P<name>.*?)\s*[(\[](?P<code>[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)[)\]]\s*$")
_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def _folded(name: str) -> str:
    """Lower case without accents, so that `Francais` finds `français`."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _names() -> dict[str, str]:
    """Language name -> code, by the names English and German give languages."""
    index: dict[str, str] = {}
    for reader in ("de", "en"):  # English wins where names clash
        for code, name in Locale.parse(reader).languages.items():
            if "_" not in code or code == "fa_AF":
                index[_folded(name)] = code
    for code, name in LANGUAGE_NAMES.items():
        index[_folded(name)] = code
    index.update({"farsi": "fa", "dari": "fa_AF", "kurmanji": "kmr", "kurmancî": "kmr"})
    return index


@cache
def _native_names() -> dict[str, str]:
    """Language name -> code, by each language's name in itself (`Français`, `العربية`): every locale Babel
    has is read, so only when the English and German names did not tell."""
    index: dict[str, str] = {}
    for code in sorted(i for i in localedata.locale_identifiers() if "_" not in i):
        try:
            native = Locale.parse(code).language_name
        except (UnknownLocaleError, ValueError):
            continue
        if native:
            index.setdefault(_folded(native), code)
    return index


class Languages:
    """Resolves column languages to Heard codes; `shipped` are the languages the bot speaks (for `Dari`,
    `fa-af` and `prs` to land on the same `fa_AF`)."""

    def __init__(self, shipped: Iterable[str] = ()) -> None:
        self.shipped = list(shipped)

    def code(self, spelled: str) -> str | None:
        """The Heard code of a language as a workbook names it, or None if it names none."""
        text = spelled.strip()
        match = _CODE_IN_NAME.match(text)
        if match and self._valid(match["code"]):
            return self._heard(match["code"])
        if _CODE.match(text) and self._valid(text):
            return self._heard(text)
        code = _names().get(_folded(text)) or _native_names().get(_folded(text))
        return self._heard(code) if code else None

    @staticmethod
    def _valid(code: str) -> bool:
        try:
            Locale.parse(code.replace("-", "_"))
            return True
        except (UnknownLocaleError, ValueError):
            return code.lower().replace("-", "_") in ("kmr", "prs", "fa_af", "de_plain")

    def _heard(self, written: str) -> str:
        wanted = written.replace("-", "_")
        lowered = wanted.lower()
        if lowered == "prs":
            lowered = "fa_af"
        for code in self.shipped:
            if code.lower() == lowered:
                return code
        base, _, region = wanted.partition("_")
        if not region:
            regional = [code for code in self.shipped if code.lower().split("_")[0] == base.lower()
                        and code.lower() != "de_plain"]
            if len(regional) == 1 and regional[0].lower() != base.lower():
                return regional[0]
        return base.lower() + (f"_{region.upper()}" if len(region) == 2 else f"_{region}" if region else "")


def language_header(code: str) -> str:
    """How exports name a language in column headers: `Arabic (ar)`, `Dari (fa-AF)`."""
    name = LANGUAGE_NAMES.get(code)
    if name is None:
        try:
            name = Locale.parse(code).english_name
        except (UnknownLocaleError, ValueError):
            name = code
    return f"{name} ({code.replace('_', '-')})"
