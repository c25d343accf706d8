"""The engine as a pure function: every question type, skip logic, navigation, and properties over random
event sequences (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.config import Area
from surveys.core.engine import (
    Acknowledge,
    Ask,
    AskLanguage,
    Back,
    Cancel,
    Choose,
    Consent,
    Decline,
    Done,
    Finished,
    Intro,
    KeepAnswers,
    PickLanguage,
    Problem,
    Restart,
    Returning,
    Review,
    SessionState,
    SetLanguage,
    Stage,
    Start,
    Text,
    Toggle,
    Unsupported,
    advance,
    final_answers,
)
from surveys.core.model import DECLINED, QuestionType
from surveys.forms.loader import load_survey, parse_survey

AREAS = [Area(name="nord", label="Nord"), Area(name="sued", label="Süd")]
NEEDS = load_survey(Path("surveys/bundled/needs.yaml"), AREAS)

ALL_TYPES = parse_survey(
    """
id: types
version: 1
title: T
intro: I
thanks: D
questions:
  - {name: welcome, type: note, field: core, label: Hallo}
  - name: pet
    type: single
    field: core
    label: Tier?
    required: true
    choices: [{name: cat, label: Katze}, {name: dog, label: Hund}]
  - name: foods
    type: multi
    field: core
    label: Essen?
    choices:
      - {name: rice, label: Reis}
      - {name: bread, label: Brot}
      - {name: none, label: Nichts, exclusive: true}
  - {name: mood, type: scale, field: core, label: "Laune?", min: 1, max: 5,
     choices: [{name: unsure, label: Weiß nicht}]}
  - {name: age, type: number, field: core, label: "Alter?", min: 16, max: 99}
  - {name: dog_name, type: text, field: core, label: "Name?", max_length: 40, show_if: {pet: [dog]}}
""",
    "types.yaml",
)


def consented(survey=ALL_TYPES, language="de") -> SessionState:
    state = advance(survey, SessionState.new(survey), Start(language=language)).state
    return advance(survey, state, Consent(True)).state


def run(survey, state, *events):
    transition = None
    for event in events:
        transition = advance(survey, state, event)
        state = transition.state
    return transition


def test_start_without_a_known_language_offers_the_picker_then_the_intro():
    transition = advance(NEEDS, SessionState.new(NEEDS), Start())
    assert transition.prompts == (PickLanguage(None),)
    assert transition.state.stage is Stage.LANGUAGE
    transition = advance(NEEDS, transition.state, SetLanguage("ar"))
    assert transition.prompts == (Intro(),)
    assert transition.state.language == "ar"


def test_consent_no_ends_without_answers_and_yes_asks_the_first_question():
    state = advance(NEEDS, SessionState.new(NEEDS), Start(language="de")).state
    declined = advance(NEEDS, state, Consent(False))
    assert declined.state.stage is Stage.DECLINED and declined.state.answers == {}
    accepted = advance(NEEDS, state, Consent(True))
    assert accepted.prompts == (Ask("area", 1, 15),)


def test_note_moves_on_with_continue():
    transition = advance(ALL_TYPES, consented(), Done("welcome"))
    assert isinstance(transition.prompts[-1], Ask) and transition.prompts[-1].question == "pet"
    assert "welcome" not in transition.state.answers


def test_required_single_choice_cannot_be_declined_and_rejects_unknown_options():
    state = run(ALL_TYPES, consented(), Done("welcome")).state
    assert run(ALL_TYPES, state, Decline("pet")).prompts[0].problem is Problem.REQUIRED
    assert run(ALL_TYPES, state, Choose("pet", "horse")).prompts[0].problem is Problem.UNKNOWN_OPTION
    transition = run(ALL_TYPES, state, Choose("pet", "dog"))
    assert transition.state.answers["pet"] == "dog"
    assert transition.prompts[0] == Acknowledge("pet", "dog")


def test_multi_choice_toggles_keep_survey_order_and_exclusive_clears():
    state = run(ALL_TYPES, consented(), Done("welcome"), Choose("pet", "cat")).state
    state = run(ALL_TYPES, state, Toggle("foods", "bread"), Toggle("foods", "rice")).state
    assert state.pending == ("rice", "bread")
    state = run(ALL_TYPES, state, Toggle("foods", "rice")).state
    assert state.pending == ("bread",)
    state = run(ALL_TYPES, state, Toggle("foods", "none")).state
    assert state.pending == ("none",)
    state = run(ALL_TYPES, state, Toggle("foods", "rice")).state
    assert state.pending == ("rice",), "choosing another option clears the exclusive one"
    assert run(ALL_TYPES, state, Done("foods")).state.answers["foods"] == ("rice",)


def test_scale_takes_points_and_extra_choices_but_nothing_else():
    state = run(ALL_TYPES, consented(), Done("welcome"), Choose("pet", "cat"), Done("foods")).state
    assert state.current == "mood"
    assert run(ALL_TYPES, state, Choose("mood", "6")).prompts[0].problem is Problem.UNKNOWN_OPTION
    assert run(ALL_TYPES, state, Text("3")).prompts[0].problem is Problem.USE_BUTTONS
    assert run(ALL_TYPES, state, Choose("mood", "4")).state.answers["mood"] == 4
    assert run(ALL_TYPES, state, Choose("mood", "unsure")).state.answers["mood"] == "unsure"


def test_number_is_parsed_bounded_and_accepts_arabic_indic_digits():
    state = run(ALL_TYPES, consented(), Done("welcome"), Choose("pet", "cat"), Done("foods"), Choose("mood", "2")).state
    assert state.current == "age"
    assert run(ALL_TYPES, state, Text("vierzig")).prompts[0].problem is Problem.NOT_A_NUMBER
    assert run(ALL_TYPES, state, Text("12")).prompts[0].problem is Problem.OUT_OF_RANGE
    assert run(ALL_TYPES, state, Text(" ٤٢ ")).state.answers["age"] == 42


def test_skip_logic_hides_text_question_unless_dog_and_completion_keeps_only_visible_answers():
    cat = run(ALL_TYPES, consented(), Done("welcome"), Choose("pet", "cat"), Done("foods"), Choose("mood", "2"),
              Text("30"))
    assert cat.state.stage is Stage.COMPLETED and cat.prompts[-1] == Finished()
    assert "dog_name" not in cat.state.answers

    state = run(ALL_TYPES, consented(), Done("welcome"), Choose("pet", "dog"), Done("foods"), Choose("mood", "2"),
                Text("30")).state
    assert state.current == "dog_name"
    assert run(ALL_TYPES, state, Text("x" * 41)).prompts[0].problem is Problem.TOO_LONG
    assert run(ALL_TYPES, state, Text("   ")).prompts[0].problem is Problem.EMPTY_TEXT
    state = run(ALL_TYPES, state, Text("Bello, Tel. 0171 1234567")).state
    assert state.stage is Stage.COMPLETED
    assert state.answers["dog_name"] == "Bello, Tel. [phone]"


def test_going_back_and_changing_an_answer_drops_answers_of_questions_no_longer_shown():
    state = run(ALL_TYPES, consented(), Done("welcome"), Choose("pet", "dog"), Done("foods"), Choose("mood", "2"),
                Text("30"), Text("Bello")).state
    assert state.stage is Stage.COMPLETED
    state = run(ALL_TYPES, consented(), Done("welcome"), Choose("pet", "dog"), Done("foods"), Choose("mood", "2"),
                Text("30")).state
    for _ in range(4):
        state = advance(ALL_TYPES, state, Back()).state
    assert state.current == "pet"
    transition = advance(ALL_TYPES, state, Choose("pet", "cat"))
    assert transition.state.answers["pet"] == "cat"
    assert transition.state.current == "foods", "going forward again passes the answered questions"
    done = run(ALL_TYPES, transition.state, Done("foods"), Choose("mood", "2"), Text("30"))
    assert done.state.stage is Stage.COMPLETED


def test_back_on_the_first_question_says_so():
    transition = advance(ALL_TYPES, consented(), Back())
    assert transition.prompts[0].problem is Problem.FIRST_QUESTION


def test_final_answers_drop_hidden_questions():
    state = SessionState(survey_id="types", survey_version=1, stage=Stage.ANSWERING,
                         answers={"pet": "cat", "dog_name": "Rex"})
    assert final_answers(ALL_TYPES, state) == {"pet": "cat"}


def test_progress_counts_conditional_questions_until_they_are_ruled_out():
    state = consented(NEEDS)
    assert advance(NEEDS, state, Choose("area", "nord")).prompts[-1] == Ask("years_here", 2, 15)
    state = SessionState(survey_id="needs", survey_version=1, stage=Stage.ANSWERING, language="de",
                         current="know_advice", answers={"language_course": "no_need"},
                         history=("area", "years_here", "age_band", "gender"))
    ask = advance(NEEDS, state, Unsupported("sticker")).prompts[0]
    assert (ask.position, ask.total) == (5, 14), "course_barriers is ruled out by the answer"


def test_stale_button_and_double_tap():
    state = advance(NEEDS, consented(NEEDS), Choose("area", "nord")).state
    double = advance(NEEDS, state, Choose("area", "nord"))
    assert double.duplicate and double.prompts == () and double.state == state
    stale = advance(NEEDS, state, Choose("area", "sued"))
    assert stale.prompts[0].problem is Problem.STALE_BUTTON
    assert stale.state.answers["area"] == "nord"
    assert advance(NEEDS, consented(NEEDS), Consent(True)).duplicate, "consent tapped twice"


def test_returning_resident_can_review_restart_or_keep():
    previous = {"area": "nord", "gender": DECLINED}
    transition = advance(NEEDS, SessionState.new(NEEDS), Start(language="de", previous_answers=previous))
    assert transition.prompts == (Returning(),)
    review = advance(NEEDS, transition.state, Review())
    assert review.prompts[0].answers == previous
    assert advance(NEEDS, transition.state, KeepAnswers()).state.stage is Stage.CANCELLED
    restarted = advance(NEEDS, transition.state, Restart())
    assert restarted.state.answers == {} and restarted.state.current == "area"


def test_language_can_change_mid_survey_without_losing_answers():
    state = advance(NEEDS, consented(NEEDS), Choose("area", "nord")).state
    assert advance(NEEDS, state, AskLanguage()).prompts == (PickLanguage("de"),)
    changed = advance(NEEDS, state, SetLanguage("uk"))
    assert changed.state.language == "uk" and changed.state.answers == state.answers
    assert changed.prompts[-1].question == "years_here"


def test_cancel_forgets_answers_and_next_event_starts_over():
    state = advance(NEEDS, consented(NEEDS), Choose("area", "nord")).state
    cancelled = advance(NEEDS, state, Cancel())
    assert cancelled.state.stage is Stage.CANCELLED and cancelled.state.answers == {}
    again = advance(NEEDS, cancelled.state, Start(language="de"))
    assert again.prompts == (Intro(),)


def test_state_survives_json_round_trip():
    state = run(ALL_TYPES, consented(), Done("welcome"), Choose("pet", "dog"), Toggle("foods", "rice")).state
    assert SessionState.from_json(state.to_json()) == state


# ------------------------------------------------------------------------------------------- properties


def _option_names(survey) -> list[str]:
    names = {"x", "6", "0", "999"}
    for question in survey.questions:
        names |= {c.name for c in question.choices}
        if question.type is QuestionType.SCALE:
            names |= {str(p) for p in question.scale_points()}
    return sorted(names)


def events_for(survey):
    questions = st.sampled_from([q.name for q in survey.questions])
    options = st.sampled_from(_option_names(survey))
    return st.one_of(
        st.builds(Start, language=st.sampled_from([None, "de", "ar"])),
        st.builds(Consent, st.booleans()),
        st.builds(Choose, questions, options),
        st.builds(Toggle, questions, options),
        st.builds(Done, questions),
        st.builds(Decline, questions),
        st.builds(Text, st.text(max_size=600)),
        st.sampled_from([Back(), Restart(), Review(), KeepAnswers(), AskLanguage(), Unsupported("sticker")]),
        st.builds(SetLanguage, st.sampled_from(["de", "en", "fa_AF"])),
        st.just(Cancel()),
    )


def _value_is_valid(question, value) -> bool:
    if value == DECLINED:
        return not question.required
    names = {c.name for c in question.choices}
    match question.type:
        case QuestionType.SINGLE:
            return value in names
        case QuestionType.MULTI:
            return isinstance(value, tuple) and set(value) <= names and len(set(value)) == len(value)
        case QuestionType.SCALE:
            return value in names or (isinstance(value, int) and value in question.scale_points())
        case QuestionType.NUMBER:
            return isinstance(value, int) and question.minimum <= value <= question.maximum
        case QuestionType.TEXT:
            return isinstance(value, str) and 0 < len(value) <= question.max_length
    return False


@pytest.mark.parametrize("survey", [NEEDS, ALL_TYPES], ids=["needs", "all_types"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_event_sequences_never_crash_and_never_record_invalid_values(survey, data):
    state = SessionState.new(survey)
    for event in data.draw(st.lists(events_for(survey), max_size=60)):
        transition = advance(survey, state, event)
        state = transition.state
        for name, value in state.answers.items():
            assert _value_is_valid(survey.question(name), value), (name, value)
        if state.stage is Stage.ANSWERING:
            assert state.current is not None and survey.question(state.current).is_shown(state.answers)
        # the resident is always finished or asked for something
        if not transition.duplicate and not state.finished:
            assert transition.prompts, event
            assert isinstance(transition.prompts[-1], Ask | Intro | PickLanguage | Returning), transition.prompts
        assert SessionState.from_json(state.to_json()) == state


def test_reminder_is_offered_and_kept_only_where_the_channel_can_write_later():
    from surveys.core.engine import Consent as Agree
    from surveys.core.engine import Intro
    from surveys.core.engine import Start as Begin
    from surveys.core.engine import advance as step

    survey = NEEDS
    reachable = step(survey, SessionState.new(survey), Begin(language="de", reachable=True))
    assert reachable.prompts == (Intro(offer_reminder=True),)
    agreed = step(survey, reachable.state, Agree(True, remind=True))
    assert agreed.state.remind and agreed.state.stage is Stage.ANSWERING
    console = step(survey, SessionState.new(survey), Begin(language="de"))
    assert console.prompts == (Intro(offer_reminder=False),)
    assert not step(survey, console.state, Agree(True, remind=True)).state.remind, "no chat to remind"
    assert SessionState.from_json(agreed.state.to_json()) == agreed.state, "survives a restart"
