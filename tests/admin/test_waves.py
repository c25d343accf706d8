"""`heard-admin waves`: officers create and close the waves that summaries and reports compare."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from surveys.core.disclosure import EMPTY, Tally, disclose
from surveys.store.schema import Contact, Response
from surveys.wiring import open_core
from tests.support.commands import run
from tests.support.interviews import GERMAN_INTERVIEW, interview


async def published_responses(settings, wave: str) -> int:  # type: ignore[no-untyped-def]
    """The number every command publishes for the wave's responses: their count through the disclosure control."""
    core = await open_core(settings)
    try:
        async with core.db() as db:
            keys = (await db.scalars(select(Response.record_key).where(Response.wave == wave))).all()
    finally:
        await core.close()
    assert len(keys) == 5
    return disclose(sum((Tally(1, key) for key in keys), EMPTY), settings.privacy.min_cell).value


async def test_waves_are_added_listed_closed_and_responses_counted_in_them(settings, cli_env):
    added = run("heard-admin", "waves", "add", "needs", "--name", "2026-autumn", "--opens", "2026-09-01",
                env=cli_env)
    assert added.returncode == 0, added.stderr
    duplicate = run("heard-admin", "waves", "add", "needs", "--name", "2026-autumn", "--opens", "2026-09-02",
                    env=cli_env)
    assert duplicate.returncode == 1 and "already has a wave '2026-autumn'" in duplicate.stderr
    backwards = run("heard-admin", "waves", "add", "needs", "--name", "x", "--opens", "2027-03-01",
                    "--closes", "2027-02-01", env=cli_env)
    assert backwards.returncode == 1 and "close after it opens" in backwards.stderr
    assert "not a date" in run("heard-admin", "waves", "add", "needs", "--name", "y", "--opens", "März",
                               env=cli_env).stderr

    for _ in range(5):
        await interview(settings, GERMAN_INTERVIEW)
    published = await published_responses(settings, "2026-autumn")  # 5, perturbed by the Cell Key Method
    listed = run("heard-admin", "waves", "list", "needs", env=cli_env)
    row = next(line for line in listed.stdout.splitlines() if "2026-autumn" in line)
    assert "2026-09-01" in row and "scheduled" in row and f"│ {published} " in row

    summary = json.loads(run("heard-admin", "results", "summary", "--wave", "2026-autumn", "--format", "json",
                             env=cli_env).stdout)
    assert summary["responses"] == str(published) and summary["wave"] == "2026-autumn"

    core = await open_core(settings)
    try:
        async with core.db() as db, db.begin():
            db.add(Contact(survey_id="needs", contact_key="r" * 64, platform="telegram", address="1",
                           created_on=__import__("datetime").date.today()))
    finally:
        await core.close()
    closed = run("heard-admin", "waves", "close", "needs", "2026-autumn", env=cli_env)
    assert closed.returncode == 0 and "deleted 1 contact record(s)" in closed.stdout
    assert "closed" in run("heard-admin", "waves", "list", "needs", env=cli_env).stdout
    core = await open_core(settings)
    try:
        async with core.db() as db:
            assert await db.scalar(select(func.count()).select_from(Contact)) == 0
    finally:
        await core.close()
    # once its only wave is closed, the survey takes no more answers, on any channel
    screen = (await interview(settings, [])).screen
    assert any("Diese Umfrage ist im Moment nicht geöffnet." in line for line in screen), screen[-5:]
    after = json.loads(run("heard-admin", "results", "summary", "--wave", "2026-autumn", "--format", "json",
                           env=cli_env).stdout)
    assert after["responses"] == str(published), "the closed wave keeps its responses"
