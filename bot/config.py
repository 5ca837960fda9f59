"""Settings from the environment or `.env` (pydantic-settings), parsed and checked once."""

from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.timing import Timing

OFFICIAL_API = "https://api.telegram.org"


class Settings(BaseSettings, Timing):
    """Everything the bot can be configured with; `.env.example` documents each one. The timing
    (zone, deadlines, reminders, quiet hours, digest, visits, repeats) comes from Timing."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      arbitrary_types_allowed=True)

    bot_token: str = ""
    telegram_api_base: str = OFFICIAL_API
    database_url: str = "sqlite+aiosqlite:///./data/gridbot.db"
    locale: str = "zh"
    # Telegram's flood limits: per-chat and global sending rates the outbox keeps to.
    send_rate_global_per_s: float = Field(default=25.0, gt=0)
    send_rate_group_per_min: int = Field(default=18, gt=0)
    send_rate_private_per_s: float = Field(default=1.0, gt=0)
    polling_timeout_s: int = Field(default=25, ge=0, le=50)
    log_level: str = "INFO"
    # The library that talks to Telegram; the conversations are the same on both.
    framework: Literal["aiogram", "ptb"] = "aiogram"
    # Webhook mode instead of long polling when webhook_url (Telegram's public HTTPS URL) is set.
    webhook_url: str = ""
    webhook_secret: str = ""  # 1-256 of A-Z a-z 0-9 _ -; every POST must carry it
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=0, le=65535)
    webhook_register: bool = True  # call setWebhook on start
    webhook_drop_pending: bool = False
    webhook_delete_on_stop: bool = False
    # Bring the database to the newest migration at start-up (the replicas take turns).
    migrate_on_start: bool = True
    # Several replicas: how often a replica tries to become the scheduler leader (a dead leader
    # is replaced within about this time), and how long it holds a batch of outgoing messages.
    leader_poll_s: float = Field(default=15.0, gt=0)
    outbox_lease_s: float = Field(default=30.0, gt=0)
    # "text" for people, "json" for log collectors: one object per line, with update and case ids.
    log_format: Literal["text", "json"] = "text"

    @property
    def has_token(self) -> bool:
        """Tell whether a bot token is configured."""
        return bool(self.bot_token.strip())

    @property
    def webhook_path(self) -> str:
        """The local path updates are POSTed to: the path of webhook_url."""
        return urlparse(self.webhook_url).path or "/"

    def sqlite_path(self) -> Path | None:
        """Return the SQLite file path, if the database is an SQLite file."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url.removeprefix(prefix))
        return None


def problems(error: ValidationError) -> str:
    """One line per bad setting, named as its environment variable, e.g. "DIGEST_TIME: cannot
    read the time '8h'; write e.g. 08:30"."""
    lines = []
    for item in error.errors():
        name = str(item["loc"][0]).upper() if item["loc"] else "SETTINGS"
        message = str(item["msg"]).removeprefix("Value error, ").removeprefix(f"{name}: ")
        given = repr(item.get("input"))
        lines.append(message if given in message else f"{message} (got {given})")
        lines[-1] = f"{name}: {lines[-1]}"
    return "\n".join(lines)
