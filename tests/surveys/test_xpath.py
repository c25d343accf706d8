"""The XPath subset of XLSForm expressions: evaluated as ODK Collect would, and every unreadable expression
explained with its position."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.core import xpath
from surveys.core.model import DECLINED

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


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${size} + 1 = 4", True),
        ("${size} * 2 - 1 = 5", True),
        ("${size} div 2 = 1.5", True),
        ("${size} mod 2 = 1", True),
        ("-${size} < 0", True),
        ("1 div 0 > 1000", True),
        ("concat(${yes_no}, '-', ${size}) = 'yes-3'", True),
        ("if(${size} > 2, 'many', 'few') = 'many'", True),
        ("regex('anna@example.org', '^[\\w-\\.]+@([\\w-]+\\.)+[\\w-]{2,}$')", True),
        ("regex('not an address', '^[\\w-\\.]+@')", False),
        ("regex(${rent}, '^[0-9]+')", True),
        ("round(${rent}) = 451", True),
        ("int(${rent}) = 450", True),
        ("string-length(normalize-space('  a   b ')) = 3", True),
        ("substr('heard', 1, 3) = 'ea'", True),
        ("contains(${yes_no}, 'es') and starts-with(${yes_no}, 'y')", True),
        ("coalesce(${unanswered}, 'none') = 'none'", True),
        ("'2024-05-03' > '2024-04-30'", True),
        ("'2024-05-03' - '2024-05-01' = 2", True),
        ("date(0) = '1970-01-01'", True),
        ("selected-at(${needs}, 1) = 'other'", True),
        ("max(1, ${size}, 2) = 3 and min(1, ${unanswered}) != 1", True),
    ],
)
def test_arithmetic_and_the_functions_kobo_forms_use(expression, expected):
    assert xpath.holds(expression, xpath.Context(ANSWERS)) is expected


def test_a_pattern_python_cannot_compile_is_named_when_parsed():
    with pytest.raises(xpath.ExpressionError) as caught:
        xpath.parse("regex(., '[a-')")
    assert str(caught.value).startswith("regex() at position 1: the pattern is not valid")


@given(st.text(alphabet="${}().,'=<>!+-*/ abdiv0123456789", max_size=30),
       st.one_of(st.none(), st.integers(), st.text(max_size=5), st.tuples(st.text(max_size=3))))
def test_any_expression_that_parses_evaluates_without_raising(text, current):
    try:
        node = xpath.parse(text)
    except xpath.ExpressionError:
        return
    value = xpath.evaluate(node, xpath.Context(ANSWERS, current=current))
    assert isinstance(value, str | float | bool)


@given(st.sampled_from(sorted(xpath.FUNCTIONS)),
       st.lists(st.sampled_from(["1 div 0", "-1 div 0", "0 div 0", "'x'", "''", "${needs}", "-3.5", "1e3",
                                 "'2024-02-30'", "999999999999", "${unanswered}", "."]), min_size=0, max_size=3))
def test_every_function_survives_odd_arguments(function, arguments):
    low, high = xpath.FUNCTIONS[function]
    if len(arguments) < low or (high is not None and len(arguments) > high):
        return
    try:
        node = xpath.parse(f"{function}({', '.join(arguments)})")
    except xpath.ExpressionError:
        return
    assert isinstance(xpath.evaluate(node, xpath.Context(ANSWERS, current="a b")), str | float | bool)
