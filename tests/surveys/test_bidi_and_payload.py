"""Right-to-left shaping of messages, and the deep-link payload grammar."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from surveys.core.bidi import FSI, PDI, RLM, for_direction, starts_with_strong_rtl
from surveys.core.payload import StartPayload, build_payload, parse_payload


def test_rtl_message_starts_with_rlm_and_isolates_numbers_commands_and_links():
    shaped = for_direction("السؤال 3/15: أرسل /delete أو زر https://t.me/x", rtl=True)
    assert shaped.startswith(RLM)
    assert f"{FSI}3/15{PDI}" in shaped
    assert f"{FSI}/delete{PDI}" in shaped
    assert f"{FSI}https://t.me/x{PDI}" in shaped
    assert for_direction("Frage 3/15", rtl=False) == "Frage 3/15"


def test_rtl_check_wants_an_rtl_letter_first():
    assert starts_with_strong_rtl("نعم")
    assert not starts_with_strong_rtl("2 نعم")
    assert not starts_with_strong_rtl("/start – ابدأ")
    assert not starts_with_strong_rtl("")


@given(st.text(max_size=80))
def test_shaping_only_adds_invisible_marks(text):
    shaped = for_direction(text, rtl=True)
    assert shaped.replace(RLM, "").replace(FSI, "").replace(PDI, "") == text.replace(RLM, "").replace(
        FSI, "").replace(PDI, "")


def test_payload_grammar():
    assert parse_payload("Xk29fQ7p") == StartPayload(distributor="Xk29fQ7p")
    assert parse_payload("Xk29fQ7p--l-ar") == StartPayload(distributor="Xk29fQ7p", language="ar")
    assert parse_payload("l-fa_AF") == StartPayload(language="fa_AF")
    assert parse_payload("Ab1--l-uk--s-needs") == StartPayload("Ab1", "uk", "needs")
    for bad in ("", None, "has space", "ü", "x" * 65):
        assert parse_payload(bad) == StartPayload()
    assert build_payload("Ab1", "fa_AF") == "Ab1--l-fa_AF"
    assert parse_payload(build_payload("Ab1", "ar", "needs")) == StartPayload("Ab1", "ar", "needs")
