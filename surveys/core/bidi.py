"""Right-to-left text that renders correctly in chat clients.

Chat clients pick each paragraph's direction from its first strong character, and the Unicode bidi algorithm
orders neutral characters (spaces, slashes) between two left-to-right words by the paragraph's direction. So in
an Arabic message "Stadt Testhausen" would read "Testhausen Stadt" if its two words were isolated one by one.
Hence, for a right-to-left message:

- every value put into a sentence (a town's name, an answer, an area label, a date) is isolated as ONE unit
  (FSI ... PDI, `isolate`) where it is inserted, so the value keeps its own direction and word order;
- every other left-to-right run of the sentence itself (numbers, "/delete", a link, a few Latin words in a row)
  is isolated as one unit too, and
- every line starts with a RIGHT-TO-LEFT MARK, so a line that begins with a digit or a Latin word is still laid
  out right to left.

Left-to-right messages are sent unchanged.
"""

from __future__ import annotations

import re
import unicodedata

RLM = "\u200f"  # RIGHT-TO-LEFT MARK: a strong RTL character that prints nothing
FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
_OPENERS = "\u2066\u2067\u2068"  # LRI, RLI, FSI

# one left-to-right word: Latin letters, digits, and the punctuation of numbers, commands and links
_LTR_WORD = (
    r"(?:https?://|/)?[0-9A-Za-z\u00c0-\u024f][0-9A-Za-z\u00c0-\u024f.,:/@_+%\-]*[0-9A-Za-z\u00c0-\u024f%]"
    r"|[0-9A-Za-z\u00c0-\u024f]"
)
# a run of such words, joined by spaces and the separators of names ("Stadt Testhausen", "Ortsteile / Dörfer")
_LTR_RUN = re.compile(rf"(?:{_LTR_WORD})(?:[ \t]+(?:[/&·–-][ \t]+)?(?:{_LTR_WORD}))*")


def isolate(value: str) -> str:
    """A value to put into a right-to-left sentence, as one unit that keeps its own direction."""
    return f"{FSI}{value}{PDI}" if value else value


def isolate_ltr_runs(text: str) -> str:
    """Wrap each left-to-right run (numbers, Latin words, URLs) in FSI ... PDI; text already inside an isolate
    (an inserted value) is left as it is."""
    out: list[str] = []
    plain_start = 0
    depth = 0
    for index, char in enumerate(text):
        if char in _OPENERS:
            if depth == 0:
                out.append(_isolate_runs(text[plain_start:index]))
                plain_start = index
            depth += 1
        elif char == PDI and depth > 0:
            depth -= 1
            if depth == 0:
                out.append(text[plain_start:index + 1])
                plain_start = index + 1
    out.append(_isolate_runs(text[plain_start:]) if depth == 0 else text[plain_start:])
    return "".join(out)


def _isolate_runs(text: str) -> str:
    return _LTR_RUN.sub(lambda m: f"{FSI}{m.group(0)}{PDI}", text)


def for_direction(text: str, rtl: bool) -> str:
    """Text as it should be sent: unchanged for LTR; for RTL, isolated LTR runs and an RLM starting each line."""
    if not rtl or not text:
        return text
    return "\n".join(RLM + line if line else line for line in isolate_ltr_runs(text).split("\n"))


def starts_with_strong_rtl(text: str) -> bool:
    """True if the very first character is strongly right-to-left (a letter of an RTL script, or RLM).
    A leading digit, space, bracket or Latin letter would let a client guess the direction wrongly."""
    return bool(text) and unicodedata.bidirectional(text[0]) in ("R", "AL")


def forward_arrow(rtl: bool) -> str:
    """The arrow from a question to its answer: it points the way the line reads."""
    return "←" if rtl else "→"


def back_arrow(rtl: bool) -> str:
    """The arrow on a Back button: it points to where the previous question was, against the reading direction."""
    return "➡" if rtl else "⬅"


def group_mark(rtl: bool) -> str:
    """The small triangle before a group's title, pointing the way the line reads."""
    return "◂" if rtl else "▸"
