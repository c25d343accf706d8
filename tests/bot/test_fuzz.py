"""Fuzz: 10,000 random updates (hypothesis) through the real dispatcher, replying to the fake Bot API:
stickers, photos, documents, contacts, locations, edited messages, channel posts, group chats, callback data
of every shape, text with control and bidi characters, 4,096-character texts. Nothing raises, nothing is
stored outside a question's choices, the database stays consistent, and no log line names anybody."""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import logging
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.logs import configure_logging
from bot.telegram.app import build_bot, build_dispatcher
from surveys.config import load_settings
from surveys.core.engine import SessionState
from surveys.core.model import QuestionType
from surveys.store.schema import Answer, Contact, Response, Session
from surveys.wiring import open_core
from tests.support.config import write_config
from tests.support.fake_telegram import TOKEN, FakeTelegram

USERS = [{"id": 5_600_000 + i, "is_bot": False, "first_name": f"Fuzzname{i}", "username": f"fuzz_user_{i}",
          "language_code": code} for i, code in enumerate(["de", "ar", "uk", "tr", "en", None, "xx", "fa"] * 3)]
BATCHES, PER_BATCH = 100, 100

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("\u200e\u200f\u202a\u202b\u202e\u2066\u2067\u2069\x00\x07\n\t\r ٣ aZ/"),
            max_size=60),
    st.sampled_from(["/start", "/cancel", "/delete", "/language", "/help", "/mystats", "/mylink", "/assist",
                     "/myflyer", "/start w-forged", "/start x--l-ar--s-needs", "/start --s-nosuch", "5", "٣",
                     "Ja, alles löschen"]),
    st.builds(lambda n, c: c * n, st.integers(4000, 4096), st.sampled_from(["a", "ب", "😀"])),
)
callback_data = st.one_of(
    st.text(max_size=64),
    st.sampled_from(["y", "Y", "n", "s", "R", "b", "r", "v", "k", "L", "l:ar", "l:xx", "l:de_plain", "d:9", "x:0",
                     "x:999", "c:0:altstadt", "c:0:nosuch", "c:1:under_1", "c:5:3", "c:5:99", "t:8:cost",
                     "t:8:nothing", "d:8", "c:999:a", "c:-1:a", "del:yes", "del:no"]),
    st.builds(lambda i, o: f"c:{i}:{o}", st.integers(0, 20), st.from_regex(r"[a-z0-9_]{1,40}", fullmatch=True)),
)


def message(draw, user: dict, chat_type: str) -> dict:
    chat = {"id": user["id"] if chat_type == "private" else -1_000_000 - user["id"], "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = user["first_name"]
    body: dict = {"message_id": draw(st.integers(1, 10_000)), "date": 0, "chat": chat, "from": user}
    kind = draw(st.sampled_from(["text", "text", "text", "sticker", "photo", "document", "contact", "location",
                                 "voice", "empty"]))
    if kind == "text":
        text = draw(texts)
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    elif kind == "sticker":
        body["sticker"] = {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
                           "is_animated": False, "is_video": False}
    elif kind == "photo":
        body["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
    elif kind == "document":
        body["document"] = {"file_id": "d", "file_unique_id": "d", "file_name": "a.pdf"}
    elif kind == "contact":
        body["contact"] = {"phone_number": "+49 171 2345678", "first_name": user["first_name"]}
    elif kind == "location":
        body["location"] = {"latitude": 52.5, "longitude": 13.4}
    elif kind == "voice":
        body["voice"] = {"file_id": "v", "file_unique_id": "v", "duration": 1}
    return body


@st.composite
def updates(draw) -> dict:
    user = draw(st.sampled_from(USERS))
    shape = draw(st.sampled_from(["message"] * 5 + ["callback"] * 5 + ["edited", "channel", "group", "inline_cb"]))
    if shape == "message":
        return {"message": message(draw, user, "private")}
    if shape == "edited":
        return {"edited_message": message(draw, user, "private")}
    if shape == "group":
        return {"message": message(draw, user, draw(st.sampled_from(["group", "supergroup"])))}
    if shape == "channel":
        body = message(draw, user, "channel")
        body.pop("from")
        return {"channel_post": body}
    query: dict = {"id": str(draw(st.integers(1, 10**9))), "from": user, "chat_instance": "ci"}
    if shape == "callback":
        query["message"] = {"message_id": draw(st.integers(1, 10_000)), "date": 0,
                            "chat": {"id": user["id"], "type": "private"}, "text": "…"}
    else:
        query["inline_message_id"] = "inline"
    if draw(st.booleans()) or shape == "callback":
        query["data"] = draw(callback_data)
    return {"callback_query": query}


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_ten_thousand_random_updates(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    telegram = FakeTelegram()
    configure_logging()
    gc.collect()  # what earlier tests left for the garbage collector is logged now, not during the fuzz
    collected = Collect()
    logging.getLogger().addHandler(collected)
    for name in ("aiogram", "bot", "surveys"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    ids = itertools.count(1)

    async def start():  # type: ignore[no-untyped-def]
        await telegram.start()
        config = load_settings(write_config(tmp_path), environ={})
        config = config.model_copy(update={"telegram": config.telegram.model_copy(
            update={"token": TOKEN, "api_base": telegram.base_url})})
        core = await open_core(config)
        return config, core, build_bot(config), build_dispatcher(config, core)

    _, core, bot, dispatcher = loop.run_until_complete(start())
    failures: list[BaseException] = []

    async def feed(batch: list[dict]) -> None:
        async def one(update: dict) -> None:
            try:
                await dispatcher.feed_raw_update(bot, {"update_id": next(ids), **update})
            except BaseException as exc:
                failures.append(exc)

        await asyncio.gather(*(one(update) for update in batch))

    @settings(max_examples=BATCHES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(updates(), min_size=PER_BATCH, max_size=PER_BATCH))
    def batch(generated: list[dict]) -> None:
        loop.run_until_complete(feed(generated))

    try:
        batch()
        assert not failures, failures[:3]
        errors = [r for r in collected.records if r.levelno >= logging.ERROR]
        assert not errors, [(r.getMessage(), str(r.exc_info[1]) if r.exc_info else "") for r in errors[:3]]
        fed = next(ids) - 1
        assert fed == BATCHES * PER_BATCH
        loop.run_until_complete(check_database(core))
        logged = "\n".join(r.getMessage() for r in collected.records)
        assert "is handled" in logged or "is not handled" in logged, "aiogram's update lines were captured"
        for user in USERS:
            for secret in (str(user["id"]), user["first_name"], user["username"]):
                assert secret not in logged, f"{secret} appears in the logs"
    finally:
        logging.getLogger().removeHandler(collected)
        loop.run_until_complete(bot.session.close())
        loop.run_until_complete(core.close())
        loop.run_until_complete(telegram.stop())
        loop.close()


async def check_database(core) -> None:  # type: ignore[no-untyped-def]
    survey = core.registry.default
    async with core.db() as db:
        for answer in (await db.scalars(select(Answer))).all():
            question = survey.question(answer.question)
            if answer.declined:
                assert question.offers_decline
            elif answer.choice is not None:
                assert question.choice(answer.choice) is not None, (answer.question, answer.choice)
            elif answer.number is not None:
                assert question.type in (QuestionType.SCALE, QuestionType.NUMBER)
                assert answer.number in question.scale_points() if question.type is QuestionType.SCALE else (
                    question.minimum <= answer.number <= question.maximum)
        duplicates = (await db.execute(
            select(Answer.response_id, Answer.question, Answer.choice, func.count())
            .group_by(Answer.response_id, Answer.question, Answer.choice).having(func.count() > 1))).all()
        assert not duplicates
        per_respondent = (await db.execute(
            select(Response.respondent, func.count()).group_by(Response.respondent, Response.survey_version)
            .having(func.count() > 1))).all()
        assert not per_respondent
        for session in (await db.scalars(select(Session))).all():
            state = SessionState.from_json(session.state)
            assert state.current is None or survey.has_question(state.current)
            json.loads(session.state)
        contacts = (await db.scalars(select(Contact))).all()
        sessions = {(s.survey_id, core.conversations.contact_key_for(s.respondent))
                    for s in (await db.scalars(select(Session))).all()}
        assert all((c.survey_id, c.contact_key) in sessions for c in contacts), "a kept chat id without a session"
