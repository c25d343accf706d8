"""WhatsApp's limits hold for any message the renderer can make: property tests of bot/whatsapp/layout.py,
checked by the same rules the fake Cloud API enforces (tests/fake_whatsapp.py)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.whatsapp.layout import LayoutTexts, lay_out, plain, shortened, typed_numbers
from bot.whatsapp.payloads import message_request
from surveys.core.bidi import for_direction
from surveys.core.render import Button, RenderedMessage
from tests.support.fake_whatsapp import limit_problems

WORDS = st.text(alphabet=st.sampled_from("abcdefgh ÄÖÜß مرحبا بكم ሰላም 0123456789-/"), min_size=1, max_size=90)
TEXTS = LayoutTexts("Auswählen", "Tippen Sie die Nummer Ihrer Antwort.", "Tippen Sie die Nummern, z. B. 1, 3, 5")


def _message(text: str, labels: list[str], rtl: bool) -> RenderedMessage:
    label_list = [for_direction(label.strip() or "x", rtl) for label in labels]
    buttons = tuple((Button(label, f"c:1:option_{n}"),) for n, label in enumerate(label_list))
    return RenderedMessage(for_direction(text, rtl), buttons)


@settings(max_examples=150, deadline=None)
@given(text=st.text(min_size=1, max_size=5000).filter(lambda t: t.strip()), labels=st.lists(WORDS, max_size=14),
       rtl=st.booleans())
def test_every_payload_keeps_within_whatsapps_limits_and_every_label_can_be_read_whole(text, labels, rtl):
    message = _message(text, labels, rtl)
    layout = lay_out(message, TEXTS)
    shown_text = ""
    titles: list[str] = []
    for payload in layout.payloads:
        request = message_request("4915100000001", payload)
        assert limit_problems(request) == [], request
        interactive = request.get("interactive")
        shown_text += plain(request["text"]["body"] if request["type"] == "text" else interactive["body"]["text"])
        if interactive and interactive["type"] == "button":
            titles += [plain(b["reply"]["title"]) for b in interactive["action"]["buttons"]]
        if interactive and interactive["type"] == "list":
            rows = interactive["action"]["sections"][0]["rows"]
            titles += [plain(r["title"]) for r in rows] + [plain(r.get("description", "")) for r in rows]
    for button in message.buttons:
        label = plain(button.label)
        assert label in titles or label in shown_text, f"{label!r} is nowhere whole"
    if len(message.buttons) > 10:
        assert layout.numbered == tuple(b.action for b in message.buttons)


@given(st.text(min_size=1, max_size=80), st.integers(min_value=2, max_value=30), st.booleans())
@example("\n0", 3, True)  # a label starting with a line break: titles are one line
def test_a_shortened_title_keeps_its_direction_and_its_limit(text, limit, rtl):
    title = shortened(text, limit, rtl)
    assert len(title) <= limit
    if rtl and len(title) > 1:
        assert title.startswith("\u200f")


def test_typed_numbers_accept_lists_and_other_digits_and_refuse_the_rest():
    assert typed_numbers("1, 3, 5", 9) == (1, 3, 5)
    assert typed_numbers("١، ٣", 9) == (1, 3)
    assert typed_numbers("۴", 9) == (4,)
    assert typed_numbers(" 2 ", 2) == (2,)
    assert typed_numbers("3", 2) is None  # not on the list
    assert typed_numbers("0", 5) is None
    assert typed_numbers("1.5", 9) is None  # a decimal is not a list of options
    assert typed_numbers("Nordstadt", 9) is None
