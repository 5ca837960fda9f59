"""Two scheduler instances on the same PostgreSQL send each reminder once."""

import asyncio

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.db import make_engine, make_sessions
from models import OutboxMessage, ReminderSent
from scheduler.jobs import remind
from services.clock import FrozenClock
from tests.conftest import TEST_DATABASE_URL, Sessions
from tests.test_reminders import env_for, new_repair

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"),
                                reason="needs PostgreSQL (TEST_DATABASE_URL)")


async def test_two_instances_queue_each_reminder_exactly_once(
    database_url: str, sessions: Sessions
) -> None:
    clock = FrozenClock()
    ids = [await new_repair(sessions, clock) for _ in range(30)]
    engines = [make_engine(database_url), make_engine(database_url)]
    try:
        envs = [env_for(make_sessions(e), clock) for e in engines]
        for minutes in (90, 30, 240):  # 75%, due (+ manager), admin
            clock.advance(minutes=minutes)
            done = await asyncio.gather(*(remind(env) for env in envs), remind(envs[0]))
            assert sum(done) == {90: 30, 30: 60, 240: 30}[minutes]
    finally:
        for engine in engines:
            await engine.dispose()
    async with sessions() as session:
        per_case = await session.execute(
            select(col(OutboxMessage.case_id), col(OutboxMessage.chat_id), func.count())
            .where(col(OutboxMessage.case_id).in_(ids))
            .group_by(col(OutboxMessage.case_id), col(OutboxMessage.chat_id)))
        counts = {(case_id, chat): n for case_id, chat, n in per_case.all()}
        steps = await session.execute(select(func.count()).select_from(ReminderSent))
    assert steps.scalar_one() == 4 * 30
    # Each case: the worker got two reminders, the manager and the admin one each.
    assert {n for (_case, chat), n in counts.items() if chat == 940001} == {2}
    assert {n for (_case, chat), n in counts.items() if chat in (910001, 900001)} == {1}
