"""Hand-overs end to end: everyone a moved case concerns is told, and replaced cards lose their
buttons."""

from sandbox import FakeUser
from tests.e2e.harness import CHEN, RESIDENT, ZHANG, World
from tests.e2e.test_disputes import LIU, ZHAO, _small_quarrel
from tests.e2e.test_managers_staff import NEWBIE, _invite_and_join
from tests.e2e.test_wishes import (
    LI,
    SUN,
    VOLUNTEER_GROUP,
    _bind_group,
    _published,
    _volunteers_ready,
)


def _cards_about(world: World, user: FakeUser, case_id: int) -> list:
    return [m for m in world.fake.messages(user.id) if f"#{case_id}" in (m.text or "")]


async def test_leave_tells_the_worker_the_resident_and_retires_the_old_card(world: World) -> None:
    await _invite_and_join(world, NEWBIE)
    await world.say(RESIDENT, "3号楼楼道灯坏了")
    await world.tap(ZHANG, ZHANG.id, "接单")
    await world.say(CHEN, "/leave 张敏")
    told = world.last(ZHANG.id).text
    assert "请假" in told and "#1 → 孙新" in told
    assert all(m.buttons == [] for m in _cards_about(world, ZHANG, 1)), "a live button stayed"
    assert any("休假转交" in (m.text or "") for m in _cards_about(world, ZHANG, 1))
    assert "#1 已交给网格员 孙新" in world.last(RESIDENT.id).text


async def test_leave_without_a_colleague_tells_the_resident_the_community_reassigns(
    world: World,
) -> None:
    await world.say(RESIDENT, "3号楼楼道灯坏了")
    await world.say(CHEN, "/leave 张敏")
    assert "#1 → 社区重新派单" in world.last(ZHANG.id).text
    assert "重新安排" in world.last(RESIDENT.id).text
    assert all(m.buttons == [] for m in _cards_about(world, ZHANG, 1))


async def test_a_dispute_moved_to_another_tier_retires_the_old_mediators_card(
    world: World,
) -> None:
    await _small_quarrel(world)
    assert "接手调解" in world.last(LIU.id).button_texts[0]
    await world.tap(CHEN, CHEN.id, "社区法官")
    assert all(m.buttons == [] for m in _cards_about(world, LIU, 1)), "a live 接手调解 stayed"
    assert "赵法官" in world.last(LIU.id).text and "无需再处理" in world.last(LIU.id).text
    assert "赵法官" in world.last(RESIDENT.id).text
    assert "接手调解" in world.last(ZHAO.id).button_texts[0]


async def test_a_wish_given_back_tells_the_resident_not_to_wait_for_that_volunteer(
    world: World,
) -> None:
    await _volunteers_ready(world)
    await _published(world)
    await world.tap(SUN, SUN.id, "认领")
    await world.tap(SUN, SUN.id, "不认领了")
    told = world.last(RESIDENT.id).text
    assert "孙志愿者" in told and "不会再联系" in told
    assert "又可以认领了" in world.last(LI.id).text


async def test_a_claimed_wish_takes_the_claim_button_off_every_other_card(world: World) -> None:
    await _volunteers_ready(world)
    await _bind_group(world)
    await _published(world)
    await world.tap(SUN, SUN.id, "认领")
    for chat in (LI.id, VOLUNTEER_GROUP):
        cards = [m for m in world.fake.messages(chat) if "#1" in (m.text or "") and m.edited]
        assert cards and all(not m.buttons for m in cards), f"a live 认领 stayed in {chat}"
        assert "已被 孙志愿者" in cards[-1].text
    late = await world.press(LI, VOLUNTEER_GROUP, cards[0].message_id, "wc:1")  # still refused
    assert late.get("show_alert")
