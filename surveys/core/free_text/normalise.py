"""The text the recognizers read: obfuscation undone, with a map back to what the resident typed.

Zero-width and other invisible characters split a phone number or an e-mail address for a regular expression
but not for a reader, so they are dropped; Arabic-Indic, Persian and other Unicode digits become ASCII digits;
NFKC folds full-width forms (`＠`, `０１７１`) and unusual spaces. Recognizers find spans in this text, and
`Folded.original_span` maps each span back, so the stored answer keeps everything that is not replaced exactly
as written (a Persian word keeps its zero-width non-joiner, an Arabic answer its own digits).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# invisible, yet not of category Cf (format): fillers that render as nothing, joiners and variation selectors
_INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0" + "".join(map(chr, range(0xFE00, 0xFE10)))
)
_KEPT_CONTROLS = frozenset("\n\t\r")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Folded:
    text: str
    origin: tuple[int, ...] | None  # origin[i]: index in the original of folded character i; None: identical

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> Folded:
    """The folded text and where each of its characters came from."""
    if text.isascii() and not _ASCII_CONTROL.search(text):
        return Folded(text, None)
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        chars.append(folded)
        origin.extend([index] * len(folded))
    return Folded("".join(chars), tuple(origin))


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cf" or char in _INVISIBLE or (category == "Cc" and char not in _KEPT_CONTROLS):
        return ""
    return str(unicodedata.decimal(char)) if category == "Nd" else unicodedata.normalize("NFKC", char)
