"""Timing the hot paths one call at a time: intake parsing, routing, the lifecycle transition,
and the outbox drain (with a transport that answers at once)."""

import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench import database
from bench.community import build_community, report_stream
from bot.db import make_engine, make_sessions
from bot.ratelimit import FloodLimiter
from bot.sender import Delivery, OutboxSender
from models import Building, Case, CaseAction, CaseKind, CaseStatus, Person
from services import outbox
from services.fault_topics import read, same_fault
from services.intake import parse_report
from services.lifecycle import apply
from services.routing import route_case

Timing = tuple[str, float, int]


class NoNetwork:
    """A transport that delivers instantly, so the drain's own cost shows."""

    def __init__(self) -> None:
        self.next_id = 0

    async def deliver(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        """Pretend Telegram accepted the message."""
        self.next_id += 1
        return Delivery("sent", message_id=self.next_id)


async def _loop(name: str, loops: int, call: Callable[[int], Awaitable[None]]) -> Timing:
    began = time.perf_counter()
    for n in range(loops):
        await call(n)
    return name, (time.perf_counter() - began) / loops, loops


async def measure(*, quick: bool = False) -> list[Timing]:
    """Time each hot path on a small SQLite database holding the bench community."""
    loops = 200 if quick else 2000
    stream = report_stream()
    texts = [next(stream) for _ in range(28)]
    timings: list[Timing] = []

    async def parse(n: int) -> None:
        parse_report(texts[n % len(texts)])
    timings.append(await _loop("intake: parse_report", loops * 5, parse))

    async def compare_unread(n: int) -> None:
        read.cache_clear()  # both texts read afresh: a new report against an unseen open case
        same_fault(texts[n % len(texts)], texts[(n * 7 + 3) % len(texts)])
    timings.append(await _loop("duplicates: same_fault, texts unread", loops * 5, compare_unread))

    async def compare_read(n: int) -> None:
        same_fault(texts[n % len(texts)], texts[(n * 7 + 3) % len(texts)])
    timings.append(await _loop("duplicates: same_fault, texts read", loops * 5, compare_read))

    with tempfile.TemporaryDirectory() as folder:
        url = database.sqlite_url(Path(folder) / "hot.db")
        await database.fresh_database(url, build_community(20).yaml())
        engine = make_engine(url)
        sessions = make_sessions(engine)
        try:
            timings += await _database_paths(sessions, loops)
        finally:
            await engine.dispose()
    return timings


async def _database_paths(sessions: Any, loops: int) -> list[Timing]:
    at = datetime.now(UTC)
    async with sessions() as session:
        buildings = list((await session.execute(select(Building))).scalars().all())
        worker = (await session.execute(select(Person).where(Person.telegram_id.is_not(None))  # type: ignore[union-attr]
                                        )).scalars().first()
    assert worker is not None

    async def route(n: int) -> None:
        async with sessions() as session:
            building = buildings[n % len(buildings)]
            await route_case(session, kind=CaseKind.REPAIR, community_id=building.community_id,
                             building=building)
    timings = [await _loop("routing: route_case (own session)", loops, route)]

    async with sessions() as session, session.begin():
        cases = [Case(kind="repair", status=CaseStatus.ASSIGNED, text="灯坏了",
                      reporter_id=worker.id, assignee_id=worker.id, created_at=at, updated_at=at)
                 for _ in range(loops)]
        session.add_all(cases)

    async def transition(n: int) -> None:
        async with sessions() as session, session.begin():
            case = cases[n]
            session.add(case)
            await apply(session, case, CaseAction.ACCEPT, actor_id=worker.id, at=at)
    timings.append(await _loop("lifecycle: apply ACCEPT (own transaction)", loops, transition))

    async with sessions() as session, session.begin():
        for n in range(loops):
            outbox.enqueue(session, chat_id=1000 + n % 50, payload={"text": f"第{n}条"}, at=at)
    sender = OutboxSender(sessions, NoNetwork(), FloodLimiter(
        global_per_s=1e6, group_per_min=10**6, private_per_s=1e6))
    began, drained = time.perf_counter(), 0
    while handled := await sender.drain_once():
        drained += handled
    timings.append(("outbox: drain_once, per message (50 chats)",
                    (time.perf_counter() - began) / max(drained, 1), drained))
    return timings
