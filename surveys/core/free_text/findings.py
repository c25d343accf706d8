"""What a recognizer reports, and how overlapping reports become one replacement.

Recognizers overlap on purpose (an e-mail address contains a domain that looks like a link, an IBAN contains a
run of digits that looks like a phone number); the union of overlapping spans is replaced, so no fragment of
either survives, under the kind of the longest of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple


class Kind(StrEnum):
    EMAIL = "email"
    LINK = "link"
    IBAN = "iban"
    PHONE = "phone"
    HANDLE = "handle"
    ADDRESS = "address"
    NAME = "name"

    @property
    def placeholder(self) -> str:
        return f"[{self.value}]"


class Finding(NamedTuple):
    start: int
    end: int
    kind: Kind


def merged(findings: Iterable[Finding]) -> list[Finding]:
    """Non-overlapping findings in text order; overlapping ones joined under the longest one's kind."""
    result: list[Finding] = []
    longest: list[int] = []
    for finding in sorted(findings):
        if finding.end <= finding.start:
            continue
        if result and finding.start < result[-1].end:
            last = result[-1]
            kind = finding.kind if finding.end - finding.start > longest[-1] else last.kind
            longest[-1] = max(longest[-1], finding.end - finding.start)
            result[-1] = Finding(last.start, max(last.end, finding.end), kind)
        else:
            result.append(finding)
            longest.append(finding.end - finding.start)
    return result
