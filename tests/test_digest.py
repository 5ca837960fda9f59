"""The daily digest: its numbers match a hand-computed day, it goes out once, the chart is a PNG."""

import base64
from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from matplotlib import image
from sqlalchemy import select
from sqlmodel import col

from models import Case, CaseStatus, OutboxMessage
from scheduler.jobs import daily_digest, remind
from services import chart, digest
from services.cases import accept_case, confirm_case, rate_case, resolve_case
from services.chart import ChartLabels, render
from services.clock import FrozenClock
from services.deadlines import DeadlinePolicy
from services.digest import DayPoint
from tests.conftest import Sessions
from tests.factories import load_sample, make_case, person
from tests.test_reminders import env_for

TZ = ZoneInfo("Asia/Shanghai")
RESIDENT = 555


def at(clock: FrozenClock, month: int, day: int, hour: int, minute: int = 0) -> None:
    clock.current = datetime(2026, month, day, hour, minute, tzinfo=TZ)


async def _repair(sessions: Sessions, clock: FrozenClock, number: str) -> tuple[int, int]:
    async with sessions() as session, session.begin():
        reported = await make_case(session, clock, reporter=await person(session, RESIDENT),
                                   number=number)
        assert reported.case.id is not None and reported.assignee is not None
        return reported.case.id, reported.assignee.telegram_id or 0


async def _step(sessions: Sessions, clock: FrozenClock, case_id: int, worker: int,
                *, accept: bool = False, resolve: bool = False, stars: int | None = None) -> None:
    async with sessions() as session, session.begin():
        me, resident = await person(session, worker), await person(session, RESIDENT)
        if accept:
            await accept_case(session, clock=clock, case_id=case_id, actor=me)
        if resolve:
            await resolve_case(session, clock=clock, case_id=case_id, actor=me, note=None)
        if stars is not None:
            await confirm_case(session, clock=clock, case_id=case_id, actor=resident)
            await rate_case(session, clock=clock, case_id=case_id, actor=resident, stars=stars)


async def hand_computed_day(sessions: Sessions, clock: FrozenClock) -> dict[str, int]:
    """Sunday 1 November 2026 (local) in 玉兰 and 桥西; the digest is read on Monday 09:00."""
    async with sessions() as session, session.begin():
        await load_sample(session)
    at(clock, 10, 28, 9)
    e, e_worker = await _repair(sessions, clock, "4")  # resolved, never confirmed
    await _step(sessions, clock, e, e_worker, accept=True)
    at(clock, 10, 29, 9)
    await _step(sessions, clock, e, e_worker, resolve=True)
    d, d_worker = await _repair(sessions, clock, "3")  # accepted in time, resolve due 11-01 09:00
    await _step(sessions, clock, d, d_worker, accept=True)
    at(clock, 11, 1, 9)
    await remind(env_for(sessions, clock))  # E closes by timeout: closed, but not rated
    a, a_worker = await _repair(sessions, clock, "3")
    b, _b_worker = await _repair(sessions, clock, "6")  # never accepted
    c, c_worker = await _repair(sessions, clock, "11")  # 桥西
    at(clock, 11, 1, 10)
    await _step(sessions, clock, a, a_worker, accept=True)
    at(clock, 11, 1, 10, 30)
    await _step(sessions, clock, c, c_worker, accept=True)
    at(clock, 11, 1, 12)
    await _step(sessions, clock, a, a_worker, resolve=True)
    await _step(sessions, clock, c, c_worker, resolve=True)
    at(clock, 11, 1, 13)
    await _step(sessions, clock, a, a_worker, stars=5)
    await _step(sessions, clock, c, c_worker, stars=3)
    at(clock, 11, 2, 9)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


async def test_the_digest_numbers_match_a_hand_computed_day(sessions: Sessions) -> None:
    clock = FrozenClock()
    ids = await hand_computed_day(sessions, clock)
    async with sessions() as session:
        assert (await session.get(Case, ids["e"])).status == CaseStatus.CLOSED  # type: ignore[union-attr]
        yulan, qiaoxi = await digest.build(session, policy=DeadlinePolicy(), tz=TZ,
                                           now=clock.now())
    r = yulan.rates
    assert (yulan.name, str(yulan.day)) == ("玉兰社区", "2026-11-01")
    assert (r.reported, r.closed) == (2, 2)  # A, B new; A confirmed, E closed by timeout
    assert (r.responded, r.response_due) == (1, 2)  # A in time, B never
    assert (r.resolved, r.resolution_due) == (0, 1)  # D was due and is still open
    assert (r.satisfied, r.rated) == (1, 1)  # A's five stars; E has no rating
    assert sorted(r.overdue) == sorted([ids["b"], ids["d"]])
    assert yulan.backlog == 2
    assert [(g.grid, g.total) for g in yulan.grids] == [("玉兰第一网格", 1), ("玉兰第二网格", 1)]
    assert yulan.grids[0].by_worker == [("张敏", 1)]
    assert [c.id for c in yulan.oldest_overdue] == [ids["d"], ids["b"]]
    q = qiaoxi.rates
    assert (q.reported, q.closed, q.responded, q.response_due, q.satisfied, q.rated) == (
        1, 1, 1, 1, 0, 1)
    assert (q.resolution_due, qiaoxi.backlog) == (0, 0)


async def test_the_digest_goes_to_managers_and_the_admin_once_a_day(sessions: Sessions) -> None:
    clock = FrozenClock()
    await hand_computed_day(sessions, clock)
    at(clock, 11, 2, 8, 30)
    env = env_for(sessions, clock)
    async with sessions() as session:
        before = len((await session.execute(select(OutboxMessage))).scalars().all())
    assert await daily_digest(env) == 3
    assert await daily_digest(env) == 0  # a restart at 08:31 sends nothing again
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id))))
        sent = list(rows.scalars().all())[before:]
    texts = {r.chat_id: r.payload["text"] for r in sent if "photo_png" not in r.payload}
    assert set(texts) == {910001, 910002, 900001}
    assert "新增 2 件 · 办结 2 件 · 超时 2 件" in texts[910001]
    assert "响应率 50%（1/2） · 解决率 0%（0/1） · 满意率 100%（1/1）" in texts[910001]
    assert "玉兰第一网格：1 件（张敏 1）" in texts[910001]
    assert "桥西社区" in texts[900001] and "玉兰社区" in texts[900001]
    assert "合计：新增 3 · 办结 3 · 超时 2 · 待办 2" in texts[900001]
    photos = [r for r in sent if "photo_png" in r.payload]
    assert {r.chat_id for r in photos} == {910001, 910002, 900001}
    png = base64.b64decode(photos[0].payload["photo_png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


async def test_the_chart_is_a_valid_png_of_fourteen_days(sessions: Sessions) -> None:
    clock = FrozenClock()
    await hand_computed_day(sessions, clock)
    async with sessions() as session:
        points = await digest.series(session, policy=DeadlinePolicy(), tz=TZ, now=clock.now())
    assert len(points) == 14 and str(points[-1].day) == "2026-11-01"
    assert (points[-1].new, points[-1].closed, points[-1].response) == (3, 3, 2 / 3)
    async with sessions() as session:
        _all, each = await digest.series_by_community(session, policy=DeadlinePolicy(), tz=TZ,
                                                      now=clock.now())
    assert sorted((p[-1].new, p[-1].closed, p[-1].satisfaction) for p in each.values()) == [
        (1, 1, 0.0), (2, 2, 1.0)]
    assert [p.new for p in points[:-1]] == [0] * 9 + [1, 1, 0, 0]  # E on 10-28, D on 10-29
    labels = ChartLabels("Last 14 days", "New", "Closed", "Response", "Resolution",
                         "Satisfaction")
    png = render(points, labels)
    pixels = image.imread(BytesIO(png), format="png")
    assert png.startswith(b"\x89PNG") and pixels.shape[0] > 300 and pixels.shape[1] > 500


def test_a_quiet_fortnight_charts_whole_cases_from_zero() -> None:
    days = [DayPoint(date(2026, 11, d), 0, 0, None, None, None) for d in range(1, 15)]
    labels = chart.ChartLabels("近14天 新增与办结", "新增", "办结", "响应率", "解决率", "满意率")
    counts = chart.draw(days, labels).axes[0]
    low, high = counts.get_ylim()
    assert low == 0 and high >= 1
    assert all(float(t).is_integer() for t in counts.get_yticks())
    assert chart.cjk_font() == "Noto Sans SC"  # shipped with the bot, not left to the server
