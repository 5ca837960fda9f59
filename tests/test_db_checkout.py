"""PostgreSQL connections handed out by the pool: live ones without a ping per transaction, a
closed one replaced without failing anybody's transaction, an idle one pinged."""

import asyncio

import pytest
from asyncpg.connection import Connection
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import db
from bot.db import make_engine, make_sessions
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"),
                                reason="needs PostgreSQL (TEST_DATABASE_URL)")


@pytest.fixture
def simple_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The simple-protocol statements asyncpg sends (BEGIN, COMMIT, ROLLBACK, the ping's)."""
    seen: list[str] = []
    original = Connection.execute

    async def execute(self: Connection, query: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(query.strip().rstrip(";").upper())
        return await original(self, query, *args, **kwargs)

    monkeypatch.setattr(Connection, "execute", execute)
    return seen


async def _backend(engine: AsyncEngine) -> int:
    async with make_sessions(engine)() as session, session.begin():
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_busy_connection_is_not_pinged(engine: AsyncEngine,
                                               simple_queries: list[str]) -> None:
    first = await _backend(engine)
    simple_queries.clear()
    assert await _backend(engine) == first  # the same pooled connection
    assert simple_queries == ["BEGIN", "COMMIT"]


async def test_a_connection_the_server_closed_is_replaced(engine: AsyncEngine,
                                                          database_url: str) -> None:
    first = await _backend(engine)
    other = make_engine(database_url)
    try:
        async with other.begin() as conn:
            await conn.execute(text(f"SELECT pg_terminate_backend({first})"))
    finally:
        await other.dispose()
    await asyncio.sleep(0.2)  # the server's close reaches the pooled connection
    assert await _backend(engine) != first  # no error: a new connection


async def test_a_connection_idle_for_long_is_pinged(engine: AsyncEngine,
                                                    simple_queries: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    await _backend(engine)
    monkeypatch.setattr(db, "PING_AFTER_S", 0.0)
    simple_queries.clear()
    await _backend(engine)
    # The ping is its own transaction (BEGIN, the ping, ROLLBACK), then the caller's.
    assert simple_queries == ["BEGIN", "ROLLBACK", "BEGIN", "COMMIT"]
