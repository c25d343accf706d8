"""Simulated residents: they read what the bot sent and press the buttons it actually showed."""

from __future__ import annotations

import itertools
import re

from tests.support.fake_telegram import ChatMessage, FakeTelegram, User

_BIDI_AND_MARKS = re.compile("[\u200e\u200f\u2066-\u2069]")
_ids = itertools.count(5_550_001)


def plain(text: str) -> str:
    """Text without bidi controls, as a reader perceives it."""
    return _BIDI_AND_MARKS.sub("", text)


def new_user(language_code: str | None = "de", name: str = "Amira") -> User:
    user_id = next(_ids)
    return User(id=user_id, first_name=f"{name}{user_id % 1000}", username=f"{name.lower()}_{user_id}",
                language_code=language_code)


class Resident:
    def __init__(self, telegram: FakeTelegram, user: User | None = None, *, patient: bool = False) -> None:
        self.telegram = telegram
        self.user = user or new_user()
        self.patient = patient
        """Waits (up to a minute) for the bot's answer to each action: for tests where Telegram misbehaves."""

    @property
    def chat(self) -> list[ChatMessage]:
        return self.telegram.messages(self.user.id)

    @property
    def last(self) -> ChatMessage:
        return self.chat[-1]

    def last_with_buttons(self) -> ChatMessage:
        return next(m for m in reversed(self.chat) if m.buttons)

    async def send(self, text: str) -> None:
        since = self.telegram.activity.get(self.user.id, 0)
        newest = self.chat[-1].message_id if self.chat else 0
        update_id = await self.telegram.send_text(self.user, text)
        if self.patient:
            await self.telegram.wait_until(lambda: bool(self.chat) and self.chat[-1].message_id > newest, 60)
            return
        await self.telegram.until_handled(update_id, self.user.id, since)

    async def send_content(self, **content: object) -> None:
        since = self.telegram.activity.get(self.user.id, 0)
        update_id = await self.telegram.send_content(self.user, **content)
        await self.telegram.until_handled(update_id, self.user.id, since)

    def button(self, label: str, message: ChatMessage | None = None) -> dict:
        message = message or self.last_with_buttons()
        for button in message.buttons:
            text = plain(button["text"])
            if text == label or text.endswith(" " + label) or text.startswith(label + " "):
                return button
        shown = [plain(b["text"]) for b in message.buttons]
        raise AssertionError(f"no button {label!r} in {shown}")

    async def tap(self, label: str, message: ChatMessage | None = None) -> None:
        message = message or self.last_with_buttons()
        await self.press(message, self.button(label, message)["callback_data"])

    async def press(self, message: ChatMessage, data: str) -> None:
        since = self.telegram.activity.get(self.user.id, 0)
        edits = message.edits
        update_id, callback_id = await self.telegram.press(self.user, message, data)
        if self.patient:  # a newer message, or this one refreshed with buttons (a toggle)
            await self.telegram.wait_until(lambda: self.chat[-1].message_id > message.message_id or (
                message.edits > edits and bool(message.buttons)), 60)
            return
        if self.telegram.tracks_handling:
            await self.telegram.until_handled(update_id, self.user.id, since)
            return
        await self.telegram.wait_until(lambda: callback_id in self.telegram.answered_callbacks)
        await self.telegram.settle(self.user.id, since, timeout=2) if self.telegram.activity.get(
            self.user.id, 0
        ) > since else None
