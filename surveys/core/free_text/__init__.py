"""Free-text scrubbing: what a resident types may name them or let someone reach them, so it is replaced by a
placeholder before it is stored, and again before it is shown.

Its own package because it is a job of its own, with its own libraries: `phonenumbers` for phone numbers of
every country, `python-stdnum` for IBANs, and Heard's recognizers for names, German street addresses and the
obfuscations residents use (zero-width characters, Arabic-Indic digits, `name (at) host (dot) de`,
`tg: max_mustermann`) in every shipped language's script. Microsoft Presidio was measured and left out: it
needs spaCy (+70–100 MiB in the bot process, ~2 s import), no German or multilingual spaCy model is on PyPI,
and its pattern recognizers would add nothing that these libraries do not do (README, "Dependencies").

Recognizers read a folded copy of the text (`normalise.fold`) and report spans; overlapping spans are joined
(`findings.merged`) and replaced in the text as the resident wrote it. Ordinary content stays: years, ages,
dates, amounts, counts ("3 Kinder", "B1 Kurs") and every word that is not part of a finding.
"""

from __future__ import annotations

from surveys.core.free_text.contacts import emails, handles, ibans, links, phone_numbers
from surveys.core.free_text.findings import Finding, Kind, merged
from surveys.core.free_text.normalise import fold
from surveys.core.free_text.people import addresses, names

__all__ = ["Kind", "find_personal_data", "scrub_free_text"]

_RECOGNIZERS = (emails, links, ibans, phone_numbers, handles, addresses, names)


def find_personal_data(text: str) -> list[Finding]:
    """Spans of `text` (as given) that could identify or reach a person, non-overlapping, in order."""
    folded = fold(text)
    found = (finding for recognize in _RECOGNIZERS for finding in recognize(folded.text))
    return [
        Finding(*folded.original_span(finding.start, finding.end), finding.kind) for finding in merged(found)
    ]


def scrub_free_text(text: str) -> str:
    """`text` with every name, address, phone number, e-mail address, IBAN, username and link replaced by
    `[name]`, `[address]`, `[phone]`, `[email]`, `[iban]`, `[handle]` or `[link]`."""
    parts: list[str] = []
    position = 0
    for finding in find_personal_data(text):
        parts += [text[position : finding.start], finding.kind.placeholder]
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)
