"""The hot path's Core statements, compiled once and run on the session's own driver connection.

Every update runs a few Core statements that never change shape: the update's claim, the new
case and its events, its replies in the outbox, the delivery records. Through the session each
one costs SQLAlchemy's per-call work (a greenlet, the statement's cache key, the execution
context, a result object): 40-50 µs on SQLite and about 100 µs more than the driver itself on
asyncpg (issue 19, bench/RESULTS.md). Here the statement is compiled by SQLAlchemy once per
database kind and set of given columns, with its bound values converted by SQLAlchemy's own type
processors; what runs is exactly what the session would run, in the session's transaction and
on its connection.

The statements themselves stay written once, as Core, in the services; this module only runs
them. It falls back to `session.execute` whenever the short way could differ from it:
- the session holds ORM changes not yet flushed (the session would flush them first);
- the statement cannot be compiled once: lists expanded per call (`IN`), Python-side column
  defaults, a dialect other than SQLite's and asyncpg's.
SQLAlchemy's `before_cursor_execute` event still fires for each statement (the bench's statement
counter and the tests' statement traces see them), and a driver error arrives as SQLAlchemy's
own `DBAPIError` subclass, as it would through the session.
"""

import asyncio
import re
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

Params = Mapping[str, Any]
_ROWCOUNT = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")
LOCK_TIMEOUT_S = 30.0  # as bot/sqlite_inline.py: a write waits this long for another writer


class Outcome(NamedTuple):
    """What a statement gave back: its rows (plain tuples) and how many rows it changed (-1
    when the driver does not say, as for many rows at once on asyncpg)."""

    rows: list[tuple[Any, ...]]
    rowcount: int


@dataclass(frozen=True, slots=True)
class _Slot:
    """One positional parameter: the caller's key, else a value fixed in the statement."""

    key: str
    fixed: Any
    given: bool  # taken from the caller's parameters (else `fixed`, or `make()`)
    make: Callable[[], Any] | None
    convert: Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    """A statement compiled for one dialect and one set of given keys."""

    sql: str
    slots: tuple[_Slot, ...]
    results: tuple[Callable[[Any], Any] | None, ...] | None  # None: the statement returns no rows

    def values(self, params: Params) -> tuple[Any, ...]:
        """The positional values for one row of parameters."""
        out = []
        for slot in self.slots:
            if slot.given:
                value = params[slot.key]
            elif slot.make is not None:
                value = slot.make()
            else:
                value = slot.fixed
            out.append(value if slot.convert is None else slot.convert(value))
        return tuple(out)

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """Result rows with SQLAlchemy's result processors applied."""
        results = self.results or ()
        if not any(results):
            return [tuple(row) for row in raw]
        return [tuple(value if convert is None else convert(value)
                      for value, convert in zip(row, results, strict=True)) for row in raw]


_NOT_DIRECT = None  # a plan cache entry: this statement always goes through the session
_DRIVERS = ("gridbot", "asyncpg")  # bot/sqlite_inline.py, and asyncpg


class Statement:
    """A Core statement run directly where it can be (see the module's docstring)."""

    __slots__ = ("statement", "_plans")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, frozenset[str]], _Plan | None] = {}

    def plan(self, dialect: Dialect, keys: frozenset[str]) -> _Plan | None:
        """The compiled form for this dialect and these given keys; None: not directly."""
        cache_key = (dialect.name, keys)
        try:
            return self._plans[cache_key]
        except KeyError:
            plan = self._plans[cache_key] = _compile(self.statement, dialect, keys)
            return plan


def _compile(statement: Any, dialect: Dialect, keys: frozenset[str]) -> _Plan | None:
    if dialect.driver not in _DRIVERS:
        return _NOT_DIRECT
    # Compiled as for many rows: no RETURNING of the primary key added for one row (the
    # callers read back only what their statement's own RETURNING names).
    compiled: Any = statement.compile(dialect=dialect, column_keys=sorted(keys),
                                      for_executemany=True)
    if (compiled.positiontup is None or compiled.post_compile_params
            or compiled.literal_execute_params or compiled.insert_prefetch
            or compiled.update_prefetch):
        return _NOT_DIRECT
    processors = compiled._bind_processors
    slots = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        given = bind.key in keys
        if not given and bind.required:
            return _NOT_DIRECT  # the session would refuse it with its own message
        slots.append(_Slot(key=bind.key, fixed=bind.value, given=given, make=bind.callable,
                           convert=processors.get(name)))
    results = None
    if compiled.isinsert or compiled.isupdate or compiled.isdelete:
        explicit = bool(getattr(statement, "_returning", ()))
    else:
        explicit = True
    if explicit and compiled._result_columns:
        results = tuple(entry.type._cached_result_processor(dialect, None)
                        for entry in compiled._result_columns)
    return _Plan(compiled.string, tuple(slots), results)


async def run(session: AsyncSession, statement: Statement,
              params: Params | Sequence[Params]) -> Outcome:
    """Run the statement in the session's transaction: one row of parameters (a mapping) or
    many (a sequence of mappings, all with the same keys)."""
    many = not isinstance(params, Mapping)
    batch: Sequence[Params] = params if many else (params,)  # type: ignore[assignment]
    if not batch:
        return Outcome([], 0)
    sync = session.sync_session
    if sync._new or sync._deleted or sync.identity_map._modified:
        return await _through_session(session, statement, params)  # it flushes them first
    conn = await _connection(session)
    if conn is None:
        return await _through_session(session, statement, params)
    plan = statement.plan(conn.dialect, frozenset(batch[0]))
    if plan is None:
        return await _through_session(session, statement, params)
    values = [plan.values(row) for row in batch]
    driver = conn.connection.dbapi_connection
    try:
        if conn._has_events or conn.engine._has_events:  # the bench's counter, tests' traces
            for listener in conn.dispatch.before_cursor_execute:
                listener(conn, None, plan.sql, values if many else values[0], None, many)
        if conn.dialect.driver == "asyncpg":
            raw, rowcount = await _on_asyncpg(driver, conn.dialect, plan, values, many)
        else:
            raw, rowcount = await _on_sqlite(driver, plan, values, many)
    except Exception as error:
        # SQLAlchemy's own handling: its exception classes, a broken connection invalidated.
        conn._handle_dbapi_exception(error, plan.sql, values, None, None)
    return Outcome(plan.rows(raw), rowcount)


async def _connection(session: AsyncSession) -> Connection | None:
    """The connection of the session's transaction (begun on it when it has none yet); None
    when it cannot be used directly."""
    sync = session.sync_session
    transaction = sync._transaction
    conn: Connection | None = None
    if transaction is not None and transaction._connections:
        conn = next(iter(transaction._connections.values()))[0]
    if conn is None:
        conn = (await session.connection()).sync_connection
    if conn is None or conn.closed or conn.invalidated or conn._echo:
        return None  # with echo on, the session logs each statement as it runs
    return conn


async def _through_session(session: AsyncSession, statement: Statement,
                           params: Params | Sequence[Params]) -> Outcome:
    result: Any = await session.execute(statement.statement, params)
    rows = [tuple(row) for row in result.all()] if result.returns_rows else []
    return Outcome(rows, result.rowcount)


async def _on_sqlite(driver: Any, plan: _Plan, values: list[tuple[Any, ...]],
                     many: bool) -> tuple[list[Any], int]:
    """On the inline sqlite3 connection (bot/sqlite_inline.py): a write that finds another
    connection holding the lock lets the loop run it and tries again, as that module does."""
    cursor = sqlite3.Connection.cursor(driver)  # a plain cursor: the waiting is done here
    try:
        if plan.results is None:
            if many:
                await _unlocked(partial(cursor.executemany, plan.sql, values), driver)
            else:
                await _unlocked(partial(cursor.execute, plan.sql, values[0]), driver)
            return [], cursor.rowcount
        rows: list[Any] = []
        for one in values:  # one statement per row: no multi-row VALUES to build per count
            await _unlocked(partial(cursor.execute, plan.sql, one), driver)
            rows.extend(cursor.fetchall())
        return rows, cursor.rowcount if not many else len(values)
    finally:
        cursor.close()


async def _unlocked(call: Callable[[], Any], driver: Any) -> None:
    timeout = getattr(driver, "lock_timeout", LOCK_TIMEOUT_S)
    delay, deadline = 0.0005, time.monotonic() + timeout
    while True:
        try:
            call()
            return
        except sqlite3.OperationalError as error:
            message = str(error)
            locked = "database is locked" in message or "database table is locked" in message
            if not locked or time.monotonic() > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.02)


async def _on_asyncpg(adapted: Any, dialect: Any, plan: _Plan, values: list[tuple[Any, ...]],
                      many: bool) -> tuple[list[Any], int]:
    """On SQLAlchemy's asyncpg adapter, as its cursor runs a statement: the transaction begun
    on first use, the prepared statement from its cache, errors as its DBAPI's."""
    async with adapted._execute_mutex:
        if adapted._transaction is None:
            await adapted._start_transaction()
        try:
            prepared, _attributes = await adapted._prepare(
                plan.sql, dialect._invalidate_schema_cache_asof)
            if many and plan.results is None:
                await prepared.executemany(values)
                return [], -1
            if many:
                return list(await prepared.fetchmany(values)), len(values)
            rows = await prepared.fetch(*values[0])
            found = _ROWCOUNT.match(prepared.get_statusmsg() or "")
            return list(rows), int(found.group(1)) if found else -1
        except Exception as error:
            adapted._handle_exception(error)
            raise  # not reached: _handle_exception raises
