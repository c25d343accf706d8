"""The channel seam: what every way of reaching residents has in common, in the spirit of httpx's transports.

A channel turns platform input into engine events (each `Inbound` carries its platform and an opaque update id,
so that a redelivery is applied once) and the renderer's messages into platform output within what the
platform can show (`Capabilities`). It supplies its own links and its own way of naming commands (`Wording`):
Telegram has /commands, WhatsApp has words the resident types, a terminal interview has neither an account
nor anything to delete afterwards. Everything else (engine, store, disclosure control, outbox) is shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from surveys.conversation import Pressed
from surveys.core.engine import Event
from surveys.core.render import RenderedMessage, Wording


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can show in one message; the channel's layout keeps within it."""

    text_length: int
    """Characters of one plain text message."""
    buttons: int
    """Reply buttons one message can carry (Telegram: an inline keyboard of up to 100; WhatsApp: 3)."""
    button_title_length: int | None
    """Characters of a button's title (None: as long as the text allows)."""
    list_rows: int = 0
    """Rows of a list message (WhatsApp: 10; 0: the platform has no lists)."""
    row_title_length: int = 0
    row_description_length: int = 0
    interactive_text_length: int | None = None
    """Characters of the text above buttons or a list, where shorter than `text_length`."""
    commands: bool = False
    """The platform has a command menu (/start); otherwise commands are words the resident types."""
    edits: bool = False
    """Sent messages can be edited (an answered question is replaced by its answer, a toggle redraws)."""
    audio: bool = False
    """Residents can send voice messages that the channel could read (none does yet)."""


TELEGRAM = Capabilities(text_length=4096, buttons=100, button_title_length=None, commands=True, edits=True,
                        audio=True)
WHATSAPP = Capabilities(text_length=4096, buttons=3, button_title_length=20, list_rows=10, row_title_length=24,
                        row_description_length=72, interactive_text_length=1024, audio=True)
CONSOLE = Capabilities(text_length=100_000, buttons=99, button_title_length=None)


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a resident did, as a channel received it: the event for the engine, and the platform's id of
    the update that carried it (Telegram: a number; WhatsApp: a message id "wamid..."), opaque to the core."""

    platform: str
    update_id: int | str | None
    event: Event | Pressed


class Channel(Protocol):
    """A way of reaching residents. `send` is the whole output boundary: the renderer's message, laid out
    within `capabilities`, to the address the platform knows the resident by (never stored beside answers)."""

    platform: str
    capabilities: Capabilities
    wording: Wording

    def link(self, payload: str | None = None) -> str | None:
        """The link that opens a conversation (with a distributor's code), or None if there is none."""
        ...

    async def send(self, address: str, message: RenderedMessage) -> None: ...
