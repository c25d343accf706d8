"""The thin adapter between rendered messages and Telegram: send, edit in place, inline keyboards.

A reply must reach the resident even when Telegram fails: the Bot API client retries each request for a while
(bot.telegram.resilience), and what Telegram still does not take is handed to the outbox, with the rest of the reply in
order, so that the running bot's sender delivers it as soon as Telegram answers again. The resident never has
to tap a second time for an answer that was stored.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import CallbackQuery, FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import async_sessionmaker

from surveys.conversation import Conversations, Reply
from surveys.core.render import Recording, RenderedMessage
from surveys.outreach import outbox
from surveys.store.database import DbSession

log = logging.getLogger(__name__)

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024
PLATFORM = "telegram"
#: What Telegram answers while it cannot take a request (after the client's own retries).
UNAVAILABLE = (TelegramNetworkError, TelegramServerError, TelegramRetryAfter)

Buttons = tuple[tuple[tuple[str, str], ...], ...]


def keyboard(message: RenderedMessage) -> InlineKeyboardMarkup | None:
    return _markup(_buttons(message))


@dataclass(frozen=True, slots=True)
class Step:
    """One request of a reply: a new message (`edit` None), or an edit of the pressed message (new text and
    buttons, or with `text` None the buttons alone)."""

    text: str | None
    buttons: Buttons
    edit: int | None = None
    recordings: tuple[Recording, ...] = ()
    """Played before a new message's text; a reply queued in the outbox goes out as text only."""


def steps_of(conversations: Conversations, reply: Reply, pressed_message_id: int | None) -> list[Step]:
    """The reply's prompts as requests. An answer given by button replaces that question's message with the
    answer; a toggle only updates the buttons; any other press retires the pressed message's buttons, so that
    every keyboard is used once and old ones cannot be pressed by mistake."""
    renderer = conversations.renderer(reply.survey, reply.language)
    messages = [renderer.render(prompt) for prompt in reply.prompts]
    steps: list[Step] = []
    if pressed_message_id is not None and messages and not any(m.replaces_question or m.refresh for m in messages):
        steps.append(Step(None, (), pressed_message_id))
    for message in messages:
        if pressed_message_id is not None and message.refresh:
            steps.append(Step(None, _buttons(message), pressed_message_id))
        elif pressed_message_id is not None and message.replaces_question:
            steps.append(Step(message.text, (), pressed_message_id))
        elif not message.replaces_question:  # a typed answer needs no echo
            steps.append(Step(message.text[:TELEGRAM_TEXT_LIMIT], _buttons(message), recordings=message.recordings))
    return steps


class Delivery:
    """Shows replies in a chat; hands to the outbox what Telegram does not take while the update is handled."""

    def __init__(
        self,
        conversations: Conversations,
        db: async_sessionmaker[DbSession],
        reads: async_sessionmaker[DbSession] | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._conversations = conversations
        self._db = db
        self._reads = reads or db
        self._clock = clock
        self._queued_in: set[int] = set()
        """Chats this process queued replies for: until those are out, later replies queue behind them."""

    async def deliver(
        self, bot: Bot, chat_id: int, reply: Reply, owner_pseudonym: str, pressed_message_id: int | None = None
    ) -> None:
        """Show the reply in the chat. `owner_pseudonym`: the chat owner's own pseudonym in the reply's survey;
        only its contact key is kept with what is queued, so /delete finds it and nothing joins it to answers."""
        steps = steps_of(self._conversations, reply, pressed_message_id)
        if chat_id in self._queued_in and await self._still_queued(chat_id):
            await self._queue(chat_id, reply.survey.id, owner_pseudonym, steps)
            return
        for index, step in enumerate(steps):
            try:
                await _perform(bot, chat_id, step)
            except UNAVAILABLE as exc:
                log.warning("Telegram did not take a reply (%s); the outbox delivers it", type(exc).__name__)
                await self._queue(chat_id, reply.survey.id, owner_pseudonym, steps[index:])
                return

    async def _still_queued(self, chat_id: int) -> bool:
        async with self._reads() as db:
            waiting = await outbox.replies_waiting(db, PLATFORM, str(chat_id))
        if not waiting:
            self._queued_in.discard(chat_id)
        return waiting

    async def _queue(self, chat_id: int, survey_id: str, owner_pseudonym: str, steps: list[Step]) -> None:
        """Queue the steps in order, due at once, filed under the chat owner's contact key (as contacts and
        results requests are): no pseudonym beside the chat id, and /delete withdraws them with the rest."""
        token = secrets.token_hex(8)
        now = self._clock()
        contact_key = self._conversations.contact_key_for(owner_pseudonym)
        async with self._db() as db, db.begin():
            for index, step in enumerate(steps):
                await outbox.enqueue(
                    db, key=f"reply:{token}:{index:02d}", kind=outbox.REPLY, survey_id=survey_id,
                    contact_key=contact_key, platform=PLATFORM, address=str(chat_id), text=step.text,
                    buttons=step.buttons, edit_message_id=step.edit, due_at=now, now=now,
                )
        self._queued_in.add(chat_id)


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the client's spinner after a button press. Only cosmetic (Telegram stops it by itself after a few
    seconds), so a Telegram that does not take it in time costs the resident nothing, not even an apology."""
    try:
        await query.answer()
    except UNAVAILABLE as exc:
        log.info("a button press was not acknowledged (%s)", type(exc).__name__)


async def _perform(bot: Bot, chat_id: int, step: Step) -> None:
    if step.edit is None:
        assert step.text is not None
        for recording in step.recordings:
            await _play(bot, chat_id, recording)
        await bot.send_message(chat_id, step.text, reply_markup=_markup(step.buttons))
        return
    try:
        if step.text is None:
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=step.edit,
                                                reply_markup=_markup(step.buttons))
        else:
            await bot.edit_message_text(text=step.text, chat_id=chat_id, message_id=step.edit,
                                        reply_markup=_markup(step.buttons))
    except TelegramBadRequest as exc:
        # "message is not modified" or a message too old to edit: the conversation goes on regardless
        log.debug("edit skipped: %s", exc.message)


def _buttons(message: RenderedMessage) -> Buttons:
    return tuple(tuple((button.label, button.action) for button in row) for row in message.rows)


def _markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=data) for label, data in row] for row in buttons
    ])


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
