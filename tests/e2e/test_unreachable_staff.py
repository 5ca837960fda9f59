"""Staff who never pressed Start: the manager learns at once that a card could not reach them,
/staff shows who has not started the bot, and new cases go to reachable colleagues."""

from collections.abc import AsyncIterator

import pytest

from services.clock import FrozenClock
from tests.e2e import harness
from tests.e2e.harness import CHEN, HE, HUANG, RESIDENT, ZHANG, ZHOU, World, build_world


@pytest.fixture
async def unstarted(database_url: str, clock: FrozenClock,
                    monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    """The sample world where 张敏 (the only worker of grid 1) and 何静 (grid 2) never pressed
    Start."""
    monkeypatch.setattr(harness, "STAFF", tuple(p for p in harness.STAFF if p not in (ZHANG, HE)))
    w = await build_world(database_url, clock)
    await w.start_bot()
    try:
        yield w
    finally:
        await w.stop_bot()
        await w.fake.stop()


async def test_the_manager_learns_at_once_which_staff_cannot_be_reached(
    unstarted: World,
) -> None:
    world = unstarted
    await world.say(HUANG, "/start")  # pressing Start sends /start
    await world.say(RESIDENT, "3号楼2单元楼道灯坏了")
    await world.say(RESIDENT, "/report 4号楼电梯停了")
    await world.settle()
    for boss in (CHEN, ZHOU):
        told = [t for t in world.texts(boss.id) if "张敏" in t and "Start" in t]
        assert len(told) == 1, world.texts(boss.id)  # at once, and once
    await world.say(CHEN, "/staff")
    listing = world.last(CHEN.id).text
    line = next(x for x in listing.splitlines() if "张敏" in x)
    assert "收不到消息" in line
    huang = next(x for x in listing.splitlines() if "黄磊" in x)
    assert "收不到" not in huang and "说过话" not in huang  # he wrote /start


async def test_new_cases_go_to_the_colleague_who_can_be_reached(unstarted: World) -> None:
    world = unstarted
    for n in range(4):
        await world.say(RESIDENT, f"/report 7号楼{n + 1}单元楼道灯坏了")
    cards = [t for t in world.texts(HUANG.id) if t.startswith("📋 新工单")]
    # The first card to 何静 cannot be delivered; from then on her grid's cases go to 黄磊.
    assert len(cards) == 3 and world.fake.messages(HE.id) == []
    told = [t for t in world.texts(CHEN.id) if "何静" in t and "Start" in t]
    assert len(told) == 1
