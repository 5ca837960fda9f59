"""Emergency alerts: who is alerted, the first 我来处理 wins, and repeats come from the database
(a restart neither loses nor doubles one; two instances never send the same one)."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.db import Sessions
from handlers.texts import Texts
from models import CaseAction, CaseEvent, CaseKind, CaseStatus, EmergencyAlert, OutboxMessage
from scheduler.dispute_jobs import repeat_emergency_alerts
from services import directory, emergencies
from services.clock import FrozenClock
from services.errors import DomainError
from tests.conftest import TEST_DATABASE_URL
from tests.factories import load_sample, make_case, person


async def _emergency(sessions: Sessions, clock: FrozenClock) -> int:
    async with sessions() as s, s.begin():
        await load_sample(s)
        reported = await make_case(s, clock, reporter=await person(s, 5001),
                                   kind=CaseKind.EMERGENCY, text="老人摔倒了起不来")
        people = await emergencies.recipients_for(s, assignee=reported.assignee,
                                                  also=reported.also_notify)
        await emergencies.open_alert(s, case_id=reported.case.id or 0, recipients=people,
                                     at=clock.now())
        return reported.case.id or 0


async def _outbox_count(sessions: Sessions) -> int:
    async with sessions() as s:
        return int((await s.execute(select(func.count()).select_from(OutboxMessage)))
                   .scalar_one())


async def test_the_worker_the_manager_and_the_admin_are_alerted(
    sessions: Sessions, clock: FrozenClock
) -> None:
    case_id = await _emergency(sessions, clock)
    async with sessions() as s:
        alert = await emergencies.alert_of(s, case_id)
        assert alert is not None
        people = await emergencies.recipients_of(s, alert)
    assert [p.telegram_id for p in people] == [940001, 910001, 900001]


async def test_the_first_to_press_takes_it_and_the_others_are_refused_with_the_name(
    sessions: Sessions, clock: FrozenClock
) -> None:
    case_id = await _emergency(sessions, clock)
    async with sessions() as s, s.begin():
        with pytest.raises(DomainError) as stranger:
            await emergencies.acknowledge(s, clock=clock, case_id=case_id,
                                          actor=await person(s, 5002))
        assert stranger.value.key == "emergency.not_alerted"
        admin = await directory.person_by_telegram(s, 900001)
        assert admin is not None
        case, alert = await emergencies.acknowledge(s, clock=clock, case_id=case_id, actor=admin)
        assert case.status == CaseStatus.ACCEPTED and case.assignee_id == admin.id
        assert alert.acknowledged_by_id == admin.id and alert.acknowledged_at == clock.now()
    async with sessions() as s, s.begin():
        worker = await directory.person_by_telegram(s, 940001)
        assert worker is not None
        with pytest.raises(DomainError) as late:
            await emergencies.acknowledge(s, clock=clock, case_id=case_id, actor=worker)
        assert late.value.key == "emergency.taken" and late.value.params["name"] == "周主任"


async def test_a_repeat_is_sent_once_per_interval_even_when_the_job_runs_again(
    sessions: Sessions, clock: FrozenClock
) -> None:
    await _emergency(sessions, clock)
    texts = Texts()
    clock.advance(minutes=5)
    assert await repeat_emergency_alerts(sessions, clock, texts=texts, every_minutes=5) == 1
    queued = await _outbox_count(sessions)
    assert queued == 3  # one message to each of the three alerted
    # A restarted instance derives the schedule from the rows: nothing is due again yet.
    assert await repeat_emergency_alerts(sessions, clock, texts=texts, every_minutes=5) == 0
    clock.advance(minutes=4)
    assert await repeat_emergency_alerts(sessions, clock, texts=texts, every_minutes=5) == 0
    clock.advance(minutes=1)
    assert await repeat_emergency_alerts(sessions, clock, texts=texts, every_minutes=5) == 1
    assert await _outbox_count(sessions) == 6
    async with sessions() as s:
        alerts = (await s.execute(select(EmergencyAlert))).scalars().all()
    assert [a.times_sent for a in alerts] == [3]


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="row locks need PostgreSQL")
async def test_two_instances_never_take_the_same_due_alert(
    sessions: Sessions, clock: FrozenClock
) -> None:
    await _emergency(sessions, clock)
    clock.advance(minutes=5)
    every = timedelta(minutes=5)
    async with sessions() as first, first.begin():
        mine = await emergencies.due_repeats(first, now=clock.now(), every=every)
        assert len(mine) == 1
        async with sessions() as second, second.begin():
            assert await emergencies.due_repeats(second, now=clock.now(), every=every) == []


async def test_two_simultaneous_presses_let_exactly_one_take_the_emergency(
    sessions: Sessions, clock: FrozenClock
) -> None:
    case_id = await _emergency(sessions, clock)

    async def press(telegram_id: int) -> str:
        try:
            async with sessions() as s, s.begin():
                actor = await directory.person_by_telegram(s, telegram_id)
                assert actor is not None
                await emergencies.acknowledge(s, clock=clock, case_id=case_id, actor=actor)
            return "ok"
        except DomainError as refusal:
            return refusal.key
        except Exception as exc:  # SQLite may refuse the second writer outright
            return type(exc).__name__

    outcomes = await asyncio.gather(press(940001), press(910001))
    assert outcomes.count("ok") == 1, outcomes
    async with sessions() as s:
        accepts = (await s.execute(select(CaseEvent).where(
            col(CaseEvent.case_id) == case_id, col(CaseEvent.action) == CaseAction.ACCEPT))).all()
        alert = await emergencies.alert_of(s, case_id)
    assert len(accepts) == 1 and alert is not None and alert.acknowledged_by_id is not None
