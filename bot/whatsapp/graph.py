"""The Graph API client: POST /{phone-number-id}/messages with the access token.

Why aiohttp and not a WhatsApp library: Heard needs three kinds of message and one endpoint; pywa, the
maintained async client, brings httpx and a webhook framework built for FastAPI/Flask/Starlette beside the
aiohttp server Heard already runs, and its own handler and filter layer, which our channel seam replaces.

Errors carry WhatsApp's code only: its message text can quote the recipient's number, so it is never logged.
Replies are retried through server errors, time-outs and throughput limits (130429), a few times, briefly.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.whatsapp.payloads import Payload, message_request
from surveys.config import WhatsApp

log = logging.getLogger(__name__)

WINDOW_CLOSED = 131047
"""More than 24 hours since the resident's last message: only a template may go out."""
UNDELIVERABLE = 131026
"""Not a WhatsApp number, or the resident cannot receive this message."""
PAIR_RATE = 131056
"""Too many messages to the same resident in a short time."""
THROUGHPUT = 130429
"""The number's messages per second are exceeded."""
RATE_LIMITS = frozenset({PAIR_RATE, THROUGHPUT, 4, 80007})

REPLY_ATTEMPTS = 4
#: What WhatsApp plays as audio (OGG only with the Opus codec, which is what voice recordings are).
AUDIO_TYPES = {".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg", ".mp3": "audio/mpeg",
               ".m4a": "audio/mp4", ".mp4": "audio/mp4", ".aac": "audio/aac", ".amr": "audio/amr"}


def audio_type(path: Path) -> str:
    return AUDIO_TYPES.get(path.suffix.lower(), "audio/mpeg")


@dataclass(frozen=True)
class GraphError(Exception):
    """A request the Graph API refused or that did not arrive. `code` is WhatsApp's error code (0: none, e.g. a
    time-out); `status` the HTTP status (0: no answer)."""

    status: int
    code: int = 0

    def __str__(self) -> str:
        return f"Graph API error {self.code} (HTTP {self.status})"

    @property
    def transient(self) -> bool:
        """Worth trying again later: no answer, a server error, or a rate limit."""
        return self.status == 0 or self.status >= 500 or self.code in RATE_LIMITS


class GraphClient:
    def __init__(self, settings: WhatsApp) -> None:
        assert settings.token and settings.phone_number_id, "checked by the caller"
        self._url = f"{settings.api_base.rstrip('/')}/{settings.phone_number_id}/messages"
        self._media_url = f"{settings.api_base.rstrip('/')}/{settings.phone_number_id}/media"
        self._uploaded: dict[tuple[str, int, int], str] = {}
        """(file, its modification time and size) -> the media id it was uploaded as (Meta keeps media 30 days;
        a process runs shorter, and a changed file is uploaded again)."""
        self._headers = {"Authorization": f"Bearer {settings.token}"}
        self._timeout = aiohttp.ClientTimeout(total=settings.request_timeout)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def upload(self, path: Path) -> str:
        """Upload an audio file to /{phone-number-id}/media, once per version of the file; its media id, or
        GraphError. OSError if the file cannot be read."""
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if (known := self._uploaded.get(key)) is not None:
            return known
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        content_type = audio_type(path)
        form.add_field("type", content_type)
        form.add_field("file", path.read_bytes(), filename=path.name, content_type=content_type)
        data, status = await self._request(self._media_url, form)
        self._raise_for(data, status)
        media_id = str(data.get("id", ""))
        self._uploaded[key] = media_id
        return media_id

    async def _request(self, url: str, body: aiohttp.FormData | dict[str, Any]) -> tuple[dict[str, Any], int]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        options: dict[str, Any] = {"data": body} if isinstance(body, aiohttp.FormData) else {"json": body}
        try:
            async with self._session.post(url, headers=self._headers, **options) as response:
                data = await response.json(content_type=None)
                return (data if isinstance(data, dict) else {}), response.status
        except (TimeoutError, aiohttp.ClientError, ValueError):
            raise GraphError(0) from None

    @staticmethod
    def _raise_for(data: dict[str, Any], status: int) -> None:
        if status >= 400 or "error" in data:
            error = data.get("error")
            code = error.get("code", 0) if isinstance(error, dict) else 0
            raise GraphError(status, int(code) if isinstance(code, int) else 0)

    async def post(self, to: str, payload: Payload) -> str:
        """Send once; the new message's id, or GraphError."""
        data, status = await self._request(self._url, message_request(to, payload))
        self._raise_for(data, status)
        messages = data.get("messages") or [{}]
        return str(messages[0].get("id", ""))

    async def reply(self, to: str, payload: Payload) -> str | None:
        """Send a reply within the conversation, retrying transient failures briefly. None if WhatsApp refused
        it for good (logged by code, without the recipient); GraphError if WhatsApp still cannot take it after
        the retries (the caller hands it to the outbox)."""
        for attempt in range(REPLY_ATTEMPTS):
            try:
                return await self.post(to, payload)
            except GraphError as error:
                if not error.transient:
                    log.warning("a reply was not sent: %s", error)
                    return None
                if attempt == REPLY_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.5 * 2 ** attempt)
        return None
