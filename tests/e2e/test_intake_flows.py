"""Intake end to end: where reports can start, what is asked when something is missing."""

from models import CaseKind, CaseStatus
from sandbox import FakeUser
from tests.e2e.harness import (
    CHEN,
    HE,
    HUANG,
    NEIGHBOUR,
    RESIDENT,
    YULAN_GROUP,
    ZHANG,
    ZHOU,
    World,
)


async def test_a_missing_building_is_asked_once_and_remembered(world: World) -> None:
    await world.say(RESIDENT, "楼道灯坏了")
    assert "哪个社区" in world.last(RESIDENT.id).text
    await world.tap(RESIDENT, RESIDENT.id, "玉兰社区")
    assert "几号楼" in world.last(RESIDENT.id).text
    await world.say(RESIDENT, "3号楼")
    assert "已受理 #1" in world.last(RESIDENT.id).text and "#1" in world.last(ZHANG.id).text

    await world.say(RESIDENT, "电梯又坏了")
    assert "已受理 #2" in world.last(RESIDENT.id).text
    assert not any("几号楼" in t for t in world.texts(RESIDENT.id)[-2:])
    assert (await world.case(2)).building_label == "3"


async def test_an_unsure_kind_is_asked_with_buttons(world: World) -> None:
    await world.say(RESIDENT, "3号楼那个事")
    question = world.last(RESIDENT.id)
    assert "吗？" in question.text and "报修" in question.button_texts
    await world.tap(RESIDENT, RESIDENT.id, "报修")
    assert "已受理 #1 报修" in world.last(RESIDENT.id).text
    assert (await world.case(1)).kind == CaseKind.REPAIR


async def test_a_mention_or_a_reply_to_the_bot_starts_a_report_in_a_group(world: World) -> None:
    await world.say(NEIGHBOUR, "大家好，今天天气不错", chat=YULAN_GROUP)
    assert world.fake.messages(YULAN_GROUP) == []  # chatter not addressed to the bot
    await world.say(NEIGHBOUR, "@gridbot_test_bot 5栋电梯停了", chat=YULAN_GROUP)
    receipt = world.last(YULAN_GROUP)
    assert "已受理 #1" in receipt.text
    await world.say(RESIDENT, "2号楼门禁也坏了", chat=YULAN_GROUP, reply_to=receipt.message_id)
    assert "已受理 #2" in world.last(YULAN_GROUP).text
    assert (await world.case(2)).building_label == "2"


async def test_an_unknown_building_goes_to_the_manager_who_assigns_it(world: World) -> None:
    await world.say(RESIDENT, "/report 99号楼门口的灯不亮", chat=YULAN_GROUP)
    card = world.last(CHEN.id)
    assert "待派单 #1" in card.text and any("黄磊" in t for t in card.button_texts)
    await world.tap(CHEN, CHEN.id, "黄磊")
    assert "#1" in world.last(HUANG.id).text and "接单" in world.last(HUANG.id).button_texts[0]
    case = await world.case(1)
    assert case.status == CaseStatus.ASSIGNED and case.building_label == "99"


async def test_an_emergency_alerts_worker_and_manager_and_shows_the_numbers(world: World) -> None:
    await world.say(RESIDENT, "救命！我妈在家摔倒了起不来，9号楼402")
    numbers = "\n".join(world.texts(RESIDENT.id))
    for number in ("120", "110", "119"):
        assert number in numbers
    worker_cards = [t for t in world.texts(HUANG.id) + world.texts(HE.id) if "#1" in t]
    assert len(worker_cards) == 1 and "紧急" in worker_cards[0]
    assert "#1" in world.last(CHEN.id).text and "402" in world.last(CHEN.id).text
    assert (await world.case(1)).urgency == "urgent"


async def test_a_dispute_in_a_group_gets_only_a_neutral_line(world: World) -> None:
    # Disputes continue privately (handlers/disputes.py; tests/e2e/test_disputes.py).
    world.fake.user_starts(FakeUser(id=920001, first_name="刘阿姨"))  # the volunteer mediator
    await world.say(RESIDENT, "/report 楼上天天晚上十二点还在跺脚，3号楼", chat=YULAN_GROUP)
    group_text = "\n".join(world.texts(YULAN_GROUP))
    assert "私聊" in group_text
    for detail in ("跺脚", "3号楼", "楼上", "王"):
        assert detail not in group_text
    await world.say(RESIDENT, "/start dispute")
    for label in ("不清楚", "今天刚发生", "不是", "不是", "不是"):
        await world.tap(RESIDENT, RESIDENT.id, label)
    assert (await world.case(1)).kind == CaseKind.DISPUTE
    assert "跺脚" in world.last(ZHANG.id).text
    assert "#1" not in "\n".join(world.texts(YULAN_GROUP))


async def test_a_wish_is_recognised_and_routed(world: World) -> None:
    await world.say(RESIDENT, "/report 我是独居老人，想要一副老花镜，看报纸看不清了，4号楼")
    case = await world.case(1)
    # A wish waits for review (issue 4) instead of being dispatched like a repair.
    assert case.kind == CaseKind.WISH and case.status == CaseStatus.NEW
    assert "微心愿" in world.last(ZHANG.id).text


async def test_a_group_that_is_not_bound_is_told_so(world: World) -> None:
    world.groups[-1009] = world.fake.add_group(chat_id=-1009, title="别的群")
    await world.say(RESIDENT, "/report 3号楼灯坏了", chat=-1009)
    assert "还没有绑定社区" in world.last(-1009).text


async def test_an_admin_gets_reports_no_community_claims(world: World) -> None:
    await world.say(RESIDENT, "/sos")
    assert "120" in "\n".join(world.texts(RESIDENT.id))
    assert "#1" in world.last(ZHOU.id).text
