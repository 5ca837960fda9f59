"""Settings from the environment or `.env` (pydantic-settings)."""

from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

OFFICIAL_API = "https://api.telegram.org"


class Settings(BaseSettings):
    """Everything the bot can be configured with; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str = ""
    telegram_api_base: str = OFFICIAL_API
    database_url: str = "sqlite+aiosqlite:///./data/gridbot.db"
    timezone: str = "Asia/Shanghai"
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
    # Disputes and emergencies: an emergency alert is sent again every emergency_repeat_min
    # minutes until someone presses 我来处理; the parties of an agreement are asked whether it
    # held dispute_followup_days later, by a daily job at dispute_followup_hour (local time).
    emergency_repeat_min: int = Field(default=5, ge=1, le=60)
    dispute_followup_days: int = Field(default=7, ge=1, le=90)
    dispute_followup_hour: int = Field(default=10, ge=7, le=20)
    # Scheduler: deadlines, reminders, the daily digest, home visits (see the README).
    deadlines: str = ""  # overrides, e.g. "repair.accept=1h,dispute.urgent.resolve=7d"
    digest_time: str = Field(default="08:30", pattern=r"^\d{1,2}:\d{2}$")  # local time
    quiet_hours: str = "22:00-07:00"  # local; empty: no quiet hours
    remind_at_fraction: float = Field(default=0.75, gt=0, lt=1)
    confirm_remind_after: str = Field(default="1d", pattern=r"^\d+[mhd]$")
    confirm_close_after: str = Field(default="3d", pattern=r"^\d+[mhd]$")
    visit_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "wed"
    outbox_keep_days: int = Field(default=30, ge=1)
    # Issue 20: a wish goes first to volunteers with matching skills, to everyone after this.
    wish_match_delay: str = Field(default="2h", pattern=r"^\d+[mhd]$")

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
