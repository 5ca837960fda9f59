"""The scheduler end to end: reminders with working buttons, the digest with its chart, and a
week of home visits, through the real bot and the Bot API emulator."""

from datetime import UTC, datetime

from models import CaseStatus
from sandbox import FakeUser
from scheduler.env import JobEnv
from scheduler.jobs import daily_digest, remind, visit_lists
from tests.e2e.harness import CHEN, RESIDENT, ZHANG, ZHOU, World

LIN = FakeUser(id=910002, first_name="林主任")  # manager of 桥西


async def run(world: World, job, **kwargs: object) -> int:  # type: ignore[no-untyped-def]
    assert world.bot is not None and world.bot.jobs is not None and world.bot.sender is not None
    env: JobEnv = world.bot.jobs
    done = await job(env, **kwargs)
    world.bot.sender.wake()
    await world.settle()
    return int(done)


async def test_an_overdue_case_reminds_the_worker_and_escalates_to_the_manager(
    world: World,
) -> None:
    await world.say(RESIDENT, "3号楼楼道灯坏了")
    assert "请于 11月2日 11:00 前接单" in world.last(ZHANG.id).text  # the card shows its due time
    world.clock.advance(minutes=90)
    assert await run(world, remind) == 1
    reminder = world.last(ZHANG.id)
    assert "#1" in reminder.text and "11月2日 11:00" in reminder.text and "接单" in reminder.text
    world.clock.advance(minutes=30)
    assert await run(world, remind) == 2
    assert "超时督办" in world.last(CHEN.id).text and "张敏" in world.last(CHEN.id).text
    assert await run(world, remind) == 0
    await world.tap(ZHANG, ZHANG.id, "接单")  # the reminder's own button works
    assert (await world.case(1)).status == CaseStatus.ACCEPTED


async def test_digest_on_demand_sends_text_and_a_chart(world: World) -> None:
    world.fake.user_starts(LIN)  # 桥西's manager has opened the bot too
    await world.say(RESIDENT, "3号楼楼道灯坏了")
    world.clock.advance(days=1)
    await world.say(CHEN, "/digest")
    texts = world.texts(CHEN.id)
    assert any("玉兰社区 每日简报" in t and "响应率" in t for t in texts)
    chart = world.last(CHEN.id)
    assert chart.photo and chart.caption and "近14天" in chart.caption
    await world.say(RESIDENT, "/digest")
    assert "只发给" in world.last(RESIDENT.id).text
    world.clock.current = datetime(2026, 11, 4, 0, 30, tzinfo=UTC)  # 08:30 local
    assert await run(world, daily_digest) == 3
    assert "街道每日简报" in world.texts(ZHOU.id)[-2] and world.last(ZHOU.id).photo


async def test_a_week_of_home_visits_with_a_household_that_needs_help(world: World) -> None:
    await world.say(CHEN, "/care")
    assert "用法" in world.last(CHEN.id).text
    await world.say(CHEN, "/care 3-2-301 elderly_alone")
    assert "3-2-301：独居" in world.last(CHEN.id).text
    await world.say(CHEN, "/care 3-2-301 独居")  # the same flag, written as people say it
    assert "3-2-301：独居" in world.last(CHEN.id).text
    world.clock.current = datetime(2026, 11, 4, 0, 0, tzinfo=UTC)  # Wednesday 08:00 local
    assert await run(world, visit_lists) == 1
    assert await run(world, visit_lists) == 0
    assert "入户走访" in world.last(ZHANG.id).text and "3栋2单元301" in world.last(ZHANG.id).text
    await world.tap(ZHANG, ZHANG.id, "3-2-301")
    await world.tap(ZHANG, ZHANG.id, "需要帮助")
    assert "已立案 #1" in world.texts(ZHANG.id)[-2] or "已立案 #1" in world.last(ZHANG.id).text
    case = await world.case(1)
    assert case.status == CaseStatus.ASSIGNED and case.room == "301"
    await world.say(ZHANG, "/visits")
    assert "🆘" in world.last(ZHANG.id).text
    await world.say(CHEN, "/visitday thu")
    assert "每周四" in world.last(CHEN.id).text
    world.clock.current = datetime(2026, 11, 11, 0, 0, tzinfo=UTC)  # next Wednesday: not our day
    assert await run(world, visit_lists) == 0
