"""Pseudonyms, scrubbing and the secret key."""

from __future__ import annotations

import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.privacy import SecretKeyError, load_secret, pseudonym_for, scrub_free_text

SECRET = b"k" * 32


def test_pseudonyms_are_stable_per_survey_and_unlinkable_across_surveys():
    first = pseudonym_for(SECRET, "needs", "telegram", 123456789)
    assert first == pseudonym_for(SECRET, "needs", "telegram", 123456789)
    assert first != pseudonym_for(SECRET, "needs-2027", "telegram", 123456789)
    assert first != pseudonym_for(b"x" * 32, "needs", "telegram", 123456789)
    assert "123456789" not in first and len(first) == 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ruf an: +49 171 2345678 bitte", "Ruf an: [phone] bitte"),
        ("Tel 0171/234 56 78.", "Tel [phone]."),
        ("mail: amira.k@example.org!", "mail: [email]!"),
        ("schreib @amira_k oder t.me/amira", "schreib [handle] oder [link]"),
        ("siehe https://example.com/x?y=1 und www.stadt.de", "siehe [link] und [link]"),
        ("Ich wohne seit 2019 hier, 3 Kinder, 45 Jahre.", "Ich wohne seit 2019 hier, 3 Kinder, 45 Jahre."),
    ],
)
def test_scrub_removes_contact_details_but_keeps_ordinary_numbers(text, expected):
    assert scrub_free_text(text) == expected


@given(st.text(alphabet="0123456789 +-/()", min_size=0, max_size=30), st.integers(1_000_000, 99_999_999_999))
def test_no_phone_number_survives_scrubbing(noise, number):
    scrubbed = scrub_free_text(f"Meine Nummer {number} {noise}")
    assert str(number) not in scrubbed


def test_secret_key_file_is_created_once_with_owner_only_permissions(tmp_path):
    key_file = tmp_path / "data" / "secret.key"
    first = load_secret(None, key_file, may_create=True)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_secret(None, key_file, may_create=True) == first
    assert load_secret("s" * 40, key_file, may_create=True) == b"s" * 40
    with pytest.raises(SecretKeyError, match="at least 32"):
        load_secret("short", key_file, may_create=True)
    with pytest.raises(SecretKeyError, match="HEARD_SECRET_KEY"):
        load_secret(None, tmp_path / "missing.key", may_create=False)
