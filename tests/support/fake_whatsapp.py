"""A fake WhatsApp Business Cloud API on 127.0.0.1, and Meta's side of the webhook, for running Heard's real
WhatsApp channel offline.

- The Graph API part takes POST /<version>/<phone-number-id>/messages with the bearer token, refuses free-form
  messages more than 24 hours after the resident last wrote (error 131047, on a clock tests move), checks every payload
  against WhatsApp's limits (3 reply buttons with titles of at most 20 characters, 10 list rows with titles of
  at most 24 and descriptions of at most 72, 1,024 characters above buttons or a list, 4,096 in a text; unique
  titles and ids) and refuses what breaks them with Graph's error 131009, as Meta does. It keeps each resident's
  chat as the phone shows it. `faults` inject errors (e.g. 131047, 130429, 500) before a request is handled.
  POST /<version>/<phone-number-id>/media takes an uploaded audio file (multipart, as Meta does) and answers its
  media id; an `audio` message must name one uploaded before (else Meta's 131053).
- `Meta` signs deliveries with the app secret (X-Hub-Signature-256) and posts them to the webhook as Meta does:
  a resident's text, a pressed reply button or list row, a delivery status; the same delivery twice; or a body
  with a wrong or missing signature. Message ids look like Meta's: "wamid." + base64 holding the sender's number.
- `WhatsAppResident` reads what the bot sent and presses the buttons and rows it actually showed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

ACCESS_TOKEN = "EAAGfakeWhatsAppAccessToken0123456789"
APP_SECRET = "fake-app-secret-0123456789abcdef"
VERIFY_TOKEN = "fake-verify-token-42"
PHONE_NUMBER_ID = "109876543210987"
BUSINESS_NUMBER = "4930123456789"
VERSION = "v21.0"
INVALID_PARAMETER = 131009
WINDOW_CLOSED = 131047
WINDOW = 24 * 3600.0

_DIRECTION_MARKS = re.compile("[\u200e\u200f\u2066-\u2069]")
_numbers = itertools.count(4915100000001)


def plain(text: str) -> str:
    return _DIRECTION_MARKS.sub("", text)


def new_number() -> str:
    """A German mobile number, as WhatsApp ids are (digits, with the country code)."""
    return str(next(_numbers))


@dataclass
class Sent:
    """A message as the resident's phone shows it."""

    request: dict[str, Any]
    message_id: str

    @property
    def kind(self) -> str:
        if self.request["type"] == "interactive":
            return self.request["interactive"]["type"]
        return str(self.request["type"])

    @property
    def text(self) -> str:
        if self.request["type"] == "text":
            return str(self.request["text"]["body"])
        if self.request["type"] == "interactive":
            return str(self.request["interactive"]["body"]["text"])
        return ""

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Reply buttons or list rows: {"id", "title", ("description")}."""
        if self.kind == "button":
            return [b["reply"] for b in self.request["interactive"]["action"]["buttons"]]
        if self.kind == "list":
            return [row for s in self.request["interactive"]["action"]["sections"] for row in s["rows"]]
        return []


def limit_problems(request: dict[str, Any]) -> list[str]:
    """What breaks WhatsApp's limits in a message request (empty: Meta would accept it)."""
    problems = []
    kind = request.get("type")
    if kind == "text":
        body = request["text"]["body"]
        if not body or len(body) > 4096:
            problems.append(f"text of {len(body)} characters")
    elif kind == "interactive":
        interactive = request["interactive"]
        body = interactive["body"]["text"]
        if not body or len(body) > 1024:
            problems.append(f"interactive body of {len(body)} characters")
        if interactive["type"] == "button":
            buttons = [b["reply"] for b in interactive["action"]["buttons"]]
            if not 1 <= len(buttons) <= 3:
                problems.append(f"{len(buttons)} buttons")
            problems += [f"button title {b['title']!r}" for b in buttons if not 1 <= len(b["title"]) <= 20]
            problems += [f"button id of {len(b['id'])}" for b in buttons if len(b["id"]) > 256]
            if len({b["title"] for b in buttons}) != len(buttons):
                problems.append("button titles repeat")
        elif interactive["type"] == "list":
            action = interactive["action"]
            if not 1 <= len(action["button"]) <= 20:
                problems.append(f"list button {action['button']!r}")
            rows = [row for s in action["sections"] for row in s["rows"]]
            if not 1 <= len(rows) <= 10:
                problems.append(f"{len(rows)} rows")
            problems += [f"row title {r['title']!r}" for r in rows if not 1 <= len(r["title"]) <= 24]
            problems += [f"row description {r['description']!r}" for r in rows if len(r.get("description", "")) > 72]
            problems += [f"row id of {len(r['id'])}" for r in rows if len(r["id"]) > 200]
            if len({r["id"] for r in rows}) != len(rows):
                problems.append("row ids repeat")
        else:
            problems.append(f"interactive type {interactive['type']!r}")
    elif kind == "audio":
        if not request["audio"].get("id"):
            problems.append("audio without a media id")
    elif kind != "template":
        problems.append(f"message type {kind!r}")
    return problems


class FakeGraph:
    def __init__(self) -> None:
        self.chats: dict[str, list[Sent]] = {}
        self.requests: list[dict[str, Any]] = []
        self.refused: list[tuple[dict[str, Any], list[str]]] = []
        self.faults: list[Callable[[dict[str, Any]], web.Response | None]] = []
        self.processed: set[str] = set()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._ids = itertools.count(1)
        self.base_url = ""
        self.clock: Callable[[], float] = time.time
        """Meta's clock for the 24-hour window; tests move it."""
        self.media: dict[str, tuple[str, bytes]] = {}
        """media id -> (its type, the uploaded file's content)."""
        self.last_inbound: dict[str, float] = {}
        """number -> when the resident last wrote: free-form messages only within 24 hours of it."""

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/{VERSION}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(f"/{VERSION}/{{phone}}/messages", self._messages)
        app.router.add_post(f"/{VERSION}/{{phone}}/media", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _upload(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return _error(401, 190, "Invalid OAuth access token.")
        form = await request.post()
        upload = form.get("file")
        if form.get("messaging_product") != "whatsapp" or not isinstance(upload, web.FileField):
            return _error(400, 100, "Param file must be a file with one of the following types: audio/aac, ...")
        kind = str(form.get("type", ""))
        if not kind.startswith("audio/"):
            return _error(400, 131053, "Media upload error: unsupported type")
        media_id = f"media{next(self._ids)}"
        self.media[media_id] = (kind, upload.file.read())
        return web.json_response({"id": media_id})

    async def _messages(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return _error(401, 190, "Invalid OAuth access token.")
        if request.match_info["phone"] != PHONE_NUMBER_ID:
            return _error(400, 100, "Unsupported post request.")
        body = await request.json()
        self.requests.append(body)
        for fault in self.faults:
            if (injected := fault(body)) is not None:
                return injected
        if body.get("type") != "template" and self.clock() - self.last_inbound.get(body["to"], -WINDOW) >= WINDOW:
            return _error(400, WINDOW_CLOSED, "(#131047) Re-engagement message: more than 24 hours have passed "
                                              "since the recipient last replied")
        if body.get("type") == "audio" and body["audio"].get("id") not in self.media:
            return _error(400, 131053, "Media upload error: no such media")
        problems = limit_problems(body)
        if problems:
            self.refused.append((body, problems))
            return _error(400, INVALID_PARAMETER, "(#131009) Parameter value is not valid: " + "; ".join(problems))
        message_id = f"wamid.out{next(self._ids)}"
        async with self._changed:
            self.chats.setdefault(body["to"], []).append(Sent(body, message_id))
            self._changed.notify_all()
        return web.json_response({"messaging_product": "whatsapp",
                                  "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                  "messages": [{"id": message_id}]})

    def mark_processed(self, message_id: str) -> None:
        """Called by the webhook (its `on_processed`) when it has finished with a resident's message."""
        self.processed.add(message_id)

    async def until_processed(self, message_id: str, timeout: float = 120.0) -> None:
        """An event, not a deadline: a loaded machine makes this slower, never wrong (the timeout only ends a
        test whose bot has hung)."""
        deadline = time.monotonic() + timeout
        while message_id not in self.processed:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the webhook did not finish with {message_id}")
            await asyncio.sleep(0.005)


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": "OAuthException", "code": code,
                                        "fbtrace_id": secrets.token_hex(8)}}, status=status)


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def message_id_for(number: str) -> str:
    """Like Meta's: the sender's number in base64 inside the id, with a random tail."""
    inner = b"\x18\x0d" + number.encode() + b"\x15\x02\x00\x12\x18\x14" + secrets.token_hex(10).encode()
    return "wamid." + base64.b64encode(inner).decode()


def delivery(number: str, message: dict[str, Any], name: str = "Amira") -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": BUSINESS_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
                  "contacts": [{"profile": {"name": name}, "wa_id": number}],
                  "messages": [{"from": number, "timestamp": str(int(time.time())), **message}]},
    }]}]}


def status_delivery(number: str, message_id: str, status: str, error: int | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": message_id, "status": status, "timestamp": str(int(time.time())),
                             "recipient_id": number}
    if error is not None:
        entry["errors"] = [{"code": error, "title": "Message failed to send"}]
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": BUSINESS_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
                  "statuses": [entry]},
    }]}]}


@dataclass
class Meta:
    """Meta's side of the webhook: posts signed deliveries to Heard."""

    webhook_url: str
    app_secret: str = APP_SECRET
    statuses: list[int] = field(default_factory=list)

    async def post(self, body: bytes, signature_header: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if signature_header is not None:
            headers["X-Hub-Signature-256"] = signature_header
        async with aiohttp.ClientSession() as session, session.post(self.webhook_url, data=body,
                                                                    headers=headers) as response:
            await response.read()
            self.statuses.append(response.status)
            return response.status

    async def deliver(self, payload: dict[str, Any], *, copies: int = 1) -> int:
        body = json.dumps(payload).encode()
        results = await asyncio.gather(*(self.post(body, signature(body, self.app_secret)) for _ in range(copies)))
        return results[0]


class WhatsAppResident:
    """A resident on WhatsApp: sends texts, presses the buttons and list rows the bot actually sent."""

    def __init__(self, graph: FakeGraph, meta: Meta, number: str | None = None, name: str = "Amira") -> None:
        self.graph = graph
        self.meta = meta
        self.number = number or new_number()
        self.name = name
        self.sent_ids: list[str] = []

    @property
    def chat(self) -> list[Sent]:
        return self.graph.chats.get(self.number, [])

    @property
    def last(self) -> Sent:
        return self.chat[-1]

    def texts(self, since: int = 0) -> str:
        return "\n".join(plain(m.text) for m in self.chat[since:])

    def last_with_choices(self) -> Sent:
        return next(m for m in reversed(self.chat) if m.choices)

    async def _send(self, message: dict[str, Any], copies: int = 1) -> str:
        self.graph.last_inbound[self.number] = self.graph.clock()
        message_id = message_id_for(self.number)
        self.sent_ids.append(message_id)
        status = await self.meta.deliver(delivery(self.number, {"id": message_id, **message}, self.name),
                                         copies=copies)
        assert status == 200, f"the webhook answered {status}"
        await self.graph.until_processed(message_id)
        return message_id

    async def send(self, text: str, copies: int = 1) -> str:
        return await self._send({"type": "text", "text": {"body": text}}, copies)

    def choice(self, label: str, message: Sent | None = None) -> dict[str, Any]:
        """The button or row whose title (or, for a shortened title, description) reads `label`; a title
        starting with a number ("3. Label") matches the label after it."""
        message = message or self.last_with_choices()
        for choice in message.choices:
            for shown in (choice["title"], choice.get("description") or ""):
                text = re.sub(r"^\d+\. ", "", plain(shown)).removeprefix("✅ ").removeprefix("▫️ ")
                if text == label or text.endswith(" " + label) or text.startswith(label + " "):
                    return choice
        for choice in message.choices:  # a title shortened to fit: the text above shows the label whole
            stem = re.sub(r"^\d+\. ", "", plain(choice["title"]))
            if stem.endswith("…") and label.startswith(stem[:-1].rstrip()) and label in plain(message.text):
                return choice
        raise AssertionError(f"no button or row {label!r} in {[plain(c['title']) for c in message.choices]}")

    async def tap(self, label: str, message: Sent | None = None, copies: int = 1) -> str:
        message = message or self.last_with_choices()
        choice = self.choice(label, message)
        reply_kind = "button_reply" if message.kind == "button" else "list_reply"
        reply = {"id": choice["id"], "title": choice["title"]}
        return await self._send({"type": "interactive", "interactive": {"type": reply_kind, reply_kind: reply}},
                                copies)

    def number_of(self, label: str, message: Sent | None = None) -> int:
        """The number a numbered list shows before `label`."""
        message = message or self.last
        for line in plain(message.text).splitlines():
            found = re.match(r"^(\d+)\. (.*)$", line.strip())
            if found and re.sub(r"^(✅|▫️) ", "", found.group(2)) == label:
                return int(found.group(1))
        raise AssertionError(f"no numbered option {label!r} in {plain(message.text)!r}")
