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


def test_compose_serves_whatsapp_behind_the_proxy_when_its_profile_is_chosen():
    whatsapp = _compose()["services"]["whatsapp"]
    assert whatsapp["command"] == ["heard-bot", "whatsapp"] and whatsapp["profiles"] == ["whatsapp"]
    assert whatsapp["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "8081/healthz" in " ".join(whatsapp["healthcheck"]["test"])
    env = whatsapp["environment"]
    assert {"WHATSAPP_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"} <= set(env)
    assert "TELEGRAM_BOT_TOKEN" not in env, "a WhatsApp-only town needs no Telegram token"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "handle /whatsapp/webhook" in caddyfile and "whatsapp:8081" in caddyfile


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
        if line.startswith(("TELEGRAM_BOT_TOKEN", "HEARD_SECRET_KEY", "HEARD_WEBHOOK_SECRET", "POSTGRES_PASSWORD",
                            "WHATSAPP_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN")):
            assert line.endswith("="), f"no secret values in .env.example: {line.split('=')[0]}"
    for service in _compose()["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if any(word in key for word in ("TOKEN", "SECRET", "PASSWORD")):
                assert str(value).startswith("${"), f"{key} must come from .env"
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_the_small_sqlite_setup_stays_available():
    services = _compose("docker-compose.sqlite.yml")["services"]
    assert list(services) == ["bot"]


def _volume_at(service: dict, folder: str) -> str | None:
    """The volume (or host path) mounted at `folder` or a folder above it, in the container."""
    best = None
    for mount in service.get("volumes", []):
        source, target = mount.split(":")[:2]
        if (folder == target or folder.startswith(target.rstrip("/") + "/")) and (
            best is None or len(target) > len(best[1])
        ):
            best = (source, target)
    return best[0] if best else None


def test_the_pseudonym_key_is_kept_apart_from_the_database_volume():
    """A copy of the database's volume must not carry the key: from .env (PostgreSQL setup) or a volume of
    its own (SQLite setup), never the database's."""
    for service in _compose()["services"].values():
        if "heard-bot" in service.get("command", []):
            assert service["environment"]["HEARD_SECRET_KEY"].startswith("${HEARD_SECRET_KEY:?"), "required from .env"
            assert all(not mount.endswith("/app/data") for mount in service.get("volumes", []))
    bot = _compose("docker-compose.sqlite.yml")["services"]["bot"]
    key_file = bot["environment"]["HEARD_SECRET_KEY_FILE"]
    database_volume = _volume_at(bot, "/app/data")  # the default database, data/heard.db in WORKDIR /app
    key_volume = _volume_at(bot, key_file)
    assert database_volume == "heard-data" and key_volume is not None
    assert key_volume != database_volume and not key_file.startswith("/app/data/")
