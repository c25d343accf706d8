"""heard.toml: the example loads, environment variables override, mistakes get a clear message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveys.config import ConfigError, load_settings


def test_shipped_example_is_valid():
    settings = load_settings(Path("heard.example.toml"), environ={})
    assert settings.municipality.time_zone == "Europe/Berlin"
    assert [a.name for a in settings.municipality.areas][:2] == ["altstadt", "nordstadt"]
    assert settings.storage.database_url == "sqlite+aiosqlite:///data/heard.db"


def test_environment_overrides_the_file(config_path):
    settings = load_settings(config_path, environ={
        "HEARD_DATABASE_URL": "postgresql+asyncpg://heard@db/heard",
        "TELEGRAM_BOT_TOKEN": "1:abc",
        "HEARD_MUNICIPALITY_NAME": "Gemeinde Anders",
    })
    assert settings.storage.database_url == "postgresql+asyncpg://heard@db/heard"
    assert settings.telegram.token == "1:abc"
    assert settings.municipality.name == "Gemeinde Anders"


def test_missing_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match=re.escape("cp heard.example.toml")):
        load_settings(tmp_path / "nope.toml", environ={})


def test_invalid_values_are_named(tmp_path):
    path = tmp_path / "heard.toml"
    path.write_text(
        '[municipality]\nname = "X"\ntime_zone = "Mars/Olympus"\nprivacy_contact = "a@b.c"\n'
        'areas = [{ name = "Nord Stadt", label = "Nord" }]\n[storage]\ncolour = "red"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert "municipality.time_zone" in message and "unknown time zone 'Mars/Olympus'" in message
    assert "municipality.areas.0.name" in message
    assert "storage.colour" in message


def test_broken_toml_is_reported(tmp_path):
    path = tmp_path / "heard.toml"
    path.write_text("[municipality\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, environ={})
