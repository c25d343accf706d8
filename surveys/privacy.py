"""Privacy by construction: pseudonyms and the secret key they rest on (free text: `surveys.free_text`).

A platform user id enters Heard only through `pseudonym_for` and goes nowhere else. The key is derived per
survey, so the same person's responses to two surveys cannot be joined, even by someone holding the database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

# admin/summary.py still imports scrubbing from here; it lives in surveys.free_text
from surveys.free_text import scrub_free_text as scrub_free_text

_PSEUDONYM_CONTEXT = b"heard/pseudonym/v1/"


def survey_key(secret: bytes, survey_id: str) -> bytes:
    """Per-survey key: HMAC-SHA256(secret, context + survey id)."""
    return hmac.new(secret, _PSEUDONYM_CONTEXT + survey_id.encode(), hashlib.sha256).digest()


def pseudonym_for(secret: bytes, survey_id: str, platform: str, user_id: int | str) -> str:
    """The only place a platform user id is used: HMAC-SHA256 under the survey's derived key.

    `platform` ("telegram", "worker") keeps ids from different namespaces apart."""
    message = f"{platform}:{user_id}".encode()
    return hmac.new(survey_key(secret, survey_id), message, hashlib.sha256).hexdigest()


def anonymous_pseudonym() -> str:
    """For assisted and paper entries: a random pseudonym that links to no one."""
    return "anon-" + secrets.token_hex(29)


# ------------------------------------------------------------------------------------------- secret key


class SecretKeyError(Exception):
    pass


def load_secret(secret_text: str | None, key_file: Path, *, may_create: bool) -> bytes:
    """The HMAC secret: HEARD_SECRET_KEY if set, else a key file, created once with 0600 permissions
    when allowed (the embedded default). Losing it means returning residents are not recognised."""
    if secret_text:
        if len(secret_text) < 32:
            raise SecretKeyError("HEARD_SECRET_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return secret_text.encode()
    if key_file.is_file():
        data = key_file.read_bytes().strip()
        if len(data) < 32:
            raise SecretKeyError(f"{key_file} holds fewer than 32 characters; delete it to make a new one")
        return data
    if not may_create:
        raise SecretKeyError(f"no secret key: set HEARD_SECRET_KEY or create {key_file}")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return key_file.read_bytes().strip()
