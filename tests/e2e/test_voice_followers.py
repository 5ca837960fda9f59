"""我也遇到 end to end: eleven residents report the lift of building 5 (in the group, by the
receipt's button, privately, and once as a separate case merged afterwards): one case, ten
followers who hear its progress and each confirm the fix; a different fault in the same building
stays separate; an emergency is filed at once, never held by the "same fault?" question."""

import pytest
from sqlalchemy import select
from sqlmodel import col

from handlers.payloads import Accept, MeToo
from models import CaseFollower, CaseStatus, Urgency
from sandbox import FakeUser
from tests.e2e.harness import YULAN_GROUP, ZHANG, World

pytestmark = pytest.mark.parametrize("world", ["aiogram"], indirect=True)
MENTION = "@gridbot_test_bot "
PEOPLE = [FakeUser(id=5100 + n, first_name=f"居民{n}") for n in range(11)]


def message_with(world: World, chat_id: int, *words: str) -> int:
    """The id of the newest message in the chat containing every word."""
    for message in reversed(world.fake.messages(chat_id)):
        if all(word in (message.text or "") for word in words):
            return message.message_id
    raise AssertionError(f"no message with {words} in {chat_id}: {world.texts(chat_id)}")


async def test_ten_residents_one_lift_one_case_with_followers_who_confirm_the_fix(
    world: World,
) -> None:
    reporter, *others = PEOPLE
    for person in PEOPLE:  # four of them have never written to the bot privately
        if person in others[4:8]:
            world.fake.user_starts(person)
        else:
            await world.say(person, "/start")
    await world.say(reporter, MENTION + "5号楼电梯坏了，上不去", chat=YULAN_GROUP)
    receipt = world.last(YULAN_GROUP)
    assert "已受理 #1" in receipt.text and "🙋 我也遇到" in receipt.button_texts

    for person in others[:4]:  # they write again: offered the open case, not a second case
        await world.say(person, MENTION + "5号楼的电梯又停了！", chat=YULAN_GROUP)
        assert "5号楼“电梯”已有人报过 #1" in world.last(YULAN_GROUP).text
        await world.tap(person, YULAN_GROUP, "我也遇到，跟踪进度")
    for person in others[4:8]:  # they press 我也遇到 under the group receipt
        answer = await world.press(person, YULAN_GROUP, receipt.message_id, MeToo(1).pack())
        assert answer["show_alert"] and "打开与我的私聊" in answer["text"]  # not reachable yet
        await world.say(person, "/start f1")  # the alert's link: now they are
        assert "已关注 #1" in world.last(person.id).text
    assert "已受理 #1" in receipt.text and not receipt.edited  # the group's receipt stays
    await world.say(others[8], "5号楼电梯坏了，麻烦修一下")  # privately; answers the offer in words
    assert "已有人报过 #1" in world.last(others[8].id).text
    await world.say(others[8], "是")
    assert "已关注 #1" in world.last(others[8].id).text

    # A different fault in the same building is its own case; so is a "not the same" report.
    await world.say(others[0], MENTION + "5号楼楼道灯不亮了", chat=YULAN_GROUP)
    assert "已受理 #2" in world.last(YULAN_GROUP).text
    await world.say(others[9], MENTION + "5号楼电梯坏了", chat=YULAN_GROUP)
    await world.tap(others[9], YULAN_GROUP, "不是同一件事")
    assert "已受理 #3" in world.last(YULAN_GROUP).text
    # An emergency is filed and alerted at once, with no question first.
    await world.say(others[1], "/sos 5号楼电梯里困了人", chat=YULAN_GROUP)
    assert "#4" in "".join(world.texts(YULAN_GROUP)[-3:])
    assert "已有人报过" not in world.texts(YULAN_GROUP)[-1]
    assert (await world.case(4)).kind == "emergency"

    await world.say(ZHANG, "/merge 3 1")
    assert "#3 已合并到 #1" in world.last(ZHANG.id).text
    merged, case = await world.case(3), await world.case(1)
    assert merged.status == CaseStatus.CANCELLED and merged.merged_into_id == 1
    assert case.followers == 10 and case.urgency == Urgency.URGENT
    assert any("已升为加急" in t for t in world.texts(ZHANG.id))
    assert "已合并" in world.last(others[9].id).text

    card = message_with(world, ZHANG.id, "#1")
    await world.press(ZHANG, ZHANG.id, card, Accept(1).pack())
    assert all("已有人接单" in world.last(p.id).text for p in others)
    await world.tap(ZHANG, ZHANG.id, "已处理")
    await world.say(ZHANG, "电梯已修好")
    for person in others:
        assert "电梯已修好" in world.last(person.id).text
    await world.tap(reporter, reporter.id, "解决了")
    assert (await world.case(1)).status == CaseStatus.CLOSED
    for person in others:  # every follower hears of the closure and can confirm it
        assert "#1 已办结" in world.last(person.id).text
        await world.tap(person, person.id, "我这边也好了")
        assert any("谢谢确认" in text for text in world.texts(person.id))
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        answers = (await session.execute(select(col(CaseFollower.solved)).where(
            col(CaseFollower.case_id) == 1))).scalars().all()
    assert answers == [True] * 10
