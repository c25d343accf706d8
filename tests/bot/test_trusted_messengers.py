"""Trusted messengers: links attribute residents to a distributor (and nothing more), workers see their reach
with small numbers hidden, and can enter a questionnaire for someone."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from surveys import distribution
from surveys.core.disclosure import EMPTY, Tally, disclose
from surveys.store.schema import AssistSession, Distributor, Referral, Response, Session, WorkerLink
from tests.support.journeys import decline_until_free_text
from tests.support.pdf import pdf_text
from tests.support.residents import Resident, new_user, plain


async def make_distributor(core, name="Frauencafé Nord", language=None, active=True):
    async with core.db() as db, db.begin():
        distributor = await distribution.add_distributor(db, name, language)
        distributor.active = active
        return distributor.code, distributor.id


async def invitation(core, code: str) -> str:
    async with core.db() as db, db.begin():
        return await distribution.create_invitation(db, await distribution.by_code(db, code))


async def complete_via(resident: Resident, payload: str | None) -> None:
    await resident.send(f"/start {payload}" if payload else "/start")
    await resident.tap("Ja, los geht's")
    await decline_until_free_text(resident)
    await resident.send("Danke")
    assert "Vielen Dank!" in resident.last.text


async def attribution(core) -> list[int | None]:
    async with core.db() as db:
        return list((await db.scalars(select(Response.distributor_id).order_by(Response.id))).all())


async def test_valid_code_attributes_and_unknown_malformed_or_deactivated_codes_count_as_organic(
    running_bot, telegram
):
    core = running_bot.core
    code, distributor_id = await make_distributor(core)
    old_code, _ = await make_distributor(core, "Alter Verein", active=False)
    await complete_via(Resident(telegram), code)
    await complete_via(Resident(telegram), f"{code}--l-de")
    for payload in ("UnknownCode1", "bad code!", "x" * 80, old_code):
        await complete_via(Resident(telegram), payload)
    ids = await attribution(core)
    assert sorted(ids, key=str) == sorted([distributor_id, distributor_id, None, None, None, None], key=str)
    async with core.db() as db:
        referrals = (await db.scalars(select(Referral.distributor_id))).all()
    assert referrals == [distributor_id, distributor_id]


def stats_line(text: str) -> tuple[int, int]:
    found = re.search(r"begonnen: (\d+), abgeschlossen: (\d+)", text)
    assert found, text
    return int(found.group(1)), int(found.group(2))


async def expected_reach(core, code: str) -> tuple[int, int]:
    """What the Cell Key Method must show for the distributor's referrals and responses."""
    async with core.db() as db:
        distributor_id = await db.scalar(select(Distributor.id).where(Distributor.code == code))
        started = (await db.scalars(select(Referral.record_key).where(Referral.distributor_id == distributor_id))).all()
        completed = (await db.scalars(
            select(Response.record_key).where(Response.distributor_id == distributor_id))).all()
    return tuple(disclose(sum((Tally(1, key) for key in keys), EMPTY), 5).value  # type: ignore[return-value]
                 for keys in (started, completed))


async def test_worker_links_account_once_and_sees_reach_with_small_numbers_hidden(running_bot, telegram):
    core = running_bot.core
    code, _ = await make_distributor(core, "Nachbarschaftszentrum Süd")
    token = await invitation(core, code)
    worker = Resident(telegram, new_user(language_code="de", name="Worker"))
    await worker.send(f"/start w-{token}")
    assert "Nachbarschaftszentrum Süd" in worker.last.text and "/mystats" in worker.last.text
    impostor = Resident(telegram)
    await impostor.send(f"/start w-{token}")
    assert "nicht mehr gültig" in impostor.last.text, "an invitation works once"
    await worker.send("/mystats")
    assert "Noch niemand." in worker.last.text and "/mylink, /myflyer" in worker.last.text, "nobody yet: the commands"

    for _ in range(2):
        await complete_via(Resident(telegram), code)
    await worker.send("/mystats")
    stats = plain(worker.last.text)
    assert stats_line(stats) == await expected_reach(core, code) and set(stats_line(stats)) <= {0, 5}, stats
    assert "Zahlen unter 5 erscheinen als 0 oder 5" in stats

    for _ in range(4):
        await complete_via(Resident(telegram), code)
    half = Resident(telegram)
    await half.send(f"/start {code}")
    await half.tap("Ja, los geht's")
    await worker.send("/mystats")
    assert stats_line(plain(worker.last.text)) == await expected_reach(core, code), "7 started, 6 finished"

    await worker.send("/mylink")
    assert f"https://t.me/heard_test_bot?start={code}" in plain(worker.last.text)
    await worker.send("/myflyer")
    flyer = worker.last.document
    assert flyer is not None and flyer["filename"] == f"flyer-{code}.pdf"
    assert flyer["content"].startswith(b"%PDF")
    text = pdf_text(flyer["content"])
    assert f"start={code}" in text.replace("\n", "") and "Ihre Stimme zählt" in text
    async with core.db() as db:
        links = (await db.scalars(select(WorkerLink))).all()
    assert len(links) == 1 and str(worker.user.id) not in links[0].worker


async def test_residents_get_nothing_from_worker_commands(running_bot, telegram):
    resident = Resident(telegram)
    await resident.send("/start")
    await resident.tap("Ja, los geht's")
    for command in ("/mystats", "/mylink", "/assist", "/start w-forged-token"):
        await resident.send(command)
        text = plain(resident.last.text)
        assert "Link" not in text and "begonnen:" not in text, command
    await resident.send("/mystats")
    assert "1/15" in resident.last.text, "the resident just sees their current question again"


async def test_assisted_entry_is_anonymous_and_attributed_to_the_worker(running_bot, telegram):
    core = running_bot.core
    code, distributor_id = await make_distributor(core, "Beratungsstelle West")
    token = await invitation(core, code)
    worker = Resident(telegram, new_user(language_code="de", name="Worker"))
    await worker.send(f"/start w-{token}")
    await worker.send("/assist")
    assert any("Person, der Sie helfen" in plain(m.text) or "/cancel" in m.text for m in worker.chat[-2:])
    await worker.tap("Ja, los geht's")
    await worker.tap("Südstadt")
    await decline_until_free_text_from(worker, 11)
    await worker.send("Mehr Beratung auf Arabisch")
    assert any("Vielen Dank!" in m.text for m in worker.chat[-3:])
    async with core.db() as db:
        response = await db.scalar(select(Response))
        assert (response.channel, response.distributor_id) == ("assisted", distributor_id)
        assert await db.scalar(select(func.count()).select_from(AssistSession)) == 0
        assert await db.scalar(select(func.count()).select_from(Session)) == 0
    # afterwards, the worker's own chat is theirs again
    await worker.send("/start")
    assert "Was brauchen Sie in unserer Stadt?" in plain(worker.last.text)


async def decline_until_free_text_from(resident: Resident, count: int) -> None:
    for _ in range(count):
        await resident.tap("Möchte ich nicht sagen")
