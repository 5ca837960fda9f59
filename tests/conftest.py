"""Shared fixtures: a real database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from bot.db import Sessions, create_schema, make_engine, make_sessions
from services.clock import FrozenClock

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
EXAMPLE_STRUCTURE = Path(__file__).resolve().parent.parent / "examples" / "community.yaml"


async def _reset_postgres_schema(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await create_schema(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def _postgres_ready() -> bool:
    """Recreate the PostgreSQL schema once per run."""
    if TEST_DATABASE_URL:
        asyncio.run(_reset_postgres_schema(TEST_DATABASE_URL))
    return True


@pytest.fixture
async def database_url(tmp_path: Path, _postgres_ready: bool) -> AsyncIterator[str]:
    """Give each test an empty database and return its URL."""
    if TEST_DATABASE_URL:
        engine = make_engine(TEST_DATABASE_URL)
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await engine.dispose()
        yield TEST_DATABASE_URL
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    engine = make_engine(url)
    await create_schema(engine)
    await engine.dispose()
    yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database."""
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> Sessions:
    """A session factory on the test database."""
    return make_sessions(engine)


@pytest.fixture
def clock() -> FrozenClock:
    """A clock the test moves by hand (starts 2026-11-02 09:00 Asia/Shanghai)."""
    return FrozenClock()
