"""Counting responses for summaries: tallies (count and record-key sum) per answer and group, in one pass in
memory over the responses' packed answer codes (surveys.core.answer_codes).

Why not a GROUP BY: per answer the database would join, probe and sort 18 million rows at a million
responses, and SQLite sorts them all again for every breakdown (it has no hash aggregation). Here the
database only reads one row per response; numpy adds up counts and keys with `bincount`, so a breakdown costs
little more than the plain count. Every tally still leaves through surveys.core.disclosure (admin/summary.py):
this module only finds out what the database knows.

A `Frame` holds the responses of one survey scope (versions, wave); it is read once per database transaction
and shared by the summaries, breakdowns and who-answered lists computed in it (a report needs all of them).
On SQLite it is read as a few long values rather than a million rows (admin/sqlite_columns.py); other
databases go through SQLAlchemy row by row.
"""

from __future__ import annotations

import gc
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session as SyncSession

from admin import sqlite_columns
from admin.sqlite_columns import Columns
from surveys.core.answer_codes import (
    ANSWERED,
    CODE_BYTES,
    KEY_BITS,
    KEY_MASK,
    NUMBER_KEY,
    code_for,
    pack,
    question_hash,
)
from surveys.core.disclosure import Tally
from surveys.core.model import DECLINED, Survey
from surveys.store.database import DbSession
from surveys.store.schema import Answer, Response

NO_ANSWER = "no_answer"
META_COLUMNS = {"language": Response.language, "channel": Response.channel, "wave": Response.wave,
                "distributor": Response.distributor_id}
"""Breakdowns by a property of the response rather than by an answer."""
_CACHE = "heard.counting.frames"
_FALLBACK_BATCH = 500
CODES_PER_PASS = 1 << 20
"""Codes counted per pass (see `_sums`)."""


@dataclass
class Frame:
    """The responses of one scope, as arrays: one entry per response, and one per answer code."""

    versions: np.ndarray
    keys: np.ndarray
    meta: Mapping[str, Sequence[str | None]]
    codes: np.ndarray
    code_counts: np.ndarray
    """For each response, how many codes it has (they follow each other in `codes`)."""
    cells: np.ndarray
    """For each code, the index of its cell (code, or code and number) in `cell_codes` / `cell_numbers`."""
    cell_codes: list[int]
    cell_numbers: list[int | None]
    groups: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)
    _offsets: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.versions)

    def per_code(self, values: np.ndarray, responses: slice = slice(None)) -> np.ndarray:
        """A value per response (of the slice) repeated for each of its codes."""
        return np.repeat(values[responses], self.code_counts[responses])

    @property
    def offsets(self) -> np.ndarray:
        """Where each response's codes begin in `codes`, and (last) where they end."""
        if self._offsets is None:
            self._offsets = np.concatenate([[0], np.cumsum(self.code_counts)])
        return self._offsets

    def owners(self, positions: np.ndarray) -> np.ndarray:
        """The index of the response each of the (sorted) code positions belongs to."""
        return np.searchsorted(self.offsets, positions, side="right") - 1

    def passes(self) -> list[tuple[slice, slice]]:
        """(responses, their codes) in passes of about `CODES_PER_PASS` codes."""
        offsets = self.offsets
        starts = np.unique(np.searchsorted(offsets, np.arange(0, offsets[-1], CODES_PER_PASS), side="right") - 1)
        bounds = [*(int(b) for b in starts), self.size]
        return [(slice(a, b), slice(int(offsets[a]), int(offsets[b]))) for a, b in itertools.pairwise(bounds)]


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of each value in the distinct values, distinct values). pandas hashes in one pass; numpy's
    unique would sort millions of codes."""
    import pandas as pd  # heavy import, only where counting happens

    index, distinct = pd.factorize(values, sort=False)
    return index.astype(np.int64, copy=False), np.asarray(distinct)


async def frame(db: DbSession, survey: Survey, versions: Sequence[int], wave: str | None) -> Frame:
    """The scope's responses, read once per transaction (nothing can change what a transaction reads, except
    its own writes, which clear the cache)."""
    await db.connection()  # begins the transaction the cache is kept for: before it, the session has none
    cache = _cache(db)
    scope = (survey.id, tuple(sorted(versions)), wave)
    if scope not in cache:
        collecting = gc.isenabled()
        gc.disable()  # a million row tuples would set off the cycle collector again and again, for nothing
        try:
            cache[scope] = await _load(db, survey.id, versions, wave)
        finally:
            if collecting:
                gc.enable()
    return cache[scope]


def _cache(db: DbSession) -> dict[tuple[object, ...], Frame]:
    sync: SyncSession = db.sync_session
    transaction = sync.get_transaction()
    entry = sync.info.get(_CACHE)
    if entry is None or entry[0] is not transaction:
        entry = (transaction, {})
        sync.info[_CACHE] = entry
        from sqlalchemy import event

        if not event.contains(sync, "after_flush", _forget):
            event.listen(sync, "after_flush", _forget)
    return entry[1]


def _forget(session: SyncSession, _context: object) -> None:
    session.info.pop(_CACHE, None)


async def _load(db: DbSession, survey_id: str, versions: Sequence[int], wave: str | None) -> Frame:
    scope = [Response.survey_id == survey_id, Response.survey_version.in_(list(versions))]
    if wave:
        scope.append(Response.wave == wave)
    read = await _read_sqlite(db, survey_id, versions, wave) or await _read_rows(db, scope)
    # responses written without codes (by a writer that bypassed the ORM): packed here from their answer rows
    unpacked = (await (await db.connection()).execute(
        select(Response.id, *_COLUMNS).where(*scope, Response.answer_codes.is_(None)))).all()
    if unpacked:
        packed = await _pack_from_rows(db, [row[0] for row in unpacked])
        read = _joined(read, _from_rows([(*row[1:], *codes_and_numbers)
                                         for row, codes_and_numbers in zip(unpacked, packed, strict=True)]))
    return _frame(read)


_COLUMNS = [Response.survey_version, Response.record_key, Response.wave, Response.language, Response.channel,
            Response.distributor_id]


def _frame(read: Columns) -> Frame:
    """The arrays counting works on, from the responses' columns."""
    if not len(read.versions):
        empty = np.zeros(0, dtype=np.int64)
        return Frame(empty, empty, {name: [] for name in META_COLUMNS}, empty, empty, empty, [], [])
    flat = np.frombuffer(read.codes, dtype=CODE_BYTES).astype(np.int64, copy=False)
    values = np.frombuffer(read.numbers, dtype=CODE_BYTES).astype(np.int64, copy=False)
    code_index, distinct_codes = _factorize(flat)
    cells = code_index
    cell_codes = [int(c) for c in distinct_codes]
    cell_numbers: list[int | None] = [None] * len(cell_codes)
    if values.size:
        is_number = ((distinct_codes & KEY_MASK) == NUMBER_KEY)[code_index]  # tested per distinct code, not per code
        number_codes = code_index[is_number]
        pair_index, distinct_pairs = _factorize(number_codes * (1 << 32) + _factorize(values)[0])
        first = np.zeros(len(distinct_pairs), dtype=np.int64)
        first[pair_index] = np.arange(len(pair_index))  # where each (code, number) occurs (any occurrence)
        cells[is_number] = len(cell_codes) + pair_index  # code_index is not needed any more: changed in place
        cell_codes += [int(distinct_codes[number_codes[i]]) for i in first]
        cell_numbers += [int(values[i]) for i in first]
    return Frame(read.versions, read.keys, read.meta, flat, read.code_bytes // 8, cells, cell_codes, cell_numbers)


async def _read_sqlite(db: DbSession, survey_id: str, versions: Sequence[int], wave: str | None
                       ) -> Columns | None:
    """On SQLite, the scope's packed responses in one statement handed to the driver's thread once
    (admin/sqlite_columns.py); None elsewhere, or where the result does not add up."""
    connection = await db.connection()
    if connection.dialect.name != "sqlite" or not versions:
        return None
    driver = (await connection.get_raw_connection()).driver_connection
    (last_rowid,), = await driver.execute_fetchall("SELECT coalesce(max(rowid), 0) FROM responses")
    sql, params = sqlite_columns.statement(survey_id, list(versions), wave, last_rowid)
    return sqlite_columns.columns(list(await driver.execute_fetchall(sql, params)), list(versions))


async def _read_rows(db: DbSession, scope: list) -> Columns:  # type: ignore[type-arg]
    """Any database: one row per packed response, through SQLAlchemy."""
    result = await (await db.connection()).execute(
        select(*_COLUMNS, Response.answer_codes, Response.answer_numbers)
        .where(*scope, Response.answer_codes.is_not(None)))
    return _from_rows([tuple(row) for row in result.all()])


def _from_rows(rows: list[tuple]) -> Columns:  # type: ignore[type-arg]
    """(version, key, wave, language, channel, distributor, codes, numbers) rows as columns."""
    if not rows:
        return _joined()
    versions, keys, waves, languages, channels, distributors, codes, numbers = map(list, zip(*rows, strict=True))
    return Columns(np.asarray(versions, dtype=np.int64), np.asarray(keys, dtype=np.int64),
                   {"wave": waves, "language": languages, "channel": channels,
                    "distributor": [None if d is None else str(d) for d in distributors]},
                   b"".join(codes), b"".join(n or b"" for n in numbers),
                   np.fromiter(map(len, codes), dtype=np.int64, count=len(codes)))


def _joined(*parts: Columns) -> Columns:
    """Columns of several reads, one after the other."""
    empty = np.zeros(0, dtype=np.int64)
    return Columns(np.concatenate([empty, *(p.versions for p in parts)]),
                   np.concatenate([empty, *(p.keys for p in parts)]),
                   {name: [v for p in parts for v in p.meta[name]] for name in sqlite_columns.META},
                   b"".join(p.codes for p in parts), b"".join(p.numbers for p in parts),
                   np.concatenate([empty, *(p.code_bytes for p in parts)]))


async def _pack_from_rows(db: DbSession, response_ids: list[str]) -> list[tuple[bytes, bytes]]:
    rows: dict[str, list[tuple[str, str | None, int | None, bool]]] = {i: [] for i in response_ids}
    for start in range(0, len(response_ids), _FALLBACK_BATCH):
        chunk = response_ids[start:start + _FALLBACK_BATCH]
        result = await db.execute(select(Answer.response_id, Answer.question, Answer.choice, Answer.number,
                                         Answer.declined).where(Answer.response_id.in_(chunk)).order_by(Answer.id))
        for response_id, question, choice, number, declined in result:
            rows[response_id].append((question, choice, number, bool(declined)))
    return [tuple(pack(rows[i])) for i in response_ids]  # type: ignore[misc]


# ------------------------------------------------------------------------------------------------ decoding


async def key_names(db: DbSession, survey: Survey, data: Frame) -> dict[int, tuple[str, str]]:
    """code -> (question, key) for the survey's questions. Keys hashed from the survey's choices are known;
    other choices a question's rows hold (an answer from before its choices changed) are looked up by name."""
    names: dict[int, tuple[str, str]] = {}
    for question in survey.questions:
        for key in (DECLINED, ANSWERED, *(c.name for c in question.choices)):
            _name(names, code_for(question.name, key), (question.name, key))
        _name(names, code_for(question.name, None), (question.name, "#"))
    by_hash = {question_hash(q.name): q.name for q in survey.questions}
    if len(by_hash) != len(survey.questions):
        raise CodeCollision(f"two questions of survey {survey.id} share a counting code, so counts would merge; "
                            "rename one of them in a new version of the survey and run again")
    unknown = defaultdict(set)
    for code in set(data.cell_codes) - set(names):
        question = by_hash.get(code >> KEY_BITS)
        if question is not None:
            unknown[question].add(code)
    for question, codes in unknown.items():
        choices = await db.scalars(select(Answer.choice).where(Answer.question == question,
                                                               Answer.choice.is_not(None)).distinct())
        for choice in choices:
            if code_for(question, choice) in codes:
                _name(names, code_for(question, choice), (question, choice))
        for code in codes - set(names):  # cannot happen unless rows changed since the frame was read
            names[code] = (question, f"?{code}")
    return names


class CodeCollision(RuntimeError):
    """Two different answers hashed to the same code (about one survey in a million): counting by codes would
    merge them, so the summary refuses rather than publish a wrong number."""


def _name(names: dict[int, tuple[str, str]], code: int, name: tuple[str, str]) -> None:
    if names.setdefault(code, name) != name:
        raise CodeCollision(f"the answers {names[code]} and {name} share a counting code, so their counts would "
                            "merge; rename one of them in a new version of the survey and run again")


def _group_index(db_names: dict[int, tuple[str, str]], data: Frame, dimension: str | None
                 ) -> tuple[np.ndarray, list[str]]:
    """Each response's group along the dimension, as an index into the returned group keys."""
    if dimension is None:
        return np.zeros(data.size, dtype=np.int64), ["all"]
    if dimension in data.groups:
        return data.groups[dimension]
    if dimension in META_COLUMNS:
        result = _text_groups(data.meta[dimension])
    else:
        wanted = (np.array(data.cell_codes, dtype=np.int64) >> KEY_BITS) == question_hash(dimension)
        positions = np.nonzero(wanted[data.cells])[0]  # looked up per cell: cheaper than testing every code
        keys = [NO_ANSWER]
        index = np.zeros(data.size, dtype=np.int64)
        position_cells = data.cells[positions]
        owners = data.owners(positions)
        for cell in np.unique(position_cells):
            code, number = data.cell_codes[cell], data.cell_numbers[cell]
            key = NO_ANSWER if number is not None else db_names.get(code, (dimension, f"?{code}"))[1]
            if key == ANSWERED:  # as the grouping always did: a group is a choice or "prefer not to say"
                key = NO_ANSWER
            if key not in keys:
                keys.append(key)
            index[owners[position_cells == cell]] = keys.index(key)
        result = (index, keys)
    data.groups[dimension] = result
    return result


def _text_groups(values: Sequence[str | None]) -> tuple[np.ndarray, list[str]]:
    """Each response's group along a text column (NULL is "no_answer"), groups numbered in order of first
    occurrence. Factorized as they are; only the few distinct values are then named (and merged, should a
    literal "no_answer" stand beside NULL)."""
    index, distinct = _factorize(np.array(values, dtype=object))  # NULL (None) -> -1
    names = [str(v) for v in distinct]
    missing = index < 0
    if missing.any():
        first = int(np.argmax(missing))
        at = int(index[:first].max()) + 1 if first else 0  # first occurrences number 0, 1, 2, ... in order
        index[index >= at] += 1
        index[missing] = at
        names.insert(at, NO_ANSWER)
    groups = list(dict.fromkeys(names))
    if len(groups) < len(names):
        renumber = np.array([groups.index(name) for name in names], dtype=np.int64)
        index = renumber[index]
    return index, groups


def _sums(parts: Iterable[tuple[np.ndarray, np.ndarray]], length: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts and exact record-key sums per index, from (index, record keys as float64) in passes of at most
    about 2^20 entries: within a pass a sum of keys (< 2^32) stays below 2^53, so float64 adds it exactly, and
    the passes' sums are added as integers. Passes also keep the arrays small, which makes them fast."""
    counts = np.zeros(length, dtype=np.int64)
    sums = np.zeros(length, dtype=np.int64)
    for index, weights in parts:
        counts += np.bincount(index, minlength=length)
        sums += np.rint(np.bincount(index, weights=weights, minlength=length)).astype(np.int64)
    return counts, sums


def group_sizes(names: dict[int, tuple[str, str]], data: Frame, dimension: str | None
                ) -> dict[int, dict[str, Tally]]:
    """version -> group -> the group's responses (count and key sum)."""
    groups, group_keys = _group_index(names, data, dimension)
    version_index, versions = _factorize(data.versions)
    index = version_index * len(group_keys) + groups
    keys = data.keys.astype(np.float64)
    counts, sums = _sums(((index[i:i + CODES_PER_PASS], keys[i:i + CODES_PER_PASS])
                          for i in range(0, data.size, CODES_PER_PASS)), len(versions) * len(group_keys))
    sizes: dict[int, dict[str, Tally]] = defaultdict(dict)
    for i in np.nonzero(counts)[0]:
        version, group = divmod(int(i), len(group_keys))
        sizes[int(versions[version])][group_keys[group]] = Tally(int(counts[i]), int(sums[i]))
    return sizes


def answer_tallies(names: dict[int, tuple[str, str]], data: Frame, dimension: str | None
                   ) -> list[tuple[int, str, str, str, Tally]]:
    """(version, question, key, group, tally) for every answer cell with records; a number's key is "#n"."""
    groups, group_keys = _group_index(names, data, dimension)
    version_index, versions = _factorize(data.versions)
    per_response = version_index * len(group_keys) + groups
    width = len(versions) * len(group_keys)
    keys = data.keys.astype(np.float64)

    def parts() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for responses, codes in data.passes():
            index = data.cells[codes]
            if width > 1:
                index = index * width + data.per_code(per_response, responses)
            yield index, data.per_code(keys, responses)

    counts, sums = _sums(parts(), len(data.cell_codes) * width)
    found = []
    for i in np.nonzero(counts)[0]:
        cell, rest = divmod(int(i), width)
        name = names.get(data.cell_codes[cell])
        if name is None:  # a question the survey no longer has
            continue
        number = data.cell_numbers[cell]
        key = f"#{number}" if number is not None else name[1]
        version, group = divmod(rest, len(group_keys))
        found.append((int(versions[version]), name[0], key, group_keys[group], Tally(int(counts[i]), int(sums[i]))))
    return found
