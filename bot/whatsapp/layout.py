"""A rendered message within WhatsApp's limits.

Up to three options go out as reply buttons (title ≤ 20 characters), up to ten as a list message (row title
≤ 24, description ≤ 72), more as a numbered list in the text, answered by typing the number (several
numbers, "1, 3, 5", for a question with several answers). A label never loses words where the resident reads
it: a row's description holds a label too long for its title, and a label too long for a button title or a
row description is written out whole in the text above (numbered, with numbered titles, where two shortened
titles would read alike). Text above buttons or a list may be 1,024 characters; what does not fit goes
first as plain text. Right-to-left texts keep their direction marks in every piece (surveys.core.bidi).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.channel import WHATSAPP
from bot.whatsapp.payloads import Buttons, Choice, ListMessage, Payload, Text
from surveys.core.bidi import for_direction
from surveys.core.render import RenderedMessage

_DIRECTION_MARKS = re.compile("[\u200e\u200f\u2066-\u2069]")
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class LayoutTexts:
    """What the layout says itself, in the resident's language."""

    opener: str
    """The button that opens a list (≤ 20 characters)."""
    type_number: str
    type_numbers: str
    rtl: bool = False


@dataclass(frozen=True, slots=True)
class Layout:
    payloads: tuple[Payload, ...]
    numbered: tuple[str, ...] = ()
    """When the options went out as a numbered list: the action of option 1, 2, ... (what a typed number means)."""


def plain(text: str) -> str:
    return _DIRECTION_MARKS.sub("", text)


def shortened(text: str, limit: int, rtl: bool = False) -> str:
    """`text` within `limit` characters as sent (direction marks included), cut at a word where possible; on one
    line, as WhatsApp shows titles."""
    bare = " ".join(plain(text).split())
    if len(for_direction(bare, rtl)) <= limit:
        return for_direction(bare, rtl)
    size = limit - 1
    while size > 0:
        cut = bare[:size]
        if " " in cut[size // 2:]:
            cut = cut[: cut.rindex(" ")]
        candidate = for_direction(cut.rstrip(" ,;:-") + ELLIPSIS, rtl)
        if len(candidate) <= limit:
            return candidate
        size -= 1
    return ELLIPSIS


def pieces(text: str, limit: int) -> list[str]:
    """Plain-text messages of at most `limit` characters, split between paragraphs, then lines."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            parts, current = [*parts, *([current] if current else [])], ""
            parts.append(line[:limit])
            line = line[limit:]
        joined = f"{current}\n{line}" if current else line
        if len(joined) > limit:
            parts.append(current)
            current = line
        else:
            current = joined
    return [*parts, *([current] if current else [])]


def _lead_and_body(text: str, limit: int) -> tuple[list[str], str]:
    """The text above buttons: its last paragraphs that fit `limit`, the rest as plain messages before it."""
    if len(text) <= limit:
        return [], text
    paragraphs = text.split("\n\n")
    body = paragraphs.pop()
    while paragraphs and len(paragraphs[-1]) + 2 + len(body) <= limit:
        body = paragraphs.pop() + "\n\n" + body
    if len(body) > limit:  # one paragraph longer than the limit: its lines
        lines = body.split("\n")
        body = lines.pop()
        while lines and len(lines[-1]) + 1 + len(body) <= limit:
            body = lines.pop() + "\n" + body
        paragraphs.append("\n".join(lines))
        body = body if len(body) <= limit else shortened(body, limit)
    lead = "\n\n".join(p for p in paragraphs if p)
    return pieces(lead, WHATSAPP.text_length) if lead else [], body


def _numbered_lines(labels: list[str], rtl: bool) -> str:
    return "\n".join(for_direction(f"{number}. {label}", rtl) for number, label in enumerate(labels, start=1))


def lay_out(message: RenderedMessage, texts: LayoutTexts, *, several: bool = False) -> Layout:
    """The payloads for one message. `several`: the options are a question with several answers (typed
    numbers then select them all at once)."""
    buttons = message.buttons
    rtl = texts.rtl
    body_limit = WHATSAPP.interactive_text_length or WHATSAPP.text_length
    if not buttons:
        return Layout(tuple(Text(piece) for piece in pieces(message.text, WHATSAPP.text_length)))
    labels = [plain(button.label) for button in buttons]
    if len(buttons) <= WHATSAPP.buttons:
        limit = WHATSAPP.button_title_length or 20
        titles = [shortened(label, limit, rtl) for label in labels]
        cut = [label for label, title in zip(labels, titles, strict=True) if plain(title) != label]
        if len(set(titles)) < len(titles):  # shortened alike: the numbers tell them apart
            titles = [shortened(f"{n}. {label}", limit, rtl) for n, label in enumerate(labels, start=1)]
            text = message.text + "\n\n" + _numbered_lines(labels, rtl)
        else:
            text = message.text + "".join("\n• " + for_direction(label, rtl) for label in cut)
        lead, body = _lead_and_body(text, body_limit)
        choices = tuple(Choice(button.action, title) for button, title in zip(buttons, titles, strict=True))
        return Layout((*(Text(p) for p in lead), Buttons(body, choices)))
    if len(buttons) <= WHATSAPP.list_rows:
        title_limit, description_limit = WHATSAPP.row_title_length, WHATSAPP.row_description_length
        titles = [shortened(label, title_limit, rtl) for label in labels]
        descriptions = [
            shortened(label, description_limit, rtl) if plain(title) != label else None
            for label, title in zip(labels, titles, strict=True)
        ]
        cut = [label for label, description in zip(labels, descriptions, strict=True)
               if description is not None and plain(description) != label]
        text = message.text + "".join("\n• " + for_direction(label, rtl) for label in cut)
        lead, body = _lead_and_body(text, body_limit)
        choices = tuple(Choice(button.action, title, description)
                        for button, title, description in zip(buttons, titles, descriptions, strict=True))
        return Layout((*(Text(p) for p in lead), ListMessage(body, texts.opener, choices)))
    instruction = texts.type_numbers if several else texts.type_number
    text = "\n\n".join((message.text, _numbered_lines(labels, rtl), for_direction(instruction, rtl)))
    return Layout(tuple(Text(piece) for piece in pieces(text, WHATSAPP.text_length)),
                  numbered=tuple(button.action for button in buttons))


_NUMBERS = re.compile(r"^\s*\d{1,3}(?:\s*[,;،\s]\s*\d{1,3})*\s*$")
_WESTERN = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def typed_numbers(text: str, count: int) -> tuple[int, ...] | None:
    """The option numbers a typed reply names ("2", "1, 3, 5", Arabic-Indic digits too), each 1..count;
    None if it is not such a reply or a number is out of range."""
    text = plain(text).translate(_WESTERN)
    if not _NUMBERS.match(text):
        return None
    numbers = tuple(dict.fromkeys(int(n) for n in re.findall(r"\d+", text)))
    if not numbers or any(not 1 <= n <= count for n in numbers):
        return None
    return numbers
