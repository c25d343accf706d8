"""Privacy by construction: pseudonyms and the secret key they rest on (free text: `surveys.core.free_text`).

A platform user id enters Heard only through `pseudonym_for` and goes nowhere else. The key is derived per
survey, so the same person's responses to two surveys cannot be joined, even by someone holding the database.
The chat id kept for a reminder or the results is filed under a contact key from a namespace of its own, so
the database alone cannot join a chat id to anybody's answers either.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

_PSEUDONYM_CONTEXT = b"heard/pseudonym/v1/"
_CONTACT_CONTEXT = b"heard/contact/v1/"
_FINGERPRINT_CONTEXT = b"heard/key-fingerprint/v1"
_UPDATE_CONTEXT = b"heard/update-id/v1/"


def survey_key(secret: bytes, survey_id: str) -> bytes:
    """Per-survey key: HMAC-SHA256(secret, context + survey id)."""
    return hmac.new(secret, _PSEUDONYM_CONTEXT + survey_id.encode(), hashlib.sha256).digest()


def pseudonym_for(secret: bytes, survey_id: str, platform: str, user_id: int | str) -> str:
    """The only place a platform user id is used: HMAC-SHA256 under the survey's derived key.

    `platform` ("telegram", "worker") keeps ids from different namespaces apart."""
    message = f"{platform}:{user_id}".encode()
    return hmac.new(survey_key(secret, survey_id), message, hashlib.sha256).hexdigest()


def contact_key_for(secret: bytes, pseudonym: str) -> str:
    """The key under which a resident's chat id is kept (contacts, results requests, the outbox): an HMAC of
    their pseudonym in a namespace of its own. Without the secret nobody can tell which pseudonym a contact
    belongs to; with it, Heard finds a resident's contacts from their pseudonym (to remind them, or to delete
    everything when they ask)."""
    return hmac.new(secret, _CONTACT_CONTEXT + pseudonym.encode(), hashlib.sha256).hexdigest()


def update_number(secret: bytes, platform: str, update_id: str) -> int:
    """A platform's string update id (WhatsApp's message id "wamid...") as the 63-bit number `seen_updates`
    keeps. Keyed: a WhatsApp message id carries the sender's phone number in base64, so an unkeyed digest would
    let anyone who guesses the rest test numbers against the table. 63 bits: fits a signed BIGINT everywhere;
    two ids colliding within the two days the table remembers is a chance of about one in 10^13."""
    digest = hmac.new(secret, _UPDATE_CONTEXT + f"{platform}:{update_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def anonymous_pseudonym() -> str:
    """For assisted and paper entries: a random pseudonym that links to no one."""
    return "anon-" + secrets.token_hex(29)


# ------------------------------------------------------------------------------------------- secret key


class SecretKeyError(Exception):
    """The key cannot be used; the message (one line) says what happened and what to do."""


def key_fingerprint(secret: bytes) -> str:
    """What the database keeps to recognise its key: an HMAC of a constant, from which the key cannot be
    recovered."""
    return hmac.new(secret, _FINGERPRINT_CONTEXT, hashlib.sha256).hexdigest()


def read_secret(secret_text: str | None, key_file: Path) -> bytes | None:
    """The HMAC secret: HEARD_SECRET_KEY if set, else the key file; None if neither exists. A key that is too
    short, or a key file that others may read, is refused."""
    if secret_text:
        if len(secret_text) < 32:
            raise SecretKeyError("HEARD_SECRET_KEY must be at least 32 characters: set it to the key you have "
                                 "used so far, or for a new installation to the output of `openssl rand -hex 32`")
        return secret_text.encode()
    if not key_file.is_file():
        return None
    mode = key_file.stat().st_mode & 0o777
    if mode & 0o077:
        raise SecretKeyError(f"the key file {key_file} can be read by other users (mode {mode:o}); "
                             f"allow only its owner: chmod 600 {key_file}")
    data = key_file.read_bytes().strip()
    if len(data) < 32:
        raise SecretKeyError(f"the key file {key_file} holds fewer than 32 characters; restore the key "
                             "from your backup (a new key would not recognise returning residents)")
    return data


def create_secret(key_file: Path) -> bytes:
    """A new random key in a new file that only its owner can read. Never overwrites one: FileExistsError if
    another process made it first. The file appears complete or not at all (written aside, then linked)."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor, draft = tempfile.mkstemp(dir=key_file.parent, prefix=".secret-", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key + "\n")
        os.link(draft, key_file)
    finally:
        os.unlink(draft)
    return key.encode()

