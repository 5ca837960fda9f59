"""Activities end to end: announced to the group, filled to capacity with a waiting list, a
cancellation that promotes the first waiting, reminders a day and an hour before, check-in by
code and by the organiser, points credited, and attendance in the ledger export."""

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from sandbox import FakeUser
from scheduler.activity_job import activity_tick
from tests.e2e.harness import CHEN, NEIGHBOUR, RESIDENT, YULAN_GROUP, ZHANG, World

pytestmark = pytest.mark.parametrize("world", ["aiogram"], indirect=True)
SUN = FakeUser(id=930001, first_name="孙志愿者")  # a volunteer of 玉兰


async def tick(world: World) -> int:
    """Run the activity job as the scheduler would and let the bot deliver."""
    assert world.bot is not None and world.bot.jobs is not None and world.bot.sender is not None
    done = await activity_tick(world.bot.jobs)
    world.bot.sender.wake()
    await world.settle()
    return done


async def test_an_activity_fills_up_reminds_and_credits_the_volunteer_at_check_in(
    world: World,
) -> None:
    for user in (SUN, RESIDENT, NEIGHBOUR):
        world.fake.user_starts(user)
    await world.say(CHEN, "/activity 重阳节包饺子\n时间：11-04 09:00\n地点：社区活动室\n"
                          "名额：2\n积分：10\n时长：2")
    assert "已发布到 1 个群" in world.last(CHEN.id).text
    code = world.last(CHEN.id).text.split("签到码：")[1][:4]
    post = world.last(YULAN_GROUP)
    assert "重阳节包饺子" in post.text and "11月4日 09:00" in post.text and "名额 2 人" in post.text

    assert "报名成功" in (await world.tap(RESIDENT, YULAN_GROUP, "我要报名"))["text"]
    assert "报名成功" in (await world.tap(NEIGHBOUR, YULAN_GROUP, "我要报名"))["text"]
    waiting = await world.tap(SUN, YULAN_GROUP, "我要报名")
    assert waiting["show_alert"] and "候补第 1 位" in waiting["text"]
    await world.tap(NEIGHBOUR, YULAN_GROUP, "取消报名")
    assert "已从候补转为正式报名" in world.last(SUN.id).text

    world.clock.current = datetime(2026, 11, 3, 1, 1, tzinfo=UTC)  # a day before, local 09:01
    assert await tick(world) == 1
    assert "活动提醒：重阳节包饺子" in world.last(RESIDENT.id).text
    assert "活动提醒" in world.last(SUN.id).text
    assert not any("活动提醒" in text for text in world.texts(NEIGHBOUR.id))
    assert "已报名 2/2" in world.last(CHEN.id).text
    assert await tick(world) == 0
    world.clock.current = datetime(2026, 11, 4, 0, 1, tzinfo=UTC)  # 08:01 local
    assert await tick(world) == 1 and "一小时后开始" in world.last(SUN.id).text

    world.clock.current = datetime(2026, 11, 4, 1, 10, tzinfo=UTC)
    await world.say(SUN, f"/checkin {code}")
    assert "已签到" in world.last(SUN.id).text and "积分 +10" in world.last(SUN.id).text
    await world.say(SUN, "/points")
    balance = world.last(SUN.id).text
    assert "社区活动 重阳节包饺子 (2h)" in balance and "+10" in balance
    await world.say(CHEN, "/checkin")
    assert "已到 1/2" in world.last(CHEN.id).text
    await world.tap(CHEN, CHEN.id, "王大爷")
    assert "已到 2/2" in world.last(CHEN.id).text and "已签到" in world.last(RESIDENT.id).text
    late = await world.tap(NEIGHBOUR, YULAN_GROUP, "我要报名")
    assert late["show_alert"] and "已经开始" in late["text"]

    await world.say(CHEN, "/export 2026-11")
    book = load_workbook(io.BytesIO(world.last(CHEN.id).file_content or b""))
    sheet = book["活动签到"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(r[1], r[3], r[4], r[5], r[6], r[7]) for r in rows] == [
        ("重阳节包饺子", "王*", "居民", "已签到", None, None),
        ("重阳节包饺子", "孙*", "志愿者", "已签到", 2, 10)]


async def test_a_weekly_activity_is_posted_again_for_next_week(world: World) -> None:
    await world.say(CHEN, "/activity 太极拳\n时间：11-03 07:30\n地点：小区广场\n名额：30\n每周：是")
    world.clock.current = datetime(2026, 11, 2, 23, 31, tzinfo=UTC)  # started (07:31 local)
    await tick(world)
    assert "11月10日 07:30" in world.last(YULAN_GROUP).text
    assert "下周的“太极拳”已发布" in world.last(CHEN.id).text
    await world.say(RESIDENT, "/activities")
    assert any("太极拳" in label for label in world.last(RESIDENT.id).button_texts)


async def test_only_who_may_join_signs_up_waits_and_is_promoted(world: World) -> None:
    for user in (SUN, RESIDENT, NEIGHBOUR):
        world.fake.user_starts(user)
    await world.say(CHEN, "/activity 3号楼楼道议事会\n时间：11-04 19:00\n地点：3号楼架空层\n"
                          "名额：1\n对象：3号楼居民")
    assert "报名时核对参加对象：3号楼的居民" in world.last(CHEN.id).text
    assert any("私聊报名" in label for label in world.last(YULAN_GROUP).button_texts)
    refused = await world.tap(NEIGHBOUR, YULAN_GROUP, "我要报名")  # no address on file
    assert refused["show_alert"] and "参加对象是：3号楼居民" in refused["text"]
    assert "/address" in refused["text"]
    await world.say(NEIGHBOUR, "/start a1")  # the announcement's private link: refused too
    assert "参加对象是：3号楼居民" in world.last(NEIGHBOUR.id).text
    for user in (RESIDENT, SUN):
        await world.say(user, "/address 3号楼2单元301")
    await world.say(RESIDENT, "/start a1")
    assert "3号楼楼道议事会" in world.last(RESIDENT.id).text
    assert "报名成功" in (await world.tap(RESIDENT, RESIDENT.id, "我要报名"))["text"]
    assert "候补第 1 位" in (await world.tap(SUN, YULAN_GROUP, "我要报名"))["text"]
    assert "候补第 2 位" in (await world.tap(ZHANG, YULAN_GROUP, "我要报名"))["text"]  # staff
    await world.say(SUN, "/address 6号楼1单元101")  # moved away while waiting
    await world.tap(RESIDENT, YULAN_GROUP, "取消报名")
    assert "已不在参加对象" in world.last(SUN.id).text
    assert "已从候补转为正式报名" in world.last(ZHANG.id).text
