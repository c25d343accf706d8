"""The everyday Kobo features in the pure engine and the renderer: calculations read wherever an answer can be,
`${name}` piped into the texts a resident reads, regex() in constraints, constraints that name their own
question, dates and times typed the way the resident's language writes them, and forms' choice names that
differ from the keys answers are stored under."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.core.engine import (
    Ask,
    Back,
    Choose,
    Consent,
    Done,
    Finished,
    Problem,
    SessionState,
    Start,
    Text,
    advance,
)
from surveys.core.model import DECLINED, QuestionType
from surveys.core.render import Municipality, Renderer
from surveys.forms.loader import parse_survey
from surveys.i18n.catalogs import Catalogs
from tests.surveys.test_engine import events_for

SURVEY = parse_survey(
    """
id: kobo
version: 1
language: en
title: Kobo features
calculations:
  - {name: adults, calculation: "${household} - ${children}"}
  - {name: greeting, calculation: "concat('Hello ', ${first_name})"}
questions:
  - {name: first_name, type: text, field: core, label: "Your first name?", required: true}
  - {name: age, type: number, field: core, label: "How old are you, ${first_name}?", required: true,
     hint: "${greeting}!", constraint: "${age} > 0 and ${age} < 120", constraint_message: "Between 1 and 119."}
  - {name: household, type: number, field: core, label: "People in your household?", required: true}
  - {name: children, type: number, field: core, label: "Children?", required: true,
     constraint: ". <= ${household}"}
  - {name: adults_note, type: note, field: core, label: "So ${adults} adults live with you.",
     relevant: "${adults} > 1"}
  - name: help
    type: single
    field: core
    label: "Which help, ${first_name}?"
    choice_filter: "adults_only = 'no' or ${adults} > 1"
    choices:
      - {name: childcare, label: Childcare, attributes: {adults_only: "no"}}
      - {name: couples, label: "Advice for ${adults} adults", attributes: {adults_only: "yes"}}
  - {name: phone, type: text, field: core, label: "Phone?", constraint: "regex(., '^\\\\+?[0-9 ]{6,}$')"}
  - {name: born, type: date, field: core, label: "Date of birth?", constraint: ". < '2020-01-01'"}
  - {name: arrives, type: time, field: core, label: "When do you arrive?"}
""",
    "kobo.yaml",
)


def play(*events, language: str = "en"):
    state = SessionState.new(SURVEY)
    transition = None
    for event in (Start(language=language), Consent(True), *events):
        transition = advance(SURVEY, state, event)
        state = transition.state
    return transition


def asked(transition) -> Ask:
    return next(p for p in reversed(transition.prompts) if isinstance(p, Ask))


def shown(transition, language: str = "en") -> str:
    renderer = Renderer(Catalogs(), SURVEY, language, Municipality("Testhausen", "privacy@example.org"))
    return renderer.render(asked(transition)).text


def shown_buttons(transition) -> list[str]:
    renderer = Renderer(Catalogs(), SURVEY, "en", Municipality("Testhausen", "privacy@example.org"))
    return [button.label for button in renderer.render(asked(transition)).buttons]


def test_a_constraint_naming_its_own_question_reads_the_answer_being_given():
    """The ODK tutorial's `${age} > 0 and ${age} < 120` on the age question: every age used to be refused
    (it read the old, empty answer), so the required question could never be passed."""
    after = play(Text("Amal"), Text("34"))
    assert asked(after).question == "household"
    refused = play(Text("Amal"), Text("130"))
    assert asked(refused).problem is Problem.CONSTRAINT and asked(refused).question == "age"


def test_answers_and_calculations_are_piped_into_labels_hints_and_choices():
    text = shown(play(Text("Amal")))
    assert "How old are you, Amal?" in text and "Hello Amal!" in text, "not ${first_name} shown literally"
    assert "So 3 adults live with you." in shown(play(Text("Amal"), Text("34"), Text("4"), Text("1")))
    with_couples = play(Text("Amal"), Text("34"), Text("4"), Text("1"), Done("adults_note"))
    assert "Which help, Amal?" in shown(with_couples)
    assert "Advice for 3 adults" in shown_buttons(with_couples)


def test_calculations_are_read_by_relevant_constraint_and_choice_filter_and_follow_changed_answers():
    two_adults = play(Text("Amal"), Text("34"), Text("4"), Text("2"))
    assert asked(two_adults).question == "adults_note", "relevant ${adults} > 1"
    one_adult = play(Text("Amal"), Text("34"), Text("3"), Text("2"))
    assert asked(one_adult).question == "help", "one adult: the note is not shown"
    assert asked(one_adult).options == ("childcare",), "choice_filter reads the calculation"
    assert shown_buttons(one_adult)[:1] == ["Childcare"]
    again = advance(SURVEY, one_adult.state, Back())  # back to children, now one child: two adults
    changed = advance(SURVEY, again.state, Text("1"))
    assert asked(changed).question == "adults_note", "the calculation followed the changed answer"
    refused = play(Text("Amal"), Text("34"), Text("3"), Text("4"))
    assert asked(refused).problem is Problem.CONSTRAINT, "more children than people"


def test_regex_constraint_checks_the_phone_number():
    before_phone = play(Text("Amal"), Text("34"), Text("3"), Text("2"), Choose("help", "childcare"))
    assert asked(before_phone).question == "phone"
    assert asked(advance(SURVEY, before_phone.state, Text("call me"))).problem is Problem.CONSTRAINT
    accepted = advance(SURVEY, before_phone.state, Text("+49 170 1234567"))
    assert asked(accepted).question == "born", "the pattern reads what the resident typed"
    assert accepted.state.answers["phone"] == "[phone]", "what is kept has the number removed (residents are anonymous)"


def _at_born(language: str):
    return play(Text("Amal"), Text("34"), Text("3"), Text("2"), Choose("help", "childcare"),
                Text("0170 1234567"), language=language)


def test_dates_are_read_as_the_residents_language_writes_them_with_an_example():
    german = _at_born("de")
    assert "23.05.1990" in shown(german, "de"), "the example in German order"
    assert "5/23/1990" in shown(_at_born("en"), "en"), "the example in English order"
    not_a_date = advance(SURVEY, german.state, Text("gestern"))
    assert asked(not_a_date).problem is Problem.NOT_A_DATE
    assert "23.05.1990" in shown(not_a_date, "de")
    read = advance(SURVEY, german.state, Text("3.5.1985"))
    assert read.state.answers["born"] == "1985-05-03"
    arabic = advance(SURVEY, _at_born("ar").state, Text("٣/٥/١٩٨٥"))
    assert arabic.state.answers["born"] == "1985-05-03"
    assert asked(advance(SURVEY, german.state, Text("1.1.2021"))).problem is Problem.CONSTRAINT, \
        "dates compare as dates in constraints"


def test_times_are_read_in_the_residents_language():
    at_time = advance(SURVEY, _at_born("en").state, Text("1985-05-03"))
    assert asked(at_time).question == "arrives"
    assert "2:30" in shown(at_time, "en")
    assert asked(advance(SURVEY, at_time.state, Text("soon"))).problem is Problem.NOT_A_TIME
    done = advance(SURVEY, at_time.state, Text("2:30 PM"))
    assert isinstance(done.prompts[-1], Finished)
    assert done.state.answers["arrives"] == "14:30"


RENAMED = parse_survey(
    """
id: renamed
version: 1
language: de
title: Umbenannt
questions:
  - name: wish
    source_name: Wunsch
    type: single
    field: core
    label: Wunsch?
    choices:
      - {name: ja_gerne, source_name: "Ja, gerne", label: "Ja, gerne"}
      - {name: nein, label: Nein}
  - {name: why, type: text, field: core, label: "Warum?", relevant: "${wish} = 'Ja, gerne'"}
""",
    "renamed.yaml",
)


def test_expressions_read_the_forms_own_choice_names_while_answers_keep_safe_keys():
    state = SessionState.new(RENAMED)
    for event in (Start(language="de"), Consent(True), Choose("wish", "ja_gerne")):
        state = advance(RENAMED, state, event).state
    assert state.answers["wish"] == "ja_gerne"
    assert state.current == "why", "the relevant compares the form's name 'Ja, gerne'"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_events_never_crash_and_recorded_dates_and_numbers_keep_their_types(data):
    state = SessionState.new(SURVEY)
    for event in data.draw(st.lists(events_for(SURVEY), max_size=60)):
        transition = advance(SURVEY, state, event)
        state = transition.state
        for name, value in state.answers.items():
            question = SURVEY.question(name)
            if value == DECLINED:
                continue
            if question.type is QuestionType.DATE:
                assert len(value) == 10 and value[4] == "-", value
            if question.type is QuestionType.TIME:
                assert len(value) == 5 and value[2] == ":", value
            if question.type is QuestionType.NUMBER:
                assert isinstance(value, int)
        if not transition.duplicate and not state.finished:
            assert transition.prompts
