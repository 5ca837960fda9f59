"""Emergencies end to end: everyone responsible is alerted at once, the alert repeats until one
of them presses 我来处理, and then it stops for all."""

from typing import Any

from handlers.texts import Texts
from models import CaseAction, CaseStatus
from scheduler.dispute_jobs import repeat_emergency_alerts
from services import case_queries
from tests.e2e.harness import CHEN, RESIDENT, ZHANG, ZHOU, World


def _alerts(world: World, user_id: int) -> list[str]:
    """The alert and its repeats (not the note that someone took it)."""
    return [t for t in world.texts(user_id) if t.startswith("🚨") and "#1" in t]


async def test_an_emergency_acknowledged_by_one_of_three_stops_the_repeats_for_all(
    world: World,
) -> None:
    await world.say(RESIDENT, "/sos 3号楼2单元301 我老伴摔倒了起不来")
    numbers = "\n".join(world.texts(RESIDENT.id))
    assert "120" in numbers and "119" in numbers and "110" in numbers and "已通知网格员" in numbers
    for person in (ZHANG, CHEN, ZHOU):  # worker, manager, sub-district admin
        alert = world.last(person.id)
        assert "紧急求助 #1" in alert.text and alert.button_texts == ["🙋 我来处理"]

    assert world.bot is not None and world.bot.sessions is not None
    repeat: dict[str, Any] = {"texts": Texts(), "every_minutes": 5}
    world.clock.advance(minutes=4)
    assert await repeat_emergency_alerts(world.bot.sessions, world.clock, **repeat) == 0
    world.clock.advance(minutes=1)
    assert await repeat_emergency_alerts(world.bot.sessions, world.clock, **repeat) == 1
    assert await repeat_emergency_alerts(world.bot.sessions, world.clock, **repeat) == 0
    await world.settle()
    for person in (ZHANG, CHEN, ZHOU):
        assert "第2次提醒" in world.last(person.id).text
        assert len(_alerts(world, person.id)) == 2

    await world.tap(CHEN, CHEN.id, "我来处理")
    case = await world.case(1)
    assert case.status == CaseStatus.ACCEPTED
    chen = await _person_id(world, CHEN.id)
    assert case.assignee_id == chen
    for person in (ZHANG, ZHOU):
        assert "陈书记" in world.last(person.id).text and "接手" in world.last(person.id).text
    assert "陈书记" in world.last(RESIDENT.id).text
    late = await world.tap(ZHANG, ZHANG.id, "我来处理")
    assert late.get("show_alert") and "陈书记" in late["text"]
    assert (await world.case(1)).assignee_id == chen

    world.clock.advance(minutes=30)
    assert await repeat_emergency_alerts(world.bot.sessions, world.clock, **repeat) == 0
    await world.settle()
    for person in (ZHANG, CHEN, ZHOU):
        assert len(_alerts(world, person.id)) == 2

    async with world.bot.sessions() as session:
        events = await case_queries.history(session, 1)
    taken = [e for e, _name in events if e.action == CaseAction.ACCEPT]
    assert len(taken) == 1 and taken[0].actor_id == chen and taken[0].note == "我来处理"


async def _person_id(world: World, telegram_id: int) -> int:
    from services.directory import person_by_telegram
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        person = await person_by_telegram(session, telegram_id)
        assert person is not None and person.id is not None
        return person.id
