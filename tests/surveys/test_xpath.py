"""The XPath subset of XLSForm expressions: evaluated as ODK Collect would, and every unreadable expression
explained with its position."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys import xpath
from surveys.model import DECLINED

ANSWERS = {"size": 3, "yes_no": "yes", "needs": ("housing", "other"), "skipped": DECLINED, "rent": "450.5"}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${size} > 1", True),
        ("${size} >= 3 and ${size} <= 3", True),
        ("${size} < 3", False),
        ("${size} = '3'", True),
        ("${size} != 3", False),
        ("${yes_no} = 'yes'", True),
        ("${yes_no} != 'yes' or ${size} = 3", True),
        ("not(${yes_no} = 'no')", True),
        ("selected(${needs}, 'other')", True),
        ("selected(${needs}, 'work')", False),
        ("selected(${yes_no}, 'yes')", True),
        ("count-selected(${needs}) = 2", True),
        ("count-selected(${skipped}) = 0", True),
        ("${skipped} = ''", True),
        ("${unanswered} = ''", True),
        ("${unanswered} > 0", False),
        ("${rent} > 400.25", True),
        ("string-length(${yes_no}) = 3", True),
        ("(${size} > 5 or ${yes_no} = 'yes') and true()", True),
        ("false() or ${size} = 3.0", True),
    ],
)
def test_expressions_evaluate_like_odk(expression, expected):
    assert xpath.holds(expression, xpath.Context(ANSWERS)) is expected


def test_current_answer_and_choice_columns():
    assert xpath.holds(". >= 1 and . < ${size}", xpath.Context(ANSWERS, current=2))
    assert not xpath.holds(". >= 1 and . < ${size}", xpath.Context(ANSWERS, current=3))
    assert xpath.holds("count-selected(.) <= 2", xpath.Context(ANSWERS, current=("a", "b")))
    assert xpath.holds("region = ${yes_no}", xpath.Context(ANSWERS, columns={"region": "yes"}))
    assert not xpath.holds("region = ${yes_no}", xpath.Context(ANSWERS, columns={"region": "north"}))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("", "empty expression at position 1 (found the end)"),
        ("${size} >", "expected a value at position 10 (found the end)"),
        ("${size} | 1", "unexpected '|' at position 9"),
        ("(${size} = 1", "expected ')' at position 13 (found the end)"),
        ("today() > 1", "function today() at position 1 is not supported"),
        ("selected(${needs})", "selected() at position 1 takes 2 arguments, got 1"),
        ("${size} = 1 ${size}", "unexpected text at position 13"),
        ("/data/size = 1", "unexpected '/' at position 1"),
    ],
)
def test_unreadable_expressions_say_where(expression, message):
    with pytest.raises(xpath.ExpressionError) as caught:
        xpath.parse(expression)
    assert str(caught.value).startswith(message)


def test_references_are_listed():
    node = xpath.parse("selected(${a}, 'x') and (${b} > . or region = ${c})")
    assert xpath.references(node) == {"a", "b", "c"}
    assert xpath.columns(node) == {"region"}
    assert xpath.uses_current(node)


@given(st.text(max_size=40))
def test_parsing_any_text_either_works_or_explains(text):
    try:
        node = xpath.parse(text)
    except xpath.ExpressionError as error:
        assert "position" in str(error)
    else:
        xpath.evaluate(node, xpath.Context(ANSWERS, current="1"))
