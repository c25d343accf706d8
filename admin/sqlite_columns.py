"""Reading a survey scope's responses from SQLite as a few long values instead of a million rows.

Why: turning a million result rows into Python tuples, and a million small blobs into one buffer, took longer
than all the counting (bench/results.md, "Aggregation"). SQLite's group_concat hands over each column as one
value per chunk of rows instead: the packed codes as one blob, numbers and texts as one separated string,
which numpy and str.split take apart in C. All chunks are parts of one statement (UNION ALL), so they read one
snapshot, and every column of a chunk lists its rows in the same order (one aggregate pass).

The result checks itself (every column must have one entry per response and the blob the summed lengths);
`columns` returns None where it does not, and the caller reads rows instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

CHUNK_ROWIDS = 1 << 16
"""Rowids per chunk: keeps each concatenated blob small (faster to build than a few large ones) and far below
SQLite's 1 GB limit on one value."""
MAX_CHUNKS = 400
"""SQLite allows at most 500 parts in one compound SELECT; beyond 400 chunks they grow instead."""
_SEPARATOR = "\x1f"
_NULL = "\x1e"
"""Stands for NULL in a text column (group_concat would leave NULLs out, and the rows would shift)."""
META = {"wave": "wave", "language": "language", "channel": "channel", "distributor": "distributor_id"}
"""The text columns read: the name counting knows them by, and the column."""


@dataclass
class Columns:
    """One entry per response (in the same order in every field), the codes and numbers concatenated."""

    versions: np.ndarray
    keys: np.ndarray
    meta: Mapping[str, Sequence[str | None]]
    """wave, language, channel, distributor, as text (None where NULL)."""
    codes: bytes
    numbers: bytes
    code_bytes: np.ndarray
    """How many bytes of `codes` each response has."""


class LazyTexts(Mapping[str, list[str | None]]):
    """Text columns taken apart only when a breakdown asks for one: a plain summary needs none of them, and
    splitting them makes millions of strings."""

    def __init__(self, joined: dict[str, str], count: int) -> None:
        self._joined = joined
        self._count = count
        self._split: dict[str, list[str | None]] = {}

    def __getitem__(self, name: str) -> list[str | None]:
        if name not in self._split:
            values = self._joined[name].split(_SEPARATOR) if self._count else []
            self._split[name] = [None if v == _NULL else v for v in values]
        return self._split[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._joined)

    def __len__(self) -> int:
        return len(self._joined)


def statement(survey_id: str, versions: Sequence[int], wave: str | None, last_rowid: int
              ) -> tuple[str, list[object]]:
    """The SQL and its parameters: one aggregate per chunk of rowids, the last one open-ended. The version is
    read only where there are several."""
    texts = ", ".join(f"group_concat(coalesce({column}, char(30)), char(31))" for column in META.values())
    version = "group_concat(survey_version)" if len(versions) > 1 else "NULL"
    select = ("SELECT count(*), CAST(group_concat(answer_codes, '') AS BLOB), "
              "CAST(group_concat(answer_numbers, '') AS BLOB), group_concat(length(answer_codes)), "
              f"group_concat(record_key), {version}, {texts} FROM responses "
              f"WHERE survey_id = ? AND survey_version IN ({', '.join('?' * len(versions))})"
              f"{' AND wave = ?' if wave else ''} AND answer_codes IS NOT NULL AND rowid >= ?")
    scope: list[object] = [survey_id, *versions, *([wave] if wave else [])]
    parts, params = [], []
    size = max(CHUNK_ROWIDS, -(-max(last_rowid, 0) // MAX_CHUNKS))
    starts = range(0, max(last_rowid, 0) + 1, size)
    for start in starts:
        last = start == starts[-1]
        parts.append(select + ("" if last else " AND rowid < ?"))
        params += [*scope, start, *([] if last else [start + size])]
    return " UNION ALL ".join(parts), params


def columns(chunks: Sequence[tuple], versions: Sequence[int]) -> Columns | None:  # type: ignore[type-arg]
    """The chunks' values taken apart, or None if any of them does not add up."""
    chunks = [chunk for chunk in chunks if chunk[0]]
    count = sum(chunk[0] for chunk in chunks)
    codes = b"".join(chunk[1] or b"" for chunk in chunks)
    numbers = b"".join(chunk[2] or b"" for chunk in chunks)
    code_bytes, keys = (_integers([chunk[i] for chunk in chunks]) for i in (3, 4))
    read_versions = (_integers([chunk[5] for chunk in chunks]) if len(versions) > 1
                     else np.full(count, versions[0], dtype=np.int64))
    texts = {name: _SEPARATOR.join(chunk[6 + i] for chunk in chunks) for i, name in enumerate(META)}
    if (any(len(column) != count for column in (code_bytes, keys, read_versions))
            or int(code_bytes.sum()) != len(codes)
            or any(text.count(_SEPARATOR) != max(count - 1, 0) for text in texts.values())):
        return None  # a separator inside a value, say: cannot happen with Heard's own values
    return Columns(read_versions, keys, LazyTexts(texts, count), codes, numbers, code_bytes)


def _integers(values: list[str]) -> np.ndarray:
    """Comma-separated integers, parsed by numpy (a malformed list ends early: the caller's count check fails)."""
    with warnings.catch_warnings(action="ignore"):
        return np.fromstring(",".join(values), dtype=np.int64, sep=",")
