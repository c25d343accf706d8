"""`heard-admin translations update` merges new texts into a catalog without losing what Heard reads from its
header: a language that loses `X-Heard-Print-Size` prints too small, one that loses `X-Heard-Name-de` is
misnamed in the German report."""

from __future__ import annotations

import shutil

from admin.report.words import TEXTS
from surveys.config import PROJECT_ROOT
from surveys.i18n.catalogs import Catalogs
from surveys.i18n.tooling import bot_template, report_template, update_catalog


def test_update_keeps_every_heard_header_line(tmp_path):
    locales = tmp_path / "locales"
    shutil.copytree(PROJECT_ROOT / "locales", locales)
    before = Catalogs(locales).language("de_plain")
    assert before.print_size == 14 and before.name_in("de") == "Deutsch (Leichte Sprache)"

    update_catalog(bot_template(), locales / "de_plain" / "LC_MESSAGES" / "bot.po", "de_plain")

    after = Catalogs(locales).language("de_plain")
    assert after == before


def test_every_report_text_reaches_the_report_catalog(tmp_path):
    """A report text written without its `source_text` marker would never be offered to a translator."""
    template = report_template()
    assert {message.context for message in template if message.id} == set(TEXTS)
    german = tmp_path / "de" / "LC_MESSAGES" / "report.po"
    update_catalog(template, german, "de")
    assert 'msgctxt "section_method"\nmsgid "Method and reach"\nmsgstr ""' in german.read_text(encoding="utf-8")
