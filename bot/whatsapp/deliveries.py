"""What Meta posts to the webhook, typed. Parsed only after the signature has been checked (server.py).

A delivery holds changes; a "messages" change holds the residents' messages and the delivery statuses of
Heard's own messages. Only what the conversation needs is kept: who wrote (the WhatsApp id, i.e. the phone
number, turned into a pseudonym right after, in conversation.py), the message id (for de-duplication), and
the text or the pressed button's id. Profile names and everything else are dropped here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _TextBody(_Loose):
    body: str = ""


class _Reply(_Loose):
    id: str


class _Interactive(_Loose):
    type: str
    button_reply: _Reply | None = None
    list_reply: _Reply | None = None


class _TemplateButton(_Loose):
    payload: str | None = None
    text: str | None = None


class _Message(_Loose):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    from_: str = Field(alias="from")
    id: str
    type: str
    text: _TextBody | None = None
    interactive: _Interactive | None = None
    button: _TemplateButton | None = None


class _Error(_Loose):
    code: int


class _Status(_Loose):
    id: str
    status: str
    errors: list[_Error] = []


class _Value(_Loose):
    messages: list[_Message] = []
    statuses: list[_Status] = []


class _Change(_Loose):
    field: str
    value: _Value


class _Entry(_Loose):
    changes: list[_Change] = []


class _Delivery(_Loose):
    object: str
    entry: list[_Entry] = []


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message a resident sent. `wa_id` is their phone number: it is used to answer and to derive the
    pseudonym, and never stored or logged."""

    wa_id: str
    message_id: str
    kind: str
    """"text", "button" (a reply button or list row, or a template's quick reply), or what else it was
    ("image", "audio", "sticker", ...)."""
    text: str = ""
    button: str = ""
    """The pressed button's or row's id."""

    def __repr__(self) -> str:  # a stray log line must not carry the number or the text
        return f"Incoming(kind={self.kind!r})"


@dataclass(frozen=True, slots=True)
class Status:
    """What became of a message Heard sent: sent, delivered, read, or failed (with WhatsApp's error codes)."""

    message_id: str
    status: str
    errors: tuple[int, ...] = ()


class MalformedDelivery(Exception):
    """The body is not a WhatsApp Business delivery. The message never quotes the body."""


def parse_delivery(raw: bytes) -> tuple[list[Incoming], list[Status]]:
    try:
        delivery = _Delivery.model_validate_json(raw)
    except ValidationError:
        raise MalformedDelivery("not a WhatsApp Business delivery") from None
    if delivery.object != "whatsapp_business_account":
        raise MalformedDelivery(f"deliveries of {delivery.object!r} are not for this webhook")
    incoming: list[Incoming] = []
    statuses: list[Status] = []
    for entry in delivery.entry:
        for change in entry.changes:
            if change.field != "messages":
                continue
            incoming += [_incoming(message) for message in change.value.messages]
            statuses += [Status(s.id, s.status, tuple(e.code for e in s.errors)) for s in change.value.statuses]
    return incoming, statuses


def _incoming(message: _Message) -> Incoming:
    if message.type == "text" and message.text is not None:
        return Incoming(message.from_, message.id, "text", text=message.text.body)
    if message.type == "interactive" and message.interactive is not None:
        reply = message.interactive.button_reply or message.interactive.list_reply
        if reply is not None:
            return Incoming(message.from_, message.id, "button", button=reply.id)
    if message.type == "button" and message.button is not None:
        return Incoming(message.from_, message.id, "button", button=message.button.payload or "")
    return Incoming(message.from_, message.id, message.type)
