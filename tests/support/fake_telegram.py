"""A fake Telegram Bot API server on 127.0.0.1, for running the real aiogram bot offline.

It speaks the subset of the Bot API Heard uses (getMe, deleteWebhook, setMyCommands, getUpdates with
offset/timeout long polling, sendMessage, sendDocument, sendVoice, sendAudio, editMessageText,
editMessageReplyMarkup, answerCallbackQuery),
accepts form-encoded or multipart parameters with JSON-string reply_markup as aiogram sends them, and keeps
each chat's messages as a Telegram client would show them. Simulated users put updates in its queue.

Webhooks: after setWebhook (url, secret_token) updates are no longer handed out by getUpdates (409, as Telegram
does) but POSTed as JSON to the webhook with the X-Telegram-Bot-Api-Secret-Token header, retried while the
worker answers with an error, at most `max_connections` (setWebhook's, default 40) at a time, first come
first served, as Telegram does. Tests standing in for a load balancer set `webhook_targets` (the workers' URLs;
each update goes to the next one in turn) and `duplicate_deliveries` (every update is delivered to two workers
at once, as a redelivery racing the first delivery would be).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

BOT_ID = 777000111
BOT_USERNAME = "heard_test_bot"
TOKEN = f"{BOT_ID}:AAtestTOKENfortheFakeServer_0123456789"


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class ChatMessage:
    """A message as the user's client shows it (after any edits)."""

    message_id: int
    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None = None
    edits: int = 0
    document: dict[str, Any] | None = None
    """For sendDocument: {"filename", "content"}; for sendVoice and sendAudio also {"kind": "voice"|"audio"}."""

    @property
    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        return [button for row in self.reply_markup.get("inline_keyboard", []) for button in row]

    @property
    def button_rows(self) -> list[list[dict[str, Any]]]:
        return self.reply_markup.get("inline_keyboard", []) if self.reply_markup else []

    def as_json(self, bot: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private"},
            "from": bot,
            "text": self.text,
        }
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    delivered: bool = True
    """False when a fault was injected instead of handling the call."""


class FakeTelegram:
    def __init__(self) -> None:
        self.bot = {"id": BOT_ID, "is_bot": True, "first_name": "Heard Test", "username": BOT_USERNAME}
        self.updates: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        self.chats: dict[int, list[ChatMessage]] = {}
        self.activity: dict[int, int] = {}
        self.answered_callbacks: set[str] = set()
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.sent: dict[int, dict[str, Any]] = {}
        self._update_ids = itertools.count(1000)
        self.handled: set[int] = set()
        self.tracks_handling = False
        """True while an in-process bot reports each update it has finished (see until_handled)."""
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        self._offset = 0
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.blocked: set[int] = set()
        """Chats whose user blocked the bot: sendMessage answers 403."""
        self.faults: list = []  # type: ignore[type-arg]
        """Callables (method, params) -> web.Response | None, asked before each call: inject 429s, 5xx."""
        self.async_faults: list = []  # type: ignore[type-arg]
        """Async callables (request, method) -> response | None, for faults that take time or drop the line."""
        self.hold_after: int | None = None
        """Once this many sendMessage calls arrived (counting all so far), later ones are recorded but never
        answered: the sender dies waiting."""
        self.holding = asyncio.Event()
        self._stopping = asyncio.Event()
        """Set on stop: held requests end, so the server's shutdown does not wait a minute for them."""
        self._chat_events: dict[int, asyncio.Event] = {}
        self.webhook: dict[str, Any] | None = None
        self.webhook_targets: list[str] = []
        self.duplicate_deliveries = False
        self.deliveries: list[tuple[int, str, int]] = []
        """(update_id, target URL, HTTP status) of every webhook delivery attempt."""
        self._turn = itertools.count()
        self._confirmed: dict[int, int] = {}
        self._client: aiohttp.ClientSession | None = None
        self._delivering: set[asyncio.Task[None]] = set()
        self._webhook_slots = asyncio.Semaphore(40)
        """Telegram's max_connections: how many webhook requests are under way at once (a fair queue)."""
        self._changed = asyncio.Event()
        """Set (and replaced) whenever anything observable changes: waiters wake on it instead of polling, so
        a hundred simulated residents cost no CPU while they wait."""

    # ------------------------------------------------------------------------------------------ server

    async def start(self) -> None:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self._stopping.set()
        for task in list(self._delivering):
            task.cancel()
        if self._client is not None:
            await self._client.close()
        async with self._new_update:
            self._new_update.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        self._notify()
        try:
            return await self._answer(request, method, params, call)
        finally:
            self._notify()

    async def _answer(self, request: web.Request, method: str, params: dict[str, Any], call: Call) -> web.Response:
        for async_fault in self.async_faults:
            if (injected := await async_fault(request, method)) is not None:
                call.delivered = False
                return injected
        for fault in self.faults:
            if (injected := fault(method, params)) is not None:
                call.delivered = False
                return injected
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if not isinstance(value, str):  # an uploaded file
                params[key] = {"filename": value.filename, "content": value.file.read()}  # type: ignore[union-attr]
                continue
            text = value
            if key in ("reply_markup", "allowed_updates", "commands", "scope"):
                params[key] = json.loads(text)
            else:
                params[key] = text
        return params

    def _touch(self, chat_id: int) -> None:
        self.activity[chat_id] = self.activity.get(chat_id, 0) + 1
        if (event := self._chat_events.get(chat_id)) is not None:
            event.set()

    async def activity_after(self, chat_id: int, since: int, timeout: float = 30.0) -> None:
        """Wait (without polling) until the bot did something in the chat after `since`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.activity.get(chat_id, 0) <= since:
            event = self._chat_events.setdefault(chat_id, asyncio.Event())
            event.clear()
            if self.activity.get(chat_id, 0) > since:
                break
            await asyncio.wait_for(event.wait(), max(deadline - loop.time(), 0.001))

    @staticmethod
    def _error(description: str, code: int = 400) -> web.Response:
        return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)

    # --------------------------------------------------------------------------------------- Bot API

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool | web.Response:
        url = params.get("url", "")
        if not url:
            self.webhook = None
            return True
        secret = params.get("secret_token")
        if secret is not None and not (1 <= len(secret) <= 256):
            return self._error("Bad Request: secret token is invalid")
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": params.get("allowed_updates")}
        self._webhook_slots = asyncio.Semaphore(min(max(int(params.get("max_connections", 40)), 1), 100))
        for update in self._pending():  # what waited for getUpdates now goes to the webhook
            self._deliver_soon(update)
        self.updates = []
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook["url"] if self.webhook else "", "has_custom_certificate": False,
                "pending_update_count": 0}

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands[params.get("language_code")] = params["commands"]
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]] | web.Response:
        if self.webhook is not None:
            return self._error("Conflict: can't use getUpdates method while webhook is active", 409)
        offset = int(params.get("offset", 0) or 0)
        timeout = min(float(params.get("timeout", 0) or 0), 2.0)
        limit = int(params.get("limit", 100) or 100)
        if offset:
            self._offset = max(self._offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self._notify()
        deadline = time.monotonic() + timeout
        async with self._new_update:
            while not self._pending() and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
        return self._pending()[:limit]

    def _pending(self) -> list[dict[str, Any]]:
        return [u for u in self.updates if u["update_id"] >= self._offset]

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        chat_id = int(params["chat_id"])
        text = params.get("text", "")
        if not text:
            return self._error("Bad Request: message text is empty")
        if len(text) > 4096:
            return self._error("Bad Request: message is too long")
        if chat_id in self.blocked:
            self.calls[-1].delivered = False
            return self._error("Forbidden: bot was blocked by the user", 403)
        message = ChatMessage(next(self._message_ids), chat_id, text, params.get("reply_markup"))
        self.chats.setdefault(chat_id, []).append(message)
        self._touch(chat_id)
        if self.hold_after is not None and sum(c.method == "sendMessage" for c in self.calls) >= self.hold_after:
            self.holding.set()
            await self._stopping.wait()  # the answer never comes: the sender dies waiting for it
        return message.as_json(self.bot)

    def sends(self) -> list[Call]:
        """sendMessage calls that reached a chat, in order of arrival."""
        return [c for c in self.calls if c.method == "sendMessage" and c.delivered]

    def _find(self, params: dict[str, Any]) -> ChatMessage | None:
        chat_id = int(params["chat_id"])
        message_id = int(params["message_id"])
        return next((m for m in self.chats.get(chat_id, []) if m.message_id == message_id), None)

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        message = self._find(params)
        if message is None:
            return self._error("Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if message.text == params["text"] and message.reply_markup == markup:
            return self._error("Bad Request: message is not modified")
        message.text = params["text"]
        message.reply_markup = markup
        message.edits += 1
        self._touch(message.chat_id)
        return message.as_json(self.bot)

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        message = self._find(params)
        if message is None:
            return self._error("Bad Request: message to edit not found")
        if message.reply_markup == params.get("reply_markup"):
            return self._error("Bad Request: message is not modified")
        message.reply_markup = params.get("reply_markup")
        message.edits += 1
        self._touch(message.chat_id)
        return message.as_json(self.bot)

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        chat_id = int(params["chat_id"])
        document = params.get("document")
        if isinstance(document, str) and document.startswith("attach://"):  # aiogram names the file part
            document = params.get(document.removeprefix("attach://"))
        if not isinstance(document, dict) or not document["content"]:
            return self._error("Bad Request: there is no document in the request")
        message = ChatMessage(next(self._message_ids), chat_id, params.get("caption", ""))
        message.document = document
        self.chats.setdefault(chat_id, []).append(message)
        self._touch(chat_id)
        return message.as_json(self.bot)

    async def _api_sendVoice(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        return self._media_message(params, "voice")

    async def _api_sendAudio(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        return self._media_message(params, "audio")

    def _media_message(self, params: dict[str, Any], kind: str) -> dict[str, Any] | web.Response:
        """sendVoice/sendAudio with an uploaded file: kept as the message's `document` with its `kind`."""
        chat_id = int(params["chat_id"])
        upload = params.get(kind)
        if isinstance(upload, str) and upload.startswith("attach://"):
            upload = params.get(upload.removeprefix("attach://"))
        if not isinstance(upload, dict) or not upload["content"]:
            return self._error(f"Bad Request: there is no {kind} in the request")
        message = ChatMessage(next(self._message_ids), chat_id, params.get("caption", ""))
        message.document = {**upload, "kind": kind}
        self.chats.setdefault(chat_id, []).append(message)
        self._touch(chat_id)
        return message.as_json(self.bot)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        self.answered_callbacks.add(str(params["callback_query_id"]))
        return True

    # ---------------------------------------------------------------------------------- user actions

    def number_updates_from(self, first: int) -> None:
        """Later updates get ids from `first` on (Telegram's ids only grow; any size is valid JSON)."""
        self._update_ids = itertools.count(first)

    async def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **update}
        self.sent[update_id] = update  # before the bot can take it (a fast bot confirms it at once)
        if self.webhook is not None:
            self._deliver_soon(update)
            return update_id
        self.updates.append(update)
        async with self._new_update:
            self._new_update.notify_all()
        return update_id

    # ------------------------------------------------------------------------------------------ webhook

    def _deliver_soon(self, update: dict[str, Any]) -> None:
        assert self.webhook is not None
        targets = self.webhook_targets or [self.webhook["url"]]
        first = next(self._turn) % len(targets)
        chosen = [targets[first]]
        if self.duplicate_deliveries and len(targets) > 1:
            chosen.append(targets[(first + 1) % len(targets)])
        elif self.duplicate_deliveries:
            chosen.append(targets[first])
        for target in chosen:
            task = asyncio.create_task(self.post_update(update, target))
            self._delivering.add(task)
            task.add_done_callback(self._delivering.discard)
            task.add_done_callback(lambda _: self._notify())

    async def post_update(
        self, update: dict[str, Any], target: str | None = None, *, secret: str | None = None, attempts: int = 20
    ) -> int:
        """POST one update to a webhook as Telegram does, retrying (like Telegram) while the answer is an
        error; returns the last HTTP status. `secret` overrides the registered secret token."""
        assert self.webhook is not None or target is not None, "no webhook set"
        url = target or self.webhook["url"]  # type: ignore[index]
        token = secret if secret is not None else (self.webhook or {}).get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token is not None else {}
        if self._client is None:
            # no connector limit: aiohttp's lets newcomers overtake waiters, which Telegram's queue does not
            self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120),
                                                 connector=aiohttp.TCPConnector(limit=0))
        status = 0
        for attempt in range(attempts):
            try:
                async with self._webhook_slots, self._client.post(url, json=update, headers=headers) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError:
                status = 0
            self.deliveries.append((update["update_id"], url, status))
            if status == 200:
                self._confirmed[update["update_id"]] = self._confirmed.get(update["update_id"], 0) + 1
            if status == 200 or status in (401, 403):
                return status
            await asyncio.sleep(0.05 * (attempt + 1))
        return status

    def delivered(self, update_id: int) -> int:
        """How many webhook deliveries of the update a worker confirmed (HTTP 200)."""
        return self._confirmed.get(update_id, 0)

    async def wait_for_deliveries(self, timeout: float = 60.0) -> None:
        await self.wait_until(lambda: not self._delivering, timeout)

    def _message(self, user: User, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.as_json(),
            **content,
        }

    async def send_text(self, user: User, text: str) -> int:
        entities = []
        if text.startswith("/"):
            command = text.split()[0]
            entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return await self._record(await self.push({"message": self._message(user, **content)}))

    async def send_content(self, user: User, **content: Any) -> int:
        """Anything else a client can send: sticker=..., photo=[...], voice=..., location=..."""
        return await self._record(await self.push({"message": self._message(user, **content)}))

    async def press(self, user: User, message: ChatMessage, callback_data: str) -> tuple[int, str]:
        callback_id = str(next(self._callback_ids))
        update_id = await self.push(
            {
                "callback_query": {
                    "id": callback_id,
                    "from": user.as_json(),
                    "chat_instance": str(user.id),
                    "message": message.as_json(self.bot),
                    "data": callback_data,
                }
            }
        )
        await self._record(update_id)
        return update_id, callback_id

    async def _record(self, update_id: int) -> int:
        assert update_id in self.sent, "push records every update"
        return update_id

    async def deliver_again(self, update_id: int) -> None:
        """Telegram delivers an update a second time (e.g. after the bot crashed before confirming it)."""
        if self.webhook is not None:
            self._deliver_soon(self.sent[update_id])
            return
        self.updates.append(self.sent[update_id])
        self._offset = min(self._offset, update_id)
        async with self._new_update:
            self._new_update.notify_all()

    # ------------------------------------------------------------------------------------- observing

    def messages(self, chat_id: int) -> list[ChatMessage]:
        return self.chats.get(chat_id, [])

    def consumed(self, update_id: int) -> bool:
        """The bot confirmed the update (asked for a later offset)."""
        return self._offset > update_id

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        """Wake on every change of the fake's state (and at least every 0.2 s, for conditions that look
        elsewhere) until `condition()` holds; `timeout` only guards against a hang."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the bot did not react in time")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, 0.2))

    def mark_handled(self, update_id: int) -> None:
        """Called by an in-process bot (tests/conftest.py's RunningBot) when it has finished with an update."""
        self.handled.add(update_id)
        self._notify()

    async def until_handled(self, update_id: int, chat_id: int, since: int, timeout: float = 120.0) -> None:
        """Wait until the bot has finished handling `update_id`: an event, so a loaded machine only makes it
        slower, never wrong. A bot in another process cannot say so; then wait until the chat settles."""
        if self.tracks_handling:
            await self.wait_until(lambda: update_id in self.handled, timeout)
        else:
            await self.settle(chat_id, since)

    async def settle(self, chat_id: int, since: int, quiet: float = 0.08, timeout: float = 10.0) -> None:
        """Wait until the bot has done something in the chat since `since` and then stayed quiet a moment."""
        await self.wait_until(lambda: self.activity.get(chat_id, 0) > since, timeout)
        last = self.activity.get(chat_id, 0)
        while True:
            await asyncio.sleep(quiet)
            now = self.activity.get(chat_id, 0)
            if now == last:
                return
            last = now
