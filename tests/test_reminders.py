"""The reminder ladder: each step fires once and only once, across restarts, in quiet hours too."""

from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import col

from bot.db import make_engine, make_sessions
from models import (
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    CaseStatus,
    OutboxMessage,
    ReminderSent,
    Urgency,
)
from scheduler.env import JobEnv
from scheduler.jobs import remind
from services.cases import NewReport, accept_case, reopen_case, report_case, resolve_case
from services.clock import FrozenClock
from services.deadlines import DeadlinePolicy
from services.lifecycle import apply, start_case
from services.timing import Timing
from tests.conftest import Sessions
from tests.factories import building, load_sample, person

TZ = ZoneInfo("Asia/Shanghai")
WORKER, MANAGER, ADMIN, RESIDENT = 940001, 910001, 900001, 555


def env_for(sessions: Sessions, clock: FrozenClock) -> JobEnv:
    return JobEnv(sessions=sessions, clock=clock, tz=TZ)


async def outbox_rows(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        result = await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        return list(result.scalars().all())


async def new_repair(sessions: Sessions, clock: FrozenClock, *, kind: CaseKind = CaseKind.REPAIR,
                     group: int | None = None) -> int:
    async with sessions() as session, session.begin():
        await load_sample(session)
        reporter = await person(session, RESIDENT, "王大爷")
        where = await building(session, "3")
        report = NewReport(text="楼道灯坏了", kind=kind, urgency=Urgency.NORMAL,
                           community_id=where.community_id, building=where, source_chat_id=group)
        reported = await report_case(session, clock=clock, reporter=reporter, report=report)
        assert reported.case.id is not None
        return reported.case.id


async def test_each_accept_step_fires_once_at_its_time(sessions: Sessions) -> None:
    clock = FrozenClock()
    env = env_for(sessions, clock)
    case_id = await new_repair(sessions, clock)
    assert await remind(env) == 0
    clock.advance(minutes=89)
    assert await remind(env) == 0
    clock.advance(minutes=1)  # 75% of the 2-hour allowance
    assert await remind(env) == 1
    assert await remind(env) == 0
    rows = await outbox_rows(sessions)
    assert [r.chat_id for r in rows] == [WORKER]
    assert "#" + str(case_id) in rows[0].payload["text"]
    assert "11月2日 11:00" in rows[0].payload["text"]  # due 2 hours after 09:00 local
    assert rows[0].payload["buttons"][0][0]["data"] == f"a:{case_id}"  # accept, right there
    clock.advance(minutes=30)  # the allowance has passed: assignee and manager
    assert await remind(env) == 2
    assert sorted(r.chat_id for r in (await outbox_rows(sessions))[1:]) == [MANAGER, WORKER]
    clock.advance(hours=3, minutes=59)
    assert await remind(env) == 0
    clock.advance(minutes=1)  # overdue by twice the allowance: the sub-district admin
    assert await remind(env) == 1
    assert (await outbox_rows(sessions))[-1].chat_id == ADMIN
    clock.advance(days=30)  # the resolve ladder (3 days) has all passed, each step once
    assert await remind(env) == 4
    assert await remind(env) == 0


async def test_accepting_stops_the_accept_ladder_and_starts_nothing_new(sessions: Sessions) -> None:
    clock = FrozenClock()
    env = env_for(sessions, clock)
    case_id = await new_repair(sessions, clock)
    async with sessions() as session, session.begin():
        await accept_case(session, clock=clock, case_id=case_id,
                          actor=await person(session, WORKER))
    clock.advance(hours=10)
    assert await remind(env) == 0
    clock.advance(days=2, hours=8)  # 75% of 3 days after the report
    assert await remind(env) == 1
    rows = await outbox_rows(sessions)
    assert rows[-1].payload["buttons"][0][0]["data"] == f"d:{case_id}"  # resolve


async def test_nothing_repeats_after_a_restart_and_the_next_step_fires_once(
    database_url: str, sessions: Sessions
) -> None:
    clock = FrozenClock()
    await new_repair(sessions, clock)
    clock.advance(minutes=90)
    assert await remind(env_for(sessions, clock)) == 1
    engine = make_engine(database_url)  # a new process: new engine, new sessions
    try:
        again = env_for(make_sessions(engine), clock)
        assert await remind(again) == 0
        clock.advance(minutes=30)
        assert await remind(again) == 2
        assert await remind(again) == 0
    finally:
        await engine.dispose()
    async with sessions() as session:
        steps = (await session.execute(select(col(ReminderSent.step)))).scalars().all()
    assert sorted(steps) == ["accept_75", "accept_due", "accept_mgr"]


async def test_quiet_hours_defer_a_reminder_but_never_an_emergency(sessions: Sessions) -> None:
    clock = FrozenClock()
    clock.advance(hours=12)  # 21:00 local
    await new_repair(sessions, clock)
    emergency = await new_repair(sessions, clock, kind=CaseKind.EMERGENCY)
    clock.advance(hours=9)  # 06:00 local
    env = env_for(sessions, clock)
    # Due 09:00, after the night.
    env.rules = Timing(deadlines=DeadlinePolicy("repair.accept=12h")).reminder_rules()
    # The repair at 75%; the emergency at 75% (overtaken: dropped), due, manager and admin.
    assert await remind(env) == 5
    rows = await outbox_rows(sessions)
    waiting = [r for r in rows if r.available_at is not None]
    assert len(waiting) == 1 and waiting[0].case_id != emergency
    assert waiting[0].available_at.astimezone(TZ).strftime("%d %H:%M") == "03 07:00"  # type: ignore[union-attr]
    assert all(r.available_at is None for r in rows if r.case_id == emergency)


async def test_an_unconfirmed_case_is_reminded_then_closed_by_timeout(sessions: Sessions) -> None:
    clock = FrozenClock()
    env = env_for(sessions, clock)
    case_id = await new_repair(sessions, clock, group=-1001000000001)
    async with sessions() as session, session.begin():
        worker = await person(session, WORKER)
        await accept_case(session, clock=clock, case_id=case_id, actor=worker)
        await resolve_case(session, clock=clock, case_id=case_id, actor=worker, note="换了灯泡")
    clock.advance(hours=23)
    before = len(await outbox_rows(sessions))
    assert await remind(env) == 0
    clock.advance(hours=1)
    assert await remind(env) == 1
    asked = (await outbox_rows(sessions))[before:]
    # The resident never opened a private chat: the group gets a line without personal data.
    assert [r.chat_id for r in asked] == [-1001000000001]
    assert asked[0].payload["buttons"][0][0]["data"] == f"y:{case_id}"
    clock.advance(days=2)
    assert await remind(env) == 1
    assert await remind(env) == 0
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        assert (case.status, case.rating) == (CaseStatus.CLOSED, None)
        last = (await session.execute(select(CaseEvent).where(col(CaseEvent.case_id) == case_id)
                                      .order_by(col(CaseEvent.id).desc()))).scalars().first()
        assert last is not None and last.action == "auto_close"
    closing = [r.payload["text"] for r in (await outbox_rows(sessions))[before + 1:]]
    assert any("默认办结" in text and "王大爷" not in text for text in closing)


async def test_a_case_resolved_again_after_reopening_is_reminded_again(sessions: Sessions) -> None:
    clock = FrozenClock()
    env = env_for(sessions, clock)
    case_id = await new_repair(sessions, clock)
    async with sessions() as session, session.begin():
        worker = await person(session, WORKER)
        await accept_case(session, clock=clock, case_id=case_id, actor=worker)
        await resolve_case(session, clock=clock, case_id=case_id, actor=worker, note=None)
    clock.advance(days=1)
    assert await remind(env) == 1
    async with sessions() as session, session.begin():
        await reopen_case(session, clock=clock, case_id=case_id,
                          actor=await person(session, RESIDENT), words="还是不亮")
        await resolve_case(session, clock=clock, case_id=case_id,
                           actor=await person(session, WORKER), note="换了开关")
    clock.advance(hours=12)
    assert await remind(env) == 0
    clock.advance(hours=12)
    assert await remind(env) == 1
    async with sessions() as session:
        count = await session.execute(select(func.count()).select_from(ReminderSent)
                                      .where(col(ReminderSent.step) == "confirm_1d"))
        assert count.scalar_one() == 1  # one row, moved on to the new resolution


async def test_an_unclaimed_wish_reminds_the_grid_and_the_manager(sessions: Sessions) -> None:
    clock = FrozenClock()
    env = env_for(sessions, clock)
    async with sessions() as session, session.begin():
        await load_sample(session)
        reporter = await person(session, RESIDENT)
        where = await building(session, "3")
        wish = Case(kind=CaseKind.WISH, text="想学用智能手机", community_id=where.community_id,
                    grid_id=where.grid_id, building_id=where.id, reporter_id=reporter.id or 0)
        await start_case(session, wish, actor_id=reporter.id, at=clock.now())
        await apply(session, wish, CaseAction.APPROVE, actor_id=None, at=clock.now())
    clock.advance(days=2, hours=6)  # 75% of 3 days after publication
    before = len(await outbox_rows(sessions))
    assert await remind(env) == 1
    chats = sorted(r.chat_id for r in (await outbox_rows(sessions))[before:])
    assert chats == [MANAGER, WORKER]


async def test_a_tick_that_hits_its_limit_leaves_the_rest_for_the_next(sessions: Sessions) -> None:
    clock = FrozenClock()
    env = env_for(sessions, clock)
    for _ in range(3):
        await new_repair(sessions, clock)
    clock.advance(minutes=90)
    assert [await remind(env, limit=2) for _ in range(3)] == [2, 1, 0]
    clock.advance(hours=2)  # two steps each for three cases, two per query and tick
    assert [await remind(env, limit=2) for _ in range(3)] == [4, 2, 0]
    async with sessions() as session:
        count = await session.execute(select(func.count()).select_from(ReminderSent))
        assert count.scalar_one() == 9


async def test_a_claimed_wish_reminds_its_volunteer_to_fulfil_it(sessions: Sessions) -> None:
    clock = FrozenClock()
    env = env_for(sessions, clock)
    async with sessions() as session, session.begin():
        await load_sample(session)
        reporter = await person(session, RESIDENT)
        volunteer = await person(session, 930001, "孙志愿者")
        where = await building(session, "3")
        wish = Case(kind=CaseKind.WISH, text="想学用智能手机", community_id=where.community_id,
                    grid_id=where.grid_id, building_id=where.id, reporter_id=reporter.id or 0)
        await start_case(session, wish, actor_id=reporter.id, at=clock.now())
        await apply(session, wish, CaseAction.APPROVE, actor_id=None, at=clock.now())
        clock.advance(days=1)
        await apply(session, wish, CaseAction.CLAIM, actor_id=volunteer.id, at=clock.now(),
                    assignee_id=volunteer.id)
    clock.advance(days=5, hours=6)  # 75% of 7 days after the claim
    before = len(await outbox_rows(sessions))
    assert await remind(env) == 1
    (row,) = (await outbox_rows(sessions))[before:]
    assert row.chat_id == 930001 and "完成心愿" in row.payload["text"]
