"""The thin adapter between rendered messages and Telegram: send, edit in place, inline keyboards."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from surveys.conversation import Conversations, Reply
from surveys.core.render import RenderedMessage

log = logging.getLogger(__name__)

TELEGRAM_TEXT_LIMIT = 4096


def keyboard(message: RenderedMessage) -> InlineKeyboardMarkup | None:
    if not message.rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=button.label, callback_data=button.action) for button in row]
            for row in message.rows
        ]
    )


async def deliver(
    bot: Bot, conversations: Conversations, chat_id: int, reply: Reply, pressed_message_id: int | None = None
) -> None:
    """Show the reply's prompts. An answer given by button replaces that question's message with the answer;
    a toggle only updates the buttons; any other press retires the pressed message's buttons, so that every
    keyboard is used once and old ones cannot be pressed by mistake."""
    renderer = conversations.renderer(reply.survey, reply.language)
    messages = [renderer.render(prompt) for prompt in reply.prompts]
    if pressed_message_id is not None and messages and not any(m.replaces_question or m.refresh for m in messages):
        await _retire_buttons(bot, chat_id, pressed_message_id)
    for message in messages:
        if pressed_message_id is not None and (message.replaces_question or message.refresh):
            await _edit(bot, chat_id, pressed_message_id, message)
            continue
        if message.replaces_question:
            continue  # a typed answer needs no echo
        await bot.send_message(chat_id, message.text[:TELEGRAM_TEXT_LIMIT], reply_markup=keyboard(message))


async def _retire_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
    except TelegramBadRequest as exc:
        log.debug("retiring buttons skipped: %s", exc.message)


async def _edit(bot: Bot, chat_id: int, message_id: int, message: RenderedMessage) -> None:
    try:
        if message.refresh:
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=keyboard(message))
        else:
            await bot.edit_message_text(text=message.text, chat_id=chat_id, message_id=message_id, reply_markup=None)
    except TelegramBadRequest as exc:
        # "message is not modified" or a message too old to edit: the conversation goes on regardless
        log.debug("edit skipped: %s", exc.message)
