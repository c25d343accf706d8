"""The real console scripts, run as an officer or an interviewer would run them."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

from surveys.core.disclosure import EMPTY, HIDDEN_MARK, Tally, disclose
from tests.support.commands import run
from tests.support.interviews import GERMAN_INTERVIEW, interview


def test_console_script_runs_an_interview_from_standard_input(cli_env):
    """The real `heard-bot console` entry point, typed into: language, consent, then cancel."""
    done = run("heard-bot", "console", env=cli_env, stdin="1\n1\n/cancel\n2\n")
    assert done.returncode == 0, done.stderr
    assert "[1] Deutsch" in done.stdout and "1/15" in done.stdout
    assert "Interview abgebrochen; seine Antworten wurden gelöscht." in done.stdout


async def test_console_interview_is_stored_and_appears_in_summary_and_export(settings, cli_env, tmp_path):
    interviewer = await interview(settings, GERMAN_INTERVIEW)
    assert any("Vielen Dank!" in line for line in interviewer.screen)
    assert interviewer.screen[-1] == "In dieser Sitzung gespeicherte Interviews: 1"

    summary = run("heard-admin", "results", "summary", "--format", "json", env=cli_env)
    assert summary.returncode == 0, summary.stderr
    data = json.loads(summary.stdout)
    assert data["responses"] == HIDDEN_MARK, "a single response: too few to show"
    assert data["rows"] == [] and "who_answered" not in data, "a single response shows no breakdown at all"

    refused = run("heard-admin", "results", "export", "--format", "json", "-o", str(tmp_path / "out.json"),
                  env=cli_env)
    assert refused.returncode == 1 and "fewer than k = 5" in refused.stderr, "one record is never exported"
    assert not (tmp_path / "out.json").exists()

    for _ in range(4):
        await interview(settings, GERMAN_INTERVIEW)
    exported = run("heard-admin", "results", "export", "--format", "json", "-o", str(tmp_path / "out.json"),
                   env=cli_env)
    assert exported.returncode == 0, exported.stderr
    records = json.loads((tmp_path / "out.json").read_text())
    assert len(records) == 5
    record = records[0]
    assert record["channel"] == "assisted" and record["language"] == "de" and record["survey_version"] == 1
    assert record["answers"]["area"] == "nordstadt"
    assert record["answers"]["course_barriers"] == ["times", "childcare"]
    assert record["answers"]["understood_by_town"] == 3
    assert record["answers"]["town_should_change"] == "Mehr Sprachcafés, Kontakt: [phone]"
    assert "school_system" not in record["answers"]

    csv_export = run("heard-admin", "results", "export", "--format", "csv", env=cli_env)
    header, row, *_ = csv_export.stdout.strip().splitlines()
    assert header.startswith("response_id,survey_id,survey_version,wave,language,channel,submitted_month,area,")
    assert "times childcare" in row


def area_counts(cli_env) -> dict[str, str]:
    summary = run("heard-admin", "results", "summary", "--format", "csv", env=cli_env)
    rows = list(csv.DictReader(io.StringIO(summary.stdout)))
    for row in rows:
        count = row["count"]
        assert count == HIDDEN_MARK or (count.isdigit() and (int(count) == 0 or int(count) >= 5)), row
    return {row["answer"]: row["count"] for row in rows if row["question"] == "area"}


def published_area_counts(settings, k: int = 5) -> dict[str, str]:
    """What the Cell Key Method must publish for each area, from the records' keys in the database file."""
    path = settings.storage.database_url.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT a.choice, r.record_key FROM answers a JOIN responses r ON r.id = a.response_id "
            "WHERE a.question = 'area'").fetchall()
    tallies: dict[str, Tally] = {}
    for area, record_key in rows:
        tallies[area] = tallies.get(area, EMPTY) + Tally(1, record_key)
    return {area: disclose(tally, k).display() for area, tally in tallies.items()}


def interview_in(area: str) -> list[str]:
    return [(area if step == "Nordstadt" else step) for step in GERMAN_INTERVIEW]


async def test_summary_never_shows_a_small_count_and_shows_each_cell_the_same_everywhere(settings, cli_env):
    for _ in range(6):
        await interview(settings, GERMAN_INTERVIEW)
    await interview(settings, interview_in("Südstadt"))
    # 7 responses, one in Südstadt: it shows as 0 or 5, never 1; every count is the Cell Key Method's
    counts = area_counts(cli_env)
    expected = published_area_counts(settings)
    assert counts["suedstadt"] in ("0", "5") and counts["suedstadt"] == expected["suedstadt"]
    assert counts["nordstadt"] == expected["nordstadt"] and counts["altstadt"] == "0", "zero stays zero"
    table = run("heard-admin", "results", "summary", env=cli_env)
    assert "completed responses. To protect small groups, every count is changed slightly" in table.stdout
    # health questions are sensitive: k = 10, so 7 respondents show nothing of them
    assert "health_barriers: hidden (fewer than 10 respondents)" in table.stdout
    by_area = json.loads(run("heard-admin", "results", "summary", "--by", "area", "--format", "json",
                             env=cli_env).stdout)
    assert by_area["who_answered"]["area"]["nordstadt"] == expected["nordstadt"], "the same cell everywhere"
    assert {row["group"] for row in by_area["rows"]} == {"all", "nordstadt"}, "Südstadt (1) is left out"

    for _ in range(5):
        await interview(settings, interview_in("Altstadt"))
    counts = area_counts(cli_env)
    assert counts == {**{key: "0" for key in counts}, **published_area_counts(settings)}


def test_validate_reports_file_and_line(tmp_path, cli_env):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "id: broken\nversion: 1\ntitle: T\nintro: I\nthanks: D\nquestions:\n"
        "  - {name: a, type: single, field: core, label: A, choices: []}\n",
        encoding="utf-8",
    )
    result = run("heard-admin", "surveys", "validate", str(broken), "surveys/bundled/needs.yaml", env=cli_env)
    assert result.returncode == 1
    assert f"{broken}:7: question 'a': 'choices' must be a non-empty list" in result.stderr
    assert "surveys/bundled/needs.yaml: ok (needs v1, 15 questions)" in result.stdout


def test_surveys_list_and_show(cli_env):
    listed = run("heard-admin", "surveys", "list", env=cli_env)
    assert listed.returncode == 0 and "needs" in listed.stdout and "Was brauchen Sie" in listed.stdout
    shown = run("heard-admin", "surveys", "show", "needs", env=cli_env)
    assert shown.returncode == 0
    assert "course_barriers" in shown.stdout and "language_course in no, yes" in shown.stdout


def test_unknown_survey_names_the_known_ones(cli_env):
    for command in (["results", "summary"], ["results", "export", "-o", "x.json"], ["report", "-o", "x.html"]):
        result = run("heard-admin", *command, "--survey", "nope", env=cli_env)
        assert result.returncode == 1 and "No survey 'nope'. Known: needs" in result.stderr, command
    assert "No survey 'nope'. Known: needs" in run("heard-admin", "surveys", "show", "nope", env=cli_env).stderr


def test_missing_configuration_is_explained(tmp_path, cli_env):
    env = {**cli_env, "HEARD_CONFIG": str(tmp_path / "absent.toml")}
    result = run("heard-admin", "results", "summary", env=env)
    assert result.returncode == 2
    assert "No configuration file" in result.stderr and "heard.example.toml" in result.stderr


def test_bot_without_token_explains_how_to_get_one(cli_env):
    result = run("heard-bot", env=cli_env, stdin="")
    assert result.returncode == 3, "apart from 2 (configuration problem): `make run` tells them apart"
    assert "@BotFather" in result.stdout and "heard-bot console" in result.stdout
