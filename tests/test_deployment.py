"""The deployment files, which cannot be run here (no Docker engine): docker-compose.yml is valid YAML with the
shape the README describes (PostgreSQL with a health check and a volume, a one-shot migration, two webhook
workers, the proxy), every variable it needs is documented in .env.example, and no secret is written in."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose(name: str = "docker-compose.yml") -> dict:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def test_compose_runs_postgres_migrations_and_two_webhook_workers():
    services = _compose()["services"]
    assert {"db", "migrate", "bot-1", "bot-2", "scheduler", "proxy"} <= set(services)
    assert services["scheduler"]["command"] == ["heard-bot", "scheduler"]
    db = services["db"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert services["migrate"]["command"] == ["heard-bot", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    workers = [services["bot-1"], services["bot-2"]]
    assert [w["command"] for w in workers] == [["heard-bot", "webhook", "--register"], ["heard-bot", "webhook"]]
    for worker in workers:
        assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "/healthz" in " ".join(worker["healthcheck"]["test"])
        env = worker["environment"]
        assert env["HEARD_DATABASE_URL"].startswith("postgresql+asyncpg://heard:${POSTGRES_PASSWORD")
        assert env["HEARD_DATABASE_URL"].endswith("@db:5432/heard")
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "bot-1:8080 bot-2:8080" in caddyfile and "/telegram/webhook" in caddyfile


def test_every_variable_is_documented_in_env_example_and_no_secret_is_written_in():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert used == documented
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.startswith(("TELEGRAM_BOT_TOKEN", "HEARD_SECRET_KEY", "HEARD_WEBHOOK_SECRET", "POSTGRES_PASSWORD")):
            assert line.endswith("="), f"no secret values in .env.example: {line.split('=')[0]}"
    for service in _compose()["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if any(word in key for word in ("TOKEN", "SECRET", "PASSWORD")):
                assert str(value).startswith("${"), f"{key} must come from .env"
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_the_small_sqlite_setup_stays_available():
    services = _compose("docker-compose.sqlite.yml")["services"]
    assert list(services) == ["bot"]
