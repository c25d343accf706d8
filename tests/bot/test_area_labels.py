"""The municipality's areas in the residents' languages: heard.toml gives an area labels per language; the bot
shows them, the printed questionnaire prints them, and answers stay keyed by the area's name. A language
without a label reads the area's own label; a label under something that is not a language code is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from surveys.config import ConfigError, load_settings
from surveys.core.engine import SessionState
from surveys.i18n.catalogs import BOT_DOMAIN, BOT_SOURCE_LANGUAGE, Catalogs
from surveys.store.schema import Session
from tests.admin.test_printing import TextLayer
from tests.support.config import write_config
from tests.support.residents import Resident, new_user, plain
from tests.support.running_bot import RunningBot

HEARD_ADMIN = str(Path(sys.executable).parent / "heard-admin")
AREAS = [
    '  { name = "altstadt", label = "Altstadt", labels = { ar = "المدينة القديمة", tr = "Eski Şehir" } }',
    '  { name = "nordstadt", label = "Nordstadt", labels = { ar = "شمال المدينة" } }',
]


def yes(code: str) -> str:
    return Catalogs().translations(BOT_DOMAIN, code, BOT_SOURCE_LANGUAGE).gettext("Yes, let's start")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, areas_toml=AREAS)


@pytest.fixture
async def town_bot(config: Path, telegram):
    bot = RunningBot(load_settings(config, environ={}), telegram)
    await bot.start()
    yield bot
    await bot.stop()


async def first_question_buttons(telegram, code: str) -> tuple[Resident, set[str]]:
    resident = Resident(telegram, new_user(language_code=None))
    await resident.send(f"/start l-{code}")
    await resident.tap(yes(code))
    return resident, {plain(b["text"]) for b in resident.last.buttons}


async def test_residents_read_the_areas_in_their_language_and_answers_keep_the_name(town_bot, telegram):
    arabic, shown = await first_question_buttons(telegram, "ar")
    assert {"المدينة القديمة", "شمال المدينة"} <= shown and "Altstadt" not in shown
    await arabic.tap("المدينة القديمة")
    assert "المدينة القديمة" in plain(arabic.chat[-2].text), "the acknowledgement names the area in Arabic"

    _, shown = await first_question_buttons(telegram, "tr")
    assert {"Eski Şehir", "Nordstadt"} <= shown, "Turkish: its own label, else the area's label"
    _, shown = await first_question_buttons(telegram, "de")
    assert {"Altstadt", "Nordstadt"} <= shown

    async with town_bot.core.db() as db:
        states = (await db.scalars(select(Session.state))).all()
    answered = [SessionState.from_json(state).answers for state in states]
    assert {"area": "altstadt"} in answered, "answers are keyed by the area's name, not by any label"


def test_the_printed_questionnaire_prints_the_areas_in_its_language(config: Path, tmp_path: Path):
    output = tmp_path / "fragebogen-tr.pdf"
    env = {"HEARD_CONFIG": str(config), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([HEARD_ADMIN, "surveys", "print", "needs", "--language", "tr", "-o", str(output)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    printed = TextLayer(output)
    printed.assert_has("Eski Şehir")
    assert "Altstadt" not in printed.plain


def test_a_label_under_something_that_is_not_a_language_code_is_refused(tmp_path: Path):
    config = write_config(tmp_path, areas_toml=['  { name = "altstadt", label = "Altstadt", '
                                                'labels = { Arabisch = "المدينة القديمة" } }'])
    with pytest.raises(ConfigError, match="'Arabisch' is not a language code"):
        load_settings(config, environ={})
