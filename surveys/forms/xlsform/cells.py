"""Where things are in the workbook: which column holds `relevant` or `label::Français`, so that every message
names the cell an officer has to change (`survey!F12`). pyxform reads the values; this reads only the header rows
and knows the spellings pyxform accepts for the same column (`bind::relevant`, `relevance`, `jr:constraintMsg`)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from openpyxl.utils import column_index_from_string, get_column_letter

#: Header spellings (lower case, without a language) -> the column they are, as Heard names it.
_ALIASES = {
    "relevance": "relevant",
    "constraint message": "constraint_message",
    "constraining_message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "required message": "required_message",
    "requiredmsg": "required_message",
    "jr:requiredmsg": "required_message",
    "calculate": "calculation",
    "caption": "label",
    "list name": "list_name",
    "choice filter": "choice_filter",
    "readonly": "read_only",
    "jr:count": "repeat_count",
    "count": "repeat_count",
    "big-image": "image",
    "command": "type",
    "form title": "form_title",
    "form id": "form_id",
    "id_string": "form_id",
}
TRANSLATABLE = {"label", "hint", "constraint_message", "required_message", "image", "audio", "video",
                "guidance_hint", "media"}
_PREFIXES = ("bind::", "bind:", "control::", "media::", "body::", "instance::")


def column_key(header: str) -> tuple[str, str | None]:
    """(`label`, `Français`) for `label::Français` or `label:Français`; (`relevant`, None) for `bind::relevant`."""
    text = re.sub(r"\s+", " ", header.strip())
    lowered = text.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            text, lowered = text[len(prefix):], lowered[len(prefix):]
            break
    base, separator, language = text.partition("::")
    if not separator:
        single, colon, rest = text.partition(":")
        if colon and _ALIASES.get(single.strip().lower(), single.strip().lower()) in TRANSLATABLE:
            base, language = single, rest
    base = base.strip().lower()
    base = _ALIASES.get(base, base)
    return base, (language.strip() or None)


def _first_rows(path: Path) -> dict[str, tuple[str, list[str | None]]]:
    """sheet name in lower case -> (its title, its header cells by column)."""
    if path.suffix.lower() == ".xls":
        import xlrd

        book = xlrd.open_workbook(str(path), on_demand=True)
        try:
            result = {}
            for sheet in book.sheets():
                first = sheet.row_values(0) if sheet.nrows else []
                result[sheet.name.strip().lower()] = (sheet.name, [_text(v) for v in first])
            return result
        finally:
            book.release_resources()
    try:
        return _xlsx_first_rows(path)
    except (KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError):
        pass
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        result = {}
        for sheet in workbook.worksheets:
            first = next(sheet.iter_rows(max_row=1, values_only=True), ())
            result[sheet.title.strip().lower()] = (sheet.title, [_text(v) for v in first])
        return result
    finally:
        workbook.close()


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _xlsx_first_rows(path: Path) -> dict[str, tuple[str, list[str | None]]]:
    """The header rows of an .xlsx, read from its XML up to the end of each sheet's first row (openpyxl's
    read-only mode first measures the whole sheet)."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            for item in ElementTree.fromstring(archive.read("xl/sharedStrings.xml")).iter(f"{_MAIN}si"):
                strings.append("".join(t.text or "" for t in item.iter(f"{_MAIN}t")))
        targets = {rel.get("Id"): rel.get("Target", "")
                   for rel in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))}
        result = {}
        for sheet in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter(f"{_MAIN}sheet"):
            title = sheet.get("name", "")
            target = targets[sheet.get(_RELATIONSHIP)]
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            result[title.strip().lower()] = (title, _first_row(archive.open(member), strings))
        return result


def _first_row(stream: IO[bytes], strings: list[str]) -> list[str | None]:
    cells: dict[int, str | None] = {}
    for _, element in ElementTree.iterparse(stream, events=("end",)):
        if element.tag == f"{_MAIN}c":
            reference = element.get("r", "")
            letters = "".join(ch for ch in reference if ch.isalpha())
            kind = element.get("t")
            if kind == "inlineStr":
                value: str | None = "".join(t.text or "" for t in element.iter(f"{_MAIN}t"))
            else:
                found = element.find(f"{_MAIN}v")
                value = found.text if found is not None else None
                if kind == "s" and value is not None:
                    value = strings[int(value)]
            if letters:
                cells[column_index_from_string(letters) - 1] = _text(value)
        elif element.tag == f"{_MAIN}row":
            break
    width = max(cells, default=-1) + 1
    return [cells.get(index) for index in range(width)]


def _text(value: object) -> str | None:
    if value is None or not str(value).strip():
        return None
    return str(value)


class Cells:
    """Cell addresses by sheet, row and column key."""

    def __init__(self, sheets: dict[str, tuple[str, list[str | None]]]) -> None:
        self._titles = {name: title for name, (title, _) in sheets.items()}
        self._columns: dict[str, dict[tuple[str, str | None], int]] = {}
        self._headers: dict[str, dict[tuple[str, str | None], str]] = {}
        for name, (_, headers) in sheets.items():
            columns: dict[tuple[str, str | None], int] = {}
            spelled: dict[tuple[str, str | None], str] = {}
            for index, header in enumerate(headers):
                if header is not None:
                    key = column_key(header)
                    columns.setdefault(key, index)
                    spelled.setdefault(key, re.sub(r"\s+", " ", header.strip()))
            self._columns[name] = columns
            self._headers[name] = spelled

    @classmethod
    def of(cls, path: Path) -> Cells:
        try:
            return cls(_first_rows(path))
        except Exception:  # pyxform read the file already; without headers messages fall back to sheet names
            return cls({})

    def title(self, sheet: str) -> str:
        return self._titles.get(sheet, sheet)

    def has(self, sheet: str, key: str, language: str | None = None) -> bool:
        return (key, language) in self._columns.get(sheet, {})

    def languages(self, sheet: str, key: str) -> list[str]:
        """The languages `key` has columns for, in the order of the columns."""
        columns = self._columns.get(sheet, {})
        return [language for (base, language), _ in sorted(columns.items(), key=lambda item: item[1])
                if base == key and language is not None]

    def header(self, sheet: str, key: str, language: str | None = None) -> str:
        """The header as the workbook spells it (`label::Français`)."""
        return self._headers.get(sheet, {}).get((key, language), f"{key}::{language}" if language else key)

    def column(self, sheet: str, key: str, language: str | None = None) -> str | None:
        index = self._columns.get(sheet, {}).get((key, language))
        return None if index is None else get_column_letter(index + 1)

    def cell(self, sheet: str, row: int | None, key: str = "type", language: str | None = None) -> str:
        """`F12`; the row's type cell if that column is not there, the row alone if not even that."""
        if row is None:
            return self.header_cell(sheet, key, language)
        letter = self.column(sheet, key, language) or self.column(sheet, "type") or self.column(sheet, "list_name")
        return f"{letter}{row}" if letter else f"{row}"

    def header_cell(self, sheet: str, key: str, language: str | None = None) -> str:
        letter = self.column(sheet, key, language)
        return f"{letter}1" if letter else ""
