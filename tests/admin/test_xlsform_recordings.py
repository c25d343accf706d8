"""An XLSForm's recordings (`media::audio::<language>` columns, for questions and choices) come into Heard's
survey per language, with their files found beside the workbook; pictures and videos are still refused."""

from __future__ import annotations

import pytest

from surveys.forms.xlsform import XlsFormError, read_xlsform
from surveys.i18n.catalogs import Catalogs
from tests.support.xlsforms import write_workbook

SETTINGS = [["form_id", "form_title", "default_language"], ["voiced", "Voiced", "English (en)"]]


def test_audio_columns_become_recordings_per_language(tmp_path):
    survey = [["type", "name", "label::English (en)", "label::Arabic (ar)", "media::audio::English (en)",
               "media::audio::Arabic (ar)"],
              ["select_one yn", "course", "Do you attend a course?", "هل تحضر دورة؟", "", "audio/course-ar.ogg"]]
    choices = [["list_name", "name", "label::English (en)", "label::Arabic (ar)", "media::audio::Arabic (ar)"],
               ["yn", "yes", "Yes", "نعم", "audio/yes-ar.mp3"], ["yn", "no", "No", "لا", ""]]
    imported = read_xlsform(write_workbook(tmp_path / "voiced.xlsx", survey, choices, SETTINGS), catalogs=Catalogs())
    question = imported.survey.question("course")
    assert question.recording("ar") == str(tmp_path / "audio" / "course-ar.ogg")
    assert question.recording("en") is None, "no English recording: the English question is text only"
    assert question.choice("yes").recording("ar") == str(tmp_path / "audio" / "yes-ar.mp3")
    assert question.choice("no").recording("ar") is None
    assert "audio" in imported.yaml_text, "the stored definition carries the recordings"


def test_pictures_beside_questions_are_still_named_as_not_shown(tmp_path):
    survey = [["type", "name", "label", "media::image"], ["text", "wish", "What do you wish for?", "wish.jpg"]]
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(write_workbook(tmp_path / "pictured.xlsx", survey, None, SETTINGS), catalogs=Catalogs())
    assert any("pictures and recordings beside questions are not shown" in str(p) for p in caught.value.problems)
