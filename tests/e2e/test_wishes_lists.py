"""Volunteers finding wishes: /wishes paged, claiming from the list or the volunteers' group."""

from models import CaseStatus
from tests.e2e.harness import CHEN, RESIDENT, ZHANG, World
from tests.e2e.test_wishes import (
    LI,
    SUN,
    VOLUNTEER_GROUP,
    _bind_group,
    _volunteers_ready,
    claimer_card,
)


async def _publish_many(world: World, count: int) -> None:
    for n in range(1, count + 1):
        await world.say(RESIDENT, f"/wish 想要第{n}本字帖，3号楼")
        await world.tap(ZHANG, ZHANG.id, "通过并发布")


async def test_open_wishes_are_listed_in_pages_and_claimed_from_the_list(world: World) -> None:
    await _volunteers_ready(world)
    await _publish_many(world, 7)
    await world.say(LI, "/wishes")
    first = world.last(LI.id)
    assert "7 个" in first.text and "1/2" in first.text and "#1" in first.text
    assert "#7" not in first.text
    await world.tap(LI, LI.id, "下一页")
    second = world.last(LI.id)
    assert "2/2" in second.text and "#7" in second.text
    await world.tap(LI, LI.id, "认领 #7")
    assert (await world.case(7)).status == CaseStatus.ACCEPTED
    assert "王大爷" in claimer_card(world, LI).text
    await world.say(SUN, "/wishes")
    assert "6 个" in world.last(SUN.id).text and "#7" not in world.last(SUN.id).text


async def test_a_claim_in_the_volunteers_group_sends_the_contact_privately(world: World) -> None:
    await _volunteers_ready(world, SUN)
    await _bind_group(world)
    await world.say(RESIDENT, "/wish 想要一副老花镜，3号楼2单元301")
    await world.tap(ZHANG, ZHANG.id, "通过并发布")
    answer = await world.tap(LI, VOLUNTEER_GROUP, "认领")  # LI never opened a private chat
    assert answer.get("show_alert") and "私聊" in answer["text"]
    assert (await world.case(1)).status == CaseStatus.PUBLISHED
    answer = await world.tap(SUN, VOLUNTEER_GROUP, "认领")
    assert not answer.get("show_alert")
    assert "301" in claimer_card(world, SUN).text and "王大爷" in claimer_card(world, SUN).text
    group = "\n".join(world.texts(VOLUNTEER_GROUP))
    assert "孙志愿者" in group and "301" not in group and "王大爷" not in group


async def test_help_shows_each_role_its_wish_commands(world: World) -> None:
    await world.say(SUN, "/help")
    assert "/wishes" in world.last(SUN.id).text and "/shop" in world.last(SUN.id).text
    await world.say(CHEN, "/help")
    assert "/item" in world.last(CHEN.id).text and "/redemptions" in world.last(CHEN.id).text
    await world.say(RESIDENT, "/help")
    assert "/wish" in world.last(RESIDENT.id).text and "/item" not in world.last(RESIDENT.id).text


async def test_repair_buttons_never_move_a_wish_and_case_views_offer_the_wish_ones(
    world: World,
) -> None:
    await _volunteers_ready(world)
    await world.say(RESIDENT, "/wish 想要一副老花镜，3号楼")
    await world.say(CHEN, "/case 1")
    assert "通过并发布" in world.last(CHEN.id).button_texts[0]  # review, not 派单
    await world.tap(CHEN, CHEN.id, "通过并发布")
    await world.tap(SUN, SUN.id, "认领")
    await world.say(SUN, "/case 1")
    assert world.last(SUN.id).button_texts == ["✅ 已完成", "↩️ 不认领了"]
    mine = world.last(SUN.id).message_id
    for data in ("t:1", "r:1", "d:1", "tt:1:940001"):  # 转派, 退回, 已处理 on a wish
        answer = await world.press(SUN, SUN.id, mine, data)
        assert answer.get("show_alert") and "微心愿" in answer["text"], (data, answer)
    await world.tap(SUN, SUN.id, "已完成")
    await world.say(SUN, "送到了")
    answer = await world.press(RESIDENT, RESIDENT.id, world.last(RESIDENT.id).message_id, "y:1")
    assert answer.get("show_alert") and (await world.case(1)).status == CaseStatus.RESOLVED
    await world.say(RESIDENT, "/start c1")
    assert "心愿实现了" in world.last(RESIDENT.id).button_texts[0]
    await world.tap(RESIDENT, RESIDENT.id, "心愿实现了")
    assert "获得 10 积分" in world.last(SUN.id).text
