"""Survey files: the bundled survey is valid and respects its promises; broken files name file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.config import Area
from surveys.core.model import QuestionType
from surveys.forms.loader import SurveyValidationError, bundled_survey_paths, load_survey, parse_survey

MINIMAL = """\
id: mini
version: 1
title: T
intro: I
thanks: D
questions:
{questions}
"""


def problems(questions: str) -> list[str]:
    with pytest.raises(SurveyValidationError) as caught:
        parse_survey(MINIMAL.format(questions=questions), "mini.yaml")
    return [str(p) for p in caught.value.problems]


def test_bundled_needs_survey_is_short_skippable_and_asks_nothing_about_status():
    survey = load_survey(Path("surveys/bundled/needs.yaml"), [Area(name="nord", label="Nord")])
    assert len(survey.questions) <= 15
    assert all(q.offers_decline for q in survey.answerable()), "every question can be skipped"
    fields = {q.field for q in survey.questions}
    assert {"information", "work", "education", "health", "housing"} <= fields
    assert survey.questions[-1].type is QuestionType.TEXT
    assert survey.question("area").choices[0].name == "nord", "areas come from the configuration"
    words = " ".join([q.label for q in survey.questions] + [c.label for q in survey.questions for c in q.choices])
    for forbidden in ("Aufenthalt", "Duldung", "Asyl", "Staatsangehörigkeit", "Religion", "Diagnose"):
        assert forbidden not in words
    typed = sum(1 for q in survey.questions if q.type in (QuestionType.TEXT, QuestionType.NUMBER))
    assert typed == 1, "buttons over typing: only the closing free text is typed"


def test_every_bundled_file_loads():
    assert [load_survey(p).id for p in bundled_survey_paths()] == ["needs"]


def test_duplicate_question_names_are_reported_with_line():
    found = problems(
        "  - {name: a, type: text, field: core, label: A}\n"
        "  - {name: a, type: text, field: core, label: B}\n"
    )
    assert found == ["mini.yaml:8: question name 'a' is used twice (first at line 7)"]


def test_unknown_name_in_skip_logic_and_forward_reference_are_unreachable():
    found = problems(
        "  - {name: a, type: single, field: core, label: A, show_if: {b: [x]}}\n"
        "  - {name: b, type: single, field: core, label: B, choices: [{name: x, label: X}]}\n"
        "  - {name: c, type: text, field: core, label: C, show_if: {nope: [x]}}\n"
        "  - {name: d, type: text, field: core, label: D, show_if: {b: [y]}}\n"
    )
    assert "mini.yaml:7: question 'a' is unreachable: its show_if refers to 'b', which is not asked before it" in found
    assert "mini.yaml:9: question 'c': show_if refers to unknown question 'nope'" in found
    assert "mini.yaml:10: question 'd' is unreachable through show_if: 'b' has no choice 'y'" in found
    assert any(p.startswith("mini.yaml:7:") and "needs 'choices'" in p for p in found)


def test_empty_choices_bad_types_unknown_keys_and_duplicate_keys():
    found = problems(
        "  - name: a\n"
        "    type: single\n"
        "    field: core\n"
        "    label: A\n"
        "    choices: []\n"
        "  - {name: b, type: slider, field: core, label: B}\n"
        "  - {name: c, type: text, field: kitchen, label: C, colour: red}\n"
        "  - name: d\n"
        "    type: text\n"
        "    field: core\n"
        "    label: D\n"
        "    label: E\n"
    )
    assert "mini.yaml:11: question 'a': 'choices' must be a non-empty list" in found
    assert any(p.startswith("mini.yaml:12:") and "'type' must be one of" in p for p in found)
    assert any(p.startswith("mini.yaml:13:") and "'field' must be one of" in p for p in found)
    assert any(p.startswith("mini.yaml:13:") and "unknown key 'colour'" in p for p in found)
    assert "mini.yaml:18: key 'label' appears twice in a question" in found


def test_yes_and_no_stay_choice_names_and_reserved_name_is_refused():
    survey = parse_survey(
        MINIMAL.format(questions="  - {name: q, type: single, field: core, label: Q, "
                                 "choices: [{name: yes, label: Ja}, {name: no, label: Nein}]}"),
        "mini.yaml",
    )
    assert [c.name for c in survey.question("q").choices] == ["yes", "no"]
    found = problems("  - {name: q, type: single, field: core, label: Q, "
                     "choices: [{name: prefer_not_to_say, label: X}]}")
    assert any("'prefer_not_to_say' is reserved" in p for p in found)


def test_number_bounds_scale_size_and_invalid_yaml():
    found = problems(
        "  - {name: n, type: number, field: core, label: N, min: 5, max: 5}\n"
        "  - {name: s, type: scale, field: core, label: S, min: 0, max: 20}\n"
    )
    assert "mini.yaml:7: question 'n': 'min' must be below 'max'" in found
    assert "mini.yaml:8: question 's': a scale has at most 10 points" in found
    with pytest.raises(SurveyValidationError) as caught:
        parse_survey("id: x\nquestions: [\n", "broken.yaml")
    assert str(caught.value).startswith("broken.yaml:3: not valid YAML")
