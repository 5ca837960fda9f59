"""The suggestion box end to end: a suggestion written in the group goes to the manager (not to a
worker as a case), the deadline passes and the scheduler reminds, /suggestions lists it, the
manager answers in chat, the resident is told, and the answer is published without the name."""

import pytest

from scheduler.suggestion_job import remind_suggestions
from tests.e2e.harness import CHEN, RESIDENT, YULAN_GROUP, ZHANG, World

pytestmark = pytest.mark.parametrize("world", ["aiogram"], indirect=True)


async def test_a_suggestion_is_answered_told_and_published(world: World) -> None:
    await world.say(RESIDENT, "/address 3号楼2单元301")  # a registered resident of 玉兰
    await world.say(RESIDENT, "@gridbot_test_bot 建议小区多装几个电动车充电桩 晚上根本抢不到",
                    chat=YULAN_GROUP)
    assert "谢谢您的建议" in world.last(YULAN_GROUP).text
    assert "居民建议 #1" in world.last(CHEN.id).text and "充电桩" in world.last(CHEN.id).text
    assert not any("充电桩" in text for text in world.texts(ZHANG.id))  # not a case
    assert world.bot is not None and world.bot.jobs is not None and world.bot.sender is not None

    world.clock.advance(days=3, minutes=1)
    assert await remind_suggestions(world.bot.jobs) == 1
    assert await remind_suggestions(world.bot.jobs) == 0  # once
    world.bot.sender.wake()
    await world.settle()
    assert "已到答复期限" in world.last(CHEN.id).text
    await world.say(CHEN, "/suggestions")
    assert "⏰ #1 王大爷" in world.last(CHEN.id).text

    await world.tap(CHEN, CHEN.id, "答复 #1")
    await world.say(CHEN, "已列入明年计划，先在3号楼下加装10个")
    assert "社区答复了您的建议 #1" in world.last(RESIDENT.id).text
    await world.tap(CHEN, CHEN.id, "公开到居民群")
    public = world.last(YULAN_GROUP).text
    assert "明年计划" in public and "充电桩" in public and "王" not in public
    await world.say(CHEN, "/suggestions")
    assert "没有待答复的建议" in world.last(CHEN.id).text
    await world.say(CHEN, "/audit")  # seeing who suggested it is a recorded view
    assert "居民建议（姓名）" in world.last(CHEN.id).text
