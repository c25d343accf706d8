"""What Heard posts to the Graph API's /{phone-number-id}/messages: typed payloads for the three kinds of
message a conversation needs (text, reply buttons, a list) and the approved template a message outside the
24-hour window must be."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Choice:
    """A reply button or a list row: `id` comes back in the webhook when the resident presses it."""

    id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    body: str

    def content(self) -> dict[str, Any]:
        return {"type": "text", "text": {"body": self.body, "preview_url": False}}


@dataclass(frozen=True, slots=True)
class Buttons:
    """Up to three reply buttons under a text of up to 1,024 characters."""

    body: str
    choices: tuple[Choice, ...]

    def content(self) -> dict[str, Any]:
        buttons = [{"type": "reply", "reply": {"id": c.id, "title": c.title}} for c in self.choices]
        return {"type": "interactive",
                "interactive": {"type": "button", "body": {"text": self.body}, "action": {"buttons": buttons}}}


@dataclass(frozen=True, slots=True)
class ListMessage:
    """Up to ten rows behind one button (`opener`), under a text of up to 1,024 characters."""

    body: str
    opener: str
    choices: tuple[Choice, ...]

    def content(self) -> dict[str, Any]:
        rows = []
        for choice in self.choices:
            row = {"id": choice.id, "title": choice.title}
            if choice.description:
                row["description"] = choice.description
            rows.append(row)
        return {"type": "interactive", "interactive": {
            "type": "list", "body": {"text": self.body},
            "action": {"button": self.opener, "sections": [{"rows": rows}]},
        }}


@dataclass(frozen=True, slots=True)
class Template:
    """An approved message template: the only thing WhatsApp delivers more than 24 hours after the resident's
    last message. Its text was approved by Meta in advance; `parameters` fill its {{1}}, {{2}}."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()

    def content(self) -> dict[str, Any]:
        template: dict[str, Any] = {"name": self.name, "language": {"code": self.language}}
        if self.parameters:
            template["components"] = [{"type": "body", "parameters": [
                {"type": "text", "text": value} for value in self.parameters]}]
        return {"type": "template", "template": template}


@dataclass(frozen=True, slots=True)
class Audio:
    """A recording played before a question (read aloud): the file is uploaded to the Graph API's media endpoint
    first, and the message names the uploaded media's id."""

    path: Path
    media_id: str = ""

    def content(self) -> dict[str, Any]:
        return {"type": "audio", "audio": {"id": self.media_id}}


@dataclass(frozen=True, slots=True)
class Stored:
    """A message kept in the outbox as the request content it was (a reply WhatsApp did not take in time),
    posted again as it is."""

    stored: str

    def content(self) -> dict[str, Any]:
        return dict(json.loads(self.stored))


Payload = Text | Buttons | ListMessage | Template | Audio | Stored


def stored(payload: Payload) -> str:
    """The payload's request content as text for the outbox (without the recipient: that is the row's address)."""
    return json.dumps(payload.content(), ensure_ascii=False)


def message_request(to: str, payload: Payload) -> dict[str, Any]:
    """The JSON body of one POST /{phone-number-id}/messages."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **payload.content()}
