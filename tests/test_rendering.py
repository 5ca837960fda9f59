"""Rendering apart from the update: jobs write with the renderer alone; the digest's charts are
drawn off the event loop, before the write transaction that claims the day."""

import asyncio
import threading

import pytest
from sqlalchemy import select
from sqlmodel import col

from handlers import digest as digest_handlers
from handlers.cards import case_card
from handlers.context import Writer
from handlers.digest import ChartToDraw, plan_digests
from models import ScheduledSend
from scheduler.jobs import daily_digest
from services import chart
from services.clock import FrozenClock
from services.digest import DayPoint
from tests.conftest import Sessions
from tests.factories import load_sample, make_case, person
from tests.test_digest import at, hand_computed_day
from tests.test_reminders import env_for


async def test_a_job_writes_cards_with_the_renderer_and_no_update(sessions: Sessions) -> None:
    clock = FrozenClock()
    env = env_for(sessions, clock)
    async with sessions() as session, session.begin():
        await load_sample(session)
        case = (await make_case(session, clock, reporter=await person(session, 5001))).case
        w = Writer.of(env.renderer, session=session, clock=clock)
        text = case_card(w, case, None, phone=False)
    assert not hasattr(w, "incoming") and not hasattr(w, "me")
    assert f"#{case.id}" in text and "楼道灯坏了" in text


async def test_planning_the_digest_draws_nothing_and_queues_nothing(sessions: Sessions) -> None:
    clock = FrozenClock()
    await hand_computed_day(sessions, clock)
    at(clock, 11, 2, 8, 30)
    async with sessions() as session:
        w = Writer.of(env_for(sessions, clock).renderer, session=session, clock=clock)
        plan = await plan_digests(w)
    charts = [item for item in plan if isinstance(item, ChartToDraw)]
    assert {c.chat_id for c in charts} == {910001, 910002, 900001}
    assert w.effects.messages == []


async def test_the_digest_charts_are_drawn_off_the_loop_before_the_day_is_claimed(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock()
    await hand_computed_day(sessions, clock)
    at(clock, 11, 2, 8, 30)
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()
    drawn: list[tuple[int, int]] = []
    real_render = chart.render

    async def claims() -> int:
        async with sessions() as session:
            found = await session.execute(select(ScheduledSend).where(
                col(ScheduledSend.kind) == "digest"))
            return len(found.scalars().all())

    def spy(points: list[DayPoint], labels: chart.ChartLabels) -> bytes:
        # The loop is free while the chart is drawn: it can answer, and no claim is written yet.
        drawn.append((threading.get_ident(),
                      asyncio.run_coroutine_threadsafe(claims(), loop).result(timeout=30)))
        return real_render(points, labels)

    monkeypatch.setattr(digest_handlers.chart, "render", spy)
    assert await daily_digest(env_for(sessions, clock)) == 3
    assert len(drawn) == 3
    assert all(thread != loop_thread and claimed == 0 for thread, claimed in drawn)
    assert await claims() == 1
