"""An attacker with every published number: no count from 1 to k-1 can be worked out exactly.

The database is seeded with rare combinations (one person in an area, a wave of three, a distributor with four,
a small group whose sensitive answer is all the same). Then everything an officer or a worker can get is
collected: summaries in every breakdown, for all waves and each wave, who answered, the needs ranking, the
wave list, the distributor list and /mystats, the survey list and the results-back digest. Each published
number becomes a constraint on the true count of the records it describes (the README's rules: a published v
means a count in `possible_counts(v, k)`, a group left out means 1..k-1 records). The attacker also knows how
cells add up: any set of records is the sum of its parts along any dimension (areas, waves, answers, ...).
Interval propagation over all of that must pin no count from 1 to k-1 to one value, and (as a check of the
solver and of the rules) every interval must contain the true count.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import random
from pathlib import Path

import pytest

from admin import summary_formats
from admin.summary import (
    ALL,
    ANSWERED,
    NO_ANSWER,
    QUESTION_ALIASES,
    completed_responses,
    summarize,
    who_answered,
)
from surveys import distribution, waves
from surveys.config import Area
from surveys.conversation import answer_rows
from surveys.core.disclosure import HIDDEN_MARK, KEY_MODULUS, disclose, min_cell_for, possible_counts
from surveys.core.engine import SessionState, final_answers
from surveys.core.model import DECLINED, QuestionType
from surveys.forms.loader import load_survey
from surveys.store.database import connect, migrate, session_factory
from surveys.store.schema import Distributor, Referral, Response, Wave

K = 5
LANGUAGES = ("de", "en", "ar", "uk", "ti")
AREAS = [Area(name=name, label=name.title()) for name in ("nord", "sued", "ost", "west")]
SURVEY = load_survey(Path("surveys/bundled/needs.yaml"), AREAS)
Key = frozenset  # of (attribute, value) pairs: the records a number counts


def seeded_records(rng: random.Random) -> list[dict]:
    """60 responses: one in "west", a first wave of three, a distributor with four, a rare language, and a
    group of six women over 64 who all gave the same sensitive health answer."""
    records = []
    for index in range(60):
        area = "west" if index == 7 else rng.choice(["nord", "nord", "sued", "ost", "elsewhere"])
        wave = "w1" if index in (3, 11, 29) else "w2"
        language = "ti" if index in (5, 40) else rng.choice(["de", "de", "ar", "uk"])
        distributor = "1" if index in (2, 9, 17, 33) else rng.choice(["2", "2", NO_ANSWER])
        channel = "assisted" if index in (12, 50) else rng.choice(["telegram", "paper"])
        answers: dict = {}
        for question in SURVEY.answerable():
            answers[question.name] = random_answer(question, rng)
        answers["area"] = area
        if 20 <= index < 26:
            answers.update(gender="woman", age_band="over_64", health_barriers=("interpreter",))
        records.append({"answers": answers, "wave": wave, "language": language, "distributor": distributor,
                        "channel": channel, "record_key": rng.randrange(KEY_MODULUS)})
    return records


def random_answer(question, rng: random.Random):  # type: ignore[no-untyped-def]
    if rng.random() < 0.1:
        return DECLINED
    options = [c.name for c in question.choices]
    if question.type is QuestionType.MULTI:
        return tuple(o for o in options if rng.random() < 0.3) or (options[0],)
    if question.type is QuestionType.SCALE:
        return rng.randint(question.minimum, question.maximum)
    if question.type is QuestionType.TEXT:
        return rng.choice(["mehr Kurse", "Wohnungen", None])
    return rng.choice(options) if options else None


def attributes(record: dict, answers: dict) -> dict[str, str]:
    """Everything a published number can condition on, for one response."""
    found = {"language": record["language"], "channel": record["channel"], "distributor": record["distributor"],
             "wave": record["wave"]}
    for question in SURVEY.answerable():
        value = answers.get(question.name)
        if value is None:
            found[question.name] = NO_ANSWER
        elif value == DECLINED:
            found[question.name] = DECLINED
        elif isinstance(value, tuple):
            found[question.name] = ANSWERED
            for option in value:
                found[f"{question.name}.{option}"] = "1"
        elif question.type in (QuestionType.TEXT, QuestionType.NUMBER, QuestionType.DECIMAL):
            found[question.name] = ANSWERED
        else:
            found[question.name] = str(value)
    return found


def partitions() -> dict[str, list[str]]:
    """Attributes whose values split every set of records into parts that add up: what the attacker sums."""
    domains: dict[str, list[str]] = {
        "wave": ["w1", "w2"], "language": ["de", "ar", "uk", "ti"], "channel": ["telegram", "paper", "assisted"],
        "distributor": ["1", "2", NO_ANSWER],
    }
    for question in SURVEY.answerable():
        values = [DECLINED, NO_ANSWER]
        if question.type is QuestionType.SCALE:
            values += [str(p) for p in question.scale_points()] + [c.name for c in question.choices]
        elif question.type is QuestionType.SINGLE:
            values += [c.name for c in question.choices]
        else:
            values.append(ANSWERED)
        domains[question.name] = values
    return domains


async def seed(path: Path, records: list[dict]) -> list[dict[str, str]]:
    engine = connect(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    profiles = []
    async with session_factory(engine)() as db, db.begin():
        now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        db.add_all([Wave(survey_id="needs", name="w1", opens_at=now, closes_at=now + dt.timedelta(days=30),
                         closed=True),
                    Wave(survey_id="needs", name="w2", opens_at=now + dt.timedelta(days=60), closed=False)])
        db.add_all([Distributor(id=1, code="c" * 10, name="Frauencafé", created_on=dt.date.today()),
                    Distributor(id=2, code="d" * 10, name="Beratung", created_on=dt.date.today())])
        rng = random.Random(99)
        for distributor_id, started in ((1, 6), (2, 31)):
            db.add_all([Referral(distributor_id=distributor_id, survey_id="needs", started_on=dt.date.today(),
                                 record_key=rng.randrange(KEY_MODULUS)) for _ in range(started)])
        for index, record in enumerate(records):
            answers = final_answers(SURVEY, SessionState(
                survey_id="needs", survey_version=1,
                answers={q: v for q, v in record["answers"].items() if v is not None}))
            response = Response(
                id=f"r{index:031d}", survey_id="needs", survey_version=1, respondent=f"p{index}",
                language=record["language"], channel=record["channel"], submitted_on=dt.date.today(),
                distributor_id=None if record["distributor"] == NO_ANSWER else int(record["distributor"]),
                wave=record["wave"], record_key=record["record_key"])
            response.answers = answer_rows(SURVEY, answers)
            db.add(response)
            profiles.append(attributes(record, answers))
    await engine.dispose()
    return profiles


class Attack:
    """Everything published, as bounds on the true counts of sets of records."""

    def __init__(self) -> None:
        self.bounds: dict[Key, tuple[float, float]] = {}
        self.k_of: dict[Key, int] = {}

    def bound(self, key: Key, low: float, high: float, k: int = K) -> None:
        old_low, old_high = self.bounds.get(key, (0, math.inf))
        self.bounds[key] = (max(old_low, low), min(old_high, high))
        self.k_of[key] = k

    def published(self, key: Key, text: str, k: int) -> None:
        if text == HIDDEN_MARK:
            return
        self.bound(key, *possible_counts(int(text), k), k=k)


def condition(dimension: str | None, group: str) -> set[tuple[str, str]]:
    if dimension is None or group == ALL:
        return set()
    return {(QUESTION_ALIASES.get(dimension, dimension), group)}


async def collect(path: Path) -> Attack:
    attack = Attack()
    engine = connect(f"sqlite+aiosqlite:///{path}")
    async with session_factory(engine)() as db:
        dimensions = [None, "area", "language", "age", "gender", "years", "channel", "distributor", "wave",
                      "know_advice", "language_course", "children_school"]
        for wave in (None, "w1", "w2"):
            scope = {("wave", wave)} if wave else set()
            total = await completed_responses(db, SURVEY, K, wave)
            if total.hidden:
                attack.bound(Key(scope), 0, K - 1)
            else:
                attack.published(Key(scope), total.display(), K)
            for by in dimensions:
                result = await summarize(db, SURVEY, K, by=by, wave=wave)
                profiles = await who_answered(db, SURVEY, K, wave, languages=LANGUAGES)
                data = json.loads(summary_formats.to_json(result, profiles))
                read_summary(attack, result, data, scope)
        for wave, tally in await waves.waves_of(db, "needs"):
            attack.published(Key({("wave", wave.name)}), disclose(tally, K).display(), K)
        for distributor_id in (1, 2):
            for reach in await distribution.reach(db, distributor_id, K):  # distributors list and /mystats
                attack.published(Key({("distributor", str(distributor_id))}), reach.completed.display(), K)
                attack.published(Key({("referrals", str(distributor_id))}), reach.started.display(), K)
    await engine.dispose()
    return attack


def read_summary(attack: Attack, result, data: dict, scope: set) -> None:  # type: ignore[no-untyped-def]
    """What an officer gets from `results summary` in its formats (JSON rows and who answered; the group sizes
    "n=" of the table and Markdown formats), read back as constraints."""
    dimension = result.by
    if data["responses"] == HIDDEN_MARK:
        attack.bound(Key(scope), 0, K - 1)  # "too few to show": fewer than k, maybe none
        return
    attack.published(Key(scope), data["responses"], K)
    tables = {t.question.name: t for t in result.tables}
    for row in data["rows"]:
        table = tables[row["question"]]
        question = table.question
        answer = row["answer"]
        if question.type is QuestionType.MULTI and answer not in (ANSWERED, DECLINED, NO_ANSWER):
            cell = {(f"{question.name}.{answer}", "1")}
        else:
            cell = {(question.name, answer)}
        attack.published(Key(scope | condition(dimension, row["group"]) | cell), row["count"], table.k)
    size_k = K if dimension is None or dimension in ("language", "channel", "distributor", "wave") else (
        min_cell_for(K, result.survey.question(dimension).sensitive))
    universe = group_universe(result, data)
    for table in result.tables:
        for group in table.groups:
            attack.published(Key(scope | condition(dimension, group.key)), group.size.display(), size_k)
        if table.k == size_k and table.groups:
            # the rule is public: a group missing from a breakdown has fewer than k responses (maybe none)
            for group in universe - {g.key for g in table.groups}:
                attack.bound(Key(scope | condition(dimension, group)), 0, size_k - 1)
    for dimension_name, counts in data.get("who_answered", {}).items():
        for value, text in counts.items():
            attack.published(Key(scope | condition(dimension_name, value)), text, K)


def group_universe(result, data: dict) -> set[str]:  # type: ignore[no-untyped-def]
    """Every group a breakdown could show: what the attacker compares the shown groups with."""
    dimension = result.by
    if dimension is None:
        return set()
    if dimension == "wave":
        return {"w1", "w2"}
    name = next((n for n, alias in QUESTION_ALIASES.items() if alias == dimension), dimension)
    if name in data.get("who_answered", {}):
        return set(data["who_answered"][name])
    return {c.name for c in result.survey.question(dimension).choices} | {DECLINED, NO_ANSWER}


def propagate(attack: Attack, domains: dict[str, list[str]]) -> dict[Key, tuple[float, float]]:
    """Interval propagation over "a set of records = the sum of its parts along a dimension"."""
    bounds = dict(attack.bounds)
    relations = []
    for key in list(bounds):
        used = {attribute for attribute, _value in key}
        for attribute, values in domains.items():
            if attribute in used:
                continue
            parts = [Key(key | {(attribute, value)}) for value in values]
            if sum(part in attack.bounds for part in parts) < len(parts) - 1:
                continue  # two unknown parts or more: nothing to learn from this sum
            for part in parts:
                bounds.setdefault(part, (0, math.inf))
            relations.append((key, parts))
    changed = True
    while changed:
        changed = False
        for whole, parts in relations:
            low = [bounds[p][0] for p in parts]
            high = [bounds[p][1] for p in parts]
            w_low, w_high = bounds[whole]
            new_whole = (max(w_low, sum(low)), min(w_high, sum(high)))
            if new_whole != bounds[whole]:
                bounds[whole] = new_whole
                changed = True
            for index, part in enumerate(parts):
                others_low = sum(low) - low[index]
                others_high = sum(high) - high[index]
                p_low, p_high = bounds[part]
                new_part = (max(p_low, bounds[whole][0] - others_high), min(p_high, bounds[whole][1] - others_low))
                if new_part != (p_low, p_high):
                    bounds[part] = new_part
                    changed = True
    return bounds


def true_count(key: Key, profiles: list[dict[str, str]], referrals: dict[str, int]) -> int:
    for attribute, value in key:
        if attribute == "referrals":
            return referrals[value]
    return sum(all(profile.get(attribute) == value for attribute, value in key) for profile in profiles)


@pytest.mark.parametrize("seed_number", [1, 2, 3])
def test_no_small_count_can_be_worked_out_from_everything_published(tmp_path, seed_number):
    path = tmp_path / "heard.db"
    profiles = asyncio.run(seed(path, seeded_records(random.Random(seed_number))))
    attack = asyncio.run(collect(path))
    bounds = propagate(attack, partitions())
    referrals = {"1": 6, "2": 31}
    small_ones = 0
    for key, (low, high) in bounds.items():
        truth = true_count(key, profiles, referrals)
        assert low <= truth <= high, f"the rules published for officers are wrong about {sorted(key)}"
        k = attack.k_of.get(key, K)
        if 0 < truth < k:
            small_ones += 1
            assert low < high, f"{sorted(key)}: the count {truth} can be worked out exactly"
    assert small_ones > 50, "the seed must contain many small cells, or the test proves nothing"
    assert true_count(Key({("area", "west")}), profiles, referrals) == 1
    assert true_count(Key({("wave", "w1")}), profiles, referrals) == 3
