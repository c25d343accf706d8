"""Text from Telegram made well-formed before anything stores or sends it.

JSON may carry a lone surrogate (an escape such as \\ud800 with no partner). Python reads it into a string
that no UTF-8 encoder accepts, so storing or echoing it would fail. The Bot API client and the webhook parse
every update with `loads`, which replaces each lone surrogate with U+FFFD (the replacement character) and
leaves everything else, valid surrogate pairs included, as it was.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: A JSON escape in the surrogate range: only then can a parsed string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def loads(raw: str | bytes) -> Any:
    """json.loads, with lone surrogates in every string (keys included) replaced."""
    parsed = json.loads(raw)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if _SURROGATE_ESCAPE.search(text) is None:
        return parsed
    return _repair(parsed)


def _repair(value: Any) -> Any:
    if isinstance(value, str):
        return well_formed(value)
    if isinstance(value, list):
        return [_repair(item) for item in value]
    if isinstance(value, dict):
        return {well_formed(key): _repair(item) for key, item in value.items()}
    return value
