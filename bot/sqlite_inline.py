"""SQLite for the asyncio engine without a thread per connection.

aiosqlite runs every statement on a helper thread: each statement costs a queue hand-off, a
thread switch and an event-loop wake-up, far more than SQLite's own microseconds on a small
database. This dialect calls the standard library's sqlite3 directly on the event loop's thread
(SQLAlchemy's async layer still works: `is_async` runs the ORM in a greenlet that simply never
has to wait).

Waiting for the write lock must not block the loop, because the connection holding the lock is
driven by that same loop. So the busy timeout is zero, and a statement refused with "database is
locked" yields to the loop (`await_(asyncio.sleep(…))`) and is tried again, up to `timeout`
seconds. That retry is safe: SQLite only refuses a statement before it has taken the write lock,
and a refused first write leaves no stale read snapshot behind (the btree transaction is reset).

The URL stays `sqlite+aiosqlite:///…` in settings; `bot.db.make_engine` switches the driver.
"""

import asyncio
import sqlite3
import time
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine.url import URL
from sqlalchemy.util.concurrency import await_, in_greenlet

DRIVER = "sqlite+gridbot"
LOCK_TIMEOUT_S = 30.0  # how long a write waits for another writer, as `timeout` did before


def _locked(error: sqlite3.OperationalError) -> bool:
    message = str(error)
    return "database is locked" in message or "database table is locked" in message


async def _nothing() -> None:
    """A coroutine that finishes at once."""


FIRST_WAIT_S, LONGEST_WAIT_S = 0.0005, 0.02  # between tries while the lock is held


def _retrying(call: Any, timeout: float) -> Any:
    """Run a sqlite3 call; while another connection holds the lock, let the loop run it."""
    if in_greenlet():
        # AsyncConnection.execute checks that the driver awaited something; this costs two
        # greenlet switches and never suspends.
        await_(_nothing())
    delay, deadline = FIRST_WAIT_S, time.monotonic() + timeout
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _locked(error) or not in_greenlet() or time.monotonic() > deadline:
                raise
        await_(asyncio.sleep(delay))
        delay = min(delay * 2, LONGEST_WAIT_S)


async def unlocked(call: Any, timeout: float = LOCK_TIMEOUT_S) -> Any:
    """`_retrying` for a caller on the loop itself (services/direct.py), not in a greenlet."""
    delay, deadline = FIRST_WAIT_S, time.monotonic() + timeout
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _locked(error) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, LONGEST_WAIT_S)


class Cursor(sqlite3.Cursor):
    """A cursor whose statements wait for the write lock without blocking the loop."""

    timeout = LOCK_TIMEOUT_S

    def execute(self, sql: str, parameters: Any = (), /) -> "Cursor":  # type: ignore[override]
        """Run one statement, retrying while the database is locked."""
        return _retrying(lambda: super(Cursor, self).execute(sql, parameters), self.timeout)

    def executemany(self, sql: str, seq: Any, /) -> "Cursor":  # type: ignore[override]
        """Run a statement for many rows, retrying while the database is locked."""
        rows = list(seq)  # a generator could not be replayed
        return _retrying(lambda: super(Cursor, self).executemany(sql, rows), self.timeout)

    async def _async_soft_close(self) -> None:
        """SQLAlchemy's async results call this; rows stay readable as with plain sqlite3."""


class Connection(sqlite3.Connection):
    """A connection whose cursors and commits wait for locks through the event loop."""

    lock_timeout = LOCK_TIMEOUT_S

    def cursor(self, factory: Any = Cursor) -> Any:  # type: ignore[override]
        """Return a retrying cursor."""
        cursor = super().cursor(factory)
        cursor.timeout = self.lock_timeout
        return cursor

    def commit(self) -> None:
        """Commit, retrying while a checkpoint or another writer holds the lock."""
        _retrying(super().commit, self.lock_timeout)


class _DBAPI:
    """The sqlite3 module, with connections that never block on a lock."""

    def __init__(self) -> None:
        self.__dict__.update({name: getattr(sqlite3, name) for name in dir(sqlite3)
                              if not name.startswith("__") and name != "connect"})

    @staticmethod
    def connect(*args: Any, **kwargs: Any) -> Connection:
        """Open a connection used from the event loop's thread only."""
        lock_timeout = float(kwargs.pop("timeout", LOCK_TIMEOUT_S))
        kwargs.update(timeout=0, factory=Connection, check_same_thread=False)
        connection = sqlite3.connect(*args, **kwargs)
        assert isinstance(connection, Connection)
        connection.lock_timeout = lock_timeout
        return connection


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    """pysqlite, declared async: the async engine runs it in a greenlet that never waits."""

    driver = "gridbot"
    is_async = True
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> Any:
        """The sqlite3 module with non-blocking lock waits."""
        return _DBAPI()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        """A queue pool whose waits are asyncio waits (a static pool for :memory:)."""
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool


registry.register("sqlite.gridbot", __name__, "InlineSQLiteDialect")
