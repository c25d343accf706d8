"""Heard's configuration: one TOML file per municipality, overridable by environment variables.

Why a file: an officer edits the municipality's name, its areas and the privacy contact once, in a format
that is readable without programming. Why environment overrides: secrets (bot token, key) and deployment
details (database URL) belong to the machine, not to a file that may be shared.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG_PATH = Path("heard.toml")
EXAMPLE_CONFIG_PATH = PROJECT_ROOT / "heard.example.toml"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/heard.db"
DEFAULT_TELEGRAM_API_BASE = "https://api.telegram.org"
DEFAULT_GRAPH_API_BASE = "https://graph.facebook.com/v21.0"

#: Environment variable -> (section, key) it overrides.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "HEARD_MUNICIPALITY_NAME": ("municipality", "name"),
    "HEARD_TIME_ZONE": ("municipality", "time_zone"),
    "HEARD_PRIVACY_CONTACT": ("municipality", "privacy_contact"),
    "HEARD_DATABASE_URL": ("storage", "database_url"),
    "HEARD_SECRET_KEY_FILE": ("storage", "secret_key_file"),
    "HEARD_SECRET_KEY": ("storage", "secret_key"),
    "TELEGRAM_BOT_TOKEN": ("telegram", "token"),
    "TELEGRAM_API_BASE": ("telegram", "api_base"),
    "HEARD_BOT_USERNAME": ("telegram", "bot_username"),
    "HEARD_DEFAULT_SURVEY": ("surveys", "default"),
    "HEARD_MIN_CELL": ("privacy", "min_cell"),
    "HEARD_WEBHOOK_HOST": ("webhook", "host"),
    "HEARD_WEBHOOK_PORT": ("webhook", "port"),
    "HEARD_WEBHOOK_PATH": ("webhook", "path"),
    "HEARD_WEBHOOK_URL": ("webhook", "public_url"),
    "HEARD_WEBHOOK_SECRET": ("webhook", "secret"),
    "WHATSAPP_TOKEN": ("whatsapp", "token"),
    "WHATSAPP_APP_SECRET": ("whatsapp", "app_secret"),
    "WHATSAPP_VERIFY_TOKEN": ("whatsapp", "verify_token"),
    "WHATSAPP_PHONE_NUMBER_ID": ("whatsapp", "phone_number_id"),
    "WHATSAPP_NUMBER": ("whatsapp", "number"),
    "WHATSAPP_API_BASE": ("whatsapp", "api_base"),
    "WHATSAPP_HOST": ("whatsapp", "host"),
    "WHATSAPP_PORT": ("whatsapp", "port"),
    "WHATSAPP_PATH": ("whatsapp", "path"),
}


class ConfigError(Exception):
    """The configuration is missing or wrong; the message says what to do about it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(_Strict):
    """One Stadtteil/Ortsteil: `name` is the stable key stored with answers, `label` what residents read, and
    `labels` the same in other languages, by language code (e.g. `labels = { ar = "المدينة القديمة" }`); a
    language without one reads `label`."""

    name: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label: str = Field(min_length=1, max_length=60)
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("labels")
    @classmethod
    def _language_codes(cls, labels: dict[str, str]) -> dict[str, str]:
        for code, label in labels.items():
            if not re.fullmatch(r"[a-z]{2,3}(_[A-Za-z]{2,8})?", code):
                raise ValueError(f"{code!r} is not a language code (use the folder names in locales/, e.g. ar, fa_AF)")
            if not 1 <= len(label.strip()) <= 60:
                raise ValueError(f"the {code} label must have 1 to 60 characters")
        return labels


class Municipality(_Strict):
    name: str = Field(min_length=1)
    time_zone: str = "Europe/Berlin"
    privacy_contact: str = Field(min_length=3)
    areas: list[Area] = Field(min_length=1)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from exc
        return value

    @field_validator("areas")
    @classmethod
    def _unique_areas(cls, areas: list[Area]) -> list[Area]:
        names = [a.name for a in areas]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"area names must be unique, repeated: {', '.join(duplicates)}")
        return areas


class Storage(_Strict):
    database_url: str = DEFAULT_DATABASE_URL
    secret_key_file: Path = Path("data/secret.key")
    secret_key: str | None = Field(default=None, repr=False)


class Telegram(_Strict):
    token: str | None = Field(default=None, repr=False)
    api_base: str = DEFAULT_TELEGRAM_API_BASE
    bot_username: str | None = None
    request_timeout: float = Field(default=30.0, gt=0, le=300)
    """Seconds before a Bot API request counts as failed (and is retried)."""


class Webhook(_Strict):
    """`heard-bot webhook`: where the workers listen, the public HTTPS address Telegram posts to (without the
    path), and the secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (from HEARD_WEBHOOK_SECRET)."""

    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=1, le=65535)
    path: str = Field(default="/telegram/webhook", pattern=r"^/[A-Za-z0-9/_.-]*$")
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    secret: str | None = Field(default=None, repr=False, pattern=r"^[A-Za-z0-9_-]{16,256}$")

    @property
    def url(self) -> str | None:
        """The full URL for setWebhook."""
        return self.public_url.rstrip("/") + self.path if self.public_url else None


class WhatsAppTemplates(_Strict):
    """Message templates approved by Meta, by language code: the only messages WhatsApp delivers more than 24
    hours after a resident last wrote. Each has one body parameter, {{1}}, which Heard fills with the message
    it would have sent (on one line). A reminder or results message for a language without a template is not
    sent, and `heard-admin results status` says so."""

    reminder: dict[str, str] = Field(default_factory=dict)
    results: dict[str, str] = Field(default_factory=dict)


class WhatsApp(_Strict):
    """`heard-bot whatsapp`: Meta's WhatsApp Business Cloud API. The access token, the app secret (that signs
    every webhook delivery) and the verify token (that Meta echoes when the webhook is registered) come from
    the environment; the phone number id is the sending number's id in Meta's dashboard, `number` the same
    number in digits for wa.me links."""

    token: str | None = Field(default=None, repr=False)
    app_secret: str | None = Field(default=None, repr=False)
    verify_token: str | None = Field(default=None, repr=False)
    phone_number_id: str | None = Field(default=None, pattern=r"^[0-9]{1,32}$")
    number: str | None = Field(default=None, pattern=r"^[0-9]{6,15}$")
    api_base: str = DEFAULT_GRAPH_API_BASE
    request_timeout: float = Field(default=30.0, gt=0, le=300)
    host: str = "0.0.0.0"
    port: int = Field(default=8081, ge=1, le=65535)
    path: str = Field(default="/whatsapp/webhook", pattern=r"^/[A-Za-z0-9/_.-]*$")
    templates: WhatsAppTemplates = WhatsAppTemplates()
    messages_per_second: int = Field(default=20, ge=1, le=1000)
    """The number's throughput for messages Heard starts (Meta's default is 80 a second; stay below it)."""
    seconds_per_resident: float = Field(default=6.0, ge=1.0)
    """WhatsApp's pair rate: about one message every 6 seconds to the same resident."""

    def missing(self) -> list[str]:
        """The environment variables still to set before the channel can run."""
        needed = {"WHATSAPP_TOKEN": self.token, "WHATSAPP_APP_SECRET": self.app_secret,
                  "WHATSAPP_VERIFY_TOKEN": self.verify_token, "WHATSAPP_PHONE_NUMBER_ID": self.phone_number_id}
        return [name for name, value in needed.items() if not value]


class Surveys(_Strict):
    default: str = "needs"
    directories: list[Path] = Field(default_factory=list)


class Privacy(_Strict):
    min_cell: int = Field(default=5, ge=2, le=100)


class QuietHours(_Strict):
    """When Heard never writes to anybody on its own (reminders, results), in the municipality's time zone."""

    starts: dt.time = dt.time(20, 0)
    ends: dt.time = dt.time(9, 0)


class Reminders(_Strict):
    enabled: bool = True
    delay_hours: float = Field(default=24, gt=0, le=24 * 14)
    """How long after a resident's last answer the one reminder goes out."""


class Results(_Strict):
    link: str | None = None
    """Where the full results are published (shown in the results message), e.g. the council's page."""
    next_steps: dict[str, str] = Field(default_factory=dict)
    """What happens next, per language code; languages without an entry get a general sentence."""


class Sending(_Strict):
    """Telegram's limits for messages a bot starts (about 30 per second overall, one per second per chat), and
    how long a message is tried while Telegram cannot be reached: an outage must delay messages, never lose them."""

    messages_per_second: int = Field(default=30, ge=1, le=30)
    seconds_per_chat: float = Field(default=1.0, ge=1.0)
    retry_first_seconds: float = Field(default=2.0, gt=0, le=3600)
    """After a network error, a timeout or a 5xx the next try comes this much later, then twice as late each time."""
    retry_max_minutes: float = Field(default=10.0, gt=0, le=24 * 60)
    """The longest wait between two tries of one message."""
    give_up_after_hours: float = Field(default=48.0, gt=0, le=24 * 365)
    """A message not sent this long after it was queued is given up as failed, and its chat id erased."""
    reply_retry_seconds: float = Field(default=15.0, ge=0, le=60)
    """How long the bot retries an answer to a resident while handling their message, before the outbox takes
    it over (and delivers it as soon as Telegram answers again)."""


class Retention(_Strict):
    responses_days: int = Field(default=730, ge=1)
    """Completed responses (and their consent records) are deleted this many days after they were given."""
    contacts_days: int = Field(default=90, ge=1)
    """Chat ids kept for a reminder or for results, and unfinished sessions, are deleted after this."""


class Settings(_Strict):
    municipality: Municipality
    storage: Storage = Storage()
    telegram: Telegram = Telegram()
    surveys: Surveys = Surveys()
    privacy: Privacy = Privacy()
    quiet_hours: QuietHours = QuietHours()
    reminders: Reminders = Reminders()
    results: Results = Results()
    sending: Sending = Sending()
    retention: Retention = Retention()
    webhook: Webhook = Webhook()
    whatsapp: WhatsApp = WhatsApp()
    source: Path | None = None


def config_path_from_env() -> Path:
    return Path(os.environ.get("HEARD_CONFIG", str(DEFAULT_CONFIG_PATH)))


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read the TOML file, apply environment overrides and validate; raise ConfigError with a fix."""
    environ = dict(os.environ if environ is None else environ)
    path = path or Path(environ.get("HEARD_CONFIG", str(DEFAULT_CONFIG_PATH)))
    if not path.is_file():
        raise ConfigError(
            f"No configuration file at {path}. Copy the documented example and adapt it:\n"
            f"    cp {EXAMPLE_CONFIG_PATH.name} {path}\n"
            "or point HEARD_CONFIG at your file."
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    for variable, (section, key) in ENV_OVERRIDES.items():
        if environ.get(variable):
            raw.setdefault(section, {})[key] = environ[variable]
    raw["source"] = path
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        problems = "\n".join(
            f"  {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: invalid configuration:\n{problems}") from exc
