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
