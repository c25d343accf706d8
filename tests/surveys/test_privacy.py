"""Pseudonyms and the secret key (free-text scrubbing: tests/surveys/test_free_text.py)."""

from __future__ import annotations

import stat

import pytest

from surveys.core.privacy import (
    SecretKeyError,
    contact_key_for,
    create_secret,
    key_fingerprint,
    pseudonym_for,
    read_secret,
)

SECRET = b"k" * 32


def test_pseudonyms_are_stable_per_survey_and_unlinkable_across_surveys():
    first = pseudonym_for(SECRET, "needs", "telegram", 123456789)
    assert first == pseudonym_for(SECRET, "needs", "telegram", 123456789)
    assert first != pseudonym_for(SECRET, "needs-2027", "telegram", 123456789)
    assert first != pseudonym_for(b"x" * 32, "needs", "telegram", 123456789)
    assert "123456789" not in first and len(first) == 64


def test_secret_key_file_is_created_once_with_owner_only_permissions(tmp_path):
    key_file = tmp_path / "data" / "secret.key"
    assert read_secret(None, key_file) is None
    first = create_secret(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert read_secret(None, key_file) == first
    with pytest.raises(FileExistsError):
        create_secret(key_file)
    assert read_secret("s" * 40, key_file) == b"s" * 40
    with pytest.raises(SecretKeyError, match="at least 32"):
        read_secret("short", key_file)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_key_file_others_can_read_is_refused_with_the_fix(tmp_path, mode):
    key_file = tmp_path / "secret.key"
    create_secret(key_file)
    key_file.chmod(mode)
    with pytest.raises(SecretKeyError) as refused:
        read_secret(None, key_file)
    assert f"chmod 600 {key_file}" in str(refused.value) and "\n" not in str(refused.value)


def test_contact_keys_and_the_fingerprint_are_their_own_namespaces():
    pseudonym = pseudonym_for(SECRET, "needs", "telegram", 123456789)
    contact = contact_key_for(SECRET, pseudonym)
    assert contact == contact_key_for(SECRET, pseudonym) and len(contact) == 64
    assert contact not in {pseudonym, pseudonym_for(SECRET, "needs", "contact", 123456789)}
    assert contact != contact_key_for(b"x" * 32, pseudonym)
    fingerprint = key_fingerprint(SECRET)
    assert fingerprint != key_fingerprint(b"x" * 32) and SECRET.hex() not in fingerprint
