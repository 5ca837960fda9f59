"""Shared fixtures: a real database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL).

Under pytest-xdist (`make test` runs `pytest -n auto`) each worker process has its own PostgreSQL
database, named after the given one and the worker (test_gw0, test_gw1, ...): created when missing,
its schema reset once per worker session."""

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator, Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import make_url, pool, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel

from bot.db import Sessions, create_schema, make_engine, make_sessions
from bot.loop import loop_factory
from services.clock import FrozenClock
from services.structure_import import StructureFile, load_structure

GIVEN_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ... under xdist; empty without
EXAMPLE_STRUCTURE = Path(__file__).resolve().parent.parent / "examples" / "community.yaml"


def sibling_database(name: str) -> str:
    """The URL of another database on the test server: the given URL with `name` as database."""
    url = make_url(GIVEN_DATABASE_URL)
    return url.set(database=name).render_as_string(hide_password=False)


def _worker_database_url() -> str:
    """This process's test database: the given one, or <given>_<worker> under xdist."""
    if not GIVEN_DATABASE_URL or not WORKER:
        return GIVEN_DATABASE_URL
    return sibling_database(f"{make_url(GIVEN_DATABASE_URL).database}_{WORKER}")


TEST_DATABASE_URL = _worker_database_url()


@cache
def example_structure() -> StructureFile:
    """The sample sub-district, parsed once per process: its YAML took 60 ms of CPU for every
    test that loads it, and the parsed file is frozen (safe to share)."""
    return load_structure(EXAMPLE_STRUCTURE.read_text("utf-8"))


async def admin_sql(sql: str) -> None:
    """Run a statement outside a transaction on the given database (CREATE/DROP DATABASE)."""
    engine = create_async_engine(GIVEN_DATABASE_URL, poolclass=pool.NullPool,
                                 isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def _create_database_if_missing(url: str) -> None:
    name = make_url(url).database
    engine = create_async_engine(GIVEN_DATABASE_URL, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            exists = (await conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                         {"n": name})).scalar()
    finally:
        await engine.dispose()
    if not exists:
        await admin_sql(f'CREATE DATABASE "{name}"')


async def _reset_postgres_schema(url: str) -> None:
    if url != GIVEN_DATABASE_URL:
        await _create_database_if_missing(url)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await create_schema(engine)
    await engine.dispose()


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item,
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Run the async tests on the loop the bot runs on (uvloop where it is installed);
    TEST_LOOP=asyncio runs them on asyncio's own loop, the fallback's."""
    if os.environ.get("TEST_LOOP") == "asyncio":
        return {"asyncio": asyncio.new_event_loop}
    return {"bot-loop": loop_factory()}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that must run alone first, then the heavy ones, so that parallel workers finish
    at about the same time (an idle worker takes tests from the end of a busy one's queue). An
    alone test at the start waits for the other worker's first test at most; placed last, it
    could come while the other worker ran a heavy test, and both stood still in turn."""
    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("alone") is not None:
            return 0
        return 1 if item.get_closest_marker("heavy") is not None else 2
    items.sort(key=rank)


@pytest.fixture(autouse=True)
def _alone_when_marked(request: pytest.FixtureRequest,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Under xdist, a test marked `alone` runs while no other worker runs a test (it measures
    real seconds); every other test shares the lock. A turnstile lets the alone test in next."""
    if not WORKER:
        yield
        return
    folder = tmp_path_factory.getbasetemp().parent  # shared by this run's workers
    alone = request.node.get_closest_marker("alone") is not None
    with (folder / "alone.turnstile").open("a") as turnstile, \
            (folder / "alone.lock").open("a") as lock:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        if not alone:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            if alone:
                fcntl.flock(turnstile, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def _postgres_ready() -> bool:
    """Recreate the PostgreSQL schema once per run (once per worker under xdist)."""
    if TEST_DATABASE_URL:
        asyncio.run(_reset_postgres_schema(TEST_DATABASE_URL))
    return True


@cache
def _empty_postgres() -> str:
    """DELETE (children first) and every sequence back to 1: the same empty database as TRUNCATE
    ... RESTART IDENTITY, in 40 ms instead of 0.5-1 s (TRUNCATE replaces every table's files)."""
    deletes = " ".join(f'DELETE FROM "{t.name}";'
                       for t in reversed(SQLModel.metadata.sorted_tables))
    return ("DO $$ BEGIN " + deletes + " PERFORM setval(c.oid, 1, false) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema(); END $$")


@pytest.fixture
async def database_url(tmp_path: Path, _postgres_ready: bool) -> AsyncIterator[str]:
    """Give each test an empty database and return its URL."""
    if TEST_DATABASE_URL:
        engine = make_engine(TEST_DATABASE_URL)
        async with engine.begin() as conn:
            await conn.execute(text(_empty_postgres()))
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
