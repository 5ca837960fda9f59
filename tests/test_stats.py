"""The manager's numbers: backlog, overdue, speed and the rates this month against last."""

from zoneinfo import ZoneInfo

from services import stats
from services.cases import accept_case, confirm_case, rate_case, resolve_case
from services.clock import FrozenClock
from services.deadlines import DeadlinePolicy
from tests.conftest import Sessions
from tests.factories import load_sample, make_case, person

TZ = ZoneInfo("Asia/Shanghai")


async def test_stats_count_backlog_overdue_speed_and_both_months(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        resident, zhang = await person(session, 5001), await person(session, 940001)
        clock.advance(days=-7)  # 2026-10-26: last month, closed in time and rated 5 stars
        old = await make_case(session, clock, reporter=resident, number="3")
        await accept_case(session, clock=clock, case_id=old.case.id or 0, actor=zhang)
        await resolve_case(session, clock=clock, case_id=old.case.id or 0, actor=zhang, note=None)
        await confirm_case(session, clock=clock, case_id=old.case.id or 0, actor=resident)
        await rate_case(session, clock=clock, case_id=old.case.id or 0, actor=resident, stars=5)
        clock.advance(days=7)
        fast = await make_case(session, clock, reporter=resident, number="3")
        clock.advance(minutes=30)
        await accept_case(session, clock=clock, case_id=fast.case.id or 0, actor=zhang)
        clock.advance(hours=1, minutes=30)
        await resolve_case(session, clock=clock, case_id=fast.case.id or 0, actor=zhang,
                           note=None)
        await confirm_case(session, clock=clock, case_id=fast.case.id or 0, actor=resident)
        await rate_case(session, clock=clock, case_id=fast.case.id or 0, actor=resident, stars=2)
        waiting = await make_case(session, clock, reporter=resident, number="7")
        clock.advance(hours=3)  # #3 waits past its 2-hour acceptance deadline
        numbers = await stats.community_stats(
            session, community_id=waiting.case.community_id or 0, policy=DeadlinePolicy(),
            now=clock.now(), tz=TZ)
    assert sum(numbers.open_by_grid.values()) == 1
    assert numbers.open_by_assignee == {waiting.case.assignee_id: 1}
    assert numbers.overdue == [waiting.case.id]
    assert numbers.avg_accept is not None and numbers.avg_accept.total_seconds() == 1800
    assert numbers.avg_close is not None and numbers.avg_close.total_seconds() == 7200
    assert numbers.this_month.satisfaction_rate == 0.0
    assert numbers.last_month.satisfaction_rate == 1.0
    assert numbers.this_month.reported == 2 and numbers.last_month.reported == 1
