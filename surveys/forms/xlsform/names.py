"""Safe keys for the names forms give their questions, groups, calculations and choices.

Forms name things as their authors like (`Q1.Age`, `_consent`, `Ja, gerne`, `Straße`, `العمر`, names of 60
characters); Heard stores answers under short lowercase keys that every store, export and summary can carry.
A key is derived from the name alone (`q1_age`, `consent`, `ja_gerne`, `strasse`, `q_3f2a9c1e`), so importing
the same form again gives the same keys and old answers stay with their questions; the form's own name is kept
beside the key for exports and display.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from surveys.core.model import DECLINED
from surveys.forms.loader import CHOICE_NAME_PATTERN, NAME_PATTERN

_LIMIT = 40
_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "œ": "oe",
                              "þ": "th", "ð": "d", "ł": "l", "đ": "d", "ı": "i"})


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]


def _ascii(name: str) -> str:
    spelled = name.strip().lower().translate(_SPELLED_OUT)
    decomposed = unicodedata.normalize("NFKD", spelled)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


class Keys:
    """Hands out unique safe keys within one namespace (the questions, groups and calculations of a form; or
    the choices of one question)."""

    def __init__(self, *, choices: bool = False) -> None:
        self.choices = choices
        self.pattern = CHOICE_NAME_PATTERN if choices else NAME_PATTERN
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        if self._free(name):
            return self._take(name)
        candidate = _ascii(name)
        if candidate and not self.choices and not candidate[0].isalpha():
            candidate = f"q_{candidate}"
        if not candidate:
            candidate = ("c_" if self.choices else "q_") + _digest(name)
        if len(candidate) > _LIMIT or not self._free(candidate):
            candidate = f"{candidate[:_LIMIT - 9].rstrip('_')}_{_digest(name)}"
        counter = 2
        base = candidate[:_LIMIT - 3]
        while not self._free(candidate):
            candidate = f"{base}_{counter}"
            counter += 1
        return self._take(candidate)

    def reserve(self, key: str) -> None:
        self.used.add(key)

    def _free(self, key: str) -> bool:
        return bool(self.pattern.match(key)) and key not in self.used and key != DECLINED

    def _take(self, key: str) -> str:
        self.used.add(key)
        return key
