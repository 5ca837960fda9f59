"""Schema migrations (Alembic): upgrade, inspect and add revisions, from code or `gridbot db`.

Alembic's commands are synchronous; they run on an async engine's connection through
`AsyncConnection.run_sync` (Alembic's asyncio cookbook), so they work inside a running loop.
"""

import importlib.resources
import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import make_url, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# Alembic logs each of its built-in plugins at INFO on every command: noise for operators.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

# Held while upgrading PostgreSQL, so replicas migrating on start-up take turns.
_PG_LOCK_KEY = 0x67726964  # "grid"


def script_location() -> Path:
    """Return the folder of the migration scripts (the `migrations` package next to `bot`)."""
    beside = Path(__file__).resolve().parent.parent / "migrations"
    if (beside / "env.py").is_file():
        return beside
    if importlib.util.find_spec("migrations") is not None:  # pragma: no cover - unusual layouts
        found = Path(str(importlib.resources.files("migrations")))
        if (found / "env.py").is_file():
            return found
    raise RuntimeError("the gridbot migration scripts (the `migrations` package) are missing")


def make_config(url: str) -> Config:
    """Build the Alembic configuration for a database URL (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location()))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s"
    )
    if importlib.util.find_spec("ruff") is not None:  # developers: tidy new revision scripts
        hooks = {"ruff_format": "format --quiet", "ruff_check": "check --fix --quiet"}
        cfg.set_section_option("post_write_hooks", "hooks", ", ".join(hooks))
        for name, options in hooks.items():
            cfg.set_section_option("post_write_hooks", f"{name}.type", "module")
            cfg.set_section_option("post_write_hooks", f"{name}.module", "ruff")
            cfg.set_section_option(
                "post_write_hooks", f"{name}.options", f"{options} REVISION_SCRIPT_FILENAME"
            )
    # Passed as an attribute, not as sqlalchemy.url: the ini parser would choke on a '%'.
    cfg.attributes["url"] = url
    return cfg


def head_revision() -> str | None:
    """Return the newest revision of the migration scripts."""
    return ScriptDirectory.from_config(make_config("")).get_current_head()


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _engine(url: str) -> AsyncEngine:
    # A plain one-off engine, not bot.db's: SQLite keeps foreign keys off (its default), as
    # batch mode's copy-and-rename of a table needs, and no pool outlives the command.
    connect_args = {"timeout": 30} if _sqlite_path(url) is not None else {}
    return create_async_engine(url, poolclass=pool.NullPool, connect_args=connect_args)


async def _run(url: str, action: Callable[[Config], Any], *, lock: bool = False) -> Any:
    cfg = make_config(url)

    def call(connection: Connection) -> Any:
        cfg.attributes["connection"] = connection
        return action(cfg)

    path = _sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(url)
    try:
        async with engine.begin() as conn:
            if lock and conn.dialect.name == "postgresql":
                lock_sql = text("SELECT pg_advisory_xact_lock(:key)")
                await conn.execute(lock_sql, {"key": _PG_LOCK_KEY})
            return await conn.run_sync(call)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database to a revision (the newest by default); a no-op when already there."""
    await _run(url, lambda cfg: command.upgrade(cfg, revision), lock=True)


async def stamp(url: str, revision: str = "head") -> None:
    """Record a revision as applied without running it (for a schema made by create_all)."""
    await _run(url, lambda cfg: command.stamp(cfg, revision), lock=True)


async def current(url: str) -> str | None:
    """Return the database's revision, or None for an empty (or unmigrated) database."""
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        return None
    engine = _engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
            )
    finally:
        await engine.dispose()


async def revision(url: str, message: str, *, autogenerate: bool = False) -> list[Path]:
    """Write a new revision script (none when autogenerate finds no change); return the paths."""

    def write(cfg: Config) -> Any:
        cfg.attributes["autogenerate"] = autogenerate
        return command.revision(cfg, message=message, autogenerate=autogenerate)

    result = await _run(url, write)
    scripts = result if isinstance(result, list) else [result]
    return [Path(script.path) for script in scripts if script is not None]
