"""Reading a workbook with pyxform itself, the library KoboToolbox and ODK run: its reader (`.xlsx`, `.xlsm`,
`.xls`) and `workbook_to_json`, which resolves column and type aliases, old syntaxes (`select one from yes_no`),
`bind::` columns, language columns and `or_other`. What comes back is pyxform's normalised form (the JSON form
spec), plus the rows as written, so that messages can name cells."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import DefinitionData, get_xlsform

from surveys.forms.sheets import SheetError, SheetKind, check_size
from surveys.forms.xlsform.cells import Cells, column_key
from surveys.forms.xlsform.problems import XlsFormError, XlsProblem

XLSFORM = SheetKind(
    rows="form rows",
    suffixes=(".xlsx", ".xlsm", ".xls", ".csv"),
    expected="an XLSForm (.xlsx, .xlsm, .xls or .csv)",
    example="a form with thousands of questions and choices unpacks to a few MB",
    max_unpacked=100_000_000,
)
"""pyxform holds a whole workbook in memory: the shared sheet reader's bounds are checked before it reads."""

_ROW = re.compile(r"^\[row : (?P<row>\d+)\]\s*(?:On the '(?P<sheet>[a-z_]+)' sheet, )?(?P<message>.*)$", re.DOTALL)


@dataclass
class Workbook:
    source: str
    """The file name, for messages about the workbook as a whole."""
    form: dict[str, Any]
    """pyxform's normalised form."""
    rows: dict[str, list[dict[str, str]]]
    """sheet -> its rows as written (index 0 is row 2; empty rows are kept so that numbers match)."""
    cells: Cells
    settings: dict[str, str]
    """The settings sheet's values, by header as written."""
    _rows_by_name: dict[str, list[int]] | None = None

    def survey_row(self, name: str, after: int = 0) -> int | None:
        """The sheet row of the first survey row named `name` after row `after` (None: pyxform made it)."""
        if self._rows_by_name is None:
            self._rows_by_name = {}
            for index, row in enumerate(self.rows.get("survey", [])):
                self._rows_by_name.setdefault(_cell(row, "name", "value", "tag"), []).append(index + 2)
        generated = re.fullmatch(r"generated_note_name_(\d+)", name)  # pyxform names notes written without one
        if generated and not self._rows_by_name.get(name):
            return int(generated.group(1))
        return next((number for number in self._rows_by_name.get(name, []) if number > after), None)

    def choice_rows(self, list_name: str) -> dict[str, int]:
        """choice name -> its row in the choices sheet."""
        found: dict[str, int] = {}
        for index, row in enumerate(self.rows.get("choices", [])):
            if _cell(row, "list_name", "list name") == list_name:
                found.setdefault(_cell(row, "name", "value"), index + 2)
        return found


def _cell(row: dict[str, str], *headers: str) -> str:
    for key, value in row.items():
        if re.sub(r"\s+", " ", key.strip().lower()) in headers:
            return str(value).strip()
    return ""


def read_workbook(path: Path) -> Workbook:
    """Read and normalise a workbook; a workbook pyxform refuses raises XlsFormError with pyxform's reason."""
    source = path.name
    try:
        check_size(path, XLSFORM)
    except SheetError as exc:
        raise XlsFormError([XlsProblem(source, "", str(exc).removeprefix(f"{path}: "))]) from exc
    try:
        definition = get_xlsform(path)
        rows = _rows(definition)  # before pyxform reshapes them
        form = workbook_to_json(definition, fallback_form_name=definition.fallback_form_name, warnings=[])
    except PyXFormError as exc:
        if "was not recognized as a supported type" in str(exc):
            raise XlsFormError([XlsProblem(source, "", "cannot read the workbook: it is not an .xlsx, .xlsm or .xls "
                                                       "file")]) from exc
        raise XlsFormError([_located(source, str(exc), Cells.of(path))]) from exc
    except Exception as exc:  # the readers raise many kinds for files that are not workbooks
        raise XlsFormError([XlsProblem(source, "", f"cannot read the workbook: {exc}")]) from exc
    return Workbook(source, form, rows, Cells.of(path), dict((definition.settings or [{}])[0]))


def _rows(definition: DefinitionData) -> dict[str, list[dict[str, str]]]:
    return {
        "survey": [dict(row) for row in definition.survey or []],
        "choices": [dict(row) for row in definition.choices or []],
    }


def _located(source: str, message: str, cells: Cells) -> XlsProblem:
    """pyxform's `[row : 12] On the 'survey' sheet, the 'constraint' value is invalid…` as `survey!F12: …`
    (the column when pyxform names it), first line only."""
    first = message.strip().splitlines()[0] if message.strip() else "pyxform cannot read this form"
    match = _ROW.match(first)
    if match is None:
        return XlsProblem(source, "", first)
    sheet = match["sheet"] or "survey"
    column = re.search(r"the '([\w:]+)' value is invalid", match["message"])
    cell = cells.cell(sheet, int(match["row"]), column_key(column.group(1))[0]) if column else match["row"]
    return XlsProblem(cells.title(sheet), cell, match["message"].strip())
