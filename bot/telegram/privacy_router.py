"""/help and /delete: a resident can always learn what Heard does and erase everything about themselves.

/delete erases what the account holder left, in every role: their own answers, consents, reminder contacts,
results requests and queued messages, and as an outreach worker their link to a distributor and an assisted
entry under way (even when they send /delete in the middle of it)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.types import Message as TelegramMessage

from bot import texts
from bot.telegram.identity import Author
from bot.telegram.loop_filters import on_loop
from surveys.conversation import Conversations

CONFIRM_DELETE = "del:yes"
KEEP = "del:no"


async def on_help(message: TelegramMessage, conversations: Conversations, resident: Author) -> None:
    language = await conversations.language_of(resident.respondent_for, resident.client_language)
    await message.answer(texts.help_text(conversations, language))


async def on_delete(message: TelegramMessage, conversations: Conversations, resident: Author) -> None:
    language = await conversations.language_of(resident.respondent_for, resident.client_language)
    question, yes, no = texts.delete_question(conversations, language)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=yes, callback_data=CONFIRM_DELETE)],
            [InlineKeyboardButton(text=no, callback_data=KEEP)],
        ]
    )
    await message.answer(question, reply_markup=markup)


async def on_delete_answer(query: CallbackQuery, bot: Bot, conversations: Conversations, resident: Author) -> None:
    language = await conversations.language_of(resident.respondent_for, resident.client_language)
    if query.data == CONFIRM_DELETE:
        count = await conversations.erase(resident.own_respondent_for, worker=resident.worker)
        text = texts.deleted(conversations, language, count)
    else:
        text = texts.not_deleted(conversations, language)
    try:
        if query.message is None:
            raise LookupError("no message to edit")
        await bot.edit_message_text(text=text, chat_id=resident.chat_id, message_id=query.message.message_id)
    except (LookupError, TelegramBadRequest):  # the question is gone or too old to edit: say it anew
        await bot.send_message(resident.chat_id, text)
    await query.answer()


def build_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="privacy")
    router.message.register(on_help, Command("help"))
    router.message.register(on_delete, Command("delete"))
    router.callback_query.register(on_delete_answer, on_loop(F.data.in_({CONFIRM_DELETE, KEEP})))
    return router
