"""Aggregation equals a brute-force count, and no summary shows or lets anyone derive a count below k."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admin.summary import ALL, ANSWERED, NO_ANSWER, Summary, differences, summarize, who_answered
from surveys.config import Area
from surveys.conversation import answer_rows
from surveys.engine import SessionState, final_answers
from surveys.loader import load_survey
from surveys.model import DECLINED, QuestionType
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
    ),
    max_size=40,
)


def cleaned(answers: dict) -> dict:
    state = SessionState(survey_id="needs", survey_version=1,
                         answers={k: v for k, v in answers.items() if v is not None})
    return final_answers(SURVEY, state)


async def _store_and_summarize(tmp: Path, generated, k: int, by: str | None) -> Summary:
    engine = connect(f"sqlite+aiosqlite:///{tmp / (secrets.token_hex(4) + '.db')}")
    await migrate(engine)
    db_factory = session_factory(engine)
    try:
        async with db_factory() as db, db.begin():
            for answers, language in generated:
                response = Response(id=secrets.token_hex(16), survey_id="needs", survey_version=1,
                                    respondent=secrets.token_hex(8), language=language, channel="telegram",
                                    submitted_on=dt.date.today())
                response.answers = answer_rows(SURVEY, cleaned(answers))
                db.add(response)
        async with db_factory() as db:
            return await summarize(db, SURVEY, k, by=by)
    finally:
        await engine.dispose()


def brute_force(generated, by: str | None) -> Counter:
    counts: Counter = Counter()
    for answers, language in generated:
        answers = cleaned(answers)
        group = ALL if by is None else language if by == "language" else (
            answers.get(by) if isinstance(answers.get(by), str) else NO_ANSWER)
        for name in QUESTIONS:
            value = answers.get(name)
            if value is None:
                counts[(name, NO_ANSWER, group)] += 1
            elif value == DECLINED:
                counts[(name, DECLINED, group)] += 1
            elif isinstance(value, tuple):
                counts[(name, ANSWERED, group)] += 1
                for option in value:
                    counts[(name, option, group)] += 1
            else:
                counts[(name, str(value), group)] += 1
    return counts


def check_disclosure(summary: Summary) -> None:
    """No shown count in 1..k-1, and none derivable from a line whose total is shown."""
    for table in summary.tables:
        k = table.k
        shown_groups = {g.key for g in table.groups}
        for (row, group), cell in table.cells.items():
            if group in shown_groups and cell.shown is not None:
                assert cell.count == 0 or cell.count >= k, (table.question.name, row, group, cell)
        for group in table.groups:
            assert group.size.shown is None or group.size.count >= k
            if group.size.shown is None:
                continue
            hidden = [table.cell(r.key, group.key).count for r in table.rows
                      if r.additive and table.cell(r.key, group.key).hidden and table.cell(r.key, group.key).count]
            assert len(hidden) != 1 and (not hidden or sum(hidden) >= k), (table.question.name, group.key, hidden)
        if summary.by:
            for row in table.rows:
                total = table.cell(row.key, ALL)
                if total.hidden:
                    continue
                members = [c for (r, g), c in table.cells.items() if r == row.key and g != ALL]
                hidden = [c.count for c in members if c.hidden and c.count]
                assert len(hidden) != 1 and (not hidden or sum(hidden) >= k), (table.question.name, row.key, hidden)


@settings(max_examples=int(os.environ.get("HEARD_SUMMARY_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    generated=responses_strategy,
    by=st.sampled_from([None, "area", "language", "gender"]),
    k=st.sampled_from([2, 3, 5]),
)
def test_summary_counts_equal_a_brute_force_count_and_protect_small_cells(tmp_path, generated, by, k):
    summary = asyncio.run(_store_and_summarize(tmp_path, generated, k, by))
    expected = brute_force(generated, by)
    for table in summary.tables:
        name = table.question.name
        if name not in QUESTIONS:
            continue
        for (row, group), cell in table.cells.items():
            if group == ALL and by is not None:
                want = sum(v for (q, r, g), v in expected.items() if q == name and r == row)
            else:
                want = expected.get((name, row, group), 0)
            assert cell.count == want, (name, row, group, cell.count, want)
    check_disclosure(summary)


def test_ranking_differences_and_who_answered(tmp_path):
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
            for answers, language in generated:
                response = Response(id=secrets.token_hex(16), survey_id="needs", survey_version=1,
                                    respondent=secrets.token_hex(8), language=language, channel="paper",
                                    submitted_on=dt.date.today())
                response.answers = answer_rows(SURVEY, cleaned(answers))
                db.add(response)
        async with db_factory() as db:
            overall = await summarize(db, SURVEY, 5)
            by_area = await summarize(db, SURVEY, 5, by="area")
            profiles = await who_answered(db, SURVEY, 5, population={"nord": 2000, "sued": 1000})
        await engine.dispose()
        return overall, by_area, profiles

    overall, by_area, profiles = asyncio.run(run())
    top = overall.ranking[0]
    assert (top.question.name, top.choice, round(top.share, 2)) == ("language_course", "yes", 1.0)
    barriers = [(i.choice, i.count.count) for i in overall.ranking if i.question.name == "course_barriers"]
    assert barriers[:3] == [("times", 20), ("childcare", 20), ("cost", 10)]
    assert all(i.choice != "nothing" for i in overall.ranking), "exclusive 'none of these' is not a need"
    found = differences(overall, by_area)
    assert found and {d.group for d in found} <= {"nord", "sued"}
    assert max(abs(d.points) for d in found) > 30
    area = next(p for p in profiles if p.dimension == "area")
    rates = {r.key: r.rate for r in area.rows if r.rate}
    assert rates == {"nord": 20 / 2000, "sued": 10 / 1000}
    language = {r.key: r.count.display(5) for r in next(p for p in profiles if p.dimension == "language").rows}
    assert language == {"ar": "12", "de": "18"}


def test_waves_compare_like_with_like_across_survey_versions(tmp_path):
    """Version 2 changed the choices of `gender` but not `area`: `--by wave` compares area across both waves,
    gender only within the current version."""
    from surveys.store.schema import SurveyVersion

    old_text = Path("surveys/bundled/needs.yaml").read_text(encoding="utf-8")
    new_text = old_text.replace("version: 1", "version: 2", 1).replace(
        "      - {name: diverse, label: Divers / anderes}", "      - {name: other, label: Anderes}")
    from surveys.loader import parse_survey

    current = parse_survey(new_text, "needs-v2.yaml", AREAS)

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
        async with db_factory() as db:
            trend = await summarize(db, current, 5, by="wave")
            spring = await summarize(db, current, 5, wave="2027-spring")
        await engine.dispose()
        return trend, spring

    trend, spring = asyncio.run(run())
    area = next(t for t in trend.tables if t.question.name == "area")
    assert {g.key: g.size.count for g in area.groups} == {"all": 18, "2026-autumn": 6, "2027-spring": 12}
    assert area.cell("nord", "2026-autumn").count == 6 and area.cell("nord", "2027-spring").count == 7
    gender = next(t for t in trend.tables if t.question.name == "gender")
    assert {g.key for g in gender.groups} == {"all", "2027-spring"}, "the changed question is not compared"
    assert spring.responses.count == 12
