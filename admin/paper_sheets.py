"""Files of paper questionnaires, read by the shared sheet reader (surveys.forms.sheets) with the paper import's
wording, and its refusals raised as `PaperFileError`, so that the command says "Nothing was imported: …"."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from surveys.forms import sheets
from surveys.forms.sheets import FileScan, Sheet, SheetError, normalise

__all__ = ["PAPER", "FileScan", "PaperFileError", "PaperImportError", "Sheet", "column_letter", "csv_sheet",
           "normalise", "open_sheet", "scan"]

PAPER = sheets.SheetKind(
    rows="questionnaires",
    suffixes=sheets.CSV_SUFFIXES + sheets.XLSX_SUFFIXES,
    expected="a .csv or .xlsx file (in the spreadsheet program: save as \"CSV UTF-8\" or \"Excel workbook "
             "(.xlsx)\")",
    example="a sheet of 200,000 questionnaires needs about 150 MB",
    header=" (the questions' names, e.g. area)",
)


class PaperImportError(Exception):
    """Nothing was imported; the message says why."""


class PaperFileError(PaperImportError):
    """The file cannot be read as one table of questionnaires."""


column_letter = sheets.column_letter


def scan(path: Path) -> FileScan:
    """Hash the file and refuse what needs no parsing to refuse; raises PaperFileError."""
    try:
        return sheets.scan(path, PAPER)
    except SheetError as exc:
        raise PaperFileError(str(exc)) from exc


@contextlib.contextmanager
def open_sheet(scanned: FileScan) -> Iterator[Sheet]:
    """The sheet of a scanned file, open while the block runs; a refusal while its rows stream is a
    PaperFileError too."""
    try:
        with sheets.open_sheet(scanned) as sheet:
            yield _paper(sheet)
    except SheetError as exc:
        raise PaperFileError(str(exc)) from exc


def csv_sheet(raw: IO[bytes], source: str, expected_rows: int | None = None) -> Sheet:
    try:
        return _paper(sheets.csv_sheet(raw, source, PAPER, expected_rows))
    except SheetError as exc:
        raise PaperFileError(str(exc)) from exc


def _paper(sheet: Sheet) -> Sheet:
    return dataclasses.replace(sheet, rows=_rows(sheet.rows))


def _rows(rows: Iterator[tuple[int, tuple[str, ...]]]) -> Iterator[tuple[int, tuple[str, ...]]]:
    try:
        yield from rows
    except SheetError as exc:
        raise PaperFileError(str(exc)) from exc
