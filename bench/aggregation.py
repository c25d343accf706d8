"""How fast officers get their numbers: summary, breakdowns and who-answered over 100,000 (and more) responses
in SQLite, beside the same counts done by one plain SQL GROUP BY in the same database.

Run: .venv/bin/python -m bench.aggregation [--sizes 10000 100000] ; figures go to bench/results.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import time
from pathlib import Path

from admin import report
from admin.summary import summarize, who_answered
from bench.generate import generate, needs_survey
from bench.report import Section, write_section
from surveys.store.database import connect, session_factory

OUT = Path(__file__).parent / "out"


def plain_group_by(path: Path) -> float:
    """The floor: one GROUP BY over all answers, no breakdown, no disclosure control."""
    connection = sqlite3.connect(path)
    started = time.perf_counter()
    connection.execute(
        "SELECT a.question, a.choice, a.number, a.declined, COUNT(*) FROM answers a "
        "JOIN responses r ON r.id = a.response_id WHERE r.survey_id = 'needs' AND r.survey_version = 1 "
        "GROUP BY a.question, a.choice, a.number, a.declined").fetchall()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


async def timed(path: Path) -> dict[str, float]:
    survey = needs_survey()
    engine = connect(f"sqlite+aiosqlite:///{path}")
    db_factory = session_factory(engine)
    figures: dict[str, float] = {}
    try:
        for label, by in (("summary", None), ("summary --by area", "area"), ("summary --by language", "language"),
                          ("summary --by wave", "wave")):
            async with db_factory() as db:
                started = time.perf_counter()
                await summarize(db, survey, 5, by=by)
                figures[label] = time.perf_counter() - started
        async with db_factory() as db:
            started = time.perf_counter()
            await who_answered(db, survey, 5)
            figures["who answered"] = time.perf_counter() - started
        async with db_factory() as db:
            started = time.perf_counter()
            data = await report.collect(db, survey, 5, municipality="Benchstadt")
            report.render(data, "html", "de")
            figures["report (html, all sections)"] = time.perf_counter() - started
    finally:
        await engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        path = OUT / f"aggregation-{size}.db"
        if path.exists():
            path.unlink()
        started = time.perf_counter()
        generate(path, size)
        generated = time.perf_counter() - started
        floor = plain_group_by(path)
        figures = asyncio.run(timed(path))
        for label, seconds in figures.items():
            rows.append([f"{size:,}", label, f"{seconds:.2f}", f"{floor:.2f}", f"{seconds / floor:.1f}×"])
        print(f"{size:,} responses generated in {generated:.0f} s; summary {figures['summary']:.2f} s")
    write_section(Section(
        title="Aggregation (SQLite)",
        command="python -m bench.aggregation --sizes " + " ".join(str(s) for s in args.sizes),
        header=["responses", "operation", "seconds", "plain GROUP BY (s)", "ratio"],
        rows=rows,
        notes="Target: summary over 100,000 responses in under 3 s on 2 cores. 'plain GROUP BY' is one query "
              "counting every (question, answer) without breakdown or disclosure control: the database's floor. "
              "The report runs the summary, who-answered, the area and language breakdowns and the free texts.",
    ))


if __name__ == "__main__":
    main()
