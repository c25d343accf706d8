"""Residents answer in their own language: every shipped language end to end, right-to-left included,
language switching, the translator's check."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from admin.summary import summarize
from surveys.core.bidi import RLM
from surveys.core.disclosure import EMPTY, Tally, disclose
from surveys.forms.loader import load_survey
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs, survey_domain
from surveys.store.schema import Response
from tests.support.residents import Resident, new_user, plain

CATALOGS = Catalogs()
SURVEY = load_survey(Path("surveys/bundled/needs.yaml"))
AREA_LABELS = {"Altstadt", "Nordstadt", "Südstadt"}


def texts_for(code: str):
    bot = CATALOGS.translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE)
    content = CATALOGS.translations(survey_domain("needs"), code, SURVEY.language)
    return bot, content


def allowed_buttons(code: str, question) -> set[str]:
    bot, content = texts_for(code)
    labels = {content.pgettext(f"{question.name}.{c.name}", c.label) for c in question.choices}
    labels |= AREA_LABELS if question.name == "area" else set()
    labels |= {str(p) for p in question.scale_points()} if question.type.value == "scale" else set()
    labels |= {bot.gettext("Prefer not to say"), "⬅ " + bot.gettext("Back"), bot.gettext("Done") + " ✔"}
    labels |= {bot.ngettext("Done ({count} chosen)", "Done ({count} chosen)", n).format(count=n) + " ✔"
               for n in range(1, 8)}
    return labels


def strip_marks(label: str) -> str:
    label = plain(label)
    for mark in ("✅ ", "▫️ "):
        label = label.removeprefix(mark)
    return label


def shipped() -> list[str]:
    return sorted(CATALOGS.languages)


@pytest.mark.parametrize("code", shipped())
async def test_resident_completes_the_survey_in_every_shipped_language(running_bot, telegram, code):
    bot, content = texts_for(code)
    rtl = CATALOGS.languages[code].rtl
    resident = Resident(telegram, new_user(language_code=None))
    await resident.send(f"/start l-{code}")

    intro = plain(resident.last.text)
    assert content.pgettext("survey.title", SURVEY.title) in intro
    assert bot.gettext("This survey is run by {municipality}.").format(municipality="Stadt Testhausen") in intro
    assert bot.gettext("Questions about data protection: {contact}") not in intro  # not a separate message id
    await resident.press(resident.last, "y")

    asked = []
    while True:
        message = resident.last
        text = plain(message.text)
        if content.pgettext("survey.thanks", SURVEY.thanks) in text:
            break
        question = next(q for q in SURVEY.questions if content.pgettext(f"{q.name}.label", q.label) in text)
        asked.append(question.name)
        assert len(asked) < 20, asked
        translated = content.pgettext(f"{question.name}.label", question.label)
        if code not in ("de", "de_plain") and translated != question.label:
            assert question.label not in text, f"German source text mixed into {code}: {question.label}"
        for button in message.buttons:
            assert strip_marks(button["text"]) in allowed_buttons(code, question), (code, button["text"])
        data = [b["callback_data"] for b in message.buttons]
        if any(d.startswith("t:") for d in data):
            await resident.press(message, next(d for d in data if d.startswith("t:")))
            toggled = resident.last_with_buttons()
            done = next(b["callback_data"] for b in toggled.buttons if b["callback_data"].startswith("d:"))
            await resident.press(toggled, done)
        elif any(d.startswith("c:") for d in data):
            await resident.press(message, next(d for d in data if d.startswith("c:")))
        else:
            await resident.send("Ok 123")

    assert "school_system" in asked and "course_barriers" in asked
    for message in resident.chat:
        assert "{" not in message.text and "}" not in message.text, message.text
        if rtl:
            assert message.text.startswith(RLM), message.text[:30]
            assert all(b["text"].startswith(RLM) for b in message.buttons)
            assert all(len(row) == 1 for row in message.button_rows), "one option per row"
    async with running_bot.core.db() as db:
        languages = (await db.scalars(select(Response.language))).all()
    assert languages == [code]


async def test_picker_names_each_language_in_itself_and_client_language_preselects(running_bot, telegram):
    unknown = Resident(telegram, new_user(language_code="xx"))
    await unknown.send("/start")
    names = {plain(b["text"]) for b in unknown.last.buttons}
    assert {"العربية", "Українська", "Deutsch", "English", "Türkçe", "دری", "پښتو", "Soomaali", "ትግርኛ",
            "فارسی", "کوردی (سۆرانی)", "አማርኛ", "Tiếng Việt"} <= names
    arabic_phone = Resident(telegram, new_user(language_code="ar"))
    await arabic_phone.send("/start")
    assert arabic_phone.last.text.startswith(RLM)
    assert texts_for("ar")[1].pgettext("survey.title", SURVEY.title) in plain(arabic_phone.last.text)
    # Farsi as spoken in Iran and Dari are two catalogs: a phone set to Persian gets Iranian Persian
    farsi_phone = Resident(telegram, new_user(language_code="fa"))
    await farsi_phone.send("/start")
    assert texts_for("fa")[1].pgettext("survey.title", SURVEY.title) in plain(farsi_phone.last.text)
    dari_phone = Resident(telegram, new_user(language_code="fa-AF"))
    await dari_phone.send("/start")
    assert texts_for("fa_AF")[1].pgettext("survey.title", SURVEY.title) in plain(dari_phone.last.text)


async def test_switching_language_keeps_answers_and_languages_count_together(running_bot, telegram):
    arabic = Resident(telegram, new_user(language_code="ar"))
    await arabic.send("/start")
    await arabic.press(arabic.last, "y")
    await arabic.tap("Nordstadt")
    await arabic.send("/language")
    await arabic.tap("Deutsch")
    assert "2/15" in arabic.last.text and "Wie lange wohnen Sie schon hier?" in arabic.last.text
    for _ in range(11):
        await arabic.tap("Möchte ich nicht sagen")
    await arabic.send("Mehr Kurse")
    assert "Vielen Dank!" in arabic.last.text

    for language in ("ar", "ar", "de"):
        resident = Resident(telegram, new_user(language_code=language))
        await resident.send("/start")
        await resident.press(resident.last, "y")
        await resident.tap("Nordstadt")
        while any(b["callback_data"][:2] in ("c:", "t:") for b in resident.last.buttons):
            decline = next(b for b in resident.last.buttons if b["callback_data"].startswith("x:"))
            await resident.press(resident.last, decline["callback_data"])
        await resident.send("نعم" if language == "ar" else "Ja")

    async with running_bot.core.db() as db:
        languages = sorted((await db.scalars(select(Response.language))).all())
        keys = (await db.scalars(select(Response.record_key))).all()
        summary = await summarize(db, running_bot.core.registry.default, 2)
    assert languages == ["ar", "ar", "de", "de"], "the answering language is stored with each response"
    area = next(t for t in summary.tables if t.question.name == "area")
    everyone = disclose(sum((Tally(1, key) for key in keys), EMPTY), 2)
    assert area.cell("nordstadt") == everyone == summary.responses, "all languages count together: one cell"


def run_check(locales: Path, *codes: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "heard-admin"), "translations", "check", "--locales", str(locales), *codes],
        capture_output=True, text=True, timeout=120,
    )


def test_translations_check_passes_on_shipped_catalogs(cli_env):
    result = subprocess.run([str(Path(sys.executable).parent / "heard-admin"), "translations", "check"],
                            capture_output=True, text=True, env=cli_env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"all {len(CATALOGS.languages)} languages complete" in result.stdout


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_translations_check_names_each_kind_of_broken_string(tmp_path, cli_env):
    locales = tmp_path / "locales"
    shutil.copytree("locales", locales)
    arabic = locales / "ar" / "LC_MESSAGES" / "bot.po"
    text = arabic.read_text(encoding="utf-8")
    # 1. a missing string
    start = text.index('msgid "Show my answers"')
    end = text.index("\n", text.index("msgstr", start))
    text = text[:start] + 'msgid "Show my answers"\nmsgstr ""' + text[end:]
    arabic.write_text(text, encoding="utf-8")
    # 2. a placeholder that differs from the source
    turkish = locales / "tr" / "LC_MESSAGES" / "bot.po"
    original = next(line for line in turkish.read_text(encoding="utf-8").splitlines()
                    if line.startswith("msgstr") and "{municipality}" in line)
    _break(turkish, original, original.replace("{municipality}", "{gemeinde}"))
    # 3. right-to-left strings starting with a Latin letter and with a digit
    dari = locales / "fa_AF" / "LC_MESSAGES" / "survey-needs.po"
    dari_text = dari.read_text(encoding="utf-8")
    label = dari_text.index('msgctxt "gender.label"')
    msgstr = dari_text.index('msgstr "', label) + len('msgstr "')
    dari.write_text(dari_text[:msgstr] + "Gender " + dari_text[msgstr:], encoding="utf-8")
    pashto = locales / "ps" / "LC_MESSAGES" / "survey-needs.po"
    pashto_text = pashto.read_text(encoding="utf-8")
    label = pashto_text.index('msgctxt "age_band.label"')
    msgstr = pashto_text.index('msgstr "', label) + len('msgstr "')
    pashto.write_text(pashto_text[:msgstr] + "2 " + pashto_text[msgstr:], encoding="utf-8")

    result = run_check(locales)
    assert result.returncode == 1
    errors = result.stderr
    assert "ar/bot: 'Show my answers': missing translation" in errors
    assert "tr/bot: 'This survey is run by {municipality}.': placeholders differ" in errors
    assert "fa_AF/survey-needs: gender.label" in errors and "starts with a weak or left-to-right" in errors
    assert "ps/survey-needs: age_band.label" in errors
    assert run_check(locales, "uk").returncode == 0, "other languages are unaffected"


async def test_a_language_failing_the_check_is_not_offered(settings, tmp_path):
    from surveys.wiring import open_core

    locales = tmp_path / "locales"
    shutil.copytree("locales", locales)
    somali = locales / "so" / "LC_MESSAGES" / "survey-needs.po"
    text = somali.read_text(encoding="utf-8")
    label = text.index('msgctxt "area.label"')
    msgstr = text.index('msgstr "', label)
    end = text.index("\n", msgstr)
    somali.write_text(text[:msgstr] + 'msgstr ""' + text[end:], encoding="utf-8")
    turkish = locales / "tr" / "LC_MESSAGES" / "bot.po"
    text = turkish.read_text(encoding="utf-8")
    start = text.index('msgid "Yes, let\'s start"')
    msgstr = text.index('msgstr "', start)
    end = text.index("\n", msgstr)
    turkish.write_text(text[:msgstr] + 'msgstr ""' + text[end:], encoding="utf-8")
    core = await open_core(settings, Catalogs(locales))
    try:
        needs = core.conversations.catalogs.for_survey("needs")
        assert "so" not in needs.languages, "a gap in the survey's texts: withheld for that survey"
        assert "ar" in needs.languages
        assert needs.match("so") is None
        assert "so" in core.conversations.catalogs.languages, "other surveys keep it"
        assert "tr" not in core.conversations.catalogs.languages, "a gap in the bot's texts: withheld everywhere"
    finally:
        await core.close()


def test_translations_status_shows_drafts(cli_env):
    result = subprocess.run([str(Path(sys.executable).parent / "heard-admin"), "translations", "status"],
                            capture_output=True, text=True, env=cli_env, timeout=120)
    assert result.returncode == 0
    rows = [line for line in result.stdout.splitlines() if "│ ar " in line]
    assert len(rows) == 2 and all("100%" in row and "draft" in row for row in rows)
