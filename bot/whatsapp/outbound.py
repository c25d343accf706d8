"""WhatsApp as the outbox's channel: send one queued message (a reminder, the results, a reply that could not
go out at once) and say how it went, in the sender's terms.

The 24-hour rule: WhatsApp delivers free-form messages only within 24 hours of the resident's last message; after
that only a message template Meta approved in advance. Where the outbox row knows when the resident last wrote
(surveys.outreach.reply_window) and that is 24 hours ago or more, Heard goes straight to the template; otherwise it
tries the message as it is and, when Meta answers that the window has closed (131047), sends the template
configured for its kind and language (heard.toml [whatsapp.templates]) with the message on one line as its
parameter; without one the message is not sent, and the reason says so in `heard-admin results status`. Other
answers: 131026 (not a WhatsApp number, or it cannot receive this) -> unreachable; 131056 (too many messages to
this resident) -> later; 130429 and other rate limits -> the sender waits; 5xx, time-outs and network trouble ->
later. Reasons never carry the number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from bot.whatsapp.graph import PAIR_RATE, RATE_LIMITS, UNDELIVERABLE, WINDOW_CLOSED, GraphClient, GraphError
from bot.whatsapp.layout import pieces, plain, shortened
from bot.whatsapp.payloads import Buttons, Choice, Payload, Stored, Template, Text
from surveys.config import WhatsAppTemplates
from surveys.outreach import outbox, reply_window
from surveys.outreach.outbox import Outgoing
from surveys.outreach.sending import Outcome, Refused, RetryAfter, Send, Sent, Transient, Unreachable

#: After a throughput limit the number's messages wait this long.
THROUGHPUT_PAUSE = 5.0
TEMPLATE_PARAMETER_LIMIT = 1024


def whatsapp_send(graph: GraphClient, templates: WhatsAppTemplates,
                  clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> Send:
    async def send(message: Outgoing) -> Outcome:
        if message.kind != outbox.REPLY and reply_window.closed(message.last_inbound_at, clock()):
            return await _as_template(graph, templates, message)  # known closed: no free-form try first
        try:
            for payload in free_form(message):
                await graph.post(message.address, payload)
        except GraphError as error:
            if error.code == WINDOW_CLOSED:
                return await _as_template(graph, templates, message)
            return outcome_of(error)
        return Sent()

    return send


def free_form(message: Outgoing) -> list[Payload]:
    """The message as Heard would send it within the window: its text, with its buttons (a reminder's
    "Continue") as reply buttons."""
    if message.text is None:
        return []  # an edit of buttons alone: WhatsApp cannot edit, and the question was sent whole before
    if message.kind == outbox.REPLY:
        return [Stored(message.text)]  # a reply WhatsApp did not take in time, kept as the request it was
    buttons = [button for row in message.buttons for button in row]
    if buttons and len(buttons) <= 3:
        choices = tuple(Choice(data, shortened(label, 20)) for label, data in buttons)
        *lead, body = pieces(message.text, 1024)
        return [*(Text(piece) for piece in lead), Buttons(body, choices)]
    return [Text(piece) for piece in pieces(message.text, 4096)]


def template_for(templates: WhatsAppTemplates, message: Outgoing, language: str | None) -> Template | None:
    named = {outbox.REMINDER: templates.reminder, outbox.RESULTS: templates.results}.get(message.kind, {})
    if not language or message.text is None:
        return None
    name = named.get(language) or named.get(language.split("_")[0])
    if name is None:
        return None
    one_line = re.sub(r"\s+", " ", plain(message.text)).strip()
    return Template(name, language, (shortened(one_line, TEMPLATE_PARAMETER_LIMIT),))


async def _as_template(graph: GraphClient, templates: WhatsAppTemplates, message: Outgoing) -> Outcome:
    template = template_for(templates, message, message.language)
    if template is None:
        return Refused(f"more than 24 hours since the resident last wrote, and no WhatsApp template for "
                       f"{message.kind} in {message.language or 'this language'}")
    try:
        await graph.post(message.address, template)
    except GraphError as error:
        return outcome_of(error)
    return Sent()


def outcome_of(error: GraphError) -> Outcome:
    if error.code == UNDELIVERABLE:
        return Unreachable("not a WhatsApp number, or it cannot receive this message (131026)")
    if error.code == PAIR_RATE:
        return Transient("too many messages to this resident in a short time (131056)")
    if error.code in RATE_LIMITS:
        return RetryAfter(THROUGHPUT_PAUSE)
    if error.status == 0:
        return Transient("WhatsApp did not answer in time, or could not be reached")
    if error.status >= 500:
        return Transient("WhatsApp answered with a server error (5xx)")
    if error.code == WINDOW_CLOSED:
        return Refused("more than 24 hours since the resident last wrote (131047)")
    return Refused(f"WhatsApp refused the message (error {error.code})")
