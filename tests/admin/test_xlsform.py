"""`heard-admin surveys import-xlsform|export-xlsform`: the forms officers bring from KoboToolbox and ODK import as
they are (pyxform reads them, as Kobo and ODK do), keep their own names and languages, go into the database, and
go back out as forms pyxform converts. What a chat cannot ask is named by its cell, one line each; nothing is
stored while a problem remains."""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from surveys.core.engine import Ask, Consent, Problem, SessionState, Start, Text, advance
from surveys.core.model import QuestionType, Survey
from surveys.core.render import Municipality, Renderer
from surveys.forms.loader import load_survey
from surveys.forms.xlsform import XlsFormError, catalog_texts, read_xlsform, write_xlsform
from surveys.i18n.catalogs import LOCALES_DIR, Catalogs
from tests.support.config import write_config
from tests.support.xlsforms import (
    HOUSEHOLD_CHOICES,
    HOUSEHOLD_SETTINGS,
    HOUSEHOLD_SURVEY,
    KOBO_SKIPPED,
    LANGS,
    LONG_GROUP,
    household_form,
    kobo_export,
    write_workbook,
)

HEARD_ADMIN = str(Path(sys.executable).parent / "heard-admin")
NEEDS = Path("surveys/bundled/needs.yaml")
YES_NO = [["list_name", "name", "label"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]


def heard_admin(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARD_ADMIN, *args], capture_output=True, text=True, env=env, timeout=120)


def comparable(survey: Survey) -> tuple:
    """A survey without where it was read from (file name, line numbers)."""
    return (survey.id, survey.version, survey.language, survey.title, survey.intro, survey.thanks, survey.groups,
            survey.calculations, tuple(dataclasses.replace(q, line=0) for q in survey.questions))


@pytest.fixture
def workspace(tmp_path: Path) -> dict[str, Path]:
    config = write_config(tmp_path)
    return {"config": config, "tmp": tmp_path, "db": tmp_path / "heard.db"}


@pytest.fixture
def env(workspace: dict[str, Path]) -> dict[str, str]:
    return {"HEARD_CONFIG": str(workspace["config"]), "PATH": "/usr/bin:/bin"}


def settings(form_id: str) -> list[list[str]]:
    """A settings sheet as the specification shows it, so that a test meets only the problem it is about."""
    return [["form_id", "form_title", "default_language"], [form_id, form_id.title(), "English (en)"]]


def lines(stream: str) -> list[str]:
    return [" ".join(line.split()) for line in stream.splitlines()]


def render_ask(survey: Survey, state: SessionState, language: str = "en") -> str:
    ask = next(p for p in advance(survey, state, Start()).prompts if isinstance(p, Ask))
    return Renderer(Catalogs(), survey, language, Municipality("Testhausen", "dpo@example.org")).render(ask).text


# ------------------------------------------------------------------------------------------ round trips


def test_bundled_survey_round_trips_through_xlsform_and_pyxform_converts_the_export(env, tmp_path):
    target = tmp_path / "needs.xlsx"
    result = heard_admin(env, "surveys", "export-xlsform", "needs", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert "needs v1 in 23 languages" in result.stdout

    converted = convert(xlsform=str(target))  # raises on any XLSForm error
    assert "<h:title>Was brauchen Sie in unserer Stadt?</h:title>" in converted.xform
    assert 'lang="Arabic (ar)"' in converted.xform and 'lang="Tigrinya (ti)"' in converted.xform
    assert "selected( /data/language_course , 'yes')" in converted.xform  # show_if became a relevant

    survey = load_survey(NEEDS)
    imported = read_xlsform(target, catalogs=Catalogs())
    assert comparable(imported.survey) == comparable(survey)
    assert imported.translations == catalog_texts(survey, LOCALES_DIR), "typographic quotes survive pyxform"
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


# ------------------------------------------------------------------------------------ where imports live


def test_an_import_goes_into_the_database_writes_no_files_and_heard_numbers_its_versions(env, workspace):
    locales_before = sorted(p.relative_to(LOCALES_DIR) for p in LOCALES_DIR.rglob("*.po"))
    workbook = household_form(workspace["tmp"] / "household.xlsx")
    result = heard_admin(env, "surveys", "import-xlsform", str(workbook))
    assert result.returncode == 0, result.stderr
    assert "household_needs v1 (new survey): 10 questions, source language en, languages en, ar, de" in \
        " ".join(result.stdout.split())
    assert sorted(p.relative_to(LOCALES_DIR) for p in LOCALES_DIR.rglob("*.po")) == locales_before
    assert sorted(p.name for p in workspace["tmp"].iterdir()) == ["heard.db", "heard.toml", "household.xlsx",
                                                                  "secret.key"], "nothing written beside"
    with sqlite3.connect(workspace["db"]) as db:
        rows = db.execute("SELECT survey_id, version, source_version FROM imported_surveys").fetchall()
        translations = db.execute("SELECT translations FROM imported_surveys").fetchone()[0]
    assert rows == [("household_needs", 1, "2027031501")], "the form's own version is kept, Heard counts its own"
    assert "التلة" in translations
    shown = heard_admin(env, "surveys", "show", "household_needs")
    assert shown.returncode == 0 and "household_size" in shown.stdout

    again = heard_admin(env, "surveys", "import-xlsform", str(workbook))
    assert "household_needs v1 (unchanged)" in again.stdout
    changed = [list(row) for row in HOUSEHOLD_SURVEY]
    changed[3][2] = "How many people live with you?"
    edited = write_workbook(workspace["tmp"] / "edited.xlsx", changed, HOUSEHOLD_CHOICES, HOUSEHOLD_SETTINGS)
    second = heard_admin(env, "surveys", "import-xlsform", str(edited))
    assert second.returncode == 0, second.stderr
    assert "household_needs v2 (new version)" in second.stdout, "the same form version, changed: a new version"
    with sqlite3.connect(workspace["db"]) as db:
        assert db.execute("SELECT version FROM survey_versions WHERE survey_id = 'household_needs' "
                          "ORDER BY version").fetchall() == [(1,), (2,)]

    clash = heard_admin(env, "surveys", "import-xlsform", str(workbook), "--id", "needs")
    assert clash.returncode == 1
    assert lines(clash.stderr)[-1].startswith("'needs' is the survey file"), clash.stderr

    exported = workspace["tmp"] / "out.xlsx"
    out = heard_admin(env, "surveys", "export-xlsform", "household_needs", "-o", str(exported))
    assert out.returncode == 0, out.stderr
    assert "How many people live with you?" in convert(xlsform=str(exported)).xform


# ------------------------------------------------------------------------------------- real-world forms


def test_a_kobo_export_imports_with_its_own_names_languages_and_features(tmp_path):
    workbook = kobo_export(tmp_path)
    imported = read_xlsform(workbook, skip_unsupported=True, catalogs=Catalogs())
    survey = imported.survey
    assert [str(s) for s in imported.skipped] == KOBO_SKIPPED
    assert (survey.id, survey.title, survey.language) == ("kobo_export_3", "kobo_export (3)", "en"), \
        "no form_title or form_id: the file name"
    assert imported.source_version == "vw6VTbhmVCMEtuN7LhcmjP"
    assert imported.languages == {"en": "English", "fr": "Français", "ar": "العربية"}
    keys = {q.source_name or q.name: q.name for q in survey.questions}
    assert keys == {"_consent": "consent", "First.Name": "first_name", "Q1.Age": "q1_age",
                    "Household-Size": "household_size", "others_note": "others_note", "Needs": "needs",
                    "needs_other": "needs_other", "doctor": "doctor", "phone": "phone", "arrived": "arrived"}
    assert survey.groups[0].source_name == LONG_GROUP and len(survey.groups[0].name) <= 40
    doctor = survey.question("doctor")
    assert [(c.name, c.source_name) for c in doctor.choices] == [
        ("aerztin", "Ärztin"), ("zahnaerztin", "Zahnärztin"), ("hausarzt_praxis", "Hausarzt Praxis")]
    age = survey.question("q1_age")
    assert (age.relevant, age.constraint) == ("${consent} = 'yes'", "${q1_age} > 0 and ${q1_age} < 120"), \
        "bind:: columns are read, names renamed in expressions"
    assert imported.translations["ar"]["q1_age.label"] == "كم عمرك يا ${first_name}؟", "label:العربية (one colon)"
    assert imported.translations["fr"]["consent.yes"] == "Oui"
    assert [c.name for c in survey.question("needs").choices] == ["wohnung", "ausbildung", "other"]
    assert survey.question("needs_other").relevant == "selected(${needs}, 'other')"
    assert survey.question("arrived").type is QuestionType.DATE
    assert survey.question("phone").constraint == "regex(., '^\\+?[0-9 ]{6,}$')"
    assert [c.calculation for c in survey.calculations] == ["${household_size} - 1"]

    exported = tmp_path / "again.xlsx"
    write_xlsform(survey, imported.translations, exported)
    xform = convert(xlsform=str(exported)).xform
    assert "/data/Q1.Age" in xform and "Ärztin" in xform, "the export speaks the form's own names"
    again = read_xlsform(exported, catalogs=Catalogs())
    assert [q.name for q in again.survey.questions] == [q.name for q in survey.questions]


def test_without_skip_unsupported_the_same_lines_refuse_the_form_and_nothing_is_stored(env, workspace):
    workbook = kobo_export(workspace["tmp"])
    result = heard_admin(env, "surveys", "import-xlsform", str(workbook))
    assert result.returncode == 1
    assert lines(result.stderr) == [*KOBO_SKIPPED, "Nothing was imported: 7 problem(s). Unsupported rows can be "
                                                   "left out with --skip-unsupported."]
    skipped = heard_admin(env, "surveys", "import-xlsform", str(workbook), "--skip-unsupported")
    assert skipped.returncode == 0, skipped.stderr
    assert [line.removeprefix("skipped ") for line in lines(skipped.stderr) if line.startswith("skipped ")] == \
        KOBO_SKIPPED
    assert "7 unsupported row(s) or cell(s) left out" in skipped.stdout


def test_the_odk_tutorials_age_constraint_on_the_age_question_accepts_an_age(tmp_path):
    """`${age} > 0 and ${age} < 120` on the required age question read the old, empty answer: every age was
    refused and the question could never be passed."""
    survey = [["type", "name", "label", "required", "constraint"],
              ["integer", "age", "How old are you?", "yes", "${age} > 0 and ${age} < 120"],
              ["integer", "rooms", "How many rooms?", "", ". < 20"],
              ["note", "bye", "Thank you", "", ""]]
    imported = read_xlsform(write_workbook(tmp_path / "odk.xlsx", survey, settings=settings("odk")),
                            catalogs=Catalogs())
    state = SessionState.new(imported.survey)
    for event in (Start(language="en"), Consent(True)):
        state = advance(imported.survey, state, event).state
    refused = advance(imported.survey, state, Text("130")).prompts[-1]
    assert isinstance(refused, Ask) and refused.problem is Problem.CONSTRAINT
    accepted = advance(imported.survey, state, Text("34"))
    assert accepted.state.answers == {"age": 34} and accepted.state.current == "rooms"
    assert advance(imported.survey, accepted.state, Text("25")).prompts[-1].problem is Problem.CONSTRAINT, \
        "the next question's constraint holds as before"
    assert advance(imported.survey, accepted.state, Text("3")).state.current == "bye"


def test_a_name_piped_into_a_label_shows_the_answer(tmp_path):
    """`${first_name}` in a label was shown literally."""
    survey = [["type", "name", "label::English (en)", "hint::English (en)"],
              ["text", "first_name", "Your first name?", ""],
              ["note", "hello", "Hello ${first_name}!", "Nice to meet you, ${first_name}."]]
    imported = read_xlsform(write_workbook(tmp_path / "pipe.xlsx", survey, settings=settings("pipe")),
                            catalogs=Catalogs())
    state = SessionState.new(imported.survey)
    for event in (Start(language="en"), Consent(True), Text("Amal")):
        state = advance(imported.survey, state, event).state
    text = render_ask(imported.survey, state)
    assert "Hello Amal!" in text and "Nice to meet you, Amal." in text and "${" not in text


def test_bind_columns_are_read_not_ignored(tmp_path):
    """`bind::constraint` and `bind::relevant` columns were ignored silently."""
    survey = [["type", "name", "label", "bind::relevant", "bind::constraint"],
              ["select_one yes_no", "works", "Do you work?", "", ""],
              ["integer", "hours", "Hours a week?", "${works} = 'yes'", ". <= 80"]]
    imported = read_xlsform(write_workbook(tmp_path / "bind.xlsx", survey, YES_NO, settings("bind")),
                            catalogs=Catalogs())
    hours = imported.survey.question("hours")
    assert hours.constraint == ". <= 80"
    assert hours.show_if or hours.relevant, "the relevant became a condition"
    assert not hours.is_shown({"works": "no"}) and hours.is_shown({"works": "yes"})


def test_a_row_reading_an_earlier_left_out_row_says_so_not_asked_later(tmp_path):
    """"…asked later, so this would never hold" was said of rows that were earlier but skipped."""
    survey = [["type", "name", "label", "relevant", "constraint"],
              ["geopoint", "where", "Where are you?", "", ""],
              ["text", "why", "Why there?", "${where} != ''", ""],
              ["integer", "size", "How many?", "", ". > 0 and ${where} != ''"]]
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(write_workbook(tmp_path / "left.xlsx", survey, settings=settings("left")), catalogs=Catalogs())
    assert [str(p) for p in caught.value.problems] == [
        "survey!A2: 'where' (geopoint): locations are not collected (residents are anonymous)",
        "survey!D3: 'why': relevant reads ${where}, which is left out (survey!A2): left out with it",
        "survey!E4: 'size': constraint reads ${where}, which is left out (survey!A2): its constraint is left out",
    ]
    assert not any("later" in str(p) for p in caught.value.problems)


def test_choices_with_pictures_are_named_once_and_never_as_a_missing_list(tmp_path):
    """"list is not in the choices sheet" was said when the list's choices had been refused."""
    survey = [["type", "name", "label"], ["select_one moods", "mood", "How are you?"],
              ["select_one moods", "mood_later", "And later?"]]
    choices = [["list_name", "name", "label", "media::image"],
               ["moods", "Sehr gut", "Very well", "happy.jpg"], ["moods", "Nicht gut", "Not well", "sad.jpg"]]
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(write_workbook(tmp_path / "moods.xlsx", survey, choices, settings("moods")), catalogs=Catalogs())
    assert [str(p) for p in caught.value.problems] == [
        "choices!D1: list 'moods': pictures and recordings of choices are not shown (labels are)"]
    imported = read_xlsform(tmp_path / "moods.xlsx", catalogs=Catalogs(), skip_unsupported=True)
    assert [(c.name, c.source_name) for c in imported.survey.question("mood").choices] == [
        ("sehr_gut", "Sehr gut"), ("nicht_gut", "Nicht gut")]


# ------------------------------------------------------------------------------------------- languages


def test_languages_named_without_codes_are_found_in_babels_language_data(tmp_path):
    survey = [["type", "name", "label::English", "label::Français", "label::العربية", "label::Deutsch",
               "label::Dari"],
              ["text", "city", "Your city?", "Votre ville ?", "مدينتك؟", "Ihre Stadt?", "شهر شما؟"]]
    imported = read_xlsform(write_workbook(tmp_path / "named.xlsx", survey, settings=[["form_id"], ["named"]]),
                            catalogs=Catalogs())
    assert imported.survey.language == "en", "the first label column"
    assert sorted(imported.translations) == ["ar", "de", "fa_AF", "fr"]
    assert imported.translations["fa_AF"]["city.label"] == "شهر شما؟"


def test_plain_label_without_a_language_is_said_once(tmp_path):
    rows = [["type", "name", "label"], *[["text", f"q{n}", f"Question {n}?"] for n in range(40)]]
    workbook = write_workbook(tmp_path / "plain.xlsx", rows, settings=[["form_id"], ["plain"]])
    imported = read_xlsform(workbook, catalogs=Catalogs())
    assert imported.survey.language == "en"
    assert imported.warnings == [
        "nothing says which language the 'label' column is in: Heard takes it as English (en); if it is another, "
        "import again with --language (e.g. --language de)"]
    german = read_xlsform(workbook, catalogs=Catalogs(), default_language="de")
    assert german.survey.language == "de" and german.warnings == []


def test_a_language_heard_cannot_identify_is_one_line_however_many_rows_it_has(tmp_path):
    """One missing language code was reported once per data row (270 lines)."""
    rows = [["type", "name", "label::English", "label::Elbisch"],
            *[["text", f"q{n}", f"Question {n}?", f"Frage {n}?"] for n in range(60)]]
    workbook = write_workbook(tmp_path / "elvish.xlsx", rows, settings=settings("elvish"))
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(workbook, catalogs=Catalogs())
    assert [str(p) for p in caught.value.problems] == [
        "survey!D1: language 'Elbisch' is not one Heard can identify: name it as 'Elbisch (xx)' with its language code"]
    kept = read_xlsform(workbook, catalogs=Catalogs(), skip_unsupported=True)
    assert len(kept.skipped) == 1 and kept.translations == {}


def test_a_language_the_bot_cannot_speak_is_reported(tmp_path):
    survey = [["type", "name", "label::English (en)", "label::Italian (it)"],
              ["select_one yes_no", "works", "Do you work?", "Lavora?"]]
    choices = [["list_name", "name", "label::English (en)", "label::Italian (it)"],
               ["yes_no", "yes", "Yes", "Sì"], ["yes_no", "no", "No", "No"]]
    settings = [["form_id", "form_title", "heard_title::Italian (it)"], ["work", "Work", "Lavoro"]]
    imported = read_xlsform(write_workbook(tmp_path / "it.xlsx", survey, choices, settings), catalogs=Catalogs())
    assert imported.warnings == [
        "it: Heard's bot has no catalog for this language, so residents cannot choose it yet: the bot's own buttons "
        "and messages need translating first (heard-admin translations update it)"]
    assert imported.translations["it"]["survey.title"] == "Lavoro"


# --------------------------------------------------------------------------------------- what is refused


def test_broken_workbooks_name_the_cell_to_fix(tmp_path):
    survey = [
        ["type", "name", *(f"label::{lang}" for lang in LANGS), "relevant", "constraint", "choice_filter"],
        ["integer", "size", "Size?", "الحجم؟", "Größe?", "${later} > 1", "", ""],
        ["integer", "later", "Later?", "لاحقا؟", "Später?", "", ". >", ""],
        ["select_one yes_no", "mood", "Mood?", "المزاج؟", "Stimmung?", "foo(${later})", "", ""],
        ["text", "empty", "", "فارغ", "Leer", "", "", ""],
    ]
    workbook = write_workbook(tmp_path / "broken.xlsx", survey, HOUSEHOLD_CHOICES, HOUSEHOLD_SETTINGS)
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(workbook, catalogs=Catalogs())
    assert [str(p) for p in caught.value.problems] == [
        "survey!F2: 'size': relevant reads ${later}, which is asked after this row (Heard asks in order, so it "
        "would read no answer)",
        "survey!G3: 'later': constraint '. >': expected a value at position 4 (found the end): it is left out",
        "survey!F4: 'mood': relevant 'foo(${later})': function foo() at position 1 is not supported",
        "survey!C5: 'empty' has no label in the source language (en)",
    ]


def test_a_workbook_that_is_not_one_is_refused(tmp_path):
    fake = tmp_path / "form.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(fake)
    assert str(caught.value) == "form.xlsx: cannot read the workbook: it is not an .xlsx, .xlsm or .xls file"


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_pyxform_reads_it(tmp_path):
    """The shared sheet reader's bounds apply to XLSForms too: pyxform holds a whole workbook in memory."""
    form = write_workbook(tmp_path / "form.xlsx", HOUSEHOLD_SURVEY, HOUSEHOLD_CHOICES, HOUSEHOLD_SETTINGS)
    assert read_xlsform(form, catalogs=Catalogs()).survey.questions  # the form itself imports
    padded = tmp_path / "padded.xlsx"
    with zipfile.ZipFile(form) as original, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as changed:
        for name in original.namelist():
            changed.writestr(name, original.read(name))
        changed.writestr("xl/media/padding.bin", bytes(150_000_000))  # deflates to about 150 kB
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(padded, catalogs=Catalogs())
    assert str(caught.value) == (
        "padded.xlsx: the workbook unpacks to 150 MB, more than the 100 MB Heard reads (a form with thousands of "
        "questions and choices unpacks to a few MB); if it really holds form rows, split it into several files")


# ---------------------------------------------------------------------------------------- form features


def test_numbered_choices_as_kobo_writes_them_import_and_drive_skip_logic(tmp_path):
    survey = [["type", "name", "label", "relevant"],
              ["select_one often", "visits", "How often do you visit the town hall?", ""],
              ["text", "why_never", "Why never?", "${visits} = 3"]]
    choices = [["list_name", "name", "label"], ["often", 1, "Weekly"], ["often", 2, "Monthly"],
               ["often", 3, "Never"]]
    settings = [["form_id", "form_title"], ["visits", "Visits"]]
    imported = read_xlsform(write_workbook(tmp_path / "numbered.xlsx", survey, choices, settings),
                            catalogs=Catalogs(), default_language="de")
    visits = imported.survey.question("visits")
    assert [c.name for c in visits.choices] == ["1", "2", "3"]
    why = imported.survey.question("why_never")
    assert why.is_shown({"visits": "3"}) and not why.is_shown({"visits": "1"}) and not why.is_shown({})


def test_older_syntax_and_duplicate_choice_names_as_pyxform_allows_them(tmp_path):
    survey = [["type", "name", "label"], ["select one from colours", "colour", "Colour?"],
              ["select all that apply from colours", "colours", "Colours?"]]
    choices = [["list name", "name", "label"], ["colours", "red", "Red"], ["colours", "red", "Crimson"],
               ["colours", "blue", "Blue"]]
    settings = [["form_id", "allow_choice_duplicates"], ["colours", "yes"]]
    imported = read_xlsform(write_workbook(tmp_path / "colours.xlsx", survey, choices, settings),
                            catalogs=Catalogs(), default_language="en")
    colour = imported.survey.question("colour")
    assert colour.type is QuestionType.SINGLE and imported.survey.question("colours").type is QuestionType.MULTI
    assert [(c.name, c.source_name, c.label) for c in colour.choices] == [
        ("red", None, "Red"), (colour.choices[1].name, "red", "Crimson"), ("blue", None, "Blue")]
    exported = tmp_path / "again.xlsx"
    write_xlsform(imported.survey, imported.translations, exported)
    convert(xlsform=str(exported))


def test_a_range_beyond_ten_points_is_a_number_with_its_step(tmp_path):
    survey = [["type", "name", "label", "parameters"],
              ["range", "rooms", "How many rooms?", "start=1 end=5"],
              ["range", "rent", "Rent in euros?", "start=0 end=2000 step=50"],
              ["range", "share", "Share of income?", "start=0 end=1 step=0.1"]]
    imported = read_xlsform(write_workbook(tmp_path / "range.xlsx", survey, settings=[["form_id"], ["range"]]),
                            catalogs=Catalogs(), default_language="en")
    rooms, rent, share = (imported.survey.question(n) for n in ("rooms", "rent", "share"))
    assert rooms.type is QuestionType.SCALE and (rooms.minimum, rooms.maximum) == (1, 5)
    assert rent.type is QuestionType.NUMBER and (rent.minimum, rent.maximum) == (0, 2000)
    assert rent.accepts(450, {}) and not rent.accepts(460, {})
    assert share.type is QuestionType.DECIMAL
    assert share.accepts(0.3, {}) and not share.accepts(0.35, {}) and not share.accepts(1.1, {})


def test_nested_groups_are_flattened_under_the_innermost_labelled_one(tmp_path):
    survey = [["type", "name", "label", "relevant"],
              ["select_one yes_no", "adult", "Are you 18 or older?", ""],
              ["begin_group", "work", "Work", "${adult} = 'yes'"],
              ["begin_group", "details", "", "${adult} != 'no'"],
              ["integer", "hours", "Hours a week?", "true()"],
              ["end_group", "", "", ""],
              ["end_group", "", "", ""],
              ["note", "bye", "Thanks", ""]]
    settings = [["form_id", "form_title", "default_language"], ["jobs", "Jobs", "English (en)"]]
    imported = read_xlsform(write_workbook(tmp_path / "nested.xlsx", survey, YES_NO, settings))
    hours = imported.survey.question("hours")
    assert hours.group == "work" and imported.survey.group("work").relevant == "${adult} = 'yes'"
    assert hours.relevant == "(${adult} != 'no') and (true())"
    assert hours.is_shown({"adult": "yes"}) and not hours.is_shown({"adult": "no"})
    assert imported.survey.question("bye").group is None


def test_what_pyxform_refuses_is_one_line_naming_the_cell(tmp_path):
    survey = [["type", "name", "label", "relevant"], ["text", "name", "Your name?", ""],
              ["text", "city", "Your city?", "${nmae} != ''"]]
    with pytest.raises(XlsFormError) as caught:
        read_xlsform(write_workbook(tmp_path / "typo.xlsx", survey, settings=settings("typo")), catalogs=Catalogs())
    assert [str(p) for p in caught.value.problems] == [
        "survey!D3: the 'relevant' value is invalid. Reference variables must contain a name from the 'survey' "
        "sheet. Could not find the name 'nmae'."]
