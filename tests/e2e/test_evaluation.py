"""The monthly evaluation end to end: on the 1st the scheduler sends each grid worker their month
and the managers every worker's row with the workbook; /evaluation on demand."""

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from sandbox import FakeUser
from scheduler.evaluation_job import monthly_evaluation
from tests.e2e.harness import CHEN, HUANG, RESIDENT, ZHANG, ZHOU, World

QIAOXI_STAFF = (FakeUser(id=910002, first_name="林主任"), FakeUser(id=940004, first_name="马强"))

pytestmark = pytest.mark.parametrize("world", ["aiogram"], indirect=True)


async def run(world: World) -> int:
    """Run the job as the scheduler would and let the bot deliver what it queued."""
    assert world.bot is not None and world.bot.jobs is not None and world.bot.sender is not None
    sent = await monthly_evaluation(world.bot.jobs)
    world.bot.sender.wake()
    await world.settle()
    return sent


async def test_on_the_first_each_worker_gets_their_month_and_managers_the_workbook(
    world: World,
) -> None:
    for person in QIAOXI_STAFF:
        world.fake.user_starts(person)
    world.clock.current = datetime(2026, 10, 13, 1, 0, tzinfo=UTC)  # 09:00 local
    await world.say(RESIDENT, "3号楼2单元楼道灯坏了")
    await world.tap(ZHANG, ZHANG.id, "接单")
    await world.tap(ZHANG, ZHANG.id, "已处理")
    await world.say(ZHANG, "已更换灯泡")
    await world.tap(RESIDENT, RESIDENT.id, "解决了")
    await world.tap(RESIDENT, RESIDENT.id, "⭐⭐⭐⭐⭐")

    world.clock.current = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)  # 08:30 local on the 1st
    assert await run(world) == 7  # 张敏, 黄磊, 何静, 马强; 陈书记, 林主任; 周主任
    mine = world.last(ZHANG.id).text
    assert "2026年10月考评：张敏" in mine and "办结：1 件 · 社区人均 0.3" in mine
    assert "按时响应率：100%（1/1）" in mine and "满意度：5.0 星（1 个评价）" in mine
    assert "张敏" not in world.last(HUANG.id).text and "黄磊" in world.last(HUANG.id).text
    rows = world.texts(CHEN.id)[-2]
    assert "张敏（玉兰第一网格）：办结 1" in rows and "黄磊" in rows and "何静" in rows
    book_message = world.last(CHEN.id)
    assert book_message.document is not None and book_message.file_content is not None
    assert book_message.document["file_name"] == "evaluation-yulan-2026-10.xlsx"
    sheet = load_workbook(io.BytesIO(book_message.file_content))["玉兰社区"]
    assert [c.value for c in sheet[3]][:3] == ["玉兰第一网格", "张敏", 1]
    assert world.last(ZHOU.id).document["file_name"] == "evaluation-2026-10.xlsx"  # type: ignore[index]

    assert await run(world) == 0  # once a month, however often the job runs
    world.clock.current = datetime(2026, 11, 5, 0, 30, tzinfo=UTC)
    assert await run(world) == 0


async def test_evaluation_on_demand_goes_only_to_staff(world: World) -> None:
    await world.say(ZHANG, "/evaluation 2026-10")
    assert "2026年10月考评：张敏" in world.last(ZHANG.id).text
    await world.say(RESIDENT, "/evaluation")
    assert "只发给网格员" in world.last(RESIDENT.id).text
    await world.say(CHEN, "/evaluation 十月")
    assert "用法" in world.last(CHEN.id).text
