"""Community notices end to end: binding groups, subscribing, and a notice to 3 groups and 200
residents within Telegram's flood limits, with progress reported to the manager."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import col

from models import Community, GroupChat, Person
from sandbox import FakeUser
from scheduler.notices import report_notice_progress
from tests.e2e.harness import CHEN, NEIGHBOUR, RESIDENT, YULAN_GROUP, ZHANG, World

EXTRA_GROUPS = (-1001000000003, -1001000000004)
RESIDENTS = 200


async def _bind_two_more_groups(world: World) -> None:
    for index, chat_id in enumerate(EXTRA_GROUPS, start=3):
        world.groups[chat_id] = world.fake.add_group(chat_id=chat_id, title=f"玉兰社区{index}区群")
        await world.say(CHEN, "/bind yulan", chat=chat_id)
        assert "已绑定到玉兰社区" in world.last(chat_id).text


async def _subscribed_residents(world: World, count: int) -> None:
    """Residents who opened the bot, live in 玉兰 and asked for notices privately."""
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session, session.begin():
        yulan = (await session.execute(select(Community).where(col(Community.code) == "yulan"))
                 ).scalar_one()
        for i in range(count):
            user = FakeUser(id=800000 + i, first_name=f"居民{i}")
            world.fake.user_starts(user)
            session.add(Person(telegram_id=user.id, name=user.first_name,
                               community_id=yulan.id, notices_opt_in=True,
                               private_chat_at=datetime(2026, 11, 1, tzinfo=UTC)))


async def test_bind_puts_a_group_under_the_community_and_only_managers_may(world: World) -> None:
    chat_id = EXTRA_GROUPS[0]
    world.groups[chat_id] = world.fake.add_group(chat_id=chat_id, title="玉兰社区新群")
    await world.say(ZHANG, "/bind yulan", chat=chat_id)
    assert "只有社区管理人员" in world.last(chat_id).text
    await world.say(CHEN, "/bind qiaoxi", chat=chat_id)  # not his community
    assert "只有社区管理人员" in world.last(chat_id).text
    await world.say(CHEN, "/bind yulan", chat=chat_id)
    assert "已绑定到玉兰社区" in world.last(chat_id).text
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        group = await session.get(GroupChat, chat_id)
        assert group is not None
    await world.say(RESIDENT, "3号楼楼道灯坏了 @gridbot_test_bot", chat=chat_id)
    assert "已受理" in world.last(chat_id).text  # the group now reports into 玉兰


async def test_residents_subscribe_with_their_address_and_get_notices_privately(
    world: World,
) -> None:
    await world.say(RESIDENT, "/notices on")
    assert "/address" in world.last(RESIDENT.id).text  # the bot does not know where they live
    await world.say(RESIDENT, "/address 3号楼2单元301")
    assert "3号楼 2单元 301室" in world.last(RESIDENT.id).text
    await world.say(NEIGHBOUR, "/address 7号楼")
    await world.say(NEIGHBOUR, "/notices off")
    await world.say(CHEN, "/notice 周六上午9点在社区广场义诊，欢迎参加。")
    preview = world.last(CHEN.id).text
    assert "1 个居民群" in preview and "1 位" in preview
    await world.tap(CHEN, CHEN.id, "订阅的居民")
    assert "义诊" in world.last(RESIDENT.id).text
    assert "义诊" in world.last(YULAN_GROUP).text
    assert not any("义诊" in t for t in world.texts(NEIGHBOUR.id))
    assert world.bot is not None and world.bot.sessions is not None
    await report_notice_progress(world.bot.sessions, world.clock)
    await world.settle()
    assert "全部送达：2/2" in world.last(CHEN.id).text
    again = await world.press(CHEN, CHEN.id, world.fake.messages(CHEN.id)[-3].message_id, "gn:1:1")
    assert again.get("show_alert")  # a second press sends nothing twice


@pytest.mark.heavy
async def test_a_notice_reaches_3_groups_and_200_residents_without_a_429(world: World) -> None:
    await _bind_two_more_groups(world)
    await _subscribed_residents(world, RESIDENTS)
    # The bot's own pacing against the emulator's real flood limits (30/s, 20/min per group,
    # 1/s per private chat); the manager's chat, which gets progress edits, is paced at half
    # of Telegram's private-chat rate so that timing jitter cannot tip it over.
    await world.stop_bot()
    world.extra_settings.update(send_rate_global_per_s=25.0, send_rate_group_per_min=18,
                                send_rate_private_per_s=0.5)
    world.fake.core.limiter.enabled = True
    await world.start_bot()
    await world.say(CHEN, "/notice 明天上午9点到12点停水，请提前储水。")
    preview = world.last(CHEN.id)
    query = world.fake.user_presses(CHEN, CHEN.id, preview.message_id,
                                    preview.buttons[0][0]["callback_data"])
    await world.fake.wait_for(lambda: query in world.fake.callback_answers)
    assert world.bot is not None and world.bot.sessions is not None
    await world.fake.wait_for_message(CHEN.id, "📤")
    await report_notice_progress(world.bot.sessions, world.clock)  # some are out already
    await world.settle(timeout=60)
    await report_notice_progress(world.bot.sessions, world.clock)
    await world.settle()
    assert world.fake.throttled == []
    for chat_id in (YULAN_GROUP, *EXTRA_GROUPS):
        assert "停水" in world.last(chat_id).text
    reached = [i for i in range(RESIDENTS)
               if any("停水" in (m.text or "") for m in world.fake.messages(800000 + i))]
    assert len(reached) == RESIDENTS
    manager = world.texts(CHEN.id)
    assert "✅ 全部送达：203/203" == manager[-1]
    assert any(text == "📤 已发送 203/203" for text in manager)  # the progress message, edited
    progress = next(m for m in world.fake.messages(CHEN.id) if m.text.startswith("📤"))
    assert progress.edited
