"""Scheduler leadership: one replica at a time runs scheduled jobs, holding a PostgreSQL advisory
lock on its own connection. When the leader dies, its connection closes, the lock is released, and
another replica takes over at its next try (every `poll_s` seconds). SQLite is single-process, so
there the only process is always the leader."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("gridbot.leader")
LOCK_KEY = 0x67726964_6C656164  # "gridlead"
Hook = Callable[[], Awaitable[None]]


class Leadership:
    """Tries to become the leader, keeps checking it still is, and tells the scheduler."""

    def __init__(self, engine: AsyncEngine, *, poll_s: float, on_gain: Hook, on_loss: Hook) -> None:
        self.engine, self.poll_s = engine, poll_s
        self.on_gain, self.on_loss = on_gain, on_loss
        self.is_leader = False
        self.tries = 0  # attempts to take the lock so far (the tests wait on it, never on time)
        self._conn: AsyncConnection | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Hold or seek leadership until stopped, then give it up."""
        try:
            while not stop.is_set():
                await (self._check() if self.is_leader else self._try())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_s)
        finally:
            await self._resign()

    async def _try(self) -> None:
        self.tries += 1
        if self.engine.dialect.name != "postgresql":
            await self._become()
            return
        conn = await self.engine.connect()
        try:
            # Autocommit: the lock belongs to the session, so no transaction stays open.
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                      {"k": LOCK_KEY})).scalar()
        except Exception:
            log.warning("leadership attempt failed", exc_info=True)
            await conn.close()
            return
        if got:
            self._conn = conn
            await self._become()
        else:
            await conn.close()

    async def _become(self) -> None:
        self.is_leader = True
        log.info("became the scheduler leader")
        await self.on_gain()

    async def _check(self) -> None:
        if self._conn is None:
            return
        try:
            await self._conn.execute(text("SELECT 1"))
        except Exception:
            log.warning("lost the leader connection; stepping down", exc_info=True)
            await self._step_down()

    async def _step_down(self) -> None:
        self.is_leader = False
        await self.on_loss()
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    async def _resign(self) -> None:
        if not self.is_leader:
            return
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
        await self._step_down()
