"""The thin adapter between rendered messages and Telegram: send, edit in place, inline keyboards."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from surveys.conversation import Conversations, Reply
from surveys.render import Message, Recording

log = logging.getLogger(__name__)

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024


def keyboard(message: Message) -> InlineKeyboardMarkup | None:
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
        for recording in message.recordings:
            await _play(bot, chat_id, recording)
        await bot.send_message(chat_id, message.text[:TELEGRAM_TEXT_LIMIT], reply_markup=keyboard(message))


#: Telegram plays OGG/Opus as a voice message; other formats (MP3, M4A) go as an audio file with a player.
VOICE_SUFFIXES = {".ogg", ".oga", ".opus"}


async def _play(bot: Bot, chat_id: int, recording: Recording) -> None:
    """Send one recording before the question's text; a missing or refused file leaves the text alone."""
    if not recording.path.is_file():
        log.debug("recording %s is missing: text only", recording.path.name)
        return
    audio = FSInputFile(recording.path)
    caption = recording.caption[:TELEGRAM_CAPTION_LIMIT] or None
    try:
        if recording.path.suffix.lower() in VOICE_SUFFIXES:
            await bot.send_voice(chat_id, audio, caption=caption)
        else:
            await bot.send_audio(chat_id, audio, caption=caption)
    except TelegramBadRequest as exc:
        log.warning("recording %s was refused (%s): text only", recording.path.name, exc.message)


async def _retire_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
    except TelegramBadRequest as exc:
        log.debug("retiring buttons skipped: %s", exc.message)


async def _edit(bot: Bot, chat_id: int, message_id: int, message: Message) -> None:
    try:
        if message.refresh:
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=keyboard(message))
        else:
            await bot.edit_message_text(text=message.text, chat_id=chat_id, message_id=message_id, reply_markup=None)
    except TelegramBadRequest as exc:
        # "message is not modified" or a message too old to edit: the conversation goes on regardless
        log.debug("edit skipped: %s", exc.message)
