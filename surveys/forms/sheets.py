"""Spreadsheet files (paper questionnaires typed in, XLSForms) as a stream of rows of text, read in bounded memory
and checked before they are parsed, so that a hostile or mistaken file is refused in a second instead of taking
gigabytes and minutes. One reader for every importer; a `SheetKind` says what the rows are and which files may
hold them, so that each importer's messages speak of its own rows.

- `scan` makes one fast pass over the bytes: the SHA-256 that recognises a file imported before, an estimate of
  the rows for the progress bar, and the refusals that need no parsing (empty, binary, a workbook named .csv).
  For a workbook it reads the zip directory only: what it would unpack to, and how big its shared strings are.
- `open_sheet` then streams the header and the rows: CSV through the csv module, the first worksheet through
  openpyxl's read-only reader. Rows are yielded one by one, never collected; the worksheet's declared size is
  checked before its first row is read, and every row counts against the same limits while it streams.

Every refusal is a `SheetError` whose message names the file and says what to do.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl.utils import get_column_letter

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
XLS_SUFFIXES = (".xls",)
"""Excel 97-2003 (not a zip): only the XLSForm reader takes it, through pyxform."""
CHUNK = 1 << 20

MAX_ROWS = 1_000_000
"""More rows than any town types in by hand or any form has; a file with more is a mistake or an attack."""
MAX_COLUMNS = 1_000
MAX_CELLS = 20_000_000
"""Of a worksheet's declared size (rows x columns), checked before it is read."""
MAX_UNPACKED = 500_000_000
"""What a workbook may unpack to in all (a sheet of 200,000 paper questionnaires unpacks to about 150 MB)."""
MAX_SHARED_STRINGS = 100_000_000
"""openpyxl keeps a workbook's shared strings in memory: this bounds that part of the import's memory."""
MAX_ENTRIES = 10_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Unicode category Cc without tab, line feed and carriage return: never in a typed-in questionnaire."""
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


class SheetError(Exception):
    """The file cannot be read as one table; the message names the file and says what to do."""


@dataclass(frozen=True)
class SheetKind:
    """What an importer reads: which files, and what its rows are called in messages."""

    rows: str
    """What a row below the header is, in plural ("questionnaires")."""
    suffixes: tuple[str, ...]
    expected: str
    """The files taken, for the message about any other ('a .csv or .xlsx file (...)')."""
    example: str = ""
    """How big a real file is, for the message about a workbook that unpacks to too much."""
    header: str = ""
    """What the header row names, for the message about an empty first row (" (the questions' names)")."""
    max_unpacked: int = MAX_UNPACKED
    """What one of its workbooks may unpack to in all."""


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, as spreadsheets name columns."""
    return get_column_letter(index + 1)


# ------------------------------------------------------------------------------------------------ scanning


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file's bytes tells before anything is parsed."""

    path: Path
    kind: SheetKind
    workbook: bool
    sha256: str
    size: int
    lines: int
    """Line breaks in the file: the rows of a CSV file, roughly (for the progress bar)."""


def scan(path: Path, kind: SheetKind) -> FileScan:
    """Hash the file and refuse what needs no parsing to refuse; raises SheetError."""
    suffix = path.suffix.lower()
    if suffix not in kind.suffixes:
        raise SheetError(f"{path}: expected {kind.expected}")
    digest = hashlib.sha256()
    size = lines = 0
    head = b""
    binary = content = False
    try:
        if not path.is_file() and path.exists():
            raise SheetError(f"{path}: not a regular file; give the spreadsheet file itself")
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                if not head:
                    head = chunk[:8]
                digest.update(chunk)
                size += len(chunk)
                lines += chunk.count(b"\n")
                binary = binary or b"\x00" in chunk
                content = content or bool(chunk.strip())
    except OSError as exc:
        raise SheetError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    if not content:
        raise SheetError(f"{path}: the file is empty")
    workbook = suffix in XLSX_SUFFIXES + XLS_SUFFIXES
    if not workbook:
        if head.startswith(_WORKBOOK_MAGIC):
            raise SheetError(
                f"{path}: this is a spreadsheet workbook, not CSV text; name it .xlsx (Excel 2007 or later) or save "
                "it as \"CSV UTF-8\""
            )
        if binary and not head.startswith(_UTF16_BOMS):
            raise SheetError(f"{path}: this is not a CSV file (it holds binary data)")
    elif suffix in XLSX_SUFFIXES:
        check_workbook(path, kind)
    return FileScan(path, kind, workbook, digest.hexdigest(), size, lines)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.0f} MB"


def check_workbook(path: Path, kind: SheetKind) -> None:
    """Refuse a workbook by its zip directory alone (no byte of it unpacked): too many parts, more unpacked size
    than a sheet of questionnaires has (a zip bomb), or shared strings too big to hold in memory."""
    source = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _unreadable(source, exc) from exc
    if len(entries) > MAX_ENTRIES:
        raise SheetError(f"{source}: the workbook has {len(entries):,} parts, more than a spreadsheet has; save "
                             "it again as \"Excel workbook (.xlsx)\" or as \"CSV UTF-8\"")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > kind.max_unpacked:
        example = f" ({kind.example})" if kind.example else ""
        raise SheetError(
            f"{source}: the workbook unpacks to {_megabytes(unpacked)}, more than the {_megabytes(kind.max_unpacked)} "
            f"Heard reads{example}; if it really holds {kind.rows}, split it into several files"
        )
    shared = next((e for e in entries if e.filename.lower() == "xl/sharedstrings.xml"), None)
    if shared is not None and shared.file_size > MAX_SHARED_STRINGS:
        raise SheetError(
            f"{source}: the workbook's texts unpack to {_megabytes(shared.file_size)}, more than the "
            f"{_megabytes(MAX_SHARED_STRINGS)} Heard holds in memory; split it into several files or save it as "
            "\"CSV UTF-8\""
        )


def check_size(path: Path, kind: SheetKind) -> None:
    """Refuse a file too big to hand to a reader that holds all of it in memory (pyxform reads a whole
    workbook): a workbook by its zip directory (parts, unpacked size, shared strings), any other file by its size.
    A file that is not a workbook at all is left to that reader's own message."""
    source = str(path)
    if not zipfile.is_zipfile(path):
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise SheetError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
        if size > kind.max_unpacked:
            raise SheetError(f"{source}: the file has {_megabytes(size)}, more than the "
                             f"{_megabytes(kind.max_unpacked)} Heard reads; if it really holds {kind.rows}, split it "
                             "into several files")
        return
    # the zip directory bounds what a reader can unpack; a worksheet's declared size is not checked here: Excel
    # often declares whole columns (1,048,576 rows) for a form of twenty, and pyxform reads what is there
    check_workbook(path, kind)


def _unreadable(source: str, exc: BaseException) -> SheetError:
    return SheetError(
        f"{source}: not a readable .xlsx workbook ({type(exc).__name__}); save it again as \"Excel workbook "
        "(.xlsx)\" or as \"CSV UTF-8\""
    )


# ------------------------------------------------------------------------------------------------- reading


@dataclass
class Sheet:
    """A table as text: the header's cells, and the rows below it with their numbers as the spreadsheet shows
    them (the header is row 1), streamed once. Rows may be shorter or longer than the header."""

    source: str
    header: tuple[str, ...]
    rows: Iterator[tuple[int, tuple[str, ...]]]
    expected_rows: int | None = None
    """About how many rows follow, if the file says (for a progress bar)."""


@contextlib.contextmanager
def open_sheet(scanned: FileScan) -> Iterator[Sheet]:
    """The sheet of a scanned file (a workbook's first worksheet), open while the block runs."""
    if scanned.workbook:
        if scanned.path.suffix.lower() in XLS_SUFFIXES:
            raise SheetError(f"{scanned.path}: an Excel 97-2003 workbook (.xls); save it as \"Excel workbook "
                             "(.xlsx)\" or as \"CSV UTF-8\"")
        with _workbook_sheet(scanned.path, scanned.kind) as sheet:
            yield sheet
        return
    try:
        handle = scanned.path.open("rb")
    except OSError as exc:
        raise SheetError(f"{scanned.path}: cannot read the file: {exc.strerror or exc}") from exc
    with handle:
        yield csv_sheet(handle, str(scanned.path), scanned.kind, expected_rows=max(scanned.lines - 1, 0))


def csv_sheet(raw: IO[bytes], source: str, kind: SheetKind, expected_rows: int | None = None) -> Sheet:
    """A CSV table (UTF-8, or UTF-16 as Excel's "Unicode text"; comma, semicolon or tab separated) from a
    seekable binary stream, read as the rows are consumed."""
    encoding = "utf-16" if raw.read(2) in _UTF16_BOMS else "utf-8-sig"
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    delimiter = _delimiter(text, source)
    text.seek(0)
    reader = csv.reader(text, delimiter=delimiter)
    return _sheet(_csv_records(reader, source), source, kind, expected_rows)


def _delimiter(text: io.TextIOWrapper, source: str) -> str:
    """The separator the first non-empty line uses most (German Excel writes semicolons)."""
    for _ in range(1000):
        try:
            line = text.readline(CHUNK)
        except UnicodeDecodeError as exc:
            raise _not_utf8(source, 1) from exc
        if not line:
            break
        if line.strip():
            return max((",", ";", "\t"), key=line.count)
    return ","


def _not_utf8(source: str, line: int) -> SheetError:
    return SheetError(
        f"{source}: this is not UTF-8 text (line {line} cannot be read); save it as \"CSV UTF-8\" or as .xlsx"
    )


def _csv_records(reader: Any, source: str) -> Iterator[list[str]]:
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SheetError(f"{source}: not a well-formed CSV file ({exc}, line {reader.line_num})") from exc
        except UnicodeDecodeError as exc:
            raise _not_utf8(source, reader.line_num + 1) from exc
        if any(_CONTROL.search(cell) for cell in record):
            raise SheetError(
                f"{source}: line {reader.line_num} holds control characters: is this really a CSV file?"
            )
        yield record


@contextlib.contextmanager
def _workbook_sheet(path: Path, kind: SheetKind) -> Iterator[Sheet]:
    import openpyxl

    source = str(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged or foreign file
        raise _unreadable(source, exc) from exc
    try:
        if not workbook.worksheets:
            raise SheetError(f"{source}: the workbook has no worksheet")
        worksheet = workbook.worksheets[0]
        rows, columns = worksheet.max_row, worksheet.max_column  # as the sheet declares them, if it does
        if rows is not None and columns is not None:
            _check_declared_size(source, rows, columns, kind)
        # read what is there, not what the declaration says: a wrong one would cut rows off or pad every row
        worksheet.reset_dimensions()
        yield _sheet(_workbook_records(worksheet, source), source, kind, rows - 1 if rows else None)
    finally:
        workbook.close()


def _check_declared_size(source: str, rows: int, columns: int, kind: SheetKind) -> None:
    if rows > MAX_ROWS + 1 or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        raise SheetError(
            f"{source}: the worksheet declares {rows:,} rows and {columns:,} columns, more than Heard imports at "
            f"once ({MAX_ROWS:,} {kind.rows}, {MAX_COLUMNS:,} columns); if it really holds {kind.rows}, "
            "split it into several files"
        )


def _workbook_records(worksheet: Any, source: str) -> Iterator[list[str]]:
    rows = worksheet.iter_rows(values_only=True)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a damaged part of the sheet, found only while it streams
            raise _unreadable(source, exc) from exc
        yield [_cell_text(value) for value in values]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def normalise(text: str) -> str:
    """For comparing what an officer typed with names and labels: Unicode-normalised (NFKC), without
    invisible format characters (direction marks, zero-width joiners), whitespace collapsed, case folded."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split()).casefold()


def _sheet(records: Iterator[list[str]], source: str, kind: SheetKind, expected_rows: int | None) -> Sheet:
    """The header row, checked, and the rows after it as they come (with the limits counted)."""
    header_record: list[str] | None = None
    skipped = 0
    for record in records:
        if any(cell.strip() for cell in record):
            header_record = record
            break
        skipped += 1
    if header_record is None:
        raise SheetError(f"{source}: the file has no rows")
    if skipped:
        raise SheetError(f"{source}: row 1 is empty; the first row must name the columns{kind.header}")
    header = tuple(cell.strip() for cell in header_record)
    _check_width(source, 1, len(header))
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            continue
        key = normalise(name)
        if key in seen:
            raise SheetError(
                f"{source}: column {name!r} appears twice in the header (columns {column_letter(seen[key])} "
                f"and {column_letter(index)})"
            )
        seen[key] = index
    return Sheet(source, header, _numbered(records, source, kind), expected_rows)


def _check_width(source: str, row: int, width: int) -> None:
    if width > MAX_COLUMNS:
        raise SheetError(f"{source}: row {row} has {width:,} columns, more than Heard imports "
                             f"({MAX_COLUMNS:,}); remove the empty columns or split the file")


def _numbered(records: Iterator[list[str]], source: str, kind: SheetKind) -> Iterator[tuple[int, tuple[str, ...]]]:
    filled = False
    for number, record in enumerate(records, start=2):
        if number > MAX_ROWS + 1:
            raise SheetError(f"{source}: more than {MAX_ROWS:,} {kind.rows}; split the file into several")
        _check_width(source, number, len(record))
        filled = filled or any(cell.strip() for cell in record)
        yield number, tuple(record)
    if not filled:
        raise SheetError(f"{source}: no {kind.rows}: only the header row has values")
