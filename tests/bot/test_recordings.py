"""Residents who cannot read hear the questions: a survey gives recordings per question and per choice and
language; the bot sends the one in the resident's language before the question (OGG as a voice message, MP3 as
audio with a player, a choice's captioned with its label), and a question without a recording in that language,
or whose file is missing, is text only, without a word about it."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.config import load_settings
from tests.support.config import write_config
from tests.support.recordings import voiced_survey_config
from tests.support.residents import Resident, new_user, plain
from tests.support.running_bot import RunningBot


@pytest.fixture
async def voiced_bot(tmp_path: Path, telegram):
    extra = voiced_survey_config(tmp_path)
    bot = RunningBot(load_settings(write_config(tmp_path, extra=extra), environ={}), telegram)
    await bot.start()
    yield bot
    await bot.stop()


async def test_questions_and_choices_are_read_aloud_in_the_residents_language(voiced_bot, telegram):
    resident = Resident(telegram, new_user(language_code="de"))
    await resident.send("/start")
    before = len(resident.chat)
    await resident.tap("Ja, los geht's")
    sent = resident.chat[before:]
    assert [m.document and m.document["kind"] for m in sent] == ["voice", "audio", None], "voice, choice, text"
    assert sent[0].document["content"] == b"OggS-recording:course-de.ogg", "the German recording, not the Arabic"
    assert sent[1].document["content"] == b"OggS-recording:yes-de.mp3" and plain(sent[1].text) == "Ja"
    assert "Besuchen Sie einen Sprachkurs?" in sent[2].text and sent[2].buttons, "the question follows, to answer"

    before = len(resident.chat)
    await resident.tap("Ja", sent[2])
    question = resident.chat[before:]
    assert all(m.document is None for m in question), "no German recording: text only"
    assert "Leben Kinder bei Ihnen?" in question[-1].text

    before = len(resident.chat)
    await resident.tap("Nein")
    wish = resident.chat[before:]
    assert all(m.document is None for m in wish), "a missing file: text only, no error"
    assert "Was wünschen Sie sich?" in wish[-1].text
    await resident.send("Mehr Kurse")
    assert "Sie können Ihre Antworten jederzeit mit /delete löschen." in resident.last.text
