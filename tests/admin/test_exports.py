"""Microdata exports: the real `heard-admin results export` in every format, on data entered through the console
channel and straight into the store. What protection does against an attacker: test_export_anonymity.py."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
from collections import Counter
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
from rich.console import Console

from admin.export import Labels, SpssNames, write_json, write_sav
from admin.export_commands import format_for, progress_bar
from surveys.config import load_settings
from surveys.core.model import DECLINED
from surveys.forms.loader import parse_survey
from surveys.wiring import open_core
from tests.admin.test_export_anonymity import stored
from tests.support.commands import run
from tests.support.config import write_config
from tests.support.interviews import GERMAN_INTERVIEW, Interviewer

# ------------------------------------------------------------------------------- formats, unit tests


def test_format_comes_from_the_option_else_the_file_suffix():
    assert format_for(None, Path("x.XLSX")) == "xlsx"
    assert format_for(None, Path("x.sav")) == "sav"
    assert format_for(None, Path("x.txt")) == "json"
    assert format_for(None, None) == "json"
    assert format_for("csv", Path("x.sav")) == "csv"


async def _aiter(items):
    for item in items:
        yield item


async def test_streamed_json_is_the_same_text_as_a_dumped_list():
    for records in ([], [{"a": 1}], [{"a": [1, 2], "b": {"c": "ü"}}, {"a": None}]):
        out = io.StringIO()
        assert await write_json(_aiter(records), out) == len(records)
        assert out.getvalue() == json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def test_spss_names_are_valid_unique_and_at_most_64_bytes():
    names = SpssNames()
    assert names("response_id") == "response_id"
    assert names("to") == "to_" and names("WITH") == "WITH_"
    assert names("Response_ID") == "Response_ID_2", "SPSS names ignore case"
    long = "q" * 40 + "_" + "c" * 39
    first, second = names(long + "1"), names(long + "2")
    assert len(first) == 64 and len(second) == 64 and first != second and second.endswith("_2")
    assert names("9lives") == "v9lives"


def test_progress_bar_shows_on_a_terminal_and_not_otherwise():
    screen = io.StringIO()
    with progress_bar(10, Console(file=screen, force_terminal=True, width=80), show=True) as advance:
        advance(10)
    assert "Exporting" in screen.getvalue() and "10/10" in screen.getvalue()
    quiet = io.StringIO()
    with progress_bar(10, Console(file=quiet), show=False) as advance:
        advance(10)
    assert quiet.getvalue() == ""


TRICKY_SURVEY = """
id: tricky
version: 2
language: de
title: Namen
intro: I
thanks: D
questions:
  - {name: to, type: single, field: core, label: Reserviert, choices: [{name: a, label: A}]}
  - {name: wave, type: text, field: core, label: Welle}
  - name: q_long_question_name_filling_forty_chars
    type: multi
    field: core
    label: Lang
    choices:
      - {name: choice_with_a_long_name_that_is_forty_1, label: Eins}
      - {name: choice_with_a_long_name_that_is_forty_2, label: Zwei}
  - {name: rating, type: scale, field: core, label: Bewertung, min: 0, max: 4, low_label: schlecht,
     high_label: gut, choices: [{name: unsure, label: Weiß nicht}]}
"""


async def test_sav_names_codes_and_missing_values_for_unusual_surveys(tmp_path):
    survey = parse_survey(TRICKY_SURVEY, "tricky.yaml")
    meta = {"survey_id": "tricky", "survey_version": 2, "wave": "w1", "language": "de", "channel": "telegram",
            "submitted_month": "2026-11"}
    records = [
        {"response_id": "r1", **meta, "answers": {"to": "a", "wave": "x", "rating": 0,
                                                  "q_long_question_name_filling_forty_chars":
                                                  ["choice_with_a_long_name_that_is_forty_2"]}},
        {"response_id": "r2", **meta, "answers": {"to": DECLINED, "rating": "unsure",
                                                  "q_long_question_name_filling_forty_chars": DECLINED}},
        {"response_id": "r3", **meta, "answers": {"to": "gone_from_the_file", "rating": DECLINED}},
    ]
    path = tmp_path / "tricky.sav"
    assert await write_sav(_aiter(records), survey, Labels("Keine Angabe"), path, expected=3) == 3
    frame, meta_data = pyreadstat.read_sav(str(path), user_missing=True)
    columns = list(frame.columns)
    assert columns[:7] == ["response_id", "survey_id", "survey_version", "wave", "language", "channel",
                           "submitted_month"]
    assert "to_" in columns and "wave_2" in columns
    long = [c for c in columns if c.startswith("q_long")]
    assert len(long) == 3 and all(len(c.encode()) <= 64 for c in long) and len(set(long)) == 3
    assert frame["to_"].tolist() == [1, -1, 2]
    assert meta_data.variable_value_labels["to_"] == {1: "A", 2: "gone_from_the_file", -1: "Keine Angabe"}
    # the scale starts at 0, so "prefer not to say" is coded below it: -1, its extra choice -2, both missing
    assert frame["rating"].tolist() == [0, -2, -1]
    assert meta_data.variable_value_labels["rating"] == {-1: "Keine Angabe", 0: "schlecht", 4: "gut",
                                                         -2: "Weiß nicht"}
    assert meta_data.missing_ranges["rating"] == [{"lo": -2, "hi": -1}]
    assert frame[long[2]].tolist()[:2] == [1, -1] and frame[long[1]].tolist()[:2] == [0, -1]
    assert pd_isna(frame[long[1]].tolist()[2])


def pd_isna(value) -> bool:
    return value != value  # NaN


# ------------------------------------------------------------------- the real command, on real data

PREFIX = ["Deutsch", "Ja, los geht's"]


class Interviews(Interviewer):
    """Several console interviews in a row, one script after another."""

    async def read(self, prompt: str) -> str | None:
        self.another = bool(self.script)
        return await super().read(prompt)


async def console_interviews(config: Path, count: int) -> None:
    from bot.console import run_console

    core = await open_core(load_settings(config, environ={}))
    try:
        interviewer = Interviews(GERMAN_INTERVIEW * count)
        await run_console(core.conversations, interviewer.read, interviewer.write)
        assert interviewer.screen[-1] == f"In dieser Sitzung gespeicherte Interviews: {count}"
    finally:
        await core.close()


def answers(area, age, gender, **more):
    return {"area": area, "age_band": age, "gender": gender, "know_advice": "partly", "understood_by_town": 4,
            "work_barriers": ("language", "childcare"), "children_school": "no", "feel_at_home": 2, **more}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> dict[str, str]:
    """15 responses: 5 console interviews (Nordstadt, 18-29, woman, de, no wave), 5 of Altstadt, 30-49, men,
    Arabic in wave 2027-spring, and 5 small groups in Nordstadt (3 men 18-29, 2 diverse under 18, German)
    that need gender blanked and age bands merged before k = 5 holds."""
    folder = tmp_path_factory.mktemp("exports")
    config = write_config(folder)
    spring = [{"language": "ar", "wave": "2027-spring", "answers": answers(
        "altstadt", "from_30_to_49", "man", understood_by_town="never_contacted", town_should_change="=1+1",
        course_barriers=DECLINED, language_course="no")} for _ in range(5)]
    spring[0]["answers"]["feel_at_home"] = DECLINED
    small = [{"language": "de", "answers": answers("nordstadt", "from_18_to_29", "man")} for _ in range(3)]
    small += [{"language": "de", "answers": answers("nordstadt", "under_18", "diverse")} for _ in range(2)]

    async def create() -> None:
        await console_interviews(config, 5)
        await stored(config, spring + small)

    asyncio.run(create())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARD_", "TELEGRAM_"))}
    return {**env, "HEARD_CONFIG": str(config)}


COARSENED = (
    "Protected for anonymity (k = 5): gender blanked in 5 records; age bands merged into under_30, from_30_to_64, "
    "over_64 in 5 records; answers to the sensitive question health_barriers blanked in fewer than 10 records "
    "(groups of fewer than 10 people, or answers all alike)."
)
"""Only the small groups' gender and age are coarsened; the 5 console interviews all answered "long waiting
times" to the sensitive health question, so a group of 5 does not show it."""


def test_csv_to_standard_output_and_json_to_a_file(dataset, tmp_path):
    exported = run("heard-admin", "results", "export", "--format", "csv", env=dataset)
    assert exported.returncode == 0, exported.stderr
    assert COARSENED in exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(rows) == 15
    assert list(rows[0])[:8] == ["response_id", "survey_id", "survey_version", "wave", "language", "channel",
                                 "submitted_month", "area"]
    assert Counter((r["area"], r["age_band"], r["gender"], r["language"]) for r in rows) == {
        ("nordstadt", "from_18_to_29", "woman", "de"): 5,
        ("nordstadt", "under_30", "", "de"): 5,
        ("altstadt", "from_30_to_49", "man", "ar"): 5,
    }
    assert {r["health_barriers"] for r in rows} == {""}
    console = [r for r in rows if r["channel"] == "assisted"]
    assert len(console) == 5 and {r["course_barriers"] for r in console} == {"times childcare"}
    assert {r["submitted_month"] for r in console} == {dt.date.today().strftime("%Y-%m")}
    assert {r["submitted_month"] for r in rows if r["channel"] == "telegram"} == {"2026-11"}
    assert all(r["school_system"] == "" for r in rows), "not asked: empty"

    target = tmp_path / "out.json"
    exported = run("heard-admin", "results", "export", "-o", str(target), env=dataset)
    assert exported.returncode == 0, exported.stderr
    assert f"Wrote {target} (15 records)." in exported.stderr
    records = json.loads(target.read_text(encoding="utf-8"))
    interviewed = next(r for r in records if r["channel"] == "assisted")
    assert "submitted_on" not in interviewed and interviewed["survey_version"] == 1
    assert interviewed["answers"]["course_barriers"] == ["times", "childcare"]
    assert interviewed["answers"]["age_band"] == "from_18_to_29"
    assert "health_barriers" not in interviewed["answers"], "all alike in a group of 5: blanked"
    assert interviewed["answers"]["town_should_change"] == "Mehr Sprachcafés, Kontakt: [phone]"
    blanked = [r for r in records if r["answers"]["area"] == "nordstadt" and r["channel"] == "telegram"]
    assert len(blanked) == 5 and all("gender" not in r["answers"] for r in blanked), "blanked like not asked"
    spring = [r for r in records if r["wave"] == "2027-spring"]
    assert {r["answers"]["course_barriers"] for r in spring} == {DECLINED}


def test_wave_filter_and_refuse_mode(dataset, tmp_path):
    exported = run("heard-admin", "results", "export", "--format", "json", "--wave", "2027-spring",
                   "--k-anonymity", "refuse", env=dataset)
    assert exported.returncode == 0, exported.stderr
    records = json.loads(exported.stdout)
    assert len(records) == 5 and {r["wave"] for r in records} == {"2027-spring"}
    assert {r["answers"]["age_band"] for r in records} == {"from_30_to_49"}, "nothing coarsened"
    assert exported.stderr == "", "nothing changed, nothing to say"

    target = tmp_path / "refused.csv"
    target.write_text("earlier export", encoding="utf-8")
    refused = run("heard-admin", "results", "export", "--k-anonymity", "refuse", "-o", str(target), env=dataset)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "Export refused: 5 of 15 records would be in groups of fewer than k = 5 people with the same area × age_band "
        "× gender × language × years_here × channel × wave × submitted_month; nothing was written. Run it again "
        "with `--k-anonymity coarsen` to coarsen these variables where needed, or use `heard-admin results "
        "summary` for protected counts."]
    assert "--k-anonymity coarsen" in refused.stderr
    assert target.read_text(encoding="utf-8") == "earlier export", "an existing file is left alone"
    assert not list(tmp_path.glob(".*partial"))

    none = run("heard-admin", "results", "export", "--wave", "2031-winter", env=dataset)
    assert none.returncode == 1 and "No completed responses of needs v1 in wave '2031-winter'" in none.stderr
    assert none.stdout == ""


def test_an_export_of_one_wave_is_exactly_its_part_of_the_export_of_all_waves(dataset):
    """Both carry response ids, so an officer (or whoever finds both files) can put them side by side: the wave's
    records must not be coarsened differently in the two, or together they would say more than either."""
    whole = run("heard-admin", "results", "export", "--format", "json", env=dataset)
    part = run("heard-admin", "results", "export", "--format", "json", "--wave", "2027-spring", env=dataset)
    assert whole.returncode == 0 and part.returncode == 0, whole.stderr + part.stderr
    spring = sorted((r for r in json.loads(whole.stdout) if r["wave"] == "2027-spring"),
                    key=lambda r: r["response_id"])
    assert len(spring) == 5 and sorted(json.loads(part.stdout), key=lambda r: r["response_id"]) == spring
    assert {r["answers"]["age_band"] for r in spring} == {"from_30_to_49"}


def test_xlsx_has_data_with_indicator_columns_and_a_labels_sheet(dataset, tmp_path):
    target = tmp_path / "responses.xlsx"
    exported = run("heard-admin", "results", "export", "--format", "xlsx", "-o", str(target), env=dataset)
    assert exported.returncode == 0, exported.stderr
    assert COARSENED in exported.stderr
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames == ["data", "labels"]
    rows = list(workbook["data"].iter_rows(values_only=True))
    header, data = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(data) == 15
    assert header.index("course_barriers/times") == header.index("course_barriers") + 1
    interviewed = next(r for r in data if r["channel"] == "assisted")
    assert interviewed["course_barriers"] == "times childcare"
    assert (interviewed["course_barriers/times"], interviewed["course_barriers/childcare"],
            interviewed["course_barriers/cost"]) == (1, 1, 0)
    assert interviewed["understood_by_town"] == 3 and interviewed["survey_version"] == 1
    spring = [r for r in data if r["wave"] == "2027-spring"]
    assert {r["course_barriers"] for r in spring} == {DECLINED}
    assert {r["course_barriers/times"] for r in spring} == {None}, "declined: no 0/1"
    assert {r["understood_by_town"] for r in spring} == {"never_contacted"}
    assert {r["school_system"] for r in data} == {None}
    formula = next(c for c in workbook["data"]["A"][1:] if c.value in {r["response_id"] for r in spring})
    text_cell = workbook["data"].cell(row=formula.row, column=header.index("town_should_change") + 1)
    assert text_cell.value == "=1+1" and text_cell.data_type == "s", "a resident's text is never a formula"

    labels = list(workbook["labels"].iter_rows(values_only=True))
    assert labels[0] == ("question", "question_label", "choice", "choice_label", "field", "type")
    assert ("area", "In welchem Stadtteil wohnen Sie?", "nordstadt", "Nordstadt", "core", "single") in labels
    assert ("course_barriers", "Was hält Sie von einem Deutschkurs ab?", "times", "Die Kurszeiten passen nicht",
            "language", "multi") in labels
    assert ("feel_at_home", "Wie sehr fühlen Sie sich hier zu Hause?", "5", "sehr", "living_together",
            "scale") in labels
    assert ("age_band", "Wie alt sind Sie?", "under_30", "Unter 18 / 18 bis 29", "core", "single") in labels
    assert ("gender", "Welches Geschlecht haben Sie?", DECLINED, "Möchte ich nicht sagen", "core",
            "single") in labels
    assert ("town_should_change", "Was sollte die Stadt als Erstes ändern?", DECLINED, "Möchte ich nicht sagen",
            "closing", "text") in labels


def test_sav_has_codes_variable_labels_and_value_labels(dataset, tmp_path):
    target = tmp_path / "responses.sav"
    exported = run("heard-admin", "results", "export", "-o", str(target), env=dataset)  # format from the suffix
    assert exported.returncode == 0, exported.stderr
    frame, meta = pyreadstat.read_sav(str(target), user_missing=True)
    assert len(frame) == 15
    labels = meta.column_names_to_labels
    assert labels["area"] == "In welchem Stadtteil wohnen Sie?"
    assert labels["course_barriers_times"] == "Was hält Sie von einem Deutschkurs ab?: Die Kurszeiten passen nicht"
    assert meta.variable_value_labels["area"] == {1: "Altstadt", 2: "Nordstadt", 3: "Südstadt", 4: "Woanders",
                                                  -1: "Möchte ich nicht sagen"}
    assert meta.variable_value_labels["age_band"] == {
        1: "Unter 18", 2: "18 bis 29", 3: "30 bis 49", 4: "50 bis 64", 5: "65 oder älter",
        6: "Unter 18 / 18 bis 29", -1: "Möchte ich nicht sagen"}
    assert meta.variable_value_labels["understood_by_town"] == {
        1: "gar nicht", 5: "sehr gut", -1: "Möchte ich nicht sagen", -2: "Noch nie Kontakt gehabt"}
    assert meta.missing_ranges["understood_by_town"] == [{"lo": -2, "hi": -1}]
    for name in ("area", "age_band", "gender", "years_here", "know_advice", "language_course", "children_school",
                 "understood_by_town", "school_system", "feel_at_home"):
        assert name in meta.variable_value_labels, name
    assert meta.variable_measure["feel_at_home"] == "ordinal" and meta.variable_measure["area"] == "nominal"

    rows = frame.to_dict("records")
    interviewed = [r for r in rows if r["channel"] == "assisted"]
    assert {(r["area"], r["age_band"], r["gender"]) for r in interviewed} == {(2, 2, 1)}
    assert {(r["course_barriers"], r["course_barriers_times"], r["course_barriers_cost"])
            for r in interviewed} == {("times childcare", 1, 0)}
    assert {r["understood_by_town"] for r in interviewed} == {3}
    spring = [r for r in rows if r["wave"] == "2027-spring"]
    assert {(r["area"], r["age_band"], r["language"]) for r in spring} == {(1, 3, "ar")}
    assert {r["understood_by_town"] for r in spring} == {-2} and {r["course_barriers_times"] for r in spring} == {-1}
    assert sorted(r["feel_at_home"] for r in spring) == [-1, 2, 2, 2, 2]
    blanked = [r for r in rows if r["channel"] == "telegram" and r["area"] == 2]
    assert len(blanked) == 5 and all(pd_isna(r["gender"]) for r in blanked)
    assert {r["submitted_month"] for r in spring} == {"2026-11"}

    needs_file = run("heard-admin", "results", "export", "--format", "sav", env=dataset)
    assert needs_file.returncode == 2 and "-o FILE" in needs_file.stderr


def test_a_single_console_interview_is_never_exported(config_path, cli_env, tmp_path):
    """What test_cli's single interview now gets: a refusal, and no file."""
    asyncio.run(console_interviews(config_path, 1))
    target = tmp_path / "one.json"
    refused = run("heard-admin", "results", "export", "--format", "json", "-o", str(target), env=cli_env)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "Export refused: fewer than k = 5 completed responses, and microdata this small could identify people; "
        "nothing was written. Wait until at least 5 responses are in, or use `heard-admin results summary` for "
        "protected counts."], "one line, and not how many there are"
    assert not target.exists() and refused.stdout == ""


def test_free_text_that_looks_like_a_formula_cannot_run_in_a_spreadsheet():
    from admin.export import _csv_safe
    from surveys.forms.loader import load_survey

    survey = load_survey(Path("surveys/bundled/needs.yaml"))
    text_question = survey.question("town_should_change")
    assert _csv_safe(text_question, '=HYPERLINK("http://x","klick")') == "'=HYPERLINK(\"http://x\",\"klick\")"
    assert _csv_safe(text_question, "-1 Kita-Platz") == "'-1 Kita-Platz"
    assert _csv_safe(text_question, "Mehr Kurse") == "Mehr Kurse"
    assert _csv_safe(survey.question("feel_at_home"), 3) == 3
