"""`heard-admin surveys import-xlsform|export-xlsform`: officers' Excel forms in and out. The export is converted
by pyxform (the XLSForm reference implementation); every unsupported construct is named by its cell, and a
broken workbook writes nothing."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from surveys.forms.xlsform import XlsFormError, catalog_texts, read_xlsform, write_xlsform
from surveys.i18n import LOCALES_DIR, Catalogs
from surveys.loader import load_survey
from surveys.model import Survey
from tests.conftest import write_config
from tests.xlsforms import (
    HOUSEHOLD_CHOICES,
    HOUSEHOLD_SETTINGS,
    HOUSEHOLD_SURVEY,
    LANGS,
    household_form,
    write_workbook,
)

HEARD_ADMIN = str(Path(sys.executable).parent / "heard-admin")
NEEDS = Path("surveys/bundled/needs.yaml")


def heard_admin(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARD_ADMIN, *args], capture_output=True, text=True, env=env, timeout=120)


def comparable(survey: Survey) -> tuple:
    """A survey without where it was read from (file name, line numbers)."""
    return (survey.id, survey.version, survey.language, survey.title, survey.intro, survey.thanks, survey.groups,
            tuple(dataclasses.replace(q, line=0) for q in survey.questions))


@pytest.fixture
def workspace(tmp_path: Path) -> dict[str, Path]:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    folder = tmp_path / "surveys"
    config = write_config(tmp_path, extra=f'[surveys]\ndirectories = ["{folder}"]\n')
    return {"locales": locales, "folder": folder, "config": config, "tmp": tmp_path}


@pytest.fixture
def env(workspace: dict[str, Path]) -> dict[str, str]:
    return {"HEARD_CONFIG": str(workspace["config"]), "PATH": "/usr/bin:/bin"}


def test_bundled_survey_round_trips_through_xlsform_and_pyxform_converts_the_export(env, tmp_path):
    target = tmp_path / "needs.xlsx"
    result = heard_admin(env, "surveys", "export-xlsform", "needs", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert "needs v1 in 12 languages" in result.stdout

    converted = convert(xlsform=str(target))  # raises on any XLSForm error
    assert "<h:title>Was brauchen Sie in unserer Stadt?</h:title>" in converted.xform
    assert 'lang="Arabic (ar)"' in converted.xform and 'lang="Tigrinya (ti)"' in converted.xform
    assert "selected( /data/language_course , 'yes')" in converted.xform  # show_if became a relevant

    survey = load_survey(NEEDS)
    imported = read_xlsform(target, catalogs=Catalogs())
    assert comparable(imported.survey) == comparable(survey)
    assert imported.translations == catalog_texts(survey, LOCALES_DIR)
    assert imported.warnings == [] and imported.skipped == []


def test_the_bundled_xlsform_is_up_to_date_with_the_yaml(tmp_path):
    fresh = tmp_path / "needs.xlsx"
    survey = load_survey(NEEDS)
    write_xlsform(survey, catalog_texts(survey, LOCALES_DIR), fresh)

    def cells(path: Path) -> dict[str, list[tuple]]:
        workbook = load_workbook(path, read_only=True)
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}

    assert cells(Path("surveys/bundled/needs.xlsx")) == cells(fresh), "run `make xlsform`"


def test_imported_form_exports_to_the_same_form(tmp_path):
    imported = read_xlsform(household_form(tmp_path / "household.xlsx"), catalogs=Catalogs())
    assert imported.warnings == []
    exported = tmp_path / "again.xlsx"
    write_xlsform(imported.survey, imported.translations, exported)
    convert(xlsform=str(exported))
    again = read_xlsform(exported, catalogs=Catalogs())
    assert comparable(again.survey) == comparable(imported.survey)
    assert again.translations == imported.translations


def test_import_writes_the_survey_where_the_bot_finds_it_and_one_catalog_per_language(env, workspace):
    workbook = household_form(workspace["tmp"] / "household.xlsx")
    result = heard_admin(env, "surveys", "import-xlsform", str(workbook), "--locales", str(workspace["locales"]))
    assert result.returncode == 0, result.stderr
    survey_file = workspace["folder"] / "household_needs.yaml"
    assert "household_needs v2027031501, 10 questions, source language en" in " ".join(result.stdout.split())
    assert survey_file.is_file()
    for code in ("ar", "de"):
        po = (workspace["locales"] / code / "LC_MESSAGES" / "survey-household_needs.po").read_text(encoding="utf-8")
        assert 'msgctxt "district.hill"' in po
    assert "التلة" in (workspace["locales"] / "ar" / "LC_MESSAGES" / "survey-household_needs.po").read_text("utf-8")
    listed = heard_admin(env, "surveys", "show", "household_needs")
    assert listed.returncode == 0 and "household_size" in listed.stdout

    again = heard_admin(env, "surveys", "import-xlsform", str(workbook), "--locales", str(workspace["locales"]))
    assert again.returncode == 1 and "exists already" in again.stderr
    same = heard_admin(env, "surveys", "import-xlsform", str(workbook), "--replace",
                       "--locales", str(workspace["locales"]))
    assert same.returncode == 0, same.stderr

    changed = [list(row) for row in HOUSEHOLD_SURVEY]
    changed[3][2] = "How many people live with you?"
    edited = write_workbook(workspace["tmp"] / "edited.xlsx", changed, HOUSEHOLD_CHOICES, HOUSEHOLD_SETTINGS)
    refused = heard_admin(env, "surveys", "import-xlsform", str(edited), "--replace",
                          "--locales", str(workspace["locales"]))
    assert refused.returncode == 1
    assert "version 2027031501 is already in use with other content: raise the version" in refused.stderr
    assert "How many people live in your household?" in survey_file.read_text(encoding="utf-8")


def test_a_language_the_bot_cannot_speak_is_reported(env, workspace):
    survey = [["type", "name", "label::English (en)", "label::French (fr)"],
              ["select_one yes_no", "works", "Do you work?", "Travaillez-vous ?"]]
    choices = [["list_name", "name", "label::English (en)", "label::French (fr)"],
               ["yes_no", "yes", "Yes", "Oui"], ["yes_no", "no", "No", "Non"]]
    settings = [["form_id", "form_title", "heard_title::French (fr)"], ["work", "Work", "Travail"]]
    workbook = write_workbook(workspace["tmp"] / "fr.xlsx", survey, choices, settings)
    result = heard_admin(env, "surveys", "import-xlsform", str(workbook), "--locales", str(workspace["locales"]))
    assert result.returncode == 0, result.stderr
    assert "fr: Heard's bot has no catalog for this language, so residents cannot choose it yet" in result.stderr
    assert (workspace["locales"] / "fr" / "LC_MESSAGES" / "survey-work.po").is_file()


UNSUPPORTED_SURVEY = [
    ["type", "name", "label::English (en)", "relevant", "constraint", "calculation", "default", "media::image",
     "parameters", "required"],
    ["start", "start", "", "", "", "", "", "", "", ""],
    ["select_one yes_no", "consent_ok", "Shall we start?", "", "", "", "", "", "", ""],
    ["geopoint", "location", "Where are you?", "", "", "", "", "", "", ""],
    ["begin repeat", "members", "Household member", "", "", "", "", "", "", ""],
    ["text", "member_name", "Name", "", "", "", "", "", "", ""],
    ["end repeat", "", "", "", "", "", "", "", "", ""],
    ["calculate", "total", "", "", "", "1 + 1", "", "", "", ""],
    ["select_one yes_no or_other", "pet", "Do you have a pet?", "", "", "", "", "", "", ""],
    ["integer", "age", "How old are you?", "", "", "", "30", "", "", ""],
    ["note", "picture", "Look at this", "", "", "", "", "photo.jpg", "", ""],
    ["range", "mood", "Your mood?", "", "", "", "", "", "start=0 end=1 step=0.1", ""],
    ["text", "why", "Why?", "${consent_ok} = 'yes'", "", "", "", "", "", "${age} > 3"],
    ["date", "born", "When were you born?", "", "", "", "", "", "", ""],
]
UNSUPPORTED_CHOICES = [["list_name", "name", "label::English (en)"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]
UNSUPPORTED_SETTINGS = [["form_id", "form_title", "version"], ["kobo_form", "Kobo form", "3"]]
UNSUPPORTED_LINES = [
    "survey!A2: 'start': metadata 'start' is not collected (residents are anonymous)",
    "survey!A4: 'location': 'geopoint': locations are not collected (residents are anonymous)",
    "survey!A5: 'begin repeat': repeats (asking a block several times) are not supported",
    "survey!A8: 'total': 'calculate': calculations are not supported",
    "survey!A9: 'pet': 'or_other' is not supported (add an 'other' choice and a text question shown if it is chosen)",
    "survey!G10: 'age': default answers are not supported",
    "survey!H11: 'picture': media in labels is not supported",
    "survey!I12: 'mood': a range becomes a scale of whole points: step must be 1",
    "survey!J13: 'why': required must be yes or no (expressions are not supported)",
    "survey!A14: 'born': 'date': dates are not supported (ask a single-choice question instead)",
]


def test_every_unsupported_construct_is_named_by_its_cell_and_nothing_is_imported(env, workspace):
    workbook = write_workbook(workspace["tmp"] / "kobo.xlsx", UNSUPPORTED_SURVEY, UNSUPPORTED_CHOICES,
                              UNSUPPORTED_SETTINGS)
    result = heard_admin(env, "surveys", "import-xlsform", str(workbook), "--locales", str(workspace["locales"]))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[:-1] == UNSUPPORTED_LINES
    assert lines[-1] == ("Nothing was imported: 10 problem(s). Unsupported rows can be left out with "
                         "--skip-unsupported.")
    assert not workspace["folder"].exists()
    assert not list(workspace["locales"].glob("*/LC_MESSAGES/survey-kobo_form.po"))


def test_skip_unsupported_lists_every_skipped_row_and_imports_the_rest(env, workspace):
    workbook = write_workbook(workspace["tmp"] / "kobo.xlsx", UNSUPPORTED_SURVEY, UNSUPPORTED_CHOICES,
                              UNSUPPORTED_SETTINGS)
    result = heard_admin(env, "surveys", "import-xlsform", str(workbook), "--skip-unsupported",
                         "--locales", str(workspace["locales"]))
    assert result.returncode == 0, result.stderr
    skipped = [line.removeprefix("skipped ") for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert skipped[:5] == [
        *UNSUPPORTED_LINES[:3],
        "survey!A6: 'member_name' is inside a repeat",
        "survey!A7: end of the skipped repeat",
    ]
    assert set(UNSUPPORTED_LINES) <= set(skipped)
    assert "12 unsupported row(s) or cell(s) skipped" in result.stdout
    survey = load_survey(workspace["folder"] / "kobo_form.yaml")
    assert [q.name for q in survey.questions] == ["consent_ok", "age", "picture", "why"]
    assert survey.question("why").show_if == () and survey.question("why").relevant == "${consent_ok} = 'yes'"


def test_broken_workbooks_name_the_cell_to_fix(tmp_path):
    survey = [
        ["type", "name", *(f"label::{lang}" for lang in LANGS), "relevant", "constraint", "choice_filter"],
        ["integer", "size", "Size?", "الحجم؟", "Größe?", "${later} > 1", "", ""],
        ["integer", "later", "Later?", "لاحقا؟", "Später?", "", ". >", ""],
        ["select_one colours", "colour", "Colour?", "اللون؟", "Farbe?", "", "", ""],
        ["text", "Bad-Name", "Bad?", "سيء؟", "Schlecht?", "", "", ""],
        ["select_one yes_no", "mood", "Mood?", "المزاج؟", "Stimmung?", "foo(${size})", "", ""],
        ["text", "", "", "", "", "", "", ""],
        ["text", "empty", "", "فارغ", "Leer", "", "", ""],
    ]
    workbook = write_workbook(tmp_path / "broken.xlsx", survey, HOUSEHOLD_CHOICES, HOUSEHOLD_SETTINGS)
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(workbook, catalogs=Catalogs())
    assert [str(p) for p in caught.value.problems] == [
        "survey!F2: relevant refers to ${later}, which is not a question asked before this row "
        "(it is asked later, so this would never hold)",
        "survey!G3: constraint '. >': expected a value at position 4 (found the end)",
        "survey!A4: 'colour': list 'colours' is not in the choices sheet",
        "survey!B5: name 'Bad-Name' must start with a lowercase letter and use only a-z, 0-9 and _ (max 40): "
        "Heard stores answers under it",
        "survey!F6: relevant 'foo(${size})': function foo() at position 1 is not supported "
        "(supported: selected(), count-selected(), not(), string-length(), true(), false())",
        "survey!B7: name '' must start with a lowercase letter and use only a-z, 0-9 and _ (max 40): "
        "Heard stores answers under it",
        "survey!C8: 'empty' has no label in the source language (en)",
    ]


def test_a_workbook_that_is_not_one_is_refused(tmp_path):
    fake = tmp_path / "form.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(fake)
    assert str(caught.value).startswith("form.xlsx: cannot read the workbook")


def test_numbered_choices_as_kobo_writes_them_import_and_drive_skip_logic(tmp_path):
    survey = [["type", "name", "label", "relevant"],
              ["select_one often", "visits", "How often do you visit the town hall?", ""],
              ["text", "why_never", "Why never?", "${visits} = 3"]]
    choices = [["list_name", "name", "label"], ["often", 1, "Weekly"], ["often", 2, "Monthly"],
               ["often", 3, "Never"]]
    settings = [["form_id", "form_title"], ["visits", "Visits"]]
    workbook = write_workbook(tmp_path / "numbered.xlsx", survey, choices, settings)
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(workbook, catalogs=Catalogs())
    assert str(caught.value) == ("settings: say which language the 'label' column is in: default_language in the "
                                 "settings sheet (e.g. 'German (de)'), or --language")
    imported = read_xlsform(workbook, catalogs=Catalogs(), default_language="de")
    visits = imported.survey.question("visits")
    assert [c.name for c in visits.choices] == ["1", "2", "3"]
    why = imported.survey.question("why_never")
    assert why.is_shown({"visits": "3"}) and not why.is_shown({"visits": "1"}) and not why.is_shown({})


def test_nested_groups_are_flattened_under_the_innermost_labelled_one(tmp_path):
    survey = [["type", "name", "label", "relevant"],
              ["select_one yes_no", "adult", "Are you 18 or older?", ""],
              ["begin_group", "work", "Work", "${adult} = 'yes'"],
              ["begin_group", "details", "", "${adult} != 'no'"],
              ["integer", "hours", "Hours a week?", "true()"],
              ["end_group", "", "", ""],
              ["end_group", "", "", ""],
              ["note", "bye", "Thanks", ""]]
    choices = [["list_name", "name", "label"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]
    settings = [["form_id", "form_title", "default_language"], ["jobs", "Jobs", "English (en)"]]
    imported = read_xlsform(write_workbook(tmp_path / "nested.xlsx", survey, choices, settings))
    hours = imported.survey.question("hours")
    assert hours.group == "work" and imported.survey.group("work").relevant == "${adult} = 'yes'"
    assert hours.relevant == "(${adult} != 'no') and (true())"
    assert hours.is_shown({"adult": "yes"}) and not hours.is_shown({"adult": "no"})
    assert imported.survey.question("bye").group is None

    unclosed = [row for row in survey if row[0] != "end_group"] + [["end_group", "", "", ""]]
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(write_workbook(tmp_path / "unclosed.xlsx", unclosed, choices, settings))
    assert [str(p) for p in caught.value.problems] == ["survey!A3: group 'work' is never closed with 'end group'"]
