"""The monthly evaluation from the records: each worker's figures, the community's, the workbook."""

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlmodel import col

from handlers.texts import Texts
from models import Community, Person
from services import evaluation, evaluation_book, visits
from services.cases import accept_case, confirm_case, rate_case, resolve_case
from services.clock import FrozenClock
from services.deadlines import DeadlinePolicy
from tests.conftest import Sessions
from tests.factories import load_sample, make_case, person

TZ = ZoneInfo("Asia/Shanghai")
ZHANG = 940001


async def _loop(sessions: Sessions, clock: FrozenClock, *, accept_after_h: float,
                close_after_h: float, stars: int | None, number: str = "3") -> int:
    """A case in building `number`, accepted and closed (and rated) after so many hours."""
    async with sessions() as s, s.begin():
        reported = await make_case(s, clock, reporter=await person(s, 5001), number=number)
        case_id, worker_id = reported.case.id or 0, reported.case.assignee_id
    start = clock.current
    clock.current = start + timedelta(hours=accept_after_h)
    async with sessions() as s, s.begin():
        worker = await s.get(Person, worker_id)
        assert worker is not None
        await accept_case(s, clock=clock, case_id=case_id, actor=worker)
        if close_after_h:
            clock.current = start + timedelta(hours=close_after_h)
            await resolve_case(s, clock=clock, case_id=case_id, actor=worker, note="修好了")
            resident = await person(s, 5001)
            await confirm_case(s, clock=clock, case_id=case_id, actor=resident)
            if stars:
                await rate_case(s, clock=clock, case_id=case_id, actor=resident, stars=stars)
    return case_id


async def test_each_workers_month_comes_from_the_cases_and_visits(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
    clock.current = datetime(2026, 10, 5, 1, 0, tzinfo=UTC)
    await _loop(sessions, clock, accept_after_h=1, close_after_h=24, stars=5)  # all in time
    clock.current = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
    await _loop(sessions, clock, accept_after_h=3, close_after_h=100, stars=3)  # both late
    clock.current = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)
    await _loop(sessions, clock, accept_after_h=1, close_after_h=0, stars=None, number="7")
    # Closed on 30 September with 1 star: not handled in October, but its resolution fell due on
    # 3 October, so it counts there (closed in time).
    clock.current = datetime(2026, 9, 30, 1, 0, tzinfo=UTC)
    await _loop(sessions, clock, accept_after_h=1, close_after_h=2, stars=1)
    async with sessions() as s, s.begin():
        zhang = await person(s, ZHANG)
        yulan = await s.scalar(select(Community).where(col(Community.code) == "yulan"))
        assert yulan is not None and yulan.id is not None
        home = await visits.flag_household(s, actor=await person(s, 910001), community_id=yulan.id,
                                           building_number="3", unit="1", room="101",
                                           flags=["elderly_alone"])
        await visits.log_visit(s, worker=zhang, household_id=home.id or 0, outcome="visited",
                               at=datetime(2026, 10, 14, 2, 0, tzinfo=UTC), tz=TZ)
    now = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    assert evaluation.last_month(now, TZ) == date(2026, 10, 1)
    async with sessions() as s:
        ev = await evaluation.evaluate(s, community=yulan, month=date(2026, 10, 1),
                                       policy=DeadlinePolicy(), tz=TZ, now=now)
    rows = {row.person.name: row for row in ev.workers}
    assert list(rows) == ["张敏", "黄磊", "何静"]
    zhang_row = rows["张敏"]
    assert zhang_row.handled == 2 and zhang_row.followups == 1
    assert (zhang_row.rates.responded, zhang_row.rates.response_due) == (1, 2)
    assert (zhang_row.rates.resolved_in_time, zhang_row.rates.resolved,
            zhang_row.rates.resolution_due) == (2, 3, 3)
    assert zhang_row.rates.average_rating == pytest.approx(4.0)  # 5 and 3; September's 1 not
    (seventh,) = [r for r in ev.workers if r.grid == "玉兰第二网格" and r.rates.response_due]
    assert (seventh.handled, seventh.rates.responded, seventh.rates.resolved_in_time,
            seventh.rates.resolution_due, seventh.rates.average_rating) == (0, 1, 0, 1, None)
    assert ev.rates.response_due == 3 and ev.rates.resolution_due == 4  # building 7's is due too
    assert ev.rates.resolved_in_time == 2
    assert ev.handled_per_worker == pytest.approx(2 / 3)
    assert ev.followups_per_worker == pytest.approx(1 / 3)

    book = load_workbook(io.BytesIO(evaluation_book.workbook_bytes([ev], Texts("zh"))))
    sheet = book["玉兰社区"]
    assert sheet["A1"].value == "玉兰社区 2026-10 网格员考评"
    assert [c.value for c in sheet[2]][:3] == ["网格", "网格员", "办结件数"]
    assert [c.value for c in sheet[3]][:5] == ["玉兰第一网格", "张敏", 2, 0.5, 2]
    assert sheet.cell(row=3, column=6).value == pytest.approx(2 / 3)
    assert sheet.cell(row=sheet.max_row, column=1).value == "社区平均"
    assert evaluation_book.file_name([ev]) == "evaluation-yulan-2026-10.xlsx"
