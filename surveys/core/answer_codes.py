"""A response's answers packed as integer codes, stored beside the response, so summaries count a million
responses in seconds.

Why: the answers table keys every cell by text (response id, question, choice). Counting from it makes the
database join, probe and sort one row per answer (18 million at a million responses), and SQLite has no
hash aggregation, so every breakdown sorts them all again. Read as one row per response instead, with its
answers as a few integers, the counting is one pass in memory (admin/counting.py) whatever the breakdown.

A code is 63 bits: the question's hash in the high 32 bits, the answer's key in the low 31:
`key_of` gives the key summaries count under (the choice, "prefer not to say", "answered" for free text and
the row that marks a multi-choice question answered), and a number's key part is 0, its value stored in order
in a second array. Hashes need no table of codes, so writing stays one INSERT and any survey, version or
imported form gets codes without registration; summaries know their questions and choices and hash them the
same way. The answers table stays the record of what was said (exports, /delete, the bot's previous answers).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from hashlib import blake2b
from typing import NamedTuple

from surveys.core.model import DECLINED

ANSWERED = "answered"
"""The key of a free text, a decimal, date or time, and of the row that marks a multi question answered."""
KEY_BITS = 31
KEY_MASK = (1 << KEY_BITS) - 1
NUMBER_KEY = 0
"""The key part of a number's code; its value is in the numbers array, in the same order."""
CODE_BYTES = "<i8"
"""How codes and numbers are stored: little-endian signed 64-bit integers, back to back."""


class PackedAnswers(NamedTuple):
    codes: bytes
    numbers: bytes


def key_of(choice: str | None, number: int | None, declined: bool) -> str | None:
    """The key an answer row is counted under, None for a number (counted by its value)."""
    if declined:
        return DECLINED
    if choice is not None:
        return choice
    if number is not None:
        return None
    return ANSWERED


@lru_cache(maxsize=8192)
def question_hash(question: str) -> int:
    return int.from_bytes(blake2b(question.encode(), digest_size=4).digest(), "little")


@lru_cache(maxsize=65536)
def code_for(question: str, key: str | None) -> int:
    """The code of (question, key); key None is the question's number code."""
    if key is None:
        part = NUMBER_KEY
    else:
        part = int.from_bytes(blake2b(key.encode(), digest_size=4, person=b"heard-key").digest(), "little")
        part = (part & KEY_MASK) or 1  # never the number key
    return (question_hash(question) << KEY_BITS) | part


def pack(rows: Iterable[tuple[str, str | None, int | None, bool]]) -> PackedAnswers:
    """(question, choice, number, declined) of one response's answer rows -> its packed codes and numbers."""
    codes: list[int] = []
    numbers: list[int] = []
    for question, choice, number, declined in rows:
        key = key_of(choice, number, bool(declined))
        codes.append(code_for(question, key))
        if key is None:
            numbers.append(int(number))  # type: ignore[arg-type]
    return PackedAnswers(_to_bytes(codes), _to_bytes(numbers))


def pack_values(values: Iterable[dict]) -> PackedAnswers:  # type: ignore[type-arg]
    """The same for rows as dictionaries of answer columns (surveys.conversation.answer_values)."""
    return pack((v["question"], v.get("choice"), v.get("number"), bool(v.get("declined"))) for v in values)


def _to_bytes(values: list[int]) -> bytes:
    return b"".join(v.to_bytes(8, "little", signed=True) for v in values)
