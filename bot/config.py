"""Settings from the environment or `.env` (pydantic-settings)."""

from pathlib import Path

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
    # Bring the database to the newest migration at start-up (the replicas take turns).
    migrate_on_start: bool = True

    @property
    def has_token(self) -> bool:
        """Tell whether a bot token is configured."""
        return bool(self.bot_token.strip())

    def sqlite_path(self) -> Path | None:
        """Return the SQLite file path, if the database is an SQLite file."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url.removeprefix(prefix))
        return None
