"""The pure engine honours the XLSForm features survey files can carry: relevant, constraint, choice_filter,
required_message, decimals and sections."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.core.engine import (
    Ask,
    Choose,
    Consent,
    Done,
    Finished,
    Problem,
    SessionState,
    Start,
    Text,
    Toggle,
    advance,
    parse_decimal,
)
from surveys.core.model import DECLINED, QuestionType
from surveys.forms.loader import parse_survey
from tests.surveys.test_engine import events_for

SURVEY = parse_survey(
    """
id: expressions
version: 1
language: en
title: Expressions
groups:
  - {name: home, label: At home, relevant: "${size} > 0"}
questions:
  - {name: size, type: number, field: core, label: "People?", required: true, constraint: ". <= 20",
     constraint_message: At most 20.}
  - {name: children, type: number, field: core, label: "Children?", group: home, relevant: "${size} > 1",
     constraint: ". < ${size}"}
  - name: region
    type: single
    field: core
    label: Region?
    choices: [{name: north, label: North}, {name: south, label: South}]
  - name: district
    type: single
    field: core
    label: District?
    choice_filter: region = ${region}
    choices:
      - {name: harbour, label: Harbour, attributes: {region: north}}
      - {name: hill, label: Hill, attributes: {region: south}}
  - name: needs
    type: multi
    field: core
    label: Needs?
    required: true
    required_message: Choose one at least.
    constraint: count-selected(.) <= 1
    choices: [{name: a, label: A}, {name: b, label: B}]
  - {name: rent, type: decimal, field: core, label: "Rent?"}
""",
    "expressions.yaml",
)


def run(*events):
    state = SessionState.new(SURVEY)
    transition = None
    for event in (Start(language="en"), Consent(True), *events):
        transition = advance(SURVEY, state, event)
        state = transition.state
    return transition


def asked(transition) -> Ask:
    return next(p for p in reversed(transition.prompts) if isinstance(p, Ask))


def test_constraint_and_relevant_chain():
    assert asked(run(Text("21"))).problem is Problem.CONSTRAINT
    assert asked(run(Text("1"))).question == "region", "one person: no children question"
    assert asked(run(Text("3"))).question == "children"
    assert asked(run(Text("3"), Text("3"))).problem is Problem.CONSTRAINT
    assert asked(run(Text("3"), Text("2"))).question == "region"


def test_choice_filter_offers_and_accepts_only_matching_choices():
    transition = run(Text("1"), Choose("region", "north"))
    assert asked(transition).options == ("harbour",)
    forged = advance(SURVEY, transition.state, Choose("district", "hill"))
    assert asked(forged).problem is Problem.UNKNOWN_OPTION


def test_multi_constraint_and_required_then_decimal():
    state = run(Text("1"), Choose("region", "south"), Choose("district", "hill")).state
    assert asked(advance(SURVEY, state, Done("needs"))).problem is Problem.NOTHING_CHOSEN
    for option in ("a", "b"):
        state = advance(SURVEY, state, Toggle("needs", option)).state
    assert asked(advance(SURVEY, state, Done("needs"))).problem is Problem.CONSTRAINT
    state = advance(SURVEY, state, Toggle("needs", "b")).state
    state = advance(SURVEY, state, Done("needs")).state
    assert asked(advance(SURVEY, state, Text("viel"))).problem is Problem.NOT_A_NUMBER
    finished = advance(SURVEY, state, Text("٤٥٠٫٥"))
    assert isinstance(finished.prompts[-1], Finished)
    assert finished.state.answers["rent"] == "450.5"


def test_decimals_are_read_as_residents_type_them():
    assert parse_decimal("3,50") == "3.5"
    assert parse_decimal(" 12 ") == "12"
    assert parse_decimal("-0.25") == "-0.25"
    assert parse_decimal("1.2.3") is None
    assert parse_decimal("abc") is None
    assert parse_decimal("") is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_events_never_crash_and_every_recorded_answer_keeps_the_forms_rules(data):
    state = SessionState.new(SURVEY)
    for event in data.draw(st.lists(events_for(SURVEY), max_size=60)):
        transition = advance(SURVEY, state, event)
        state = transition.state
        earlier: dict = {}
        for question in SURVEY.questions:  # in survey order: each answer against the answers before it
            if question.name not in state.answers:
                continue
            value = state.answers[question.name]
            if value != DECLINED:
                number = float(value) if question.type is QuestionType.DECIMAL else value
                assert question.accepts(number, earlier), (question.name, value)
                if question.choice_filter:
                    assert value in {c.name for c in question.offered_choices(earlier)}
            earlier[question.name] = value
        if not transition.duplicate and not state.finished:
            assert transition.prompts
        assert SessionState.from_json(state.to_json()) == state
