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
them, as the session would:
- ORM changes not yet written are flushed first (autoflush);
- lists expanded into `IN (…)` get one compiled form per length, from SQLAlchemy's own expansion;
- SQLAlchemy's `before_cursor_execute` event fires for each statement (the bench's statement
  counter and the tests' statement traces see them);
- a driver error arrives as SQLAlchemy's own `DBAPIError` subclass, and a broken connection is
  invalidated, by SQLAlchemy's own handler.
A statement that cannot be compiled once (a literal rendered per call, a Python-side column
default, a driver other than ours for SQLite and asyncpg) goes through `session.execute`.

The session's own events (`do_orm_execute`) do not fire: a statement here must not be one that
a session listener has to see (services/structure_snapshot.py watches writes to the structure's
tables; a new resident's row is not the structure's, as when the ORM flushed it).
"""

import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from bot import sqlite_inline

Params = Mapping[str, Any]
_ROWCOUNT = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")


class Outcome(NamedTuple):
    """What a statement gave back: its rows (plain tuples) and how many rows it changed (-1
    when the driver does not say, as for many rows at once on asyncpg)."""

    rows: list[tuple[Any, ...]]
    rowcount: int


@dataclass(frozen=True, slots=True)
class _Slot:
    """One positional parameter: the caller's value (an item of it, for a list expanded into
    `IN (…)`), else a value the statement holds."""

    key: str
    given: bool  # taken from the caller's parameters (else `fixed`, or `make()`)
    fixed: Any
    make: Callable[[], Any] | None
    convert: Callable[[Any], Any] | None
    item: int | None = None  # the position in an expanded list


@dataclass(frozen=True, slots=True)
class _Plan:
    """A statement compiled for one dialect and one set of given keys (and, with lists
    expanded into `IN (…)`, their lengths)."""

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
            if slot.item is not None:
                value = value[slot.item]
            out.append(value if slot.convert is None else slot.convert(value))
        return tuple(out)

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """Result rows with SQLAlchemy's result processors applied."""
        results = self.results or ()
        if not any(results):
            return [tuple(row) for row in raw]
        return [tuple(value if convert is None else convert(value)
                      for value, convert in zip(row, results, strict=True)) for row in raw]


@dataclass(slots=True)
class _Expanding:
    """A statement with lists expanded into `IN (…)`: one plan per length of the caller's
    lists (the statement's own lists have one length)."""

    compiled: Any
    keys: frozenset[str]
    lists: tuple[str, ...]  # the caller's keys whose values are expanded
    results: tuple[Callable[[Any], Any] | None, ...] | None
    shapes: dict[tuple[int, ...], _Plan]

    def plan(self, params: Params) -> _Plan:
        shape = tuple(len(params[key]) for key in self.lists)
        found = self.shapes.get(shape)
        if found is None:
            found = self.shapes[shape] = self._expand(params)
        return found

    def _expand(self, params: Params) -> _Plan:
        compiled = self.compiled
        # SQLAlchemy's own expansion for these lengths: the statement's text, its parameters'
        # order and their processors (the values themselves are taken per call).
        expanded = compiled._process_parameters_for_postcompile(
            compiled.construct_params(dict(params)), _populate_self=False)
        items = {name: (origin, index) for origin, names in expanded.parameter_expansion.items()
                 for index, name in enumerate(names)}
        slots = []
        for name in expanded.positiontup:
            origin, index = items.get(name, (name, None))
            bind = compiled.binds[origin]
            slots.append(_Slot(key=bind.key, given=bind.key in self.keys, fixed=bind.value,
                               make=bind.callable, convert=expanded.processors.get(name),
                               item=index))
        return _Plan(expanded.statement, tuple(slots), self.results)


_NOT_DIRECT = None  # a plan cache entry: this statement always goes through the session
_DRIVERS = ("gridbot", "asyncpg")  # bot/sqlite_inline.py, and asyncpg


class Statement:
    """A Core statement run directly where it can be (see the module's docstring)."""

    __slots__ = ("statement", "_plans")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, frozenset[str]], _Plan | _Expanding | None] = {}

    def plan(self, dialect: Dialect, params: Params, *, many: bool = False) -> _Plan | None:
        """The compiled form for this dialect and these parameters; None: not directly."""
        keys = frozenset(params)
        cache_key = (dialect.name, keys)
        try:
            found = self._plans[cache_key]
        except KeyError:
            found = self._plans[cache_key] = _compile(self.statement, dialect, keys)
        if isinstance(found, _Expanding):
            # Rows of different lengths cannot share one statement (nor can the session's
            # executemany run them).
            return None if many else found.plan(params)
        return found


def _compile(statement: Any, dialect: Dialect,
             keys: frozenset[str]) -> _Plan | _Expanding | None:
    if dialect.driver not in _DRIVERS:
        return _NOT_DIRECT
    # Compiled as for many rows: no RETURNING of the primary key added for one row (the
    # callers read back only what their statement's own RETURNING names).
    compiled: Any = statement.compile(dialect=dialect, column_keys=sorted(keys),
                                      for_executemany=True)
    if (compiled.positiontup is None or compiled.literal_execute_params
            or compiled.insert_prefetch or compiled.update_prefetch):
        return _NOT_DIRECT
    for bind in compiled.binds.values():
        if bind.required and bind.key not in keys:
            return _NOT_DIRECT  # the session would refuse it with its own message
    results = None
    if compiled.isinsert or compiled.isupdate or compiled.isdelete:
        explicit = bool(getattr(statement, "_returning", ()))
    else:
        explicit = True
    if explicit and compiled._result_columns:
        results = tuple(entry.type._cached_result_processor(dialect, None)
                        for entry in compiled._result_columns)
    if compiled.post_compile_params:
        lists = tuple(sorted(bind.key for bind in compiled.post_compile_params
                             if bind.key in keys))
        return _Expanding(compiled, keys, lists, results, {})
    processors = compiled._bind_processors
    slots = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        slots.append(_Slot(key=bind.key, given=bind.key in keys, fixed=bind.value,
                           make=bind.callable, convert=processors.get(name)))
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
    if sync.autoflush and (sync._new or sync._deleted or sync.identity_map._modified):
        await session.flush()  # what the session does before any statement
    conn = await _connection(session)
    if conn is None:
        return await _through_session(session, statement, params)
    plan = statement.plan(conn.dialect, batch[0], many=many)
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
    timeout = driver.lock_timeout
    try:
        if plan.results is None:
            run = (partial(cursor.executemany, plan.sql, values) if many
                   else partial(cursor.execute, plan.sql, values[0]))
            await sqlite_inline.unlocked(run, timeout)
            return [], cursor.rowcount
        rows: list[Any] = []
        for one in values:  # one statement per row: no multi-row VALUES to build per count
            await sqlite_inline.unlocked(partial(cursor.execute, plan.sql, one), timeout)
            rows.extend(cursor.fetchall())
        return rows, cursor.rowcount if not many else len(values)
    finally:
        cursor.close()


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
