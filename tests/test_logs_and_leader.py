"""Structured logs, the scheduler leader, and the housekeeping job."""

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.db import Sessions
from bot.leader import Leadership
from bot.logs import JsonFormatter, configure
from models import ProcessedUpdate
from scheduler.jobs import prune_processed_updates
from services.clock import FrozenClock
from services.updates import claim_update
from tests.conftest import TEST_DATABASE_URL


def test_a_json_log_line_carries_the_update_and_case_ids() -> None:
    record = logging.LogRecord("gridbot.processing", logging.INFO, __file__, 1, "update processed",
                               None, None)
    record.update_id, record.case_id = 42, 7
    line = json.loads(JsonFormatter().format(record))
    assert (line["msg"], line["update_id"], line["case_id"], line["level"]) == (
        "update processed", 42, 7, "INFO")


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_configured_log_line_says_what_the_call_said(
    fmt: str, capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure("INFO", fmt)
        logging.getLogger("gridbot.processing").info(
            "update processed", extra={"update_id": 42, "case_id": [7, 8]})
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    if fmt == "text":
        assert line.endswith(" INFO gridbot.processing update processed")
        return
    entry = json.loads(line)
    assert (entry["msg"], entry["logger"], entry["level"]) == (
        "update processed", "gridbot.processing", "INFO")
    assert (entry["update_id"], entry["case_id"]) == (42, [7, 8])
    assert set(entry) == {"ts", "level", "logger", "msg", "update_id", "case_id"}


async def test_old_processed_update_ids_are_pruned_and_recent_ones_kept(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await claim_update(s, update_id=1, at=clock.now() - timedelta(days=31))
        await claim_update(s, update_id=2, at=clock.now() - timedelta(days=2))
    assert await prune_processed_updates(sessions, clock) == 1
    async with sessions() as s:
        left = (await s.execute(select(col(ProcessedUpdate.update_id)))).scalars().all()
    assert list(left) == [2]


async def _until(check: Callable[[], bool]) -> None:
    while not check():
        await asyncio.sleep(0.01)


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"),
                    reason="leader election is a PostgreSQL advisory lock; SQLite runs one process")
async def test_only_one_of_two_replicas_leads_and_the_other_takes_over(engine: AsyncEngine) -> None:
    events: list[str] = []
    gained = {"a": asyncio.Event(), "b": asyncio.Event()}

    def leader(name: str) -> Leadership:
        async def gain() -> None:
            events.append(f"{name}+")
            gained[name].set()

        async def loss() -> None:
            events.append(f"{name}-")
        return Leadership(engine, poll_s=0.05, on_gain=gain, on_loss=loss)

    first, second = leader("a"), leader("b")
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    running_first = asyncio.create_task(first.run(stop_first))
    await asyncio.wait_for(gained["a"].wait(), 30)
    running_second = asyncio.create_task(second.run(stop_second))
    await asyncio.wait_for(_until(lambda: second.tries >= 2), 30)  # it was refused at least once
    assert (first.is_leader, second.is_leader) == (True, False)
    stop_first.set()
    await running_first
    await asyncio.wait_for(gained["b"].wait(), 30)
    assert second.is_leader and events == ["a+", "a-", "b+"]
    stop_second.set()
    await running_second
    async with engine.connect() as conn:
        held = (await conn.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                 "(SELECT oid FROM pg_database WHERE datname = current_database())"))).scalar()
    assert held == 0
