"""The start payload of a deep link (t.me/<bot>?start=<payload>): who handed the link out, and hints.

Telegram allows 1-64 characters of A-Z a-z 0-9 _ -. Heard's grammar: segments separated by "--"; a segment
"l-<language>" is a language hint, "s-<survey id>" picks a survey, any other segment is a distributor code.
Example: `Xk29fQ7p--l-ar`. Anything malformed is ignored, never an error to the resident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SEPARATOR = "--"


@dataclass(frozen=True, slots=True)
class StartPayload:
    distributor: str | None = None
    language: str | None = None
    survey: str | None = None


def parse_payload(text: str | None) -> StartPayload:
    if not text or not PAYLOAD.match(text):
        return StartPayload()
    distributor = language = survey = None
    for segment in text.split(SEPARATOR):
        if segment.startswith("l-") and len(segment) > 2:
            language = segment[2:]
        elif segment.startswith("s-") and len(segment) > 2:
            survey = segment[2:]
        elif segment and distributor is None:
            distributor = segment
    return StartPayload(distributor, language, survey)


def build_payload(distributor: str | None = None, language: str | None = None, survey: str | None = None) -> str:
    parts = [distributor or ""]
    if language:
        parts.append(f"l-{language}")
    if survey:
        parts.append(f"s-{survey}")
    payload = SEPARATOR.join(parts)
    if not PAYLOAD.match(payload):
        raise ValueError(f"deep-link payload {payload!r} is not 1-64 characters of A-Z a-z 0-9 _ -")
    return payload
