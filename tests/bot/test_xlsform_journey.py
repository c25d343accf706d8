"""An officer imports a form written as the XLSForm specification documents it (three languages, Arabic among
them, a section, chains of `relevant`, `choice_filter`, constraints with messages) with the real `heard-admin`,
and residents complete it over the fake Telegram Bot API: skip logic and constraints are honoured in their
language, and the answers land in the database under the form's names. The import lives in the database: a bot
that is already running offers a new version within a second, without a restart, while a resident who started
the old version finishes it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs
from surveys.store.schema import Answer, Response
from tests.support.config import write_config
from tests.support.residents import Resident, new_user, plain
from tests.support.running_bot import RunningBot
from tests.support.xlsforms import (
    HOUSEHOLD_CHOICES,
    HOUSEHOLD_SETTINGS,
    HOUSEHOLD_SURVEY,
    household_form,
    write_workbook,
)

HEARD_ADMIN = str(Path(sys.executable).parent / "heard-admin")


def import_form(config: Path, workbook: Path) -> subprocess.CompletedProcess[str]:
    env = {"HEARD_CONFIG": str(config), "PATH": "/usr/bin:/bin"}
    return subprocess.run([HEARD_ADMIN, "surveys", "import-xlsform", str(workbook)], capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    """The household form imported with the real command into the test's database."""
    config = write_config(tmp_path, extra='[surveys]\ndefault = "household_needs"\n')
    result = import_form(config, household_form(tmp_path / "household.xlsx"))
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    return config


@pytest.fixture
async def household_bot(imported, telegram):
    from surveys.config import load_settings

    bot = RunningBot(load_settings(imported, environ={}), telegram)
    await bot.start()
    yield bot
    await bot.stop()


def bot_texts(code: str):
    return Catalogs().translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE)


def shown(resident: Resident) -> list[str]:
    return [plain(b["text"]) for b in resident.last_with_buttons().buttons]


async def test_arabic_resident_completes_imported_form_with_skip_logic_and_constraints(household_bot, telegram):
    bot = bot_texts("ar")
    resident = Resident(telegram, new_user(language_code="ar"))
    await resident.send("/start")
    assert "احتياجات الأسرة" in plain(resident.last.text), "the title in Arabic"
    await resident.tap(bot.gettext("Yes, let's start"))
    assert "مرحبا! بعض الأسئلة عن أسرتك." in plain(resident.last.text)  # a note
    await resident.tap(bot.gettext("Continue"))

    question = plain(resident.last.text)
    assert "▸ عن أسرتك" in question, "the group label is the section heading"
    assert "كم شخصا يعيش في أسرتك؟" in question
    assert not resident.last.buttons, "required and first: no 'prefer not to say', no 'back'"
    await resident.send("25")
    assert "يرجى إدخال رقم من 1 إلى 20." in plain(resident.last.text), "the form's constraint_message, in Arabic"
    await resident.send("٣")  # Arabic-Indic digits
    assert "هل يعيش أطفال معك؟" in plain(resident.last.text), "relevant: more than one person"
    await resident.tap("نعم")
    assert "كم عدد الأطفال؟" in plain(resident.last.text), "relevant chain: children live here"
    await resident.send("5")
    assert "يجب أن يكون عدد الأطفال أقل من عدد أفراد الأسرة." in plain(resident.last.text)
    await resident.send("2")

    assert "في أي منطقة تعيش؟" in plain(resident.last.text)
    assert "▸ عن أسرتك" not in plain(resident.last.text), "the section is over"
    await resident.tap("الشمال")
    districts = shown(resident)
    assert "الميناء" in districts and "المدينة القديمة" in districts
    assert "التلة" not in districts, "choice_filter: only the north's districts"

    await resident.tap("الميناء")
    assert "اختر حتى اثنين." in plain(resident.last.text)  # hint
    for need in ("السكن", "العمل", "شيء آخر"):
        await resident.tap(need)
    await resident.tap(bot.ngettext("Done ({count} chosen)", "Done ({count} chosen)", 3).format(count=3))
    assert "يرجى اختيار اثنين على الأكثر." in plain(resident.last.text), "count-selected(.) <= 2"
    await resident.tap("العمل")  # untick
    await resident.tap(bot.ngettext("Done ({count} chosen)", "Done ({count} chosen)", 2).format(count=2))
    assert "ما هي الحاجة الأخرى؟" in plain(resident.last.text), "selected(${needs}, 'other')"
    await resident.send("مساعدة في الأوراق")
    # rent is asked only in the south: skipped
    assert "ما مدى رضاك عن حيك؟" in plain(resident.last.text)
    await resident.tap("4")
    assert bot.gettext("You can delete your answers at any time with /delete.") in plain(resident.last.text)

    async with household_bot.core.db() as db:
        response = (await db.scalars(select(Response))).one()
        assert (response.survey_id, response.survey_version, response.language) == ("household_needs", 1,
                                                                                     "ar")
        rows = (await db.scalars(select(Answer).where(Answer.response_id == response.id))).all()
        stored = {(a.question, a.choice, a.number, a.text) for a in rows}
    assert ("household_size", None, 3, None) in stored
    assert ("children_count", None, 2, None) in stored
    assert ("district", "harbour", None, None) in stored
    assert {("needs", "housing", None, None), ("needs", "other", None, None)} <= stored
    assert ("needs", "work", None, None) not in stored
    assert ("satisfaction", None, 4, None) in stored
    assert not any(a.question in ("rent", "welcome") for a in rows)


async def test_english_resident_skips_the_children_chain_and_gives_a_decimal_rent(household_bot, telegram):
    bot = bot_texts("en")
    resident = Resident(telegram, new_user(language_code="en"))
    await resident.send("/start")
    await resident.tap(bot.gettext("Yes, let's start"))
    await resident.tap(bot.gettext("Continue"))
    await resident.send("1")
    assert "Which region do you live in?" in plain(resident.last.text), "one person: no children questions"
    await resident.tap("South")
    assert shown(resident)[:1] == ["Hill"] and "Harbour" not in shown(resident)
    await resident.tap("Hill")
    await resident.tap("Work")
    await resident.tap(bot.ngettext("Done ({count} chosen)", "Done ({count} chosen)", 1).format(count=1))
    assert "What is your monthly rent in euros?" in plain(resident.last.text)
    await resident.send("0")
    assert bot.gettext("This answer is not possible here. Please check it and answer again.") not in plain(
        resident.last.text
    ), "a number question without a constraint_message explains the range instead"
    assert bot.gettext("That number is outside the possible range.") in plain(resident.last.text)
    await resident.send("450,50")
    await resident.tap(bot.gettext("Prefer not to say"))  # satisfaction
    async with household_bot.core.db() as db:
        response = (await db.scalars(select(Response))).one()
        rows = (await db.scalars(select(Answer).where(Answer.response_id == response.id))).all()
    answers = {a.question: (a.choice, a.number, a.text, a.declined) for a in rows if a.choice is None or
               a.question != "needs"}
    assert answers["rent"] == (None, None, "450.5", False)
    assert answers["satisfaction"][3] is True
    assert "has_children" not in answers and "children_count" not in answers


async def test_languages_the_imported_form_lacks_stay_offered_in_the_needs_survey(household_bot, telegram):
    """The household form speaks German, English and Arabic; the needs survey keeps all twelve languages."""
    catalogs = household_bot.core.catalogs
    assert "tr" not in catalogs.for_survey("household_needs").languages
    assert {"tr", "uk", "ti", "ar"} <= set(catalogs.for_survey("needs").languages)

    turkish = Resident(telegram, new_user(language_code="tr"))
    await turkish.send("/start --s-needs")
    assert "Evet, başlayalım" in shown(turkish), "the needs survey in Turkish"
    await turkish.send("/cancel")
    await turkish.send("/start")  # the default survey here is the household form: no Turkish, so the picker
    assert "Türkçe" not in shown(turkish) and "العربية" in shown(turkish)


async def test_a_running_bot_offers_a_new_import_at_once_and_an_earlier_start_finishes_its_version(
        household_bot, telegram, imported, tmp_path):
    bot = bot_texts("en")
    early = Resident(telegram, new_user(language_code="en"))
    await early.send("/start")
    await early.tap(bot.gettext("Yes, let's start"))
    await early.tap(bot.gettext("Continue"))
    assert "How many people live in your household?" in plain(early.last.text)

    changed = [list(row) for row in HOUSEHOLD_SURVEY]
    changed[3][2] = "How many people share your home?"
    edited = write_workbook(tmp_path / "edited.xlsx", changed, HOUSEHOLD_CHOICES, HOUSEHOLD_SETTINGS)
    result = await asyncio.to_thread(import_form, imported, edited)  # another process, as an officer would
    assert result.returncode == 0 and "household_needs v2 (new version)" in result.stdout, result.stderr

    late = Resident(telegram, new_user(language_code="en", name="Lina"))
    for _ in range(40):  # the bot looks for new imports once a second: wait for it, not for the clock
        await late.send("/start")
        if "Yes, let's start" in [plain(b["text"]) for b in late.last_with_buttons().buttons]:
            await late.tap(bot.gettext("Yes, let's start"))
            await late.tap(bot.gettext("Continue"))
            if "How many people share your home?" in plain(late.last.text):
                break
        await late.send("/cancel")
        await asyncio.sleep(0.25)
    assert "How many people share your home?" in plain(late.last.text), "the running bot offers version 2"

    await early.send("1")
    assert "Which region do you live in?" in plain(early.last.text), "the early resident goes on in version 1"
    await early.tap("North")
    await early.tap("Harbour")
    await early.tap(bot.gettext("Done") + " ✔")
    await early.tap(bot.gettext("Prefer not to say"))
    async with household_bot.core.db() as db:
        versions = (await db.scalars(select(Response.survey_version))).all()
    assert versions == [1]
