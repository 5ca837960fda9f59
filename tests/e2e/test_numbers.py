"""The numbers a manager is judged by, end to end: one rule for "on time" in the digest, /stats
and the ledger, reminders that are not overtaken by their deadline, emergency repeats."""

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from PIL import Image

from models import CaseStatus
from scheduler.dispute_jobs import repeat_emergency_alerts
from scheduler.env import JobEnv
from scheduler.jobs import daily_digest, remind, visit_lists
from scheduler.setup import build_scheduler
from services.timing import Timing
from tests.e2e.harness import CHEN, HUANG, RESIDENT, ZHANG, World
from tests.e2e.test_scheduler import LIN, run


async def test_a_repair_fixed_in_time_and_closed_by_timeout_is_not_overdue(world: World) -> None:
    world.fake.user_starts(LIN)
    await world.say(RESIDENT, "3号楼楼道灯坏了")  # 11-02 09:00 local: resolve by 11-05 09:00
    await world.tap(ZHANG, ZHANG.id, "接单")
    world.clock.advance(hours=1)
    await world.tap(ZHANG, ZHANG.id, "已处理")
    await world.say(ZHANG, "换了灯泡")  # fixed at 10:00, a day early; nobody confirms
    world.clock.current = datetime(2026, 11, 5, 2, 30, tzinfo=UTC)  # 11-05 10:30 local
    await run(world, remind)
    assert (await world.case(1)).status == CaseStatus.CLOSED  # closed by timeout after 3 days
    world.clock.current = datetime(2026, 11, 6, 0, 30, tzinfo=UTC)  # the digest about 11-05
    await run(world, daily_digest)
    digest = next(t for t in reversed(world.texts(CHEN.id)) if "每日简报" in t)
    assert "超时 0 件" in digest and "解决率 100%" in digest, digest
    await world.say(CHEN, "/export 2026-11")
    summary = load_workbook(io.BytesIO(world.last(CHEN.id).file_content or b""))["汇总"]
    grid = next(r for r in summary.iter_rows(min_row=3, values_only=True) if r[0] == "玉兰第一网格")
    assert grid[3] == 0 and grid[5] == 1.0  # overdue, resolution rate in the ledger


async def test_a_reminder_overtaken_by_its_deadline_is_dropped_and_a_late_card_says_overdue(
    world: World,
) -> None:
    await world.say(RESIDENT, "3号楼楼道灯坏了")  # 09:00: accept by 11:00, the 75% reminder 10:30
    world.clock.advance(hours=2, minutes=5)  # the bot was down from 10:00 to 11:05
    await run(world, remind)
    reminders = [t for t in world.texts(ZHANG.id) if t.startswith("⏰")]
    assert len(reminders) == 1 and "时限" in reminders[0] and "已到" in reminders[0], reminders
    await world.tap(CHEN, CHEN.id, "派给")  # the manager reassigns the overdue case
    card = next(m for m in reversed(world.fake.messages(HUANG.id)) if "#1" in (m.text or ""))
    assert "已超时" in card.text and "11月2日 11:00" in card.text, card.text


async def test_a_reminder_held_by_quiet_hours_past_its_deadline_is_dropped(world: World) -> None:
    world.clock.current = datetime(2026, 11, 2, 13, 31, tzinfo=UTC)  # 21:31 local
    await world.say(RESIDENT, "3号楼楼道灯坏了")  # accept by 23:31; the 75% step at 23:01
    world.clock.advance(minutes=91)  # 23:02: quiet hours would hold it until 07:00
    await run(world, remind)
    world.clock.advance(minutes=30)  # 23:32: the deadline itself
    await run(world, remind)
    reminders = [t for t in world.texts(ZHANG.id) if t.startswith("⏰")]
    assert len(reminders) == 1 and "已到" in reminders[0], reminders
    assert not any("请于 11月2日 23:31 前接单。" in t for t in reminders)


async def test_emergency_repeats_come_every_emergency_repeat_min_as_the_scheduler_runs_them(
    world: World,
) -> None:
    assert world.bot is not None and world.bot.sessions is not None
    env = JobEnv(sessions=world.bot.sessions, clock=world.clock, tz=ZoneInfo("Asia/Shanghai"),
                 timing=Timing(emergency_repeat=timedelta(minutes=5)))
    job = build_scheduler(sessions=world.bot.sessions, clock=world.clock, tz=env.tz,
                          env=env).get_job("repeat_emergency_alerts")
    tick = job.trigger.interval  # the cadence the real scheduler checks at
    start = world.clock.now()  # the scheduler's first tick; the SOS comes 33 seconds later
    world.clock.advance(seconds=33)
    await world.say(RESIDENT, "/sos 3号楼 我老伴摔倒了起不来")
    alerted = world.clock.now()
    repeats: list[datetime] = []
    while len(repeats) < 3:
        world.clock.current = start + tick * ((world.clock.now() - start) // tick + 1)
        if await repeat_emergency_alerts(**job.kwargs):
            repeats.append(world.clock.now())
    gaps = [(b - a).total_seconds() for a, b in zip([alerted, *repeats], repeats, strict=False)]
    assert all(300 <= gap <= 315 for gap in gaps), gaps


async def test_the_digest_chart_reads_in_chinese_and_care_help_names_flags_as_workers_do(
    world: World,
) -> None:
    await world.say(CHEN, "/digest")
    chart = world.last(CHEN.id)
    assert chart.photo and chart.file_content
    assert Image.open(io.BytesIO(chart.file_content)).text.get("Title") == "近14天 新增与办结"  # type: ignore[attr-defined]
    await world.say(CHEN, "/help")
    assert "elderly_alone" not in "\n".join(world.texts(CHEN.id)) and "/care 3-2-301 独居" in (
        "\n".join(world.texts(CHEN.id)))
    await world.say(CHEN, "/care 3-2-301 独居")
    world.clock.current = datetime(2026, 11, 4, 0, 0, tzinfo=UTC)  # Wednesday 08:00 local
    await run(world, visit_lists)
    line = next(t for t in world.texts(ZHANG.id) if "入户走访" in t).splitlines()[-1]
    assert "3栋2单元301 未登记姓名（独居）" in line and "3-2-301" not in line, line


async def test_a_household_counts_as_not_visited_only_after_a_visit_day_it_missed(
    world: World,
) -> None:
    world.fake.user_starts(LIN)
    await world.say(CHEN, "/care 3-2-301 独居")  # Monday 11-02
    world.clock.current = datetime(2026, 11, 3, 0, 30, tzinfo=UTC)  # the next morning's digest
    await run(world, daily_digest)
    digest = next(t for t in reversed(world.texts(CHEN.id)) if "每日简报" in t)
    assert "没走访" not in digest, digest
    world.clock.current = datetime(2026, 11, 4, 0, 0, tzinfo=UTC)  # Wednesday: the list goes out
    await run(world, visit_lists)
    world.clock.current = datetime(2026, 11, 9, 0, 30, tzinfo=UTC)  # Monday after: not visited
    await run(world, daily_digest)
    digest = next(t for t in reversed(world.texts(CHEN.id)) if "每日简报" in t)
    assert "上周有 1 户没走访到" in digest, digest
