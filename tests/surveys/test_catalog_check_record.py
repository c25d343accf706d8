"""The catalog check at start is kept beside the catalogs and redone as soon as anything it read changes, so
that a broken translation is withheld exactly as if the check had run again."""

from __future__ import annotations

import shutil

from surveys.i18n.catalogs import Catalogs
from surveys.wiring import CHECK_RECORD, open_core


async def test_the_catalog_check_is_kept_and_redone_when_a_catalog_changes(settings, tmp_path):
    locales = tmp_path / "locales"
    shutil.copytree("locales", locales, ignore=shutil.ignore_patterns(CHECK_RECORD))
    core = await open_core(settings, Catalogs(locales))
    await core.close()
    assert "tr" in core.conversations.catalogs.languages
    record = locales / CHECK_RECORD
    kept = record.read_text(encoding="utf-8")

    core = await open_core(settings, Catalogs(locales))
    await core.close()
    assert record.read_text(encoding="utf-8") == kept, "nothing changed: the kept outcome serves"

    turkish = locales / "tr" / "LC_MESSAGES" / "bot.po"
    text = turkish.read_text(encoding="utf-8")
    start = text.index('msgid "Yes, let\'s start"')
    msgstr = text.index('msgstr "', start)
    end = text.index("\n", msgstr)
    turkish.write_text(text[:msgstr] + 'msgstr ""' + text[end:], encoding="utf-8")
    core = await open_core(settings, Catalogs(locales))
    await core.close()
    assert "tr" not in core.conversations.catalogs.languages, "a catalog changed: checked again, and withheld"
    assert record.read_text(encoding="utf-8") != kept
