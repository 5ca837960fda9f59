"""Database engine and sessions (SQLite by default, PostgreSQL in production)."""

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from bot import sqlite_inline
from bot.config import Settings
from bot.jsoncodec import dumps, loads

Sessions = async_sessionmaker[AsyncSession]
KEEP_LOADED = "gridbot.keep_loaded"
PING_AFTER_S = 30.0  # a pooled connection idle this long is pinged before it is handed out
_CHECKED_IN = "gridbot.checked_in"
log = logging.getLogger("gridbot.db")


def json_text(value: Any) -> str:
    """A JSON column's text (the outbox payloads are written and read for every message)."""
    return dumps(value).decode()


def make_engine(url: str) -> AsyncEngine:
    """Create an engine; SQLite gets WAL, a lock timeout and enforced foreign keys."""
    codec: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": loads}
    if url.startswith("sqlite"):
        # Statements run on the loop's thread (see bot/sqlite_inline.py), not on aiosqlite's.
        engine = create_async_engine(make_url(url).set(drivername=sqlite_inline.DRIVER),
                                     connect_args={"timeout": 30}, **codec)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    engine = create_async_engine(url, pool_size=10, max_overflow=10, **codec)
    _check_on_checkout(engine)
    return engine


def _check_on_checkout(engine: AsyncEngine) -> None:
    """Hand out only live connections, at the cost of a round trip only after a quiet spell.

    `pool_pre_ping` pinged every connection at every checkout, which on asyncpg is three round
    trips (BEGIN, the ping, ROLLBACK) before each update's or record batch's transaction. Here a
    connection the server closed (a restart or a cut: the driver has seen the socket close) is
    replaced at no cost, and only one idle for `PING_AFTER_S` is pinged (a silent network drop).
    One that breaks while in use fails that transaction, which is retried as before; SQLAlchemy
    then replaces every connection older than the failure."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        driver = record.driver_connection
        if driver is not None and getattr(driver, "is_closed", lambda: False)():
            raise sa_exc.DisconnectionError("the server closed the connection")
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in < PING_AFTER_S:
            return  # new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise sa_exc.DisconnectionError(f"the connection failed a ping: {exc!r}") from exc


@event.listens_for(Session, "loaded_as_persistent")
@event.listens_for(Session, "pending_to_persistent")
@event.listens_for(Session, "detached_to_persistent")
def _keep_loaded(session: Session, instance: object) -> None:
    """Hold on to what an update's session loads or stores. The identity map only holds weak
    references, so a row read by one helper (e.g. "is this case a wish?") and dropped was read
    again by the next helper; with a strong reference the second `session.get` is answered from
    memory (a case the update created, too: "is it an emergency?" when queueing its card; it is
    written with a Core INSERT and added as stored, see services/lifecycle.py)."""
    kept = session.info.get(KEEP_LOADED)
    if kept is not None:
        kept.append(instance)


def keep_loaded(session: AsyncSession) -> None:
    """Keep every row this session loads until it closes (for short, per-update sessions)."""
    session.info[KEEP_LOADED] = []


def make_sessions(engine: AsyncEngine) -> Sessions:
    """Create the session factory: one session per update or job."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_schema(engine: AsyncEngine) -> None:
    """Create all tables that do not exist yet."""
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)


async def prepare_database(settings: Settings) -> None:
    """Migrate the database to the newest schema when configured to; otherwise check it."""
    from bot import migrate

    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if settings.migrate_on_start:
        await migrate.upgrade(settings.database_url)
    elif await migrate.current(settings.database_url) != migrate.head_revision():
        log.warning("the database is not at the newest migration: run `gridbot db upgrade`")


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[tuple[AsyncEngine, Sessions]]:
    """Open the configured database, migrated to the newest schema when configured to."""
    await prepare_database(settings)
    engine = make_engine(settings.database_url)
    try:
        yield engine, make_sessions(engine)
    finally:
        await engine.dispose()
