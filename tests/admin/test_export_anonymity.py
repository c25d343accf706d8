"""Microdata exports against an attacker who looks for a person they know: k-anonymity over every
quasi-identifier, the summaries' wave rule, sensitive answers only in large and mixed groups, and messages that
never state a count from 1 to k-1. The pure function (admin/anonymity.py) unit- and property-tested, then the
real `heard-admin results export` on real SQLite files with the attacks the anonymity review found."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import re
import secrets
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from admin.anonymity import (
    AGE_MERGES,
    OTHER,
    QUASI_IDENTIFIERS,
    Mode,
    Refused,
    diverse,
    is_answer,
    protect,
    violating,
)
from surveys.config import load_settings
from surveys.conversation import answer_rows
from surveys.core.model import DECLINED
from surveys.store.schema import Response
from surveys.wiring import open_core
from tests.support.commands import run
from tests.support.config import write_config

QI = list(QUASI_IDENTIFIERS)
K = 5


def person(area="nord", age="from_18_to_29", gender="woman", language="de", years="under_1", channel="telegram",
           wave="w1", month="2026-11", **other):
    return {"area": area, "age_band": age, "gender": gender, "language": language, "years_here": years,
            "channel": channel, "wave": wave, "submitted_month": month, **other}


def released(protected):
    return [r for i, r in enumerate(protected.records) if i in protected.released]


def small_counts(text: str, k: int) -> list[int]:
    """Whole numbers from 1 to k-1 a message states (digits inside names such as under_30 do not count)."""
    return [int(n) for n in re.findall(r"(?<![\w.-])\d+(?![\w])", text) if 0 < int(n) < k]


# ----------------------------------------------------------------------- the pure function, case by case


def test_nothing_changes_when_every_group_has_k():
    records = [person(id=i) for i in range(5)] + [person(area="sued", id=i) for i in range(5)]
    protected = protect(records, QI, K)
    assert protected.records == records and protected.steps == () and protected.describe() == ""


@pytest.mark.parametrize(("variable", "values", "message"), [
    ("years_here", ("over_10", "from_3_to_10"), "years_here blanked in 5 records"),
    ("channel", ("paper", "assisted"), 'channel replaced by "other" in 5 records'),
    ("submitted_month", ("2026-09", "2026-10"), "submitted_month blanked in 5 records"),
])
def test_records_set_apart_only_by_years_here_channel_or_month_are_coarsened(variable, values, message):
    """The review: the four checked quasi-identifiers alone let 3 and 2 records out that differ in another."""
    records = [person() for _ in range(5)]
    records += [{**person(), variable: values[0]} for _ in range(3)] + [{**person(), variable: values[1]}
                                                                        for _ in range(2)]
    protected = protect(records, QI, K)
    assert protected.describe() == message, "only that variable changes: the rest is given back"
    assert [r[variable] for r in protected.records[5:]] == [OTHER if variable == "channel" else ""] * 5
    assert protected.records[:5] == records[:5]
    assert not violating(released(protected), QI, K)


def test_further_questions_about_the_person_are_blanked_before_years_here_and_gender():
    records = [person(household="family") for _ in range(5)]
    records += [person(household="alone", years="over_10") for _ in range(3)]
    records += [person(household="couple", years="over_10") for _ in range(2)]
    protected = protect(records, [*QI, "household"], K)
    assert [r["household"] for r in protected.records] == ["family"] * 5 + [""] * 5
    assert [r["years_here"] for r in protected.records] == ["under_1"] * 5 + ["over_10"] * 5
    assert protected.describe() == "household blanked in 5 records"
    assert protected.variables[-1] == "household", "named after the known ones in messages"


def test_a_wave_with_fewer_than_k_records_is_never_shown():
    merged = [person() for _ in range(5)] + [person(wave="w2") for _ in range(3)] + [person(wave="w3")
                                                                                    for _ in range(2)]
    protected = protect(merged, QI, K)
    assert [r["wave"] for r in protected.records] == ["w1"] * 5 + [OTHER] * 5
    assert protected.describe() == 'wave replaced by "other" in 5 records'

    alone = [person() for _ in range(5)] + [person(wave="w2", area="sued") for _ in range(3)]
    protected = protect(alone, QI, K)
    assert {r["wave"] for r in released(protected)} == {"w1"}
    assert protected.withheld == frozenset(range(5, 8))
    assert protected.describe().endswith("fewer than 5 records withheld (still in groups below k)")


def test_gender_is_blanked_first_and_only_where_groups_are_small():
    records = [person() for _ in range(3)] + [person(gender="man") for _ in range(2)] + [person(gender="diverse")]
    protected = protect(records, QI, 3)
    assert [r["gender"] for r in protected.records] == ["woman"] * 3 + ["", "", ""]
    assert protected.describe() == "gender blanked in 3 records"
    assert records[3]["gender"] == "man", "the input is not changed"


def test_age_bands_are_merged_when_blanking_gender_is_not_enough():
    records = [person(age="under_18", gender="man"), person(age="from_18_to_29", gender="diverse"),
               person(age="under_18"), *(person(age="over_64") for _ in range(3))]
    protected = protect(records, QI, 3)
    assert [r["age_band"] for r in protected.records] == ["under_30"] * 3 + ["over_64"] * 3
    assert [r["gender"] for r in protected.records] == ["", "", "", "woman", "woman", "woman"]
    assert protected.describe() == ("gender blanked in 3 records; age bands merged into under_30, from_30_to_64, "
                                    "over_64 in 3 records")


def test_coarsening_that_was_not_needed_is_given_back():
    """Age bands are merged in every record, and gender was blanked before the merge helped: both are undone
    where the records would form groups of k anyway."""
    records = [person(age="under_18") for _ in range(5)] + [person() for _ in range(5)]
    records += [person(age="from_30_to_49", gender="man") for _ in range(3)]
    records += [person(age="from_50_to_64", gender="man") for _ in range(2)]
    protected = protect(records, QI, K)
    assert [r["age_band"] for r in protected.records] == (["under_18"] * 5 + ["from_18_to_29"] * 5
                                                          + ["from_30_to_64"] * 5)
    assert {r["gender"] for r in protected.records[10:]} == {"man"}
    assert protected.describe() == "age bands merged into under_30, from_30_to_64, over_64 in 5 records"


def test_area_then_language_become_other():
    records = [*(person() for _ in range(3)), person(area="west"), person(area="ost"), person(area="sued")]
    protected = protect(records, QI, 3)
    assert [r["area"] for r in protected.records] == ["nord"] * 3 + [OTHER] * 3
    assert protected.describe() == 'area replaced by "other" in 3 records'

    records = [*(person() for _ in range(3)), person(language="ti"), person(language="so"), person(language="ps")]
    protected = protect(records, QI, 3)
    assert [r["language"] for r in protected.records] == ["de"] * 3 + [OTHER] * 3
    assert protected.describe() == 'language replaced by "other" in 3 records'


def test_missing_answers_count_as_blank_and_absent_questions_are_skipped():
    records = [{"language": "de", "age_band": "under_18"}, {"language": "de", "age_band": "under_18"},
               {"language": "de", "age_band": "from_18_to_29"}, {"language": "de", "age_band": None},
               {"language": "de", "age_band": ""}, {"language": "de"}]
    protected = protect(records, ["age_band", "language"], 3)
    assert [r.get("age_band") for r in protected.records] == ["under_30"] * 3 + [None, "", None]
    assert protected.describe() == "age bands merged into under_30, from_30_to_64, over_64 in 3 records"


def test_records_that_coarsening_cannot_protect_are_withheld_without_saying_how_many():
    records = [person() for _ in range(5)] + [person(area="sued", age="over_64", gender="man", language="ar")]
    protected = protect(records, QI, K)
    assert protected.withheld == frozenset({5}), "the one unique record does not leave"
    assert protected.describe() == "fewer than 5 records withheld (still in groups below k)"
    assert not violating(released(protected), QI, K)


def test_refuse_mode_refuses_at_the_first_small_group_without_stating_a_small_count():
    records = [person() for _ in range(5)] + [person(gender="man")]
    with pytest.raises(Refused) as refused:
        protect(records, QI, K, Mode.refuse)
    message = refused.value.explain()
    assert message.startswith(
        "Export refused: fewer than 5 of 6 records would be in groups of fewer than k = 5 people with the same "
        "area × age_band × gender × language × years_here × channel × wave × submitted_month; nothing was written.")
    assert "--k-anonymity coarsen" in message and "\n" not in message
    assert small_counts(message, K) == []


def test_fewer_than_k_records_are_refused_in_either_mode_without_their_number():
    for mode in Mode:
        with pytest.raises(Refused) as refused:
            protect([person() for _ in range(4)], QI, K, mode)
        assert refused.value.too_few
        message = refused.value.explain()
        assert message.startswith("Export refused: fewer than k = 5 completed responses")
        assert small_counts(message, K) == [] and "\n" not in message


# -------------------------------------------------------------------------------- sensitive answers

HEALTH = "health"


def test_sensitive_answers_show_only_in_classes_of_ten_whose_answers_differ():
    alike = [person(**{HEALTH: ("waiting",)}) for _ in range(5)]
    mixed = [person(area="sued", **{HEALTH: ("waiting",) if i % 2 else ("cost",)}) for i in range(10)]
    protected = protect(alike + mixed, QI, K, sensitive=[HEALTH])
    assert [r[HEALTH] for r in protected.records[:5]] == [""] * 5, "the group of 5 whose answers are all alike"
    assert [r[HEALTH] for r in protected.records[5:]] == [m[HEALTH] for m in mixed]
    assert protected.describe() == ("answers to the sensitive question health blanked in fewer than 10 records "
                                    "(groups of fewer than 10 people, or answers all alike)")


@pytest.mark.parametrize(("answers", "shown"), [
    ([("waiting",)] * 5 + [("cost",)] * 5, True),
    ([("waiting", "cost")] * 5 + [("waiting",)] * 5, False),  # everybody ticked "waiting"
    (["yes"] * 9 + [DECLINED], False),  # one answer, and a decline that is no answer
    (["yes"] * 8 + ["no", DECLINED], True),
    ([("waiting",)] * 4 + [("cost",)] * 5, False),  # 9 people: too few
    ([DECLINED] * 10, True),  # nothing to hide: declines stay
])
def test_which_sensitive_classes_are_shown(answers, shown):
    records = [person(**{HEALTH: a}) for a in answers]
    protected = protect(records, QI, K, sensitive=[HEALTH])
    after = [r[HEALTH] for r in protected.records]
    if shown:
        assert after == answers
    else:
        assert after == [a if a == DECLINED else "" for a in answers], "declines stay, answers are blanked"


def test_refuse_mode_refuses_sensitive_answers_it_would_have_to_blank():
    records = [person(**{HEALTH: "yes"}) for _ in range(10)]
    with pytest.raises(Refused) as refused:
        protect(records, QI, K, Mode.refuse, sensitive=[HEALTH])
    assert refused.value.explain().startswith(
        "Export refused: the answers to the sensitive question health would be shown in groups of fewer than 10 "
        "people with the same area × age_band")
    records[0][HEALTH] = "no"
    assert protect(records, QI, K, Mode.refuse, sensitive=[HEALTH]).records == records


# ------------------------------------------------------------------------------------ properties

VALUES = {
    "area": st.sampled_from(["nord", "sued", "west", DECLINED, None]),
    "age_band": st.sampled_from([*AGE_MERGES, "over_64", DECLINED, None]),
    "gender": st.sampled_from(["woman", "man", DECLINED, None]),
    "language": st.sampled_from(["de", "ar", "uk"]),
    "years_here": st.sampled_from(["under_1", "over_10", None]),
    "channel": st.sampled_from(["telegram", "telegram", "paper", "assisted"]),
    "wave": st.sampled_from(["w1", "w1", "w2", "w3", None]),
    "submitted_month": st.sampled_from(["2026-10", "2026-11"]),
    "household": st.sampled_from(["alone", "family", None]),
    "health": st.sampled_from([("waiting",), ("cost",), ("waiting", "cost"), DECLINED, None]),
    "doctor": st.sampled_from(["yes", "no", DECLINED]),
}
VARIABLES = [*QI, "household"]
SENSITIVE = ["health", "doctor"]
RECORDS = st.lists(st.fixed_dictionaries({**VALUES, "id": st.integers()}), max_size=80)
ALLOWED = {"area": {OTHER}, "language": {OTHER}, "channel": {OTHER}, "wave": {OTHER}, "gender": {""},
           "years_here": {""}, "submitted_month": {""}, "household": {""}}


def _blank(value):
    return "" if value is None else value


@settings(max_examples=200, deadline=None)
@given(RECORDS, st.integers(2, 6), st.sets(st.sampled_from(VARIABLES)))
def test_every_released_combination_occurs_k_times_and_every_shown_sensitive_class_is_diverse(records, k, absent):
    variables = [v for v in VARIABLES if v not in absent]
    snapshot = [dict(r) for r in records]
    try:
        protected = protect(records, variables, k, sensitive=SENSITIVE)
    except Refused as refused:
        assert records == snapshot, "pure: the input is not changed"
        assert refused.too_few and len(records) < k, "with k records or more, coarsening always succeeds"
        assert small_counts(refused.explain(), k) == []
        return
    assert records == snapshot, "pure: the input is not changed"
    out = released(protected)
    assert len(protected.records) == len(records) and len(out) >= k
    combinations = Counter(tuple(_blank(r.get(v)) for v in variables) for r in out)
    assert min(combinations.values()) >= k
    if "wave" in variables:
        sizes = Counter(_blank(r["wave"]) for r in records)
        assert all(sizes[r["wave"]] >= k for r in out if r["wave"] not in (None, OTHER)), "the summaries' wave rule"
    classes = defaultdict(list)
    for r in out:
        classes[tuple(_blank(r.get(v)) for v in variables)].append(r)
    for members in classes.values():
        for question in SENSITIVE:
            shown = [r[question] for r in members if is_answer(r[question])]
            if shown:
                assert len(members) >= max(k, 10) and diverse(shown)
                assert len({str(s) for s in shown}) >= 2
    for before, after in zip(records, protected.records, strict=True):
        assert before["id"] == after["id"], "order and other fields are kept"
        for name in VARIABLES:
            if _blank(after.get(name)) == _blank(before.get(name)):
                continue
            assert name in variables, "only quasi-identifiers in use change"
            allowed = {AGE_MERGES.get(before[name]), ""} if name == "age_band" else ALLOWED[name]
            assert after[name] in allowed, (name, before[name], after[name])
        for question in SENSITIVE:
            assert after[question] in (before[question], ""), "a sensitive answer is shown or blanked"
            assert (after[question] == DECLINED) == (before[question] == DECLINED), "declines stay"
    withheld = sum(s.records for s in protected.steps if s.action == "withheld")
    assert withheld == len(protected.withheld) < k, "what stays below k after every step is one group"
    assert small_counts(protected.describe(), k) == []


@settings(max_examples=100, deadline=None)
@given(RECORDS, st.integers(2, 6))
def test_refuse_mode_exports_unchanged_or_refuses(records, k):
    try:
        protected = protect(records, VARIABLES, k, Mode.refuse, sensitive=SENSITIVE)
    except Refused as refused:
        assert len(records) < k or refused.violating > 0 or refused.sensitive
        assert small_counts(refused.explain(), k) == []
        return
    assert not violating(records, VARIABLES, k) and protected.records == records and not protected.steps


@settings(max_examples=100, deadline=None)
@given(RECORDS, st.integers(2, 6), st.sampled_from(["w1", "w2", "w3"]), st.sampled_from(list(Mode)))
def test_an_export_of_one_wave_is_exactly_its_part_of_the_export_of_all_waves(records, k, wave, mode):
    """Side by side (they share response ids), the two tell nothing that either does not."""
    in_wave = [i for i, r in enumerate(records) if r["wave"] == wave]
    try:
        part = protect(records, VARIABLES, k, mode, sensitive=SENSITIVE, wave=wave)
    except Refused as refused:
        assert refused.wave == wave and small_counts(refused.explain(), k) == []
        assert refused.total == len(in_wave)
        if refused.too_few:
            assert refused.explain().startswith(f"Export refused: wave '{wave}' has fewer than k = {k}")
        return
    assert part.released <= set(in_wave) and len(part.released) >= k
    assert len(part.withheld) < k and part.withheld == set(in_wave) - part.released
    try:
        whole = protect(records, VARIABLES, k, mode, sensitive=SENSITIVE)
    except Refused:
        assert mode is Mode.refuse, "the records of a wave pass, those of all waves need not"
        return
    assert {i: whole.records[i] for i in whole.released if whole.records[i]["wave"] == wave} == {
        i: part.records[i] for i in part.released}
    assert small_counts(part.describe(), k) == []


# -------------------------------------------------------------------- the real command, on real data


async def stored(config: Path, people: list[dict]) -> None:
    """Responses written straight into the store, each with its language, channel, wave and day."""
    core = await open_core(load_settings(config, environ={}))
    try:
        survey = core.registry.default
        async with core.db() as db, db.begin():
            for p in people:
                response = Response(
                    id=secrets.token_hex(16), survey_id=survey.id, survey_version=survey.version,
                    respondent=secrets.token_hex(8), language=p.get("language", "de"),
                    channel=p.get("channel", "telegram"), submitted_on=p.get("day", dt.date(2026, 11, 3)),
                    wave=p.get("wave"),
                )
                response.answers = answer_rows(survey, p["answers"])
                db.add(response)
    finally:
        await core.close()


def environment(config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARD_", "TELEGRAM_"))}
    return {**env, "HEARD_CONFIG": str(config)}


def needs(years="from_1_to_3", health=("waiting",), **more):
    return {"area": "nordstadt", "age_band": "from_18_to_29", "gender": "woman", "years_here": years,
            "know_advice": "partly", "health_barriers": health, **more}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory) -> dict[str, str]:
    """The review's attacks on the bundled survey, all in the same area, age band, gender and language except
    group B, so that k-anonymity over those four alone lets every record out:
    A  10 in wave 2027-spring, health answers mixed;                 (released as they are)
    B   5 of Altstadt, 30-49, men, Arabic, all "long waiting times";  (their health answers blanked)
    C   1 of A's kind but living here less than a year;               (withheld)
    D   1 of A's kind but answered on paper;                          (withheld)
    E   3 in wave 2026-autumn and F 2 in wave 2027-autumn.            (their wave shown as "other")"""
    config = write_config(tmp_path_factory.mktemp("attacked"))
    spring = "2027-spring"
    people = [{"wave": spring, "answers": needs(health=("waiting",) if i % 2 else ("cost",))} for i in range(10)]
    people += [{"wave": spring, "language": "ar", "answers": needs(
        years="over_10", area="altstadt", age_band="from_30_to_49", gender="man")} for _ in range(5)]
    people += [{"wave": spring, "answers": needs(years="under_1", health=DECLINED)}]
    people += [{"wave": spring, "channel": "paper", "answers": needs(health=DECLINED)}]
    people += [{"wave": "2026-autumn", "answers": needs(health=DECLINED)} for _ in range(3)]
    people += [{"wave": "2027-autumn", "answers": needs(health=DECLINED)} for _ in range(2)]
    asyncio.run(stored(config, people))
    return environment(config)


def test_an_export_holds_against_every_attack_of_the_review(attacked, tmp_path):
    target = tmp_path / "out.json"
    exported = run("heard-admin", "results", "export", "-o", str(target), env=attacked)
    assert exported.returncode == 0, exported.stderr
    records = json.loads(target.read_text(encoding="utf-8"))
    assert len(records) == 20, "C and D do not leave"
    quasi = ("language", "channel", "wave", "submitted_month")
    combinations = Counter(
        (*(r[q] for q in quasi), *(r["answers"].get(q) for q in ("area", "age_band", "gender", "years_here")))
        for r in records
    )
    assert min(combinations.values()) >= 5, combinations
    assert {r["answers"]["years_here"] for r in records} == {"from_1_to_3", "over_10"}, "C's year is not out"
    assert {r["channel"] for r in records} == {"telegram"}, "D's paper is not out"
    assert Counter(r["wave"] for r in records) == {"2027-spring": 15, OTHER: 5}, "no wave below k by name"
    altstadt = [r for r in records if r["answers"]["area"] == "altstadt"]
    assert len(altstadt) == 5 and all("health_barriers" not in r["answers"] for r in altstadt), (
        "a group of 5 whose sensitive answer is all the same does not show it")
    mixed = Counter(tuple(r["answers"]["health_barriers"]) for r in records if r["wave"] == "2027-spring"
                    and r["answers"]["area"] == "nordstadt")
    assert mixed == {("waiting",): 5, ("cost",): 5}, "a class of 10 with differing answers keeps them"
    message = exported.stderr.replace(str(target), "FILE")
    assert message.splitlines()[0] == (
        'Protected for anonymity (k = 5): wave replaced by "other" in 5 records; fewer than 5 records withheld '
        "(still in groups below k); answers to the sensitive question health_barriers blanked in fewer than 10 "
        "records (groups of fewer than 10 people, or answers all alike).")
    assert small_counts(message, 5) == []


def test_a_wave_with_fewer_than_k_responses_is_refused_in_one_line(attacked, tmp_path):
    target = tmp_path / "autumn.csv"
    refused = run("heard-admin", "results", "export", "--wave", "2026-autumn", "-o", str(target), env=attacked)
    assert refused.returncode == 1 and refused.stdout == "" and not target.exists()
    assert refused.stderr == (
        "Export refused: wave '2026-autumn' has fewer than k = 5 completed responses, and a wave this small is "
        "never exported on its own (the summaries do not show it either); nothing was written. Export all waves "
        'together instead (its records then carry the wave "other"), or use `heard-admin results summary` for '
        "protected counts.\n")


def test_refusals_never_state_a_small_count(attacked):
    refused = run("heard-admin", "results", "export", "--wave", "2027-spring", "--k-anonymity", "refuse",
                  env=attacked)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("Export refused: fewer than 5 of 17 records would be in groups of fewer than "
                                     "k = 5 people with the same area × age_band × gender × language × years_here "
                                     "× channel × wave × submitted_month; nothing was written.")
    assert small_counts(refused.stderr, 5) == [] and refused.stderr.count("\n") == 1


HOUSEHOLD_SURVEY = """
id: households
version: 1
language: de
title: Haushalte
intro: I
thanks: D
questions:
  - {name: area, type: single, field: core, label: Stadtteil, choices_from: areas, choices: [{name: elsewhere,
     label: Woanders}]}
  - name: household
    type: single
    field: core
    label: Wer lebt mit Ihnen?
    choices: [{name: alone, label: Niemand}, {name: couple, label: Partner}, {name: family, label: Familie}]
  - name: advice
    type: single
    field: information
    label: Kennen Sie die Beratung?
    choices: [{name: "yes", label: Ja}, {name: "no", label: Nein}, {name: partly, label: Teilweise}]
  - {name: doctor, type: single, field: health, sensitive: true, label: "Haben Sie einen Arzt?",
     choices: [{name: "yes", label: Ja}, {name: "no", label: Nein}]}
"""


@pytest.fixture(scope="module")
def households(tmp_path_factory) -> dict[str, str]:
    """A survey of the officers' own: `household` is a question about the person (field core), `advice` is not.
    Wave w1: 5 families, all without a doctor; wave w2: 3 living alone, 2 as a couple (one of them unique in
    `advice`)."""
    folder = tmp_path_factory.mktemp("households")
    surveys = folder / "surveys"
    surveys.mkdir()
    (surveys / "households.yaml").write_text(HOUSEHOLD_SURVEY, encoding="utf-8")
    config = write_config(folder, extra=f'[surveys]\ndefault = "households"\ndirectories = ["{surveys}"]\n')
    people = [{"wave": "w1", "answers": {"area": "nordstadt", "household": "family", "advice": "yes",
                                         "doctor": "no"}} for _ in range(5)]
    people += [{"wave": "w2", "answers": {"area": "nordstadt", "household": "alone", "advice": "no",
                                          "doctor": DECLINED}} for _ in range(3)]
    people += [{"wave": "w2", "answers": {"area": "nordstadt", "household": "couple", "advice": advice}}
               for advice in ("no", "partly")]
    asyncio.run(stored(config, people))
    return environment(config)


def test_a_demographic_question_of_an_own_survey_is_a_quasi_identifier(households):
    exported = run("heard-admin", "results", "export", "--format", "csv", env=households)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert Counter((r["wave"], r["household"]) for r in rows) == {("w1", "family"): 5, ("w2", ""): 5}
    assert sorted(r["advice"] for r in rows) == ["no"] * 4 + ["partly"] + ["yes"] * 5, "not about the person"
    assert sorted(r["doctor"] for r in rows) == [""] * 7 + [DECLINED] * 3
    assert exported.stderr.splitlines()[-1] == (  # after the warnings that the survey has no translations
        "Protected for anonymity (k = 5): household blanked in 5 records; answers to the sensitive question "
        "doctor blanked in fewer than 10 records (groups of fewer than 10 people, or answers all alike).")


def test_refuse_mode_refuses_a_wave_whose_sensitive_answers_are_all_alike(households):
    refused = run("heard-admin", "results", "export", "--wave", "w1", "--k-anonymity", "refuse", env=households)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.splitlines()[-1].startswith(
        "Export refused: the answers to the sensitive question doctor would be shown in groups of fewer than 10 "
        "people with the same area × language × channel × wave × submitted_month × household, or in groups whose "
        "answers are all alike; nothing was written.")
