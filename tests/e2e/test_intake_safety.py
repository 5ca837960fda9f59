"""Danger first, end to end (issue 14): a free-text emergency alerts everyone with the flat and
phone on file and the street's own lines; an emergency in unaddressed group chat starts the flow
while chatter does not; likely danger gets the numbers at once and one tap; an urgent repair
gets the numbers and a 🆘 button that makes it an emergency."""

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from models import Case, CaseKind, Person, Street, Urgency
from scheduler.danger_job import alert_unanswered_danger
from tests.e2e.harness import CHEN, NEIGHBOUR, RESIDENT, YULAN_GROUP, ZHANG, ZHOU, World


async def _on_file(world: World, *, phone: str, lines: list[dict[str, str]]) -> None:
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session, session.begin():
        await session.execute(update(Person).where(col(Person.telegram_id) == RESIDENT.id)
                              .values(phone=phone))
        await session.execute(update(Street).values(emergency_lines=lines))


async def test_a_free_text_emergency_alerts_with_the_flat_phone_and_local_lines(
    world: World,
) -> None:
    await world.say(RESIDENT, "/address 2号楼2单元202")
    await _on_file(world, phone="13912345678", lines=[{"name": "电梯困人救援", "number": "96333"}])
    await world.say(RESIDENT, "我家老人突然晕倒了，叫不醒")
    told = "\n".join(world.texts(RESIDENT.id))
    for number in ("120", "119", "110", "96333 电梯困人救援"):
        assert number in told
    for person in (ZHANG, CHEN, ZHOU):  # the grid worker of building 2, the manager, the admin
        alert = world.last(person.id)
        assert "紧急求助 #1" in alert.text and "我来处理" in alert.button_texts[0]
        assert "2号楼2单元202" in alert.text and "13912345678" in alert.text
    case = await world.case(1)
    assert (case.kind, case.unit, case.room) == (CaseKind.EMERGENCY, "2", "202")
    await world.say(RESIDENT, "/sos")
    assert "紧急求助 #2" in world.last(CHEN.id).text and "2号楼2单元202" in world.last(CHEN.id).text


async def test_an_emergency_in_group_chat_starts_the_flow_unaddressed_but_chatter_does_not(
    world: World,
) -> None:
    for chatter in ("5栋电梯坏了", "昨天着的火已经灭了，现在墙黑了要刷",
                    "要是被困电梯打哪个电话？"):
        await world.say(NEIGHBOUR, chatter, chat=YULAN_GROUP)
    assert world.fake.messages(YULAN_GROUP) == []
    await world.say(NEIGHBOUR, "3号楼电梯卡在两层中间了，我妈困在里面出不来", chat=YULAN_GROUP)
    group = "\n".join(world.texts(YULAN_GROUP))
    assert "#1" in group and "120" in group and "119" in group
    assert "紧急求助 #1" in world.last(ZHANG.id).text and "紧急求助 #1" in world.last(CHEN.id).text
    assert (await world.case(1)).kind == CaseKind.EMERGENCY


async def test_likely_danger_shows_the_numbers_at_once_and_one_tap_makes_an_emergency(
    world: World,
) -> None:
    await world.say(RESIDENT, "我爸胸口有点闷，3号楼")
    question = world.last(RESIDENT.id)
    assert "120" in question.text and "紧急情况吗" in question.text
    assert question.button_texts == ["🆘 是紧急情况", "不是"]
    assert world.texts(ZHANG.id) == []  # nobody is alerted before the tap
    await world.tap(RESIDENT, RESIDENT.id, "🆘 是紧急情况")
    assert "紧急求助 #1" in world.last(ZHANG.id).text
    assert (await world.case(1)).urgency == Urgency.URGENT

    await world.say(RESIDENT, "3号楼外墙的空调外机在晃")
    await world.tap(RESIDENT, RESIDENT.id, "不是")
    assert "吗？" in world.last(RESIDENT.id).text  # then the kind is asked, as for any unsure one
    await world.tap(RESIDENT, RESIDENT.id, "报修")
    assert (await world.case(2)).kind == CaseKind.REPAIR


async def test_an_urgent_repair_shows_the_numbers_and_sos_makes_it_an_emergency(
    world: World,
) -> None:
    await world.say(RESIDENT, "/report 3号楼整栋楼停水一整天了", chat=YULAN_GROUP)
    offer = world.last(YULAN_GROUP)
    assert "120" in offer.text and offer.button_texts == ["🆘 紧急求助"]
    assert "#1" in world.last(ZHANG.id).text and "紧急求助" not in world.last(ZHANG.id).text
    refused = await world.press(NEIGHBOUR, YULAN_GROUP, offer.message_id, "es:1")
    assert refused.get("show_alert") and (await world.case(1)).kind == CaseKind.REPAIR
    await world.tap(RESIDENT, YULAN_GROUP, "🆘 紧急求助")
    case = await world.case(1)
    assert (case.kind, case.urgency) == (CaseKind.EMERGENCY, Urgency.URGENT)
    for person in (ZHANG, CHEN, ZHOU):
        assert "紧急求助 #1" in world.last(person.id).text
    assert "已转为紧急求助" in world.last(YULAN_GROUP).text


async def _unanswered(world: World) -> int:
    """Run the unanswered-danger job as the scheduler would and let the bot deliver."""
    assert world.bot is not None and world.bot.jobs is not None and world.bot.sender is not None
    done = await alert_unanswered_danger(world.bot.jobs)
    world.bot.sender.wake()
    await world.settle()
    return done


@pytest.mark.parametrize("world", ["aiogram"], indirect=True)
async def test_an_unanswered_danger_question_alerts_the_staff_once_even_across_a_restart(
    world: World,
) -> None:
    await world.say(RESIDENT, "/address 2号楼2单元202")
    await _on_file(world, phone="13912345678", lines=[])
    await world.say(RESIDENT, "我爸胸口有点闷")
    assert "紧急情况吗" in world.last(RESIDENT.id).text
    world.clock.advance(minutes=2)
    assert await _unanswered(world) == 0 and world.texts(ZHANG.id) == []
    await world.stop_bot()  # the question is a row, not a timer: a restart keeps it
    await world.start_bot()
    world.clock.advance(minutes=1)  # DANGER_UNANSWERED_AFTER, 3 minutes by default
    assert await _unanswered(world) == 1
    assert await _unanswered(world) == 0  # exactly once
    for person in (ZHANG, CHEN, ZHOU):
        (alert,) = [t for t in world.texts(person.id) if "可能的紧急情况" in t]
        assert "#1" in alert and "胸口有点闷" in alert
        assert "2号楼2单元202" in alert and "13912345678" in alert
        assert world.last(person.id).button_texts == ["🙋 我来处理"]
    assert "已经通知值班" in world.last(RESIDENT.id).text
    case = await world.case(1)
    assert (case.kind, case.urgency) == (CaseKind.EMERGENCY, Urgency.URGENT)
    late = await world.tap(RESIDENT, RESIDENT.id, "🆘 是紧急情况")  # a late tap files nothing
    assert late.get("show_alert") and "#1" in late["text"]

    await world.say(RESIDENT, "3号楼外墙的空调外机在晃")  # answered either way: no alert
    await world.tap(RESIDENT, RESIDENT.id, "不是")
    await world.say(RESIDENT, "/report 我爸胸口有点闷，3号楼", chat=YULAN_GROUP)
    await world.tap(RESIDENT, YULAN_GROUP, "🆘 是紧急情况")
    await world.say(RESIDENT, "我爸胸口有点闷")
    await world.say(RESIDENT, "/sos")  # answers it too: one emergency, not two
    world.clock.advance(minutes=30)
    assert await _unanswered(world) == 0
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        kinds = (await session.execute(select(col(Case.kind), func.count()).group_by(
            col(Case.kind)))).all()
    assert dict(kinds) == {CaseKind.EMERGENCY: 3}  # #1 unanswered, #2 by the tap, #3 /sos
