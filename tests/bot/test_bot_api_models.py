"""aiogram's Bot API models are built when first used, not all at import (bot/telegram/bot_api_models.py), and every
one of them still builds and reads Telegram's JSON; the `Response[...]` classes of the requests the bot made
survive garbage collection."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

LAZY = """
from bot.telegram.bot_api_models import import_lazily
import_lazily()
from pydantic import BaseModel
import aiogram.methods as methods
import aiogram.types as types
from aiogram.types import Update

models = [getattr(module, n) for module in (types, methods) for n in module.__all__]
models = [m for m in models if isinstance(m, type) and issubclass(m, BaseModel)]
built_at_import = [m for m in models if m.__pydantic_complete__]
update = Update.model_validate({"update_id": 1, "callback_query": {
    "id": "1", "from": {"id": 5, "is_bot": False, "first_name": "A"}, "chat_instance": "c", "data": "c:1:yes",
    "message": {"message_id": 3, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "Frage",
                "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "c:1:yes"}]]}}}})
assert update.callback_query.message.reply_markup.inline_keyboard[0][0].text == "Ja"

async def first_use():  # as in the bot: inside the event loop
    for model in models:  # every type and request resolves its references when it is first needed
        model.__pydantic_validator__.validate_python
    sent = methods.SendMessage(chat_id=5, text="Frage", reply_markup={"inline_keyboard": [[
        {"text": "Ja", "callback_data": "c:1:yes"}]]})
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "c:1:yes"

import asyncio
asyncio.run(first_use())
print(len(built_at_import), "sticker",
      types.Sticker.__pydantic_complete__ and methods.SendSticker.__pydantic_complete__)
"""


def test_models_are_built_on_first_use_and_all_of_them_still_build():
    done = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    built_at_import, _, _ = done.stdout.split()
    assert int(built_at_import) < 10, done.stdout
    assert done.stdout.split()[-1] == "True"  # built when asked for, with all its references


async def test_response_classes_of_the_requests_made_survive_garbage_collection(running_bot, telegram):
    from aiogram.methods.base import Response
    from aiogram.types import Message

    from tests.support.fake_telegram import User

    user = User(id=4242, first_name="Gc", language_code="de")
    await telegram.send_text(user, "/start")
    await telegram.wait_until(lambda: bool(telegram.messages(user.id)))
    kept = weakref.ref(Response[Message])
    gc.collect()
    assert kept() is not None, "Response[Message] would be built again at the next sendMessage"


def test_replies_skip_reading_their_results_but_every_error_still_raises():
    """bot/telegram/unread_results.py: a reply's result (the whole message, back from Telegram) is not read, while
    errors keep raising what the retries and the outbox act on, and getUpdates is read in full."""
    import json

    import pytest
    from aiogram import Bot
    from aiogram.exceptions import ClientDecodeError, TelegramBadRequest, TelegramRetryAfter
    from aiogram.methods import EditMessageText, GetUpdates, SendMessage

    from bot.telegram.unread_results import ReplySession

    session = ReplySession()
    bot = Bot("42:TEST", session=session)
    send = SendMessage(chat_id=5, text="Frage")
    not_a_message = json.dumps({"ok": True, "result": {"message_id": "not a number"}})

    assert session.check_response(bot, send, 200, not_a_message).result is None
    assert session.check_response(bot, EditMessageText(text="x", chat_id=5, message_id=3), 200,
                                  not_a_message).result is None
    with pytest.raises(TelegramBadRequest):
        session.check_response(bot, send, 400, json.dumps(
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}))
    with pytest.raises(TelegramRetryAfter) as waited:
        session.check_response(bot, send, 429, json.dumps(
            {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 7}}))
    assert waited.value.retry_after == 7
    with pytest.raises(ClientDecodeError):
        session.check_response(bot, send, 200, "<html>bad gateway</html>")
    with pytest.raises(ClientDecodeError):  # what the bot reads is still checked
        session.check_response(bot, GetUpdates(), 200, json.dumps({"ok": True, "result": [{"update_id": "x"}]}))


def test_a_pressed_button_is_read_without_the_keyboard_it_was_under():
    """getUpdates: of the message under a pressed button Heard reads which one it was; its text and keyboard
    (up to a hundred buttons) are not validated, everything else of the update is, and errors still raise."""
    import json

    import pytest
    from aiogram import Bot
    from aiogram.exceptions import TelegramConflictError
    from aiogram.methods import GetUpdates
    from aiogram.types import InaccessibleMessage, Message

    from bot.telegram.unread_results import ReplySession

    session = ReplySession()
    bot = Bot("42:TEST", session=session)
    keyboard = {"inline_keyboard": [[{"text": f"Wahl {n}", "callback_data": f"c:{n}"}] for n in range(100)]}
    pressed = {"message_id": 3, "date": 1_700_000_000, "chat": {"id": 5, "type": "private"}, "text": "Frage",
               "reply_markup": keyboard}
    gone = {"message_id": 4, "date": 0, "chat": {"id": 5, "type": "private"}}
    updates = [
        {"update_id": 1, "callback_query": {"id": "q1", "from": {"id": 5, "is_bot": False, "first_name": "A",
                                                                 "language_code": "ar"},
                                            "chat_instance": "c", "data": "c:7", "message": pressed}},
        {"update_id": 2, "callback_query": {"id": "q2", "from": {"id": 5, "is_bot": False, "first_name": "A"},
                                            "chat_instance": "c", "data": "c:8", "message": gone}},
        {"update_id": 3, "message": {"message_id": 9, "date": 1_700_000_001, "chat": {"id": 5, "type": "private"},
                                     "text": "Hallo", "from": {"id": 5, "is_bot": False, "first_name": "A"}}},
    ]
    read = session.check_response(bot, GetUpdates(), 200, json.dumps({"ok": True, "result": updates})).result
    first, second, third = read
    assert (first.callback_query.data, first.callback_query.from_user.language_code) == ("c:7", "ar")
    assert isinstance(first.callback_query.message, Message)
    assert (first.callback_query.message.message_id, first.callback_query.message.chat.id) == (3, 5)
    assert first.callback_query.message.reply_markup is None, "the keyboard was not read"
    assert isinstance(second.callback_query.message, InaccessibleMessage), "an old message stays one"
    assert third.message.text == "Hallo", "a typed message is read in full"
    with pytest.raises(TelegramConflictError):
        session.check_response(bot, GetUpdates(), 409, json.dumps(
            {"ok": False, "error_code": 409, "description": "Conflict: terminated by other getUpdates request"}))


async def test_no_filter_or_handler_of_the_bot_waits_for_a_worker_thread(settings, core):
    """aiogram hands every plain (not async) filter and handler to a worker thread, a thread hop and an event-loop
    wake-up per check: each of Heard's is awaited on the event loop instead (bot/telegram/loop_filters.py)."""
    from bot.telegram.app import build_dispatcher

    dispatcher = build_dispatcher(settings, core)
    routers = list(dispatcher.chain_tail)  # the dispatcher and every router below it
    checked = []
    for router in routers:
        for observer in router.observers.values():
            for handler in observer.handlers:
                checked.append((router.name, handler.callback, handler.awaitable))
                checked.extend((router.name, f.callback, f.awaitable) for f in handler.filters or [])
    assert len(checked) > 20, "the routers were read"
    assert [(name, callback) for name, callback, awaitable in checked if not awaitable] == []
