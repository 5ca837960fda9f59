"""SQLite on the event loop's thread: a writer waits for another one's lock by yielding to the
loop, so the lock holder can finish; after the timeout it gets SQLite's own error."""

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot import sqlite_inline
from bot.db import make_engine


async def _table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))


async def _insert(engine: AsyncEngine, n: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})


async def test_the_default_engine_runs_sqlite_on_the_loops_thread(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    try:
        assert engine.dialect.driver == "gridbot"
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.dbapi_connection, sqlite_inline.Connection)
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            assert mode == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
    finally:
        await engine.dispose()


async def test_a_second_writer_waits_for_the_first_without_blocking_the_loop(
        tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    try:
        await _table(engine)
        async with engine.connect() as first:
            await first.begin()
            await first.execute(text("INSERT INTO t (n) VALUES (1)"))  # holds the write lock
            second = asyncio.create_task(_insert(engine, 2))
            await asyncio.sleep(0.2)  # the loop runs on: the second writer did not block it
            assert not second.done()
            await first.commit()
        await asyncio.wait_for(second, 5)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all()
        assert rows == [1, 2]
    finally:
        await engine.dispose()


async def test_a_writer_gives_up_with_sqlites_error_after_the_timeout(tmp_path: Path) -> None:
    url = f"sqlite+{sqlite_inline.DRIVER.split('+')[1]}:///{tmp_path / 'c.db'}"
    engine = create_async_engine(url, connect_args={"timeout": 0.3})
    try:
        await _table(engine)
        async with engine.connect() as first:
            await first.begin()
            await first.execute(text("INSERT INTO t (n) VALUES (1)"))
            with pytest.raises(OperationalError) as refused:
                await asyncio.wait_for(_insert(engine, 2), 5)
            assert isinstance(refused.value.orig, sqlite3.OperationalError)
            assert "locked" in str(refused.value.orig)
            await first.commit()
    finally:
        await engine.dispose()


async def test_many_concurrent_writers_all_land(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    try:
        await _table(engine)
        await asyncio.gather(*(_insert(engine, n) for n in range(60)))
        async with engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one()
        assert count == 60
    finally:
        await engine.dispose()
