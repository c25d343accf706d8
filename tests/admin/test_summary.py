"""Every published number equals the Cell Key Method applied to a brute-force count of the same records."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import secrets
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admin.summary import ALL, ANSWERED, NO_ANSWER, Summary, differences, summarize, who_answered
from surveys.config import Area
from surveys.conversation import answer_rows
from surveys.core.disclosure import EMPTY, KEY_MODULUS, Tally, disclose
from surveys.core.engine import SessionState, final_answers
from surveys.core.model import DECLINED, QuestionType
from surveys.forms.loader import load_survey
from surveys.store.database import connect, migrate, session_factory
from surveys.store.schema import Response

AREAS = [Area(name="nord", label="Nord"), Area(name="sued", label="Süd"), Area(name="west", label="West")]
SURVEY = load_survey(Path("surveys/bundled/needs.yaml"), AREAS)
QUESTIONS = ["area", "gender", "language_course", "course_barriers", "children_school", "school_system",
             "feel_at_home", "health_barriers"]


def answer_strategy(question):
    options = [c.name for c in question.choices]
    if question.type is QuestionType.MULTI:
        value = st.lists(st.sampled_from(options), unique=True, max_size=3).map(
            lambda picked: tuple(o for o in options if o in picked))
    elif question.type is QuestionType.SCALE:
        value = st.one_of(st.integers(question.minimum, question.maximum), st.sampled_from(options or [1]))
    else:
        value = st.sampled_from(options)
    return st.one_of(value, st.just(DECLINED), st.none())


responses_strategy = st.lists(
    st.tuples(
        st.fixed_dictionaries({name: answer_strategy(SURVEY.question(name)) for name in QUESTIONS}),
        st.sampled_from(["de", "ar", "uk"]),
        st.integers(0, KEY_MODULUS - 1),
    ),
    max_size=40,
)


def cleaned(answers: dict) -> dict:
    state = SessionState(survey_id="needs", survey_version=1,
                         answers={k: v for k, v in answers.items() if v is not None})
    return final_answers(SURVEY, state)


async def _store_and_summarize(tmp: Path, generated, k: int, by: str | None, then_sql: str | None = None,
                               url: str | None = None) -> Summary:
    engine = connect(url or f"sqlite+aiosqlite:///{tmp / (secrets.token_hex(4) + '.db')}")
    await migrate(engine)
    db_factory = session_factory(engine)
    try:
        async with db_factory() as db, db.begin():
            for answers, language, record_key in generated:
                response = Response(id=secrets.token_hex(16), survey_id="needs", survey_version=1,
                                    respondent=secrets.token_hex(8), language=language, channel="telegram",
                                    submitted_on=dt.date.today(), record_key=record_key)
                response.answers = answer_rows(SURVEY, cleaned(answers))
                db.add(response)
        if then_sql:
            async with engine.begin() as connection:
                await connection.exec_driver_sql(then_sql)
        async with db_factory() as db:
            return await summarize(db, SURVEY, k, by=by)
    finally:
        await engine.dispose()


def brute_force(generated, by: str | None) -> dict[tuple[str, str, str], Tally]:
    """(question, row, group) -> the records' tally, counted one response at a time; "all" and sizes too."""
    tallies: dict[tuple[str, str, str], Tally] = {}

    def add(key: tuple[str, str, str], record_key: int) -> None:
        tallies[key] = tallies.get(key, EMPTY) + Tally(1, record_key)

    for answers, language, record_key in generated:
        answers = cleaned(answers)
        group = ALL if by is None else language if by == "language" else (
            answers.get(by) if isinstance(answers.get(by), str) else NO_ANSWER)
        groups = {group, ALL}
        for target in groups:
            add(("size", "size", target), record_key)
        for name in QUESTIONS:
            value = answers.get(name)
            rows = [NO_ANSWER] if value is None else [DECLINED] if value == DECLINED else (
                [ANSWERED, *value] if isinstance(value, tuple) else [str(value)])
            for row in rows:
                for target in groups:
                    add((name, row, target), record_key)
    return tallies


def check_against_brute_force(summary: Summary, expected: dict[tuple[str, str, str], Tally]) -> None:
    for table in summary.tables:
        name = table.question.name
        if name not in QUESTIONS:
            continue
        size_k = summary.k  # area, language and gender are not sensitive: sizes use the base k
        shown = {g.key for g in table.groups}
        for group in {g for (_q, _r, g) in expected}:
            size = expected.get(("size", "size", group), EMPTY)
            # a sensitive table (k = 10) shows a group whose *published* size reaches 10
            published_size = disclose(size, size_k).value
            assert (group in shown) == (size.n >= size_k and published_size >= table.k), (name, group, size.n)
        for group in table.groups:
            assert group.size == disclose(expected[("size", "size", group.key)], size_k)
        for (row, group), cell in table.cells.items():
            if group not in shown:
                assert cell.hidden
                continue
            want = expected.get((name, row, group), EMPTY)
            assert cell == disclose(want, table.k), (name, row, group, cell, want.n)
            assert cell.value == 0 or cell.value >= table.k


@settings(max_examples=int(os.environ.get("HEARD_SUMMARY_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    generated=responses_strategy,
    by=st.sampled_from([None, "area", "language", "gender"]),
    k=st.sampled_from([3, 5]),
)
def test_every_published_count_is_the_cell_key_method_applied_to_a_brute_force_count(tmp_path, generated, by, k):
    summary = asyncio.run(_store_and_summarize(tmp_path, generated, k, by))
    check_against_brute_force(summary, brute_force(generated, by))


def _random_answer(question, rng: random.Random):
    options = [c.name for c in question.choices]
    if question.type is QuestionType.MULTI:
        picked = rng.sample(options, rng.randint(1, 3))
        return rng.choice([tuple(o for o in options if o in picked), DECLINED, None])
    if question.type is QuestionType.SCALE:
        return rng.choice([rng.randint(question.minimum, question.maximum), DECLINED, None])
    return rng.choice([*options, DECLINED, None])


@pytest.mark.parametrize(("languages", "then_sql"), [
    (["de", "ar", "uk"], "UPDATE responses SET rowid = rowid * 32768"),
    (["de", "a\x1fr"], None),
], ids=["responses spread over many rowid chunks", "a value holding the bulk read's separator"])
def test_counts_do_not_depend_on_how_sqlite_hands_the_responses_over(tmp_path, languages, then_sql):
    """On SQLite a summary reads the responses in chunks of rowids as a few long values (admin/sqlite_columns.py),
    falling back to rows where a value would break them apart: every count is still the brute-force one."""
    rng = random.Random(11)
    generated = [({name: _random_answer(SURVEY.question(name), rng) for name in QUESTIONS}, rng.choice(languages),
                  rng.randrange(KEY_MODULUS)) for _ in range(60)]
    for by in (None, "language", "area"):
        summary = asyncio.run(_store_and_summarize(tmp_path, generated, 3, by, then_sql))
        check_against_brute_force(summary, brute_force(generated, by))


@pytest.mark.postgres
def test_postgresql_counts_what_sqlite_counts(tmp_path, postgres_server):
    """PostgreSQL reads the packed responses row by row through SQLAlchemy, SQLite as a few long values: the
    published numbers are the same."""
    rng = random.Random(5)
    generated = [({name: _random_answer(SURVEY.question(name), rng) for name in QUESTIONS},
                  rng.choice(["de", "ar"]), rng.randrange(KEY_MODULUS)) for _ in range(40)]
    for by in (None, "language", "area"):
        on_sqlite = asyncio.run(_store_and_summarize(tmp_path, generated, 3, by))
        on_postgres = asyncio.run(_store_and_summarize(tmp_path, generated, 3, by, url=postgres_server.new_database()))
        assert [(t.groups, t.cells, t.means) for t in on_postgres.tables] == [
            (t.groups, t.cells, t.means) for t in on_sqlite.tables]
        check_against_brute_force(on_postgres, brute_force(generated, by))


def test_ranking_differences_and_who_answered(tmp_path):
    keys = [(index * 2654435761) % KEY_MODULUS for index in range(30)]
    generated = []
    for index in range(30):
        area = "nord" if index < 20 else "sued"
        barriers = ("times", "childcare") if area == "nord" else ("cost",)
        generated.append(({"area": area, "language_course": "yes", "course_barriers": barriers,
                           "gender": "woman" if index % 2 else "man", "feel_at_home": 4}, "ar" if index < 12 else "de"))

    async def run():
        engine = connect(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
        await migrate(engine)
        db_factory = session_factory(engine)
        async with db_factory() as db, db.begin():
            for (answers, language), record_key in zip(generated, keys, strict=True):
                response = Response(id=secrets.token_hex(16), survey_id="needs", survey_version=1,
                                    respondent=secrets.token_hex(8), language=language, channel="paper",
                                    submitted_on=dt.date.today(), record_key=record_key)
                response.answers = answer_rows(SURVEY, cleaned(answers))
                db.add(response)
        async with db_factory() as db:
            overall = await summarize(db, SURVEY, 5)
            by_area = await summarize(db, SURVEY, 5, by="area")
            profiles = await who_answered(db, SURVEY, 5, population={"nord": 2000, "sued": 1000})
        await engine.dispose()
        return overall, by_area, profiles

    def published(indexes) -> int:
        return disclose(sum((Tally(1, keys[i]) for i in indexes), EMPTY), 5).value

    nord, sued, everyone = range(20), range(20, 30), range(30)
    overall, by_area, profiles = asyncio.run(run())
    top = overall.ranking[0]
    assert (top.question.name, top.choice) == ("language_course", "yes")
    assert top.share == round(published(everyone) / published(everyone), 2) == 1.0
    barriers = [(i.choice, i.count.value) for i in overall.ranking if i.question.name == "course_barriers"]
    # "times" and "childcare" were named by the same 20 people: the same cell, so the same number
    assert sorted(barriers[:2]) == [("childcare", published(nord)), ("times", published(nord))]
    assert barriers[2] == ("cost", published(sued))
    assert all(i.choice != "nothing" for i in overall.ranking), "exclusive 'none of these' is not a need"
    found = differences(overall, by_area)
    assert found and {d.group for d in found} <= {"nord", "sued"}
    assert max(abs(d.points) for d in found) > 30
    area = next(p for p in profiles if p.dimension == "area")
    assert {r.key: r.count.value for r in area.rows if r.count.value} == {"nord": published(nord),
                                                                           "sued": published(sued)}
    # the same cells as the group sizes of the breakdown by area
    assert {g.key: g.size.value for g in by_area.tables[0].groups if g.key != ALL} == {
        "nord": published(nord), "sued": published(sued)}
    rates = {r.key: r.rate for r in area.rows if r.rate}
    assert rates == {"nord": round(published(nord) / 2000, 3), "sued": round(published(sued) / 1000, 3)}
    language = {r.key: r.count.value for r in next(p for p in profiles if p.dimension == "language").rows}
    assert language == {"ar": published(range(12)), "de": published(range(12, 30))}


def test_waves_compare_like_with_like_across_survey_versions(tmp_path):
    """Version 2 changed the choices of `gender` but not `area`: `--by wave` compares area across both waves,
    gender only within the current version; each wave's numbers are the same cells in the trend and alone."""
    from surveys.store.schema import SurveyVersion

    old_text = Path("surveys/bundled/needs.yaml").read_text(encoding="utf-8")
    new_text = old_text.replace("version: 1", "version: 2", 1).replace(
        "      - {name: diverse, label: Divers / anderes}", "      - {name: other, label: Anderes}")
    from surveys.forms.loader import parse_survey

    current = parse_survey(new_text, "needs-v2.yaml", AREAS)
    keys: dict[tuple[str, str], list[int]] = {}

    async def run():
        engine = connect(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
        await migrate(engine)
        db_factory = session_factory(engine)
        async with db_factory() as db, db.begin():
            for version, text in ((1, old_text), (2, new_text)):
                db.add(SurveyVersion(survey_id="needs", version=version, title="t", content_hash=str(version),
                                     definition=text, registered_on=dt.date.today()))
            for version, wave, area, count in ((1, "2026-autumn", "nord", 6), (2, "2027-spring", "nord", 7),
                                               (2, "2027-spring", "sued", 5)):
                for _ in range(count):
                    response = Response(id=secrets.token_hex(16), survey_id="needs", survey_version=version,
                                        respondent=secrets.token_hex(8), language="de", channel="telegram",
                                        submitted_on=dt.date.today(), wave=wave)
                    response.answers = answer_rows(current, {"area": area, "gender": "woman"})
                    db.add(response)
                    await db.flush()
                    keys.setdefault((wave, area), []).append(response.record_key)
        async with db_factory() as db:
            trend = await summarize(db, current, 5, by="wave")
            spring = await summarize(db, current, 5, wave="2027-spring")
        await engine.dispose()
        return trend, spring

    def published(*groups) -> int:
        return disclose(sum((Tally(1, key) for group in groups for key in keys[group]), EMPTY), 5).value

    autumn_nord, spring_nord, spring_sued = ("2026-autumn", "nord"), ("2027-spring", "nord"), ("2027-spring", "sued")
    trend, spring = asyncio.run(run())
    area = next(t for t in trend.tables if t.question.name == "area")
    assert {g.key: g.size.value for g in area.groups} == {
        "all": published(autumn_nord, spring_nord, spring_sued), "2026-autumn": published(autumn_nord),
        "2027-spring": published(spring_nord, spring_sued)}
    assert area.cell("nord", "2026-autumn").value == published(autumn_nord)
    assert area.cell("nord", "2027-spring").value == published(spring_nord)
    gender = next(t for t in trend.tables if t.question.name == "gender")
    assert {g.key for g in gender.groups} == {"all", "2027-spring"}, "the changed question is not compared"
    assert spring.responses.value == published(spring_nord, spring_sued)
    spring_area = next(t for t in spring.tables if t.question.name == "area")
    assert spring_area.cell("nord").value == area.cell("nord", "2027-spring").value


def test_dates_and_times_count_as_answered(tmp_path):
    """Imported Kobo forms ask dates and times; summaries count them like free text, as "answered"."""
    from surveys.forms.loader import parse_survey

    survey = parse_survey(
        "id: visit\nversion: 1\nlanguage: de\ntitle: Besuch\nintro: I\nthanks: D\nquestions:\n"
        "  - {name: day, type: date, field: core, label: Wann}\n"
        "  - {name: hour, type: time, field: core, label: Uhrzeit}\n", "visit.yaml")
    keys = [(index * 2654435761) % KEY_MODULUS for index in range(12)]

    async def run():
        engine = connect(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
        await migrate(engine)
        async with session_factory(engine)() as db, db.begin():
            for index, record_key in enumerate(keys):
                response = Response(id=secrets.token_hex(16), survey_id="visit", survey_version=1,
                                    respondent=secrets.token_hex(8), language="de", channel="paper",
                                    submitted_on=dt.date.today(), record_key=record_key)
                answers = {"day": "2026-11-03"} if index < 9 else {"day": DECLINED, "hour": "14:30"}
                response.answers = answer_rows(survey, answers)
                db.add(response)
        async with session_factory(engine)() as db:
            result = await summarize(db, survey, 5)
        await engine.dispose()
        return result

    def published(indexes) -> int:
        return disclose(sum((Tally(1, keys[i]) for i in indexes), EMPTY), 5).value

    summary = asyncio.run(run())
    day, hour = summary.tables
    assert day.cell(ANSWERED).value == published(range(9)) and day.cell(DECLINED).value == published(range(9, 12))
    assert hour.cell(ANSWERED).value == published(range(9, 12))
    assert hour.cell(NO_ANSWER).value == published(range(9))


def test_two_answers_sharing_a_code_are_refused_not_merged(tmp_path):
    """Summaries count packed 31-bit answer codes (surveys/core/answer_codes.py); "c26649" and "c29106" hash to the
    same code under question "q". Counting them as one would publish a wrong number: the summary refuses."""
    import pytest

    from admin.counting import CodeCollision
    from surveys.core.answer_codes import code_for
    from surveys.forms.loader import parse_survey

    assert code_for("q", "c26649") == code_for("q", "c29106")
    survey = parse_survey(
        "id: clash\nversion: 1\nlanguage: de\ntitle: T\nintro: I\nthanks: D\nquestions:\n"
        "  - {name: q, type: single, field: core, label: Frage, choices: [{name: c26649, label: A},"
        " {name: c29106, label: B}]}\n", "clash.yaml")

    async def run():
        engine = connect(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
        await migrate(engine)
        try:
            async with session_factory(engine)() as db, db.begin():
                for index, choice in enumerate(["c26649"] * 6 + ["c29106"] * 6):
                    response = Response(id=secrets.token_hex(16), survey_id="clash", survey_version=1,
                                        respondent=secrets.token_hex(8), language="de", channel="paper",
                                        submitted_on=dt.date.today(), record_key=index * 7919)
                    response.answers = answer_rows(survey, {"q": choice})
                    db.add(response)
            async with session_factory(engine)() as db:
                with pytest.raises(CodeCollision, match="share a counting code"):
                    await summarize(db, survey, 5)
        finally:
            await engine.dispose()

    asyncio.run(run())
