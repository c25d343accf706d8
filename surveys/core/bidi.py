"""Right-to-left text that renders correctly in chat clients.

Telegram picks a message's direction from its first strong character, and mixes numbers, Latin words and
URLs into Arabic-script text in surprising orders. So an RTL message starts with a strong RTL mark and every
left-to-right run inside it is wrapped in Unicode isolates (FSI ... PDI), which keep "3/12", "/delete" or an
e-mail address intact.
"""

from __future__ import annotations

import re
import unicodedata

RLM = "\u200f"  # RIGHT-TO-LEFT MARK: a strong RTL character that prints nothing
FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE

# a run that reads left to right: Latin letters, digits, and the punctuation of numbers, commands and links
_LTR_RUN = re.compile(
    r"(?:https?://|/)?[0-9A-Za-z\u00c0-\u024f][0-9A-Za-z\u00c0-\u024f.,:/@_+%\-]*[0-9A-Za-z\u00c0-\u024f%]|[0-9A-Za-z]"
)


def isolate_ltr_runs(text: str) -> str:
    """Wrap each left-to-right run (numbers, Latin words, URLs) in FSI ... PDI."""
    return _LTR_RUN.sub(lambda m: f"{FSI}{m.group(0)}{PDI}", text)


def for_direction(text: str, rtl: bool) -> str:
    """Text as it should be sent: unchanged for LTR; for RTL, isolated LTR runs and a leading RLM."""
    if not rtl or not text:
        return text
    return RLM + isolate_ltr_runs(text)


def starts_with_strong_rtl(text: str) -> bool:
    """True if the very first character is strongly right-to-left (a letter of an RTL script, or RLM).
    A leading digit, space, bracket or Latin letter would let a client guess the direction wrongly."""
    return bool(text) and unicodedata.bidirectional(text[0]) in ("R", "AL")
