"""Counting SQL statements and commits per kind of update, for the bench (`SQL_COUNTS=FILE`):
the processor names each update's kind; SIGUSR1 writes the counts so far to FILE as JSON and
starts again from zero (the bench's warm-up is left out so), and so does the end of the process.
Statements outside an update (the outbox sender, the scheduler, leadership) count as "other".
With `SQL_SHAPES=FILE` as well, each dump also appends one JSON line to FILE: how often each
statement shape (its text with the values left out) ran, per kind, to find where they go."""

import atexit
import json
import os
import re
import signal
from collections import defaultdict
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.types import Incoming

OTHER = "other"
_kind: ContextVar[str] = ContextVar("gridbot_sql_kind", default=OTHER)
_IN_LIST = re.compile(r"\((?:\s*(?:\$\d+|\?|%\(\w+\)s|__\[POSTCOMPILE_\w+\])\s*,?)+\)")


class SqlCounter:
    """Statements and commits per update kind, and how many updates of each kind ran."""

    def __init__(self, *, shapes: bool = False) -> None:
        self.statements: dict[str, int] = defaultdict(int)
        self.commits: dict[str, int] = defaultdict(int)
        self.updates: dict[str, int] = defaultdict(int)
        self.shapes: dict[str, dict[str, int]] | None = (
            defaultdict(lambda: defaultdict(int)) if shapes else None)

    def attach(self, engine: AsyncEngine) -> None:
        """Count what this engine runs."""
        sync = engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def _statement(*args: Any) -> None:
            kind = _kind.get()
            self.statements[kind] += 1
            if self.shapes is not None:
                self.shapes[kind][statement_shape(str(args[2]))] += 1

        @event.listens_for(sync, "commit")
        def _commit(_conn: Any) -> None:
            self.commits[_kind.get()] += 1

    def begin_update(self, incoming: Incoming) -> None:
        """Count what follows in this task (an update's processing) under its kind."""
        kind = update_kind(incoming)
        self.updates[kind] += 1
        _kind.set(kind)

    def as_json(self) -> dict[str, Any]:
        """The counts as plain dictionaries."""
        return {"statements": dict(self.statements), "commits": dict(self.commits),
                "updates": dict(self.updates)}

    def shapes_json(self) -> dict[str, Any]:
        """The statement shapes run per kind, with the updates of each kind."""
        return {"updates": dict(self.updates),
                "shapes": {k: dict(v) for k, v in (self.shapes or {}).items()}}

    def reset(self) -> None:
        """Start counting from zero (after a warm-up)."""
        self.statements.clear()
        self.commits.clear()
        self.updates.clear()
        if self.shapes is not None:
            self.shapes.clear()


def statement_shape(sql: str) -> str:
    """The statement on one line with its lists of parameters folded, so that the same query
    with a different number of values counts as one shape."""
    return _IN_LIST.sub("(…)", " ".join(sql.split()))


def update_kind(incoming: Incoming) -> str:
    """A short name for what kind of update this is: a button's prefix ("button a"), a command
    ("/report"), or a text in a group or private chat."""
    if incoming.callback_data is not None:
        return f"button {incoming.callback_data.split(':', 1)[0].split('~', 1)[0]}"
    where = "private" if incoming.is_private else "group"
    if incoming.text.startswith("/"):
        return f"{where} {incoming.text.split()[0].split('@', 1)[0]}"
    return f"{where} {'mention' if incoming.mentions_bot else 'text'}"


COUNTER: SqlCounter | None = None


def install(engine: AsyncEngine) -> SqlCounter | None:
    """Count this engine's statements when SQL_COUNTS names a file to write them to at exit."""
    global COUNTER
    target = os.environ.get("SQL_COUNTS")
    if not target:
        return None
    if COUNTER is None:
        shapes = os.environ.get("SQL_SHAPES")
        COUNTER = SqlCounter(shapes=bool(shapes))
        counter = COUNTER

        def dump(*_args: Any) -> None:
            Path(target).write_text(json.dumps(counter.as_json()))
            if shapes:
                with Path(shapes).open("a", encoding="utf-8") as out:
                    out.write(json.dumps(counter.shapes_json(), ensure_ascii=False) + "\n")
            counter.reset()
        atexit.register(dump)
        signal.signal(signal.SIGUSR1, dump)
    COUNTER.attach(engine)
    return COUNTER
