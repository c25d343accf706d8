"""Synthetic responses to the bundled needs survey, written straight into a migrated SQLite file.

Answers follow the survey's skip logic and are skewed like real needs data (some areas and languages more
frequent, some barriers far more common), so the aggregation does realistic work.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sqlite3
from pathlib import Path

from surveys.config import Area
from surveys.core.answer_codes import pack
from surveys.core.disclosure import KEY_MODULUS
from surveys.core.engine import SessionState, final_answers
from surveys.core.model import DECLINED, QuestionType, Survey
from surveys.forms.loader import load_survey
from surveys.store.database import connect, migrate

AREAS = [Area(name=f"area_{i:02d}", label=f"Stadtteil {i}") for i in range(1, 13)]
LANGUAGES = ["de"] * 6 + ["ar"] * 4 + ["uk"] * 3 + ["tr"] * 2 + ["fa_AF", "ru", "ps", "ti", "so", "kmr", "en"]
CHANNELS = ["telegram"] * 8 + ["assisted", "paper"]


def needs_survey() -> Survey:
    return load_survey(Path(__file__).resolve().parents[1] / "surveys" / "bundled" / "needs.yaml", AREAS)


def random_answers(survey: Survey, rng: random.Random) -> dict:
    answers: dict = {}
    for question in survey.answerable():
        if rng.random() < 0.04:
            answers[question.name] = DECLINED
            continue
        options = [c.name for c in question.choices]
        if question.type is QuestionType.SINGLE:
            weights = [1.0 / (i + 1) for i in range(len(options))]
            answers[question.name] = rng.choices(options, weights)[0]
        elif question.type is QuestionType.MULTI:
            plain = [c.name for c in question.choices if not c.exclusive]
            picked = [o for i, o in enumerate(plain) if rng.random() < 0.5 / (i + 1)]
            exclusive = [c.name for c in question.choices if c.exclusive]
            answers[question.name] = tuple(picked) if picked or not exclusive else (exclusive[0],)
        elif question.type is QuestionType.SCALE:
            answers[question.name] = rng.choice(list(question.scale_points()))
        elif question.type is QuestionType.TEXT and rng.random() < 0.3:
            answers[question.name] = rng.choice(["Mehr Deutschkurse am Abend", "Hilfe bei der Wohnungssuche",
                                                 "Ein Treffpunkt im Viertel", "Kinderbetreuung während der Kurse"])
    state = SessionState(survey_id=survey.id, survey_version=survey.version, answers=answers)
    return final_answers(survey, state)


def rows_for(survey: Survey, response_id: str, answers: dict) -> list[tuple]:
    rows = []
    for name, value in answers.items():
        kind = survey.question(name).type
        if value == DECLINED:
            rows.append((response_id, name, None, None, None, 1))
        elif isinstance(value, tuple):  # as surveys.conversation.answer_rows: a presence row, then the choices
            rows += [(response_id, name, None, None, None, 0), *((response_id, name, c, None, None, 0) for c in value)]
        elif isinstance(value, int):
            rows.append((response_id, name, None, value, None, 0))
        elif kind is QuestionType.TEXT:
            rows.append((response_id, name, None, None, value, 0))
        else:
            rows.append((response_id, name, value, None, None, 0))
    return rows


def generate(path: Path, count: int, seed: int = 7, waves: tuple[str, ...] = ("2026-autumn", "2027-spring")) -> None:
    """Create (or extend) a Heard SQLite database with `count` completed responses."""
    path.parent.mkdir(parents=True, exist_ok=True)

    async def create_schema() -> None:
        engine = connect(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        await engine.dispose()

    asyncio.run(create_schema())
    survey = needs_survey()
    rng = random.Random(seed)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    today = dt.date.today().isoformat()
    start = connection.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    batch_responses, batch_answers = [], []
    for index in range(start, start + count):
        response_id = f"{index:032x}"
        rows = rows_for(survey, response_id, random_answers(survey, rng))
        codes, numbers = pack((question, choice, number, declined) for _, question, choice, number, _, declined in rows)
        batch_responses.append((response_id, survey.id, survey.version, f"bench-{index}", rng.choice(LANGUAGES),
                                rng.choice(CHANNELS), today, None, waves[index % len(waves)],
                                rng.randrange(KEY_MODULUS), codes, numbers))
        batch_answers += rows
        if len(batch_responses) >= 10_000:
            _flush(connection, batch_responses, batch_answers)
            batch_responses, batch_answers = [], []
    _flush(connection, batch_responses, batch_answers)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def _flush(connection: sqlite3.Connection, responses: list[tuple], answers: list[tuple]) -> None:
    with connection:
        connection.executemany(
            "INSERT INTO responses (id, survey_id, survey_version, respondent, language, channel, submitted_on, "
            "distributor_id, wave, record_key, answer_codes, answer_numbers) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            responses)
        connection.executemany(
            "INSERT INTO answers (response_id, question, choice, number, text, declined) VALUES (?, ?, ?, ?, ?, ?)",
            answers)
