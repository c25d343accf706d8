"""A municipality's configuration for tests: three areas, a SQLite file (or a given database URL) and a key file
in a temporary folder."""

from __future__ import annotations

import secrets
from pathlib import Path

AREAS = [("altstadt", "Altstadt"), ("nordstadt", "Nordstadt"), ("suedstadt", "Südstadt")]


def write_config(folder: Path, *, database_url: str | None = None, extra: str = "") -> Path:
    areas = ",\n".join(f'  {{ name = "{n}", label = "{label}" }}' for n, label in AREAS)
    url = database_url or f"sqlite+aiosqlite:///{folder / 'heard.db'}"
    key_file = folder / "secret.key"
    if not url.startswith("sqlite") and not key_file.exists():  # Heard creates a key only for SQLite
        key_file.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
        key_file.chmod(0o600)  # Heard refuses a key file that others can read
    path = folder / "heard.toml"
    path.write_text(
        f"""
[municipality]
name = "Stadt Testhausen"
time_zone = "Europe/Berlin"
privacy_contact = "datenschutz@testhausen.example"
areas = [
{areas}
]

[storage]
database_url = "{url}"
secret_key_file = "{folder / 'secret.key'}"
{extra}
""",
        encoding="utf-8",
    )
    return path
