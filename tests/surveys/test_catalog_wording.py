"""Wording rules a reader notices and a machine can check in the shipped catalogs: no German "Divers" left in
another language's gender option, and Kurmanji speaks to residents politely (the plural "hûn" form) wherever it
asks them to do something."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from surveys.i18n.catalogs import LOCALES_DIR, Catalogs

CATALOGS = Catalogs()
# singular (familiar) imperatives; the polite forms end in -in: bikin, bidin, binivîsin, bişînin, hilbijêrin
KURMANJI_FAMILIAR = re.compile(r"\b(bike|bide|binivîse|bişîne|hilbijêre|bitikîne|bibêje|bixwîne)\b")


def messages(code: str, domain: str) -> list[tuple[str, str]]:
    with (LOCALES_DIR / code / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        catalog = read_po(handle)
    return [(m.context or m.id, m.string) for m in catalog if m.id and isinstance(m.string, str)]


@pytest.mark.parametrize("code", sorted(c for c in CATALOGS.languages if not c.startswith("de")))
def test_the_gender_option_is_translated_not_left_in_german(code):
    diverse = dict(messages(code, "survey-needs"))["gender.diverse"]
    assert not re.search(r"\bDivers\b", diverse), f"{code}: {diverse!r} keeps the German word"


def test_kurmanji_asks_residents_politely():
    familiar = [(key, text) for domain in ("bot", "survey-needs") for key, text in messages("kmr", domain)
                if "kerema xwe" in text and KURMANJI_FAMILIAR.search(text)]
    assert not familiar, familiar
