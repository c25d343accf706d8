"""`heard-admin import paper`: paper questionnaires typed into a spreadsheet, checked cell by cell, stored all or
nothing, and recognised when imported again. Real SQLite through the fixtures; the real command as a subprocess
for the happy path and a rejected file; the checks themselves are pure and tested directly."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sqlite3
import struct
import subprocess
import tempfile
import time
import tracemalloc
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from admin import export
from admin.cli import build_app
from admin.paper_import import (
    ImportRejected,
    PaperFileError,
    Vocabulary,
    check_sheet,
    import_paper,
    parse_csv,
)
from admin.paper_sheets import open_sheet, scan
from surveys import distribution
from surveys.core.model import DECLINED
from surveys.forms.loader import parse_survey
from surveys.i18n.catalogs import Catalogs
from surveys.registry import SurveyRegistry
from surveys.store.schema import Answer, Response
from tests.support.commands import BIN, run

HEADER = ["area", "years_here", "gender", "know_advice", "understood_by_town", "language_course", "course_barriers",
          "work_barriers", "feel_at_home", "town_should_change", "_language", "_distributor"]


def csv_text(header: list[str], rows: list[list[object]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def canonical(answers: dict) -> str:
    return json.dumps(answers, sort_keys=True, ensure_ascii=False)


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    workbook.save(path)
    return path


@pytest.fixture
def survey(settings):
    """The bundled needs survey as the registry loads it: with the test municipality's areas."""
    return SurveyRegistry(settings).default


@pytest.fixture
def vocabulary(survey):
    return Vocabulary.of(survey, Catalogs())


def read_whole(path: Path) -> tuple[tuple[str, ...], list]:
    with open_sheet(scan(path)) as sheet:
        return sheet.header, list(sheet.rows)


def check(text: str, survey, vocabulary, distributors=None, default=None):
    return check_sheet(parse_csv(text.encode(), "paper.csv"), survey, vocabulary, distributors or {}, default)


async def add_distributors(core):
    async with core.db() as db, db.begin():
        cafe = await distribution.add_distributor(db, "Frauencafé Nord", "ar")
        mothers = await distribution.add_distributor(db, "Stadtteilmütter")
        former = await distribution.add_distributor(db, "Früher dabei")
        former.active = False
    return cafe, mothers, former


async def response_count(core) -> int:
    async with core.db() as db:
        return await db.scalar(select(func.count()).select_from(Response)) or 0


# ------------------------------------------------------------------------------ the real command, end to end


async def test_csv_import_with_the_command_counts_in_summary_and_export(core, cli_env, tmp_path):
    cafe, mothers, _ = await add_distributors(core)
    rows = [
        ["Nordstadt", "1 bis 3 Jahre", "Frau", "Ja", "4", "Ja", "Die Kosten; Keine Kinderbetreuung", "Sprache", "5",
         "Mehr Sprachcafés, Kontakt: 0151 99887766", "de", ""],
        ["nordstadt", "", "امرأة", "نعم", "never_contacted", "لا، لا أحتاج إليها", "", "", "أفضّل عدم الإجابة", "",
         "ar", ""],
        [" NORDSTADT ", "", "Жінка", "Так", "", "Ні, мені не потрібно", "", "", "", "", "uk", mothers.code],
        ["nordstadt", "over_10", "woman", "yes", "2", "no", "times childcare", "language; recognition", "3", "",
         "en", ""],
        ["Nordstadt", "", "FRAU", "Möchte ich nicht sagen", "", "", "", "", "", "", "", ""],
    ]
    path = tmp_path / "fragebogen.csv"
    path.write_text(csv_text(HEADER, rows), encoding="utf-8")

    first = run("heard-admin", "import", "paper", str(path), "--distributor", cafe.code, env=cli_env)
    assert first.returncode == 0, first.stderr
    assert f"{path}: 5 questionnaires imported" in first.stdout
    again = run("heard-admin", "import", "paper", str(path), "--distributor", cafe.code, env=cli_env)
    assert again.returncode == 0, again.stderr
    assert f"{path}: already imported on {dt.date.today().isoformat()} (5 questionnaires); nothing was stored " \
        "again" in again.stdout
    assert await response_count(core) == 5

    async with core.db() as db:
        records = [record async for record in export.records(db, core.registry.default)]
        attributed = Counter((await db.scalars(select(Response.distributor_id))).all())
        reach = await distribution.reach(db, cafe.id, 1)
    assert {r["channel"] for r in records} == {"paper"}
    assert sorted(r["language"] for r in records) == ["ar", "de", "de", "en", "uk"]
    answers = sorted((r["answers"] for r in records), key=canonical)
    expected = [
        {"area": "nordstadt", "years_here": "from_1_to_3", "gender": "woman", "know_advice": "yes",
         "understood_by_town": 4, "language_course": "yes", "course_barriers": ["childcare", "cost"],
         "work_barriers": ["language"], "feel_at_home": 5, "town_should_change": "Mehr Sprachcafés, Kontakt: [phone]"},
        {"area": "nordstadt", "gender": "woman", "know_advice": "yes", "understood_by_town": "never_contacted",
         "language_course": "no_need", "feel_at_home": DECLINED},
        {"area": "nordstadt", "gender": "woman", "know_advice": "yes", "language_course": "no_need"},
        {"area": "nordstadt", "years_here": "over_10", "gender": "woman", "know_advice": "yes",
         "understood_by_town": 2, "language_course": "no", "course_barriers": ["times", "childcare"],
         "work_barriers": ["language", "recognition"], "feel_at_home": 3},
        {"area": "nordstadt", "gender": "woman", "know_advice": DECLINED},
    ]
    assert answers == sorted(expected, key=canonical)

    # labels in five spellings and three scripts are one choice: 5 of 5 in the summary (k = 5)
    summary = run("heard-admin", "results", "summary", "--format", "json", env=cli_env)
    assert summary.returncode == 0, summary.stderr
    data = json.loads(summary.stdout)
    assert int(data["responses"]) in (5, 6, 7), "5 responses, protected by the Cell Key Method"
    overall = [r for r in data["rows"] if r.get("group", "all") == "all"]
    # the same five records: the same cell, so the same number as the total
    assert [r["count"] for r in overall if (r["question"], r["answer"]) == ("gender", "woman")] == [data["responses"]]
    assert [r["count"] for r in overall if (r["question"], r["answer"]) == ("area", "nordstadt")] == [
        data["responses"]]

    # --distributor for the file, the _distributor column for one row
    assert attributed == {cafe.id: 4, mothers.id: 1}
    # k = 1 here: only the perturbation's own bounds hold (4 shows as 2 to 6)
    assert [r.survey_id for r in reach] == ["needs"] and 2 <= reach[0].completed.value <= 6


async def test_one_bad_cell_imports_nothing_and_says_where_and_why(core, cli_env, tmp_path):
    rows = [["Nordstadt", "Frau"], ["Altstadt", "Mann"], ["Nordstad", "Frau"], ["Südstadt", "Divers / anderes"]]
    path = tmp_path / "mit-fehler.csv"
    path.write_text(csv_text(["area", "gender"], rows), encoding="utf-8")

    result = run("heard-admin", "import", "paper", str(path), env=cli_env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-2:] == [
        "row 4, column area: 'Nordstad' is not a choice (choices: altstadt, nordstadt, suedstadt, elsewhere)",
        f"Nothing was imported: 1 problem in {path}.",
    ]
    assert "Traceback" not in result.stderr
    assert await response_count(core) == 0


# ---------------------------------------------------------------------------------- in process, with the db


async def test_xlsx_import_reads_numbers_blank_rows_and_labels(core, tmp_path):
    path = write_xlsx(tmp_path / "fragebogen.xlsx", [
        ["area", "understood_by_town", "feel_at_home", "course_barriers", "language_course", "_language"],
        ["Südstadt", 3, 4.0, "التكلفة;Keine Kinderbetreuung", "نعم", "ar"],
        [None, None, None, None, None, None],  # a blank line between questionnaires
        ["altstadt", "Noch nie Kontakt gehabt", 1, "Вартість", "Так", "UK"],
        ["suedstadt", None, "Möchte ich nicht sagen", None, None, None],
    ])
    result = await import_paper(core, path)
    assert str(result) == "3 questionnaires imported"
    assert (await import_paper(core, path)).earlier == 3

    async with core.db() as db:
        records = [record async for record in export.records(db, core.registry.default)]
    by_language = {r["language"]: r["answers"] for r in records}
    assert by_language == {
        "ar": {"area": "suedstadt", "understood_by_town": 3, "feel_at_home": 4, "language_course": "yes",
               "course_barriers": ["childcare", "cost"]},
        "uk": {"area": "altstadt", "understood_by_town": "never_contacted", "feel_at_home": 1,
               "language_course": "yes", "course_barriers": ["cost"]},
        "de": {"area": "suedstadt", "feel_at_home": DECLINED},
    }

    broken = write_xlsx(tmp_path / "broken.xlsx", [
        ["area", "feel_at_home"], ["altstadt", 2], [None, None], ["altstadt", 7.5],
    ])
    with pytest.raises(ImportRejected) as rejected:
        await import_paper(core, broken)
    assert str(rejected.value) == "row 4, column feel_at_home: '7.5' is not a point from 1 to 5"
    assert await response_count(core) == 3


async def test_the_same_file_stores_nothing_again_but_another_batch_with_the_same_answers_imports(core, tmp_path):
    """Issue 13.9: a file is recognised by its bytes, not by what its rows say, so a second batch of
    questionnaires that happen to be answered alike is not dropped as "already imported"."""
    first = tmp_path / "stapel-1.csv"
    first.write_text(csv_text(["area", "gender"], [["Nordstadt", "Frau"]] * 2), encoding="utf-8")
    assert str(await import_paper(core, first)) == "2 questionnaires imported"

    # another stack of forms, typed in by a colleague: the same answers (as names), three of them
    second = tmp_path / "stapel-2.csv"
    second.write_text(csv_text(["gender", "area"], [["woman", "nordstadt"]] * 3), encoding="utf-8")
    assert str(await import_paper(core, second)) == "3 questionnaires imported"

    # each file again, and a copy of the first under another name: recognised, nothing stored
    copy = tmp_path / "kopie.csv"
    copy.write_bytes(first.read_bytes())
    for path, earlier in ((first, 2), (second, 3), (copy, 2)):
        result = await import_paper(core, path)
        assert (result.imported, result.earlier, result.earlier_on) == (0, earlier, dt.date.today())
    assert await response_count(core) == 5

    # identical bytes that are other questionnaires: imported when the officer says so
    assert str(await import_paper(core, first, again=True)) == "2 questionnaires imported"
    assert (await import_paper(core, first)).imported == 0

    async with core.db() as db:
        respondents = (await db.scalars(select(Response.respondent))).all()
        answers = (await db.scalars(select(func.count()).select_from(Answer))).one()
    assert len(respondents) == len(set(respondents)) == 7 and answers == 14
    assert all(r.startswith("paper-") and len(r) == 64 for r in respondents)


async def test_distributor_codes_must_be_known_and_active(core, tmp_path):
    cafe, _, former = await add_distributors(core)
    path = tmp_path / "verteilt.csv"
    path.write_text(csv_text(["area", "_distributor"], [["altstadt", former.code], ["altstadt", "nobody"],
                                                         ["altstadt", ""], ["altstadt", cafe.code]]), encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        await import_paper(core, path, distributor="unknown1")
    assert str(rejected.value).splitlines() == [
        "--distributor: no distributor with code 'unknown1' (see `heard-admin distributors list`)",
        f"row 2, column _distributor: distributor '{former.code}' is deactivated",
        "row 3, column _distributor: no distributor with code 'nobody' (see `heard-admin distributors list`)",
    ]
    assert await response_count(core) == 0


# --------------------------------------------------------------------------------------- pure checking


def test_labels_in_every_language_name_the_same_choice(survey, vocabulary):
    header = ["gender", "know_advice", "language_course", "feel_at_home", "_language"]
    rows = [
        ["Frau", "Ja", "Nein, brauche ich nicht", "Möchte ich nicht sagen", "de"],
        ["امرأة", "نعم", "لا، لا أحتاج إليها", "أفضّل عدم الإجابة", "ar"],
        ["Жінка", "Так", "Ні, мені не потрібно", "Не хочу відповідати", "uk"],
        ["\u200fامرأة\u200f", "  نعم ", "no_need", "prefer_not_to_say", "ar"],  # marks and spaces as copied
        ["  wOMAN ", "YES", "No, I don't need one", "Prefer not to say", "fa-af"],  # German form, another code
    ]
    checked = check(csv_text(header, rows), survey, vocabulary)
    assert checked.problems == []
    assert [r.answers for r in checked.responses] == [
        {"gender": "woman", "know_advice": "yes", "language_course": "no_need", "feel_at_home": DECLINED}
    ] * 5
    assert [r.language for r in checked.responses] == ["de", "ar", "uk", "ar", "fa_AF"]


def test_semicolon_separated_csv_as_german_excel_writes_it(survey, vocabulary):
    text = csv_text(["area", "work_barriers"], [["Südstadt", "Sprache;Kinderbetreuung"]], delimiter=";")
    assert text.splitlines()[1] == 'Südstadt;"Sprache;Kinderbetreuung"'
    checked = check("\ufeff" + text, survey, vocabulary)
    assert checked.problems == []
    assert checked.responses[0].answers == {"area": "suedstadt", "work_barriers": ("language", "childcare")}


def test_every_bad_cell_is_reported(survey, vocabulary):
    header = ["area", "gender", "language_course", "course_barriers", "understood_by_town", "work_barriers",
              "town_should_change", "colour", "_language", ""]
    rows = [
        ["Nordstadt", "Frau", "Ja", "times", "3", "", "", "", "", ""],  # valid, but the file is not
        ["Nordstad", "Frauen", "no_need", "Die Kosten", "6", "language not_looking", "", "", "xx", ""],
        ["", "", "", "", "", "", "", "", "ar", ""],
        ["altstadt", "", "", "cost", "", "Sprache; prefer_not_to_say", "x" * 501, "", "", "stray"],
        ["altstadt", "", "Nein, aus anderen Gründen", "cost; Zeit", "gar nicht", "", "", "", "", ""],
    ]
    checked = check(csv_text(header, rows), survey, vocabulary, {}, default="nobody")
    assert [r.row for r in checked.responses] == [2]  # checked, but not stored: the file is rejected
    assert [str(p) for p in checked.problems] == [
        "--distributor: no distributor with code 'nobody' (see `heard-admin distributors list`)",
        "row 1, column colour: not a question of survey 'needs' (questions: area, years_here, age_band, gender, "
        "know_advice, understood_by_town, language_course, course_barriers, work_barriers, children_school, "
        "school_system, health_barriers, housing_problems, feel_at_home, town_should_change; optional: _language, "
        "_distributor)",
        "row 1, column J: no name in the header, but row 5 has a value in this column",
        "row 3, column area: 'Nordstad' is not a choice (choices: altstadt, nordstadt, suedstadt, elsewhere)",
        "row 3, column gender: 'Frauen' is not a choice (choices: woman, man, diverse)",
        "row 3, column course_barriers: answered although question 8 is skipped when question 7 "
        "(language_course) is not 'yes' or 'no' (here: 'no_need')",
        "row 3, column understood_by_town: '6' is not a point from 1 to 5 or a choice (never_contacted)",
        "row 3, column work_barriers: 'not_looking' cannot be combined with other choices",
        "row 3, column _language: 'xx' is not a shipped language (codes: am, ar, bg, bs, ckb, de, de_plain, en, es, "
        "fa, fa_AF, fr, kmr, pl, ps, ro, ru, so, sq, ti, tr, uk, vi)",
        "row 4: no answers in this row (a questionnaire needs at least one)",
        "row 5, column course_barriers: answered although question 8 is skipped when question 7 "
        "(language_course) is not 'yes' or 'no' (here: left empty)",
        "row 5, column work_barriers: \"prefer not to say\" cannot be combined with choices",
        "row 5, column town_should_change: the text has 501 characters, at most 500 are allowed",
        "row 6, column course_barriers: 'Zeit' is not a choice (choices: times, childcare, cost, level, distance, "
        "nothing; separate several with ';')",
        "row 6, column understood_by_town: 'gar nicht' is not a point from 1 to 5 or a choice (never_contacted)",
    ]


REQUIRED_SURVEY = """
id: paper_test
version: 2
language: de
title: T
intro: I
thanks: D
questions:
  - {name: household, type: number, field: core, label: "Wie viele?", min: 1, max: 20, required: true}
  - {name: note, type: note, field: core, label: Danke bis hier}
  - name: living
    type: single
    field: core
    label: Wie wohnen Sie?
    choices: [{name: alone, label: Allein}, {name: family, label: Mit Familie}]
  - name: pets
    type: single
    field: core
    label: "Haustiere?"
    required: true
    show_if: {living: [family]}
    choices: [{name: "yes", label: Ja}, {name: "no", label: Nein}]
  - {name: comment, type: text, field: closing, label: "Sonst?", max_length: 10}
"""


def test_required_number_and_note_questions():
    survey = parse_survey(REQUIRED_SURVEY, "paper_test.yaml")
    vocabulary = Vocabulary.of(survey, Catalogs())
    rows = [["3", "", "", "kurz"], ["", "", "", "x"], ["Möchte ich nicht sagen", "", "", ""], ["٢١", "", "", ""],
            ["2.5", "", "", ""], ["4", "", "", "Tel 0151 99887766"], ["1", "", "Mit Familie", "ok"],
            ["12", "", "alone", "@handle"]]
    checked = check(csv_text(["household", "note", "living", "comment"], rows), survey, vocabulary)
    assert [str(p) for p in checked.problems] == [
        "row 1, column note: question 'note' is a note: it takes no answers",
        "row 3, column household: required, but left empty",
        "row 4, column household: \"prefer not to say\" is not possible: this question is required",
        "row 5, column household: 21 is not between 1 and 20",  # Arabic-Indic digits are read as numbers
        "row 6, column household: '2.5' is not a whole number",
        "row 7, column comment: the text has 17 characters, at most 10 are allowed",
        "row 8, column pets: required, but left empty (the file has no column pets)",  # shown: living is family
    ]
    assert [(r.row, r.answers) for r in checked.responses] == [
        (2, {"household": 3, "comment": "kurz"}),
        (9, {"household": 12, "living": "alone", "comment": "[handle]"}),  # scrubbed as in the chat
    ]


# --------------------------------------------------------------------------------------- malformed files


def test_malformed_files_are_explained(tmp_path):
    cases = {
        "leer.csv": (b"", "the file is empty"),
        "leer.xlsx": (b"  \n", "the file is empty"),
        "kopf.csv": (b"\n\narea,gender\nnordstadt,woman\n", "row 1 is empty"),
        "nur-kopf.csv": (b"area,gender\n,\n", "no questionnaires: only the header row has values"),
        "doppelt.csv": (b"area,gender,Area\nnordstadt,woman,nordstadt\n",
                        "column 'Area' appears twice in the header (columns A and C)"),
        "binaer.csv": (bytes(range(256)) * 4, "this is not a CSV file (it holds binary data)"),
        "latin1.csv": ("area\nSüdstadt\n".encode("latin-1"), "this is not UTF-8 text"),
        "steuer.csv": (b"area\x1b[2J\nnordstadt\n", "line 1 holds control characters"),
        "kaputt.xlsx": (b"PK\x03\x04 not really a zip file", "not a readable .xlsx workbook"),
        "mappe.csv": (b"PK\x03\x04\x14\x00", "this is a spreadsheet workbook, not CSV text"),
        "alt.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "expected a .csv or .xlsx file"),
        "feld.csv": (b'area\n"nordstadt' + b"x" * 200_000 + b'"\n', "not a well-formed CSV file"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(PaperFileError) as raised:
            read_whole(path)
        assert message in str(raised.value), name
        assert str(path) in str(raised.value), name
    with pytest.raises(PaperFileError, match="cannot read the file"):
        read_whole(tmp_path / "fehlt.csv")


def test_the_command_never_shows_a_traceback(config_path, tmp_path):
    """The typer app in process (fast): a malformed file, an unknown survey, a rejected file: exit 1, a message."""
    env = {k: None for k in os.environ if k.startswith(("HEARD_", "TELEGRAM_"))} | {"HEARD_CONFIG": str(config_path)}
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(os.urandom(4096) + b"\x00")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("colour\nred\n", encoding="utf-8")
    runner = CliRunner()
    for args, message in [
        ([str(garbage)], f"Nothing was imported: {garbage}: this is not a CSV file (it holds binary data)"),
        ([str(tmp_path / "fehlt.xlsx")], "cannot read the file"),
        ([str(unknown), "--survey", "nosuch"], "Nothing was imported: no survey 'nosuch' (known: needs)"),
        ([str(unknown)], f"Nothing was imported: 2 problems in {unknown}."),
    ]:
        result = runner.invoke(build_app(["import"]), ["import", "paper", *args], env=env)
        assert isinstance(result.exception, SystemExit) and result.exit_code == 1, (args, result.output)
        assert message in result.output, result.output
        assert "Traceback" not in result.output


# ------------------------------------------------------------------------------------------ hostile files


def _deflated(data: bytes, final: bool) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def _write_zip(path: Path, entries: list[tuple[str, bytes, int, int]]) -> None:
    """A plain zip written by hand from (name, deflated bytes, CRC-32, unpacked size): zipfile cannot take
    data that is compressed already."""
    out, directory = bytearray(), bytearray()
    for name, data, crc, size in entries:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                                 len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    out += directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory),
                                   len(out), 0)
    path.write_bytes(bytes(out))


def zip_bomb(path: Path, unpacked: int = 1 << 30) -> Path:
    """A valid .xlsx of a few MB whose first worksheet unpacks to `unpacked` bytes of questionnaire rows: one
    deflated block of a repeated row, repeated (a full flush makes blocks independent), built in a second."""
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["area"])
    workbook.save(buffer)
    row = b'<row><c t="inlineStr"><is><t>nordstadt</t></is></c></row>'
    chunk = row * ((1 << 20) // len(row))
    head = (b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>')
    tail = b"</sheetData></worksheet>"
    repeats = unpacked // len(chunk)
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    sheet = ("xl/worksheets/sheet1.xml", _deflated(head, False) + _deflated(chunk, False) * repeats
             + _deflated(tail, True), zlib.crc32(tail, crc), len(head) + len(chunk) * repeats + len(tail))
    with zipfile.ZipFile(buffer) as original:
        entries = [sheet if name == sheet[0] else (name, _deflated(data, True), zlib.crc32(data), len(data))
                   for name, data in ((n, original.read(n)) for n in original.namelist())]
    _write_zip(path, entries)
    return path


async def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking(core, cli_env, tmp_path):
    bomb = zip_bomb(tmp_path / "fragebogen.xlsx")
    assert bomb.stat().st_size < 5_000_000
    with zipfile.ZipFile(bomb) as archive:  # a real bomb: the sheet really unpacks to a gigabyte of rows
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 1_000_000_000
        with archive.open("xl/worksheets/sheet1.xml") as sheet:
            assert sheet.read(200).count(b"<t>nordstadt</t>") >= 1

    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(PaperFileError) as refused:
            await import_paper(core, bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 30  # generous: unpacking and parsing it took minutes
    assert peak < 30_000_000, "refused before anything was unpacked"
    assert str(refused.value) == (
        f"{bomb}: the workbook unpacks to 1,074 MB, more than the 500 MB Heard reads (a sheet of 200,000 "
        "questionnaires needs about 150 MB); if it really holds questionnaires, split it into several files"
    )
    assert await response_count(core) == 0

    result = run("heard-admin", "import", "paper", str(bomb), env=cli_env)
    assert result.returncode == 1 and result.stderr.splitlines() == [f"Nothing was imported: {refused.value}"]


def test_a_worksheet_declaring_more_rows_than_anyone_types_is_refused_before_its_rows_are_read(tmp_path):
    path = write_xlsx(tmp_path / "gross.xlsx", [["area"], ["nordstadt"]])
    declared = tmp_path / "declared.xlsx"
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(declared, "w", zipfile.ZIP_DEFLATED) as changed:
        for name in original.namelist():
            data = original.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:ZZ3000000"/>', data)
                assert b"ZZ3000000" in data
            changed.writestr(name, data)
    with pytest.raises(PaperFileError) as refused:
        read_whole(declared)
    assert str(refused.value) == (
        f"{declared}: the worksheet declares 3,000,000 rows and 702 columns, more than Heard imports at once "
        "(1,000,000 questionnaires, 1,000 columns); if it really holds questionnaires, split it into several files"
    )


def _peak_of_import(path: Path, env: dict[str, str]) -> tuple[int, str, int]:
    """Run the real command; its exit status, standard output and peak resident memory in bytes (from the
    kernel's accounting of this one child, not of the test process)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen([str(BIN / "heard-admin"), "import", "paper", str(path)], env=env,
                                 stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        assert child.returncode == 0, err.read().decode()
        return child.returncode, out.read().decode(), usage.ru_maxrss * 1024


def test_200000_paper_rows_import_in_bounded_memory(cli_env, tmp_path):
    """Issue 14: 200,000 rows took 3 GB and more than 5 minutes. Streamed, the import's peak memory hardly
    differs from that of a 2,000-row file."""
    small, big = tmp_path / "klein.csv", tmp_path / "gross.csv"
    small.write_text("area,gender\n" + "nordstadt,woman\n" * 2_000, encoding="utf-8")
    big.write_text("area,gender\n" + "altstadt,man\n" * 200_000, encoding="utf-8")

    _, said, small_peak = _peak_of_import(small, cli_env)
    assert said.strip() == f"{small}: 2,000 questionnaires imported"
    _, said, big_peak = _peak_of_import(big, cli_env)
    assert said.strip() == f"{big}: 200,000 questionnaires imported"
    assert big_peak < small_peak + 100_000_000, (small_peak, big_peak)
    assert big_peak < 400_000_000, big_peak

    with sqlite3.connect(tmp_path / "heard.db") as db:
        stored = dict(db.execute("SELECT choice, count(*) FROM answers WHERE question = 'area' GROUP BY choice"))
    assert stored == {"nordstadt": 2_000, "altstadt": 200_000}
