"""Migrations: an empty database upgraded to head has exactly the models' schema.

Runs on a fresh SQLite file, or on a throwaway PostgreSQL database when TEST_DATABASE_URL is
set (the shared test database is left alone: its schema comes from create_all).
"""

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, make_url, pool, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import models
from bot import cli, migrate
from bot.db import create_schema, make_engine, make_sessions
from tests.conftest import TEST_DATABASE_URL, admin_sql, sibling_database


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """Give an empty database, without any table, and return its URL."""
    if not TEST_DATABASE_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
        return
    # Named after the test database, so a run (or an xdist worker) only touches its own.
    name = f"{make_url(TEST_DATABASE_URL).database}_mig_{secrets.token_hex(6)}"
    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    try:
        yield sibling_database(name)
    finally:
        asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _inspect(url: str, look: Any) -> Any:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(look)
    finally:
        await engine.dispose()


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _drift(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def test_upgrade_creates_every_table_of_the_models(empty_url: str) -> None:
    assert await _inspect(empty_url, _tables) == set()
    await migrate.upgrade(empty_url)
    assert await _inspect(empty_url, _tables) == set(SQLModel.metadata.tables) | {
        "alembic_version"
    }


async def test_migrated_schema_matches_the_models(empty_url: str) -> None:
    # No drift: a model changed without a revision (gridbot db revision --autogenerate) fails
    # here. Nothing is ignored: types (compare_type), nullability, indexes, uniques and keys.
    await migrate.upgrade(empty_url)
    assert await _inspect(empty_url, _drift) == []


async def test_upgrading_twice_is_a_no_op(empty_url: str) -> None:
    await migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    async with make_sessions(engine)() as session:
        session.add(models.Street(name="Street one"))
        await session.commit()
    await engine.dispose()

    await migrate.upgrade(empty_url)

    engine = make_engine(empty_url)
    async with make_sessions(engine)() as session:
        streets = (await session.execute(select(models.Street))).scalars().all()
    await engine.dispose()
    assert [street.name for street in streets] == ["Street one"]
    assert await migrate.current(empty_url) == migrate.head_revision()


async def test_current_reports_the_head_revision_after_upgrade(empty_url: str) -> None:
    head = migrate.head_revision()
    assert head is not None  # one head: no unmerged branches among the revisions
    assert await migrate.current(empty_url) is None
    await migrate.upgrade(empty_url)
    assert await migrate.current(empty_url) == head


async def test_upgrade_works_inside_a_running_event_loop(empty_url: str) -> None:
    # Start-up migrations run in the bot's loop: upgrading must not start a loop of its own.
    await asyncio.gather(migrate.upgrade(empty_url), asyncio.sleep(0))
    assert await migrate.current(empty_url) == migrate.head_revision()


async def test_stamp_adopts_a_schema_made_by_create_all(empty_url: str) -> None:
    engine = make_engine(empty_url)
    await create_schema(engine)
    await engine.dispose()

    await migrate.stamp(empty_url)
    await migrate.upgrade(empty_url)  # nothing left to run: no "table already exists"

    assert await migrate.current(empty_url) == migrate.head_revision()
    assert await _inspect(empty_url, _drift) == []


async def test_downgrade_to_base_drops_every_table(empty_url: str) -> None:
    await migrate.upgrade(empty_url)
    cfg = migrate.make_config(empty_url)

    def downgrade(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")

    engine = create_async_engine(empty_url, poolclass=pool.NullPool)
    async with engine.begin() as conn:
        await conn.run_sync(downgrade)
    await engine.dispose()
    assert await _inspect(empty_url, _tables) == {"alembic_version"}
    assert await migrate.current(empty_url) is None


def test_cli_db_upgrade_migrates_a_fresh_database(
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # On SQLite, in a folder that does not exist yet (like the default ./data/gridbot.db).
    url = empty_url if TEST_DATABASE_URL else f"sqlite+aiosqlite:///{tmp_path / 'data' / 'g.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    head = migrate.head_revision()

    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["db", "current"]) == 0

    out = capsys.readouterr().out
    assert f"{head} (head)" in out
    assert asyncio.run(migrate.current(url)) == head
